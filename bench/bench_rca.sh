#!/usr/bin/env bash
# bench_rca.sh — root-cause localisation on the public benchmarks: `catlens rca` over every folder
# under ../shared/benchmarks/rca/ (RS: ratio, real incidents; S: additive, RiskLoc's generator),
# printing micro precision, recall, F1 and seconds per case. Copy the figures and the machine into
# bench/RESULTS.md by hand.
#
#   bench/bench_rca.sh [BENCH_ROOT]     (default ../shared/benchmarks/rca from the source tree)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${CATLENS_BIN:-$here/build/catlens}
root=${1:-$here/../shared/benchmarks/rca}
[ -x "$bin" ] || { echo "bench_rca: build first (make build): $bin" >&2; exit 2; }
[ -d "$root" ] || { echo "bench_rca: no benchmark folder $root" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/catlens-bench-rca-XXXXXX")
trap 'rm -rf "$out"' EXIT
echo "bench_rca: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
for set in "$root"/*/; do
    name=$(basename "$set")
    [ -f "$set/labels.csv" ] && [ -d "$set/data" ] || continue
    echo "== $name ($(ls "$set/data" | grep -c '\.csv$') files)"
    nice "$bin" rca --data-dir "$set/data" --labels "$set/labels.csv" --out "$out/$name.csv"
done
