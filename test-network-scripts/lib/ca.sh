# shellcheck shell=bash
# Fabric CA: one CA server per org (the orderer org's too), with TLS on 127.0.0.1, and the
# enrollment of every node and admin identity from it, with NodeOUs, into the same directory
# layout cryptogen writes (so everything that reads crypto/ works with either).
# Sourced by network.sh (after topology.sh and processes.sh; uses its say and die).

# The CA's bootstrap registrar. It lives only in the CA's own database on this machine.
CA_ADMIN="admin"
CA_ADMIN_PW=adminpw
CA_CLIENT_HOME="$RUN/ca-clients"

ca_domain() { case "$1" in orderer) echo "$ORDERER_DOMAIN" ;; *) org_domain "$1" ;; esac; }

write_ca_env() {
  local org="$1" home; home="$(ca_home "$org")"
  mkdir -p "$home" "$RUN/config/$(ca_node "$org")"
  cat >"$RUN/config/$(ca_node "$org")/env" <<EOF
FABRIC_CA_HOME=$home
FABRIC_CA_SERVER_CA_NAME=ca-$org
FABRIC_CA_SERVER_ADDRESS=$(host_ip "$org")
FABRIC_CA_SERVER_PORT=$(ca_port "$org")
FABRIC_CA_SERVER_TLS_ENABLED=true
FABRIC_CA_SERVER_CSR_CN=ca.$(ca_domain "$org")
FABRIC_CA_SERVER_CSR_HOSTS=localhost,127.0.0.1,$(host_ip "$org"),ca.$(ca_domain "$org")
FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS=$(host_ip "$org"):$(ca_ops_port "$org")
FABRIC_CA_SERVER_METRICS_PROVIDER=disabled
EOF
}

start_ca() {
  local org="$1" name p; name="$(ca_node "$org")"
  is_running "$name" && return 0
  for p in $(node_ports "$name"); do
    port_in_use "$p" && die "port $p, needed by $name, is in use by another process"
  done
  write_ca_env "$org"
  start_process "$name" "$RUN/config/$name/env" -- fabric-ca-server start -b "$CA_ADMIN:$CA_ADMIN_PW"
}

ca_answers() {
  [ -f "$(ca_cert "$1")" ] &&
    curl -sf --max-time 3 --cacert "$(ca_cert "$1")" "https://$(host_ip "$1"):$(ca_port "$1")/cainfo" >/dev/null 2>&1
}

wait_ca() {
  local org="$1" name; name="$(ca_node "$org")"
  for _ in $(seq 1 120); do
    ca_answers "$org" && return 0
    is_alive "$name" || die "$name exited during start-up; its log ends with:
$(tail -n 15 "$RUN/logs/$name.log" 2>/dev/null)"
    sleep 0.5
  done
  die "$name did not answer within 60s (log: $RUN/logs/$name.log)"
}

# ca_client ORG CLIENT_HOME fabric-ca-client-ARGS...: against ORG's CA over TLS.
ca_client() {
  local org="$1" home="$2"; shift 2
  FABRIC_CA_CLIENT_HOME="$home" fabric-ca-client "$@" --caname "ca-$org" \
    --tls.certfiles "$(ca_cert "$org")" >>"$RUN/logs/ca-client-$org.log" 2>&1 ||
    die "fabric-ca-client $1 at $(ca_node "$org") failed: $(tail -n 5 "$RUN/logs/ca-client-$org.log")"
}
ca_url() { echo "https://$2@$(host_ip "$1"):$(ca_port "$1")"; }
registrar_home() { echo "$CA_CLIENT_HOME/$1/registrar"; }

# The NodeOUs of an MSP, pointing at its CA certificate under the name cryptogen uses.
write_node_ous() {
  local msp="$1" cacert="$2" ou
  {
    echo "NodeOUs:"
    echo "  Enable: true"
    for ou in client peer admin orderer; do
      printf '  %sOUIdentifier:\n    Certificate: cacerts/%s\n    OrganizationalUnitIdentifier: %s\n' "${ou^}" "$cacert" "$ou"
    done
  } >"$msp/config.yaml"
}

# normalize_msp ORG MSP: one CA certificate, named as cryptogen names it, and the NodeOUs.
normalize_msp() {
  local org="$1" msp="$2" name; name="ca.$(ca_domain "$1")-cert.pem"
  rm -rf "$msp/cacerts" "$msp/intermediatecerts" "$msp/IssuerPublicKey" "$msp/IssuerRevocationPublicKey" "$msp/user"
  mkdir -p "$msp/cacerts" "$msp/tlscacerts"
  cp "$(ca_cert "$org")" "$msp/cacerts/$name"
  cp "$(ca_cert "$org")" "$msp/tlscacerts/tlsca.$(ca_domain "$org")-cert.pem"
  write_node_ous "$msp" "$name"
}

# register_identity ORG NAME TYPE: registers an identity (secret NAME-pw) once.
register_identity() {
  local org="$1" id="$2" type="$3"
  FABRIC_CA_CLIENT_HOME="$(registrar_home "$org")" fabric-ca-client identity list --id "$id" \
    --caname "ca-$org" --tls.certfiles "$(ca_cert "$org")" >/dev/null 2>&1 && return 0
  ca_client "$org" "$(registrar_home "$org")" register --id.name "$id" --id.secret "$id-pw" \
    --id.type "$type" -u "https://$(host_ip "$org"):$(ca_port "$org")"
}

# enroll_msp ORG NAME DIR HOSTS: an identity's MSP (signcerts, keystore, cacerts, NodeOUs).
enroll_msp() {
  local org="$1" id="$2" dir="$3" hosts="$4" work="$CA_CLIENT_HOME/$1/$2"
  rm -rf "$dir" && mkdir -p "$work"
  ca_client "$org" "$work" enroll -u "$(ca_url "$org" "$id:$id-pw")" -M "$dir" ${hosts:+--csr.hosts "$hosts"}
  normalize_msp "$org" "$dir"
}

# enroll_tls ORG NAME DIR HOSTS: a node's TLS key pair (tls profile), as server.crt/key, ca.crt.
enroll_tls() {
  local org="$1" id="$2" dir="$3" hosts="$4" work="$CA_CLIENT_HOME/$1/$2"
  local tmp="$work/tls-msp"
  rm -rf "$tmp" "$dir" && mkdir -p "$dir" "$work"
  ca_client "$org" "$work" enroll -u "$(ca_url "$org" "$id:$id-pw")" -M "$tmp" \
    --enrollment.profile tls --csr.hosts "$hosts"
  cp "$tmp"/signcerts/* "$dir/server.crt"
  cp "$tmp"/keystore/* "$dir/server.key"
  cp "$(ca_cert "$org")" "$dir/ca.crt"
}

# The org-level directories: msp/ (for the channel config), ca/ and tlsca/.
write_org_msp() {
  local org="$1" base="$2" domain; domain="$(ca_domain "$1")"
  mkdir -p "$base/msp" "$base/ca" "$base/tlsca"
  normalize_msp "$org" "$base/msp"
  cp "$(ca_cert "$org")" "$base/ca/ca.$domain-cert.pem"
  cp "$(ca_cert "$org")" "$base/tlsca/tlsca.$domain-cert.pem"
}

# enroll_registrar ORG: the CA's bootstrap admin, who registers the org's identities.
enroll_registrar() {
  mkdir -p "$(registrar_home "$1")"
  ca_client "$1" "$(registrar_home "$1")" enroll -u "$(ca_url "$1" "$CA_ADMIN:$CA_ADMIN_PW")"
}

# enroll_user ORG NAME TYPE BASE: BASE/users/Name@domain/msp (Admin, User1, ...).
enroll_user() {
  local org="$1" user="$2" type="$3" base="$4" id
  # "admin" is the CA's own registrar, so the org's admin is registered as orgadmin.
  id="$(echo "$user" | tr '[:upper:]' '[:lower:]')"
  [ "$id" = admin ] && id=orgadmin
  register_identity "$org" "$id" "$type"
  enroll_msp "$org" "$id" "$base/users/$user@$(ca_domain "$org")/msp" ""
}

enroll_orderer_org() {
  local base="$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN" o host
  enroll_registrar orderer
  write_org_msp orderer "$base"
  for o in "${ORDERERS[@]}"; do
    host="$o.$ORDERER_DOMAIN"
    register_identity orderer "$o" orderer
    enroll_msp orderer "$o" "$base/orderers/$host/msp" "$host"
    enroll_tls orderer "$o" "$base/orderers/$host/tls" "$host,localhost,127.0.0.1,$(host_ip orderer)"
  done
  enroll_user orderer Admin admin "$base"
}

enroll_peer() {
  local peer="$1" org host id
  org="$(peer_org "$peer")"; host="$(peer_host "$peer")"; id="${peer%%.*}"
  register_identity "$org" "$id" peer
  enroll_msp "$org" "$id" "$(peer_dir "$peer")/msp" "$host"
  # peers.DOMAIN: a name all the org's peers answer to, so one client can fail over among them.
  enroll_tls "$org" "$id" "$(peer_dir "$peer")/tls" "$host,peers.$(org_domain "$org"),localhost,127.0.0.1,$(host_ip "$org")"
}

# enroll_peer_org ORG: the org's MSP, its peers' MSPs and TLS, Admin, User1 and User2.
enroll_peer_org() {
  local org="$1" base peer
  base="$(org_dir "$org")"
  enroll_registrar "$org"
  write_org_msp "$org" "$base"
  for peer in $(org_peers "$org"); do enroll_peer "$peer"; done
  enroll_user "$org" Admin admin "$base"
  enroll_user "$org" User1 client "$base"
  enroll_user "$org" User2 client "$base"
}

# start_cas ORG...: starts the CAs together, then waits for each.
start_cas() {
  local org
  for org in "$@"; do start_ca "$org"; done
  for org in "$@"; do wait_ca "$org"; say "$(ca_node "$org") ready on $(host_ip "$org"):$(ca_port "$org")"; done
}

# Every identity of the network from the CAs. The orgs enroll in parallel (each only talks to
# its own CA).
generate_crypto_ca() {
  say "enrolling identities from Fabric CA (NodeOUs)"
  start_cas orderer "${PEER_ORGS[@]}"
  local pids=() org pid
  ( enroll_orderer_org ) & pids+=($!)
  for org in "${PEER_ORGS[@]}"; do ( enroll_peer_org "$org" ) & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || die "enrollment failed (logs: $RUN/logs/ca-client-*.log)"; done
}
