#!/usr/bin/env bash
# An org's certificate revocation list into the MSP of channels, by a channel config update
# the org's admin signs (an org may change its own MSP: its group's mod_policy is its Admins).
# After the update, the peers and orderers refuse the revoked certificates.
#
#   network.sh updateCrl ORG CRL_PEM_FILE CHANNEL...
#
# Run by network.sh's dispatcher; it reads the same environment (DATAMARKET_RUN_DIR,
# DATAMARKET_PORT_BASE) through topology.sh.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/test-network-scripts"
# shellcheck source=test-network-scripts/lib/fabric-env.sh
source "$HERE/lib/fabric-env.sh"
# shellcheck source=test-network-scripts/lib/topology.sh
source "$HERE/lib/topology.sh"
# shellcheck source=test-network-scripts/lib/identities.sh
source "$HERE/lib/identities.sh"
# shellcheck source=test-network-scripts/lib/channel.sh
source "$HERE/lib/channel.sh"
export PATH="$FABRIC_BIN:$PATH"

say() { printf '[network] %s\n' "$*" >&2; }
die() { printf '[network] error: %s\n' "$*" >&2; exit 1; }

# fetch, decode, set revocation_list, compute the update, wrap it, send it: one channel.
update_channel_crl() {
  local org="$1" crl_file="$2" channel="$3"
  local msp dir orderer crl64
  msp="$(org_msp "$org")"
  dir="$RUN/config/crl-$channel-$org"
  rm -rf "$dir" && mkdir -p "$dir"
  orderer="127.0.0.1:$(orderer_port orderer1)"
  crl64="$(base64 -w0 "$crl_file")"
  as_org_admin "$org" peer channel fetch config "$dir/block.pb" -o "$orderer" \
    --ordererTLSHostnameOverride "orderer1.$ORDERER_DOMAIN" -c "$channel" --tls \
    --cafile "$(orderer_tls_ca)" >"$dir/fetch.log" 2>&1 ||
    die "updateCrl: cannot fetch the config of '$channel': $(tail -n 3 "$dir/fetch.log")"
  configtxlator proto_decode --input "$dir/block.pb" --type common.Block |
    jq '.data.data[0].payload.data.config' >"$dir/config.json"
  jq -e --arg msp "$msp" '.channel_group.groups.Application.groups[$msp]' "$dir/config.json" >/dev/null ||
    die "updateCrl: $msp is not a member of '$channel'"
  jq --arg msp "$msp" --arg crl "$crl64" \
    '.channel_group.groups.Application.groups[$msp].values.MSP.value.config.revocation_list = [$crl]' \
    "$dir/config.json" >"$dir/modified.json"
  configtxlator proto_encode --input "$dir/config.json" --type common.Config --output "$dir/config.pb"
  configtxlator proto_encode --input "$dir/modified.json" --type common.Config --output "$dir/modified.pb"
  if ! configtxlator compute_update --channel_id "$channel" --original "$dir/config.pb" \
    --updated "$dir/modified.pb" --output "$dir/update.pb" 2>"$dir/compute.log"; then
    grep -q 'no differences' "$dir/compute.log" && { say "'$channel' already has this CRL"; return 0; }
    die "updateCrl: compute_update failed: $(tail -n 3 "$dir/compute.log")"
  fi
  configtxlator proto_decode --input "$dir/update.pb" --type common.ConfigUpdate >"$dir/update.json"
  jq -n --arg ch "$channel" --slurpfile update "$dir/update.json" \
    '{payload: {header: {channel_header: {channel_id: $ch, type: 2}}, data: {config_update: $update[0]}}}' \
    >"$dir/envelope.json"
  configtxlator proto_encode --input "$dir/envelope.json" --type common.Envelope --output "$dir/envelope.pb"
  as_org_admin "$org" peer channel update -f "$dir/envelope.pb" -c "$channel" -o "$orderer" \
    --ordererTLSHostnameOverride "orderer1.$ORDERER_DOMAIN" --tls --cafile "$(orderer_tls_ca)" \
    >"$dir/update.log" 2>&1 ||
    die "updateCrl: the update of '$channel' was refused: $(tail -n 3 "$dir/update.log")"
  say "$msp's CRL is in the MSP of '$channel'"
}

cmd_update_crl() {
  local org="${1:-}" crl_file="${2:-}" channel
  [ $# -ge 3 ] || die "updateCrl needs ORG CRL_PEM_FILE CHANNEL..."
  shift 2
  [ -d "$RUN/crypto" ] || die "the network is not up (run: network.sh up)"
  org_index "$org" >/dev/null || die "unknown org '$org'"
  [ -s "$crl_file" ] || die "updateCrl: no CRL at '$crl_file'"
  grep -q 'BEGIN X509 CRL' "$crl_file" || die "updateCrl: '$crl_file' is not a PEM CRL"
  for channel in "$@"; do
    check_channel_name "$channel"
    update_channel_crl "$org" "$crl_file" "$channel"
  done
}

cmd_update_crl "$@"
