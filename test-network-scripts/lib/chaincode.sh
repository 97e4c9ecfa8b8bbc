# shellcheck shell=bash
# Chaincode as a service: one ccaas package and one server process per chaincode build, and the
# lifecycle (install, approve for each org, commit) on a channel. Sourced by network.sh (after
# topology.sh, processes.sh, crypto.sh, identities.sh, channel.sh and lifecycle.sh's
# require_up; uses its say and die).

json_pem() { awk 'BEGIN{ORS=""} {gsub(/\r/,""); print $0 "\\n"}' "$1"; }

# package_chaincode LABEL PORT: writes the ccaas package of one chaincode build once; later
# deploys of the same build reuse it, so its package id (a hash of the bytes) stays the same.
package_chaincode() {
  local label="$1" port="$2" out="$RUN/chaincode/$1" dir="$CRYPTO/chaincode"
  if [ -f "$out/package.tar.gz" ]; then echo "$out/package.tar.gz"; return 0; fi
  mkdir -p "$out/pkg/src"
  cat >"$out/pkg/src/connection.json" <<EOF
{
  "address": "$(cc_ip):$port",
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

# The port of a build's server: the first free slot from CC_PORT on, one per build (skipping
# ports an outgoing connection holds).
chaincode_port() {
  local label="$1" n=0
  if [ -f "$RUN/chaincode/$label/port" ]; then cat "$RUN/chaincode/$label/port"; return 0; fi
  while grep -qlx "$((CC_PORT + n))" "$RUN"/chaincode/*/port 2>/dev/null || port_taken "$((CC_PORT + n))"; do
    n=$((n + 1))
  done
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
    cd "$CHAINCODE_DIR" || exit
    start_process "$name" "$RUN/chaincode/$label/env" -- "$REPO/node_modules/.bin/node" \
      "$REPO/node_modules/fabric-shim/cli.js" server \
      --chaincode-address "$(cc_ip):$port" --chaincode-id "$package_id" \
      --chaincode-tls-cert-file "$dir/server.crt" --chaincode-tls-key-file "$dir/server.key" \
      --chaincode-tls-client-cacert-file "$dir/ca.crt" --module-path "$CHAINCODE_DIR"
  )
  echo "$port" >"$RUN/pids/$name.port"
  for _ in $(seq 1 60); do
    port_in_use "$port" && return 0
    is_alive "$name" || die "the chaincode server exited: $(tail -n 15 "$RUN/logs/$name.log")"
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

# The digest of the chaincode build (its dist/src and package.json), 12 hex digits.
chaincode_build_digest() {
  (cd "$CHAINCODE_DIR" && find dist/src package.json -type f -name '*' ! -name '*.map' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
}

# install_on_peers PKG PACKAGE_ID LABEL ORG...: installs the package where it is not yet.
install_on_peers() {
  local pkg="$1" package_id="$2" label="$3" org; shift 3
  local peer
  for org in "$@"; do
    for peer in $(org_peers "$org"); do
      if ! as_peer_admin "$peer" peer lifecycle chaincode queryinstalled 2>/dev/null | grep "$package_id" >/dev/null; then
        as_peer_admin "$peer" peer lifecycle chaincode install "$pkg" >/dev/null 2>"$RUN/chaincode/install-$peer.log" ||
          die "install on $peer failed: $(tail -n 5 "$RUN/chaincode/install-$peer.log")"
        say "installed $label on $peer"
      fi
    done
  done
}

# next_sequence CHANNEL ORG: upgrade in place, the next sequence if a definition is already
# committed on CHANNEL, else 1.
next_sequence() {
  local committed sequence=1
  committed="$(as_org_admin "$2" peer lifecycle chaincode querycommitted -C "$1" -n "$CC_NAME" -O json 2>/dev/null || true)"
  if [ -n "$committed" ]; then
    sequence=$(( $(echo "$committed" | jq -r '.sequence') + 1 ))
  fi
  echo "$sequence"
}

# approve_and_commit CHANNEL VERSION PACKAGE_ID SEQUENCE ORG...: every org approves the
# definition, then the first org commits it with every org's peer endorsing.
approve_and_commit() {
  local channel="$1" version="$2" package_id="$3" sequence="$4" org; shift 4
  local orgs=("$@")
  local orderer_args=(-o "$(orderer_ip):$(orderer_port orderer1)" --tls --cafile "$(orderer_tls_ca)")
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
    peer_args+=(--peerAddresses "$(host_ip "$org"):$(peer_port "$org")" --tlsRootCertFiles "$(org_tls_ca "$org")")
  done
  retry_ordering "$RUN/chaincode/commit-$channel.log" as_org_admin "${orgs[0]}" peer lifecycle chaincode \
    commit "${orderer_args[@]}" -C "$channel" -n "$CC_NAME" -v "$version" --sequence "$sequence" \
    "${policy[@]}" "${peer_args[@]}" --waitForEvent || die "commit failed: $(tail -n 5 "$RUN/chaincode/commit-$channel.log")"
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
  local digest label pkg package_id port sequence
  digest="$(chaincode_build_digest)"
  label="${CC_NAME}_$digest"
  port="$(chaincode_port "$label")"
  pkg="$(package_chaincode "$label" "$port")"
  package_id="$label:$(sha256sum "$pkg" | cut -d' ' -f1)"

  install_on_peers "$pkg" "$package_id" "$label" "${orgs[@]}"
  start_chaincode_server "$label" "$package_id" "$port"
  sequence="$(next_sequence "$channel" "${orgs[0]}")"
  approve_and_commit "$channel" "$digest" "$package_id" "$sequence" "${orgs[@]}"
  say "chaincode '$CC_NAME' (sequence $sequence, package $package_id) committed on '$channel' with MAJORITY endorsement"
}
