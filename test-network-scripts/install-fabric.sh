#!/usr/bin/env bash
# Builds Fabric's binaries from its Go module at the revision pinned in network/fabric-build/go.mod,
# and Fabric CA's (fabric-ca-server, fabric-ca-client) at the release pinned in
# network/fabric-ca-build/go.mod, and caches both outside the clone (keyed by revision), so every
# clone on a machine shares one build. Also copies Fabric's sample config (core.yaml, orderer.yaml)
# next to the binaries.
# Prints the directory of Fabric's binaries on the last line of stdout when called with
# --print-dir, and Fabric CA's with --print-ca-dir.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test-network-scripts/lib/fabric-env.sh
source "$here/lib/fabric-env.sh"
say() { printf '[fabric] %s\n' "$*" >&2; }

binaries=(peer orderer configtxgen cryptogen osnadmin configtxlator)
ca_binaries=(fabric-ca-server fabric-ca-client)

fabric_done() { [ -x "$FABRIC_BIN/peer" ] && [ -f "$FABRIC_CFG_DIR/core.yaml" ] && [ -f "$FABRIC_HOME/.complete" ]; }
fabric_ca_done() { [ -x "$FABRIC_CA_BIN/fabric-ca-server" ] && [ -x "$FABRIC_CA_BIN/fabric-ca-client" ] && [ -f "$FABRIC_CA_HOME/.complete" ]; }
finish() {
  case "${1:-}" in
    --print-dir) echo "$FABRIC_BIN" ;;
    --print-ca-dir) echo "$FABRIC_CA_BIN" ;;
  esac
  exit 0
}

fabric_done && fabric_ca_done && finish "${1:-}"

if ! command -v go >/dev/null 2>&1; then
  say "Go is not installed. Fabric's binaries are built from source: install Go >= $FABRIC_MIN_GO"
  say "(Debian: the 'golang' package if recent enough, or Go from go.dev/dl) and run this again."
  exit 1
fi
go_version="$(go env GOVERSION | sed 's/^go//')"
if [ "$(printf '%s\n%s\n' "$FABRIC_MIN_GO" "$go_version" | sort -V | head -n1)" != "$FABRIC_MIN_GO" ]; then
  say "Go $go_version is too old: building Fabric needs Go >= $FABRIC_MIN_GO. Install a newer Go and run this again."
  exit 1
fi

build_fabric() {
  say "building Fabric $FABRIC_VERSION_LABEL (${#binaries[@]} binaries) into $FABRIC_BIN"
  say "first build on a machine takes a few minutes (downloads modules, compiles on $(nproc) cores)..."
  local start=$SECONDS tmp_bin="$FABRIC_HOME/bin.partial" ldflags name fabric_dir
  rm -rf "$tmp_bin" && mkdir -p "$tmp_bin"
  ldflags="-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION_LABEL"
  ldflags+=" -X github.com/hyperledger/fabric/common/metadata.CommitSHA=$FABRIC_COMMIT"
  (
    cd "$FABRIC_BUILD_MODULE"
    # Our go.sum pins every module hash; the checksum database does not list this Fabric revision.
    export GONOSUMDB="github.com/hyperledger${GONOSUMDB:+,$GONOSUMDB}"
    export GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
    say "downloading Go modules..."
    go mod download
    for name in "${binaries[@]}"; do
      say "compiling $name ($((SECONDS - start))s so far)"
      go build -trimpath -ldflags "$ldflags" -o "$tmp_bin/$name" "github.com/hyperledger/fabric/cmd/$name"
    done
  )
  fabric_dir="$(cd "$FABRIC_BUILD_MODULE" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)"
  mkdir -p "$FABRIC_CFG_DIR"
  cp "$fabric_dir/sampleconfig/core.yaml" "$fabric_dir/sampleconfig/orderer.yaml" "$FABRIC_CFG_DIR/"
  chmod u+w "$FABRIC_CFG_DIR"/*.yaml
  if ! "$tmp_bin/peer" version | grep "Version: $FABRIC_VERSION_LABEL" >/dev/null; then
    say "the built peer does not report version $FABRIC_VERSION_LABEL:"
    "$tmp_bin/peer" version >&2
    exit 1
  fi
  rm -rf "$FABRIC_BIN" && mv "$tmp_bin" "$FABRIC_BIN"
  touch "$FABRIC_HOME/.complete"
  say "built in $((SECONDS - start))s: $("$FABRIC_BIN/peer" version | grep -E 'Version|Commit' | tr -s ' \n' ' ')"
}

# Fabric CA's server keeps its registry in SQLite (mattn/go-sqlite3), so it needs cgo and a C compiler.
build_fabric_ca() {
  local version="${FABRIC_CA_VERSION#v}" start=$SECONDS tmp_bin="$FABRIC_CA_HOME/bin.partial" name
  if ! command -v gcc >/dev/null 2>&1 && ! command -v cc >/dev/null 2>&1; then
    say "no C compiler: Fabric CA's server uses SQLite through cgo. Install gcc and run this again."
    exit 1
  fi
  say "building Fabric CA $version (${#ca_binaries[@]} binaries) into $FABRIC_CA_BIN"
  rm -rf "$tmp_bin" && mkdir -p "$tmp_bin"
  (
    cd "$FABRIC_CA_BUILD_MODULE"
    say "downloading Go modules..."
    GOFLAGS="-mod=readonly -buildvcs=false" go mod download
    for name in "${ca_binaries[@]}"; do
      say "compiling $name ($((SECONDS - start))s so far)"
      GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=1 go build -trimpath -ldflags "-X github.com/hyperledger/fabric-ca/lib/metadata.Version=$version" \
        -o "$tmp_bin/$name" "github.com/hyperledger/fabric-ca/cmd/$name"
    done
  )
  for name in "${ca_binaries[@]}"; do
    if ! "$tmp_bin/$name" version | grep "Version: $version" >/dev/null; then
      say "the built $name does not report version $version:"
      "$tmp_bin/$name" version >&2
      exit 1
    fi
  done
  rm -rf "$FABRIC_CA_BIN" && mv "$tmp_bin" "$FABRIC_CA_BIN"
  touch "$FABRIC_CA_HOME/.complete"
  say "built Fabric CA $version in $((SECONDS - start))s"
}

fabric_done || build_fabric
fabric_ca_done || build_fabric_ca
finish "${1:-}"
