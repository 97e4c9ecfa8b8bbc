#!/usr/bin/env bash
# Installs everything the project needs that a fresh clone lacks: npm packages (which bring the
# pinned Node 24 runtime) and the Fabric binaries. Safe to run again: each step is skipped when
# its result is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '[setup] %s\n' "$*"; }

if ! command -v npm >/dev/null 2>&1; then
  say "npm is missing: install Node.js (any version >= 18) with npm, then run this again." >&2
  exit 1
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci; brings Node 24 as the 'node' package)..."
  npm ci --no-audit --no-fund --loglevel=error
fi

node_version="$(node_modules/.bin/node --version 2>/dev/null || true)"
case "$node_version" in
  v24.*) ;;
  *)
    say "node_modules/.bin/node is '${node_version:-missing}', expected v24: run 'rm -rf node_modules && npm ci'." >&2
    exit 1
    ;;
esac
say "Node runtime for npm scripts: $node_version"

# Tools the network scripts and `npm run lint` call: command -> Debian package.
missing=()
# gcc: Fabric CA's server is built with cgo (SQLite); ip (iproute2): `network.sh up --hosts`.
for pair in curl:curl openssl:openssl ss:iproute2 ip:iproute2 jq:jq tar:tar shellcheck:shellcheck gcc:gcc; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing tools; install these packages and run this again: ${missing[*]}" >&2
    exit 1
  fi
fi

# The web app's browser tests drive Debian's Chromium (npm packages cannot download browsers here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "missing /usr/bin/chromium; install the Debian package 'chromium' and run this again." >&2
    exit 1
  fi
fi

if [ "${DATAMARKET_SKIP_FABRIC:-0}" != 1 ]; then
  bash test-network-scripts/install-fabric.sh
fi
