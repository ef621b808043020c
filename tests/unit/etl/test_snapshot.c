/* Snapshot publishing at its edges: an empty staging folder is a valid (empty) snapshot, every
 * staged file is listed under its table with its sha256, and the same content publishes once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "etl/snapshot.h"
#include "../support/tmpdir.h"

typedef struct {
    char dir[256];
    char warehouse[512];
    int lock;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    tmpdir_make(f->dir);
    snprintf(f->warehouse, sizeof f->warehouse, "%s/warehouse", f->dir);
    cl_err_t err;
    if (cl_snapshot_lock(&f->lock, f->warehouse, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    cl_snapshot_unlock(f->lock);
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static json_t *manifest(void)
{
    return json_pack("{s:s, s:{s:s, s:s}, s:i, s:{}}", "week", "2026-W47", "pipeline", "name", "t",
                     "version", "1", "history_weeks", 1, "tables");
}

/* Stage a folder with the files NAMES (content "x" each) and publish it. */
static int publish(cl_snapshot_info_t *info, json_t **out_manifest, fx_t *f,
                   const char *const *names, size_t n, cl_err_t *err)
{
    char staging[CL_SNAPSHOT_PATH_MAX];
    int rc = cl_snapshot_stage(staging, sizeof staging, f->warehouse, "2026-W47", err);
    assert_int_equal(rc, 0);
    for (size_t i = 0; i < n; i++) {
        tmpdir_write(staging, names[i], "x");
    }
    json_t *m = manifest();
    rc = cl_snapshot_publish(info, f->warehouse, "2026-W47", staging, m, err);
    *out_manifest = m;
    return rc;
}

static void test_snapshot__empty_staging_publishes_an_empty_snapshot(void **state)
{
    fx_t *f = *state;
    cl_snapshot_info_t info;
    json_t *m = NULL;
    cl_err_t err;
    assert_int_equal(publish(&info, &m, f, NULL, 0, &err), 0);
    assert_int_equal(info.files, 0);
    assert_int_equal(info.unchanged, 0);
    assert_int_equal(json_object_size(json_object_get(m, "tables")), 0);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "complete");
    char *dir = NULL;
    assert_int_equal(cl_snapshot_resolve(&dir, f->warehouse, "2026-W47", &err), 0);
    char path[CL_SNAPSHOT_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    assert_true(cl_file_exists(path));
    free(dir);
    json_decref(m);
}

static void test_snapshot__lists_every_file_under_its_table(void **state)
{
    fx_t *f = *state;
    static const char *const names[] = {"orders/region=b/part-0.parquet",
                                        "orders/region=a/part-0.parquet",
                                        "sessions/part-0.parquet"};
    cl_snapshot_info_t info;
    json_t *m = NULL;
    cl_err_t err;
    assert_int_equal(publish(&info, &m, f, names, 3, &err), 0);
    assert_int_equal(info.files, 3);
    json_t *orders =
        json_object_get(json_object_get(json_object_get(m, "tables"), "orders"), "files");
    assert_int_equal(json_array_size(orders), 2);
    /* sorted by path, whatever order the folder lists them in */
    assert_string_equal(json_string_value(json_object_get(json_array_get(orders, 0), "path")),
                        "orders/region=a/part-0.parquet");
    assert_string_equal(json_string_value(json_object_get(json_array_get(orders, 0), "sha256")),
                        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
    json_decref(m);
}

static void test_snapshot__same_content_publishes_once(void **state)
{
    fx_t *f = *state;
    static const char *const names[] = {"orders/part-0.parquet"};
    cl_snapshot_info_t first, second;
    json_t *m1 = NULL, *m2 = NULL;
    cl_err_t err;
    assert_int_equal(publish(&first, &m1, f, names, 1, &err), 0);
    assert_int_equal(publish(&second, &m2, f, names, 1, &err), 0);
    assert_int_equal(first.unchanged, 0);
    assert_int_equal(second.unchanged, 1);
    assert_string_equal(first.id, second.id);
    json_decref(m1);
    json_decref(m2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snapshot__empty_staging_publishes_an_empty_snapshot,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot__lists_every_file_under_its_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_snapshot__same_content_publishes_once, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
