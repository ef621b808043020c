#!/usr/bin/env bash
# bench_rca.sh — root-cause localisation on the public benchmarks: `catlens rca` over every folder
# under ../shared/benchmarks/rca/ (RS: ratio, real incidents; S: additive, RiskLoc's generator) and
# over the synthetic ratio benchmark bench/rca_synth writes (200 cases, seed 1; docs/rca.md,
# "Evaluation"), printing micro precision, recall, F1 and seconds per case. Copy the figures and
# the machine into bench/RESULTS.md by hand. The held-out S cases (the S generator's cases 11-60)
# are the operator's step: docs/rca.md says how to make them; pass their folder as HELDOUT_S.
#
#   bench/bench_rca.sh [BENCH_ROOT]     (default ../shared/benchmarks/rca from the source tree)
#   HELDOUT_S=DIR bench/bench_rca.sh    (DIR holds data/ and labels.csv)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${CATLENS_BIN:-$here/build/catlens}
synth=${RCA_SYNTH_BIN:-$here/build/bench/rca_synth}
root=${1:-$here/../shared/benchmarks/rca}
[ -x "$bin" ] && [ -x "$synth" ] || { echo "bench_rca: build first (make build)" >&2; exit 2; }
[ -d "$root" ] || { echo "bench_rca: no benchmark folder $root" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/catlens-bench-rca-XXXXXX")
trap 'rm -rf "$out"' EXIT
echo "bench_rca: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
for set in "$root"/*/; do
    name=$(basename "$set")
    [ -f "$set/labels.csv" ] && [ -d "$set/data" ] || continue
    # RS cases are stall-rate incidents (stalls rose): only causes that raised the rate count
    worse=(); [ "$name" = RS ] && worse=(--worse up)
    echo "== $name ($(ls "$set/data" | grep -c '\.csv$') files) ${worse[*]}"
    nice "$bin" rca --data-dir "$set/data" --labels "$set/labels.csv" --out "$out/$name.csv" "${worse[@]}"
done
echo "== synthetic ratio (bench/rca_synth, 200 cases, seed 1) --worse up"
"$synth" --out "$out/synth" --cases 200 --seed 1
nice "$bin" rca --data-dir "$out/synth/data" --labels "$out/synth/labels.csv" --out "$out/synth.csv" \
    --worse up
if [ -n "${HELDOUT_S:-}" ]; then
    echo "== S held-out ($HELDOUT_S)"
    nice "$bin" rca --data-dir "$HELDOUT_S/data" --labels "$HELDOUT_S/labels.csv" --out "$out/s-heldout.csv"
fi
