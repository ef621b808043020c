#!/usr/bin/env bash
# The web UI's production bundle (web/dist, built by make build): every file raw and gzipped, and what the first
# page load fetches. The time to an interactive review is measured by the e2e run (web/e2e/perf.spec.ts,
# web/test-results/e2e/perf.json). Figures go into bench/RESULTS.md, section "web".
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f web/dist/index.html ] || { echo "bench_web: web/dist is not built (make build)" >&2; exit 1; }
node web/scripts/bundle-size.mjs
