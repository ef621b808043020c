# app_lib.sh — helpers for tests that drive the real `catlens app` (sourced after lib.sh): servers on loopback
# ports chosen at run time (redis-server, the fake OpenID provider, the app), an API client that records every call
# for the OpenAPI contract check, and cookie handling.

CALLS="$WORK/calls.jsonl"
: >"$CALLS"
NCALL=0
PIDS=()

cleanup_servers() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    PIDS=()
}
trap 'cleanup_servers; [ -n "${CATLENS_KEEP_WORK:-}" ] && echo "# kept $WORK" || rm -rf "$WORK"' EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# steady_port: a free port for a server that must come back on the same port after a restart (the AI service
# behind a running app). Taken below the kernel's ephemeral range: a port from free_port is in that range, and while
# its server is down any outgoing connection on the machine (another test's, in parallel) may be given it as its
# local port, and the restart then fails to bind.
steady_port() {
    python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
rng = random.Random()
for _ in range(200):
    port = rng.randint(10000, low - 1) if low > 10100 else 0
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        port = s.getsockname()[1]
        s.close()
    print(port)
    break
PY
}

# start_ai: `catlens ai` with $APP_CONFIG on $AI_PORT; returns once it accepts connections. The old output is
# emptied before the start (a redirection in the background job would empty it only once the job runs, so the
# previous run's "listening" line could be read), and the port is asked, not only the line.
start_ai() {
    : >"$WORK/ai.out"
    "$CATLENS_BIN" ai --config "$APP_CONFIG" >>"$WORK/ai.out" 2>>"$WORK/ai.err" &
    AI_PID=$!
    PIDS+=("$AI_PID")
    wait_for grep -q listening "$WORK/ai.out" && wait_for curl -s -o /dev/null "http://127.0.0.1:$AI_PORT/healthz"
}
# stop_ai: SIGTERM to the AI service; AI_RC is its exit status.
stop_ai() {
    kill -TERM "$AI_PID" 2>/dev/null
    AI_RC=0
    wait "$AI_PID" 2>/dev/null || AI_RC=$?
}

# wait_for CMD...: retry CMD for up to 10 s.
wait_for() {
    local i
    for i in $(seq 1 200); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    return 1
}

# start_redis: sets REDIS_PORT and REDIS_PID.
start_redis() {
    local try
    for try in 1 2 3 4 5; do
        REDIS_PORT=$(free_port)
        mkdir -p "$WORK/redis"
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis" \
            --logfile "$WORK/redis/redis.log" --daemonize no &
        REDIS_PID=$!
        if wait_for redis-cli -p "$REDIS_PORT" ping; then
            PIDS+=("$REDIS_PID")
            return 0
        fi
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
    done
    return 1
}

# start_app NAME [ENV=VALUE...]: start `catlens app` with the test's config and environment; sets APP_PID,
# APP_PORT and BASE. Output goes to $WORK/NAME.log.
start_app() {
    local name=$1
    shift
    rm -f "$WORK/$name.port"
    env "$@" "$CATLENS_BIN" app --config "${APP_CONFIG:-$CATLENS_SRC/config/catlens.yaml}" \
        --port-file "$WORK/$name.port" >"$WORK/$name.log" 2>&1 &
    APP_PID=$!
    if ! wait_for test -s "$WORK/$name.port"; then
        echo "# $name did not start:"
        sed 's/^/#   /' "$WORK/$name.log" | tail -20
        return 1
    fi
    APP_PORT=$(cat "$WORK/$name.port")
    BASE="http://127.0.0.1:$APP_PORT"
    PIDS+=("$APP_PID")
}

# stop_app: SIGTERM and wait; sets APP_RC.
stop_app() {
    kill -TERM "$APP_PID" 2>/dev/null
    APP_RC=0
    wait "$APP_PID" || APP_RC=$?
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" != "$APP_PID" ] && keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# api METHOD PATH [curl args...]: one call to the app; sets STATUS, BODY (text), HDRS (file), CTYPE and records
# the call in $CALLS for the contract check.
api() {
    local method=$1 path=$2
    shift 2
    NCALL=$((NCALL + 1))
    local body="$WORK/call-$NCALL.body"
    HDRS="$WORK/call-$NCALL.hdrs"
    STATUS=$(curl -s -o "$body" -D "$HDRS" -w '%{http_code}' -X "$method" --path-as-is "$@" "$BASE$path")
    BODY=$(cat "$body")
    CTYPE=$(header Content-Type)
    python3 -c 'import json,sys; print(json.dumps({"method":sys.argv[1],"path":sys.argv[2],"status":int(sys.argv[3]),"content_type":sys.argv[4],"body_file":sys.argv[5]}))' \
        "$method" "$path" "$STATUS" "$CTYPE" "$body" >>"$CALLS"
}

# header NAME: the first value of response header NAME of the last call.
header() {
    grep -i "^$1:" "$HDRS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# set_cookies: every Set-Cookie line of the last call.
set_cookies() {
    grep -i '^set-cookie:' "$HDRS" | sed 's/^[^:]*: *//' | tr -d '\r'
}

# cookie_value NAME: the value NAME was set to by the last call.
cookie_value() {
    set_cookies | sed -n "s/^$1=\\([^;]*\\).*/\\1/p" | head -n 1
}

# jq-like field read: json_get FIELD [JSON] (dotted path; arrays by index).
json_get() {
    python3 -c '
import json, sys
v = json.loads(sys.argv[2])
for p in sys.argv[1].split("."):
    if p == "":
        continue
    v = v[int(p)] if isinstance(v, list) else v.get(p) if isinstance(v, dict) else None
    if v is None:
        break
print(json.dumps(v) if isinstance(v, (dict, list)) or v is None or isinstance(v, bool) else v)
' "$1" "${2:-$BODY}"
}

expect_status() { # expect_status WANT WHAT
    if [ "$STATUS" = "$1" ]; then pass "$2"; else fail "$2" "status $STATUS, want $1: ${BODY:0:300}"; fi
}

# dev_login USER: sign in through /login-url?user=USER; sets SID and CSRF.
dev_login() {
    api GET "/login-url?user=$1"
    SID=$(cookie_value catlens_session)
    CSRF=$(cookie_value catlens_csrf)
}

# as_user SID CSRF: curl arguments for a signed-in JSON POST.
post_json() { # post_json PATH JSON [extra curl args]
    local path=$1 json=$2
    shift 2
    api POST "$path" -H "Cookie: catlens_session=$SID" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' --data-binary "$json" "$@"
}

audit_count() { # audit_count EVENT [WHERE]
    sqlite3 "$STATE/audit.db" "SELECT count(*) FROM audit_log WHERE event = '$1' ${2:+AND $2}"
}

audit_settled() { # audit_settled N EVENT [WHERE]: the count once it reaches N (report views reach audit.db from the
    # audit journal within milliseconds of their reply; 5 s at most), else the count it stopped at
    local n i
    for i in $(seq 50); do
        n=$(audit_count "$2" "${3:-}")
        [ "$n" -ge "$1" ] && break
        sleep 0.1
    done
    echo "$n"
}

# snapshot_and_fake_provider: a snapshot of $WEEK (2026-W47) from a small source tree in $WH, the fake model
# provider (tests/fakes/fake_llm.js) at $FAKE with fake / fake_calls to script and count it, and $WORK/models.yaml
# whose default model is the fake one. Sets WEEK, WH, STATE, FAKE.
snapshot_and_fake_provider() {
    WEEK=2026-W47
    WH="$WORK/warehouse"
    STATE="$WORK/state"
    mkdir -p "$STATE"
    "$CATLENS_MAKE_SOURCE" "$WORK/source" "$WEEK" 3 >/dev/null || { fail "make the source tree"; finish; exit 1; }
    run etl --week "$WEEK" --source "$WORK/source" --warehouse "$WH"
    expect_rc 0 "a snapshot of $WEEK is published"

    node tests/fakes/fake_llm.js >"$WORK/fake.out" &
    PIDS+=($!)
    wait_for test -s "$WORK/fake.out"
    FAKE="http://127.0.0.1:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$WORK/fake.out")"
    fake() { curl -s -XPOST "$FAKE/$1" -d "$2" >/dev/null; }
    fake_calls() { curl -s "$FAKE/_log" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

    "$CATLENS_SRC/tests/fakes/fake_models.sh" "$FAKE" 20000 150000 600000 >"$WORK/models.yaml"
}
