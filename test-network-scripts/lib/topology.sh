# shellcheck shell=bash
# Names, addresses and file locations of every node of the test network. Sourced by network.sh.
# Every port is DATAMARKET_PORT_BASE (default 7000) plus a fixed offset, so a second network can
# run beside the first by choosing another base:
#   +50..+72   orderers (listen, admin, operations)    +100 + 10*i  peer0 of org i, +5 peer1
#   +200..     chaincode servers                        +300 + 10*i  CA of org i (+1 operations)
#   +390       the orderer org's CA
# The peer orgs are those `up` starts plus those addOrg adds: $RUN/orgs.list, one "NAME PEERS"
# a line, in order (the line number is the org's index).
# The variables are used by the scripts that source this file, where shellcheck cannot see it.
# shellcheck disable=SC2034
PORT_BASE="${DATAMARKET_PORT_BASE:-7000}"
# Absolute, so the environment our processes carry (see is_running) names it the same way.
RUN="$(realpath -m "${DATAMARKET_RUN_DIR:-$REPO/.run/network}")"
CRYPTO="$RUN/crypto"
ORDERER_DOMAIN=orderer.datamarket.test
ORDERERS=(orderer1 orderer2 orderer3)
DEFAULT_ORGS=(seller buyer auditor)
MAX_ORGS=10
CC_NAME=datamarket
CHAINCODE_DIR="${DATAMARKET_CHAINCODE_DIR:-$REPO/chaincode}"
CC_PORT=$((PORT_BASE + 200))
ORGS_FILE="$RUN/orgs.list"

# Reads the org list of the run (or the default one before `up` wrote it).
load_orgs() {
  PEER_ORGS=()
  if [ -f "$ORGS_FILE" ]; then
    local name _peers
    while read -r name _peers; do [ -n "$name" ] && PEER_ORGS+=("$name"); done <"$ORGS_FILE"
  else
    PEER_ORGS=("${DEFAULT_ORGS[@]}")
  fi
}
load_orgs

orderer_index() { case "$1" in orderer1) echo 0 ;; orderer2) echo 1 ;; orderer3) echo 2 ;; *) return 1 ;; esac; }
orderer_port() { echo $((PORT_BASE + 50 + 10 * $(orderer_index "$1"))); }
orderer_admin_port() { echo $(($(orderer_port "$1") + 1)); }
orderer_ops_port() { echo $(($(orderer_port "$1") + 2)); }
orderer_dir() { echo "$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN/orderers/$1.$ORDERER_DOMAIN"; }
orderer_tls_ca() { echo "$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN/tlsca/tlsca.$ORDERER_DOMAIN-cert.pem"; }
orderer_admin_msp() { echo "$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN/users/Admin@$ORDERER_DOMAIN/msp"; }

org_index() {
  local i
  for i in "${!PEER_ORGS[@]}"; do [ "${PEER_ORGS[$i]}" = "$1" ] && { echo "$i"; return 0; }; done
  return 1
}
# SellerMSP, BuyerMSP, ClinicMSP, ...
org_msp() { echo "${1^}MSP"; }
org_domain() { echo "$1.datamarket.test"; }
org_peer_count() {
  local name peers
  [ -f "$ORGS_FILE" ] || { echo 1; return 0; }
  while read -r name peers; do [ "$name" = "$1" ] && { echo "${peers:-1}"; return 0; }; done <"$ORGS_FILE"
  echo 1
}
# peer names are peerN.ORG; org_peers ORG lists them.
org_peers() { local n; for ((n = 0; n < $(org_peer_count "$1"); n++)); do echo "peer$n.$1"; done; }
peer_org() { echo "${1#peer*.}"; }
peer_number() { local p="${1%%.*}"; echo "${p#peer}"; }
# peer_name ORG: the org's first peer (its anchor peer and the one the admin CLI talks to).
peer_name() { echo "peer0.$1"; }
peer_host() { echo "peer$(peer_number "$1").$(org_domain "$(peer_org "$1")")"; }
# Ports of a peer, by peer name (peer0.seller) or, for peer0, by org name (seller).
_as_peer() { case "$1" in peer*.*) echo "$1" ;; *) echo "peer0.$1" ;; esac; }
peer_port() {
  local p; p="$(_as_peer "$1")"
  echo $((PORT_BASE + 100 + 10 * $(org_index "$(peer_org "$p")") + 5 * $(peer_number "$p")))
}
peer_cc_port() { echo $(($(peer_port "$1") + 1)); }
peer_ops_port() { echo $(($(peer_port "$1") + 2)); }
org_dir() { echo "$CRYPTO/peerOrganizations/$(org_domain "$1")"; }
peer_dir() { local p; p="$(_as_peer "$1")"; echo "$(org_dir "$(peer_org "$p")")/peers/$(peer_host "$p")"; }
org_tls_ca() { echo "$(org_dir "$1")/tlsca/tlsca.$(org_domain "$1")-cert.pem"; }
org_admin_msp() { echo "$(org_dir "$1")/users/Admin@$(org_domain "$1")/msp"; }

# Fabric CA servers: one per org, the orderer org's named "orderer".
ca_node() { echo "ca.$1"; }
ca_port() {
  case "$1" in
    orderer) echo $((PORT_BASE + 390)) ;;
    *) echo $((PORT_BASE + 300 + 10 * $(org_index "$1"))) ;;
  esac
}
ca_ops_port() { echo $(($(ca_port "$1") + 1)); }
ca_home() { echo "$RUN/ca/$1"; }
ca_cert() { echo "$(ca_home "$1")/ca-cert.pem"; }

# Every process the network starts, by the name its pid file and log carry.
all_nodes() {
  local org
  printf '%s\n' "${ORDERERS[@]}"
  for org in "${PEER_ORGS[@]}"; do org_peers "$org"; done
  if [ -d "$RUN/ca" ]; then
    for org in orderer "${PEER_ORGS[@]}"; do [ -d "$(ca_home "$org")" ] && ca_node "$org"; done
  fi
  return 0
}
node_ports() {
  case "$1" in
    orderer*) echo "$(orderer_port "$1") $(orderer_admin_port "$1") $(orderer_ops_port "$1")" ;;
    peer*.*) echo "$(peer_port "$1") $(peer_cc_port "$1") $(peer_ops_port "$1")" ;;
    ca.*) echo "$(ca_port "${1#ca.}") $(ca_ops_port "${1#ca.}")" ;;
    cc-*) cat "$RUN/pids/$1.port" 2>/dev/null ;;
  esac
}

# The chaincode servers deployCC started (one per chaincode build).
chaincode_servers() {
  local f
  for f in "$RUN"/pids/cc-*.pid; do [ -f "$f" ] && basename "$f" .pid; done
  return 0
}

# Hosts: by default every node is on 127.0.0.1. With `up --hosts`, each org (the orderer org
# included) is a host of its own: a Linux network namespace with one address on a bridge
# (lib/hosts.sh); the chaincode server and the scripts stay on the bridge's own address.
HOSTS_FILE="$RUN/hosts-mode"
HOST_NET="10.251.$(((PORT_BASE / 1000) % 250))"
BRIDGE="dmbr$PORT_BASE"
hosts_mode() { [ -f "$HOSTS_FILE" ]; }
host_number() { case "$1" in orderer) echo 2 ;; *) echo $((10 + $(org_index "$1"))) ;; esac; }
host_ip() { if hosts_mode; then echo "$HOST_NET.$(host_number "$1")"; else echo 127.0.0.1; fi; }
orderer_ip() { host_ip orderer; }
cc_ip() { if hosts_mode; then echo "$HOST_NET.1"; else echo 127.0.0.1; fi; }
# The host (org) a node runs on: orderer1 -> orderer, peer1.seller -> seller, ca.buyer -> buyer.
node_host() {
  case "$1" in
    orderer*) echo orderer ;;
    peer*.*) peer_org "$1" ;;
    ca.*) echo "${1#ca.}" ;;
  esac
}
node_ip() { host_ip "$(node_host "$1")"; }
host_netns() { echo "dm$PORT_BASE-$1"; }
