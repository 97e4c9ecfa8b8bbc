# shellcheck shell=bash
# The processes the network starts: pid files, start and stop by pid, operations /healthz.
# Sourced by network.sh (after topology.sh; uses its say and die).

pid_file() { echo "$RUN/pids/$1.pid"; }
# True when the recorded pid is alive and is still our process (its environment names this run
# directory and node), so a recycled pid is never mistaken for ours.
is_running() {
  local f pid; f="$(pid_file "$1")"
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  kill -0 "$pid" 2>/dev/null || return 1
  grep -qxz "DATAMARKET_NODE=$RUN/$1" "/proc/$pid/environ" 2>/dev/null
}
# Just started and not yet exited: until it execs, a new process's environment is still its
# parent's, so is_running would call it gone.
is_alive() { [ -f "$(pid_file "$1")" ] && kill -0 "$(cat "$(pid_file "$1")")" 2>/dev/null; }
port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep . >/dev/null; }
# Any socket at all on the local port, listening or not: ports in the kernel's ephemeral range
# (32768+) can be held by an outgoing connection (even in TIME-WAIT), which a new listener
# cannot bind over.
port_taken() { ss -Htan "sport = :$1" 2>/dev/null | grep . >/dev/null; }
# The same, but for a port we listened on before: our own listener's TIME-WAIT leftovers do
# not stop it listening again.
port_held() { ss -Htan "sport = :$1" 2>/dev/null | grep -v '^TIME-WAIT' | grep . >/dev/null; }

# start_process NAME ENVFILE -- COMMAND...: runs COMMAND in the background with the variables of
# ENVFILE, logging to logs/NAME.log and recording its pid.
start_process() {
  local name="$1" envfile="$2" prefix; shift 3
  prefix="$(netns_prefix "$name")"
  mkdir -p "$RUN/logs" "$RUN/pids"
  (
    set -a
    # The env file is written at run time (node-config.sh, chaincode.sh).
    # shellcheck source=/dev/null
    source "$envfile"
    export DATAMARKET_NODE="$RUN/$name"
    set +a
    # Inside its host's network namespace with --hosts (hosts.sh); `ip netns exec` execs in
    # place, so the pid stays the one recorded.
    # shellcheck disable=SC2086 # the prefix is words on purpose
    exec $prefix "$@"
  ) >>"$RUN/logs/$name.log" 2>&1 &
  echo $! >"$(pid_file "$name")"
}

# Stops the named processes together: TERM, up to 10 s to exit, then KILL.
stop_processes() {
  local name pid pids=()
  for name in "$@"; do
    if is_running "$name"; then
      pids+=("$(cat "$(pid_file "$name")")")
      kill -TERM "${pids[-1]}" 2>/dev/null || true
    fi
  done
  for _ in $(seq 1 100); do
    local alive=""
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for name in "$@"; do rm -f "$(pid_file "$name")"; done
}
stop_process() { stop_processes "$1"; }

healthz_url() {
  case "$1" in
    orderer*) echo "https://$(orderer_ip):$(orderer_ops_port "$1")/healthz" ;;
    peer*.*) echo "https://$(node_ip "$1"):$(peer_ops_port "$1")/healthz" ;;
  esac
}
healthz_ca() {
  case "$1" in
    orderer*) orderer_tls_ca "$1" ;;
    peer*.*) org_tls_ca "$(peer_org "$1")" ;;
  esac
}
# A CA is healthy when it serves its CA info over TLS (its operations port has no TLS of ours).
is_healthy() {
  [[ "$1" == ca.* ]] && { ca_answers "${1#ca.}"; return; }
  curl -sf --max-time 3 --cacert "$(healthz_ca "$1")" "$(healthz_url "$1")" 2>/dev/null | grep '"status":"OK"' >/dev/null
}
wait_healthy() {
  local name="$1"
  for _ in $(seq 1 120); do
    is_healthy "$name" && return 0
    is_alive "$name" || die "$name exited during start-up; its log ends with:
$(tail -n 15 "$RUN/logs/$name.log" 2>/dev/null)"
    sleep 0.5
  done
  die "$name did not report healthy within 60s (log: $RUN/logs/$name.log)"
}
