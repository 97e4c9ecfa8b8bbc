#!/usr/bin/env bash
# The datamarket test network: three Raft orderers, a Fabric CA and one or two peers for each
# org (seller, buyer, auditor, and any addOrg adds), native processes with TLS on 127.0.0.1
# (or one network namespace per org), chaincode run as a service.
#
#   network.sh up [--crypto ca|cryptogen] [--peers 1|2] [--hosts]
#                                              CAs and identities, orderers, peers, channel 'market'
#   network.sh createChannel -c NAME --orgs seller,auditor
#   network.sh deployCC -c NAME                package, install, approve, commit, start server
#   network.sh addOrg NAME [--peers N] [--channels a,b] [--role seller|buyer|auditor]
#                                              a new member org: CA, MSP, peers, channel updates
#   network.sh removeOrg NAME                  config updates removing it; its nodes stop
#   network.sh profile ORG                     writes ORG's connection profile (JSON), prints its path
#   network.sh status                          processes and their /healthz
#   network.sh stopNode NODE | startNode NODE  e.g. peer0.buyer (for failure tests)
#   network.sh down                            stop what we started (by pid), remove state
#
# This file only dispatches verbs; the work is in lib/, one file per concern (see docs/network.md).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$REPO/test-network-scripts"
# shellcheck source=test-network-scripts/lib/fabric-env.sh
source "$HERE/lib/fabric-env.sh"
# shellcheck source=test-network-scripts/lib/topology.sh
source "$HERE/lib/topology.sh"
# shellcheck source=test-network-scripts/lib/processes.sh
source "$HERE/lib/processes.sh"
# shellcheck source=test-network-scripts/lib/hosts.sh
source "$HERE/lib/hosts.sh"
# shellcheck source=test-network-scripts/lib/ca.sh
source "$HERE/lib/ca.sh"
# shellcheck source=test-network-scripts/lib/crypto.sh
source "$HERE/lib/crypto.sh"
# shellcheck source=test-network-scripts/lib/node-config.sh
source "$HERE/lib/node-config.sh"
# shellcheck source=test-network-scripts/lib/identities.sh
source "$HERE/lib/identities.sh"
# shellcheck source=test-network-scripts/lib/channel.sh
source "$HERE/lib/channel.sh"
# shellcheck source=test-network-scripts/lib/chaincode.sh
source "$HERE/lib/chaincode.sh"
# shellcheck source=test-network-scripts/lib/lifecycle.sh
source "$HERE/lib/lifecycle.sh"
# shellcheck source=test-network-scripts/lib/profile.sh
source "$HERE/lib/profile.sh"
# shellcheck source=test-network-scripts/lib/config-update.sh
source "$HERE/lib/config-update.sh"
# shellcheck source=test-network-scripts/lib/orgs.sh
source "$HERE/lib/orgs.sh"
export PATH="$FABRIC_BIN:$FABRIC_CA_BIN:$REPO/node_modules/.bin:$PATH"

say() { printf '[network] %s\n' "$*" >&2; }
die() { printf '[network] error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

verb="${1:-}"
[ $# -gt 0 ] && shift
case "$verb" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  profile) cmd_profile "$@" ;;
  addOrg) cmd_add_org "$@" ;;
  removeOrg) cmd_remove_org "$@" ;;
  createChannel) cmd_create_channel "$@" ;;
  deployCC) cmd_deploy_cc "$@" ;;
  stopNode) cmd_stop_node "$@" ;;
  startNode) cmd_start_node "$@" ;;
  updateCrl) bash "$HERE/lib/crl.sh" "$@" ;;
  -h | --help | help) usage ;;
  "") usage; exit 2 ;;
  *) say "unknown verb '$verb'"; usage; exit 2 ;;
esac
