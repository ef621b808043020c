/* pipeline.c — a pipeline file is code that operators edit: every mistake in it must be caught
 * when it is loaded, with the file and key named, before a multi-minute run starts. */
#include "etl/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/file.h"
#include "core/yaml.h"

#define PIPELINE_MAX_BYTES ((size_t)1024 * 1024)

const char *const cl_pipeline_builtin_params[] = {
    "week",     "first_week", "first_week_start", "week_start",
    "week_end", "source",     "history_weeks",    NULL,
};

/* What a validation error needs: the file name and the path of the key being read. */
typedef struct {
    const char *file;
    cl_err_t *err;
} ctx_t;

static int bad(ctx_t *c, const char *key, const char *what)
{
    return cl_err_set(c->err, CL_EINVAL, "%s: %s: %s", c->file, key, what);
}

int cl_pipeline_is_ident(const char *s)
{
    size_t n = 0;
    if (!s || !((*s >= 'a' && *s <= 'z') || *s == '_')) {
        return 0;
    }
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
            return 0;
        }
    }
    return n < CL_PIPELINE_IDENT_MAX;
}

static int is_builtin(const char *name)
{
    for (size_t i = 0; cl_pipeline_builtin_params[i]; i++) {
        if (strcmp(cl_pipeline_builtin_params[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Refuse any key of OBJ not in ALLOWED (NULL-terminated). */
static int only_keys(ctx_t *c, const char *where, json_t *obj, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++) {
            ok |= strcmp(allowed[i], k) == 0;
        }
        if (!ok) {
            char key[160];
            snprintf(key, sizeof key, "%s%s%s", where, *where ? "." : "", k);
            return bad(c, key, "unknown key");
        }
    }
    return 0;
}

/* A required (or optional, when OPTIONAL) non-empty string at OBJ.NAME, duplicated into *out. */
static int get_str(char **out, ctx_t *c, const char *where, json_t *obj, const char *name,
                   int optional)
{
    char key[160];
    snprintf(key, sizeof key, "%s%s%s", where, *where ? "." : "", name);
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        return optional ? 0 : bad(c, key, "is required");
    }
    char num[32];
    const char *s = NULL;
    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v) && strcmp(name, "version") == 0) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    } else {
        return bad(c, key, "must be a string");
    }
    if (!*s) {
        return bad(c, key, "must not be empty");
    }
    *out = strdup(s);
    return *out ? 0 : cl_err_set(c->err, CL_ENOMEM, "out of memory");
}

static int get_ident(char **out, ctx_t *c, const char *where, json_t *obj, const char *name,
                     int optional)
{
    int rc = get_str(out, c, where, obj, name, optional);
    if (rc == 0 && *out && !cl_pipeline_is_ident(*out)) {
        char key[160];
        snprintf(key, sizeof key, "%s%s%s", where, *where ? "." : "", name);
        return bad(c, key, "must be an identifier ([a-z_][a-z0-9_]*)");
    }
    return rc;
}

/* A list of strings (identifiers when IDENT) at OBJ.NAME. */
static int get_list(char ***out, size_t *n, ctx_t *c, const char *where, json_t *obj,
                    const char *name, int ident)
{
    char key[160];
    snprintf(key, sizeof key, "%s%s%s", where, *where ? "." : "", name);
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (!json_is_array(v)) {
        return bad(c, key, "must be a list");
    }
    *out = calloc(json_array_size(v) + 1, sizeof **out);
    if (!*out) {
        return cl_err_set(c->err, CL_ENOMEM, "out of memory");
    }
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        if (!s || !*s || (ident && !cl_pipeline_is_ident(s))) {
            return bad(c, key, ident ? "items must be identifiers" : "items must be strings");
        }
        if (!ident && (s[0] == '/' || strstr(s, ".."))) {
            return bad(c, key, "paths must be relative to the source and stay inside it");
        }
        (*out)[i] = strdup(s);
        if (!(*out)[i]) {
            return cl_err_set(c->err, CL_ENOMEM, "out of memory");
        }
        *n = i + 1;
    }
    return 0;
}

static int declared(const cl_pipeline_t *p, const char *name)
{
    for (size_t i = 0; i < p->n_params; i++) {
        if (strcmp(p->params[i].name, name) == 0) {
            return 1;
        }
    }
    return is_builtin(name);
}

/* Every $name in SQL must be built in or declared; $batch_week only where a loop binds it
 * (IN_LOOP: the statements of a for_each_week step's steps). */
static int check_sql_params(ctx_t *c, const char *key, const cl_pipeline_t *p, const char *sql,
                            int in_loop)
{
    char **names = NULL;
    int rc = cl_pipeline_sql_params(&names, sql, c->err);
    if (rc != 0) {
        return cl_err_wrap(c->err, "%s: %s", c->file, key);
    }
    for (size_t i = 0; names[i]; i++) {
        int batch = strcmp(names[i], CL_PIPELINE_BATCH_WEEK) == 0;
        if (batch && !in_loop) {
            rc = bad(c, key,
                     "$batch_week is bound only in the sql of the steps of a for_each_week step");
            break;
        }
        if (!batch && !declared(p, names[i])) {
            char what[96];
            snprintf(what, sizeof what, "unknown parameter $%s", names[i]);
            rc = bad(c, key, what);
            break;
        }
    }
    cl_pipeline_names_free(names);
    return rc;
}

static int parse_params(ctx_t *c, cl_pipeline_t *p, json_t *obj)
{
    if (!obj || json_is_null(obj)) {
        return 0;
    }
    if (!json_is_object(obj)) {
        return bad(c, "params", "must be a mapping of name: template");
    }
    p->params = calloc(json_object_size(obj) + 1, sizeof *p->params);
    if (!p->params) {
        return cl_err_set(c->err, CL_ENOMEM, "out of memory");
    }
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        char key[160];
        snprintf(key, sizeof key, "params.%s", k);
        if (!cl_pipeline_is_ident(k) || is_builtin(k) || strcmp(k, CL_PIPELINE_BATCH_WEEK) == 0) {
            return bad(c, key, "must be an identifier that is not a built-in parameter");
        }
        if (!json_is_string(v)) {
            return bad(c, key, "must be a string template");
        }
        const char *t = json_string_value(v);
        for (const char *o = strchr(t, '{'); o; o = strchr(o + 1, '{')) {
            const char *e = strchr(o, '}');
            char ref[CL_PIPELINE_IDENT_MAX];
            size_t len = e ? (size_t)(e - o - 1) : 0;
            if (!e || len == 0 || len >= sizeof ref) {
                return bad(c, key, "unbalanced or empty {name}");
            }
            memcpy(ref, o + 1, len);
            ref[len] = '\0';
            if (!is_builtin(ref)) {
                char what[128];
                snprintf(what, sizeof what, "unknown built-in {%s} in template", ref);
                return bad(c, key, what);
            }
        }
        cl_pipeline_param_t *pp = &p->params[p->n_params++];
        pp->name = strdup(k);
        pp->template_text = strdup(t);
        if (!pp->name || !pp->template_text) {
            return cl_err_set(c->err, CL_ENOMEM, "out of memory");
        }
    }
    return 0;
}

static const char *const CHECK_KEYS[] = {"id", "description", "sql", "severity", NULL};

static int parse_check(ctx_t *c, const cl_pipeline_t *p, cl_pipeline_check_t *chk,
                       const char *where, json_t *obj)
{
    if (!json_is_object(obj)) {
        return bad(c, where, "must be a mapping");
    }
    char *sev = NULL;
    int rc = only_keys(c, where, obj, CHECK_KEYS);
    rc = rc ? rc : get_ident(&chk->id, c, where, obj, "id", 0);
    rc = rc ? rc : get_str(&chk->description, c, where, obj, "description", 0);
    rc = rc ? rc : get_str(&chk->sql, c, where, obj, "sql", 0);
    rc = rc ? rc : get_str(&sev, c, where, obj, "severity", 1);
    if (rc == 0 && sev) {
        if (strcmp(sev, "error") == 0) {
            chk->severity = CL_CHECK_ERROR;
        } else if (strcmp(sev, "partial") == 0) {
            chk->severity = CL_CHECK_PARTIAL;
        } else if (strcmp(sev, "warn") == 0) {
            chk->severity = CL_CHECK_WARN;
        } else {
            char key[160];
            snprintf(key, sizeof key, "%s.severity", where);
            rc = bad(c, key, "must be error, partial or warn");
        }
    }
    free(sev);
    if (rc == 0) {
        char key[160];
        snprintf(key, sizeof key, "%s.sql", where);
        rc = check_sql_params(c, key, p, chk->sql, 0);
    }
    return rc;
}

/* `sql` at OBJ: one statement or a non-empty list of them, each checked for its parameters. */
static int get_sql(cl_pipeline_step_t *st, ctx_t *c, const cl_pipeline_t *p, const char *where,
                   json_t *obj, int in_loop)
{
    char key[160];
    snprintf(key, sizeof key, "%s.sql", where);
    json_t *v = json_object_get(obj, "sql");
    if (!v || json_is_null(v)) {
        return bad(c, key, "is required");
    }
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (json_is_array(v) && n == 0) {
        return bad(c, key, "must not be an empty list");
    }
    if (!json_is_array(v) && !json_is_string(v)) {
        return bad(c, key, "must be a statement or a list of statements");
    }
    st->sql = calloc(n + 1, sizeof *st->sql);
    if (!st->sql) {
        return cl_err_set(c->err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_is_array(v) ? json_array_get(v, i) : v;
        const char *text = json_string_value(item);
        char ikey[176];
        snprintf(ikey, sizeof ikey, json_is_array(v) ? "%s[%zu]" : "%s", key, i);
        if (!text || !*text) {
            return bad(c, ikey, "must be a non-empty statement");
        }
        if (!(st->sql[i] = strdup(text))) {
            return cl_err_set(c->err, CL_ENOMEM, "out of memory");
        }
        st->n_sql = i + 1;
        int rc = check_sql_params(c, ikey, p, text, in_loop);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int parse_checks(ctx_t *c, const cl_pipeline_t *p, cl_pipeline_step_t *st, const char *where,
                        json_t *checks)
{
    if (!checks || json_is_null(checks)) {
        return 0;
    }
    if (!json_is_array(checks)) {
        char key[160];
        snprintf(key, sizeof key, "%s.checks", where);
        return bad(c, key, "must be a list");
    }
    st->checks = calloc(json_array_size(checks) + 1, sizeof *st->checks);
    if (!st->checks) {
        return cl_err_set(c->err, CL_ENOMEM, "out of memory");
    }
    size_t i;
    json_t *item;
    json_array_foreach(checks, i, item)
    {
        char key[96];
        snprintf(key, sizeof key, "%s.checks[%zu]", where, i);
        st->n_checks = i + 1;
        int rc = parse_check(c, p, &st->checks[i], key, item);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static const char *const STEP_KEYS[] = {"id",     "description",   "sql",   "table", "when_exists",
                                        "checks", "for_each_week", "steps", NULL};
static const char *const LOOP_KEYS[] = {"id", "description", "for_each_week", "steps", NULL};
static const char *const LOOP_STEP_KEYS[] = {"id", "description", "sql", "table", "checks", NULL};

static int parse_step(ctx_t *c, const cl_pipeline_t *p, cl_pipeline_step_t *st, const char *where,
                      json_t *obj, int in_loop);

/* A for_each_week step: only its own id and description, and its steps. */
static int parse_loop(ctx_t *c, const cl_pipeline_t *p, cl_pipeline_step_t *st, const char *where,
                      json_t *obj)
{
    char key[160];
    snprintf(key, sizeof key, "%s.for_each_week", where);
    if (!json_is_true(json_object_get(obj, "for_each_week"))) {
        return bad(c, key, "must be true (leave it out for a plain step)");
    }
    int rc = only_keys(c, where, obj, LOOP_KEYS);
    rc = rc ? rc : get_ident(&st->id, c, where, obj, "id", 0);
    rc = rc ? rc : get_str(&st->description, c, where, obj, "description", 0);
    json_t *steps = json_object_get(obj, "steps");
    size_t n = json_array_size(steps); /* 0 when it is not a list */
    snprintf(key, sizeof key, "%s.steps", where);
    if (rc == 0 && n == 0) {
        rc = bad(c, key, "must be a non-empty list of the steps run for each week");
    }
    st->for_each_week = 1;
    st->steps = rc ? NULL : calloc(n + 1, sizeof *st->steps);
    if (rc == 0 && !st->steps) {
        rc = cl_err_set(c->err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        snprintf(key, sizeof key, "%s.steps[%zu]", where, i);
        st->n_steps = i + 1;
        rc = parse_step(c, p, &st->steps[i], key, json_array_get(steps, i), 1);
    }
    return rc;
}

static int parse_step(ctx_t *c, const cl_pipeline_t *p, cl_pipeline_step_t *st, const char *where,
                      json_t *obj, int in_loop)
{
    if (!json_is_object(obj)) {
        return bad(c, where, "must be a mapping");
    }
    char key[160];
    if (in_loop && json_object_get(obj, "for_each_week")) {
        snprintf(key, sizeof key, "%s.for_each_week", where);
        return bad(c, key, "a for_each_week step cannot hold another");
    }
    if (json_object_get(obj, "for_each_week")) {
        return parse_loop(c, p, st, where, obj);
    }
    int rc = only_keys(c, where, obj, in_loop ? LOOP_STEP_KEYS : STEP_KEYS);
    if (rc == 0 && json_object_get(obj, "steps")) {
        snprintf(key, sizeof key, "%s.steps", where);
        rc = bad(c, key, "only a for_each_week step has steps");
    }
    rc = rc ? rc : get_ident(&st->id, c, where, obj, "id", 0);
    rc = rc ? rc : get_str(&st->description, c, where, obj, "description", 0);
    rc = rc ? rc : get_sql(st, c, p, where, obj, in_loop);
    rc = rc ? rc : get_ident(&st->table, c, where, obj, "table", 1);
    rc = rc ? rc : get_list(&st->when_exists, &st->n_when_exists, c, where, obj, "when_exists", 0);
    return rc ? rc : parse_checks(c, p, st, where, json_object_get(obj, "checks"));
}

static const char *const OUTPUT_KEYS[] = {
    "table", "description", "partition_by", "key", "measures", "not_available", NULL};

static int parse_output(ctx_t *c, cl_pipeline_output_t *o, size_t idx, json_t *obj)
{
    char where[64];
    snprintf(where, sizeof where, "outputs[%zu]", idx);
    if (!json_is_object(obj)) {
        return bad(c, where, "must be a mapping");
    }
    int rc = only_keys(c, where, obj, OUTPUT_KEYS);
    rc = rc ? rc : get_ident(&o->table, c, where, obj, "table", 0);
    rc = rc ? rc : get_str(&o->description, c, where, obj, "description", 0);
    rc = rc ? rc : get_list(&o->partition_by, &o->n_partition_by, c, where, obj, "partition_by", 1);
    rc = rc ? rc : get_list(&o->key, &o->n_key, c, where, obj, "key", 1);
    rc = rc ? rc : get_list(&o->measures, &o->n_measures, c, where, obj, "measures", 1);
    rc = rc ? rc
            : get_list(&o->not_available, &o->n_not_available, c, where, obj, "not_available", 1);
    if (rc == 0 && o->n_key == 0) {
        char key[96];
        snprintf(key, sizeof key, "%s.key", where);
        rc = bad(c, key, "is required: the columns that identify a row (the sort order)");
    }
    return rc;
}

static int parse_list(ctx_t *c, json_t *doc, const char *name, size_t *n_out, void **out,
                      size_t elem)
{
    json_t *arr = json_object_get(doc, name);
    if (!arr || !json_is_array(arr) || json_array_size(arr) == 0) {
        return bad(c, name, "must be a non-empty list");
    }
    *out = calloc(json_array_size(arr) + 1, elem);
    *n_out = 0;
    return *out ? 0 : cl_err_set(c->err, CL_ENOMEM, "out of memory");
}

static const char *const WATERMARK_KEYS[] = {"description", "sql", NULL};

static int parse_watermark(ctx_t *c, cl_pipeline_t *p, json_t *obj)
{
    if (!obj || json_is_null(obj)) {
        return 0;
    }
    if (!json_is_object(obj)) {
        return bad(c, "watermark", "must be a mapping with description and sql");
    }
    int rc = only_keys(c, "watermark", obj, WATERMARK_KEYS);
    rc = rc ? rc : get_str(&p->watermark.description, c, "watermark", obj, "description", 0);
    rc = rc ? rc : get_str(&p->watermark.sql, c, "watermark", obj, "sql", 0);
    return rc ? rc : check_sql_params(c, "watermark.sql", p, p->watermark.sql, 0);
}

/* Step ids name steps in messages and in the manifest's checks: unique at every level. */
static int unique_ids(ctx_t *c, const cl_pipeline_t *p)
{
    const char *ids[512];
    size_t n = 0;
    for (size_t i = 0; i < p->n_steps; i++) {
        const cl_pipeline_step_t *st = &p->steps[i];
        for (size_t j = 0; j <= st->n_steps; j++) {
            const char *id = j == 0 ? st->id : st->steps[j - 1].id;
            for (size_t k = 0; k < n; k++) {
                if (strcmp(ids[k], id) != 0) {
                    continue;
                }
                char key[64];
                if (j == 0) {
                    snprintf(key, sizeof key, "steps[%zu].id", i);
                } else {
                    snprintf(key, sizeof key, "steps[%zu].steps[%zu].id", i, j - 1);
                }
                return bad(c, key, "duplicate step id");
            }
            if (n == sizeof ids / sizeof ids[0]) {
                return bad(c, "steps", "more than 512 steps");
            }
            ids[n++] = id;
        }
    }
    return 0;
}

static const char *const TOP_KEYS[] = {"name",  "version",   "description", "params", "requires",
                                       "steps", "watermark", "outputs",     NULL};

static int parse_doc(cl_pipeline_t *p, ctx_t *c, json_t *doc)
{
    if (!json_is_object(doc)) {
        return bad(c, "(document)", "must be a mapping");
    }
    int rc = only_keys(c, "", doc, TOP_KEYS);
    rc = rc ? rc : get_ident(&p->name, c, "", doc, "name", 0);
    rc = rc ? rc : get_str(&p->version, c, "", doc, "version", 0);
    rc = rc ? rc : get_str(&p->description, c, "", doc, "description", 1);
    rc = rc ? rc : parse_params(c, p, json_object_get(doc, "params"));
    rc = rc ? rc : get_list(&p->requires, &p->n_requires, c, "", doc, "requires", 0);
    rc = rc ? rc : parse_watermark(c, p, json_object_get(doc, "watermark"));
    rc = rc ? rc : parse_list(c, doc, "steps", &p->n_steps, (void **)&p->steps, sizeof *p->steps);
    for (size_t i = 0; rc == 0 && i < json_array_size(json_object_get(doc, "steps")); i++) {
        char where[64];
        snprintf(where, sizeof where, "steps[%zu]", i);
        p->n_steps = i + 1;
        rc = parse_step(c, p, &p->steps[i], where, json_array_get(json_object_get(doc, "steps"), i),
                        0);
    }
    rc = rc ? rc : unique_ids(c, p);
    rc =
        rc ? rc
           : parse_list(c, doc, "outputs", &p->n_outputs, (void **)&p->outputs, sizeof *p->outputs);
    for (size_t i = 0; rc == 0 && i < json_array_size(json_object_get(doc, "outputs")); i++) {
        p->n_outputs = i + 1;
        rc = parse_output(c, &p->outputs[i], i, json_array_get(json_object_get(doc, "outputs"), i));
    }
    return rc;
}

int cl_pipeline_parse(cl_pipeline_t **out, const char *text, size_t len, const char *name,
                      cl_err_t *err)
{
    *out = NULL;
    json_t *doc = NULL;
    int rc = cl_yaml_parse(&doc, text, len, name, err);
    if (rc != 0) {
        return rc;
    }
    cl_pipeline_t *p = calloc(1, sizeof *p);
    ctx_t c = {name, err};
    if (!p || !(p->path = strdup(name))) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = parse_doc(p, &c, doc);
    if (rc == 0) {
        *out = p;
        p = NULL;
    }
cleanup:
    json_decref(doc);
    cl_pipeline_free(p);
    return rc;
}

int cl_pipeline_load(cl_pipeline_t **out, const char *path, cl_err_t *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = cl_file_read_all(&text, &len, path, PIPELINE_MAX_BYTES, err);
    if (rc == CL_ENOTFOUND) {
        return cl_err_set(err, rc, "pipeline %s does not exist", path);
    }
    if (rc != 0) {
        return rc == CL_ETOOBIG ? cl_err_set(err, CL_EINVAL, "%s: larger than 1 MiB", path) : rc;
    }
    rc = cl_pipeline_parse(out, text, len, path, err);
    free(text);
    return rc;
}

void cl_pipeline_names_free(char **names)
{
    if (!names) {
        return;
    }
    for (size_t i = 0; names[i]; i++) {
        free(names[i]);
    }
    free(names);
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void free_steps(cl_pipeline_step_t *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cl_pipeline_step_t *s = &steps[i];
        for (size_t j = 0; j < s->n_checks; j++) {
            free(s->checks[j].id);
            free(s->checks[j].description);
            free(s->checks[j].sql);
        }
        free(s->checks);
        free_strs(s->when_exists, s->n_when_exists);
        free_strs(s->sql, s->n_sql);
        free_steps(s->steps, s->n_steps);
        free(s->id);
        free(s->description);
        free(s->table);
    }
    free(steps);
}

void cl_pipeline_free(cl_pipeline_t *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->n_params; i++) {
        free(p->params[i].name);
        free(p->params[i].template_text);
    }
    free_steps(p->steps, p->n_steps);
    for (size_t i = 0; i < p->n_outputs; i++) {
        cl_pipeline_output_t *o = &p->outputs[i];
        free(o->table);
        free(o->description);
        free_strs(o->partition_by, o->n_partition_by);
        free_strs(o->key, o->n_key);
        free_strs(o->measures, o->n_measures);
        free_strs(o->not_available, o->n_not_available);
    }
    free_strs(p->requires, p->n_requires);
    free(p->watermark.description);
    free(p->watermark.sql);
    free(p->params);
    free(p->outputs);
    free(p->path);
    free(p->name);
    free(p->version);
    free(p->description);
    free(p);
}

/* Skip past a quoted run starting at S (a ' or "), where a doubled quote is an escaped one. */
static const char *skip_quoted(const char *s)
{
    char q = *s++;
    while (*s) {
        if (*s == q && s[1] == q) {
            s += 2;
        } else if (*s == q) {
            return s + 1;
        } else {
            s++;
        }
    }
    return s;
}

static int add_name(char ***names, size_t *n, const char *start, size_t len, cl_err_t *err)
{
    for (size_t i = 0; i < *n; i++) {
        if (strlen((*names)[i]) == len && memcmp((*names)[i], start, len) == 0) {
            return 0;
        }
    }
    char **grown = realloc(*names, (*n + 2) * sizeof *grown);
    if (!grown) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    *names = grown;
    grown[*n] = strndup(start, len);
    grown[*n + 1] = NULL;
    if (!grown[*n]) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    (*n)++;
    return 0;
}

static int ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

int cl_pipeline_sql_params(char ***out, const char *sql, cl_err_t *err)
{
    size_t n = 0;
    char **names = calloc(1, sizeof *names);
    int rc = names ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    const char *s = sql;
    while (rc == 0 && *s) {
        if (*s == '\'' || *s == '"') {
            s = skip_quoted(s);
        } else if (s[0] == '-' && s[1] == '-') {
            s += strcspn(s, "\n");
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            s = e ? e + 2 : s + strlen(s);
        } else if (*s == '$' && s[1] >= '0' && s[1] <= '9') {
            rc = cl_err_set(err, CL_EINVAL, "positional parameter $%c: use a named $parameter",
                            s[1]);
        } else if (*s == '$' && ident_char(s[1])) {
            const char *start = ++s;
            while (ident_char(*s)) {
                s++;
            }
            size_t len = (size_t)(s - start);
            if (*s == '$') {
                /* $tag$ ... $tag$ is a dollar-quoted string, not a parameter */
                char tag[CL_PIPELINE_IDENT_MAX + 3];
                snprintf(tag, sizeof tag, "$%.*s$", (int)len, start);
                const char *e = strstr(s + 1, tag);
                s = e ? e + strlen(tag) : s + strlen(s);
            } else if (len >= CL_PIPELINE_IDENT_MAX) {
                rc = cl_err_set(err, CL_EINVAL, "parameter name longer than 63 characters");
            } else {
                rc = add_name(&names, &n, start, len, err);
            }
        } else if (s[0] == '$' && s[1] == '$') {
            const char *e = strstr(s + 2, "$$");
            s = e ? e + 2 : s + strlen(s);
        } else {
            s++;
        }
    }
    if (rc != 0) {
        cl_pipeline_names_free(names);
        return rc;
    }
    *out = names;
    return 0;
}
