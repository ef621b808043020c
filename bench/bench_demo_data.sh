#!/usr/bin/env bash
# bench_demo_data.sh — time `catlens demo-data` at one size, then `catlens etl` on its output.
#
#   bench/bench_demo_data.sh ORDER_LINES [WEEKS]
#
# Generates into a fresh folder under $BENCH_DIR (default $TMPDIR), under `nice` with
# `/usr/bin/time -v`, then runs bench/bench_etl.sh on it (publish and idempotent re-run). Prints
# wall time, rows per second and peak RSS of each, and one Markdown table row per program for
# bench/RESULTS.md. The folders are removed afterwards unless KEEP=1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${CATLENS_BIN:-$here/build/catlens}
lines=${1:?usage: bench_demo_data.sh ORDER_LINES [WEEKS]}
weeks=${2:-60}
end_week=${BENCH_END_WEEK:-2026-W47}
threads=${BENCH_THREADS:-2}
[ -x "$bin" ] || { echo "bench_demo_data: build first (make build): $bin" >&2; exit 2; }
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/catlens-bench-demo-XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
timing="$work/time.txt"

echo "bench_demo_data: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)," \
     "$lines order lines over $weeks weeks to $end_week, $threads threads"
CATLENS_LOG_LEVEL=warn nice /usr/bin/time -v -o "$timing" \
    "$bin" demo-data --out "$work/source" --orders "$lines" --weeks "$weeks" --end-week "$end_week" \
    --threads "$threads" >"$work/out.txt"
sed 's/^/  /' "$work/out.txt"
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$timing")
secs=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<<"$wall")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$timing")
cpu=$(sed -n 's/.*Percent of CPU this job got: //p' "$timing")
got=$(sed -n 's/^ *[0-9]* orders, \([0-9]*\) order lines.*/\1/p' "$work/out.txt")
size=$(du -sh "$work/source" | cut -f1)
echo "demo-data: wall $wall, cpu $cpu, peak RSS $((rss / 1024)) MiB, $(awk -v n="$got" -v s="$secs" 'BEGIN { printf "%.0f", n / s }') order lines/s, $size on disk"
echo "| demo-data | $got order lines, $weeks weeks | $wall | $(awk -v n="$got" -v s="$secs" 'BEGIN { printf "%.2f M", n / s / 1e6 }') lines/s | $((rss / 1024)) MiB | $size |"
"$here/bench/bench_etl.sh" "$work/source" "$end_week"
