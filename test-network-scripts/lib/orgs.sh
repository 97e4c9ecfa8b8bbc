# shellcheck shell=bash
# `addOrg NAME [--peers N] [--channels a,b] [--role seller|buyer|auditor]` and `removeOrg NAME`:
# a member org that joins (or leaves) a running network. The new org gets its own Fabric CA,
# MSP and peers; each named channel gets a config update adding it (signed by a majority of
# the channel's member admins), its peers join, its anchor peer is in its channel definition,
# and it approves the committed chaincode definition so its peers can endorse. A gateway app
# config is written for it. Sourced by network.sh (after every other lib; uses say and die).

check_org_name() {
  [[ "$1" =~ ^[a-z][a-z0-9]{1,15}$ ]] ||
    die "bad org name '$1': 2-16 lowercase letters and digits, starting with a letter"
  [ "$1" != orderer ] || die "'orderer' is the ordering org's name"
}

# org_definition ORG DIR: DIR/org.json, the org's channel group (MSP, policies, anchor peer).
org_definition() {
  local org="$1" dir="$2"
  write_configtx "$dir" "$org"
  configtxgen -configPath "$dir" -printOrg "$(org_msp "$org")" >"$dir/org-only.json" 2>"$dir/printorg.log" ||
    die "configtxgen -printOrg failed: $(tail -n 3 "$dir/printorg.log")"
  # -printOrg leaves the anchor peer out; it goes in with the same update.
  jq --argjson port "$(peer_port "$org")" --arg host "$(host_ip "$org")" \
    '.values.AnchorPeers = {mod_policy: "Admins", version: "0",
       value: {anchor_peers: [{host: $host, port: $port}]}}' "$dir/org-only.json" >"$dir/org.json"
}

# add_to_channel CHANNEL ORG: the config update, then ORG's peers join.
add_to_channel() {
  local channel="$1" org="$2" members dir="$RUN/config/add-$2-$1" msp
  msp="$(org_msp "$org")"
  mapfile -t members <"$(channel_orgs_file "$channel")"
  org_definition "$org" "$dir"
  fetch_config "$channel" "${members[0]}" "$dir"
  jq --arg msp "$msp" --slurpfile orgdef "$dir/org.json" \
    '.channel_group.groups.Application.groups[$msp] = $orgdef[0]' "$dir/config.json" >"$dir/modified.json"
  make_update "$channel" "$dir"
  sign_and_submit "$channel" "$dir"
  wait_config "$channel" "${members[0]}" ".channel_group.groups.Application.groups[\"$msp\"] != null"
  echo "$org" >>"$(channel_orgs_file "$channel")"
  # The new org reads the channel from its genesis block, now that the channel admits it.
  # shellcheck disable=SC2046 # the orderer arguments are words on purpose
  retry_ordering "$dir/fetch0.log" as_org_admin "$org" peer channel fetch 0 "$dir/genesis.pb" \
    -c "$channel" $(orderer_tls_args) || die "$org could not fetch '$channel': $(tail -n 3 "$dir/fetch0.log")"
  join_peers "$channel" "$dir/genesis.pb" "$dir" "$org"
}

# channel_height PEER CHANNEL: the block height PEER reports (0 if it cannot say).
channel_height() {
  as_peer_admin "$1" peer channel getinfo -c "$2" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p' | grep . || echo 0
}

# wait_caught_up CHANNEL ORG: until each of ORG's peers has every block a member peer had when
# ORG joined (its own MSP is only known to it once it has the config block that added it).
wait_caught_up() {
  local channel="$1" org="$2" first target peer
  first="$(head -n 1 "$(channel_orgs_file "$channel")")"
  target="$(channel_height "$(peer_name "$first")" "$channel")"
  for peer in $(org_peers "$org"); do
    for _ in $(seq 1 120); do
      [ "$(channel_height "$peer" "$channel")" -ge "$target" ] && continue 2
      sleep 0.5
    done
    die "$peer did not catch up with '$channel' (height $target) within 60s"
  done
}

# approve_committed CHANNEL ORG: installs the committed chaincode build on ORG's peers and
# approves the committed definition (same version and sequence) for ORG.
approve_committed() {
  local channel="$1" org="$2" first committed version sequence label pkg package_id
  first="$(head -n 1 "$(channel_orgs_file "$channel")")"
  committed="$(as_org_admin "$first" peer lifecycle chaincode querycommitted -C "$channel" -n "$CC_NAME" -O json 2>/dev/null || true)"
  [ -n "$committed" ] || return 0
  version="$(jq -r .version <<<"$committed")"; sequence="$(jq -r .sequence <<<"$committed")"
  label="${CC_NAME}_$version"; pkg="$RUN/chaincode/$label/package.tar.gz"
  [ -f "$pkg" ] || die "the committed build $label has no package in $RUN/chaincode"
  package_id="$label:$(sha256sum "$pkg" | cut -d' ' -f1)"
  install_on_peers "$pkg" "$package_id" "$label" "$org"
  retry_ordering "$RUN/chaincode/approve-$org-$channel.log" as_org_admin "$org" peer lifecycle chaincode \
    approveformyorg -o "$(orderer_ip):$(orderer_port orderer1)" --tls --cafile "$(orderer_tls_ca)" \
    -C "$channel" -n "$CC_NAME" -v "$version" --package-id "$package_id" --sequence "$sequence" \
    --channel-config-policy /Channel/Application/Endorsement --waitForEvent ||
    die "approval by $(org_msp "$org") failed: $(tail -n 5 "$RUN/chaincode/approve-$org-$channel.log")"
  say "$(org_msp "$org") approved '$CC_NAME' sequence $sequence on '$channel'"
}

# write_app_config ORG ROLE: $RUN/apps/ORG.json, a gateway app config for the org (its users
# Admin and User1, each with a fresh API token in $RUN/apps/ORG.tokens, mode 0600). A seller
# app registers its URL on chain as the org's Admin at start (RegisterOrgApp).
write_app_config() {
  local org="$1" role="$2" dir="$RUN/apps" user token users='[]'
  mkdir -p "$dir"
  : >"$dir/$org.tokens" && chmod 600 "$dir/$org.tokens"
  for user in Admin User1; do
    token="$(openssl rand -hex 32)"
    printf '%s %s\n' "$user" "$token" >>"$dir/$org.tokens"
    users="$(jq -c --arg user "$user" --arg digest "$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)" \
      '. + [{user: $user, tokenSha256: $digest}]' <<<"$users")"
  done
  jq -n --arg org "$org" --arg role "$role" --arg run "$RUN" --argjson port "$((PORT_BASE + 400 + $(org_index "$org")))" \
    --arg host "$(host_ip "$org")" --arg store "$dir/$org-store.db" --arg secret "$(openssl rand -hex 24)" --argjson users "$users" \
    --argjson channels "$(printf '%s\n' "${@:3}" | jq -R . | jq -sc .)" \
    '{org: $org, roles: [$role], channels: $channels, networkRunDir: $run, host: $host,
      port: $port, storePath: $store, storeSecret: $secret, users: $users}
     + if $role == "seller" then {registerAppAs: "Admin"} else {} end' >"$dir/$org.json"
  chmod 600 "$dir/$org.json"
  say "gateway app config: $dir/$org.json (API tokens in $dir/$org.tokens)"
}

cmd_add_org() {
  local org="${1:-}" peers=1 channels_arg=market role=seller channel p name
  [ -n "$org" ] || die "addOrg needs a name: addOrg NAME [--peers N] [--channels a,b] [--role R]"
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --peers) peers="${2:-}"; shift 2 ;;
      --channels) channels_arg="${2:-}"; shift 2 ;;
      --role) role="${2:-}"; shift 2 ;;
      *) die "addOrg: unknown option '$1' (use --peers N, --channels a,b, --role seller|buyer|auditor)" ;;
    esac
  done
  check_org_name "$org"
  check_peer_count "$peers"
  case "$role" in seller | buyer | auditor) ;; *) die "--role must be seller, buyer or auditor" ;; esac
  require_up
  org_index "$org" >/dev/null && die "org '$org' is already a member"
  # Its lifecycle approvals live in the implicit private data of the peers that left with it.
  ! grep -qx "$org" "$RUN/removed-orgs" 2>/dev/null ||
    die "org '$org' was removed from this network; a new member needs a new name"
  [ ${#PEER_ORGS[@]} -lt "$MAX_ORGS" ] || die "the network has room for $MAX_ORGS orgs"
  local channels; IFS=, read -r -a channels <<<"$channels_arg"
  for channel in "${channels[@]}"; do
    [ -f "$(channel_orgs_file "$channel")" ] || die "unknown channel '$channel'"
  done
  local t0=$SECONDS
  echo "$org $peers" >>"$ORGS_FILE"
  load_orgs
  for name in "$(ca_node "$org")" $(org_peers "$org"); do
    for p in $(node_ports "$name"); do
      port_held "$p" && { sed -i "/^$org /d" "$ORGS_FILE"; die "port $p (for $name) is in use"; }
    done
  done
  say "adding org '$org' ($(org_msp "$org"), $peers peer(s)) to: ${channels[*]}"
  if hosts_mode; then ( host_add "$org" ); fi
  start_cas "$org"
  ( enroll_peer_org "$org" )
  for name in $(org_peers "$org"); do write_peer_env "$name"; start_node "$name"; done
  for name in $(org_peers "$org"); do wait_healthy "$name"; say "$name healthy"; done
  write_network_json
  for channel in "${channels[@]}"; do
    add_to_channel "$channel" "$org"
    wait_caught_up "$channel" "$org"
    approve_committed "$channel" "$org"
  done
  write_app_config "$org" "$role" "${channels[@]}"
  say "org '$org' added in $((SECONDS - t0))s"
}

# removeOrg NAME: a config update removes the org from each channel it is in (signed by a
# majority of that channel's admins), then its peers and CA stop.
cmd_remove_org() {
  local org="${1:-}" channel f msp dir
  [ -n "$org" ] || die "removeOrg needs an org name"
  require_up
  org_index "$org" >/dev/null || die "unknown org '$org' (known: ${PEER_ORGS[*]})"
  msp="$(org_msp "$org")"
  for f in "$RUN"/channels/*.orgs; do
    { [ -f "$f" ] && grep -qx "$org" "$f"; } || continue
    channel="$(basename "$f" .orgs)"
    [ "$(grep -cvx "$org" "$f")" -gt 0 ] || die "'$org' is the only member of '$channel'"
    dir="$RUN/config/remove-$org-$channel"
    fetch_config "$channel" "$(grep -vx "$org" "$f" | head -n 1)" "$dir"
    jq --arg msp "$msp" 'del(.channel_group.groups.Application.groups[$msp])' "$dir/config.json" >"$dir/modified.json"
    make_update "$channel" "$dir"
    sign_and_submit "$channel" "$dir"
    sed -i "/^$org\$/d" "$f"
    say "removed $msp from '$channel'"
  done
  local nodes; mapfile -t nodes < <(org_peers "$org"; ca_node "$org")
  stop_processes "${nodes[@]}"
  if hosts_mode; then ip netns del "$(host_netns "$org")" 2>/dev/null || true; fi
  # Its ledgers, identities and CA go too: a later addOrg of the same name starts afresh.
  for f in "${nodes[@]}"; do rm -rf "${RUN:?}/data/$f" "${RUN:?}/config/$f"; done
  rm -rf "$(org_dir "$org")" "$(ca_home "$org")" "${CA_CLIENT_HOME:?}/$org" "$RUN/apps/$org".*
  sed -i "/^$org /d" "$ORGS_FILE"
  echo "$org" >>"$RUN/removed-orgs"
  load_orgs
  write_network_json
  say "org '$org' removed; stopped ${nodes[*]}"
}
