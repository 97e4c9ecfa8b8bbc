# shellcheck shell=bash
# Where the pinned Fabric build lives. Sourced by the network scripts.
# The revision is the one network/fabric-build/go.mod requires (Fabric's 2.5 LTS line, see
# docs/network.md for why this one).
# The variables are used by the scripts that source this file, where shellcheck cannot see it.
# shellcheck disable=SC2034
_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FABRIC_BUILD_MODULE="$_repo_root/network/fabric-build"
FABRIC_MODULE_VERSION="$(sed -n 's#^[[:space:]]*github.com/hyperledger/fabric \(v[^ ]*\).*#\1#p' "$FABRIC_BUILD_MODULE/go.mod")"
FABRIC_COMMIT="${FABRIC_MODULE_VERSION##*-}"
FABRIC_VERSION_LABEL="2.5.9-dev+$FABRIC_COMMIT"
FABRIC_MIN_GO=1.24
FABRIC_CACHE_ROOT="${DATAMARKET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/datamarket}"
FABRIC_HOME="$FABRIC_CACHE_ROOT/fabric-$FABRIC_COMMIT"
FABRIC_BIN="$FABRIC_HOME/bin"
FABRIC_CFG_DIR="$FABRIC_HOME/config"
# Fabric CA (every org's certificate authority): its own module, network/fabric-ca-build, pins a
# release tag; cached beside Fabric, keyed by that tag.
FABRIC_CA_BUILD_MODULE="$_repo_root/network/fabric-ca-build"
FABRIC_CA_VERSION="$(sed -n 's#^[[:space:]]*github.com/hyperledger/fabric-ca \(v[^ ]*\).*#\1#p' "$FABRIC_CA_BUILD_MODULE/go.mod")"
FABRIC_CA_HOME="$FABRIC_CACHE_ROOT/fabric-ca-$FABRIC_CA_VERSION"
FABRIC_CA_BIN="$FABRIC_CA_HOME/bin"
