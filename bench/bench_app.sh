#!/usr/bin/env bash
# bench_app.sh — the app's figures for bench/RESULTS.md, on loopback (ports chosen by the kernel):
#   1. cold POST /wbr: BENCH_APP_COLD distinct reports (default 40), one at a time, none cached or archived —
#      build on a builder thread (read + engine + document) and the summary from the real `catlens ai`;
#   2. cached POST /wbr: wrk, 64 connections, BENCH_APP_SECONDS (default 10), gzip accepted;
#   3. the ceiling: bench/bench_mhd (bare libmicrohttpd, same thread count) serving the same gzip body, same wrk;
#   4. slow summaries: a second `catlens ai` whose model is tests/fakes/fake_llm.js answering after
#      BENCH_APP_SLOW_MS (default 5000), a second app on it; cached /wbr under wrk, first alone, then while
#      BENCH_APP_SLOW (default 100; 0 skips) distinct cold reports wait on their summaries (needs node).
#   bench/bench_app.sh WAREHOUSE WEEK    on an existing warehouse
#   bench/bench_app.sh                   demo-data of BENCH_APP_LINES order lines (default 1,000,000, the `make run`
#                                        size, 60 weeks) published by the ETL into a temporary warehouse first
# Needs wrk (Debian package, installed by scripts/bootstrap). Copy the figures into bench/RESULTS.md by hand.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${BUILD:-build}
case $build in /*) ;; *) build="$here/$build" ;; esac # BUILD may be absolute (a base build kept elsewhere)
bin="$build/catlens"
mhd="$build/bench/bench_mhd"
[ -x "$bin" ] && [ -x "$mhd" ] || { echo "bench_app: build first (make build)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench_app: wrk is not installed (scripts/bootstrap)" >&2; exit 2; }
threads=${BENCH_APP_THREADS:-4}
seconds=${BENCH_APP_SECONDS:-10}
cold_n=${BENCH_APP_COLD:-40}
work=$(mktemp -d "${TMPDIR:-/tmp}/catlens-bench-app-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
echo "bench_app: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ $# -ge 2 ]; then
    wh=$1 week=$2
else
    lines=${BENCH_APP_LINES:-1000000}
    wh="$work/wh" week=2026-W47
    echo "== demo-data $lines lines, 60 weeks, then the ETL"
    nice "$bin" demo-data --out "$work/source" --orders "$lines" --end-week $week --seed 42 >/dev/null
    CATLENS_LOG_LEVEL=warn nice "$bin" etl --week $week --source "$work/source" --warehouse "$wh" | tail -2
    rm -rf "$work/source"
fi

wait_file() { for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
export CATLENS_STATE="$work/state" CATLENS_WAREHOUSE="$wh" CATLENS_LOG_LEVEL=warn
"$bin" ai --port 0 >"$work/ai.out" 2>"$work/ai.log" &
pids+=($!)
wait_file "$work/ai.out"
export CATLENS_AI_URL
CATLENS_AI_URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/ai.out")
CATLENS_APP_PORT=0 CATLENS_APP_THREADS=$threads "$bin" app --port-file "$work/app.port" 2>"$work/app.log" &
app_pid=$!
pids+=($app_pid)
wait_file "$work/app.port"
base="http://127.0.0.1:$(cat "$work/app.port")"
curl -s -c "$work/jar" -o /dev/null "$base/login-url?user=leader"
sid=$(awk '$6 == "catlens_session" {print $7}' "$work/jar")
csrf=$(awk '$6 == "catlens_csrf" {print $7}' "$work/jar")
wbr() { # wbr BODY [curl args]: prints code and seconds
    curl -s -o "$work/last.body" -w '%{http_code} %{time_total}\n' -X POST -H "Cookie: catlens_session=$sid" \
        -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' --data-binary "$1" "${@:2}" "$base/wbr"
}
body() { printf '{"category":"%s","region":"%s","window":"%s","week":"%s"}' "$1" "$2" "$3" "$week"; }

# the filter values of the snapshot: categories x regions x windows, in order
curl -s -H "Cookie: catlens_session=$sid" "$base/category-list" >"$work/list.json"
python3 - "$work/list.json" "$cold_n" >"$work/cold.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2]); out = []
for c in d["categories"]:
    for r in [x for x in d["regions"] if x != "all"]:
        for w in d["windows"]:
            out.append(f"{c} {r} {w}")
print("\n".join(out[:n]))
PY

echo "== 1. cold POST /wbr: $(wc -l <"$work/cold.txt") distinct reports, one at a time (app.threads $threads)"
while read -r c r w; do
    wbr "$(body "$c" "$r" "$w")" --compressed
done <"$work/cold.txt" >"$work/cold.times"
python3 - "$work/cold.times" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
bad = [r for r in rows if r[0] != "200"]
t = sorted(float(r[1]) * 1000 for r in rows)
pct = lambda p: t[min(len(t) - 1, int(round(p / 100 * (len(t) - 1))))]
print(f"  {len(t)} reports: p50 {pct(50):.0f} ms, p95 {pct(95):.0f} ms, max {t[-1]:.0f} ms"
      f"{'; NON-200: %d' % len(bad) if bad else ''}")
PY

read -r c r w <"$work/cold.txt"
req=$(body "$c" "$r" "$w")
wbr "$req" -H 'Accept-Encoding: gzip' >/dev/null
cp "$work/last.body" "$work/cached.gz"
size=$(stat -c %s "$work/cached.gz")
plain=$(gzip -dc "$work/cached.gz" | wc -c)
cat >"$work/wbr.lua" <<LUA
wrk.method = "POST"
wrk.body = '$req'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "catlens_session=$sid"
wrk.headers["X-CSRF-Token"] = "$csrf"
wrk.headers["Accept-Encoding"] = "gzip"
done = function(s, lat, req)
  local e = s.errors
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d %d\n", s.requests / (s.duration / 1e6),
    lat:percentile(50) / 1000, lat:percentile(95) / 1000, lat:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
LUA
load() { # load URL [SECONDS]: wrk at 64 connections; prints "rps p50 p95 p99 errors non2xx"
    nice -n 0 wrk -t1 -c64 -d"${2:-$seconds}s" --timeout 5s -s "$work/wbr.lua" "$1" | sed -n 's/^RESULT //p'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system clock ticks of process $1
per_req() { # per_req TICKS0 TICKS1 RESULT: CPU microseconds per request of the server during the run
    read -r rps _ <<<"$3"
    python3 -c "import os,sys; t0,t1,rps,s=map(float,sys.argv[1:]); print(f'{(t1-t0)/os.sysconf(\"SC_CLK_TCK\")/(rps*s)*1e6:.0f}')" \
        "$1" "$2" "$rps" "$seconds"
}
report() { # report WHAT RESULT
    read -r rps p50 p95 p99 errs non2xx <<<"$2"
    printf '  %-44s %7s req/s   p50 %6s ms   p95 %6s ms   p99 %6s ms   errors %s, non-2xx %s\n' \
        "$1" "$rps" "$p50" "$p95" "$p99" "$errs" "$non2xx"
}
echo "== 2. cached POST /wbr ($c x $r x $w: $size bytes gzip, $plain bytes JSON), wrk -t1 -c64 ${seconds}s"
views0=$(sqlite3 "$work/state/audit.db" "SELECT count(*) FROM audit_log WHERE event = 'report_view'")
t0=$(cpu_ticks "$app_pid")
app=$(load "$base/wbr")
t1=$(cpu_ticks "$app_pid")
report "catlens app, cached /wbr" "$app"
echo "  CPU of the app per request: $(per_req "$t0" "$t1" "$app") us"
views1=$(sqlite3 "$work/state/audit.db" "SELECT count(*) FROM audit_log WHERE event = 'report_view'")
echo "  report views audited during the run: $((views1 - views0))"

echo "== 3. ceiling: bare libmicrohttpd ($threads threads) serving the same $size-byte gzip body"
"$mhd" "$work/cached.gz" "$threads" "$work/mhd.port" &
mhd_pid=$!
pids+=($mhd_pid)
wait_file "$work/mhd.port"
t0=$(cpu_ticks "$mhd_pid")
ceiling=$(load "http://127.0.0.1:$(cat "$work/mhd.port")/wbr")
t1=$(cpu_ticks "$mhd_pid")
report "bare libmicrohttpd" "$ceiling"
echo "  CPU of the bare server per request: $(per_req "$t0" "$t1" "$ceiling") us"
read -r a_rps _ _ a_p99 _ _ <<<"$app"
read -r m_rps _ _ m_p99 _ _ <<<"$ceiling"
python3 -c "import sys; a,m,ap,mp=map(float,sys.argv[1:]); print(f'  cached /wbr: {100*a/m:.0f}% of the ceiling throughput, p99 {ap/mp:.2f}x its p99')" \
    "$a_rps" "$m_rps" "$a_p99" "$m_p99"

slow_n=${BENCH_APP_SLOW:-100}
slow_ms=${BENCH_APP_SLOW_MS:-5000}
if [ "$slow_n" -gt 0 ] && command -v node >/dev/null; then
    echo "== 4. cached POST /wbr while $slow_n cold reports wait on ${slow_ms} ms summaries (fake model provider)"
    node tests/fakes/fake_llm.js >"$work/fake.out" &
    pids+=($!)
    wait_file "$work/fake.out"
    fake="http://127.0.0.1:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$work/fake.out")"
    tests/fakes/fake_models.sh "$fake" 60000 0 0 >"$work/models.yaml"
    # the shipped configuration with: that model, the state of its own, unlimited budgets and rates (one
    # user asks for everything), room for every summary at once, a timeout above the summary's delay
    python3 - "$here/config/catlens.yaml" "$work" "$here" "$slow_n" "$slow_ms" >"$work/slow.yaml" <<'PY'
import json, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1])); work, here, n, ms = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
for k in ("metrics", "pipelines", "prompts"):
    cfg["paths"][k] = here + "/" + cfg["paths"][k]
cfg["paths"].update(models=work + "/models.yaml", state=work + "/slow-state", web=work + "/no-web")
cfg["ai"].update(port=1, timeout_ms=ms + 20000)
cfg["ai"]["service"]["threads"] = n + 16
cfg["ai"]["budgets"].update(user_micros=-1, team_micros=-1)
rl = cfg["ai"]["rate_limits"]
for k in ("per_minute", "per_role_per_minute"):
    rl[k] = {role: -1 for role in rl[k]}
print(json.dumps(cfg))
PY
    unset CATLENS_AI_URL
    ai_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    export CATLENS_STATE="$work/slow-state"
    CATLENS_AI_PORT=$ai_port "$bin" ai --config "$work/slow.yaml" >"$work/ai2.out" 2>"$work/ai2.log" &
    pids+=($!)
    for _ in $(seq 300); do grep -q listening "$work/ai2.out" && break; sleep 0.1; done
    CATLENS_AI_URL=http://127.0.0.1:$ai_port CATLENS_APP_PORT=0 CATLENS_APP_THREADS=$threads \
        "$bin" app --config "$work/slow.yaml" --port-file "$work/app2.port" 2>"$work/app2.log" &
    pids+=($!)
    wait_file "$work/app2.port"
    base="http://127.0.0.1:$(cat "$work/app2.port")"
    curl -s -c "$work/jar2" -o /dev/null "$base/login-url?user=leader"
    sid=$(awk '$6 == "catlens_session" {print $7}' "$work/jar2")
    csrf=$(awk '$6 == "catlens_csrf" {print $7}' "$work/jar2")
    sed -i "s/catlens_session=[^\"]*/catlens_session=$sid/; s/\"X-CSRF-Token\"] = \"[^\"]*/\"X-CSRF-Token\"] = \"$csrf/" "$work/wbr.lua"
    wbr "$req" >/dev/null # the cached report (fast summary), as in 2.
    slow_s=${BENCH_APP_SLOW_SECONDS:-2}
    alone=$(load "$base/wbr" "$slow_s")
    curl -s -XPOST "$fake/_default" -d "{\"do\":\"slow\",\"ms\":$slow_ms}" >/dev/null
    python3 - "$work/list.json" "$slow_n" "$week" "$req" >"$work/slow.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2]); week = sys.argv[3]; cached = json.loads(sys.argv[4]); out = []
for c in d["categories"]:
    for r in [x for x in d["regions"] if x != "all"]:
        for w in d["windows"]:
            b = {"category": c, "region": r, "window": w, "week": week}
            if b != cached:
                out.append(json.dumps(b))
print("\n".join(out[-n:]))  # the end of the list: none of them built by 1.
PY
    metric() { curl -s "$base/metrics" | sed -n "s/^$1 //p" | head -1; }
    slow=()
    while read -r b; do
        wbr "$b" --compressed >>"$work/slow.times" &
        slow+=($!)
    done <"$work/slow.txt"
    # wait until every build is done (the CPU work), so what remains in flight is the summaries alone; wrk then
    # runs BENCH_APP_SLOW_SECONDS (default 2), inside the summaries' delay
    for _ in $(seq 1200); do
        built=$(curl -s "$base/metrics" | awk -F'[ }]' '/^catlens_report_builds_total\{/ {s += $NF} END {print s + 0}')
        [ "$built" -ge "$slow_n" ] && break
        sleep 0.1
    done
    waiting0=$(metric catlens_report_requests_waiting)
    during=$(load "$base/wbr" "$slow_s")
    waiting1=$(metric catlens_report_requests_waiting)
    wait "${slow[@]}"
    report "cached /wbr alone (this app)" "$alone"
    report "cached /wbr, slow summaries in flight" "$during"
    echo "  requests waiting on a summary: $waiting0 when wrk started, $waiting1 when it ended;" \
        "the $slow_n slow ones: $(awk '{print $1}' "$work/slow.times" | sort | uniq -c | tr '\n' ' ')"
fi
