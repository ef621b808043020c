/* manifest.c — a snapshot's manifest as the report reads it (manifest.h). The partition list
 * comes from the manifest, not from listing folders, so a report sees exactly what was published
 * and checksummed. */
#include "report/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"

#define MANIFEST_MAX_BYTES ((size_t)64 * 1024 * 1024)

static int hex(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int cl_manifest_unescape(char *out, size_t cap, const char *in, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= len) {
                return -1;
            }
            int a = hex(in[i + 1]), b = hex(in[i + 2]);
            if (a < 0 || b < 0) {
                return -1;
            }
            c = (char)(a * 16 + b);
            i += 2;
        }
        if (k + 1 >= cap || c == '\0') {
            return -1;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted unique copy of NAMES (N) into *out; frees nothing. */
static int uniq(char ***out, size_t *n_out, char **names, size_t n)
{
    qsort(names, n, sizeof *names, cmp_str);
    *out = calloc(n + 1, sizeof **out);
    if (!*out) {
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k == 0 || strcmp((*out)[k - 1], names[i]) != 0) {
            (*out)[k++] = names[i];
        } else {
            free(names[i]);
        }
        names[i] = NULL;
    }
    *n_out = k;
    return 0;
}

/* "sales_cube/region=R/category_l1=C/part-0.parquet" → R and C (decoded). */
static int split_path(char *region, char *category, size_t cap, const char *path)
{
    const char *r = strstr(path, "/region=");
    const char *c = strstr(path, "/category_l1=");
    if (!r || !c || c < r) {
        return -1;
    }
    r += strlen("/region=");
    const char *c_end = strchr(c + 1, '/');
    c += strlen("/category_l1=");
    if (!c_end || c_end < c) {
        return -1;
    }
    return cl_manifest_unescape(region, cap, r, (size_t)(strchr(r, '/') - r)) ||
                   cl_manifest_unescape(category, cap, c, (size_t)(c_end - c))
               ? -1
               : 0;
}

static char *raw_part(const char *path, const char *key)
{
    const char *s = strstr(path, key);
    if (!s) {
        return NULL;
    }
    s += strlen(key);
    const char *e = strchr(s, '/');
    return e ? strndup(s, (size_t)(e - s)) : NULL;
}

/* Remember the folder-name form of region R and category C as they appear in PATH. */
static int raw_names(cl_manifest_t *m, size_t r, size_t c, const char *path, cl_err_t *err)
{
    if (!m->raw_regions[r] && !(m->raw_regions[r] = raw_part(path, "/region="))) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (!m->raw_categories[c] && !(m->raw_categories[c] = raw_part(path, "/category_l1="))) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    return 0;
}

static int partitions(cl_manifest_t *m, cl_err_t *err)
{
    json_t *files = json_object_get(json_object_get(m->tables, "sales_cube"), "files");
    size_t n = json_array_size(files);
    char **rs = calloc(n + 1, sizeof *rs), **cs = calloc(n + 1, sizeof *cs);
    char **pr = calloc(n + 1, sizeof *pr), **pc = calloc(n + 1, sizeof *pc);
    int rc = rs && cs && pr && pc ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char region[512], category[512];
        const char *path = json_string_value(json_object_get(json_array_get(files, i), "path"));
        if (!path || split_path(region, category, sizeof region, path) != 0) {
            rc = cl_err_set(err, CL_EDATA, "manifest of %s: unreadable file entry", m->snapshot_id);
            break;
        }
        rs[i] = strdup(region);
        cs[i] = strdup(category);
        pr[i] = strdup(region);
        pc[i] = strdup(category);
        if (!rs[i] || !cs[i] || !pr[i] || !pc[i]) {
            rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        }
    }
    if (rc == 0 && (uniq(&m->regions, &m->n_regions, rs, n) ||
                    uniq(&m->categories, &m->n_categories, cs, n))) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        m->pairs = calloc(m->n_regions * m->n_categories + 1, 1);
        rc = m->pairs ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        m->raw_regions = calloc(m->n_regions + 1, sizeof *m->raw_regions);
        m->raw_categories = calloc(m->n_categories + 1, sizeof *m->raw_categories);
        rc = m->raw_regions && m->raw_categories ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        long r = cl_manifest_region(m, pr[i]), c = cl_manifest_category(m, pc[i]);
        m->pairs[(size_t)r * m->n_categories + (size_t)c] = 1;
        const char *path = json_string_value(json_object_get(json_array_get(files, i), "path"));
        rc = raw_names(m, (size_t)r, (size_t)c, path, err);
    }
    for (size_t i = 0; i < n; i++) {
        free(rs ? rs[i] : NULL); /* uniq() took (and NULLed) the ones it kept */
        free(cs ? cs[i] : NULL);
        free(pr ? pr[i] : NULL);
        free(pc ? pc[i] : NULL);
    }
    free(rs);
    free(cs);
    free(pr);
    free(pc);
    return rc;
}

static int parse(cl_manifest_t *m, json_t *doc, cl_err_t *err)
{
    const char *id = json_string_value(json_object_get(doc, "snapshot_id"));
    const char *status = json_string_value(json_object_get(doc, "status"));
    const char *week = json_string_value(json_object_get(doc, "week"));
    const char *first = json_string_value(json_object_get(doc, "first_week"));
    json_t *tables = json_object_get(doc, "tables");
    if (!id || !week || !first || !json_is_object(tables)) {
        return cl_err_set(err, CL_EDATA, "%s/manifest.json is not a snapshot manifest", m->dir);
    }
    if (!status || strcmp(status, "complete") != 0) {
        return cl_err_set(err, CL_EDATA, "snapshot %s is not complete", id);
    }
    m->snapshot_id = strdup(id);
    if (!m->snapshot_id) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (cl_week_parse(&m->week, week, err) != 0 || cl_week_parse(&m->first_week, first, err) != 0) {
        return cl_err_set(err, CL_EDATA, "snapshot %s: bad week in manifest", id);
    }
    long n = (long)(cl_week_index(m->week) - cl_week_index(m->first_week)) + 1;
    if (n < 1 || n > 520) {
        return cl_err_set(err, CL_EDATA, "snapshot %s: first_week after week", id);
    }
    m->n_weeks = (size_t)n;
    m->tables = json_incref(tables);
    if (!cl_manifest_has_table(m, "sales_cube")) {
        return cl_err_set(err, CL_EDATA, "snapshot %s has no sales_cube", id);
    }
    return partitions(m, err);
}

int cl_manifest_load(cl_manifest_t **out, const char *dir, cl_err_t *err)
{
    *out = NULL;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/manifest.json", dir) >= (int)sizeof path) {
        return cl_err_set(err, CL_EINVAL, "snapshot folder path is too long");
    }
    char *text = NULL;
    size_t len = 0;
    int rc = cl_file_read_all(&text, &len, path, MANIFEST_MAX_BYTES, err);
    if (rc != 0) {
        return rc == CL_ETOOBIG ? cl_err_set(err, CL_EDATA, "%s is too large", path) : rc;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    free(text);
    if (!doc) {
        return cl_err_set(err, CL_EDATA, "%s: %s (line %d)", path, jerr.text, jerr.line);
    }
    cl_manifest_t *m = calloc(1, sizeof *m);
    rc = m && (m->dir = strdup(dir)) ? parse(m, doc, err)
                                     : cl_err_set(err, CL_ENOMEM, "out of memory");
    json_decref(doc);
    if (rc != 0) {
        cl_manifest_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int cl_manifest_from_json(cl_manifest_t **out, const char *dir, json_t *doc, cl_err_t *err)
{
    *out = NULL;
    cl_manifest_t *m = calloc(1, sizeof *m);
    int rc = m && (m->dir = strdup(dir)) ? parse(m, doc, err)
                                         : cl_err_set(err, CL_ENOMEM, "out of memory");
    if (rc != 0) {
        cl_manifest_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void cl_manifest_free(cl_manifest_t *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; m->categories && i < m->n_categories; i++) {
        free(m->categories[i]);
        free(m->raw_categories ? m->raw_categories[i] : NULL);
    }
    for (size_t i = 0; m->regions && i < m->n_regions; i++) {
        free(m->regions[i]);
        free(m->raw_regions ? m->raw_regions[i] : NULL);
    }
    free(m->raw_categories);
    free(m->raw_regions);
    free(m->categories);
    free(m->regions);
    free(m->pairs);
    json_decref(m->tables);
    free(m->snapshot_id);
    free(m->dir);
    free(m);
}

int cl_manifest_has_table(const cl_manifest_t *m, const char *table)
{
    return json_array_size(json_object_get(json_object_get(m->tables, table), "files")) > 0;
}

static int listed(const cl_manifest_t *m, const char *table, const char *key, const char *column)
{
    json_t *arr = json_object_get(json_object_get(m->tables, table), key);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), column) == 0) {
            return 1;
        }
    }
    return 0;
}

int cl_manifest_not_available(const cl_manifest_t *m, const char *table, const char *column)
{
    return listed(m, table, "not_available", column);
}

int cl_manifest_has_measure(const cl_manifest_t *m, const char *table, const char *column)
{
    json_t *arr = json_object_get(json_object_get(m->tables, table), "measures");
    return !json_is_array(arr) || listed(m, table, "measures", column);
}

static long find(char *const *list, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(list[mid], s);
        if (c == 0) {
            return (long)mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

long cl_manifest_category(const cl_manifest_t *m, const char *category)
{
    return find(m->categories, m->n_categories, category);
}

long cl_manifest_region(const cl_manifest_t *m, const char *region)
{
    return find(m->regions, m->n_regions, region);
}

int cl_manifest_has_slice(const cl_manifest_t *m, long region, long category)
{
    if (category < 0) {
        return 0;
    }
    for (size_t r = 0; r < m->n_regions; r++) {
        if ((region < 0 || (size_t)region == r) &&
            m->pairs[r * m->n_categories + (size_t)category]) {
            return 1;
        }
    }
    return 0;
}

int cl_manifest_glob(char *out, size_t cap, const cl_manifest_t *m, const char *table, long region,
                     long category)
{
    const char *c = category >= 0 ? m->raw_categories[category] : NULL;
    const char *r = region >= 0 ? m->raw_regions[region] : "*";
    int n;
    if (!c || strpbrk(c, "*?[]{}\\") || (region >= 0 && strpbrk(r, "*?[]{}\\"))) {
        n = snprintf(out, cap, "%s/%s/**/*.parquet", m->dir, table);
    } else if (strcmp(table, "market_pulse") == 0) {
        n = snprintf(out, cap, "%s/%s/category_l1=%s/*.parquet", m->dir, table, c);
    } else {
        n = snprintf(out, cap, "%s/%s/region=%s/category_l1=%s/*.parquet", m->dir, table, r, c);
    }
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}
