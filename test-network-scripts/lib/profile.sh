# shellcheck shell=bash
# `network.sh profile ORG`: the org's common connection profile (JSON), as fabric-samples'
# ccp-generate writes it: the org, its peers with their TLS root, its CA. Apps built on the
# Fabric SDKs (fabric-network 2.2 among them) connect with it and find the rest by discovery.
# Sourced by network.sh (after topology.sh and ca.sh; uses its say and die).

profile_file() { echo "$RUN/profiles/connection-$1.json"; }

# write_profile ORG: writes the profile and prints its path.
write_profile() {
  local org="$1" domain peers_json peer out ca_json='{}' ca_list='[]'
  domain="$(org_domain "$org")"
  out="$(profile_file "$org")"
  mkdir -p "$(dirname "$out")"
  peers_json='{}'
  for peer in $(org_peers "$org"); do
    peers_json="$(jq -c --arg name "$(peer_host "$peer")" --arg url "grpcs://$(host_ip "$org"):$(peer_port "$peer")" \
      --rawfile pem "$(org_tls_ca "$org")" \
      '. + {($name): {url: $url, tlsCACerts: {pem: $pem},
        grpcOptions: {"ssl-target-name-override": $name, hostnameOverride: $name}}}' <<<"$peers_json")"
  done
  if [ -f "$(ca_cert "$org")" ]; then
    ca_json="$(jq -nc --arg name "ca.$domain" --arg caName "ca-$org" --arg url "https://$(host_ip "$org"):$(ca_port "$org")" \
      --rawfile pem "$(ca_cert "$org")" \
      '{($name): {url: $url, caName: $caName, tlsCACerts: {pem: [$pem]}, httpOptions: {verify: false}}}')"
    ca_list="$(jq -nc --arg name "ca.$domain" '[$name]')"
  fi
  jq -n --arg org "$org" --arg msp "$(org_msp "$org")" --argjson peers "$peers_json" \
    --argjson cas "$ca_json" --argjson caList "$ca_list" '{
      name: "datamarket-\($org)",
      version: "1.0.0",
      client: {
        organization: $msp,
        connection: { timeout: { peer: { endorser: "300" } } }
      },
      organizations: {
        ($msp): { mspid: $msp, peers: ($peers | keys), certificateAuthorities: $caList }
      },
      peers: $peers,
      certificateAuthorities: $cas
    }' >"$out"
  echo "$out"
}

cmd_profile() {
  local org="${1:-}"
  [ -n "$org" ] || die "profile needs an org name (known: ${PEER_ORGS[*]})"
  require_up
  org_index "$org" >/dev/null || die "unknown org '$org' (known: ${PEER_ORGS[*]})"
  write_profile "$org"
}
