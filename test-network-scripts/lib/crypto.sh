# shellcheck shell=bash
# Identities and TLS material: Fabric CA (lib/ca.sh) or cryptogen for the orgs' MSPs, openssl for the chaincode server's
# mutual TLS. Sourced by network.sh (after topology.sh; uses its say).

# Every node's and user's identity, from network/crypto-config.yaml (with each org's peer count).
generate_crypto_cryptogen() {
  say "generating crypto material (cryptogen)"
  sed "s/^      Count: 1$/      Count: $1/" "$REPO/network/crypto-config.yaml" >"$RUN/config/crypto-config.yaml"
  cryptogen generate --config "$RUN/config/crypto-config.yaml" --output "$CRYPTO" >/dev/null
}

# generate_crypto MODE PEERS: every identity, from the orgs' Fabric CAs (ca) or cryptogen.
generate_crypto() {
  echo "$1" >"$RUN/crypto-mode"
  case "$1" in
    ca) generate_crypto_ca ;;
    cryptogen) generate_crypto_cryptogen "$2" ;;
  esac
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
    printf 'subjectAltName=IP:127.0.0.1,IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' "$(cc_ip)" >"$dir/$role.ext"
    openssl x509 -req -in "$dir/$role.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 3650 -extfile "$dir/$role.ext" -out "$dir/$role.crt" 2>/dev/null
  done
}
