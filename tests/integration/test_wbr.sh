# POST /wbr end to end with its summary: the real `catlens app`, the real `catlens ai` and the fake model provider
# (tests/fakes/fake_llm.js), all on loopback ports chosen at run time. Covers the report and its summary (model,
# prompt version, checks, figures), cache hit after miss and what a hit costs (nothing), single flight for identical
# cold requests, slow summaries that hold no HTTP worker, the AI service down, slow, over budget (degraded, with the
# offline narrator's checked summary written by the app, never a 5xx), /usage from the AI service's ledger, and the stale fallback when the report cannot be made (snapshot
# missing, snapshot unreadable, engine error); every response checked against the OpenAPI document.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/app_lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"
: "${CATLENS_AI_TOOL:?CATLENS_AI_TOOL must point at ai_tool}"
command -v node >/dev/null || { echo "1..0 # SKIP node is not installed"; exit 77; }
cd "$CATLENS_SRC"

snapshot_and_fake_provider
AI_PORT=$(steady_port)
cat >"$WORK/catlens.yaml" <<YAML
env: dev
paths: {source: $WORK/source, warehouse: $WH, state: $STATE, metrics: $CATLENS_SRC/config/metrics.yaml,
        pipelines: $CATLENS_SRC/config/pipeline, prompts: $CATLENS_SRC/config/prompts, models: $WORK/models.yaml,
        web: $WORK/no-web}
app:
  host: 127.0.0.1
  port: 0
  threads: 2
  report: {builders: 2, degraded_ttl_s: 1}
ai:
  host: 127.0.0.1
  port: $AI_PORT
  url: http://127.0.0.1:$AI_PORT
  timeout_ms: 15000
  service: {threads: 64, job_workers: 1}
  budgets: {user_micros: -1, team_micros: -1, teams: {north_america: 1}}
  rate_limits: {per_minute: {category_manager: -1, regional_manager: -1, leadership: -1, admin: -1},
                per_role_per_minute: {category_manager: -1, regional_manager: -1, leadership: -1, admin: -1}}
auth:
  mode: dev
  users:
    - {id: leader, name: Lea Leader, email: leader@example.com, role: leadership, team: exec}
    - {id: catmgr, name: Cat Manager, email: catmgr@example.com, role: category_manager, team: electronics,
       categories: [electronics]}
    - {id: regmgr, name: Reg Manager, email: regmgr@example.com, role: regional_manager, team: north_america,
       regions: [north_america]}
cache: {redis_url: ""}
log: {level: warn}
etl: {pipeline: demo, threads: 1, memory_limit: 1GB, history_weeks: 60}
YAML
APP_CONFIG="$WORK/catlens.yaml"

ai_calls() { sqlite3 "$STATE/ai.db" 'SELECT count(*) FROM ai_calls'; }
builds() { # builds OUTCOME: catlens_report_builds_total{outcome=OUTCOME}
    curl -s "$BASE/metrics" | sed -n "s/^catlens_report_builds_total{outcome=\"$1\"} //p" | grep . || echo 0
}
start_ai || { fail "catlens ai starts"; finish; exit 1; }
start_app wbr CATLENS_LOG_LEVEL=warn || { fail "catlens app starts"; finish; exit 1; }
pass "catlens ai and catlens app start"

wbr() { # wbr CATEGORY REGION [WINDOW] [WEEK]
    post_json /wbr "{\"category\":\"$1\",\"region\":\"$2\",\"window\":\"${3:-WoW}\",\"week\":\"${4:-$WEEK}\"}"
}
# the summary of the last reply, checked against docs/schemas/summary_response.schema.json
summary_ok() {
    python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["summary"], open(sys.argv[2], "w"))' \
        "$WORK/call-$NCALL.body" "$WORK/summary.json"
    "$CATLENS_AI_TOOL" check response "$WORK/summary.json"
}

# the status of the last check of the last reply's summary (the fallback step when the app wrote it)
local_fallback() {
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["summary"]["checks"][-1]; print(c["status"] if c["name"] == "fallback" else "none")' \
        "$WORK/call-$NCALL.body"
}

# --- a report and its summary; a cache hit costs nothing --------------------------------------------------------------
dev_login leader
views=$(audit_count report_view)
wbr books asia
expect_eq "$STATUS|$(json_get meta.cache)|$(json_get meta.degraded)" "200|miss|false" "the first request builds the report"
expect_eq "$(summary_ok)" ok "the report carries the AI service's summary (summary_response.schema.json)"
case "$(json_get summary.model)" in fake | offline) pass "the summary names its model ($(json_get summary.model))" ;;
*) fail "the summary names its model" "$(json_get summary)" ;; esac
[ -n "$(json_get summary.prompt_version)" ] && [ "$(json_get summary.checks)" != "[]" ] \
    && pass "… its prompt version and its checks" || fail "the summary has a prompt version and checks"
FIRST=$(json_get summary)
calls=$(ai_calls)
provider=$(fake_calls)
wbr books asia
expect_eq "$STATUS|$(json_get meta.cache)" "200|hit" "the same report again is a cache hit"
expect_eq "$(json_get summary)" "$FIRST" "… with the same summary"
expect_eq "$(ai_calls)|$(fake_calls)" "$calls|$provider" "a cache hit never calls the AI service: it costs nothing"
expect_eq "$(audit_count report_view)" $((views + 2)) "both views are audited"
expect_eq "$(sqlite3 "$STATE/app.db" "SELECT summarised FROM report_archive WHERE category='books' AND region='asia'")" 1 \
    "the report is archived with its summary"
req=$(sqlite3 "$STATE/ai.db" "SELECT user_id || '|' || team || '|' || role FROM ai_calls ORDER BY id LIMIT 1")
expect_eq "$req" "leader|exec|leadership" "the AI service was told who asked (user, team, role)"

# --- single flight: identical cold requests build and summarise once --------------------------------------------------
fake _default '{"do":"slow","ms":1500}'
built=$(builds built)
provider=$(fake_calls)
SF=()
for i in $(seq 1 10); do
    curl -s -o "$WORK/sf-$i.json" -w '%{http_code}\n' -X POST -H "Cookie: catlens_session=$SID" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' --data-binary "{\"category\":\"toys\",\"region\":\"europe\",\"window\":\"WoW\",\"week\":\"$WEEK\"}" \
        "$BASE/wbr" >"$WORK/sf-$i.code" &
    SF+=($!)
done
wait "${SF[@]}"
expect_eq "$(cat "$WORK"/sf-*.code | sort -u)" 200 "ten identical cold requests are all answered"
expect_eq "$(builds built)" $((built + 1)) "… from one build"
expect_eq "$(fake_calls)" $((provider + 1)) "… and one summary"
same=$(python3 -c 'import json,sys; print(len({json.dumps(json.load(open(f))["summary"], sort_keys=True) for f in sys.argv[1:]}))' "$WORK"/sf-*.json)
expect_eq "$same" 1 "… and every one got the same summary"

# --- slow summaries hold no HTTP worker (2 worker threads here) -------------------------------------------------------
fake _default '{"do":"slow","ms":4000}'
SLOW=()
for c in books electronics toys; do
    for r in europe north_america; do
        [ "$c|$r" = "toys|europe" ] && continue
        curl -s -o /dev/null -X POST -H "Cookie: catlens_session=$SID" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
            --data-binary "{\"category\":\"$c\",\"region\":\"$r\",\"window\":\"MoM\",\"week\":\"$WEEK\"}" "$BASE/wbr" &
        SLOW+=($!)
    done
done
waiting_at_least() { [ "$(curl -s "$BASE/metrics" | sed -n 's/^catlens_report_requests_waiting //p')" -ge "$1" ]; }
wait_for waiting_at_least 3
wbr books asia
running=0
for p in "${SLOW[@]}"; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
expect_eq "$STATUS|$(json_get meta.cache)" "200|hit" "a cached report is served while slow summaries are in flight"
[ "$running" -ge 3 ] && pass "… $running cold requests still waiting on their summaries meanwhile" \
    || fail "cold requests were still waiting" "$running of ${#SLOW[@]}"
wait "${SLOW[@]}"
fake _default '{"do":"clean"}'

# --- over budget: the narrator's summary, degraded, for that user only ----------------------------------------------
dev_login regmgr
wbr electronics north_america
expect_eq "$STATUS|$(json_get summary.model)|$(json_get meta.degraded)|$(json_get meta.reasons.0.code)" \
    "200|offline-narrator-1|true|summary_budget" \
    "over budget: the report is served with the offline narrator's summary, degraded, with the reason"
expect_contains "$(json_get meta.reasons.0.message)" "budget" "… which says why the AI service wrote none"
expect_contains "$(json_get meta.reasons.0.message)" "offline narrator" "… and who wrote the summary instead"
expect_eq "$(summary_ok)|$(local_fallback)" "ok|applied" \
    "… a checked summary (summary_response.schema.json) whose checks end with the fallback"
expect_eq "$(sqlite3 "$STATE/app.db" "SELECT count(*) FROM report_archive WHERE category='electronics' AND region='north_america' AND win='WoW'")" 0 \
    "a degraded report is not archived"
built=$(builds built)
wbr electronics north_america
expect_eq "$STATUS|$(json_get meta.cache)|$(builds built)" "200|miss|$((built + 1))" \
    "… nor cached: someone else's budget may allow a summary"
dev_login leader
wbr electronics north_america
expect_eq "$STATUS|$(json_get meta.degraded)|$(summary_ok)" "200|false|ok" "another user's request gets the summary"

# --- /usage: the AI service's ledger, scoped ---------------------------------------------------------------------------
api GET /usage -H "Cookie: catlens_session=$SID"
expect_status 200 "leader: /usage"
[ "$(json_get user.spent_micros)" -gt 0 ] && pass "usage shows what the leader's summaries cost" || fail "usage shows spend" "$BODY"
expect_eq "$(json_get team.id)" exec "… and the leader's team"
expect_contains "$(json_get teams)" '"id": "exec"' "leadership sees every team's spend"
expect_contains "$(json_get teams)" '"id": "north_america"' "… including teams with a budget of their own"
dev_login catmgr
api GET /usage -H "Cookie: catlens_session=$SID"
expect_eq "$STATUS|$(json_get team.id)|$(json_get teams)" "200|electronics|null" "a category manager sees their own team only"

# --- out of scope: 403 before anything is looked at, and nothing changes --------------------------------------------
lookups() { curl -s "$BASE/metrics" | sed -n 's/^catlens_report_cache_total{result="[a-z]*"} //p' | awk '{s += $1} END {print s + 0}'; }
state_now() { echo "$(sqlite3 "$STATE/app.db" 'SELECT count(*) FROM report_archive')|$(builds built)|$(lookups)|$(ai_calls)"; }
before=$(state_now)
denied=$(audit_count denied)
wbr books asia
expect_eq "$STATUS|$(json_get error.code)" "403|forbidden" "catmgr: a cached report of another category is refused (403)"
known=${BODY//books/X}
wbr no_such_category asia
expect_eq "$STATUS|${BODY//no_such_category/X}" "403|$known" "… exactly as a category that does not exist: nothing learnt"
expect_eq "$(state_now)" "$before" "… no lookup, build, archive or summary happened"
expect_eq "$(audit_count denied)" $((denied + 2)) "… and both refusals are audited"

# --- the AI service down or slow: degraded, never a 5xx ----------------------------------------------------------------
stop_ai
expect_eq "$AI_RC" 0 "catlens ai stops cleanly"
dev_login leader
wbr electronics asia
expect_eq "$STATUS|$(json_get summary.model)|$(json_get meta.degraded)|$(json_get meta.reasons.0.code)" \
    "200|offline-narrator-1|true|summary_unavailable" \
    "AI service down: the report is served, degraded, with the offline narrator's summary"
expect_eq "$(summary_ok)|$(local_fallback)|$(json_get summary.usage.cost_micros)" "ok|applied|0" \
    "… checked, flagged in its checks, and free"
api GET /usage -H "Cookie: catlens_session=$SID"
expect_status 503 "AI service down: /usage says the ledger is unavailable"
sleep 1.2 # past app.report.degraded_ttl_s
start_ai || fail "catlens ai restarts"
wbr electronics asia
back="$STATUS|$(json_get meta.cache)|$(json_get meta.degraded)|$(summary_ok)"
expect_eq "$back" "200|miss|false|ok" "once the AI service is back, the report gets its summary"
[ "$back" = "200|miss|false|ok" ] || printf '#   reasons: %s\n#   ai.err: %s\n#   app: %s\n' "$(json_get meta.reasons)" "$(tail -5 "$WORK/ai.err")" "$(tail -5 "$WORK/wbr.log")"
stop_app
expect_eq "$APP_RC" 0 "catlens app stops cleanly (nothing left waiting)"
start_app wbr-timeout CATLENS_LOG_LEVEL=warn CATLENS_AI_TIMEOUT_MS=1000 || fail "the app restarts"
dev_login leader
fake _default '{"do":"slow","ms":2500}'
wbr books europe QoQ
expect_eq "$STATUS|$(json_get summary.model)|$(json_get meta.reasons.0.code)" "200|offline-narrator-1|summary_timeout" \
    "a summary slower than ai.timeout_ms: the report with the offline narrator's summary, degraded"
fake _default '{"do":"clean"}'

# --- stale: the report cannot be made, the last good one is served ----------------------------------------------------
nw=2026-W48
wbr books asia WoW "$nw"
expect_eq "$STATUS|$(json_get meta.stale)|$(json_get week)|$(json_get meta.reasons.0.code)" "200|true|$WEEK|snapshot_missing" \
    "no snapshot for $nw: the last good report ($WEEK), stale"
expect_contains "$(json_get meta.reasons.0.message)" "no snapshot is published for week $nw" "… with the reason"
expect_eq "$(json_get summary)" "$FIRST" "… and its summary"
good=$(readlink "$WH/current/$WEEK")
swap_snapshot() { # swap_snapshot NAME: a copy of the good snapshot published as NAME, to be damaged
    cp -r "$WH/snapshots/$WEEK/${good##*/}" "$WH/snapshots/$WEEK/$1"
    ln -sfn "../snapshots/$WEEK/$1" "$WH/current/$WEEK"
}
swap_snapshot "$WEEK.00000000000000aa"
echo '{"not": "a manifest"' >"$WH/snapshots/$WEEK/$WEEK.00000000000000aa/manifest.json"
wbr books asia
expect_eq "$STATUS|$(json_get meta.stale)|$(json_get meta.reasons.0.code)" "200|true|snapshot_unreadable" \
    "an unreadable snapshot: the last good report, stale"
expect_eq "$(json_get meta.snapshot)" "${good##*/}" "… of the snapshot it was made from"
swap_snapshot "$WEEK.00000000000000bb"
find "$WH/snapshots/$WEEK/$WEEK.00000000000000bb/sales_cube" -name '*.parquet' -exec sh -c 'echo garbage >"$1"' _ {} \;
find "$WH/snapshots/$WEEK/$WEEK.00000000000000bb/report_frames" -name 'frame.bin' -exec sh -c 'echo garbage >"$1"' _ {} \;
wbr books asia
expect_eq "$STATUS|$(json_get meta.stale)|$(json_get meta.reasons.0.code)" "200|true|engine_error" \
    "the engine fails on a damaged file: the last good report, stale"
case "$(json_get meta.reasons.0.message)" in *"$WH"* | *parquet*) fail "the reason does not show server paths" ;;
*) pass "the reason does not show server paths" ;; esac
wbr toys asia YoY
expect_eq "$STATUS|$(json_get error.code)" "503|unavailable" "nothing archived to fall back on: 503 with the reason"
api GET /metrics
expect_contains "$BODY" 'catlens_report_stale_total{reason="engine_error"} 1' "stale serves are counted by reason"
ln -sfn "$good" "$WH/current/$WEEK"
# each worker thread keeps the last report it located: a new snapshot of the week is another report at once
memo=""
for _ in 1 2 3 4 5 6 7 8; do wbr books asia; memo="$memo $STATUS|$(json_get meta.snapshot)"; done
expect_eq "$memo" "$(for _ in 1 2 3 4 5 6 7 8; do printf ' 200|%s' "${good##*/}"; done)" \
    "the good snapshot back in place: the report of it, on every connection"
swap_snapshot "$WEEK.00000000000000cc" # a copy: its manifest names the same snapshot, its folder is another
memo=""
for _ in 1 2 3 4 5 6 7 8; do wbr books asia; memo="$memo $STATUS|$(json_get meta.cache)"; done
expect_eq "$memo" " 200|miss$(for _ in 2 3 4 5 6 7 8; do printf ' 200|hit'; done)" \
    "a new snapshot of the week: the report is made again for it, then cached — no connection serves a remembered key"
ln -sfn "$good" "$WH/current/$WEEK"
stop_app
expect_eq "$APP_RC" 0 "catlens app stops cleanly"

start_app wbr-spec CATLENS_LOG_LEVEL=warn
api GET /openapi.json
cp "$WORK/call-$NCALL.body" "$WORK/openapi.json"
stop_app
python3 "$CATLENS_SRC/tests/integration/openapi_check.py" --partial "$WORK/openapi.json" "$CALLS" >"$WORK/openapi.out"
rc=$?
sed 's/^/# /' "$WORK/openapi.out" | tail -8
[ $rc = 0 ] && pass "every response matches the OpenAPI document (the report against wbr.schema.json)" \
    || fail "OpenAPI contract" "$(tail -5 "$WORK/openapi.out")"
finish
