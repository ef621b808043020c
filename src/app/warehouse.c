/* warehouse.c — what the app reads of the warehouse without the engine: the published weeks (the
 * entries of WAREHOUSE/current/ that resolve to a snapshot). */
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

/* The entries of DIR, URL-decoded, newest (largest) first and without repeats, as a JSON array. A
 * missing DIR is an empty list. */
static int list_dir(json_t **out, const char *dir, cl_err_t *err)
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
    for (struct dirent *e; (e = readdir(d)) != NULL && n < CL_ARRAY_LEN(names);) {
        if (e->d_name[0] == '.') {
            continue;
        }
        const char *raw = e->d_name;
        char *value = malloc(strlen(raw) + 1);
        size_t len = 0;
        if (!value || cl_query_decode(value, &len, raw, strlen(raw), 0, NULL) != 0 || len == 0) {
            free(value);
            continue;
        }
        names[n++] = value;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_desc);
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
    int rc = list_dir(&all, dir, err);
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
