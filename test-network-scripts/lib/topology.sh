# shellcheck shell=bash
# Names, addresses and file locations of every node of the test network. Sourced by network.sh.
# Every port is DATAMARKET_PORT_BASE (default 7000) plus a fixed offset, so a second network can
# run beside the first by choosing another base.
# The variables are used by the scripts that source this file, where shellcheck cannot see it.
# shellcheck disable=SC2034
PORT_BASE="${DATAMARKET_PORT_BASE:-7000}"
RUN="${DATAMARKET_RUN_DIR:-$REPO/.run/network}"
CRYPTO="$RUN/crypto"
ORDERER_DOMAIN=orderer.datamarket.test
ORDERERS=(orderer1 orderer2 orderer3)
PEER_ORGS=(seller buyer auditor)
CC_NAME=datamarket
CHAINCODE_DIR="${DATAMARKET_CHAINCODE_DIR:-$REPO/chaincode}"
CC_PORT=$((PORT_BASE + 200))

orderer_index() { case "$1" in orderer1) echo 0 ;; orderer2) echo 1 ;; orderer3) echo 2 ;; *) return 1 ;; esac; }
orderer_port() { echo $((PORT_BASE + 50 + 10 * $(orderer_index "$1"))); }
orderer_admin_port() { echo $(($(orderer_port "$1") + 1)); }
orderer_ops_port() { echo $(($(orderer_port "$1") + 2)); }
orderer_dir() { echo "$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN/orderers/$1.$ORDERER_DOMAIN"; }
orderer_tls_ca() { echo "$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN/tlsca/tlsca.$ORDERER_DOMAIN-cert.pem"; }

org_index() { case "$1" in seller) echo 0 ;; buyer) echo 1 ;; auditor) echo 2 ;; *) return 1 ;; esac; }
org_msp() { case "$1" in seller) echo SellerMSP ;; buyer) echo BuyerMSP ;; auditor) echo AuditorMSP ;; esac; }
org_domain() { echo "$1.datamarket.test"; }
peer_name() { echo "peer0.$1"; }
peer_port() { echo $((PORT_BASE + 100 + 10 * $(org_index "$1"))); }
peer_cc_port() { echo $(($(peer_port "$1") + 1)); }
peer_ops_port() { echo $(($(peer_port "$1") + 2)); }
peer_dir() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/peers/peer0.$(org_domain "$1")"; }
org_tls_ca() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/tlsca/tlsca.$(org_domain "$1")-cert.pem"; }
org_admin_msp() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")/users/Admin@$(org_domain "$1")/msp"; }

# Every process the network starts, by the name its pid file and log carry.
all_nodes() {
  printf '%s\n' "${ORDERERS[@]}"
  for org in "${PEER_ORGS[@]}"; do peer_name "$org"; done
}
node_ports() {
  case "$1" in
    orderer*) echo "$(orderer_port "$1") $(orderer_admin_port "$1") $(orderer_ops_port "$1")" ;;
    peer0.*) local org="${1#peer0.}"; echo "$(peer_port "$org") $(peer_cc_port "$org") $(peer_ops_port "$org")" ;;
    cc-*) cat "$RUN/pids/$1.port" 2>/dev/null ;;
  esac
}

# The chaincode servers deployCC started (one per chaincode build).
chaincode_servers() {
  local f
  for f in "$RUN"/pids/cc-*.pid; do [ -f "$f" ] && basename "$f" .pid; done
  return 0
}
