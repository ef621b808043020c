# app_oidc.sh — the OpenID Connect part of test_app.sh (sourced): the full authorization code flow with PKCE
# against oidc-provider on loopback, then everything that must fail: a tampered ID token, the wrong audience, an
# expired token, a wrong nonce, a replayed state, a state from another browser, an account without a role; and a
# key rotation that must succeed.

start_idp() { # start_idp REDIRECT_URI: sets IDP_PORT, IDP
    rm -f "$WORK/idp.port"
    FAKE_OIDC_CLIENT_SECRET=it-secret node "$OIDC_DIR/server.mjs" --port-file "$WORK/idp.port" \
        --client-id catlens --redirect-uri "$1" >"$WORK/idp.log" 2>&1 &
    IDP_PID=$!
    wait_for test -s "$WORK/idp.port" || return 1
    IDP_PORT=$(cat "$WORK/idp.port")
    IDP="http://127.0.0.1:$IDP_PORT"
    PIDS+=("$IDP_PID")
}

idp_control() { # idp_control JSON
    curl -s -X POST -H 'Content-Type: application/json' --data-binary "$1" "$IDP/test/control" >/dev/null
}

# oidc_login USER MODE: the browser's part of a sign-in. Sets CALLBACK (the URL the provider sent the browser
# back to), LOGIN_COOKIE, then calls the callback; STATUS/BODY/HDRS are the callback's answer.
oidc_login() {
    idp_control "{\"user\":\"$1\",\"mode\":\"$2\"}"
    api GET "/login-url?next=/after"
    local loc
    loc=$(header Location)
    LOGIN_COOKIE=$(cookie_value catlens_login)
    rm -f "$WORK/idp.jar"
    local i
    for i in $(seq 1 10); do
        case "$loc" in "$BASE"/auth/callback*) break ;; esac
        loc=$(curl -s -o /dev/null -b "$WORK/idp.jar" -c "$WORK/idp.jar" -w '%{redirect_url}' "$loc")
        case "$loc" in /*) loc="$IDP$loc" ;; esac
    done
    CALLBACK=$loc
    api GET "${CALLBACK#"$BASE"}" -H "Cookie: catlens_login=$LOGIN_COOKIE"
}

mkdir -p "$WORK/oidc/overlays"
cp "$CATLENS_SRC/config/catlens.yaml" "$WORK/oidc/catlens.yaml"
started=0
for attempt in 1 2 3; do
    port=$(free_port)
    start_idp "http://127.0.0.1:$port/auth/callback" || continue
    cat >"$WORK/oidc/overlays/dev.yaml" <<EOF
auth:
  mode: oidc
  oidc:
    issuer: "$IDP"
    client_id: catlens
    redirect_uri: "http://127.0.0.1:$port/auth/callback"
    scopes: openid profile email groups
    team_claim: department
    skew_seconds: 60
    jwks_min_refresh_seconds: 1
    roles:
      - {group: catlens-leadership, role: leadership}
      - {group_prefix: catlens-cm-, role: category_manager, scope_from_group: categories}
      - {group_prefix: catlens-rm-, role: regional_manager, scope_from_group: regions}
EOF
    if APP_CONFIG="$WORK/oidc/catlens.yaml" start_app oidc "${APP_ENV[@]}" CATLENS_APP_PORT="$port" \
        CATLENS_STATE="$WORK/oidc-state" CATLENS_OIDC_CLIENT_SECRET=it-secret; then
        started=1
        break
    fi
    kill "$IDP_PID" 2>/dev/null
    wait "$IDP_PID" 2>/dev/null
done
if [ "$started" = 0 ]; then
    fail "the fake OpenID provider and the app start" "$(tail -5 "$WORK/idp.log" "$WORK/oidc.log" 2>/dev/null)"
    return 0
fi
pass "the app signs in through a real OpenID provider on loopback ($IDP)"
STATE_OIDC="$WORK/oidc-state"

api GET "/login-url?next=/after"
expect_status 302 "oidc: /login-url redirects to the provider"
loc=$(header Location)
expect_contains "$loc" "$IDP/auth?" "oidc: to the provider's authorization endpoint"
expect_contains "$loc" "code_challenge_method=S256" "oidc: with a PKCE S256 challenge"
expect_contains "$loc" "nonce=" "oidc: with a nonce"
expect_contains "$loc" "state=" "oidc: with a state"
expect_contains "$(set_cookies | grep '^catlens_login=')" "HttpOnly" "oidc: the sign-in is bound to the browser by an HttpOnly cookie"

oidc_login ana normal
expect_status 302 "oidc: ana signs in"
expect_eq "$(header Location)" /after "oidc: back to where the sign-in began"
SID=$(cookie_value catlens_session)
GOOD_CALLBACK=$CALLBACK
api GET /auth-me -H "Cookie: catlens_session=$SID"
expect_eq "$(json_get id)|$(json_get role)|$(json_get team)|$(json_get email)" "ana|leadership|exec|ana@example.com" \
    "oidc: groups and claims map to the leadership role"
expect_eq "$(json_get auth_mode)" oidc "oidc: /auth-me says how the user signed in"

oidc_login carl normal
expect_status 302 "oidc: carl signs in"
SID=$(cookie_value catlens_session)
api GET /auth-me -H "Cookie: catlens_session=$SID"
expect_eq "$(json_get role)|$(json_get scopes.categories)" 'category_manager|["electronics"]' \
    "oidc: a group prefix gives a category manager the category in the group name"

api GET "${GOOD_CALLBACK#"$BASE"}" -H "Cookie: catlens_login=$LOGIN_COOKIE"
expect_status 401 "oidc: a replayed state is refused"
expect_contains "$(json_get error.message)" "already used" "oidc: the replay is named"

for mode in tamper wrong_aud expired bad_nonce; do
    before=$(sqlite3 "$STATE_OIDC/audit.db" "SELECT count(*) FROM audit_log WHERE event = 'login_failed'")
    oidc_login carl "$mode"
    expect_status 401 "oidc: $mode ID token is refused"
    [ -z "$(cookie_value catlens_session)" ] && pass "oidc: $mode: no session" || fail "oidc: $mode: no session"
    after=$(sqlite3 "$STATE_OIDC/audit.db" "SELECT count(*) FROM audit_log WHERE event = 'login_failed'")
    expect_eq "$after" $((before + 1)) "oidc: $mode: the failed sign-in is audited"
done
expect_contains "$(sqlite3 "$STATE_OIDC/audit.db" "SELECT group_concat(detail, ' ') FROM audit_log WHERE event = 'login_failed'")" \
    "(aud/azp)" "oidc: the audit says why (audience)"

idp_control '{"user":"carl","mode":"normal"}'
api GET "/login-url"
first_cookie=$(cookie_value catlens_login)
oidc_login carl normal >/dev/null
api GET "${CALLBACK#"$BASE"}" -H "Cookie: catlens_login=$first_cookie"
expect_status 401 "oidc: a state started in another browser is refused"

oidc_login nobody normal
expect_status 403 "oidc: an account without a catlens role is refused"
expect_contains "$(json_get error.message)" "no catlens role" "oidc: and told why"

api GET "/auth/callback?error=access_denied&state=x"
expect_status 401 "oidc: the provider saying no is a clear 401"

sleep 1 # past jwks_min_refresh_seconds
oidc_login rita rotate
expect_status 302 "oidc: after a key rotation the new key is fetched and the sign-in succeeds"
SID=$(cookie_value catlens_session)
api GET /auth-me -H "Cookie: catlens_session=$SID"
expect_eq "$(json_get role)|$(json_get scopes.regions)" 'regional_manager|["north_america"]' \
    "oidc: a regional manager's region comes from the group"
api GET "/login-url?user=leader"
expect_status 302 "oidc: ?user= does not sign anyone in directly"
case "$(header Location)" in "$IDP"*) pass "oidc: it goes to the provider instead" ;; *) fail "oidc: ?user= goes to the provider" ;; esac
stop_app
