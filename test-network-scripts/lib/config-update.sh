# shellcheck shell=bash
# Channel config updates: fetch the channel's config, change it with jq, compute the update
# with configtxlator, collect real signatures from enough member admins to satisfy the
# channel's Admins policy (MAJORITY of its orgs), and submit it. Used by addOrg and removeOrg.
# Sourced by network.sh (after topology.sh, identities.sh and channel.sh; uses its say and die).

orderer_tls_args() { echo "-o $(orderer_ip):$(orderer_port orderer1) --ordererTLSHostnameOverride orderer1.$ORDERER_DOMAIN --tls --cafile $(orderer_tls_ca)"; }

# fetch_config CHANNEL ORG DIR: DIR/config.json, the channel's current config, read by ORG's admin.
fetch_config() {
  local channel="$1" org="$2" dir="$3"
  mkdir -p "$dir"
  # shellcheck disable=SC2046 # the orderer arguments are words on purpose
  as_org_admin "$org" peer channel fetch config "$dir/config_block.pb" -c "$channel" $(orderer_tls_args) \
    >"$dir/fetch.log" 2>&1 || die "fetching the config of '$channel' failed: $(tail -n 3 "$dir/fetch.log")"
  configtxlator proto_decode --input "$dir/config_block.pb" --type common.Block --output "$dir/block.json"
  jq '.data.data[0].payload.data.config' "$dir/block.json" >"$dir/config.json"
}

# make_update CHANNEL DIR: from DIR/config.json and DIR/modified.json, DIR/update.pb, the
# config update wrapped in an envelope, ready for signatures.
make_update() {
  local channel="$1" dir="$2"
  configtxlator proto_encode --input "$dir/config.json" --type common.Config --output "$dir/config.pb"
  configtxlator proto_encode --input "$dir/modified.json" --type common.Config --output "$dir/modified.pb"
  configtxlator compute_update --channel_id "$channel" --original "$dir/config.pb" \
    --updated "$dir/modified.pb" --output "$dir/update-only.pb"
  configtxlator proto_decode --input "$dir/update-only.pb" --type common.ConfigUpdate --output "$dir/update-only.json"
  jq -n --arg channel "$channel" --slurpfile update "$dir/update-only.json" \
    '{payload: {header: {channel_header: {channel_id: $channel, type: 2}}, data: {config_update: $update[0]}}}' \
    >"$dir/update.json"
  configtxlator proto_encode --input "$dir/update.json" --type common.Envelope --output "$dir/update.pb"
}

# The member orgs of a channel, as its config lists them (MSP ids back to our org names).
config_orgs() {
  local msp org
  for msp in $(jq -r '.channel_group.groups.Application.groups | keys[]' "$1"); do
    for org in "${PEER_ORGS[@]}"; do [ "$(org_msp "$org")" = "$msp" ] && echo "$org"; done
  done
}

# sign_and_submit CHANNEL DIR: MAJORITY of the channel's member admins sign DIR/update.pb, each
# with their own key (peer channel signconfigtx); the last of them submits it.
sign_and_submit() {
  local channel="$1" dir="$2" members needed i
  mapfile -t members < <(config_orgs "$dir/config.json")
  needed=$(( ${#members[@]} / 2 + 1 ))
  for ((i = 0; i < needed - 1; i++)); do
    as_org_admin "${members[$i]}" peer channel signconfigtx -f "$dir/update.pb" >>"$dir/sign.log" 2>&1 ||
      die "$(org_msp "${members[$i]}") could not sign the update of '$channel': $(tail -n 3 "$dir/sign.log")"
  done
  local submitter="${members[$((needed - 1))]}"
  # shellcheck disable=SC2046 # the orderer arguments are words on purpose
  retry_ordering "$dir/update.log" as_org_admin "$submitter" peer channel update -f "$dir/update.pb" \
    -c "$channel" $(orderer_tls_args) ||
    die "the config update of '$channel' was refused: $(tail -n 3 "$dir/update.log")"
  say "config update of '$channel' signed by $needed of ${#members[@]} member admins ($(printf '%s ' "${members[@]:0:needed}"))"
}

# wait_config CHANNEL ORG JQ_TEST: until ORG's peer sees a config for which JQ_TEST is true.
wait_config() {
  local channel="$1" org="$2" test="$3" dir="$RUN/config/wait-$1"
  for _ in $(seq 1 30); do
    fetch_config "$channel" "$org" "$dir" 2>/dev/null
    jq -e "$test" "$dir/config.json" >/dev/null && return 0
    sleep 1
  done
  die "the config of '$channel' did not change within 30s"
}
