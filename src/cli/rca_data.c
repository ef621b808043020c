/* rca_data.c — reads the RS (ratio) and S (additive) root-cause benchmark folders for
 * `catlens rca`. Values stay the exact strings of the file (attribute values are arbitrary UTF-8,
 * "500" is a bitrate, not a number), numbers are parsed strictly, and any malformed line is an
 * error naming the file and line rather than a row silently skipped. */
#include "cli/rca_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/file.h"

#define MAX_FILE ((size_t)1 << 30)
#define MAX_ELEMENTS 256
#define MAX_PAIRS 64
#define BASELINE_MINUTES 4

static int parse_number(double *out, const char *s, int signed_ok)
{
    if (!s || !*s) {
        return -1;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || (!signed_ok && v < 0)) {
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_int(long long *out, const char *s)
{
    if (!s || !*s) {
        return -1;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}

static long find_col(const cl_csv_t *csv, const char *name)
{
    for (size_t i = 0; i < cl_csv_count(csv); i++) {
        if (strcmp(cl_csv_field(csv, i), name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

/* ---- root-cause text -------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_pair(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
    int c = strncmp(x, y, nx < ny ? nx : ny);
    if (c != 0 || nx == ny) {
        return c != 0 ? c : strcmp(x, y);
    }
    return nx < ny ? -1 : 1;
}

int rca_normalise(char *text, cl_err_t *err)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1), *elems[MAX_ELEMENTS], *joined[MAX_ELEMENTS];
    char *store = malloc(len + 2);
    if (!copy || !store) {
        free(copy);
        free(store);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    memcpy(copy, text, len + 1);
    size_t n_el = 0, used = 0;
    int rc = 0;
    for (char *save = NULL, *el = strtok_r(copy, ";", &save); el; el = strtok_r(NULL, ";", &save)) {
        char *pairs[MAX_PAIRS];
        size_t n_p = 0;
        for (char *s2 = NULL, *p = strtok_r(el, "&", &s2); p; p = strtok_r(NULL, "&", &s2)) {
            if (!strchr(p, '=') || p[0] == '=' || n_p == MAX_PAIRS) {
                rc = cl_err_set(err, CL_EINVAL, "rca: bad root-cause element '%.60s'", p);
                goto cleanup;
            }
            pairs[n_p++] = p;
        }
        if (n_p == 0) {
            continue;
        }
        if (n_el == MAX_ELEMENTS) {
            rc = cl_err_set(err, CL_EINVAL, "rca: more than %d root-cause elements", MAX_ELEMENTS);
            goto cleanup;
        }
        qsort(pairs, n_p, sizeof(char *), cmp_pair);
        joined[n_el] = store + used;
        for (size_t j = 0; j < n_p; j++) {
            size_t k = strlen(pairs[j]);
            memcpy(store + used, pairs[j], k);
            used += k;
            store[used++] = j + 1 < n_p ? '&' : '\0';
        }
        elems[n_el] = joined[n_el];
        n_el++;
    }
    qsort(elems, n_el, sizeof(char *), cmp_str);
    size_t out = 0;
    for (size_t k = 0; k < n_el; k++) {
        if (k > 0 && strcmp(elems[k], elems[k - 1]) == 0) {
            continue;
        }
        size_t n = strlen(elems[k]);
        if (out > 0) {
            text[out++] = ';';
        }
        memcpy(text + out, elems[k], n);
        out += n;
    }
    text[out] = '\0';
cleanup:
    free(copy);
    free(store);
    return rc;
}

/* ---- labels ----------------------------------------------------------------------------- */

void rca_labels_dispose(rca_labels_t *labels)
{
    for (size_t i = 0; i < labels->n; i++) {
        free(labels->cases[i].name);
        free(labels->cases[i].root_cause);
    }
    free(labels->cases);
    memset(labels, 0, sizeof(*labels));
}

static int label_row(rca_labels_t *out, const cl_csv_t *csv, long c_case, long c_ts, long c_rc,
                     const char *path, cl_err_t *err)
{
    size_t need =
        (size_t)(c_case > c_ts ? (c_case > c_rc ? c_case : c_rc) : (c_ts > c_rc ? c_ts : c_rc));
    if (cl_csv_count(csv) <= need) {
        return cl_err_set(err, CL_EINVAL, "%s: line %zu has %zu fields", path, cl_csv_line(csv),
                          cl_csv_count(csv));
    }
    rca_label_t *l = &out->cases[out->n];
    memset(l, 0, sizeof(*l));
    l->name = strdup(cl_csv_field(csv, (size_t)c_case));
    if (!l->name) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    out->n++;
    if (!l->name[0] || strchr(l->name, '/')) {
        return cl_err_set(err, CL_EINVAL, "%s: line %zu: bad case name '%.60s'", path,
                          cl_csv_line(csv), l->name);
    }
    l->has_timestamp = c_ts >= 0;
    if (c_ts >= 0 && parse_int(&l->timestamp, cl_csv_field(csv, (size_t)c_ts)) != 0) {
        return cl_err_set(err, CL_EINVAL, "%s: line %zu: anomaly_timestamp is not an integer", path,
                          cl_csv_line(csv));
    }
    if (c_rc >= 0) {
        l->root_cause = strdup(cl_csv_field(csv, (size_t)c_rc));
        if (!l->root_cause) {
            return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
        }
        int rc = rca_normalise(l->root_cause, err);
        if (rc != 0) {
            return cl_err_wrap(err, "%s: line %zu", path, cl_csv_line(csv));
        }
    }
    return 0;
}

int rca_labels_read(rca_labels_t *out, const char *path, cl_err_t *err)
{
    memset(out, 0, sizeof(*out));
    char *data = NULL;
    size_t len = 0;
    cl_csv_t *csv = NULL;
    int rc = cl_file_read_all(&data, &len, path, MAX_FILE, err);
    if (rc == 0) {
        rc = cl_csv_open(&csv, data, len, err);
    }
    if (rc == 0) {
        rc = cl_csv_next(csv, err);
        if (rc == 0) {
            rc = cl_err_set(err, CL_EINVAL, "%s: empty label file", path);
        } else if (rc == 1) {
            rc = 0;
        }
    }
    if (rc != 0) {
        goto cleanup;
    }
    long c_case = find_col(csv, "case"), c_ts = find_col(csv, "anomaly_timestamp");
    long c_rc = find_col(csv, "root_cause");
    if (c_case < 0) {
        rc = cl_err_set(err, CL_EINVAL, "%s: no 'case' column", path);
        goto cleanup;
    }
    out->has_timestamp = c_ts >= 0;
    out->has_truth = c_rc >= 0;
    size_t cap = 0;
    while ((rc = cl_csv_next(csv, err)) == 1) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            rca_label_t *p = realloc(out->cases, cap * sizeof(*p));
            if (!p) {
                rc = cl_err_set(err, CL_ENOMEM, "rca: out of memory");
                goto cleanup;
            }
            out->cases = p;
        }
        rc = label_row(out, csv, c_case, c_ts, c_rc, path, err);
        if (rc != 0) {
            goto cleanup;
        }
        for (size_t k = 0; k + 1 < out->n; k++) {
            if (strcmp(out->cases[k].name, out->cases[out->n - 1].name) == 0) {
                rc = cl_err_set(err, CL_EINVAL, "%s: case '%.60s' is labelled twice", path,
                                out->cases[k].name);
                goto cleanup;
            }
        }
    }
    if (rc < 0) {
        cl_err_wrap(err, "%s", path);
    }
cleanup:
    cl_csv_close(csv);
    free(data);
    return rc < 0 ? rc : 0;
}

/* ---- cases ------------------------------------------------------------------------------ */

typedef struct {
    long c_min, c_value, c_cnt, c_real, c_predict;
    size_t n_attrs;
    size_t attr_col[CL_RCA_MAX_ATTRS];
    const char *names[CL_RCA_MAX_ATTRS];
} layout_t;

static int read_layout(layout_t *lay, int *ratio, const cl_csv_t *csv, const char *path,
                       cl_err_t *err)
{
    memset(lay, 0, sizeof(*lay));
    lay->c_min = find_col(csv, "min");
    lay->c_value = find_col(csv, "value");
    lay->c_cnt = find_col(csv, "cnt");
    lay->c_real = find_col(csv, "real");
    lay->c_predict = find_col(csv, "predict");
    int is_ratio = lay->c_min >= 0 && lay->c_value >= 0 && lay->c_cnt >= 0;
    int is_add = lay->c_real >= 0 && lay->c_predict >= 0;
    if (is_ratio == is_add) {
        return cl_err_set(err, CL_EINVAL,
                          "%s: columns must hold either min, value, cnt (ratio) or real, predict "
                          "(additive)",
                          path);
    }
    *ratio = is_ratio;
    for (size_t i = 0; i < cl_csv_count(csv); i++) {
        long c = (long)i;
        if (is_ratio ? (c == lay->c_min || c == lay->c_value || c == lay->c_cnt)
                     : (c == lay->c_real || c == lay->c_predict)) {
            continue;
        }
        if (lay->n_attrs == CL_RCA_MAX_ATTRS) {
            return cl_err_set(err, CL_EINVAL, "%s: more than %d attribute columns", path,
                              CL_RCA_MAX_ATTRS);
        }
        lay->attr_col[lay->n_attrs] = i;
        lay->names[lay->n_attrs++] = cl_csv_field(csv, i);
    }
    if (lay->n_attrs == 0) {
        return cl_err_set(err, CL_EINVAL, "%s: no attribute columns", path);
    }
    return 0;
}

/* Which of the minutes before the anomaly the file holds: their count is the baseline's divisor. */
static int count_minutes(int *out, int *index, cl_csv_t *csv, const layout_t *lay, long long t,
                         const char *path, cl_err_t *err)
{
    int seen[BASELINE_MINUTES + 1] = {0}, rc;
    while ((rc = cl_csv_next(csv, err)) == 1) {
        long long m;
        if (cl_csv_count(csv) <= (size_t)lay->c_min ||
            parse_int(&m, cl_csv_field(csv, (size_t)lay->c_min)) != 0) {
            return cl_err_set(err, CL_EINVAL, "%s: line %zu: bad min", path, cl_csv_line(csv));
        }
        for (int k = 0; k <= BASELINE_MINUTES; k++) {
            if (m == t - 60LL * k) {
                seen[k] = 1;
            }
        }
    }
    if (rc < 0) {
        return cl_err_wrap(err, "%s", path);
    }
    if (!seen[0]) {
        return cl_err_set(err, CL_EINVAL, "%s: no rows at the anomaly minute %lld", path, t);
    }
    *out = 0;
    for (int k = 1; k <= BASELINE_MINUTES; k++) {
        index[k] = seen[k] ? (*out)++ : -1; /* minutes the file holds, as periods 0 .. n-1 */
    }
    if (*out == 0) {
        return cl_err_set(err, CL_EINVAL, "%s: no rows in the %d minutes before the anomaly", path,
                          BASELINE_MINUTES);
    }
    return 0;
}

static int add_row(cl_rca_builder_t *b, const cl_csv_t *csv, const layout_t *lay, int ratio,
                   long long t, const int *index, const char *path, cl_err_t *err)
{
    size_t n_cols = (size_t)lay->attr_col[lay->n_attrs - 1] + 1;
    long cols[] = {lay->c_min, lay->c_value, lay->c_cnt, lay->c_real, lay->c_predict};
    for (size_t k = 0; k < 5; k++) {
        if (cols[k] >= 0 && (size_t)cols[k] + 1 > n_cols) {
            n_cols = (size_t)cols[k] + 1;
        }
    }
    if (cl_csv_count(csv) < n_cols) {
        return cl_err_set(err, CL_EINVAL, "%s: line %zu has %zu fields, want %zu", path,
                          cl_csv_line(csv), cl_csv_count(csv), n_cols);
    }
    const char *values[CL_RCA_MAX_ATTRS];
    for (size_t a = 0; a < lay->n_attrs; a++) {
        values[a] = cl_csv_field(csv, lay->attr_col[a]);
    }
    double num, den = 0;
    long a_col = ratio ? lay->c_value : lay->c_real, b_col = ratio ? lay->c_cnt : lay->c_predict;
    /* additive amounts may be negative (S's generator leaves a few); ratio counts may not */
    if (parse_number(&num, cl_csv_field(csv, (size_t)a_col), !ratio) != 0 ||
        parse_number(&den, cl_csv_field(csv, (size_t)b_col), !ratio) != 0) {
        return cl_err_set(err, CL_EINVAL, "%s: line %zu: a value is not a number%s", path,
                          cl_csv_line(csv), ratio ? " >= 0" : "");
    }
    int rc = 0;
    if (!ratio) {
        rc = cl_rca_builder_add(b, values, num, den, 0, 0,
                                err); /* real = current, predict = baseline */
    } else {
        long long m = 0;
        (void)parse_int(&m, cl_csv_field(csv, (size_t)lay->c_min));
        if (m == t) {
            rc = cl_rca_builder_add(b, values, num, 0, den, 0, err);
        } else if (m < t && m >= t - 60LL * BASELINE_MINUTES && (t - m) % 60 == 0) {
            rc = cl_rca_builder_add_period(b, values, index[(t - m) / 60], num, den, err);
        }
    }
    return rc != 0 ? cl_err_wrap(err, "%s: line %zu", path, cl_csv_line(csv)) : 0;
}

int rca_case_read(cl_rca_builder_t **out, int *ratio, int *periods, const char *dir,
                  const rca_label_t *label, int direction, cl_err_t *err)
{
    *out = NULL;
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s.csv", dir, label->name) >= (int)sizeof(path)) {
        return cl_err_set(err, CL_EINVAL, "rca: path too long for case '%.60s'", label->name);
    }
    char *data = NULL;
    size_t len = 0;
    cl_csv_t *csv = NULL;
    cl_rca_builder_t *b = NULL;
    layout_t lay;
    int minutes = 1, index[BASELINE_MINUTES + 1] = {0};
    int rc = cl_file_read_all(&data, &len, path, MAX_FILE, err);
    if (rc == CL_ENOTFOUND) {
        rc = cl_err_set(err, CL_ENOTFOUND, "label for case '%.80s' but no file %s", label->name,
                        path);
    }
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        cl_csv_close(csv);
        csv = NULL;
        rc = cl_csv_open(&csv, data, len, err);
        if (rc == 0 && (rc = cl_csv_next(csv, err)) != 1) {
            rc = rc == 0 ? cl_err_set(err, CL_EINVAL, "%s: empty file", path) : rc;
            break;
        }
        rc = read_layout(&lay, ratio, csv, path, err);
        if (rc == 0 && *ratio && !label->has_timestamp) {
            rc = cl_err_set(err, CL_EINVAL, "%s is a ratio case: the labels need anomaly_timestamp",
                            path);
            break;
        }
        if (rc == 0 && *ratio && pass == 0) {
            rc = count_minutes(&minutes, index, csv, &lay, label->timestamp, path, err);
            continue;
        }
        if (rc == 0 && pass == 0) {
            continue; /* additive: one pass is enough */
        }
        if (rc == 0) {
            rc = cl_rca_builder_new(&b, lay.n_attrs, lay.names, *ratio, err);
        }
        if (rc == 0 && *ratio) {
            rc = cl_rca_builder_set_periods(b, minutes, err);
        }
        while (rc == 0 && (rc = cl_csv_next(csv, err)) == 1) {
            rc = add_row(b, csv, &lay, *ratio, label->timestamp, index, path, err);
        }
        if (rc == 0 && *ratio) { /* the per-leaf baseline of its minutes (rca.h) */
            rc = cl_rca_builder_settle_baseline(b, direction, NULL, err);
        }
        if (rc < 0 && err && !strstr(err->msg, path)) {
            cl_err_wrap(err, "%s", path);
        }
    }
    if (rc == 0) {
        *out = b;
        *periods = minutes;
        b = NULL;
    }
    cl_rca_builder_free(b);
    cl_csv_close(csv);
    free(data);
    return rc < 0 ? rc : 0;
}
