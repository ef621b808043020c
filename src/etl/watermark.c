/* watermark.c — completeness is what stands between a late feed and a wrong budget decision: a
 * week is published only when the source proves every table loaded through its last second, and a
 * refusal names the table and the days that are missing. */
#include "etl/watermark.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/file.h"

#define WATERMARK_MAX ((size_t)1024 * 1024)

static void date_text(char out[16], int64_t days)
{
    int y, m, d;
    cl_civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* N decimal digits at S as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "2026-11-22T23:59:59Z" (fraction and +00:00 accepted) to seconds since the epoch. */
static int parse_instant(int64_t *out, const char *s)
{
    if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':') {
        return -1;
    }
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    const char *rest = s + 19;
    if (*rest == '.') {
        rest += 1 + strspn(rest + 1, "0123456789");
    }
    if (strcmp(rest, "Z") != 0 && strcmp(rest, "+00:00") != 0) {
        return -1;
    }
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 60) {
        return -1;
    }
    *out = cl_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + se;
    return 0;
}

/* Append to MISSING the days of the week (from MONDAY) that end after WM. */
static json_t *lagging_days(int64_t monday, int64_t wm)
{
    json_t *days = json_array();
    for (int64_t day = monday; day < monday + 7; day++) {
        if ((day + 1) * 86400 - 1 > wm) {
            char d[16];
            date_text(d, day);
            json_array_append_new(days, json_string(d));
        }
    }
    return days;
}

static int watermark_entry(json_t *missing, const char *origin, const char *table,
                           const json_t *value, const json_t *fallback, int64_t monday,
                           cl_err_t *err)
{
    if (json_is_object(value)) {
        value = json_object_get(value, "loaded_through");
    }
    if (!value) {
        value = fallback;
    }
    int64_t wm = 0;
    if (parse_instant(&wm, json_string_value(value)) != 0) {
        return cl_err_set(err, CL_EPARTIAL, "%s: table %s has no valid loaded_through instant",
                          origin, table);
    }
    if (wm < (monday + 7) * 86400 - 1) {
        json_array_append_new(missing, json_pack("{s:s, s:s, s:o}", "table", table,
                                                 "loaded_through", json_string_value(value),
                                                 "missing_days", lagging_days(monday, wm)));
    }
    return 0;
}

static int missing_message(json_t *missing, const char *week, cl_err_t *err)
{
    json_t *first = json_array_get(missing, 0);
    json_t *days = json_object_get(first, "missing_days");
    char list[128] = "";
    size_t i;
    json_t *d;
    json_array_foreach(days, i, d)
    {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", json_string_value(d));
    }
    char others[96] = "";
    json_array_foreach(missing, i, d)
    {
        size_t len = strlen(others);
        if (i > 0) {
            snprintf(others + len, sizeof others - len, "%s%s", i > 1 ? ", " : "; also lagging: ",
                     json_string_value(json_object_get(d, "table")));
        }
    }
    return cl_err_set(err, CL_EPARTIAL,
                      "source is partial for %s: table %s is loaded only through %s; missing "
                      "days %s%s",
                      week, json_string_value(json_object_get(first, "table")),
                      json_string_value(json_object_get(first, "loaded_through")), list, others);
}

int cl_etl_watermark_eval(json_t **out_missing, const json_t *doc, const char *origin,
                          const char *week, cl_err_t *err)
{
    cl_week_t w;
    if (out_missing) {
        *out_missing = NULL;
    }
    int rc = cl_week_parse(&w, week, err);
    if (rc != 0) {
        return rc;
    }
    json_t *missing = json_array();
    if (!missing) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int64_t monday = cl_week_monday(w);
    const json_t *all = json_object_get(doc, "loaded_through");
    const json_t *tables = json_object_get(doc, "tables");
    if (!json_is_object(doc) || (!all && !json_is_object(tables))) {
        rc = cl_err_set(err, CL_EPARTIAL, "%s has neither loaded_through nor tables", origin);
    } else if (json_is_object(tables) && json_object_size(tables) > 0) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)tables, k, v)
        {
            rc = rc ? rc : watermark_entry(missing, origin, k, v, all, monday, err);
        }
    } else {
        rc = watermark_entry(missing, origin, "(all tables)", all, NULL, monday, err);
    }
    if (rc == 0 && json_array_size(missing) > 0) {
        rc = missing_message(missing, week, err);
    }
    if (out_missing) {
        *out_missing = missing;
    } else {
        json_decref(missing);
    }
    return rc;
}

int cl_etl_check_watermark(json_t **out_missing, json_t **out_watermark, const char *source_dir,
                           const char *week, cl_err_t *err)
{
    cl_week_t w;
    char path[4096], *text = NULL;
    size_t len = 0;
    if (out_missing) {
        *out_missing = NULL;
    }
    if (out_watermark) {
        *out_watermark = NULL;
    }
    int rc = cl_week_parse(&w, week, err);
    snprintf(path, sizeof path, "%s/_watermark.json", source_dir);
    rc = rc ? rc : cl_file_read_all(&text, &len, path, WATERMARK_MAX, err);
    if (rc != 0) {
        return rc == CL_EINVAL ? rc
                               : cl_err_set(err, CL_EPARTIAL,
                                            "source has no readable _watermark.json, so "
                                            "completeness of %s cannot be proven",
                                            week);
    }
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    rc = cl_etl_watermark_eval(out_missing, doc, "_watermark.json", week, err);
    if (out_watermark) {
        *out_watermark = doc;
    } else {
        json_decref(doc);
    }
    return rc;
}

int cl_etl_watermark_from_rows(json_t **out, const json_t *rows, const char *description,
                               cl_err_t *err)
{
    *out = NULL;
    if (json_array_size(rows) == 0) {
        return cl_err_set(err, CL_EPARTIAL,
                          "the watermark query returned no rows, so completeness cannot be "
                          "proven (is the source empty?)");
    }
    json_t *tables = json_object();
    json_t *doc = json_pack("{s:s, s:s, s:o}", "method", "query", "description",
                            description ? description : "", "tables", tables);
    if (!doc) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    const char *earliest = NULL;
    size_t i;
    json_t *row;
    json_array_foreach((json_t *)rows, i, row)
    {
        const char *table = json_string_value(json_object_get(row, "source_table"));
        json_t *at = json_object_get(row, "loaded_through");
        if (!table || !*table) {
            json_decref(doc);
            return cl_err_set(err, CL_EINVAL,
                              "watermark query: row %zu has no source_table (each row must "
                              "give source_table and loaded_through)",
                              i + 1);
        }
        const char *s = json_string_value(at);
        if (s && (!earliest || strcmp(s, earliest) < 0)) {
            earliest = s;
        }
        json_object_set_new(tables, table,
                            json_pack("{s:O}", "loaded_through", at ? at : json_null()));
    }
    if (earliest) {
        json_object_set_new(doc, "loaded_through", json_string(earliest));
    }
    *out = doc;
    return 0;
}
