/* Robust statistics: medians and MAD ignore outliers; the log mean and Theil–Sen line are exact on
 * easy inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "insights/stats.h"

static void test_stats__median_skips_nan(void **state)
{
    (void)state;
    double v[] = {5, NAN, 1, 3, 100}, s[5];
    assert_true(cl_stats_median(v, 5, s) == 4.0);
    double w[] = {NAN, NAN};
    assert_true(isnan(cl_stats_median(w, 2, s)));
}

static void test_stats__qn_scale_ignores_outliers(void **state)
{
    (void)state;
    /* standard normal quantiles at (i - 0.5) / 20: Qn should be close to 1 */
    double v[21] = {-1.96, -1.44, -1.15, -0.93, -0.76, -0.6, -0.45, -0.32, -0.19, -0.06, 0.06,
                    0.19,  0.32,  0.45,  0.6,   0.76,  0.93, 1.15,  1.44,  1.96,  NAN};
    size_t n = 0;
    double q = cl_stats_qn_scale(v, 21, &n);
    assert_int_equal(n, 20);
    assert_true(fabs(q - 1) < 0.15);
    /* two wild values among twenty barely move it; a standard deviation would jump to ~6000 */
    double w[22];
    for (int i = 0; i < 20; i++) {
        w[i] = v[i];
    }
    w[20] = 20000;
    w[21] = -15000;
    assert_true(fabs(cl_stats_qn_scale(w, 22, NULL) - q) < 0.3);
    /* tied data: the standard deviation */
    double t[6] = {1, 1, 1, -1, -1, -1};
    assert_true(fabs(cl_stats_qn_scale(t, 6, NULL) - sqrt(6.0 / 5)) < 1e-12);
    assert_true(isnan(cl_stats_qn_scale(t, 1, NULL)));
}

/* Qn as the definition computes it: every pairwise distance listed, the k-th selected by a sort
 * (the reference the sorted-matrix selection must match bit for bit) */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double qn_reference(const double *v, size_t n)
{
    double x[CL_STATS_QN_MAX], d[CL_STATS_QN_MAX * (CL_STATS_QN_MAX - 1) / 2];
    size_t k = 0, m = 0;
    for (size_t i = 0; i < n && k < CL_STATS_QN_MAX; i++) {
        if (isfinite(v[i])) {
            x[k++] = v[i];
        }
    }
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i + 1; j < k; j++) {
            d[m++] = fabs(x[i] - x[j]);
        }
    }
    qsort(d, m, sizeof *d, cmp_double);
    size_t h = k / 2 + 1;
    return d[h * (h - 1) / 2 - 1];
}

/* The selection gives the very distance the full listing does, on every size up to the cap and
 * past it, with ties, duplicates, NaNs, spreads from 1e-12 to 1e12 and one-sided outliers: the
 * scale (before its factor) is compared with ==, and the tied-data fallback kicks in alike. */
static void test_stats__qn_selection_matches_the_listing(void **state)
{
    (void)state;
    unsigned long long s = 12345;
    double v[80];
    for (int trial = 0; trial < 20000; trial++) {
        size_t n = 2 + (size_t)(trial % 79);
        int kind = (trial / 79) % 5;
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(s >> 11) / 9007199254740992.0;
            switch (kind) {
            case 0:
                v[i] = u - 0.5;
                break;
            case 1:
                v[i] = floor(u * 4);
                break; /* heavy ties */
            case 2:
                v[i] = (u - 0.5) * (trial % 2 ? 1e12 : 1e-12);
                break;
            case 3:
                v[i] = u < 0.3 ? 1e6 * u : log(u);
                break; /* outliers */
            default:
                v[i] = u < 0.1 ? NAN : floor(u * 1000) / 7;
                break;
            }
        }
        size_t used = 0;
        double q = cl_stats_qn_scale(v, n, &used);
        if (used < 2) {
            continue;
        }
        double want = qn_reference(v, n);
        if (want == 0) { /* the sample standard deviation, as the function computes it */
            double x[CL_STATS_QN_MAX], mean = 0, ss = 0;
            size_t k = 0;
            for (size_t i = 0; i < n && k < CL_STATS_QN_MAX; i++) {
                if (isfinite(v[i])) {
                    x[k++] = v[i];
                }
            }
            for (size_t i = 0; i < k; i++) {
                mean += x[i];
            }
            mean /= (double)k;
            for (size_t i = 0; i < k; i++) {
                ss += (x[i] - mean) * (x[i] - mean);
            }
            assert_true(q == sqrt(ss / (double)(k - 1)));
            continue;
        }
        static const double small[10] = {0,     0,     0.399, 0.994, 0.512,
                                         0.844, 0.611, 0.857, 0.669, 0.872};
        double dn = used < 10  ? small[used]
                    : used % 2 ? (double)used / ((double)used + 1.4)
                               : (double)used / ((double)used + 3.8);
        assert_true(q == 2.2219 * want * dn);
    }
}

static void test_stats__logmean(void **state)
{
    (void)state;
    assert_true(cl_stats_logmean(3, 3) == 3);
    double l = cl_stats_logmean(2420, 2000);
    assert_true(fabs(l - 420 / log(1.21)) < 1e-9);
    assert_true(fabs(cl_stats_logmean(1 + 1e-15, 1) - 1) < 1e-12);
}

static void test_stats__theil_sen_line(void **state)
{
    (void)state;
    double v[8] = {10, 12, 14, 16, 500, 20, 22, 24}, s[64], b = 0, a = 0;
    assert_int_equal(cl_stats_theil_sen(v, 8, s, &b, &a), 0);
    assert_true(fabs(b - 2) < 1e-12 && fabs(a - 10) < 1e-12);
    double two[2] = {1, 2};
    assert_int_equal(cl_stats_theil_sen(two, 2, s, &b, &a), -1);
}

static void test_stats__sum(void **state)
{
    (void)state;
    double v[6] = {1, 0, 2, 0, 3, 0};
    assert_true(cl_stats_sum(v, 2, 0, 2) == 6);
    assert_true(isnan(cl_stats_sum(v, 2, 2, 1)));
    v[2] = NAN;
    assert_true(isnan(cl_stats_sum(v, 2, 0, 2)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats__median_skips_nan),
        cmocka_unit_test(test_stats__qn_scale_ignores_outliers),
        cmocka_unit_test(test_stats__qn_selection_matches_the_listing),
        cmocka_unit_test(test_stats__logmean),
        cmocka_unit_test(test_stats__theil_sen_line),
        cmocka_unit_test(test_stats__sum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
