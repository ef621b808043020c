# The AI service end to end: the real `catlens ai` and the fake provider (tests/fakes/fake_llm.js) on loopback
# ports chosen at run time; state in a temporary folder. Covers the offline default, a model answer, the request
# cache and single-flight, bad input, rate limits, the budget race, Retry-After, async jobs across a crash, metrics
# and the app's C client.
. "$(dirname "$0")/lib.sh"
cd "$CATLENS_SRC"
: "${CATLENS_AI_TOOL:?CATLENS_AI_TOOL must point at ai_tool}"
command -v node >/dev/null || { echo "1..0 # SKIP node is not installed"; exit 77; }

PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap 'stop_all; rm -rf "$WORK"' EXIT

node tests/fakes/fake_llm.js > "$WORK/fake.out" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/fake.out" ] && break; sleep 0.1; done
FAKE_PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$WORK/fake.out")
FAKE="http://127.0.0.1:$FAKE_PORT"
fake() { curl -s -XPOST "$FAKE/$1" -d "$2" > /dev/null; }
fake_count() { curl -s "$FAKE/_log" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

REDIS_URL=""
write_config() { # write_config TEAM_BUDGET
    cat > "$WORK/models.yaml" <<YAML
default: offline
chain: [backup]
retry: {max_attempts: 2, base_ms: 10, max_ms: 50, max_retry_after_ms: 5000}
agent: {max_steps: 3, max_tokens: 100000, max_cost_micros: 100000000}
models:
  offline: {provider: offline, price: {input: 0, output: 0}}
  fake: {provider: openai, endpoint: '$FAKE/v1/chat/completions', auth: none, timeout_ms: 10000,
         price: {input: 150000, cached_input: 75000, output: 600000}}
  backup: {provider: anthropic, endpoint: '$FAKE/v1/messages', timeout_ms: 10000, price: {input: 100000, output: 200000}}
  unpriced: {provider: gemini, endpoint: '$FAKE/v1beta/models/{model}:generateContent'}
YAML
    cat > "$WORK/catlens.yaml" <<YAML
env: dev
paths: {source: $WORK/source, warehouse: $WORK/warehouse, state: $WORK/state, metrics: $CATLENS_SRC/config/metrics.yaml,
        pipelines: $CATLENS_SRC/config/pipeline, prompts: $CATLENS_SRC/config/prompts, models: $WORK/models.yaml,
        web: $WORK/web}
app: {host: 127.0.0.1, port: 8080, threads: 2}
ai:
  host: 127.0.0.1
  port: 8081
  url: http://127.0.0.1:8081
  timeout_ms: 15000
  service: {threads: 128, job_workers: 2, job_lease_ms: 2000, alert_cost_per_hour_micros: 1}
  budgets: {user_micros: -1, team_micros: $1}
  rate_limits: {per_minute: {category_manager: -1, leadership: 2, regional_manager: -1},
                per_role_per_minute: {regional_manager: 2}}
auth: {mode: dev, users: []}
cache: {redis_url: "$REDIS_URL"}
log: {level: warn}
etl: {pipeline: demo, threads: 1, memory_limit: 1GB, history_weeks: 60}
YAML
}

start_ai() {
    : > "$WORK/ai.out"
    "$CATLENS_BIN" ai --config "$WORK/catlens.yaml" --port 0 > "$WORK/ai.out" 2>> "$WORK/ai.err" &
    AI_PID=$!
    PIDS+=($AI_PID)
    for _ in $(seq 100); do grep -q listening "$WORK/ai.out" 2>/dev/null && break; sleep 0.1; done
    AI=$(sed -n 's/.*listening on //p' "$WORK/ai.out")
}
stop_ai() { kill "${1:--TERM}" "$AI_PID" 2>/dev/null; wait "$AI_PID" 2>/dev/null || true; }

# post FILE: POST a request body, $CODE the status, $BODY the reply
post() { BODY=$(curl -s -o - -w '\n%{http_code}' -XPOST "$AI/llm/summary" -H 'Content-Type: application/json' --data-binary "@$1"); CODE=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}; }
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]);
for k in sys.argv[2].split("."): d = d[int(k)] if isinstance(d, list) else d.get(k)
print(d if not isinstance(d, bool) else str(d).lower())' "$1" "$2"; }
request() { # request OUT [MODEL] [CATEGORY] [ROLE]: the fixture with a model, a category and a role
    python3 - "$@" <<'PY'
import json, sys
out = sys.argv[1]; model = sys.argv[2] if len(sys.argv) > 2 else ""
req = json.load(open("tests/fixtures/ai/request.json"))
if model: req["model"] = model
if len(sys.argv) > 3: req["report"]["category"] = sys.argv[3]
if len(sys.argv) > 4: req["user"]["role"] = sys.argv[4]
json.dump(req, open(out, "w"))
PY
}

# A receiver for the alert webhook (CATLENS_AI_ALERT_WEBHOOK): it appends every POSTed body to hook.log.
python3 - "$WORK/hook.port" "$WORK/hook.log" <<'PY' &
import http.server, sys
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "ab") as f:
            f.write(body + b"\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/hook.port" ] && break; sleep 0.1; done
export CATLENS_AI_ALERT_WEBHOOK="http://127.0.0.1:$(cat "$WORK/hook.port")/hooks/s3cret-hook-token"

mkdir -p "$WORK/state"
write_config -1
start_ai
expect_contains "$AI" "http://127.0.0.1:" "catlens ai prints where it listens"
H=$(curl -s "$AI/healthz")
expect_eq "$(field "$H" status)" "ok" "/healthz answers ok"

# --- the offline narrator, the default ---
request "$WORK/offline.json"
post "$WORK/offline.json"
expect_eq "$CODE" "200" "a summary with the default model"
expect_eq "$(field "$BODY" model)" "offline" "the default is the offline narrator"
expect_eq "$(field "$BODY" usage.cost_micros)" "0" "the narrator costs nothing"
OFFLINE_TEXT=$(field "$BODY" bullets)
printf '%s' "$BODY" > "$WORK/resp.json"
expect_eq "$("$CATLENS_AI_TOOL" check response "$WORK/resp.json")" "ok" "the response keeps to summary_response.schema.json"
expect_eq "$(fake_count)" "0" "the narrator never touched the network"

# --- a model answer, then the cache ---
request "$WORK/model.json" fake
post "$WORK/model.json"
expect_eq "$CODE" "200" "a summary from a model"
expect_eq "$(field "$BODY" model)" "fake" "the model's answer passed the checks"
expect_eq "$(field "$BODY" cached)" "false" "the first request is not cached"
[ "$(field "$BODY" usage.cost_micros)" -gt 0 ] && pass "usage carries the cost" || fail "usage carries the cost" "$BODY"
post "$WORK/model.json"
expect_eq "$(field "$BODY" cached)" "true" "the same request again comes from the cache"
printf '%s' "$BODY" > "$WORK/resp.json"
expect_eq "$("$CATLENS_AI_TOOL" check response "$WORK/resp.json")" "ok" "a cached response keeps to the schema too"
expect_eq "$(field "$BODY" usage.cost_micros)" "0" "a cached answer costs nothing"
expect_eq "$(fake_count)" "1" "… and made no provider call"

# --- single-flight: identical requests in progress share one call ---
fake _reset '{}'
fake _default '{"do":"slow","ms":1500}'
request "$WORK/same.json" fake electronics_sf
SF=()
for i in 1 2 3 4 5; do
    curl -s -XPOST "$AI/llm/summary" -H 'Content-Type: application/json' --data-binary "@$WORK/same.json" > "$WORK/sf$i.json" &
    SF+=($!)
done
wait "${SF[@]}"
expect_eq "$(fake_count)" "1" "five identical concurrent requests made one provider call"
cached=$(cat "$WORK"/sf*.json | grep -o '"cached": *true' | wc -l)
expect_eq "$cached" "4" "four of them were answered from the one call"
fake _default '{"do":"clean"}'

# --- the client the app uses, against the real service ---
OUT=$("$CATLENS_AI_TOOL" client "$AI" "$WORK/offline.json")
expect_contains "$OUT" '"headline"' "the C client gets a summary"
request "$WORK/badmodel.json" nosuchmodel
OUT=$("$CATLENS_AI_TOOL" client "$AI" "$WORK/badmodel.json" || true)
expect_contains "$OUT" "error invalid_argument: AI service: unknown model" "the C client maps a 400 to invalid_argument"

# --- bad input changes nothing ---
echo '{"report": {"category": 1}}' > "$WORK/bad.json"
post "$WORK/bad.json"
expect_eq "$CODE" "400" "a request that breaks the schema is refused"
expect_contains "$BODY" "user: is required" "… naming what is wrong"
request "$WORK/unpriced.json" unpriced
post "$WORK/unpriced.json"
expect_eq "$CODE" "400" "a model without a price is refused"
expect_contains "$BODY" "no price" "… saying so"

# --- rate limits per role ---
request "$WORK/lead.json" "" electronics_rl leadership
post "$WORK/lead.json"; post "$WORK/lead.json"; post "$WORK/lead.json"
expect_eq "$CODE" "429" "the third request in a minute of a leadership user (limit 2) is rate limited"
RA=$(curl -s -D - -o /dev/null -XPOST "$AI/llm/summary" -H 'Content-Type: application/json' --data-binary "@$WORK/lead.json" | tr -d '\r' | sed -n 's/^Retry-After: //ip')
[ -n "$RA" ] && [ "$RA" -ge 1 ] && pass "a 429 says when to retry" || fail "a 429 says when to retry" "Retry-After '$RA'"

for u in ana bo cy; do
    python3 -c 'import json,sys; r=json.load(open("tests/fixtures/ai/request.json")); r["user"]={"id":sys.argv[2],"team":"t","role":"regional_manager"}; r["report"]["category"]="electronics_role"; json.dump(r, open(sys.argv[1],"w"))' "$WORK/rm.json" "$u"
    post "$WORK/rm.json"
done
expect_eq "$CODE" "429" "three regional managers in a minute pass the role's limit of 2"
expect_contains "$BODY" "for all regional_manager users" "… and the message says it is the role's limit"

# --- Retry-After from the provider is honoured ---
fake _reset '{}'
fake _script '{"steps":[{"do":"status","code":429,"retry_after":1},{"do":"clean"}]}'
request "$WORK/retry.json" fake electronics_retry
post "$WORK/retry.json"
expect_eq "$(field "$BODY" model)" "fake" "after a 429 the retry answered"
GAP=$(curl -s "$FAKE/_log" | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[1]["t_ms"] - l[0]["t_ms"])')
[ "$GAP" -ge 1000 ] && pass "the retry waited for Retry-After (${GAP} ms)" || fail "the retry waited for Retry-After" "gap $GAP ms"

# --- a failing provider: the chain, then the narrator, said so in checks ---
fake _reset '{}'
fake _script '{"steps":[{"do":"status","code":500},{"do":"status","code":500},{"do":"wrong_number"},{"do":"wrong_number"}]}'
request "$WORK/chain.json" fake electronics_chain
post "$WORK/chain.json"
expect_eq "$(field "$BODY" model)" "offline" "provider down and backup wrong twice: the narrator answers"
expect_contains "$BODY" '"fallback"' "checks say the narrator took over"

# --- the cost alert (threshold 1 micro an hour in this configuration) ---
grep -q '"event":"alert".*"kind":"cost_per_hour"' "$WORK/ai.err" && pass "a jump in cost per hour logs an alert" \
    || fail "a jump in cost per hour logs an alert" "$(tail -c 400 "$WORK/ai.err")"
for _ in $(seq 50); do [ -s "$WORK/hook.log" ] && break; sleep 0.1; done
expect_contains "$(cat "$WORK/hook.log" 2>/dev/null)" '"kind":"cost_per_hour"' "the alert is posted to the alert webhook"
expect_contains "$(head -1 "$WORK/hook.log" 2>/dev/null)" '"text":"catlens AI service alert: cost_per_hour' \
    "… with a text line chat receivers display"
expect_contains "$(curl -s "$AI/metrics")" 'catlens_ai_alerts_total{kind="cost_per_hour"} 1' "/metrics counts the alert"
if grep -q s3cret-hook-token "$WORK/ai.err" "$WORK/ai.out"; then fail "the webhook URL (a secret) never reaches the log"
else pass "the webhook URL (a secret) never reaches the log"; fi

# --- metrics ---
M=$(curl -s "$AI/metrics")
for name in catlens_ai_summaries_total catlens_ai_cache_hits_total catlens_ai_tokens_total catlens_ai_cost_micros_total \
            catlens_ai_prompt_bytes_bucket catlens_ai_check_failures_total catlens_ai_rate_limited_total; do
    expect_contains "$M" "$name" "/metrics has $name"
done

# --- async jobs survive a crash ---
fake _reset '{}'
fake _default '{"do":"slow","ms":2500}'
request "$WORK/async.json" fake electronics_async
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["async"]=True; json.dump(r, open(sys.argv[1],"w"))' "$WORK/async.json"
post "$WORK/async.json"
expect_eq "$CODE" "202" "an async request is accepted with 202"
JOB=$(field "$BODY" job)
sleep 0.8 # claimed and calling the (slow) provider
stop_ai -KILL
start_ai
state=""
for _ in $(seq 120); do
    state=$(field "$(curl -s "$AI/llm/async?job=$JOB")" state)
    [ "$state" = done ] || [ "$state" = failed ] && break
    sleep 0.25
done
expect_eq "$state" "done" "the job killed mid-call was run again after the restart and finished"
J=$(curl -s "$AI/llm/async?job=$JOB")
printf '%s' "$J" > "$WORK/job.json"
expect_eq "$("$CATLENS_AI_TOOL" check job "$WORK/job.json")" "ok" "the job keeps to summary_job.schema.json"
expect_eq "$(field "$J" result.model)" "fake" "… with the model's summary"
fake _default '{"do":"clean"}'
stop_ai

# --- the budget race: 100 concurrent requests, a team budget that admits exactly 7 ---
request "$WORK/race.json" fake electronics
rm -rf "$WORK/state"; mkdir -p "$WORK/state"
write_config -1
start_ai
# a probe of the same size as the racers' requests tells the reservation each of them needs
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["report"]["category"]="electronics_probe_000000"; json.dump(r, open(sys.argv[2],"w"))' "$WORK/race.json" "$WORK/probe.json"
post "$WORK/probe.json"
RESERVE=$(field "$BODY" usage.reserved_micros)
stop_ai
rm -rf "$WORK/state"; mkdir -p "$WORK/state"
BUDGET=$((7 * RESERVE + RESERVE / 2))
write_config "$BUDGET"
start_ai
fake _default '{"do":"slow","ms":6000}' # every racer arrives while the admitted ones still hold their reservations
RACE=$(node bench/ai/load.js "$AI" "$WORK/race.json" 100 100)
ok=$(field "$RACE" statuses.200); denied=$(field "$RACE" statuses.402)
[ "${ok:-0}" -le 7 ] && [ "${ok:-0}" -ge 1 ] && pass "of 100 concurrent requests at most 7 ran ($ok; reservation $RESERVE, budget $BUDGET)" \
    || fail "at most 7 of 100 concurrent requests ran" "$RACE"
expect_eq "$((ok + denied))" "100" "the others were refused with 402"
U=$(curl -s "$AI/llm/usage?user=maria.lopez&team=electronics_na")
spent=$(field "$U" team.spent_micros)
[ "$spent" -le "$BUDGET" ] && pass "spend $spent never exceeds the budget $BUDGET" || fail "spend within budget" "$U"
expect_eq "$(field "$U" team.reserved_micros)" "0" "nothing stays reserved"
fake _default '{"do":"clean"}'
stop_ai

# --- the narrator is byte-identical across processes ---
rm -rf "$WORK/state"; mkdir -p "$WORK/state"
write_config -1
start_ai
post "$WORK/offline.json"
expect_eq "$(field "$BODY" bullets)" "$OFFLINE_TEXT" "the offline narrator writes the same bytes in a new process"
stop_ai

# --- with Redis: two instances share the request cache and the rate limits ---
if command -v redis-server >/dev/null; then
    for _ in 1 2 3 4 5; do
        RPORT=$((20000 + RANDOM % 30000))
        redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
            > "$WORK/redis.log" 2>&1 &
        RPID=$!
        for _ in $(seq 30); do redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
        redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG && break
        kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null || true; RPID=""
    done
    PIDS+=($RPID)
    REDIS_URL="redis://127.0.0.1:$RPORT"
    rm -rf "$WORK/state"; mkdir -p "$WORK/state"
    write_config -1
    start_ai; A=$AI; A_PID=$AI_PID
    start_ai; B=$AI
    expect_eq "$(field "$(curl -s "$B/healthz")" cache)" "redis" "the cache is Redis when cache.redis_url is set"
    request "$WORK/shared.json" fake electronics_shared
    AI=$A; post "$WORK/shared.json"
    expect_eq "$(field "$BODY" cached)" "false" "instance A calls the model"
    AI=$B; post "$WORK/shared.json"
    expect_eq "$(field "$BODY" cached)" "true" "instance B answers the same request from the shared cache"
    request "$WORK/lead2.json" "" electronics_rl2 leadership
    AI=$A; post "$WORK/lead2.json"; AI=$B; post "$WORK/lead2.json"; AI=$A; post "$WORK/lead2.json"
    expect_eq "$CODE" "429" "the rate limit counts requests on both instances"
    kill "$AI_PID" "$A_PID" 2>/dev/null; wait "$AI_PID" "$A_PID" 2>/dev/null || true
    kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null || true
    REDIS_URL=""
    rm -rf "$WORK/state"; mkdir -p "$WORK/state"
    write_config -1
fi

# --- the service token ---
export CATLENS_AI_TOKEN=it-token-0123456789
start_ai
post "$WORK/offline.json"
expect_eq "$CODE" "401" "with CATLENS_AI_TOKEN set, a request without the token is refused"
BODY=$(curl -s -XPOST "$AI/llm/summary" -H 'Content-Type: application/json' -H "Authorization: Bearer wrong-token-000000" --data-binary "@$WORK/offline.json")
expect_contains "$BODY" "unauthenticated" "… and one with a wrong token"
OUT=$("$CATLENS_AI_TOOL" client "$AI" "$WORK/offline.json")
expect_contains "$OUT" '"headline"' "the C client sends the token from the environment"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$AI/healthz")" "200" "/healthz needs no token"
stop_ai
unset CATLENS_AI_TOKEN

finish
