# Staged rollout of a prompt version or a model (models.yaml `rollout:`), end to end through the real
# `catlens ai`: a share of users, stable per user and across restarts, gets the arm's prompt version or model; an
# explicit request wins over the arm; a bad arm stops the service from starting, naming the arm and the key.
. "$(dirname "$0")/lib.sh"
cd "$CATLENS_SRC"

AI_PID=""
trap '[ -n "$AI_PID" ] && kill "$AI_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

# The prompts of the shipped config plus a v2 that differs only in its version.
mkdir -p "$WORK/prompts/wbr_summary" "$WORK/state"
cp config/prompts/wbr_summary/v1.yaml "$WORK/prompts/wbr_summary/"
sed 's/^version: v1$/version: v2/' config/prompts/wbr_summary/v1.yaml > "$WORK/prompts/wbr_summary/v2.yaml"

write_config() { # write_config ROLLOUT_YAML
    cat > "$WORK/models.yaml" <<YAML
default: offline
models:
  offline: {provider: offline, price: {input: 0, output: 0}}
  narrator-b: {provider: offline, price: {input: 0, output: 0}}
  unpriced: {provider: openai, endpoint: 'http://127.0.0.1:9/v1/chat/completions', auth: none}
$1
YAML
    cat > "$WORK/catlens.yaml" <<YAML
env: dev
paths: {source: $WORK/source, warehouse: $WORK/warehouse, state: $WORK/state, metrics: $CATLENS_SRC/config/metrics.yaml,
        pipelines: $CATLENS_SRC/config/pipeline, prompts: $WORK/prompts, models: $WORK/models.yaml, web: $WORK/web}
app: {host: 127.0.0.1, port: 8080, threads: 2}
ai:
  host: 127.0.0.1
  port: 8081
  url: http://127.0.0.1:8081
  timeout_ms: 15000
  service: {threads: 8, job_workers: 1, job_lease_ms: 2000}
  budgets: {user_micros: -1, team_micros: -1}
  rate_limits: {per_minute: {category_manager: -1, leadership: -1, regional_manager: -1}}
auth: {mode: dev, users: []}
cache: {redis_url: ""}
log: {level: warn}
etl: {pipeline: demo, threads: 1, memory_limit: 1GB, history_weeks: 60}
YAML
}

start_ai() {
    : > "$WORK/ai.out"
    "$CATLENS_BIN" ai --config "$WORK/catlens.yaml" --port 0 > "$WORK/ai.out" 2> "$WORK/ai.err" &
    AI_PID=$!
    for _ in $(seq 100); do grep -q listening "$WORK/ai.out" 2>/dev/null && break; sleep 0.1; done
    AI=$(sed -n 's/.*listening on //p' "$WORK/ai.out")
}
stop_ai() { kill "$AI_PID" 2>/dev/null; wait "$AI_PID" 2>/dev/null || true; AI_PID=""; }

# assign OUT [FIELD=VALUE...]: asks one summary for each of forty users, twice, and writes
# "user prompt_version model expected_prompt_version expected_model" lines to OUT. The expected arm follows the
# rule of src/ai/rollout.h written again independently: FNV-1a 64 of "name\nuser" mod 10000 below percent x 100,
# the first arm (prompt-v2 at 30 %, then narrator-b at 50 %) winning. A reply that differs between the two asks
# is written as "flipped".
assign() {
    python3 - "$AI" "$@" <<'PY'
import json, sys, urllib.request, urllib.error
ai, out, extra = sys.argv[1], sys.argv[2], dict(kv.split("=", 1) for kv in sys.argv[3:])
base = json.load(open("tests/fixtures/ai/request.json"))
def bucket(name, user):
    h = 14695981039346656037
    for b in (name + "\n" + user).encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h % 10000
def ask(user):
    req = dict(base, user=dict(base["user"], id=user), **extra)
    r = urllib.request.Request(ai + "/llm/summary", json.dumps(req).encode(), {"Content-Type": "application/json"})
    try:
        d = json.load(urllib.request.urlopen(r))
    except urllib.error.HTTPError as e:
        d = json.load(e)
    return "%s %s" % (d.get("prompt_version"), d.get("model")) if "model" in d else "error " + d["error"]["message"].replace(" ", "_")
with open(out, "w") as f:
    for i in range(1, 41):
        user = "user%d" % i
        got, again = ask(user), ask(user)
        want = "v2 offline" if bucket("prompt-v2", user) < 3000 else "v1 narrator-b" if bucket("narrator-b", user) < 5000 else "v1 offline"
        f.write("%s %s %s\n" % (user, got if got == again else "flipped flipped", want))
PY
}

write_config "rollout:
  - {name: prompt-v2, percent: 30, prompt_version: v2}
  - {name: narrator-b, percent: 50, model: narrator-b}"
start_ai
expect_contains "$AI" "http://127.0.0.1:" "catlens ai starts with two rollout arms"

assign "$WORK/first"
expect_eq "$(awk '$2 == "flipped"' "$WORK/first")" "" "a user gets the same arm on every request"
expect_eq "$(awk '$2 " " $3 != $4 " " $5' "$WORK/first")" "" "every user gets the arm the documented rule assigns"
split=$(awk '{n[$2 " " $3]++} END {print n["v2 offline"] + 0, n["v1 narrator-b"] + 0, n["v1 offline"] + 0}' "$WORK/first")
case "$split" in "0 "* | *" 0 "* | *" 0") fail "the users split across both arms and the default" "$split" ;;
    *) pass "the users split across both arms and the default ($split)" ;; esac

# An explicit request wins over the arm.
assign "$WORK/explicit" prompt_version=v1 model=offline
expect_eq "$(awk '$2 " " $3 != "v1 offline"' "$WORK/explicit")" "" \
    "a request that names its prompt version and model is served those, whatever its arm"
assign "$WORK/unknown" prompt_version=v3
expect_contains "$(head -1 "$WORK/unknown")" "prompt_version_'v3'_is_not_served" "a prompt version nobody serves is a clear 400"

METRICS=$(curl -s "$AI/metrics")
expect_contains "$METRICS" 'catlens_ai_rollout_requests_total{arm="prompt-v2"}' "/metrics counts requests per rollout arm"

# A restart keeps every assignment.
stop_ai
start_ai
assign "$WORK/restarted"
expect_eq "$(diff "$WORK/first" "$WORK/restarted")" "" "after a restart every user keeps their arm"
stop_ai

# Bad arms: the service refuses to start and says which arm and key.
check_refused() { # check_refused ROLLOUT_YAML NEEDLE WHAT
    write_config "$1"
    RC=0
    "$CATLENS_BIN" ai --config "$WORK/catlens.yaml" --port 0 > "$WORK/bad.out" 2> "$WORK/bad.err" &
    local pid=$!
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null; fail "$3" "the service started"; return; fi
    wait "$pid" || RC=$?
    [ "$RC" -ne 0 ] && expect_contains "$(cat "$WORK/bad.err")" "$2" "$3" || fail "$3" "exit 0"
}
check_refused "rollout: [{name: x, percent: 10, prompt_version: v9}]" "rollout arm 'x'" \
    "an arm whose prompt version has no file stops the start, naming the arm"
check_refused "rollout: [{name: x, percent: 101, model: narrator-b}]" "rollout[0]: 'percent'" \
    "a percentage over 100 is refused"
check_refused "rollout: [{name: x, percent: 10, model: unpriced}]" "'unpriced' is not a priced model" \
    "an arm may not roll out a model without a price"
check_refused "rollout: [{name: x, percent: 10}]" "give a prompt_version or a model" \
    "an arm that changes nothing is refused"
check_refused "rollout: [{name: x, percent: 5, model: narrator-b}, {name: x, percent: 5, prompt_version: v2}]" \
    "the name 'x' is used twice" "two arms may not share a name (it is the hash salt)"
check_refused "rollout: [{name: x, percent: 5, model: narrator-b, colour: red}]" "unknown key 'colour'" \
    "an unknown key in an arm is refused"

finish
