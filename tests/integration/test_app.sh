# catlens app end to end, on loopback ports chosen at run time: dev sign-in, cookies, the RBAC matrix on every
# endpoint, CSRF, hostile input, static files, Redis killed mid-test, SIGTERM under load without losing an audit
# record, the full OpenID Connect login against a real provider (oidc-provider) with its failure modes, and every
# call checked against the OpenAPI document the app serves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/app_lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"

WEEK=2026-W47
WH="$WORK/warehouse"
STATE="$WORK/state"
WEB="$WORK/web"
mkdir -p "$WEB/assets"
echo '<html>catlens ui</html>' >"$WEB/index.html"
echo 'console.log(1)' >"$WEB/assets/app-1.js"
echo 'top secret' >"$WORK/secret.txt"
ln -s "$WORK/secret.txt" "$WEB/leak.txt"

"$CATLENS_MAKE_SOURCE" "$WORK/source" "$WEEK" 3 >/dev/null || { fail "make the source tree"; finish; exit 1; }
run etl --week "$WEEK" --source "$WORK/source" --warehouse "$WH"
expect_rc 0 "a snapshot of $WEEK is published for the app to read"

# no AI service here (tests/integration/test_wbr.sh covers summaries): never the default ai.url of the config
APP_ENV=(CATLENS_STATE="$STATE" CATLENS_WAREHOUSE="$WH" CATLENS_APP_PORT=0 CATLENS_PATHS_WEB="$WEB"
    CATLENS_LOG_LEVEL=info CATLENS_AI_URL=)

# --- dev sign-in and cookies ---------------------------------------------------------------------------------
start_app dev "${APP_ENV[@]}" || { fail "catlens app starts"; finish; exit 1; }
pass "catlens app starts on a port chosen at run time"

api GET /healthz
expect_status 200 "healthz answers"
expect_eq "$(json_get status)" ok "healthz: ok with a published week"

api GET /auth-me
expect_status 401 "not signed in: 401"
expect_eq "$(json_get error.code)" unauthenticated "401 carries error.code unauthenticated"

api GET "/login-url?user=catmgr&next=/review"
expect_status 302 "dev sign-in redirects"
expect_eq "$(header Location)" /review "back to where the sign-in began"
sess=$(set_cookies | grep '^catlens_session=')
expect_contains "$sess" "; HttpOnly" "session cookie is HttpOnly"
expect_contains "$sess" "; Secure" "session cookie is Secure"
expect_contains "$sess" "; SameSite=Lax" "session cookie is SameSite=Lax"
csrfc=$(set_cookies | grep '^catlens_csrf=')
case "$csrfc" in *HttpOnly*) fail "csrf cookie is readable by the page" ;; *) pass "csrf cookie is readable by the page" ;; esac
SID1=$(cookie_value catlens_session)

api GET "/login-url?user=catmgr&next=//evil.example/x"
expect_eq "$(header Location)" / "an off-site next is refused (no open redirect)"
api GET "/login-url?user=catmgr" -H "Cookie: catlens_session=$SID1"
SID2=$(cookie_value catlens_session)
[ -n "$SID2" ] && [ "$SID2" != "$SID1" ] && pass "signing in again rotates the session id" || fail "session id rotates"
api GET /auth-me -H "Cookie: catlens_session=$SID1"
expect_status 401 "the replaced session id no longer works"
api GET "/login-url?user=nobody"
expect_status 404 "unknown dev user: 404"
api GET /login-url -H 'Accept: application/json'
expect_status 200 "dev mode lists its users for the sign-in page"
expect_contains "$BODY" '"name":"regmgr"' "the list names the dev users"
api GET /login-url
expect_status 400 "dev sign-in without a user: 400"

# --- the RBAC matrix ---------------------------------------------------------------------------------------------
wbr() { # wbr CATEGORY REGION
    post_json /wbr "{\"category\":\"$1\",\"region\":\"$2\",\"window\":\"WoW\",\"week\":\"$WEEK\"}"
}
feedback() { # feedback CATEGORY REGION
    post_json /feedback "{\"category\":\"$1\",\"region\":\"$2\",\"window\":\"WoW\",\"week\":\"$WEEK\",\"target\":\"report\",\"rating\":\"useful\"}"
}
# role: in-scope cat|region, out-of-scope cat|region, out-of-scope region for that cat
declare -A IN=([leader]="books|asia" [catmgr]="electronics|europe" [regmgr]="toys|north_america")
declare -A OUT=([catmgr]="toys|europe" [regmgr]="toys|asia" [admin]="electronics|north_america")
for user in leader catmgr regmgr admin; do
    dev_login "$user"
    expect_status 302 "$user signs in"
    api GET /auth-me -H "Cookie: catlens_session=$SID"
    expect_status 200 "$user: /auth-me"
    expect_eq "$(json_get csrf_token)" "$CSRF" "$user: /auth-me announces the CSRF token"
    api GET /category-list -H "Cookie: catlens_session=$SID"
    expect_status 200 "$user: /category-list"
    cats=$(json_get categories)
    regs=$(json_get regions)
    case $user in
    leader) expect_eq "$cats|$regs" '["books", "electronics", "toys"]|["all", "asia", "europe", "north_america"]' \
        "leader sees every category and region, and 'all'" ;;
    catmgr) expect_eq "$cats|$regs" '["electronics"]|["asia", "europe", "north_america"]' \
        "catmgr sees only electronics, in every single region" ;;
    regmgr) expect_eq "$cats|$regs" '["books", "electronics", "toys"]|["north_america"]' \
        "regmgr sees every category, only in north_america" ;;
    admin) expect_eq "$cats|$regs" '[]|[]' "admin sees no report data" ;;
    esac
    expect_eq "$(json_get weeks)" "[\"$WEEK\"]" "$user: the published week is listed"
    api GET /usage -H "Cookie: catlens_session=$SID"
    expect_status 200 "$user: /usage"
    case $user in leader | admin) expect_contains "$BODY" '"teams":' "$user sees every team's usage" ;;
    *) case "$BODY" in *'"teams"'*) fail "$user does not see other teams" ;; *) pass "$user does not see other teams" ;; esac ;;
    esac
    if [ -n "${IN[$user]:-}" ]; then
        IFS='|' read -r c r <<<"${IN[$user]}"
        views=$(audit_count report_view)
        wbr "$c" "$r"
        expect_status 200 "$user: /wbr in scope ($c × $r) is served"
        expect_eq "$(json_get category)|$(json_get region)|$(json_get window)|$(json_get week)" "$c|$r|WoW|$WEEK" \
            "$user: the report is the one asked for"
        expect_eq "$(audit_settled $((views + 1)) report_view)" $((views + 1)) "$user: the report view is audited"
        expect_eq "$(json_get summary.model)|$(json_get meta.degraded)" "offline-narrator-1|false" \
            "$user: no AI service configured: the offline narrator's summary, not flagged degraded"
        feedback "$c" "$r"
        expect_status 201 "$user: /feedback in scope"
    fi
    if [ -n "${OUT[$user]:-}" ]; then
        IFS='|' read -r c r <<<"${OUT[$user]}"
        before=$(audit_count denied)
        wbr "$c" "$r"
        expect_status 403 "$user: /wbr out of scope ($c × $r) is refused"
        expect_eq "$(audit_count denied)" $((before + 1)) "$user: the refusal is audited"
        feedback "$c" "$r"
        expect_status 403 "$user: /feedback out of scope is refused"
    fi
    if [ "$user" != leader ]; then
        wbr electronics all
        expect_status 403 "$user: region 'all' is for leadership only"
    fi
    post_json /logout ''
    expect_status 200 "$user: /logout"
    api GET /auth-me -H "Cookie: catlens_session=$SID"
    expect_status 401 "$user: signed out means signed out"
done

# --- the session cache: every worker thread keeps the sessions it read, checked on each request ---------------------
auth_me_codes() { # auth_me_codes: CODES = the status of 8 GET /auth-me with $SID, each on a new connection (any
    local i  # thread); not in a subshell, so that every call stays recorded for the contract check
    CODES=""
    for i in 1 2 3 4 5 6 7 8; do
        api GET /auth-me -H "Cookie: catlens_session=$SID"
        CODES="$CODES$STATUS "
    done
}
dev_login regmgr
auth_me_codes
expect_eq "$CODES" "200 200 200 200 200 200 200 200 " "a session is served (and cached by the threads that served it)"
hash=$(printf '%s' "$SID" | sha256sum | cut -d' ' -f1)
sqlite3 "$STATE/sessions.db" "DELETE FROM sessions WHERE id_hash = '$hash'"
auth_me_codes
expect_eq "$CODES" "401 401 401 401 401 401 401 401 " \
    "a session revoked by another process (the sqlite3 shell) is refused at once, on every thread"
dev_login regmgr
auth_me_codes
post_json /logout ''
expect_status 200 "sign-out with a cached session"
auth_me_codes
expect_eq "$CODES" "401 401 401 401 401 401 401 401 " "after sign-out the cached session is refused on every thread"
# the same, without a process start in between: 8 keep-alive connections (spread over the worker
# threads) each serve the session, one signs out, and the very next request on every other connection
# (microseconds later, well within the millisecond in which a thread may skip PRAGMA data_version)
# is refused
dev_login regmgr
CODES=$(python3 - "$APP_PORT" "$SID" "$CSRF" <<'PY'
import http.client, sys
port, sid, csrf = sys.argv[1:]
conns = [http.client.HTTPConnection("127.0.0.1", int(port), timeout=10) for _ in range(8)]
def me(c):
    c.request("GET", "/auth-me", headers={"Cookie": "catlens_session=" + sid})
    r = c.getresponse(); r.read(); return r.status
warm = [me(c) for c in conns for _ in range(2)]
conns[0].request("POST", "/logout", body="", headers={"Cookie": "catlens_session=" + sid,
    "X-CSRF-Token": csrf, "Content-Type": "application/json"})
r = conns[0].getresponse(); r.read()
after = [me(c) for c in conns[1:]]
print(" ".join(map(str, [min(warm), max(warm), r.status] + after)))
PY
)
expect_eq "$CODES" "200 200 200 401 401 401 401 401 401 401" \
    "sign-out on one connection: the next request on each other connection is refused at once"
api GET /metrics
hits=$(printf '%s\n' "$BODY" | sed -n 's/^catlens_session_cache_total{result="hit"} //p')
[ "${hits:-0}" -gt 0 ] && pass "session lookups are served from the cache ($hits hits)" || fail "session cache hits" "$hits"

# an out-of-scope user learns nothing about what exists: unknown and existing categories answer alike
dev_login catmgr
wbr toys north_america
a="$STATUS $(json_get error.message)"
wbr no_such_category north_america
b="$STATUS $(json_get error.message)"
expect_eq "${a%% *}|${b%% *}" "403|403" "out of scope: existing and unknown categories are both 403"
expect_contains "$b" "'no_such_category'" "the refusal names only what was asked"
dev_login leader
wbr no_such_category north_america
expect_status 404 "in scope: an unknown category is 404"
expect_contains "$BODY" "unknown category" "404 says the category is unknown"
wbr electronics atlantis
expect_status 404 "an unknown region is 404"
post_json /wbr "{\"category\":\"books\",\"region\":\"asia\",\"window\":\"WoW\",\"week\":\"2026-W40\"}"
expect_status 404 "a week without a snapshot (and nothing archived) is 404"
expect_contains "$BODY" "no snapshot is published for week 2026-W40" "404 names the missing week"

for p in /auth-me /category-list /usage; do
    api GET "$p"
    expect_status 401 "$p needs a session"
done
for p in /wbr /feedback /logout; do
    api POST "$p" -H 'Content-Type: application/json' --data-binary '{}'
    expect_status 401 "$p needs a session"
done

# --- CSRF and hostile input: each a clear 4xx and nothing changed ---------------------------------------------------
fb_rows() { sqlite3 "$STATE/app.db" 'SELECT count(*) FROM feedback'; }
FB='{"category":"books","region":"asia","window":"WoW","week":"2026-W47","target":"report","rating":"useful"}'
rows=$(fb_rows)
api POST /feedback -H "Cookie: catlens_session=$SID" -H 'Content-Type: application/json' --data-binary "$FB"
expect_status 403 "POST without X-CSRF-Token is refused"
api POST /feedback -H "Cookie: catlens_session=$SID" -H "X-CSRF-Token: wrong$CSRF" -H 'Content-Type: application/json' --data-binary "$FB"
expect_status 403 "POST with a wrong X-CSRF-Token is refused"
post_json /feedback "$FB" -H 'Origin: https://evil.example'
expect_status 403 "POST from another origin is refused"
post_json /feedback "$FB" -H 'Sec-Fetch-Site: cross-site'
expect_status 403 "a cross-site POST is refused"
expect_eq "$(fb_rows)" "$rows" "refused POSTs changed nothing"
post_json /feedback "$FB" -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin'
expect_status 201 "the same POST from this site, with the token, is accepted"
rows=$(fb_rows)

post_json /feedback '{"category":"books",'
expect_status 400 "bad JSON: 400"
expect_contains "$(json_get error.message)" "not valid JSON" "bad JSON: says so"
post_json /feedback '{"category":"books","region":"asia","window":"WoW","week":"2026-W47","target":"report"}'
expect_status 400 "a missing field: 400"
expect_eq "$(json_get error.message)" "field 'rating' is required" "a missing field is named"
post_json /feedback '{"category":"books","region":"asia","window":"WoW","week":"2026-W47","target":"report","rating":"great"}'
expect_status 400 "a bad value: 400"
post_json /feedback "${FB%\}},\"extra\":1}"
expect_status 400 "an unknown field: 400"
post_json /wbr '{"category":"books","region":"asia","window":"weekly","week":"2026-W47"}'
expect_status 400 "a bad window: 400"
post_json /wbr '{"category":"books","region":"asia","window":"WoW","week":"2026-W99"}'
expect_status 400 "a bad week: 400"
# the body read without a JSON library (plain ASCII, each field once) and the same request the parser
# must read (escapes, another order, spacing): one answer; and what the plain reader leaves to it
post_json /wbr '{"category":"books","region":"asia","window":"WoW","week":"2026-W47"}'
plain_status=$STATUS plain_meta=$(json_get meta.snapshot)
expect_eq "$plain_status ${plain_meta:+snapshot}" "200 snapshot" "/wbr: a plain body is read"
post_json /wbr $' { "week" : "2026-W47",\n\t"window":"WoW" , "region":"\\u0061sia","category":"b\\u006foks" } '
expect_eq "$STATUS $(json_get meta.snapshot)" "$plain_status $plain_meta" "/wbr: an escaped, reordered body is the same request"
post_json /wbr '{"category":"books","region":"asia","window":"WoW","week":"2026-W47","week":"2026-W46"}'
expect_status 400 "/wbr: a field given twice: 400"
post_json /wbr '{"category":"books","region":"asia","window":"WoW"}'
expect_eq "$STATUS $(json_get error.message)" "400 field 'week' is required" "/wbr: a missing field is named"
post_json /wbr '{"category":"books","region":"asia","window":"WoW","week":"2026-W47","x":"y"}'
expect_eq "$STATUS $(json_get error.message)" "400 unknown field 'x'" "/wbr: an unknown field is named"
api POST /wbr -H "Cookie: catlens_session=$SID" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: text/plain' \
    --data-binary '{"category":"books","region":"asia","window":"WoW","week":"2026-W47"}'
expect_status 400 "a body that is not application/json: 400"
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
post_json /feedback "@$WORK/big.json"
expect_status 413 "an oversized body: 413"
expect_eq "$(fb_rows)" "$rows" "bad input changed nothing"
api DELETE /wbr
expect_status 405 "a wrong method: 405"
expect_eq "$(header Allow)" POST "405 says which method is allowed"
api GET /no-such-endpoint-at-all -H 'Accept: application/json'
expect_status 404 "an unknown path: 404"

# --- static files ---------------------------------------------------------------------------------------------------
api GET /
expect_status 200 "the web UI is served"
expect_eq "$BODY" '<html>catlens ui</html>' "index.html"
api GET /review/electronics -H 'Accept: text/html'
expect_eq "$STATUS|$BODY" '200|<html>catlens ui</html>' "client-side routes get index.html"
for p in /../secret.txt /%2e%2e/secret.txt /assets/../../secret.txt /leak.txt /%2e%2e%2fsecret.txt \
    /assets/..%5c..%5csecret.txt //secret.txt /.%2e/secret.txt; do
    api GET "$p"
    if [ "$STATUS" = 404 ] && [ "${BODY#*top secret}" = "$BODY" ]; then pass "path traversal $p: 404"; else fail "path traversal $p" "$STATUS $BODY"; fi
done
api GET /assets/app-1.js
expect_eq "$(header Cache-Control)" "public, max-age=31536000, immutable" "hashed assets are cached for good"
expect_contains "$(header Content-Security-Policy)" "frame-ancestors 'none'" "responses carry a CSP"
expect_eq "$(header X-Content-Type-Options)" nosniff "responses carry nosniff"

api GET /openapi.json
expect_status 200 "the OpenAPI document is served"
cp "$WORK/call-$NCALL.body" "$WORK/openapi.json"
api GET /metrics
expect_status 200 "metrics are served"
expect_contains "$BODY" 'catlens_denials_total{route="/wbr"}' "metrics count denials per route"
expect_contains "$BODY" 'http_requests_total{route="/wbr",method="POST",status="403"}' "metrics count requests per route and status"
stop_app
expect_eq "$APP_RC" 0 "SIGTERM stops the app cleanly"
[ "$(sqlite3 "$STATE/audit.db" 'PRAGMA integrity_check')" = ok ] && pass "the audit log is intact" || fail "audit integrity"
if sqlite3 "$STATE/audit.db" "DELETE FROM audit_log" 2>/dev/null; then fail "the audit log refuses deletes"; else pass "the audit log refuses deletes"; fi

# --- Redis: shared cache, killed mid-test --------------------------------------------------------------------------------
if start_redis; then
    start_app redis "${APP_ENV[@]}" CATLENS_CACHE_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" || fail "app starts with Redis"
    api GET /healthz
    expect_eq "$(json_get checks.cache.backend)|$(json_get checks.cache.up)" "redis|true" "the app uses Redis"
    dev_login leader
    wbr toys europe
    expect_eq "$STATUS|$(json_get meta.cache)" "200|miss" "with Redis: a new report is built"
    wbr toys europe
    expect_eq "$STATUS|$(json_get meta.cache)" "200|hit" "with Redis: … and then served from Redis"
    [ -n "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'catlens:wbr:v1:*' | head -n 1)" ] \
        && pass "the report is cached in Redis" || fail "the report is cached in Redis"
    kill -9 "$REDIS_PID"
    wait "$REDIS_PID" 2>/dev/null
    wbr toys europe
    expect_eq "$STATUS|$(json_get meta.cache)" "200|hit" "Redis killed: the report is still served (from the archive)"
    api GET /auth-me -H "Cookie: catlens_session=$SID"
    expect_status 200 "Redis killed: sessions still work"
    api GET /healthz
    expect_eq "$(json_get status)|$(json_get checks.cache.up)" "degraded|false" "healthz says the cache is down"
    api GET /metrics
    errs=$(printf '%s\n' "$BODY" | sed -n 's/^catlens_cache_backend_errors_total //p')
    [ "${errs:-0}" -ge 1 ] && pass "Redis failures are counted ($errs)" || fail "Redis failures are counted"
    stop_app
else
    fail "redis-server starts"
fi

# --- SIGTERM under load: every answered request has its audit record -------------------------------------------------
start_app load "${APP_ENV[@]}" CATLENS_LOG_LEVEL=warn || fail "app starts for the load test"
dev_login catmgr
load_client() { # load_client N: out-of-scope report requests (each audited) until the server stops
    local i code out=$WORK/load-$1.txt
    for i in $(seq 1 400); do
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Cookie: catlens_session=$SID" \
            -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
            --data-binary '{"category":"toys","region":"asia","window":"WoW","week":"2026-W47"}' "$BASE/wbr")
        echo "$code" >>"$out"
        [ "$code" = 000 ] && break
    done
}
before=$(audit_count denied)
for n in 1 2 3 4 5 6; do load_client "$n" & done
sleep 1
stop_app
wait
answered=$(cat "$WORK"/load-*.txt | grep -c '^403$')
recorded=$(($(audit_count denied) - before))
[ "$answered" -gt 0 ] && pass "load: $answered refusals answered before SIGTERM" || fail "load test made requests"
[ "$recorded" -ge "$answered" ] && pass "SIGTERM under load: all $answered answered requests are audited ($recorded records)" \
    || fail "SIGTERM under load lost audit records" "answered $answered, recorded $recorded"
expect_eq "$APP_RC" 0 "SIGTERM under load stops the app cleanly"
expect_eq "$(sqlite3 "$STATE/audit.db" 'PRAGMA integrity_check')" ok "nothing half-written"

# --- audit durability per record kind (docs/app.md "Audit") ------------------------------------------------------
# a report view is in the audit journal before its reply leaves, and in audit.db a moment later; a security record is
# on disk (flushed) in audit.db first. A SIGKILL (no chance to write anything more) loses neither kind: the journal
# the killed process left is moved into audit.db by the next start, each record once.
start_app kill "${APP_ENV[@]}" CATLENS_LOG_LEVEL=warn || fail "app starts for the durability tests"
dev_login catmgr
wbr electronics europe
expect_status 200 "durability: a report view is served"
rid=$(header X-Request-Id)
expect_eq "$(audit_settled 1 report_view "request_id = '$rid'")" 1 "a report view's record is in audit.db a moment after its reply"
api GET /metrics
journaled=$(printf '%s\n' "$BODY" | sed -n 's/^catlens_audit_journaled_total //p')
[ "${journaled:-0}" -ge 1 ] && pass "the report view went through the audit journal ($journaled)" \
    || fail "the report view went through the audit journal" "catlens_audit_journaled_total ${journaled:-none}"
api GET /metrics
flushes0=$(printf '%s\n' "$BODY" | sed -n 's/^catlens_audit_flushes_total //p')
wbr toys asia
expect_status 403 "durability: a refusal is answered"
rid=$(header X-Request-Id)
expect_eq "$(audit_count denied "request_id = '$rid'")" 1 "a refusal's record (a security record) is in audit.db when its reply arrives"
api GET /metrics
flushes1=$(printf '%s\n' "$BODY" | sed -n 's/^catlens_audit_flushes_total //p')
[ "${flushes1:-0}" -gt "${flushes0:-0}" ] && pass "the refusal waited for a flush of the audit WAL ($flushes0 -> $flushes1)" \
    || fail "the refusal waited for a flush" "flushes $flushes0 -> $flushes1"
post_json /logout ''
expect_status 200 "durability: sign-out is answered"
rid=$(header X-Request-Id)
expect_eq "$(audit_count logout "request_id = '$rid'")" 1 "a sign-out's record is in audit.db when its reply arrives"
dev_login catmgr
mixed_client() { # mixed_client N: report views (in scope) and refusals (out of scope), alternating, until killed
    local i code out=$WORK/kill-$1.txt body
    for i in $(seq 1 400); do
        if [ $((i % 2)) = 0 ]; then body='{"category":"electronics","region":"europe","window":"WoW","week":"2026-W47"}'
        else body='{"category":"toys","region":"asia","window":"WoW","week":"2026-W47"}'; fi
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Cookie: catlens_session=$SID" \
            -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' --data-binary "$body" "$BASE/wbr")
        echo "$code" >>"$out"
        [ "$code" = 000 ] && break
    done
}
views0=$(audit_count report_view)
denied0=$(audit_count denied)
for n in 1 2 3 4; do mixed_client "$n" & done
sleep 1
kill -KILL "$APP_PID"
wait "$APP_PID" 2>/dev/null
wait
views=$(cat "$WORK"/kill-*.txt | grep -c '^200$')
refusals=$(cat "$WORK"/kill-*.txt | grep -c '^403$')
orphans=$(find "$STATE" -maxdepth 1 -name 'audit.db.journal.*' | wc -l)
[ "$orphans" -ge 1 ] && pass "the killed app left its audit journal behind ($orphans file)" \
    || fail "the killed app left its audit journal behind" "no audit.db.journal.* in $STATE"
killed_pid=$APP_PID
keep=()
for p in "${PIDS[@]}"; do [ "$p" != "$killed_pid" ] && keep+=("$p"); done
PIDS=("${keep[@]}")
# the next start moves what the journal holds into audit.db before it serves
start_app kill2 "${APP_ENV[@]}" CATLENS_LOG_LEVEL=warn || fail "app starts again after SIGKILL"
expect_eq "$(find "$STATE" -maxdepth 1 -name 'audit.db.journal.*' | wc -l)" 1 "after the restart only the new app's journal is there"
expect_eq "$(sqlite3 "$STATE/audit.db" 'SELECT count(*) - count(DISTINCT request_id) FROM audit_log WHERE request_id IS NOT NULL')" 0 \
    "no audit record was inserted twice"
views_rec=$(($(audit_count report_view) - views0))
denied_rec=$(($(audit_count denied) - denied0))
[ "$views" -gt 0 ] && [ "$refusals" -gt 0 ] && pass "SIGKILL: $views views and $refusals refusals answered before the kill" \
    || fail "the SIGKILL test made requests" "views $views, refusals $refusals"
[ "$views_rec" -ge "$views" ] && pass "SIGKILL loses no report view that was answered ($views answered, $views_rec records)" \
    || fail "SIGKILL lost report views" "answered $views, recorded $views_rec"
[ "$denied_rec" -ge "$refusals" ] && pass "SIGKILL loses no refusal that was answered ($refusals answered, $denied_rec records)" \
    || fail "SIGKILL lost refusals" "answered $refusals, recorded $denied_rec"
expect_eq "$(sqlite3 "$STATE/audit.db" 'PRAGMA integrity_check')" ok "after SIGKILL the audit log is intact"
stop_app
expect_eq "$(find "$STATE" -maxdepth 1 -name 'audit.db.journal.*' | wc -l)" 0 "a clean stop leaves no audit journal"

# --- OpenID Connect against a real provider -------------------------------------------------------------------------------
OIDC_DIR="$CATLENS_SRC/tests/fakes/oidc"
if [ ! -d "$OIDC_DIR/node_modules/oidc-provider" ]; then
    fail "the fake OpenID provider is installed (scripts/bootstrap runs npm ci in tests/fakes/oidc)"
    finish
    exit 1
fi
. "$(dirname "$0")/app_oidc.sh"

python3 "$CATLENS_SRC/tests/integration/openapi_check.py" "$WORK/openapi.json" "$CALLS" >"$WORK/openapi.out"
rc=$?
sed 's/^/# /' "$WORK/openapi.out" | tail -15
[ $rc = 0 ] && pass "every call matches the OpenAPI document, and every documented route was exercised" \
    || fail "OpenAPI contract" "$(tail -5 "$WORK/openapi.out")"
finish
