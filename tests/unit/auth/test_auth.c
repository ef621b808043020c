/* Who sees what (the role × scope rule), sessions (rotation, expiry, single-use sign-in states),
 * the auth.* configuration (dev users, OIDC role rules, refusals) and the CSRF rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "store/sqlite.h"
#include "../support/tmpdir.h"

static cl_user_t *user(const char *json)
{
    json_t *doc = json_loads(json, 0, NULL);
    cl_user_t *u = NULL;
    cl_err_t err;
    if (cl_user_from_json(&u, doc, &err) != 0) {
        fail_msg("user: %s", err.msg);
    }
    json_decref(doc);
    return u;
}

static void test_user__roles_and_scopes(void **state)
{
    (void)state;
    cl_user_t *lead = user("{\"id\":\"l\",\"role\":\"leadership\"}");
    cl_user_t *cm =
        user("{\"id\":\"c\",\"role\":\"category_manager\",\"categories\":[\"electronics\"]}");
    cl_user_t *cm_eu =
        user("{\"id\":\"c2\",\"role\":\"category_manager\",\"categories\":[\"toys\"],"
             "\"regions\":[\"europe\"]}");
    cl_user_t *rm = user("{\"id\":\"r\",\"role\":\"regional_manager\",\"regions\":[\"europe\"]}");
    cl_user_t *admin = user("{\"id\":\"a\",\"role\":\"admin\"}");
    struct {
        cl_user_t *u;
        const char *cat, *reg;
        int ok;
    } m[] = {
        {lead, "electronics", "europe", 1},
        {lead, "toys", "all", 1},
        {cm, "electronics", "europe", 1},
        {cm, "electronics", "asia", 1},
        {cm, "toys", "europe", 0},
        {cm, "electronics", "all", 0},
        {cm_eu, "toys", "europe", 1},
        {cm_eu, "toys", "asia", 0},
        {rm, "toys", "europe", 1},
        {rm, "electronics", "europe", 1},
        {rm, "toys", "asia", 0},
        {rm, "toys", "all", 0},
        {admin, "toys", "europe", 0},
        {cm, "", "europe", 0},
        {cm, "electronics", "", 0},
    };
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        cl_err_t err;
        int rc = cl_user_may_view(m[i].u, m[i].cat, m[i].reg, &err);
        if ((rc == 0) != m[i].ok) {
            fail_msg("%s on %s × %s: %d", m[i].u->id, m[i].cat, m[i].reg, rc);
        }
        if (rc) {
            assert_int_equal(rc, CL_EFORBIDDEN);
        }
    }
    cl_err_t err;
    assert_int_equal(cl_user_may_view(cm, "toys", "europe", &err), CL_EFORBIDDEN);
    assert_string_equal(err.msg, "you may not see category 'toys'");
    assert_true(cl_user_sees_all_teams(lead) && cl_user_sees_all_teams(admin) &&
                !cl_user_sees_all_teams(cm));
    json_t *back = cl_user_to_json(cm_eu);
    assert_string_equal(json_string_value(json_object_get(back, "role")), "category_manager");
    assert_string_equal(json_string_value(json_array_get(json_object_get(back, "regions"), 0)),
                        "europe");
    json_decref(back);
    cl_user_t *bad = NULL;
    json_t *doc = json_loads("{\"id\":\"x\",\"role\":\"king\"}", 0, NULL);
    assert_int_equal(cl_user_from_json(&bad, doc, &err), CL_EINVAL);
    json_decref(doc);
    doc = json_loads("{\"id\":\"\",\"role\":\"admin\"}", 0, NULL);
    assert_int_equal(cl_user_from_json(&bad, doc, &err), CL_EINVAL);
    json_decref(doc);
    cl_user_free(lead);
    cl_user_free(cm);
    cl_user_free(cm_eu);
    cl_user_free(rm);
    cl_user_free(admin);
}

/* SQL run on a connection of its own, as another process (the sqlite3 shell, a second app) would:
 * such a change is seen by the lookups of every thread within a millisecond (PRAGMA data_version
 * of the store's watch connection is read at most once a millisecond for the process), so this
 * waits that long. */
static void age_rows(const char *path, const char *sql)
{
    cl_sqlite_t *db = NULL;
    assert_int_equal(cl_sqlite_open(&db, path, NULL, NULL), 0);
    assert_int_equal(cl_sqlite_exec(db, sql, NULL), 0);
    cl_sqlite_close(db);
    usleep(1500);
}

/* A new sessions store (idle 30 min, absolute 1 h) in a new temporary DIR, its file at PATH. */
static cl_sessions_t *sessions_in(char dir[256], char path[300])
{
    tmpdir_make(dir);
    snprintf(path, 300, "%s/sessions.db", dir);
    cl_sessions_t *s = NULL;
    cl_err_t err;
    cl_session_limits_t lim = {.idle_s = 1800, .absolute_s = 3600};
    assert_int_equal(cl_sessions_open(&s, path, &lim, &err), 0);
    return s;
}

static void test_session__rotation_expiry_and_single_use_states(void **state)
{
    (void)state;
    char dir[256], path[300];
    cl_sessions_t *s = sessions_in(dir, path);
    cl_err_t err;
    json_t *u = json_pack("{s:s,s:s}", "id", "catmgr", "role", "category_manager");
    cl_session_ticket_t t1, t2;
    assert_int_equal(cl_sessions_create(&t1, s, u, NULL, &err), 0);
    assert_int_equal(strlen(t1.id), CL_SESSION_TOKEN_LEN - 1);
    assert_string_not_equal(t1.id, t1.csrf);
    json_t *got = NULL;
    char csrf[CL_SESSION_TOKEN_LEN];
    assert_int_equal(cl_sessions_lookup(&got, csrf, s, t1.id, &err), 0);
    assert_string_equal(csrf, t1.csrf);
    assert_true(json_equal(got, u));
    json_decref(got);
    /* signing in again from the same browser replaces the old id */
    assert_int_equal(cl_sessions_create(&t2, s, u, t1.id, &err), 0);
    assert_string_not_equal(t1.id, t2.id);
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, t1.id, &err), CL_EUNAUTH);
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, t2.id, &err), 0);
    json_decref(got);
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, "short", &err), CL_EUNAUTH);
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, NULL, &err), CL_EUNAUTH);
    int64_t n = 0;
    assert_int_equal(cl_sessions_count(&n, s, &err), 0);
    assert_int_equal(n, 1);
    /* nothing in the database opens a session: ids are stored hashed */
    cl_sqlite_t *db = NULL;
    assert_int_equal(cl_sqlite_open(&db, path, NULL, &err), 0);
    cl_sqlite_stmt_t *st = NULL;
    assert_int_equal(
        cl_sqlite_prepare(&st, db, "SELECT count(*) FROM sessions WHERE id_hash = ?1", &err), 0);
    assert_int_equal(cl_sqlite_bind_text(st, 1, t2.id, &err), 0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    assert_int_equal(cl_sqlite_column_int64(st, 0), 0);
    cl_sqlite_reset(st);
    cl_sqlite_stmt_free(st);
    cl_sqlite_close(db);
    /* idle expiry, then absolute expiry */
    age_rows(path, "UPDATE sessions SET last_seen = last_seen - 1801");
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, t2.id, &err), CL_EUNAUTH);
    assert_non_null(strstr(err.msg, "expired"));
    assert_int_equal(cl_sessions_create(&t1, s, u, NULL, &err), 0);
    age_rows(path, "UPDATE sessions SET expires_at = expires_at - 3601");
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, t1.id, &err), CL_EUNAUTH);
    assert_int_equal(cl_sessions_create(&t1, s, u, NULL, &err), 0);
    assert_int_equal(cl_sessions_delete(s, t1.id, &err), 0);
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, t1.id, &err), CL_EUNAUTH);

    cl_login_state_t in = {.nonce = "n", .verifier = "v", .return_to = "/wbr"}, out;
    assert_int_equal(cl_sessions_put_login(s, "state-1", "browser-1", &in, &err), 0);
    assert_int_equal(cl_sessions_take_login(&out, s, "state-1", "browser-2", &err), CL_EUNAUTH);
    assert_non_null(strstr(err.msg, "another browser"));
    assert_int_equal(cl_sessions_take_login(&out, s, "state-1", "browser-1", &err),
                     CL_EUNAUTH); /* used */
    assert_int_equal(cl_sessions_put_login(s, "state-2", "browser-1", &in, &err), 0);
    assert_int_equal(cl_sessions_take_login(&out, s, "state-2", "browser-1", &err), 0);
    assert_string_equal(out.nonce, "n");
    assert_string_equal(out.verifier, "v");
    assert_string_equal(out.return_to, "/wbr");
    assert_int_equal(cl_sessions_take_login(&out, s, "state-2", "browser-1", &err),
                     CL_EUNAUTH); /* replayed */
    assert_int_equal(cl_sessions_put_login(s, "state-3", "b", &in, &err), 0);
    age_rows(path, "UPDATE login_states SET created_at = created_at - 601");
    assert_int_equal(cl_sessions_take_login(&out, s, "state-3", "b", &err), CL_EUNAUTH);
    assert_int_equal(cl_sessions_purge(s, &err), 0);
    json_decref(u);
    cl_sessions_close(s);
    tmpdir_remove(dir);
}

/* Hits and misses of S's session cache since the last call. */
static void cache_delta(cl_sessions_t *s, uint64_t *hits, uint64_t *misses)
{
    static uint64_t h0, m0;
    uint64_t h = 0, m = 0;
    cl_sessions_cache_stats(s, &h, &m);
    *hits = h - h0;
    *misses = m - m0;
    h0 = h;
    m0 = m;
}

static int lookup_rc(cl_sessions_t *s, const char *sid, const char **role)
{
    json_t *got = NULL;
    cl_err_t err;
    int rc = cl_sessions_lookup(&got, NULL, s, sid, &err);
    if (role) {
        static char buf[64];
        snprintf(buf, sizeof buf, "%s", rc ? "" : json_string_value(json_object_get(got, "role")));
        *role = buf;
    }
    json_decref(got);
    return rc;
}

static int64_t session_rows(const char *path)
{
    cl_sqlite_t *db = NULL;
    cl_sqlite_stmt_t *st = NULL;
    assert_int_equal(cl_sqlite_open(&db, path, NULL, NULL), 0);
    assert_int_equal(cl_sqlite_prepare(&st, db, "SELECT count(*) FROM sessions", NULL), 0);
    assert_int_equal(cl_sqlite_step(st, NULL), CL_SQLITE_ROW);
    int64_t n = cl_sqlite_column_int64(st, 0);
    cl_sqlite_reset(st);
    cl_sqlite_stmt_free(st);
    cl_sqlite_close(db);
    return n;
}

typedef struct {
    cl_sessions_t *s;
    const char *sid;
    int rc;
} other_thread_t;

static void *sign_out_elsewhere(void *p)
{
    other_thread_t *o = p;
    cl_err_t err;
    o->rc = cl_sessions_delete(o->s, o->sid, &err); /* through that thread's own connection */
    return NULL;
}

typedef struct {
    cl_sessions_t *s;
    const char *sid;
    int rc;
    char role[32];
} lookup_thread_t;

static void *lookup_elsewhere(void *p)
{
    lookup_thread_t *o = p;
    cl_err_t err;
    cl_user_t *u = NULL;
    o->rc = cl_sessions_lookup_user(&u, NULL, o->s, o->sid, &err);
    snprintf(o->role, sizeof o->role, "%s", u ? cl_role_name(u->role) : "");
    cl_user_free(u);
    return NULL;
}

/* The parsed user: made once per cached session and shared by the lookups that hit it (a
 * reference each), made again when the row changes; a malformed stored user is CL_EINVAL. A change
 * by another connection is seen by every thread, not only by the one whose lookup read the
 * version. */
static void test_session__lookup_user_is_parsed_once_and_shared(void **state)
{
    (void)state;
    char dir[256], path[300];
    cl_sessions_t *s = sessions_in(dir, path);
    cl_err_t err;
    json_t *u = json_pack("{s:s,s:s,s:[s]}", "id", "catmgr", "role", "category_manager",
                          "categories", "toys");
    cl_session_ticket_t t;
    assert_int_equal(cl_sessions_create(&t, s, u, NULL, &err), 0);
    cl_user_t *a = NULL, *b = NULL;
    char csrf[CL_SESSION_TOKEN_LEN];
    assert_int_equal(cl_sessions_lookup_user(&a, csrf, s, t.id, &err), 0);
    assert_string_equal(csrf, t.csrf);
    assert_string_equal(a->id, "catmgr");
    assert_int_equal(a->role, CL_ROLE_CATEGORY_MANAGER);
    assert_int_equal(a->n_categories, 1);
    assert_int_equal(cl_sessions_lookup_user(&b, NULL, s, t.id, &err), 0);
    assert_ptr_equal(a, b); /* the cache's, shared */
    cl_user_free(b);
    /* the JSON lookup of the same entry still works beside it */
    json_t *got = NULL;
    assert_int_equal(cl_sessions_lookup(&got, NULL, s, t.id, &err), 0);
    assert_true(json_equal(got, u));
    json_decref(got);

    /* another connection changes the role: this thread and another both see it */
    lookup_thread_t o = {s, t.id, -1, ""};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, lookup_elsewhere, &o), 0); /* its cache: filled */
    pthread_join(th, NULL);
    assert_int_equal(o.rc, 0);
    assert_string_equal(o.role, "category_manager");
    age_rows(path, "UPDATE sessions SET user_json = json_set(user_json, '$.role', 'admin')");
    assert_int_equal(cl_sessions_lookup_user(&b, NULL, s, t.id, &err), 0); /* reads the version */
    assert_ptr_not_equal(a, b);
    assert_int_equal(b->role, CL_ROLE_ADMIN);
    assert_int_equal(a->role, CL_ROLE_CATEGORY_MANAGER); /* a reference outlives its entry */
    cl_user_free(a);
    cl_user_free(b);
    o.rc = -1;
    assert_int_equal(pthread_create(&th, NULL, lookup_elsewhere, &o), 0);
    pthread_join(th, NULL);
    assert_int_equal(o.rc, 0);
    assert_string_equal(o.role, "admin");

    /* a stored user that is no user */
    age_rows(path, "UPDATE sessions SET user_json = '{\"role\":\"nobody\"}'");
    assert_int_equal(cl_sessions_lookup_user(&a, NULL, s, t.id, &err), CL_EINVAL);
    assert_null(a);
    assert_int_equal(cl_sessions_delete(s, t.id, &err), 0);
    assert_int_equal(cl_sessions_lookup_user(&a, NULL, s, t.id, &err), CL_EUNAUTH);
    json_decref(u);
    cl_sessions_close(s);
    tmpdir_remove(dir);
}

static void test_session__cache_is_checked_on_every_lookup(void **state)
{
    (void)state;
    char dir[256], path[300];
    cl_sessions_t *s = sessions_in(dir, path);
    cl_err_t err;
    json_t *u = json_pack("{s:s,s:s}", "id", "catmgr", "role", "category_manager");
    uint64_t hits, misses;
    cache_delta(s, &hits, &misses);

    /* the hit path: read once, then served from the cache, the same user and token */
    cl_session_ticket_t t;
    assert_int_equal(cl_sessions_create(&t, s, u, NULL, &err), 0);
    for (int i = 0; i < 3; i++) {
        json_t *got = NULL;
        char csrf[CL_SESSION_TOKEN_LEN];
        assert_int_equal(cl_sessions_lookup(&got, csrf, s, t.id, &err), 0);
        assert_true(json_equal(got, u));
        assert_string_equal(csrf, t.csrf);
        json_decref(got);
    }
    cache_delta(s, &hits, &misses);
    assert_int_equal(misses, 1);
    assert_int_equal(hits, 2);

    /* another connection (another process would be the same: the sqlite3 shell, a second app)
     * changes the row, then deletes it: each is seen by the next lookup a millisecond later */
    age_rows(path, "UPDATE sessions SET user_json = json_set(user_json, '$.role', 'admin')");
    const char *role = NULL;
    assert_int_equal(lookup_rc(s, t.id, &role), 0);
    assert_string_equal(role, "admin");
    assert_int_equal(lookup_rc(s, t.id, NULL), 0);
    cache_delta(s, &hits, &misses);
    assert_int_equal(misses, 1);
    assert_int_equal(hits, 1);
    age_rows(path, "DELETE FROM sessions");
    assert_int_equal(lookup_rc(s, t.id, NULL), CL_EUNAUTH);

    /* sign-out then reuse: on this thread (its own write), and on another thread */
    assert_int_equal(cl_sessions_create(&t, s, u, NULL, &err), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), 0);
    assert_int_equal(cl_sessions_delete(s, t.id, &err), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), CL_EUNAUTH);
    assert_int_equal(cl_sessions_create(&t, s, u, NULL, &err), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), 0);
    other_thread_t o = {s, t.id, -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, sign_out_elsewhere, &o), 0);
    pthread_join(th, NULL);
    assert_int_equal(o.rc, 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), CL_EUNAUTH);

    /* rotation at sign-in ends the cached session it replaces */
    cl_session_ticket_t t2;
    assert_int_equal(cl_sessions_create(&t, s, u, NULL, &err), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), 0);
    assert_int_equal(cl_sessions_create(&t2, s, u, t.id, &err), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), CL_EUNAUTH);
    assert_int_equal(lookup_rc(s, t2.id, NULL), 0);

    /* bounded: many more sessions than the cache holds are all still right */
    enum { MANY = 600 };
    static cl_session_ticket_t many[MANY];
    for (int i = 0; i < MANY; i++) {
        assert_int_equal(cl_sessions_create(&many[i], s, u, NULL, &err), 0);
    }
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < MANY; i++) {
            assert_int_equal(lookup_rc(s, many[i].id, NULL), 0);
        }
    }
    assert_int_equal(cl_sessions_delete(s, many[0].id, &err), 0);
    assert_int_equal(lookup_rc(s, many[0].id, NULL), CL_EUNAUTH);
    assert_int_equal(lookup_rc(s, many[MANY - 1].id, NULL), 0);
    cl_sessions_close(s);

    /* idle expiry from the cached timestamps: nothing in the file changes, the cached session
     * still ends once it has been idle too long */
    /* 2 s, not 1: timestamps are whole seconds, so a create and lookup that straddle one second
     * boundary are 1 s apart on paper; a 1 s limit would end the session between them */
    cl_session_limits_t lim = {.idle_s = 2, .absolute_s = 3600};
    assert_int_equal(cl_sessions_open(&s, path, &lim, &err), 0);
    cache_delta(s, &hits, &misses);
    assert_int_equal(cl_sessions_create(&t, s, u, NULL, &err), 0);
    assert_int_equal(lookup_rc(s, t.id, NULL), 0);
    cache_delta(s, &hits, &misses);
    assert_int_equal(misses, 1);
    usleep(2100 * 1000); /* past the 2 s idle limit (time() has moved on by at least 2) */
    int64_t rows = session_rows(path);
    assert_int_equal(lookup_rc(s, t.id, NULL), CL_EUNAUTH);
    cache_delta(s, &hits, &misses);
    assert_int_equal(hits, 1); /* decided from the cache */
    assert_int_equal(misses, 0);
    assert_int_equal(session_rows(path), rows - 1); /* and the expired row is deleted */
    json_decref(u);
    cl_sessions_close(s);
    tmpdir_remove(dir);
}

static cl_config_t *config(const char *dir, const char *auth_yaml, const char *env, int *rc_out)
{
    char text[4096], path[300];
    snprintf(text, sizeof text,
             "env: %s\npaths: {source: s, warehouse: w, state: %s/state, metrics: m, pipelines: p, "
             "prompts: q, "
             "models: x, web: y}\napp: {host: 127.0.0.1, port: 1, threads: 1}\n"
             "ai: {host: 127.0.0.1, port: 2, url: 'http://127.0.0.1:2', timeout_ms: 1000}\n%s\n"
             "cache: {redis_url: ''}\nlog: {level: info}\n"
             "etl: {pipeline: demo, threads: 1, memory_limit: 1GB, history_weeks: 60}\n",
             env, dir, auth_yaml);
    tmpdir_write(dir, "catlens.yaml", text);
    snprintf(path, sizeof path, "%s/catlens.yaml", dir);
    cl_config_t *cfg = NULL;
    cl_err_t err;
    *rc_out = cl_config_load(&cfg, path, env, &err);
    return cfg;
}

static int open_auth(cl_auth_t **a, const char *dir, const char *auth_yaml, const char *env,
                     cl_err_t *err)
{
    int rc = 0;
    cl_config_t *cfg = config(dir, auth_yaml, env, &rc);
    if (rc == 0) {
        rc = cl_auth_open(a, cfg, err);
    }
    cl_config_free(cfg);
    return rc;
}

static void test_auth__dev_users_and_refusals(void **state)
{
    (void)state;
    char dir[256];
    tmpdir_make(dir);
    cl_auth_t *a = NULL;
    cl_err_t err;
    assert_int_equal(
        open_auth(&a, dir,
                  "auth: {mode: dev, users: [{id: leader, name: Lea, role: leadership},"
                  " {id: catmgr, role: category_manager, categories: [electronics]}]}",
                  "dev", &err),
        0);
    assert_int_equal(cl_auth_mode(a), CL_AUTH_DEV);
    assert_true(cl_auth_cookie_secure(a));
    json_t *u = NULL;
    assert_int_equal(cl_auth_dev_user(&u, a, "catmgr", &err), 0);
    assert_string_equal(json_string_value(json_object_get(u, "role")), "category_manager");
    json_decref(u);
    assert_int_equal(cl_auth_dev_user(&u, a, "nobody", &err), CL_ENOTFOUND);
    assert_null(cl_auth_oidc(a));
    cl_auth_close(a);

    const char *bad[] = {
        "auth: {mode: dev, users: [{id: x, role: emperor}]}",
        "auth: {mode: dev, users: [{id: x, role: admin, colour: red}]}",
        "auth: {mode: dev, users: [], session: {idle_minutes: 0}}",
        "auth: {mode: dev, users: [], session: {sliding: 1}}",
        "auth: {mode: oidc, users: []}",
        "auth: {mode: oidc, oidc: {issuer: 'http://idp.example.com', client_id: c, redirect_uri: "
        "'https://app/cb', roles: []}}",
        "auth: {mode: oidc, oidc: {issuer: 'https://idp', client_id: c, redirect_uri: "
        "'https://app/cb', "
        "roles: [{group: g, group_prefix: p, role: admin}]}}",
        "auth: {mode: oidc, oidc: {issuer: 'https://idp', client_id: c, redirect_uri: "
        "'https://app/cb', "
        "roles: [{group: g, role: boss}]}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        a = NULL;
        int rc = open_auth(&a, dir, bad[i], "dev", &err);
        if (rc != CL_ECONFIG) {
            fail_msg("accepted (%d): %s", rc, bad[i]);
        }
        cl_auth_close(a);
    }
    int rc = 0;
    cl_config_t *cfg = config(dir, "auth: {mode: dev, users: []}", "prod", &rc);
    assert_int_equal(rc, CL_ECONFIG); /* dev sign-in is refused in prod */
    cl_config_free(cfg);
    a = NULL;
    assert_int_equal(
        open_auth(&a, dir,
                  "auth: {mode: oidc, oidc: {issuer: 'https://idp', client_id: c, "
                  "redirect_uri: 'https://app/cb', roles: []}, session: {cookie_secure: false}}",
                  "staging", &err),
        CL_ECONFIG);
    cl_auth_close(a);
    tmpdir_remove(dir);
}

static void test_auth__oidc_groups_map_to_roles_and_scopes(void **state)
{
    (void)state;
    char dir[256];
    tmpdir_make(dir);
    cl_auth_t *a = NULL;
    cl_err_t err;
    assert_int_equal(
        open_auth(
            &a, dir,
            "auth:\n  mode: oidc\n  oidc:\n    issuer: 'http://127.0.0.1:9/'\n"
            "    client_id: catlens\n    redirect_uri: 'http://127.0.0.1:8/auth/callback'\n"
            "    team_claim: department\n    roles:\n"
            "      - {group: vp, role: leadership}\n"
            "      - {group_prefix: 'cm-', role: category_manager, scope_from_group: categories}\n"
            "      - {group: cm-extra, role: category_manager, regions: [europe], team: buyers}\n"
            "      - {group: rm-eu, role: regional_manager, regions: [europe]}\n",
            "dev", &err),
        0);
    assert_non_null(cl_auth_oidc(a));
    json_t *claims = json_loads(
        "{\"sub\":\"u-7\",\"name\":\"Ann\",\"email\":\"ann@x\",\"groups\":[\"staff\",\"cm-toys\","
        "\"cm-books\",\"rm-eu\"]}",
        0, NULL);
    json_t *u = NULL;
    assert_int_equal(cl_auth_map_claims(&u, a, claims, &err), 0);
    cl_user_t *usr = NULL;
    assert_int_equal(cl_user_from_json(&usr, u, &err), 0);
    assert_int_equal(usr->role, CL_ROLE_CATEGORY_MANAGER); /* first matching rule decides */
    assert_string_equal(usr->id, "u-7");
    assert_string_equal(usr->email, "ann@x");
    assert_int_equal(usr->n_categories, 2);
    assert_true(cl_user_sees_category(usr, "toys") && cl_user_sees_category(usr, "books"));
    assert_int_equal(usr->n_regions, 0); /* the regional rule is another role: not merged */
    cl_user_free(usr);
    json_decref(u);
    json_decref(claims);
    claims = json_loads("{\"sub\":\"u-8\",\"department\":\"finance\",\"groups\":\"vp\"}", 0, NULL);
    assert_int_equal(cl_auth_map_claims(&u, a, claims, &err), 0);
    assert_string_equal(json_string_value(json_object_get(u, "role")), "leadership");
    assert_string_equal(json_string_value(json_object_get(u, "team")), "finance");
    json_decref(u);
    json_decref(claims);
    claims = json_loads("{\"sub\":\"u-9\",\"groups\":[\"staff\",\"cm-\"]}", 0, NULL);
    assert_int_equal(cl_auth_map_claims(&u, a, claims, &err), CL_EFORBIDDEN);
    assert_null(u);
    json_decref(claims);
    cl_auth_close(a);
    tmpdir_remove(dir);
}

static void test_auth__csrf_rule(void **state)
{
    (void)state;
    cl_err_t err;
    const char *tok = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    assert_int_equal(cl_auth_check_csrf(tok, tok, NULL, NULL, "127.0.0.1:8080", &err), 0);
    assert_int_equal(cl_auth_check_csrf(tok, tok, "http://127.0.0.1:8080", "same-origin",
                                        "127.0.0.1:8080", &err),
                     0);
    assert_int_equal(cl_auth_check_csrf(NULL, tok, NULL, NULL, "h", &err), CL_EFORBIDDEN);
    assert_int_equal(cl_auth_check_csrf("", tok, NULL, NULL, "h", &err), CL_EFORBIDDEN);
    assert_int_equal(cl_auth_check_csrf("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", tok, NULL,
                                        NULL, "h", &err),
                     CL_EFORBIDDEN);
    assert_int_equal(cl_auth_check_csrf(tok, NULL, NULL, NULL, "h", &err), CL_EFORBIDDEN);
    assert_int_equal(
        cl_auth_check_csrf(tok, tok, "https://evil.example", NULL, "127.0.0.1:8080", &err),
        CL_EFORBIDDEN);
    assert_int_equal(cl_auth_check_csrf(tok, tok, "null", NULL, "127.0.0.1:8080", &err),
                     CL_EFORBIDDEN);
    assert_int_equal(cl_auth_check_csrf(tok, tok, NULL, "cross-site", "127.0.0.1:8080", &err),
                     CL_EFORBIDDEN);
    assert_int_equal(cl_auth_check_csrf(tok, tok, NULL, "same-site", "127.0.0.1:8080", &err),
                     CL_EFORBIDDEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user__roles_and_scopes),
        cmocka_unit_test(test_session__rotation_expiry_and_single_use_states),
        cmocka_unit_test(test_session__cache_is_checked_on_every_lookup),
        cmocka_unit_test(test_session__lookup_user_is_parsed_once_and_shared),
        cmocka_unit_test(test_auth__dev_users_and_refusals),
        cmocka_unit_test(test_auth__oidc_groups_map_to_roles_and_scopes),
        cmocka_unit_test(test_auth__csrf_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
