# shellcheck shell=bash
# The network-wide verbs: up, down, status, stopNode and startNode. Sourced by network.sh
# (after every other lib; uses its say and die).

require_up() {
  [ -d "$RUN/crypto" ] || die "the network is not up (run: network.sh up)"
}

# up [--crypto ca|cryptogen] [--peers 1|2] [--hosts]
cmd_up() {
  local name org p crypto=ca peers=1 hosts=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --crypto) crypto="${2:-}"; shift 2 ;;
      --peers) peers="${2:-}"; shift 2 ;;
      --hosts) hosts=1; shift ;;
      *) die "up: unknown option '$1' (use --crypto ca|cryptogen, --peers 1|2, --hosts)" ;;
    esac
  done
  case "$crypto" in ca | cryptogen) ;; *) die "--crypto must be ca or cryptogen, not '$crypto'" ;; esac
  check_peer_count "$peers"
  [ -z "$hosts" ] || [ "$crypto" = ca ] || die "--hosts needs --crypto ca (each host's TLS names its own address)"
  [ -z "$hosts" ] || hosts_supported || die "--hosts: cannot create network namespaces here (needs root and ip netns)"
  if [ -d "$RUN/pids" ] && [ -n "$(ls -A "$RUN/pids" 2>/dev/null)" ]; then
    die "the network is already up (run dir $RUN); run 'network.sh down' first"
  fi
  rm -rf "$RUN" && mkdir -p "$RUN"/{logs,pids,channels,config}
  for org in "${DEFAULT_ORGS[@]}"; do echo "$org $peers"; done >"$ORGS_FILE"
  load_orgs
  for name in $(all_nodes) ca.orderer $(for org in "${PEER_ORGS[@]}"; do ca_node "$org"; done); do
    for p in $(node_ports "$name"); do
      port_in_use "$p" && { rm -rf "$RUN"; die "port $p (for $name) is already in use; stop that process or set DATAMARKET_PORT_BASE"; }
    done
  done
  bash "$HERE/install-fabric.sh"
  local t0=$SECONDS
  # A failed start leaves nothing half-started behind. (The ERR trap does not reach into
  # functions, so the steps that must trigger it run in subshells.)
  trap 'say "start-up failed: stopping what was started"; cmd_down >/dev/null 2>&1 || true' ERR
  trap 'say "start-up failed: stopping what was started"; cmd_down >/dev/null 2>&1 || true; exit 1' INT TERM
  [ -z "$hosts" ] || ( hosts_up )
  ( generate_crypto "$crypto" "$peers" )
  say "identities ready ($crypto) in $((SECONDS - t0))s"
  for name in "${ORDERERS[@]}"; do write_orderer_env "$name"; start_node "$name"; done
  for org in "${PEER_ORGS[@]}"; do
    for name in $(org_peers "$org"); do write_peer_env "$name"; start_node "$name"; done
  done
  for name in $(all_nodes); do wait_healthy "$name"; say "$name healthy"; done
  write_network_json
  ( cmd_create_channel -c market --orgs "$(IFS=,; echo "${PEER_ORGS[*]}")" )
  trap - ERR INT TERM
  say "network up in $((SECONDS - t0))s ($crypto, $peers peer(s) per org${hosts:+, one host per org}); run dir $RUN"
}

check_peer_count() {
  [[ "$1" =~ ^[12]$ ]] || die "--peers must be 1 or 2, not '$1' (each org has room for two peers' ports)"
}

cmd_status() {
  local any="" name state f
  [ -d "$RUN" ] || { say "the network is not up"; return 3; }
  printf '%-16s %-8s %-8s %s\n' NODE PID STATE PORTS
  for name in $(all_nodes) $(chaincode_servers); do
    [ -f "$(pid_file "$name")" ] || { printf '%-16s %-8s %-8s\n' "$name" - stopped; any=1; continue; }
    if ! is_running "$name"; then state=dead
    elif [[ "$name" == cc-* ]]; then state=running; port_in_use "$(node_ports "$name")" || state=starting
    elif is_healthy "$name"; then state=healthy
    else state=unhealthy; fi
    [ "$state" = healthy ] || [ "$state" = running ] || any=1
    printf '%-16s %-8s %-8s %s\n' "$name" "$(cat "$(pid_file "$name")")" "$state" "$(node_ports "$name")"
  done
  if [ -d "$RUN/channels" ]; then
    for f in "$RUN"/channels/*.orgs; do
      [ -f "$f" ] && printf 'channel %-12s orgs: %s\n' "$(basename "$f" .orgs)" "$(tr '\n' ' ' <"$f")"
    done
  fi
  [ -z "$any" ]
}

cmd_down() {
  local f names=()
  if [ -d "$RUN/pids" ]; then
    for f in "$RUN"/pids/*.pid; do
      [ -f "$f" ] && names+=("$(basename "$f" .pid)")
    done
  fi
  # Chaincode servers first, so peers do not log their loss as a failure.
  local servers; mapfile -t servers < <(chaincode_servers)
  [ ${#servers[@]} -gt 0 ] && stop_processes "${servers[@]}"
  [ ${#names[@]} -gt 0 ] && stop_processes "${names[@]}"
  [ ${#names[@]} -gt 0 ] && say "stopped ${names[*]}"
  hosts_down # by name, so a namespace an interrupted run left behind goes too
  rm -rf "$RUN"
  say "network down; state removed"
}

cmd_stop_node() {
  [ -n "${1:-}" ] || die "stopNode needs a node name ($(all_nodes | tr '\n' ' '))"
  { all_nodes; chaincode_servers; } | grep -x "$1" >/dev/null || die "unknown node '$1' (nodes: $(all_nodes | tr '\n' ' ')$(chaincode_servers | tr '\n' ' '))"
  is_running "$1" || die "$1 is not running"
  stop_process "$1"
  say "stopped $1"
}

cmd_start_node() {
  [ -n "${1:-}" ] || die "startNode needs a node name ($(all_nodes | tr '\n' ' '))"
  all_nodes | grep -x "$1" >/dev/null || die "unknown node '$1' (nodes: $(all_nodes | tr '\n' ' '))"
  require_up
  start_node "$1"
  wait_healthy "$1"
  say "started $1"
}
