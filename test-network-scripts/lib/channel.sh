# shellcheck shell=bash
# Channels: a genesis block from configtxgen for the named orgs, joined by every orderer
# (channel participation, no system channel) and by the peers of those orgs.
# Sourced by network.sh (after topology.sh, processes.sh, identities.sh and lifecycle.sh's
# require_up; uses its say and die).

parse_orgs() {
  local list="$1" org requested unique=()
  [ -n "$list" ] || die "--orgs needs a comma-separated list of orgs (known: ${PEER_ORGS[*]})"
  IFS=, read -r -a requested <<<"$list"
  for org in "${requested[@]}"; do
    org_index "$org" >/dev/null || die "unknown org '$org' (known: ${PEER_ORGS[*]})"
    [[ " ${unique[*]:-} " == *" $org "* ]] || unique+=("$org")
  done
  echo "${unique[@]}"
}

check_channel_name() {
  [[ "$1" =~ ^[a-z][a-z0-9.-]{0,48}$ ]] ||
    die "bad channel name '$1': lowercase letters, digits, '.' and '-', starting with a letter, at most 49 characters"
}

# The orgs of a channel, one a line: written once the channel exists, read by deployCC.
channel_orgs_file() { echo "$RUN/channels/$1.orgs"; }

# configtx_org ORG: the org's section of configtx.yaml (its MSP, policies and anchor peer).
configtx_org() {
  local org="$1" msp; msp="$(org_msp "$1")"
  printf '  - &%s\n    Name: %s\n    ID: %s\n    MSPDir: %s\n    Policies:\n' "$org" "$msp" "$msp" "$(org_dir "$org")/msp"
  printf "      Readers: { Type: Signature, Rule: \"OR('%s.admin', '%s.peer', '%s.client')\" }\n" "$msp" "$msp" "$msp"
  printf "      Writers: { Type: Signature, Rule: \"OR('%s.admin', '%s.client')\" }\n" "$msp" "$msp"
  printf "      Admins: { Type: Signature, Rule: \"OR('%s.admin')\" }\n" "$msp"
  printf "      Endorsement: { Type: Signature, Rule: \"OR('%s.peer')\" }\n" "$msp"
  printf '    AnchorPeers:\n      - { Host: %s, Port: %s }\n' "$(host_ip "$org")" "$(peer_port "$org")"
}

# fill_template: the template with the run directory and orderer ports filled in.
fill_template() {
  sed -e "s#@RUN@#$RUN#g" \
      -e "s#@ORDERER_HOST@#$(orderer_ip)#g" \
      -e "s#@ORDERER1_PORT@#$(orderer_port orderer1)#g" \
      -e "s#@ORDERER2_PORT@#$(orderer_port orderer2)#g" \
      -e "s#@ORDERER3_PORT@#$(orderer_port orderer3)#g" \
      "$REPO/network/configtx.template.yaml"
}

# write_configtx DIR ORG...: configtx.yaml for a channel of the given orgs, from the template
# (the orderer org and the defaults) plus a section for every org of the network.
write_configtx() {
  local dir="$1" org; shift
  mkdir -p "$dir"
  {
    fill_template | sed '/^# @PEER_ORGS@/,$d'
    for org in "${PEER_ORGS[@]}"; do configtx_org "$org"; done
    fill_template | sed '1,/^# @PEER_ORGS@/d'
    echo "Profiles:"
    echo "  DataMarketChannel:"
    echo "    <<: *ChannelDefaults"
    echo "    Orderer:"
    echo "      <<: *OrdererDefaults"
    echo "      Organizations: [*OrdererOrg]"
    echo "    Application:"
    echo "      <<: *ApplicationDefaults"
    echo "      Organizations: [$(printf '*%s, ' "$@" | sed 's/, $//')]"
  } >"$dir/configtx.yaml"
}

# Peers can join once the Raft cluster of the channel has a leader.
wait_channel_active() {
  local channel="$1"
  for _ in $(seq 1 60); do
    if orderer_admin orderer1 channel list --channelID "$channel" 2>/dev/null | grep '"consensusRelation": "consenter"' >/dev/null &&
       orderer_admin orderer1 channel list --channelID "$channel" 2>/dev/null | grep '"status": "active"' >/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  die "orderers did not activate channel '$channel' within 30s"
}

# join_peers CHANNEL BLOCK CFG_DIR ORG...: each org's peers join, retrying while they catch up.
join_peers() {
  local channel="$1" block="$2" cfg="$3" org peer joined; shift 3
  for org in "$@"; do
    for peer in $(org_peers "$org"); do
      joined=""
      for _ in $(seq 1 20); do
        if as_peer_admin "$peer" peer channel join -b "$block" >>"$cfg/join-$peer.log" 2>&1; then joined=1; break; fi
        sleep 1
      done
      [ -n "$joined" ] || die "$peer could not join '$channel': $(tail -n 3 "$cfg/join-$peer.log")"
      say "$peer joined '$channel'"
    done
  done
}

cmd_create_channel() {
  local channel="" orgs_arg="" name org o
  while [ $# -gt 0 ]; do
    case "$1" in
      -c) channel="${2:-}"; shift 2 ;;
      --orgs) orgs_arg="${2:-}"; shift 2 ;;
      *) die "createChannel: unknown option '$1' (use -c NAME --orgs ORG,ORG)" ;;
    esac
  done
  [ -n "$channel" ] || die "createChannel needs -c NAME"
  check_channel_name "$channel"
  require_up
  local orgs_list orgs
  orgs_list="$(parse_orgs "$orgs_arg")" || exit 1
  read -r -a orgs <<<"$orgs_list"
  [ -f "$(channel_orgs_file "$channel")" ] && die "channel '$channel' already exists"
  for name in "${ORDERERS[@]}"; do is_running "$name" || die "$name is not running"; done
  local peer
  for org in "${orgs[@]}"; do
    for peer in $(org_peers "$org"); do is_running "$peer" || die "$peer is not running"; done
  done

  say "creating channel '$channel' for orgs: ${orgs[*]}"
  local cfg="$RUN/config/channel-$channel" block="$RUN/channels/$channel.block"
  write_configtx "$cfg" "${orgs[@]}"
  configtxgen -configPath "$cfg" -profile DataMarketChannel -channelID "$channel" -outputBlock "$block" 2>"$cfg/configtxgen.log" ||
    die "configtxgen failed: $(tail -n 5 "$cfg/configtxgen.log")"
  for o in "${ORDERERS[@]}"; do
    orderer_admin "$o" channel join --channelID "$channel" --config-block "$block" >/dev/null
  done
  wait_channel_active "$channel"
  join_peers "$channel" "$block" "$cfg" "${orgs[@]}"
  printf '%s\n' "${orgs[@]}" >"$(channel_orgs_file "$channel")"
}
