/* ledger.c — money in SQLite. The check "is there budget left" and the write "this much is now
 * taken" happen in one BEGIN IMMEDIATE transaction, which holds the database's write lock: two
 * requests can never both see the last credit as free. Spend is kept as running totals per period
 * so the check reads two rows, not the history. */
#include "ai/ledger.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "store/sqlite.h"

/* A settlement waiting for the group commit. */
struct pending {
    const char *id;
    const cl_ledger_entry_t *entry;
    int64_t now_ms;
    int rc;
    cl_err_t err;
    int done;
    struct pending *next;
};

struct cl_ledger {
    cl_sqlite_pool_t *pool; /* synchronous=FULL: settlements and audit rows survive a power loss */
    cl_sqlite_pool_t
        *reserves; /* synchronous=NORMAL: a reservation lost with the machine frees credit that no
                      running call can still spend, so it needs no fsync of its own */
    cl_budget_policy_t policy;
    pthread_mutex_t lock; /* the settlement queue */
    pthread_cond_t settled;
    struct pending *queue;
    int committing; /* a thread is writing a batch */
};

static const cl_sqlite_migration_t MIGRATIONS[] = {
    {"ai_ledger", 1,
     "CREATE TABLE ai_calls ("
     " id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT, job_id TEXT, user_id TEXT "
     "NOT NULL,"
     " team TEXT NOT NULL, role TEXT, model TEXT, provider TEXT, prompt_version TEXT, status TEXT "
     "NOT NULL,"
     " prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,"
     " cached_tokens INTEGER NOT NULL DEFAULT 0, reasoning_tokens INTEGER NOT NULL DEFAULT 0,"
     " cost_micros INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0, input_hash TEXT,"
     " output_hash TEXT, checks TEXT);"
     "CREATE INDEX ai_calls_user ON ai_calls(user_id, ts_ms);"
     "CREATE INDEX ai_calls_team ON ai_calls(team, ts_ms);"
     "CREATE TABLE ai_spend (scope TEXT NOT NULL, key TEXT NOT NULL, period TEXT NOT NULL,"
     " spent_micros INTEGER NOT NULL, PRIMARY KEY (scope, key, period));"
     "CREATE TABLE ai_reservations (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, team TEXT NOT NULL,"
     " amount INTEGER NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
     "CREATE INDEX ai_reservations_user ON ai_reservations(user_id);"
     "CREATE INDEX ai_reservations_team ON ai_reservations(team);"},
};

static int read_limit(int64_t *out, json_t *obj, const char *key, int64_t def, cl_err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < -1) {
        return cl_err_set(err, CL_ECONFIG,
                          "ai.budgets.%s must be an integer of micro-units (-1: unlimited)", key);
    }
    *out = json_integer_value(v);
    return 0;
}

int cl_budget_policy_read(cl_budget_policy_t *out, json_t *section, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *period = json_string_value(json_object_get(section, "period"));
    if (!period || strcmp(period, "month") == 0) {
        out->period = CL_PERIOD_MONTH;
    } else if (strcmp(period, "week") == 0) {
        out->period = CL_PERIOD_WEEK;
    } else if (strcmp(period, "day") == 0) {
        out->period = CL_PERIOD_DAY;
    } else {
        return cl_err_set(err, CL_ECONFIG, "ai.budgets.period must be month, week or day");
    }
    int64_t ttl = 0;
    int rc = read_limit(&out->user_default, section, "user_micros", 5000000, err);
    rc = rc ? rc : read_limit(&out->team_default, section, "team_micros", 50000000, err);
    rc = rc ? rc : read_limit(&ttl, section, "reservation_ttl_ms", 600000, err);
    if (rc != 0) {
        return rc;
    }
    out->reservation_ttl_ms = ttl > 0 ? (int)ttl : 600000;
    out->user_limits = json_object_get(section, "users");
    out->team_limits = json_object_get(section, "teams");
    const char *k;
    json_t *v;
    json_t *maps[] = {out->user_limits, out->team_limits};
    for (size_t i = 0; i < 2; i++) {
        json_object_foreach(maps[i], k, v)
        {
            if (!json_is_integer(v) || json_integer_value(v) < -1) {
                return cl_err_set(err, CL_ECONFIG,
                                  "ai.budgets.%s.%s must be an integer of micro-units",
                                  i ? "teams" : "users", k);
            }
        }
    }
    return 0;
}

void cl_ledger_period_key(char out[16], cl_period_t period, int64_t now_ms)
{
    time_t s = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    if (period == CL_PERIOD_WEEK) {
        char key[CL_WEEK_KEY_LEN];
        cl_week_format(key, cl_week_of_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
        snprintf(out, 16, "%s", key);
    } else if (period == CL_PERIOD_DAY) {
        snprintf(out, 16, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    } else {
        snprintf(out, 16, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    }
}

int cl_ledger_open(cl_ledger_t **out, const char *path, const cl_budget_policy_t *policy,
                   cl_err_t *err)
{
    *out = NULL;
    cl_ledger_t *l = calloc(1, sizeof *l);
    if (!l) {
        return cl_err_set(err, CL_ENOMEM, "ledger: out of memory");
    }
    l->policy = *policy;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->settled, NULL);
    cl_sqlite_options_t opt = {CL_SQLITE_SYNC_FULL, 10000, 0, MIGRATIONS, CL_ARRAY_LEN(MIGRATIONS)};
    cl_sqlite_options_t fast = opt;
    fast.sync = CL_SQLITE_SYNC_NORMAL;
    int rc = cl_sqlite_pool_new(&l->pool, path, &opt, err);
    rc = rc ? rc : cl_sqlite_pool_new(&l->reserves, path, &fast, err);
    if (rc != 0) {
        cl_ledger_close(l);
        return rc;
    }
    *out = l;
    return 0;
}

void cl_ledger_close(cl_ledger_t *l)
{
    if (l) {
        cl_sqlite_pool_free(l->reserves);
        cl_sqlite_pool_free(l->pool);
        pthread_cond_destroy(&l->settled);
        pthread_mutex_destroy(&l->lock);
        free(l);
    }
}

static int64_t limit_of(json_t *map, const char *key, int64_t def)
{
    json_t *v = json_object_get(map, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

/* One integer from SQL with two text parameters. */
static int scalar2(int64_t *out, cl_sqlite_t *db, const char *sql, const char *a, const char *b,
                   cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db, sql, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, a, err);
    rc = rc ? rc : (b ? cl_sqlite_bind_text(st, 2, b, err) : 0);
    if (rc != 0) {
        return rc;
    }
    rc = cl_sqlite_step(st, err);
    *out = rc == CL_SQLITE_ROW ? cl_sqlite_column_int64(st, 0) : 0;
    if (rc == CL_SQLITE_ROW) {
        cl_sqlite_reset(st);
        rc = 0;
    }
    return rc;
}

static void new_id(char id[33])
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(raw, &ts, sizeof raw < sizeof ts ? sizeof raw : sizeof ts);
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    }
}

static int run_sql(cl_sqlite_t *db, const char *sql, const char *const *texts, size_t nt,
                   const int64_t *ints, size_t ni, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db, sql, err);
    for (size_t i = 0; rc == 0 && i < nt; i++) {
        rc = texts[i] ? cl_sqlite_bind_text(st, (int)i + 1, texts[i], err)
                      : cl_sqlite_bind_null(st, (int)i + 1, err);
    }
    for (size_t i = 0; rc == 0 && i < ni; i++) {
        rc = cl_sqlite_bind_int64(st, (int)(nt + i) + 1, ints[i], err);
    }
    return rc ? rc : cl_sqlite_run(st, err);
}

struct standing {
    int64_t spent, reserved, limit;
};

/* Spend (this period), open reservations and limit of one user or team. */
static int standing_of(struct standing *s, cl_sqlite_t *db, const cl_ledger_t *l, int team,
                       const char *key, const char *period, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc =
        cl_sqlite_cached(&st, db,
                         "SELECT COALESCE(SUM(spent_micros), 0) FROM ai_spend WHERE scope = ?1 AND "
                         "key = ?2 AND period = ?3",
                         err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, team ? "team" : "user", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 2, key, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 3, period, err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc < 0) {
        return rc;
    }
    /* SUM without GROUP BY always yields its one row; no row would mean nothing spent */
    s->spent = rc == CL_SQLITE_ROW ? cl_sqlite_column_int64(st, 0) : 0;
    if (rc == CL_SQLITE_ROW) {
        cl_sqlite_reset(st);
    }
    rc = scalar2(&s->reserved, db,
                 team ? "SELECT COALESCE(SUM(amount), 0) FROM ai_reservations WHERE team = ?1"
                      : "SELECT COALESCE(SUM(amount), 0) FROM ai_reservations WHERE user_id = ?1",
                 key, NULL, err);
    s->limit = team ? limit_of(l->policy.team_limits, key, l->policy.team_default)
                    : limit_of(l->policy.user_limits, key, l->policy.user_default);
    return rc;
}

static int check_scope(cl_sqlite_t *db, const cl_ledger_t *l, int team, const char *key,
                       const char *period, int64_t amount, cl_err_t *err)
{
    struct standing s;
    int rc = standing_of(&s, db, l, team, key, period, err);
    if (rc != 0) {
        return rc;
    }
    if (s.limit >= 0 && s.spent + s.reserved + amount > s.limit) {
        int64_t left = s.limit - s.spent - s.reserved;
        return cl_err_set(
            err, CL_EBUDGET, "%s budget exhausted: %lld micros left this period, %lld needed",
            team ? "team" : "user", (long long)(left > 0 ? left : 0), (long long)amount);
    }
    return 0;
}

int cl_ledger_reserve(char id[33], cl_ledger_t *l, const char *user, const char *team,
                      int64_t amount, int64_t now_ms, cl_err_t *err)
{
    id[0] = '\0';
    if (amount <= 0) {
        return 0;
    }
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, l->reserves, err);
    rc = rc ? rc : cl_sqlite_begin(db, err);
    if (rc != 0) {
        return rc;
    }
    char period[16];
    cl_ledger_period_key(period, l->policy.period, now_ms);
    int64_t now = now_ms;
    rc = run_sql(db, "DELETE FROM ai_reservations WHERE expires_ms <= ?1", NULL, 0, &now, 1, err);
    rc = rc ? rc : check_scope(db, l, 0, user, period, amount, err);
    rc = rc ? rc : check_scope(db, l, 1, team, period, amount, err);
    if (rc == 0) {
        new_id(id);
        const char *texts[] = {id, user, team};
        int64_t ints[] = {amount, now_ms, now_ms + l->policy.reservation_ttl_ms};
        rc = run_sql(
            db,
            "INSERT INTO ai_reservations (id, user_id, team, amount, created_ms, expires_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            texts, 3, ints, 3, err);
    }
    rc = rc ? rc : cl_sqlite_commit(db, err);
    if (rc != 0) {
        cl_sqlite_rollback(db);
        id[0] = '\0';
    }
    return rc;
}

static int insert_call(cl_sqlite_t *db, const cl_ledger_entry_t *e, int64_t now_ms, cl_err_t *err)
{
    const char *texts[] = {e->request_id, e->job_id,         e->user,
                           e->team,       e->role,           e->model,
                           e->provider,   e->prompt_version, e->status ? e->status : "ok",
                           e->input_hash, e->output_hash,    e->checks};
    int64_t ints[] = {now_ms,           e->prompt_tokens,    e->completion_tokens,
                      e->cached_tokens, e->reasoning_tokens, e->cost_micros,
                      e->cached};
    return run_sql(db,
                   "INSERT INTO ai_calls (request_id, job_id, user_id, team, role, model, "
                   "provider, prompt_version,"
                   " status, input_hash, output_hash, checks, ts_ms, prompt_tokens, "
                   "completion_tokens, cached_tokens,"
                   " reasoning_tokens, cost_micros, cached) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                   "?8, ?9, ?10, ?11, ?12,"
                   " ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                   texts, CL_ARRAY_LEN(texts), ints, CL_ARRAY_LEN(ints), err);
}

static int add_spend(cl_sqlite_t *db, const char *scope, const char *key, const char *period,
                     int64_t cost, cl_err_t *err)
{
    const char *texts[] = {scope, key, period};
    return run_sql(
        db,
        "INSERT INTO ai_spend (scope, key, period, spent_micros) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (scope, key, period) DO UPDATE SET spent_micros = spent_micros + "
        "excluded.spent_micros",
        texts, 3, &cost, 1, err);
}

/* One settlement inside the open transaction of DB. */
static int apply_settlement(cl_sqlite_t *db, const cl_ledger_t *l, const struct pending *p,
                            cl_err_t *err)
{
    char period[16];
    cl_ledger_period_key(period, l->policy.period, p->now_ms);
    int rc = 0;
    if (p->id && *p->id) {
        const char *texts[] = {p->id};
        rc = run_sql(db, "DELETE FROM ai_reservations WHERE id = ?1", texts, 1, NULL, 0, err);
    }
    if (rc == 0 && p->entry->cost_micros > 0) {
        rc = add_spend(db, "user", p->entry->user, period, p->entry->cost_micros, err);
        rc = rc ? rc : add_spend(db, "team", p->entry->team, period, p->entry->cost_micros, err);
    }
    return rc ? rc : insert_call(db, p->entry, p->now_ms, err);
}

/* Write BATCH in one transaction; on failure, each entry in its own, so one bad entry fails alone.
 */
static void write_batch(cl_ledger_t *l, struct pending *batch)
{
    cl_sqlite_t *db = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_sqlite_pool_get(&db, l->pool, &err);
    rc = rc ? rc : cl_sqlite_begin(db, &err);
    for (struct pending *p = batch; rc == 0 && p; p = p->next) {
        rc = apply_settlement(db, l, p, &err);
    }
    rc = rc ? rc : cl_sqlite_commit(db, &err);
    if (rc == 0) {
        for (struct pending *p = batch; p; p = p->next) {
            p->rc = 0;
        }
        return;
    }
    if (db) {
        cl_sqlite_rollback(db);
    }
    for (struct pending *p = batch; p; p = p->next) {
        cl_err_clear(&p->err);
        p->rc = db ? cl_sqlite_begin(db, &p->err) : rc;
        p->rc = p->rc ? p->rc : apply_settlement(db, l, p, &p->err);
        p->rc = p->rc ? p->rc : cl_sqlite_commit(db, &p->err);
        if (p->rc != 0 && db) {
            cl_sqlite_rollback(db);
        }
        if (p->rc != 0 && !db) {
            p->err = err;
        }
    }
}

int cl_ledger_settle(cl_ledger_t *l, const char *id, const cl_ledger_entry_t *e, int64_t now_ms,
                     cl_err_t *err)
{
    /* Group commit: settlements that arrive while one batch is being written go into the next one,
     * so many concurrent summaries share one fsync instead of queueing for one each. Every caller
     * still returns only once its own row is durable. */
    struct pending me = {id, e, now_ms, 0, {0, ""}, 0, NULL};
    pthread_mutex_lock(&l->lock);
    me.next = l->queue;
    l->queue = &me;
    while (!me.done && l->committing) {
        pthread_cond_wait(&l->settled, &l->lock);
    }
    while (!me.done) { /* this thread writes the queue, its own entry included */
        l->committing = 1;
        struct pending *batch = l->queue;
        l->queue = NULL;
        pthread_mutex_unlock(&l->lock);
        write_batch(l, batch);
        pthread_mutex_lock(&l->lock);
        for (struct pending *p = batch; p; p = p->next) {
            p->done = 1;
        }
        l->committing = 0;
        pthread_cond_broadcast(&l->settled);
    }
    pthread_mutex_unlock(&l->lock);
    if (me.rc != 0 && err) {
        *err = me.err;
    }
    return me.rc;
}

int cl_ledger_audit(cl_ledger_t *l, const cl_ledger_entry_t *e, int64_t now_ms, cl_err_t *err)
{
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, l->pool, err);
    return rc ? rc : insert_call(db, e, now_ms, err);
}

static json_t *standing_json(const char *key, const struct standing *s)
{
    int64_t left = s->limit < 0 ? -1 : s->limit - s->spent - s->reserved;
    return json_pack("{s:s,s:I,s:I,s:I,s:I}", "id", key, "spent_micros", (json_int_t)s->spent,
                     "reserved_micros", (json_int_t)s->reserved, "limit_micros",
                     (json_int_t)s->limit, "remaining_micros", (json_int_t)(left < -1 ? 0 : left));
}

int cl_ledger_usage(json_t **out, cl_ledger_t *l, const char *user, const char *team,
                    int64_t now_ms, cl_err_t *err)
{
    *out = NULL;
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, l->pool, err);
    char period[16];
    cl_ledger_period_key(period, l->policy.period, now_ms);
    int64_t now = now_ms;
    rc = rc ? rc
            : run_sql(db, "DELETE FROM ai_reservations WHERE expires_ms <= ?1", NULL, 0, &now, 1,
                      err);
    struct standing su, st;
    rc = rc ? rc : standing_of(&su, db, l, 0, user, period, err);
    rc = rc ? rc : standing_of(&st, db, l, 1, team, period, err);
    if (rc != 0) {
        return rc;
    }
    *out = json_pack("{s:s,s:o,s:o}", "period", period, "user", standing_json(user, &su), "team",
                     standing_json(team, &st));
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "ledger: out of memory");
}

/* The teams that spent or hold a reservation in PERIOD, or have a limit of their own, sorted. */
static int team_names(json_t *out, cl_sqlite_t *db, const cl_ledger_t *l, const char *period,
                      cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db,
                              "SELECT key FROM ai_spend WHERE scope = 'team' AND period = ?1 "
                              "UNION SELECT team FROM ai_reservations ORDER BY 1",
                              err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, period, err);
    while (rc == 0 && (rc = cl_sqlite_step(st, err)) == CL_SQLITE_ROW) {
        json_array_append_new(out, json_string(cl_sqlite_column_text(st, 0)));
        rc = 0;
    }
    if (rc == CL_SQLITE_DONE) {
        rc = 0;
    }
    const char *k;
    json_t *v;
    json_object_foreach(l->policy.team_limits, k, v)
    {
        size_t i;
        json_t *have;
        int seen = 0;
        json_array_foreach(out, i, have)
        {
            seen |= strcmp(json_string_value(have), k) == 0;
        }
        if (!seen) {
            json_array_append_new(out, json_string(k));
        }
    }
    return rc;
}

int cl_ledger_teams(json_t **out, cl_ledger_t *l, int64_t now_ms, cl_err_t *err)
{
    *out = NULL;
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, l->pool, err);
    char period[16];
    cl_ledger_period_key(period, l->policy.period, now_ms);
    int64_t now = now_ms;
    rc = rc ? rc
            : run_sql(db, "DELETE FROM ai_reservations WHERE expires_ms <= ?1", NULL, 0, &now, 1,
                      err);
    json_t *names = json_array(), *teams = json_array();
    rc = rc ? rc : team_names(names, db, l, period, err);
    size_t i;
    json_t *name;
    json_array_foreach(names, i, name)
    {
        struct standing s;
        if (rc == 0 &&
            (rc = standing_of(&s, db, l, 1, json_string_value(name), period, err)) == 0) {
            json_array_append_new(teams, standing_json(json_string_value(name), &s));
        }
    }
    json_decref(names);
    if (rc != 0) {
        json_decref(teams);
        return rc;
    }
    *out = teams;
    return 0;
}

int cl_ledger_open_reservations(int64_t *out, cl_ledger_t *l, int64_t now_ms, cl_err_t *err)
{
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, l->pool, err);
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    return rc ? rc
              : scalar2(
                    out, db,
                    "SELECT COUNT(*) FROM ai_reservations WHERE expires_ms > CAST(?1 AS INTEGER)",
                    now, NULL, err);
}
