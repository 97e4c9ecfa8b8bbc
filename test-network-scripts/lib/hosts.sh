# shellcheck shell=bash
# `up --hosts`: one host per org, on one machine. Each org (and the orderer org) gets a Linux
# network namespace, dm<base>-<org>, joined to a bridge, dmbr<base>, by a veth pair, with the
# address $HOST_NET.<n>/24 (topology.sh); the bridge holds $HOST_NET.1, where the scripts, the
# chaincode server and the tests reach every host. An org's nodes (CA, peers) and its gateway
# app run inside its namespace, so each listens on its own address only. Needs root (ip netns).
# Sourced by network.sh (after topology.sh; uses its say and die).

hosts_supported() {
  command -v ip >/dev/null 2>&1 || return 1
  local probe="dm$PORT_BASE-probe"
  ip netns add "$probe" 2>/dev/null || return 1
  ip netns del "$probe"
}

host_veth() { echo "dm$PORT_BASE-h$(host_number "$1")"; }

bridge_up() {
  ip link show "$BRIDGE" >/dev/null 2>&1 && return 0
  ip link add "$BRIDGE" type bridge
  ip addr add "$HOST_NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# host_add HOST: its namespace, the veth pair to the bridge, its address, loopback.
host_add() {
  local host="$1" ns veth; ns="$(host_netns "$1")"; veth="$(host_veth "$1")"
  ip netns list | grep -qw "$ns" && die "network namespace $ns already exists (a network left over? run down)"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" addr add "$(host_ip "$host")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add default via "$HOST_NET.1"
  say "host $host: namespace $ns, address $(host_ip "$host")"
}

hosts_up() {
  hosts_supported || die "cannot create network namespaces here (needs root and ip netns)"
  touch "$HOSTS_FILE"
  bridge_up
  local host
  for host in orderer "${PEER_ORGS[@]}"; do host_add "$host"; done
}

# Removes our namespaces and bridge (by their names, which carry this network's port base).
hosts_down() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^dm$PORT_BASE-" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

# The command prefix that runs a node inside its host's namespace (nothing without --hosts).
netns_prefix() {
  local host
  hosts_mode || return 0
  host="$(node_host "$1")"
  if [ -n "$host" ]; then echo "ip netns exec $(host_netns "$host")"; fi
}
