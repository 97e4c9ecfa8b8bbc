#!/usr/bin/env bash
# npm run bench [-- CSV_PATH]: the CKKS engine's benchmarks (the thesis's two examples, per-op
# costs, bundle sizes), then whole trades on a real network (latency with the CKKS engine),
# then the ledger itself (npm run bench:ledger: Caliper rounds, hot keys, REST overhead,
# growth; see docs/network.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
npm run --silent build
node application/dist/bench/run.js "$@"
node application/dist/src/demo/bench-trades.js --engine
node application/dist/bench/backlog.js
npm run --silent bench:ledger
