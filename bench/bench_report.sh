#!/usr/bin/env bash
# bench_report.sh — time the WBR of a slice from a published snapshot (bench/bench_report.c): read one
# category x region, run the insight engine for all four windows, assemble the documents.
#   bench/bench_report.sh WAREHOUSE WEEK      on an existing warehouse
#   bench/bench_report.sh                     demo-data of BENCH_REPORT_LINES order lines (default 10,000,000,
#                                             60 weeks) published by the ETL into a temporary warehouse first
# Copy the figures and the machine into bench/RESULTS.md by hand.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${BUILD:-build}
bin="$build/catlens"
bench="$build/bench/bench_report"
[ -x "$bench" ] || { echo "bench_report: build first (make build): $bench" >&2; exit 2; }
echo "bench_report: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $# -ge 2 ]; then
    exec nice "$bench" "$1" "$2" "${3:-8}"
fi
lines=${BENCH_REPORT_LINES:-10000000}
week=2026-W47
tmp=$(mktemp -d "${TMPDIR:-/tmp}/catlens-bench-report-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "== demo-data $lines lines, 60 weeks, then the ETL"
nice "$bin" demo-data --out "$tmp/source" --orders "$lines" --end-week $week --seed 42 >/dev/null
CATLENS_LOG_LEVEL=warn nice "$bin" etl --week $week --source "$tmp/source" --warehouse "$tmp/wh" | tail -2
rm -rf "$tmp/source"
nice "$bench" "$tmp/wh" $week 8
