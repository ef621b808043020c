#!/usr/bin/env bash
# bench_etl.sh — time one `catlens etl` run on a source folder (demo-data output or an extract).
#
#   bench/bench_etl.sh SOURCE_DIR [WEEK] [extra catlens etl options…]
#
# Publishes into a fresh warehouse under $TMPDIR (removed afterwards unless KEEP=1), runs under
# `nice` with `/usr/bin/time -v`, and prints wall time, CPU seconds, peak RSS, the peak size of
# the engine's spill folder (sampled every second), source size, snapshot size and the snapshot
# line. BENCH_MEMORY_LIMIT=3GB sets etl.memory_limit for the run (CATLENS_ETL_MEMORY_LIMIT). Copy the figures and the machine (nproc, memory, etl.threads,
# etl.memory_limit) into bench/RESULTS.md by hand. The first run of a week publishes; run it twice
# to see the cost of an idempotent re-run (it still rebuilds, then finds the identical snapshot);
# BENCH_ETL_RUNS=1 runs only the publish.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${CATLENS_BIN:-$here/build/catlens}
src=${1:?usage: bench_etl.sh SOURCE_DIR [WEEK] [catlens etl options...]}
week=${2:-}
shift $(( $# >= 2 ? 2 : 1 ))
[ -d "$src" ] || { echo "bench_etl: no source folder $src" >&2; exit 2; }
[ -x "$bin" ] || { echo "bench_etl: build first (make build): $bin" >&2; exit 2; }
if [ -z "$week" ]; then
    # the newest week present in the orders table
    week=$(ls "$src/orders" | sed -n 's/^week=//p' | sort | tail -1)
fi
wh=$(mktemp -d "${TMPDIR:-/tmp}/catlens-bench-etl-XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$wh"' EXIT
timing="$wh/time.txt"

query=$here/build/tests/integration/make_source
lines=$("$query" query "SELECT count(*) FROM read_parquet('$src/order_lines/*/*.parquet')" 2>/dev/null || echo 0)
echo "bench_etl: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)," \
     "source $src ($(du -sh "$src" | cut -f1), $lines order lines), week $week"
[ -z "${BENCH_MEMORY_LIMIT:-}" ] || export CATLENS_ETL_MEMORY_LIMIT=$BENCH_MEMORY_LIMIT
# spill_sampler FILE: the largest size in MiB of WAREHOUSE/.tmp/spill.* seen, every second
spill_sampler() {
    local max=0 now
    while :; do
        now=$(du -sm "$wh/warehouse/.tmp"/spill.* 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
        [ "$now" -le "$max" ] || { max=$now; echo "$max" >"$1"; }
        sleep 1
    done
}
for run in $(seq 1 "${BENCH_ETL_RUNS:-2}"); do
    cd "$here"
    status=0
    echo 0 >"$wh/spill.txt"
    spill_sampler "$wh/spill.txt" &
    sampler=$!
    CATLENS_LOG_LEVEL=${CATLENS_LOG_LEVEL:-warn} CATLENS_PROGRESS=1 nice /usr/bin/time -v -o "$timing" \
        "$bin" etl --week "$week" --source "$src" --warehouse "$wh/warehouse" "$@" >"$wh/out.txt" \
        2>"$wh/progress.txt" || status=$?
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    spill=$(cat "$wh/spill.txt")
    cpus=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.0f", s }' "$timing")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$timing")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$timing")
    cpu=$(sed -n 's/.*Percent of CPU this job got: //p' "$timing")
    secs=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<<"$wall")
    echo "run $run: exit $status, wall $wall, cpu $cpu ($cpus s), peak RSS $((rss / 1024)) MiB," \
         "peak spill $spill MiB, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
         "$(awk -v n="$lines" -v s="$secs" 'BEGIN { printf "%.2f M", n / s / 1e6 }') order lines/s"
    [ "$run" = 2 ] || sed 's/^/  /' "$wh/progress.txt"
    sed 's/^/  /' "$wh/out.txt"
    [ "$run" = 2 ] || echo "| etl | $lines order lines | $wall (CPU $cpu, $cpus s) | $(awk -v n="$lines" -v s="$secs" 'BEGIN { printf "%.2f M", n / s / 1e6 }') lines/s | $((rss / 1024)) MiB, spill $spill MiB | $(sed -n 's/^published snapshot \([^ ]*\).*/\1/p' "$wh/out.txt") |"
    [ "$status" -eq 0 ] || exit "$status"
done
echo "snapshot size: $(du -sh "$wh/warehouse/snapshots" | cut -f1)"
