/* warehouse.c — what the app reads of the warehouse without the engine: the published weeks (the
 * entries of WAREHOUSE/current/) and, until src/report/ provides cl_report_dimensions(), the
 * categories and regions of a snapshot from its partition folders
 * (sales_cube/region=<r>/category_l1=<c>/, values URL-escaped). */
#include "app/internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "etl/snapshot.h"
#include "http/query.h"

static int cmp_desc(const void *a, const void *b)
{
    return strcmp(*(const char *const *)b, *(const char *const *)a);
}

static int cmp_asc(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The entries of DIR (those starting with PREFIX, when given, without it), URL-decoded, sorted by
 * CMP and without repeats, as a JSON array. A missing DIR is an empty list. */
static int list_dir(json_t **out, const char *dir, const char *prefix,
                    int (*cmp)(const void *, const void *), cl_err_t *err)
{
    *out = json_array();
    if (!*out) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    DIR *d = opendir(dir);
    if (!d) {
        return 0; /* nothing published yet */
    }
    char *names[4096];
    size_t n = 0;
    size_t plen = prefix ? strlen(prefix) : 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < CL_ARRAY_LEN(names);) {
        if (e->d_name[0] == '.' || (prefix && strncmp(e->d_name, prefix, plen) != 0)) {
            continue;
        }
        const char *raw = e->d_name + plen;
        char *value = malloc(strlen(raw) + 1);
        size_t len = 0;
        if (!value || cl_query_decode(value, &len, raw, strlen(raw), 0, NULL) != 0 || len == 0) {
            free(value);
            continue;
        }
        names[n++] = value;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0) {
            json_array_append_new(*out, json_string(names[i]));
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    return 0;
}

int app_weeks(json_t **out, const char *warehouse, cl_err_t *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/current", warehouse);
    json_t *all = NULL;
    int rc = list_dir(&all, dir, NULL, cmp_desc, err);
    if (rc != 0) {
        return rc;
    }
    *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        cl_week_t w;
        char *snap = NULL;
        const char *key = json_string_value(v);
        if (cl_week_parse(&w, key, NULL) == 0 &&
            cl_snapshot_resolve(&snap, warehouse, key, NULL) == 0) {
            json_array_append(*out, v);
        }
        free(snap);
    }
    json_decref(all);
    return 0;
}

/* Sort the strings of A and drop repeats, in place. */
static void sort_unique(json_t *a)
{
    size_t n = json_array_size(a);
    char **names = calloc(n ? n : 1, sizeof *names);
    for (size_t i = 0; names && i < n; i++) {
        names[i] = strdup(json_string_value(json_array_get(a, i)));
    }
    if (!names) {
        return;
    }
    qsort(names, n, sizeof *names, cmp_asc);
    json_array_clear(a);
    for (size_t i = 0; i < n; i++) {
        if (names[i] && (i == 0 || !names[i - 1] || strcmp(names[i], names[i - 1]) != 0)) {
            json_array_append_new(a, json_string(names[i]));
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

int app_dimensions(json_t **categories, json_t **regions, const char *snapshot_dir, cl_err_t *err)
{
    *categories = json_array();
    *regions = json_array();
    if (!*categories || !*regions) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/sales_cube", snapshot_dir);
    DIR *d = opendir(dir);
    if (!d) {
        return cl_err_set(err, CL_ENOTFOUND, "the snapshot has no sales_cube");
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        const char *raw = e->d_name;
        char region[1024];
        size_t len = 0;
        if (strncmp(raw, "region=", 7) != 0 || strlen(raw + 7) >= sizeof region ||
            cl_query_decode(region, &len, raw + 7, strlen(raw + 7), 0, NULL) != 0 || len == 0) {
            continue;
        }
        json_array_append_new(*regions, json_string(region));
        char sub[4400];
        snprintf(sub, sizeof sub, "%s/%s", dir, raw);
        json_t *cats = NULL;
        rc = list_dir(&cats, sub, "category_l1=", cmp_asc, err);
        if (rc == 0) {
            json_array_extend(*categories, cats);
        }
        json_decref(cats);
    }
    closedir(d);
    sort_unique(*regions);
    sort_unique(*categories);
    return rc;
}
