# shellcheck shell=bash
# The identities the Fabric CLIs run as: an org's admin against its own peer, and the orderers'
# channel-participation admin. Sourced by network.sh (after topology.sh).

# Runs a peer CLI command as the admin of ORG against its own (first) peer.
as_org_admin() {
  local org="$1"; shift
  as_peer_admin "$(peer_name "$org")" "$@"
}

# Runs a peer CLI command as the admin of PEER's org against PEER (peer1.seller, ...).
as_peer_admin() {
  local peer="$1" org dir; shift
  org="$(peer_org "$peer")"; dir="$(peer_dir "$peer")"
  FABRIC_CFG_PATH="$RUN/config/$peer" \
  CORE_PEER_LOCALMSPID="$(org_msp "$org")" \
  CORE_PEER_MSPCONFIGPATH="$(org_admin_msp "$org")" \
  CORE_PEER_ADDRESS="$(node_ip "$peer"):$(peer_port "$peer")" \
  CORE_PEER_TLS_ENABLED=true \
  CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/ca.crt" \
  FABRIC_LOGGING_SPEC=warning \
    "$@"
}

orderer_admin() {
  local o="$1"; shift
  local tls; tls="$(orderer_dir "$o")/tls"
  osnadmin "$@" -o "$(orderer_ip):$(orderer_admin_port "$o")" --ca-file "$tls/ca.crt" \
    --client-cert "$tls/server.crt" --client-key "$tls/server.key"
}
