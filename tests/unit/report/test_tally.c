/* The tally: rows of a slice summed in C give the frame the GROUPING SETS reader gave — values
 * created in SQL's sort order (bytes, shorter first, NULL last), a child value per parent, sums
 * exact, a measure NULL in every row of a group missing (NaN), a (value, week) without rows 0,
 * leaves summed over each comparison period, and rows outside the frame's weeks left out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/tally.h"

/* Rows: week, l1, l2 (under l1), device; measures a, b. */
static const char *ROWS_SQL = "SELECT week, l1, l2, device, a::DOUBLE, b::DOUBLE FROM (VALUES "
                              "('2026-W46', 'paid', 'search', 'mobile', 100.0, NULL::DOUBLE), "
                              "('2026-W46', 'paid', 'search', 'mobile', 50.0, NULL), "
                              "('2026-W47', 'paid', 'social', 'desktop', 7.0, 1.0), "
                              "('2026-W47', 'organic', 'search', 'mobile', 3.0, 2.0), "
                              "('2026-W47', 'organic', NULL, 'mobile', 1.0, NULL), "
                              "('2026-W47', 'paid', 'search', 'desktop', 20.0, 4.0), "
                              "('2026-W45', 'paid', 'search', 'mobile', 1000.0, 1000.0)) "
                              "t(week, l1, l2, device, a, b)";

typedef struct {
    cl_db_t *db;
    cl_frame_t *f;
    size_t fdims[3], grain;
} fx_t;

/* The same rows with junk rows between them (keep = 0), the columns in another order and an extra
 * column first: what the ETL's whole-table scan hands cl_tally_add_rows. */
static const char *MIXED_SQL =
    "SELECT keep::DOUBLE, b::DOUBLE, a::DOUBLE, device, l2, l1, week FROM (VALUES "
    "(0, '2026-W47', 'junk', 'junk', 'tablet', 1e9, 1e9), "
    "(1, '2026-W46', 'paid', 'search', 'mobile', 100.0, NULL::DOUBLE), "
    "(1, '2026-W46', 'paid', 'search', 'mobile', 50.0, NULL), "
    "(0, '2026-W46', 'paid', 'search', 'mobile', 5e8, 5e8), "
    "(1, '2026-W47', 'paid', 'social', 'desktop', 7.0, 1.0), "
    "(1, '2026-W47', 'organic', 'search', 'mobile', 3.0, 2.0), "
    "(1, '2026-W47', 'organic', NULL, 'mobile', 1.0, NULL), "
    "(1, '2026-W47', 'paid', 'search', 'desktop', 20.0, 4.0), "
    "(0, '2026-W47', 'other', 'x', 'mobile', 1.0, 1.0), "
    "(1, '2026-W45', 'paid', 'search', 'mobile', 1000.0, 1000.0)) "
    "t(keep, week, l1, l2, device, a, b)";

static void build_from(fx_t *fx, int mixed);

static void build(fx_t *fx)
{
    build_from(fx, 0);
}

/* Add chunk C: every row (plain), or the kept rows through the column map (mixed). */
static void add_chunk(cl_tally_t *t, const cl_db_chunk_t *c, int mixed)
{
    cl_err_t err;
    if (!mixed) {
        assert_int_equal(cl_tally_add(t, c, &err), 0);
        return;
    }
    static const size_t cols[] = {6, 5, 4, 3, 2, 1}; /* week, l1, l2, device, a, b */
    const double *keep = NULL;
    const uint64_t *valid = NULL;
    uint32_t sel[64];
    size_t n = 0;
    assert_int_equal(cl_db_chunk_doubles(&keep, &valid, c, 0, &err), 0);
    for (size_t i = 0; i < cl_db_chunk_rows(c); i++) {
        if (keep[i] == 1) {
            sel[n++] = (uint32_t)i;
        }
    }
    assert_int_equal(cl_tally_add_rows(t, c, cols, sel, n, &err), 0);
    sel[0] = 1000; /* a row the chunk does not have */
    assert_int_equal(cl_tally_add_rows(t, c, cols, sel, 1, &err), CL_EINVAL);
}

static void build_from(fx_t *fx, int mixed)
{
    cl_err_t err;
    cl_db_options_t o = {.threads = 1};
    assert_int_equal(cl_db_open(&fx->db, NULL, &o, &err), 0);
    cl_week_t first = {2026, 46};
    assert_int_equal(cl_frame_new(&fx->f, first, 2, 2, &err), 0);
    static const char *const names[] = {"l1", "l2", "device"};
    const size_t parent[] = {CL_FRAME_NONE, 0, CL_FRAME_NONE}, leaf_measures[] = {1, 0};
    cl_tally_spec_t spec = {.n_dims = 3,
                            .dims = names,
                            .parent = parent,
                            .n_measures = 2,
                            .totals = 1,
                            .first_week = first,
                            .n_weeks = 2,
                            .n_leaf_dims = 2,
                            .n_leaf_measures = 2,
                            .leaf_measures = leaf_measures};
    for (int p = 0; p < CL_TALLY_PERIODS; p++) { /* current: W47; previous: W45 to W46 */
        snprintf(spec.period_lo[p], sizeof spec.period_lo[p], "%s",
                 p % 2 ? "2026-W45" : "2026-W47");
        snprintf(spec.period_hi[p], sizeof spec.period_hi[p], "%s",
                 p % 2 ? "2026-W46" : "2026-W47");
    }
    cl_tally_t *t = NULL;
    assert_int_equal(cl_tally_new(&t, &spec, &err), 0);
    cl_db_result_t *r = NULL;
    assert_int_equal(cl_db_query(&r, fx->db, mixed ? MIXED_SQL : ROWS_SQL, &err), 0);
    for (;;) {
        cl_db_chunk_t *c = NULL;
        assert_int_equal(cl_db_result_chunk(&c, r, &err), 0);
        if (!c) {
            break;
        }
        add_chunk(t, c, mixed);
        cl_db_chunk_free(c);
    }
    cl_db_result_free(r);
    assert_int_equal(cl_frame_add_dim(&fx->fdims[0], fx->f, "l1", CL_FRAME_NONE, &err), 0);
    assert_int_equal(cl_frame_add_dim(&fx->fdims[1], fx->f, "l2", fx->fdims[0], &err), 0);
    assert_int_equal(cl_frame_add_dim(&fx->fdims[2], fx->f, "device", CL_FRAME_NONE, &err), 0);
    const size_t measure[] = {0, 1};
    const unsigned char usable[] = {1, 1};
    const double scale[] = {1, 1}, leaf_scale[] = {1, 10};
    assert_int_equal(cl_tally_write(t, fx->f, fx->fdims, measure, usable, scale, &err), 0);
    const size_t leaf_catalog[] = {1, 0};
    assert_int_equal(cl_frame_leaf_dims(&fx->grain, fx->f, fx->fdims, 2, leaf_catalog, 2, &err), 0);
    assert_int_equal(cl_tally_write_leaves(t, fx->f, fx->grain, fx->fdims, leaf_scale, &err), 0);
    cl_tally_free(t);
}

static void done(fx_t *fx)
{
    cl_frame_free(fx->f);
    cl_db_close(fx->db);
}

static void test_tally__values_in_sql_order_with_parents(void **state)
{
    (void)state;
    fx_t fx = {0};
    build(&fx);
    const cl_frame_dim_t *l1 = &fx.f->dims[fx.fdims[0]], *l2 = &fx.f->dims[fx.fdims[1]];
    const cl_frame_dim_t *dev = &fx.f->dims[fx.fdims[2]];
    assert_int_equal(l1->n_values, 2);
    assert_string_equal(l1->values[0], "organic");
    assert_string_equal(l1->values[1], "paid");
    /* children sorted under their parents; "search" once per parent; NULL last as "(null)" */
    assert_int_equal(l2->n_values, 4);
    assert_string_equal(l2->values[0], "search");
    assert_int_equal(l2->parents[0], 0);
    assert_string_equal(l2->values[1], "(null)");
    assert_int_equal(l2->parents[1], 0);
    assert_string_equal(l2->values[2], "search");
    assert_int_equal(l2->parents[2], 1);
    assert_string_equal(l2->values[3], "social");
    assert_int_equal(dev->n_values, 2);
    assert_string_equal(dev->values[0], "desktop");
    assert_string_equal(dev->values[1], "mobile");
    done(&fx);
}

static void test_tally__sums_missing_and_zero(void **state)
{
    (void)state;
    fx_t fx = {0};
    build(&fx);
    cl_frame_t *f = fx.f;
    /* totals: W46 a = 150, b NULL in every row -> NaN; W47 a = 31, b = 7; W45 is outside */
    assert_true(*cl_frame_total(f, 0, 0) == 150);
    assert_true(isnan(*cl_frame_total(f, 0, 1)));
    assert_true(*cl_frame_total(f, 1, 0) == 31);
    assert_true(*cl_frame_total(f, 1, 1) == 7);
    /* paid/search: W46 150 (b NaN), W47 20 (b 4); organic has no row in W46: 0 */
    assert_true(*cl_frame_cell(f, fx.fdims[1], 2, 0, 0) == 150);
    assert_true(isnan(*cl_frame_cell(f, fx.fdims[1], 2, 0, 1)));
    assert_true(*cl_frame_cell(f, fx.fdims[1], 2, 1, 1) == 4);
    assert_true(*cl_frame_cell(f, fx.fdims[0], 0, 0, 0) == 0);
    assert_true(*cl_frame_cell(f, fx.fdims[0], 0, 1, 0) == 4);
    assert_true(*cl_frame_cell(f, fx.fdims[2], 1, 1, 0) == 4); /* mobile W47: 3 + 1 */
    done(&fx);
}

static void test_tally__leaves_per_period(void **state)
{
    (void)state;
    fx_t fx = {0};
    build(&fx);
    const cl_frame_leaves_t *l = &fx.f->leaves[fx.grain];
    /* (organic, search), (organic, NULL), (paid, search), (paid, social) */
    assert_int_equal(l->n_leaves, 4);
    assert_int_equal(l->codes[2 * 2 + 0], 1);
    assert_int_equal(l->codes[2 * 2 + 1], 2);
    /* paid/search: current (W47) b 4, a 20 / 10; previous (W45-W46) b NaN + 1000 = 1000,
     * a 150 + 1000 = 1150 / 10; leaf measure 0 is b, 1 is a (scaled by 10) */
    assert_true(*cl_frame_leaf_sum(l, 2, CL_WINDOW_WOW, 0, 0) == 4);
    assert_true(*cl_frame_leaf_sum(l, 2, CL_WINDOW_WOW, 0, 1) == 2);
    assert_true(*cl_frame_leaf_sum(l, 2, CL_WINDOW_WOW, 1, 0) == 1000);
    assert_true(*cl_frame_leaf_sum(l, 2, CL_WINDOW_YOY, 1, 1) == 115);
    /* organic/NULL: b NULL in its only row: NaN; no previous row: NaN */
    assert_true(isnan(*cl_frame_leaf_sum(l, 1, CL_WINDOW_MOM, 0, 0)));
    assert_true(*cl_frame_leaf_sum(l, 1, CL_WINDOW_MOM, 0, 1) == 0.1);
    assert_true(isnan(*cl_frame_leaf_sum(l, 1, CL_WINDOW_MOM, 1, 1)));
    done(&fx);
}

static void test_tally__selected_rows_through_a_column_map_give_the_same_frame(void **state)
{
    (void)state;
    fx_t a = {0}, b = {0};
    build_from(&a, 0);
    build_from(&b, 1);
    assert_int_equal(a.f->n_dims, b.f->n_dims);
    assert_memory_equal(a.f->totals, b.f->totals, 2 * 2 * sizeof(double));
    for (size_t d = 0; d < a.f->n_dims; d++) {
        const cl_frame_dim_t *x = &a.f->dims[d], *y = &b.f->dims[d];
        assert_int_equal(x->n_values, y->n_values);
        for (size_t v = 0; v < x->n_values; v++) {
            assert_string_equal(x->values[v], y->values[v]);
            assert_int_equal(x->parents[v], y->parents[v]);
        }
        assert_memory_equal(x->cells, y->cells, x->n_values * 2 * 2 * sizeof(double));
    }
    const cl_frame_leaves_t *la = &a.f->leaves[a.grain], *lb = &b.f->leaves[b.grain];
    assert_int_equal(la->n_leaves, lb->n_leaves);
    assert_memory_equal(la->codes, lb->codes, la->n_leaves * 2 * sizeof(uint32_t));
    assert_memory_equal(la->sums, lb->sums,
                        la->n_leaves * CL_WINDOW_COUNT * 2 * 2 * sizeof(double));
    done(&a);
    done(&b);
}

static void test_tally__refuses_bad_specs_and_columns(void **state)
{
    (void)state;
    cl_err_t err;
    static const char *const names[] = {"a", "b"};
    const size_t parent[] = {1, CL_FRAME_NONE};
    cl_tally_spec_t spec = {.n_dims = 2,
                            .dims = names,
                            .parent = parent,
                            .n_measures = 1,
                            .first_week = {2026, 47},
                            .n_weeks = 1};
    cl_tally_t *t = NULL;
    assert_int_equal(cl_tally_new(&t, &spec, &err), CL_EINVAL); /* a parent after its child */
    assert_null(t);
    const size_t flat[] = {CL_FRAME_NONE, CL_FRAME_NONE};
    spec.parent = flat;
    assert_int_equal(cl_tally_new(&t, &spec, &err), 0);
    cl_db_t *db = NULL;
    cl_db_options_t o = {.threads = 1};
    assert_int_equal(cl_db_open(&db, NULL, &o, &err), 0);
    cl_db_result_t *r = NULL; /* a measure column that is not DOUBLE */
    assert_int_equal(cl_db_query(&r, db, "SELECT '2026-W47', 'x', 'y', 1::BIGINT", &err), 0);
    cl_db_chunk_t *c = NULL;
    assert_int_equal(cl_db_result_chunk(&c, r, &err), 0);
    assert_non_null(c);
    assert_int_equal(cl_tally_add(t, c, &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "DOUBLE"));
    cl_db_chunk_free(c);
    cl_db_result_free(r);
    cl_db_close(db);
    cl_tally_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tally__values_in_sql_order_with_parents),
        cmocka_unit_test(test_tally__sums_missing_and_zero),
        cmocka_unit_test(test_tally__leaves_per_period),
        cmocka_unit_test(test_tally__selected_rows_through_a_column_map_give_the_same_frame),
        cmocka_unit_test(test_tally__refuses_bad_specs_and_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
