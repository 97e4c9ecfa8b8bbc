# shellcheck shell=bash
# Each node's settings (Fabric's sample orderer.yaml/core.yaml plus environment overrides),
# starting a node, and network.json, the description applications read.
# Sourced by network.sh (after topology.sh and processes.sh; uses its die).

write_orderer_env() {
  local o="$1" dir tls; dir="$(orderer_dir "$o")"; tls="$dir/tls"
  mkdir -p "$RUN/config/$o" "$RUN/data/$o"
  cp "$FABRIC_CFG_DIR/orderer.yaml" "$RUN/config/$o/orderer.yaml"
  cat >"$RUN/config/$o/env" <<EOF
FABRIC_CFG_PATH=$RUN/config/$o
FABRIC_LOGGING_SPEC=${DATAMARKET_FABRIC_LOGGING:-info}
ORDERER_GENERAL_LISTENADDRESS=$(orderer_ip)
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
ORDERER_ADMIN_LISTENADDRESS=$(orderer_ip):$(orderer_admin_port "$o")
ORDERER_ADMIN_TLS_ENABLED=true
ORDERER_ADMIN_TLS_PRIVATEKEY=$tls/server.key
ORDERER_ADMIN_TLS_CERTIFICATE=$tls/server.crt
ORDERER_ADMIN_TLS_ROOTCAS=[$tls/ca.crt]
ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true
ORDERER_ADMIN_TLS_CLIENTROOTCAS=[$tls/ca.crt]
ORDERER_OPERATIONS_LISTENADDRESS=$(orderer_ip):$(orderer_ops_port "$o")
ORDERER_OPERATIONS_TLS_ENABLED=true
ORDERER_OPERATIONS_TLS_PRIVATEKEY=$tls/server.key
ORDERER_OPERATIONS_TLS_CERTIFICATE=$tls/server.crt
ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED=false
ORDERER_METRICS_PROVIDER=prometheus
EOF
}

# write_peer_env PEER (peer0.seller, peer1.seller, ...).
write_peer_env() {
  local name="$1" org dir tls port bootstrap
  org="$(peer_org "$name")"; dir="$(peer_dir "$name")"; tls="$dir/tls"; port="$(peer_port "$name")"
  # Every peer of an org learns of the others through gossip from the org's first peer.
  bootstrap="$(host_ip "$org"):$(peer_port "$(peer_name "$org")")"
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
CORE_PEER_ID=$(peer_host "$name")
CORE_PEER_ADDRESS=$(host_ip "$org"):$port
CORE_PEER_LISTENADDRESS=$(host_ip "$org"):$port
CORE_PEER_CHAINCODEADDRESS=$(host_ip "$org"):$(peer_cc_port "$name")
CORE_PEER_CHAINCODELISTENADDRESS=$(host_ip "$org"):$(peer_cc_port "$name")
CORE_PEER_GOSSIP_BOOTSTRAP=$bootstrap
CORE_PEER_GOSSIP_EXTERNALENDPOINT=$(host_ip "$org"):$port
CORE_PEER_GOSSIP_ENDPOINT=$(host_ip "$org"):$port
CORE_PEER_LOCALMSPID=$(org_msp "$org")
CORE_PEER_MSPCONFIGPATH=$dir/msp
CORE_PEER_TLS_ENABLED=true
CORE_PEER_TLS_CERT_FILE=$tls/server.crt
CORE_PEER_TLS_KEY_FILE=$tls/server.key
CORE_PEER_TLS_ROOTCERT_FILE=$tls/ca.crt
CORE_PEER_FILESYSTEMPATH=$RUN/data/$name
CORE_PEER_PROFILE_ENABLED=${DATAMARKET_PEER_PPROF:-false}
CORE_PEER_PROFILE_LISTENADDRESS=$(host_ip "$org"):$((port + 3))
CORE_LEDGER_STATE_STATEDATABASE=goleveldb
CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=true
CORE_LEDGER_SNAPSHOTS_ROOTDIR=$RUN/data/$name/snapshots
CORE_OPERATIONS_LISTENADDRESS=$(host_ip "$org"):$(peer_ops_port "$name")
CORE_OPERATIONS_TLS_ENABLED=true
CORE_OPERATIONS_TLS_CERT_FILE=$tls/server.crt
CORE_OPERATIONS_TLS_KEY_FILE=$tls/server.key
CORE_OPERATIONS_TLS_CLIENTAUTHREQUIRED=false
CORE_METRICS_PROVIDER=prometheus
CORE_CHAINCODE_EXECUTETIMEOUT=60s
EOF
}

start_node() {
  local name="$1" p
  is_running "$name" && die "$name is already running (pid $(cat "$(pid_file "$name")"))"
  for p in $(node_ports "$name"); do
    port_in_use "$p" && die "port $p, needed by $name, is in use by another process"
  done
  case "$name" in
    orderer*) start_process "$name" "$RUN/config/$name/env" -- orderer ;;
    peer*.*) start_process "$name" "$RUN/config/$name/env" -- peer node start ;;
    ca.*) start_ca "${name#ca.}" ;;
    *) die "unknown node '$name' (nodes: $(all_nodes | tr '\n' ' '))" ;;
  esac
}

# A description of the network for applications and tests (application/src/fabric reads it).
# peer/peerEndpoint/peerHostAlias name the org's first peer; peers lists them all; ca is the
# org's Fabric CA (its TLS certificate, and the registrar's enrolled MSP).
write_network_json() {
  local o org peer users first=1 pfirst
  {
    printf '{\n  "runDir": "%s",\n  "ordererTlsCa": "%s",\n  "orderers": [' "$RUN" "$(orderer_tls_ca)"
    for o in "${ORDERERS[@]}"; do
      [ $first = 1 ] || printf ','
      first=0
      printf '\n    { "name": "%s", "endpoint": "%s:%s" }' "$o" "$(orderer_ip)" "$(orderer_port "$o")"
    done
    printf '\n  ],\n  "orgs": {'
    first=1
    for org in "${PEER_ORGS[@]}"; do
      [ $first = 1 ] || printf ','
      first=0
      users="$(org_dir "$org")/users"
      printf '\n    "%s": {\n      "mspId": "%s",\n      "peer": "%s",\n      "peerEndpoint": "%s:%s",\n      "peerHostAlias": "peer0.%s",\n      "tlsCa": "%s",\n      "usersDir": "%s",\n      "peers": [' \
        "$org" "$(org_msp "$org")" "$(peer_name "$org")" "$(host_ip "$org")" "$(peer_port "$org")" "$(org_domain "$org")" "$(org_tls_ca "$org")" "$users"
      pfirst=1
      for peer in $(org_peers "$org"); do
        [ $pfirst = 1 ] || printf ','
        pfirst=0
        printf '\n        { "name": "%s", "endpoint": "%s:%s", "hostAlias": "%s" }' "$peer" "$(host_ip "$org")" "$(peer_port "$peer")" "$(peer_host "$peer")"
      done
      printf '\n      ],\n      "peersTlsName": "peers.%s"' "$(org_domain "$org")"
      if [ -f "$(ca_cert "$org")" ]; then
        printf ',\n      "ca": { "name": "ca-%s", "url": "https://%s:%s", "tlsCert": "%s", "registrarMspDir": "%s/msp" }' \
          "$org" "$(host_ip "$org")" "$(ca_port "$org")" "$(ca_cert "$org")" "$(registrar_home "$org")"
      fi
      printf '\n    }'
    done
    printf '\n  }\n}\n'
  } >"$RUN/network.json"
}
