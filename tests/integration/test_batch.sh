# catlens batch end to end: the real `catlens batch`, `catlens ai` (over the fake model provider,
# tests/fakes/fake_llm.js) and `catlens app`, on loopback ports chosen at run time. Covers: bad options and a week
# without a snapshot (exit 2, nothing done), an interrupted run (exit 130, what finished is kept), resuming (a rerun
# makes only what is missing, and a complete rerun makes nothing and costs nothing), the AI service down (reports
# left incomplete, exit 1, retried by the next run), and the app serving a precomputed report as a cache hit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/app_lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"
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
  report: {builders: 2}
ai:
  host: 127.0.0.1
  port: $AI_PORT
  url: http://127.0.0.1:$AI_PORT
  timeout_ms: 15000
  service: {threads: 16, job_workers: 1}
  budgets: {user_micros: -1, team_micros: -1}
  rate_limits: {users: {catlens-batch: -1}}
auth:
  mode: dev
  users:
    - {id: leader, name: Lea Leader, email: leader@example.com, role: leadership, team: exec}
cache: {redis_url: ""}
log: {level: warn}
etl: {pipeline: demo, threads: 1, memory_limit: 1GB, history_weeks: 60}
YAML
APP_CONFIG="$WORK/catlens.yaml"
export CATLENS_LOG_LEVEL=warn

archived() { sqlite3 "$STATE/app.db" "SELECT count(*) FROM report_archive WHERE summarised = 1 ${1:+AND $1}"; }
# closing COUNT-NAME: a count of the batch's closing line ("48 reports: 40 built, …")
closing() { sed -n "s/.* \([0-9]*\) $1[,:].*/\1/p" <<<"$OUT" | head -n 1; }
batch() { run batch --config "$APP_CONFIG" --week "$WEEK" "$@"; }

# --- refusals: nothing done ----------------------------------------------------------------------------------------
batch --jobs 0
expect_rc 2 "--jobs 0 is refused (exit 2)"
expect_contains "$ERR" "--jobs must be a number from 1 to 64" "… with a clear message"
run batch --config "$APP_CONFIG" --week 2026-W40
expect_rc 2 "a week without a snapshot: exit 2"
expect_contains "$ERR" "no snapshot is published for week 2026-W40" "… saying so"
expect_eq "$(sqlite3 "$STATE/app.db" 'SELECT count(*) FROM report_archive' 2>/dev/null || echo 0)" 0 \
    "… and nothing is archived"

start_ai || { fail "catlens ai starts"; finish; exit 1; }

# --- interrupted: what finished is kept ------------------------------------------------------------------------------
fake _default '{"do":"slow","ms":700}'
"$CATLENS_BIN" batch --config "$APP_CONFIG" --week "$WEEK" --jobs 2 >"$WORK/int.out" 2>"$WORK/int.err" &
BPID=$!
progress_lines() { [ "$(grep -c '^catlens batch: \[' "$WORK/int.err")" -ge "$1" ]; }
wait_for progress_lines 3
kill -TERM "$BPID"
BRC=0
wait "$BPID" || BRC=$?
expect_eq "$BRC" 130 "SIGTERM: the batch stops, exit 130"
expect_contains "$(cat "$WORK/int.out")" "interrupted: rerun to continue" "… and says how to continue"
kept=$(archived)
TOTAL=$(sed -n 's/^batch [^:]*: \([0-9]*\) reports.*/\1/p' "$WORK/int.out")
[ "$kept" -ge 3 ] && [ "$kept" -lt "$TOTAL" ] && pass "… the $kept reports it finished are kept (of $TOTAL)" \
    || fail "the finished reports are kept" "$kept of $TOTAL"
fake _default '{"do":"clean"}'

# --- resumed: only what is missing ----------------------------------------------------------------------------------
batch --jobs 2
expect_rc 0 "the rerun completes (exit 0)"
na=$(closing "not applicable")
expect_eq "$(closing "already done")" "$kept" "… skipping the $kept reports already done"
expect_eq "$(closing built)" $((TOTAL - kept - na)) "… and making the others"
expect_eq "$(archived)" $((TOTAL - na)) "every applicable report is archived with its summary"
expect_contains "$ERR" "books x all x WoW: " "progress names each report (region all included)"
expect_contains "$ERR" "/$TOTAL] " "… and where the batch stands"
req=$(sqlite3 "$STATE/ai.db" "SELECT DISTINCT user_id || '|' || role FROM ai_calls")
expect_eq "$req" "catlens-batch|admin" "summaries are written for the batch's service identity"

provider=$(fake_calls)
batch
expect_rc 0 "a complete rerun succeeds"
expect_eq "$(closing built)|$(closing "already done")" "0|$((TOTAL - na))" "… and makes nothing"
expect_eq "$(fake_calls)" "$provider" "… and costs nothing (no model call)"

# --- the AI service down: incomplete, retried by the next run ----------------------------------------------------------
te=$(archived "category = 'toys' AND region = 'europe'")
sqlite3 "$STATE/app.db" "DELETE FROM report_archive WHERE category = 'toys' AND region = 'europe' AND win IN ('WoW', 'MoM')"
stop_ai
batch
expect_rc 1 "the AI service down: exit 1"
expect_eq "$(closing incomplete)" 2 "… the two missing reports are incomplete"
expect_contains "$ERR" "toys x europe x WoW: incomplete" "… and named"
expect_eq "$(archived "category = 'toys' AND region = 'europe'")" $((te - 2)) \
    "… and not archived without their summary"
start_ai || fail "catlens ai restarts"
batch
expect_rc 0 "once the AI service is back, the rerun completes"
expect_eq "$(closing built)" 2 "… making just those two"

# --- the app serves what the batch made, as cache hits ------------------------------------------------------------------
start_app batch-app || { fail "catlens app starts"; finish; exit 1; }
dev_login leader
want=$(sqlite3 "$STATE/app.db" "SELECT count(*) FROM report_archive WHERE category='books' AND region='asia' AND win='WoW'")
post_json /wbr "{\"category\":\"books\",\"region\":\"asia\",\"window\":\"WoW\",\"week\":\"$WEEK\"}"
expect_eq "$want|$STATUS|$(json_get meta.cache)|$(json_get meta.degraded)" "1|200|hit|false" \
    "the app serves a precomputed report as a cache hit"
expect_eq "$(json_get summary.model)" fake "… with the summary the batch had written"
api GET /metrics
expect_contains "$BODY" 'catlens_report_builds_total{outcome="precomputed"} 1' "… from the archive, without a build"
stop_app
expect_eq "$APP_RC" 0 "catlens app stops cleanly"
finish
