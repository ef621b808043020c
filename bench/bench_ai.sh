#!/usr/bin/env bash
# bench_ai.sh — the AI service's figures for bench/RESULTS.md:
#   1. prompt tokens per report (o200k_base and cl100k_base BPE) against a naive JSON dump of the same data;
#   2. service overhead per call beyond the provider's own latency (the fake provider answering at once);
#   3. throughput with 200 concurrent slow provider calls (the fake provider holding each call 1 s).
# Everything runs on loopback: the real `catlens ai`, tests/fakes/fake_llm.js, bench/ai/load.js. Ports are chosen by
# the kernel; state lives in a temporary folder, removed afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bin=${CATLENS_BIN:-$here/build/catlens}
tool=${AI_TOOL:-$here/build/tests/integration/ai_tool}
[ -x "$bin" ] && [ -x "$tool" ] || { echo "bench_ai: build first (make build)" >&2; exit 2; }
if [ ! -d bench/ai/node_modules/gpt-tokenizer ]; then
    (cd bench/ai && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/catlens-bench-ai-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

echo "bench_ai: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"

echo "== 1. prompt tokens per report"
for n in 9 30; do
    "$tool" request "$n" > "$work/req$n.json"
    "$tool" prompt "$work/req$n.json" | node bench/ai/tokens.js | python3 -c '
import json, sys
t = json.load(sys.stdin); n = sys.argv[1]
for enc in ("o200k_base", "cl100k_base"):
    full, lean = t["user_full"][enc], t["user_agent"][enc]
    ind, comp = t["naive_indent"][enc], t["naive_compact"][enc]
    system, whole = t["system"][enc], t["request"][enc]
    print(f"  {n} findings, {enc}: compact encoding {full} tokens ({100*full/ind:.0f}% of indented JSON {ind}, "
          f"{100*full/comp:.0f}% of compact JSON {comp}); lean (agent) {lean}; instructions {system}; "
          f"whole report as the app sends it {whole}")
' "$n"
done

start_fake() {
    node tests/fakes/fake_llm.js > "$work/fake.out" &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$work/fake.out" ] && break; sleep 0.1; done
    fake_port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$work/fake.out")
}

start_ai() { # start_ai THREADS
    mkdir -p "$work/state"
    cat > "$work/models.yaml" <<YAML
default: fake
chain: []
retry: {max_attempts: 1}
agent: {max_steps: 1, max_tokens: 1000000, max_cost_micros: 1000000000}
models:
  offline: {provider: offline, price: {input: 0, output: 0}}
  fake: {provider: openai, endpoint: 'http://127.0.0.1:$fake_port/v1/chat/completions', auth: none,
         timeout_ms: 30000, price: {input: 150000, output: 600000}}
YAML
    cat > "$work/catlens.yaml" <<YAML
env: dev
paths: {source: $work/source, warehouse: $work/warehouse, state: $work/state, metrics: $here/config/metrics.yaml,
        pipelines: $here/config/pipeline, prompts: $here/config/prompts, models: $work/models.yaml, web: $work/web}
app: {host: 127.0.0.1, port: 8080, threads: 2}
ai:
  host: 127.0.0.1
  port: 8081
  url: http://127.0.0.1:8081
  timeout_ms: 15000
  service: {threads: $1, job_workers: 1, cache_ttl_s: 0}
  budgets: {user_micros: -1, team_micros: -1}
  rate_limits: {per_minute: {category_manager: -1}}
auth: {mode: dev, users: []}
cache: {redis_url: ""}
log: {level: warn}
etl: {pipeline: demo, threads: 1, memory_limit: 1GB, history_weeks: 60}
YAML
    CATLENS_LOG_LEVEL=warn "$bin" ai --config "$work/catlens.yaml" --port 0 > "$work/ai.out" 2> "$work/ai.err" &
    ai_pid=$!
    pids+=($ai_pid)
    for _ in $(seq 100); do grep -q listening "$work/ai.out" 2>/dev/null && break; sleep 0.1; done
    ai_url=$(sed -n 's/.*listening on //p' "$work/ai.out")
}

metric_mean() { # metric_mean NAME: sum/count of a histogram from /metrics, in ms
    curl -s "$ai_url/metrics" | python3 -c '
import sys
name = sys.argv[1]; s = c = 0.0
for line in sys.stdin:
    if line.startswith(name + "_sum"): s = float(line.split()[-1])
    if line.startswith(name + "_count"): c = float(line.split()[-1])
print(f"{1000 * s / c:.3f}" if c else "n/a")
' "$1"
}

echo "== 2. service overhead per call (fake provider answers at once)"
start_fake
curl -s -XPOST "http://127.0.0.1:$fake_port/_default" -d '{"do":"clean"}' > /dev/null
start_ai 16
node bench/ai/load.js "$ai_url" "$work/req9.json" 50 1 > /dev/null   # warm up
node bench/ai/load.js "$ai_url" "$work/req9.json" 300 1 | sed 's/^/  client, sequential: /'
echo "  in-service time not waiting on the provider, mean: $(metric_mean catlens_ai_overhead_seconds) ms"
echo "  whole summary inside the service, mean: $(metric_mean catlens_ai_summary_seconds) ms"
kill "$ai_pid"; wait "$ai_pid" 2>/dev/null || true

echo "== 3. throughput with 200 concurrent slow provider calls (1 s each)"
curl -s -XPOST "http://127.0.0.1:$fake_port/_default" -d '{"do":"slow","ms":1000}' > /dev/null
rm -rf "$work/state"
start_ai 256
node bench/ai/load.js "$ai_url" "$work/req9.json" 200 200 | sed 's/^/  200 at once: /'
node bench/ai/load.js "$ai_url" "$work/req9.json" 1000 200 | sed 's/^/  1000, 200 at a time: /'
echo "  in-service overhead under load, mean: $(metric_mean catlens_ai_overhead_seconds) ms"
