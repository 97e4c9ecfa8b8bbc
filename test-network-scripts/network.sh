#!/usr/bin/env bash
# The datamarket test network: three Raft orderers and one peer for each of the seller, buyer
# and auditor orgs, all native processes on 127.0.0.1 with TLS, chaincode run as a service.
#
#   network.sh up                              crypto, orderers, peers, channel 'market'
#   network.sh createChannel -c NAME --orgs seller,auditor
#   network.sh deployCC -c NAME                package, install, approve, commit, start server
#   network.sh status                          processes and their /healthz
#   network.sh stopNode NODE | startNode NODE  e.g. peer0.buyer (for failure tests)
#   network.sh down                            stop what we started (by pid), remove state
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$REPO/test-network-scripts"
# shellcheck source=test-network-scripts/lib/fabric-env.sh
source "$HERE/lib/fabric-env.sh"
# shellcheck source=test-network-scripts/lib/topology.sh
source "$HERE/lib/topology.sh"
export PATH="$FABRIC_BIN:$REPO/node_modules/.bin:$PATH"

say() { printf '[network] %s\n' "$*" >&2; }
die() { printf '[network] error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- processes

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
port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep . >/dev/null; }

# start_process NAME ENVFILE -- COMMAND...: runs COMMAND in the background with the variables of
# ENVFILE, logging to logs/NAME.log and recording its pid.
start_process() {
  local name="$1" envfile="$2"; shift 3
  mkdir -p "$RUN/logs" "$RUN/pids"
  (
    set -a
    # shellcheck disable=SC1090
    source "$envfile"
    DATAMARKET_NODE="$RUN/$name"
    set +a
    exec "$@"
  ) >>"$RUN/logs/$name.log" 2>&1 &
  echo $! >"$(pid_file "$name")"
}

# Stops the named processes together: TERM, up to 10 s to exit, then KILL.
stop_processes() {
  local name pids=()
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
    orderer*) echo "https://127.0.0.1:$(orderer_ops_port "$1")/healthz" ;;
    peer0.*) echo "https://127.0.0.1:$(peer_ops_port "${1#peer0.}")/healthz" ;;
  esac
}
healthz_ca() {
  case "$1" in
    orderer*) orderer_tls_ca "$1" ;;
    peer0.*) org_tls_ca "${1#peer0.}" ;;
  esac
}
is_healthy() {
  curl -sf --max-time 3 --cacert "$(healthz_ca "$1")" "$(healthz_url "$1")" 2>/dev/null | grep '"status":"OK"' >/dev/null
}
wait_healthy() {
  local name="$1"
  for _ in $(seq 1 120); do
    is_healthy "$name" && return 0
    is_running "$name" || die "$name exited during start-up; its log ends with:
$(tail -n 15 "$RUN/logs/$name.log" 2>/dev/null)"
    sleep 0.5
  done
  die "$name did not report healthy within 60s (log: $RUN/logs/$name.log)"
}

# ---------------------------------------------------------------- node configuration

write_orderer_env() {
  local o="$1" dir tls; dir="$(orderer_dir "$o")"; tls="$dir/tls"
  mkdir -p "$RUN/config/$o" "$RUN/data/$o"
  cp "$FABRIC_CFG_DIR/orderer.yaml" "$RUN/config/$o/orderer.yaml"
  cat >"$RUN/config/$o/env" <<EOF
FABRIC_CFG_PATH=$RUN/config/$o
FABRIC_LOGGING_SPEC=${DATAMARKET_FABRIC_LOGGING:-info}
ORDERER_GENERAL_LISTENADDRESS=127.0.0.1
ORDERER_GENERAL_LISTENPORT=$(orderer_port "$o")
ORDERER_GENERAL_LOCALMSPID=OrdererMSP
ORDERER_GENERAL_LOCALMSPDIR=$dir/msp
ORDERER_GENERAL_TLS_ENABLED=true
ORDERER_GENERAL_TLS_PRIVATEKEY=$tls/server.key
ORDERER_GENERAL_TLS_CERTIFICATE=$tls/server.crt
ORDERER_GENERAL_TLS_ROOTCAS=[$tls/ca.crt]
ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$tls/server.crt
ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$tls/server.key
ORDERER_GENERAL_CLUSTER_ROOTCAS=[$tls/ca.crt]
ORDERER_GENERAL_BOOTSTRAPMETHOD=none
ORDERER_CHANNELPARTICIPATION_ENABLED=true
ORDERER_FILELEDGER_LOCATION=$RUN/data/$o/ledger
ORDERER_CONSENSUS_WALDIR=$RUN/data/$o/etcdraft/wal
ORDERER_CONSENSUS_SNAPDIR=$RUN/data/$o/etcdraft/snapshot
ORDERER_ADMIN_LISTENADDRESS=127.0.0.1:$(orderer_admin_port "$o")
ORDERER_ADMIN_TLS_ENABLED=true
ORDERER_ADMIN_TLS_PRIVATEKEY=$tls/server.key
ORDERER_ADMIN_TLS_CERTIFICATE=$tls/server.crt
ORDERER_ADMIN_TLS_ROOTCAS=[$tls/ca.crt]
ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true
ORDERER_ADMIN_TLS_CLIENTROOTCAS=[$tls/ca.crt]
ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:$(orderer_ops_port "$o")
ORDERER_OPERATIONS_TLS_ENABLED=true
ORDERER_OPERATIONS_TLS_PRIVATEKEY=$tls/server.key
ORDERER_OPERATIONS_TLS_CERTIFICATE=$tls/server.crt
ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED=false
ORDERER_METRICS_PROVIDER=prometheus
EOF
}

write_peer_env() {
  local org="$1" name dir tls port
  name="$(peer_name "$org")"; dir="$(peer_dir "$org")"; tls="$dir/tls"; port="$(peer_port "$org")"
  mkdir -p "$RUN/config/$name" "$RUN/data/$name"
  # Our chaincode-as-a-service builder replaces the sample's path; no Docker endpoint at all.
  sed -e "s#path: /opt/hyperledger/ccaas_builder#path: $HERE/ccaas-builder#" \
      -e "s#name: ccaas_builder#name: datamarket-ccaas#" \
      -e "s#endpoint: unix:///var/run/docker.sock#endpoint:#" \
      "$FABRIC_CFG_DIR/core.yaml" >"$RUN/config/$name/core.yaml"
  grep -q "path: $HERE/ccaas-builder" "$RUN/config/$name/core.yaml" ||
    die "could not set the external builder in core.yaml (Fabric's sample config changed?)"
  cat >"$RUN/config/$name/env" <<EOF
FABRIC_CFG_PATH=$RUN/config/$name
FABRIC_LOGGING_SPEC=${DATAMARKET_FABRIC_LOGGING:-info}
CORE_PEER_ID=peer0.$(org_domain "$org")
CORE_PEER_ADDRESS=127.0.0.1:$port
CORE_PEER_LISTENADDRESS=127.0.0.1:$port
CORE_PEER_CHAINCODEADDRESS=127.0.0.1:$(peer_cc_port "$org")
CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:$(peer_cc_port "$org")
CORE_PEER_GOSSIP_BOOTSTRAP=127.0.0.1:$port
CORE_PEER_GOSSIP_EXTERNALENDPOINT=127.0.0.1:$port
CORE_PEER_GOSSIP_ENDPOINT=127.0.0.1:$port
CORE_PEER_LOCALMSPID=$(org_msp "$org")
CORE_PEER_MSPCONFIGPATH=$dir/msp
CORE_PEER_TLS_ENABLED=true
CORE_PEER_TLS_CERT_FILE=$tls/server.crt
CORE_PEER_TLS_KEY_FILE=$tls/server.key
CORE_PEER_TLS_ROOTCERT_FILE=$tls/ca.crt
CORE_PEER_FILESYSTEMPATH=$RUN/data/$name
CORE_PEER_PROFILE_ENABLED=false
CORE_LEDGER_STATE_STATEDATABASE=goleveldb
CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=true
CORE_LEDGER_SNAPSHOTS_ROOTDIR=$RUN/data/$name/snapshots
CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:$(peer_ops_port "$org")
CORE_OPERATIONS_TLS_ENABLED=true
CORE_OPERATIONS_TLS_CERT_FILE=$tls/server.crt
CORE_OPERATIONS_TLS_KEY_FILE=$tls/server.key
CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED=false
CORE_METRICS_PROVIDER=prometheus
CORE_CHAINCODE_EXECUTETIMEOUT=60s
EOF
}

start_node() {
  local name="$1"
  is_running "$name" && die "$name is already running (pid $(cat "$(pid_file "$name")"))"
  for p in $(node_ports "$name"); do
    port_in_use "$p" && die "port $p, needed by $name, is in use by another process"
  done
  case "$name" in
    orderer*) start_process "$name" "$RUN/config/$name/env" -- orderer ;;
    peer0.*) start_process "$name" "$RUN/config/$name/env" -- peer node start ;;
    *) die "unknown node '$name' (nodes: $(all_nodes | tr '\n' ' '))" ;;
  esac
}

# ---------------------------------------------------------------- CLI identities

# Runs a peer CLI command as the admin of ORG against its own peer.
as_org_admin() {
  local org="$1"; shift
  local dir; dir="$(peer_dir "$org")"
  FABRIC_CFG_PATH="$RUN/config/$(peer_name "$org")" \
  CORE_PEER_LOCALMSPID="$(org_msp "$org")" \
  CORE_PEER_MSPCONFIGPATH="$(org_admin_msp "$org")" \
  CORE_PEER_ADDRESS="127.0.0.1:$(peer_port "$org")" \
  CORE_PEER_TLS_ENABLED=true \
  CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/ca.crt" \
  FABRIC_LOGGING_SPEC=warning \
    "$@"
}

orderer_admin() {
  local o="$1"; shift
  local tls; tls="$(orderer_dir "$o")/tls"
  osnadmin "$@" -o "127.0.0.1:$(orderer_admin_port "$o")" --ca-file "$tls/ca.crt" \
    --client-cert "$tls/server.crt" --client-key "$tls/server.key"
}

# ---------------------------------------------------------------- verbs

require_up() {
  [ -d "$RUN/crypto" ] || die "the network is not up (run: network.sh up)"
}

parse_orgs() {
  local list="$1" org out=()
  [ -n "$list" ] || die "--orgs needs a comma-separated list of orgs (known: ${PEER_ORGS[*]})"
  IFS=, read -r -a requested <<<"$list"
  for org in "${requested[@]}"; do
    org_index "$org" >/dev/null || die "unknown org '$org' (known: ${PEER_ORGS[*]})"
    [[ " ${out[*]:-} " == *" $org "* ]] || out+=("$org")
  done
  echo "${out[@]}"
}

check_channel_name() {
  [[ "$1" =~ ^[a-z][a-z0-9.-]{0,48}$ ]] ||
    die "bad channel name '$1': lowercase letters, digits, '.' and '-', starting with a letter, at most 49 characters"
}

channel_orgs_file() { echo "$RUN/channels/$1.orgs"; }

cmd_up() {
  local started=() name
  if [ -d "$RUN/pids" ] && [ -n "$(ls -A "$RUN/pids" 2>/dev/null)" ]; then
    die "the network is already up (run dir $RUN); run 'network.sh down' first"
  fi
  for name in $(all_nodes); do
    for p in $(node_ports "$name"); do
      port_in_use "$p" && die "port $p (for $name) is already in use; stop that process or set DATAMARKET_PORT_BASE"
    done
  done
  bash "$HERE/install-fabric.sh"
  local t0=$SECONDS
  # A failed start leaves nothing half-started behind.
  trap 'say "start-up failed: stopping what was started"; cmd_down >/dev/null 2>&1 || true' ERR
  trap 'say "start-up failed: stopping what was started"; cmd_down >/dev/null 2>&1 || true; exit 1' INT TERM
  rm -rf "$RUN" && mkdir -p "$RUN"/{logs,pids,channels,config}
  say "generating crypto material (cryptogen)"
  cryptogen generate --config "$REPO/network/crypto-config.yaml" --output "$CRYPTO" >/dev/null
  for name in "${ORDERERS[@]}"; do write_orderer_env "$name"; start_node "$name"; done
  for org in "${PEER_ORGS[@]}"; do write_peer_env "$org"; start_node "$(peer_name "$org")"; done
  for name in $(all_nodes); do wait_healthy "$name"; say "$name healthy"; done
  write_network_json
  ( cmd_create_channel -c market --orgs "$(IFS=,; echo "${PEER_ORGS[*]}")" )
  trap - ERR INT TERM
  say "network up in $((SECONDS - t0))s; run dir $RUN"
}

write_configtx() {
  local dir="$1"; shift
  mkdir -p "$dir"
  sed -e "s#@RUN@#$RUN#g" \
      -e "s#@ORDERER1_PORT@#$(orderer_port orderer1)#g" \
      -e "s#@ORDERER2_PORT@#$(orderer_port orderer2)#g" \
      -e "s#@ORDERER3_PORT@#$(orderer_port orderer3)#g" \
      -e "s#@SELLER_PORT@#$(peer_port seller)#g" \
      -e "s#@BUYER_PORT@#$(peer_port buyer)#g" \
      -e "s#@AUDITOR_PORT@#$(peer_port auditor)#g" \
      "$REPO/network/configtx.template.yaml" >"$dir/configtx.yaml"
  {
    echo "Profiles:"
    echo "  DataMarketChannel:"
    echo "    <<: *ChannelDefaults"
    echo "    Orderer:"
    echo "      <<: *OrdererDefaults"
    echo "      Organizations: [*OrdererOrg]"
    echo "    Application:"
    echo "      <<: *ApplicationDefaults"
    echo "      Organizations: [$(printf '*%s, ' "$@" | sed 's/, $//')]"
  } >>"$dir/configtx.yaml"
}

# A description of the network for applications and tests (application/src/fabric reads it).
write_network_json() {
  local org first=1
  {
    printf '{\n  "runDir": "%s",\n  "ordererTlsCa": "%s",\n  "orderers": [' "$RUN" "$(orderer_tls_ca)"
    for o in "${ORDERERS[@]}"; do
      [ $first = 1 ] || printf ','
      first=0
      printf '\n    { "name": "%s", "endpoint": "127.0.0.1:%s" }' "$o" "$(orderer_port "$o")"
    done
    printf '\n  ],\n  "orgs": {'
    first=1
    for org in "${PEER_ORGS[@]}"; do
      [ $first = 1 ] || printf ','
      first=0
      local users="$CRYPTO/peerOrganizations/$(org_domain "$org")/users"
      printf '\n    "%s": {\n      "mspId": "%s",\n      "peer": "%s",\n      "peerEndpoint": "127.0.0.1:%s",\n      "peerHostAlias": "peer0.%s",\n      "tlsCa": "%s",\n      "usersDir": "%s"\n    }' \
        "$org" "$(org_msp "$org")" "$(peer_name "$org")" "$(peer_port "$org")" "$(org_domain "$org")" "$(org_tls_ca "$org")" "$users"
    done
    printf '\n  }\n}\n'
  } >"$RUN/network.json"
}

cmd_create_channel() {
  local channel="" orgs_arg=""
  while [ $# -gt 0 ]; do
    case "$1" in
      -c) channel="${2:-}"; shift 2 ;;
      --orgs) orgs_arg="${2:-}"; shift 2 ;;
      *) die "createChannel: unknown option '$1' (use -c NAME --orgs ORG,ORG)" ;;
    esac
  done
  [ -n "$channel" ] || die "createChannel needs -c NAME"
  check_channel_name "$channel"
  require_up
  local orgs_list orgs
  orgs_list="$(parse_orgs "$orgs_arg")" || exit 1
  read -r -a orgs <<<"$orgs_list"
  [ -f "$(channel_orgs_file "$channel")" ] && die "channel '$channel' already exists"
  for name in "${ORDERERS[@]}"; do is_running "$name" || die "$name is not running"; done
  for org in "${orgs[@]}"; do is_running "$(peer_name "$org")" || die "$(peer_name "$org") is not running"; done

  say "creating channel '$channel' for orgs: ${orgs[*]}"
  local cfg="$RUN/config/channel-$channel" block="$RUN/channels/$channel.block"
  write_configtx "$cfg" "${orgs[@]}"
  configtxgen -configPath "$cfg" -profile DataMarketChannel -channelID "$channel" -outputBlock "$block" 2>"$cfg/configtxgen.log" ||
    die "configtxgen failed: $(tail -n 5 "$cfg/configtxgen.log")"
  for o in "${ORDERERS[@]}"; do
    orderer_admin "$o" channel join --channelID "$channel" --config-block "$block" >/dev/null
  done
  # Peers can join once the Raft cluster of the channel has a leader.
  local ok=""
  for _ in $(seq 1 60); do
    if orderer_admin orderer1 channel list --channelID "$channel" 2>/dev/null | grep '"consensusRelation": "consenter"' >/dev/null &&
       orderer_admin orderer1 channel list --channelID "$channel" 2>/dev/null | grep '"status": "active"' >/dev/null; then
      ok=1; break
    fi
    sleep 0.5
  done
  [ -n "$ok" ] || die "orderers did not activate channel '$channel' within 30s"
  for org in "${orgs[@]}"; do
    local joined=""
    for _ in $(seq 1 20); do
      if as_org_admin "$org" peer channel join -b "$block" >>"$cfg/join-$org.log" 2>&1; then joined=1; break; fi
      sleep 1
    done
    [ -n "$joined" ] || die "$(peer_name "$org") could not join '$channel': $(tail -n 3 "$cfg/join-$org.log")"
    say "$(peer_name "$org") joined '$channel'"
  done
  printf '%s\n' "${orgs[@]}" >"$(channel_orgs_file "$channel")"
}

# Chaincode TLS: the chaincode server proves itself to peers, and peers to it (mutual TLS).
make_chaincode_tls() {
  local dir="$CRYPTO/chaincode"
  [ -f "$dir/server.crt" ] && return 0
  mkdir -p "$dir"
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -subj "/O=datamarket/CN=chaincode-tls-ca" -days 3650 -out "$dir/ca.crt" 2>/dev/null
  local role
  for role in server client; do
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$role.key.ec" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$dir/$role.key.ec" -out "$dir/$role.key"
    openssl req -new -key "$dir/$role.key" -subj "/O=datamarket/CN=chaincode-$role" -out "$dir/$role.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$dir/$role.ext"
    openssl x509 -req -in "$dir/$role.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 3650 -extfile "$dir/$role.ext" -out "$dir/$role.crt" 2>/dev/null
  done
}

json_pem() { awk 'BEGIN{ORS=""} {gsub(/\r/,""); print $0 "\\n"}' "$1"; }

# package_chaincode LABEL PORT: writes the ccaas package of one chaincode build once; later
# deploys of the same build reuse it, so its package id (a hash of the bytes) stays the same.
package_chaincode() {
  local label="$1" port="$2" out="$RUN/chaincode/$1" dir="$CRYPTO/chaincode"
  if [ -f "$out/package.tar.gz" ]; then echo "$out/package.tar.gz"; return 0; fi
  mkdir -p "$out/pkg/src"
  cat >"$out/pkg/src/connection.json" <<EOF
{
  "address": "127.0.0.1:$port",
  "dial_timeout": "10s",
  "tls_required": true,
  "client_auth_required": true,
  "root_cert": "$(json_pem "$dir/ca.crt")",
  "client_key": "$(json_pem "$dir/client.key")",
  "client_cert": "$(json_pem "$dir/client.crt")"
}
EOF
  printf '{"type":"ccaas","label":"%s"}\n' "$label" >"$out/pkg/metadata.json"
  tar -C "$out/pkg/src" -czf "$out/pkg/code.tar.gz" connection.json
  tar -C "$out/pkg" -czf "$out/package.tar.gz" metadata.json code.tar.gz
  echo "$port" >"$out/port"
  echo "$out/package.tar.gz"
}

# The port of a build's server: the first free slot from CC_PORT on, one per build.
chaincode_port() {
  local label="$1" n=0
  if [ -f "$RUN/chaincode/$label/port" ]; then cat "$RUN/chaincode/$label/port"; return 0; fi
  while grep -qlx "$((CC_PORT + n))" "$RUN"/chaincode/*/port 2>/dev/null; do n=$((n + 1)); done
  echo $((CC_PORT + n))
}

# One server process per chaincode build ("cc-<digest>"), shared by every channel using it.
start_chaincode_server() {
  local label="$1" package_id="$2" port="$3" name="cc-${1#"${CC_NAME}"_}"
  is_running "$name" && return 0
  port_in_use "$port" && die "port $port for the chaincode server is in use"
  local dir="$CRYPTO/chaincode"
  cat >"$RUN/chaincode/$label/env" <<EOF
PATH=$REPO/node_modules/.bin:$PATH
CORE_CHAINCODE_LOGGING_LEVEL=info
EOF
  (
    cd "$CHAINCODE_DIR"
    start_process "$name" "$RUN/chaincode/$label/env" -- "$REPO/node_modules/.bin/node" \
      "$REPO/node_modules/fabric-shim/cli.js" server \
      --chaincode-address "127.0.0.1:$port" --chaincode-id "$package_id" \
      --chaincode-tls-cert-file "$dir/server.crt" --chaincode-tls-key-file "$dir/server.key" \
      --chaincode-tls-client-cacert-file "$dir/ca.crt" --module-path "$CHAINCODE_DIR"
  )
  echo "$port" >"$RUN/pids/$name.port"
  for _ in $(seq 1 60); do
    port_in_use "$port" && return 0
    is_running "$name" || die "the chaincode server exited: $(tail -n 15 "$RUN/logs/$name.log")"
    sleep 0.5
  done
  die "the chaincode server did not listen on $port within 30s"
}

# retry_ordering LOG CMD...: runs CMD, retrying for up to 30 s while the ordering service is
# still electing a Raft leader on a new channel; CMD's stderr goes to LOG.
retry_ordering() {
  local log="$1"; shift
  for _ in $(seq 1 30); do
    "$@" >/dev/null 2>"$log" && return 0
    grep -E 'no Raft leader|SERVICE_UNAVAILABLE' "$log" >/dev/null || return 1
    sleep 1
  done
  return 1
}

cmd_deploy_cc() {
  local channel=""
  while [ $# -gt 0 ]; do
    case "$1" in
      -c) channel="${2:-}"; shift 2 ;;
      *) die "deployCC: unknown option '$1' (use -c NAME)" ;;
    esac
  done
  [ -n "$channel" ] || die "deployCC needs -c NAME"
  require_up
  [ -f "$(channel_orgs_file "$channel")" ] || die "unknown channel '$channel' (create it first with createChannel)"
  local orgs; mapfile -t orgs <"$(channel_orgs_file "$channel")"

  [ -f "$CHAINCODE_DIR/dist/src/index.js" ] || die "the chaincode is not built ($CHAINCODE_DIR/dist/src/index.js missing): run npm run build"
  make_chaincode_tls
  # One label per chaincode build: the same build is one package, served by one server process
  # for every channel that uses it (see docs/network.md).
  local digest label pkg package_id
  digest="$(cd "$CHAINCODE_DIR" && find dist/src package.json -type f -name '*' ! -name '*.map' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
  label="${CC_NAME}_$digest"
  local port; port="$(chaincode_port "$label")"
  pkg="$(package_chaincode "$label" "$port")"
  package_id="$label:$(sha256sum "$pkg" | cut -d' ' -f1)"

  for org in "${orgs[@]}"; do
    if ! as_org_admin "$org" peer lifecycle chaincode queryinstalled 2>/dev/null | grep "$package_id" >/dev/null; then
      as_org_admin "$org" peer lifecycle chaincode install "$pkg" >/dev/null 2>"$RUN/chaincode/install-$org.log" ||
        die "install on $(peer_name "$org") failed: $(tail -n 5 "$RUN/chaincode/install-$org.log")"
      say "installed $label on $(peer_name "$org")"
    fi
  done
  start_chaincode_server "$label" "$package_id" "$port"

  # Upgrade in place: the next sequence if a definition is already committed.
  local committed sequence=1
  committed="$(as_org_admin "${orgs[0]}" peer lifecycle chaincode querycommitted -C "$channel" -n "$CC_NAME" -O json 2>/dev/null || true)"
  if [ -n "$committed" ]; then
    sequence=$(( $(echo "$committed" | jq -r '.sequence') + 1 ))
  fi
  local version="$digest"
  local orderer_args=(-o "127.0.0.1:$(orderer_port orderer1)" --tls --cafile "$(orderer_tls_ca)")
  local policy=(--channel-config-policy /Channel/Application/Endorsement)
  for org in "${orgs[@]}"; do
    retry_ordering "$RUN/chaincode/approve-$org.log" as_org_admin "$org" peer lifecycle chaincode \
      approveformyorg "${orderer_args[@]}" -C "$channel" -n "$CC_NAME" -v "$version" \
      --package-id "$package_id" --sequence "$sequence" "${policy[@]}" --waitForEvent ||
      die "approval by $(org_msp "$org") failed: $(tail -n 5 "$RUN/chaincode/approve-$org.log")"
    say "approved by $(org_msp "$org")"
  done
  local peer_args=()
  for org in "${orgs[@]}"; do
    peer_args+=(--peerAddresses "127.0.0.1:$(peer_port "$org")" --tlsRootCertFiles "$(org_tls_ca "$org")")
  done
  retry_ordering "$RUN/chaincode/commit-$channel.log" as_org_admin "${orgs[0]}" peer lifecycle chaincode \
    commit "${orderer_args[@]}" -C "$channel" -n "$CC_NAME" -v "$version" --sequence "$sequence" \
    "${policy[@]}" "${peer_args[@]}" --waitForEvent || die "commit failed: $(tail -n 5 "$RUN/chaincode/commit-$channel.log")"
  say "chaincode '$CC_NAME' (sequence $sequence, package $package_id) committed on '$channel' with MAJORITY endorsement"
}

cmd_status() {
  local any="" name state
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
  local name
  local names=()
  if [ -d "$RUN/pids" ]; then
    for f in "$RUN"/pids/*.pid; do
      [ -f "$f" ] && names+=("$(basename "$f" .pid)")
    done
  fi
  # Chaincode servers first, so peers do not log their loss as a failure.
  local servers; servers="$(chaincode_servers)"
  # shellcheck disable=SC2086
  [ -n "$servers" ] && stop_processes $servers
  [ ${#names[@]} -gt 0 ] && stop_processes "${names[@]}"
  [ ${#names[@]} -gt 0 ] && say "stopped ${names[*]}"
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

verb="${1:-}"
[ $# -gt 0 ] && shift
case "$verb" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  createChannel) cmd_create_channel "$@" ;;
  deployCC) cmd_deploy_cc "$@" ;;
  stopNode) cmd_stop_node "$@" ;;
  startNode) cmd_start_node "$@" ;;
  -h | --help | help) usage ;;
  "") usage; exit 2 ;;
  *) say "unknown verb '$verb'"; usage; exit 2 ;;
esac
