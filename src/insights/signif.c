/* signif.c — robust significance of changes (method in signif.h and docs/insights.md). Noise is
 * measured on the metric's own history, so a volatile metric needs a bigger move to be news than a
 * steady one. */
#include "insights/signif.h"

#include <math.h>
#include <stdlib.h>

#include "core/err.h"

#include "insights/period.h"
#include "insights/stats.h"

#define Z_CAP 99.0
#define LOG_FLOOR 1e-3 /* 0.1 %: a perfectly flat history still needs a visible move */

cl_sig_level_t cl_signif_level(double z)
{
    double a = fabs(z);
    return a >= 3.0 ? CL_SIG_HIGH : a >= 2.0 ? CL_SIG_MEDIUM : CL_SIG_LOW;
}

const char *cl_signif_level_name(cl_sig_level_t level)
{
    return level == CL_SIG_HIGH ? "high" : level == CL_SIG_MEDIUM ? "medium" : "low";
}

static double cap(double z)
{
    return z > Z_CAP ? Z_CAP : z < -Z_CAP ? -Z_CAP : z;
}

static cl_signif_t none(void)
{
    return (cl_signif_t){.z = 0.0, .level = CL_SIG_LOW, .method = "insufficient_history"};
}

/* current and previous value of the window ending at T; -1 when outside the frame or missing */
static int pair_at(double *cur, double *prev, const cl_catalog_t *cat, size_t metric,
                   const cl_frame_t *f, const double *base, size_t stride, cl_window_t win, long t)
{
    cl_period_t p;
    if (cl_period_at(&p, f, win, t) != 0) {
        return -1;
    }
    *cur = cl_period_value(cat, metric, base, stride, p.cur_first, p.cur_last);
    *prev = cl_period_value(cat, metric, base, stride, p.prev_first, p.prev_last);
    return isfinite(*cur) && isfinite(*prev) ? 0 : -1;
}

/* Changes of window WIN at the end weeks before T: log ratios (NaN where not positive) and
 * differences, *n_out entries written. Returns how many differences were computable. */
static size_t history(double *logs, double *diffs, size_t *n_out, size_t *n_log,
                      const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                      const double *base, size_t stride, cl_window_t win, long t)
{
    size_t n = 0, n_abs = 0;
    *n_log = 0;
    for (long u = t - 1; u >= 0 && n < CL_SIGNIF_HISTORY; u--, n++) {
        double c, p;
        logs[n] = diffs[n] = NAN;
        if (pair_at(&c, &p, cat, metric, f, base, stride, win, u) != 0) {
            continue;
        }
        diffs[n] = c - p;
        n_abs++;
        if (c > 0 && p > 0) {
            logs[n] = log(c / p);
            (*n_log)++;
        }
    }
    *n_out = n;
    return n_abs;
}

/* Counting noise: a count of n events varies by about sqrt(n) (Poisson), so the log change of a
 * count, or of a ratio over a counted numerator (conversion: orders), cannot be known better than
 * sqrt(1/n_cur + 1/n_prev). Small slices with a handful of orders are judged by this floor. */
static double counting_noise(const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                             const double *base, size_t stride, cl_window_t win, long t)
{
    const cl_metric_t *m = cl_catalog_at(cat, metric);
    size_t counted = m->kind == CL_METRIC_RATIO ? m->numerator : metric;
    if (cl_catalog_at(cat, counted)->unit != CL_UNIT_COUNT) {
        return 0;
    }
    cl_period_t p;
    if (cl_period_at(&p, f, win, t) != 0) {
        return 0;
    }
    double n1 = cl_stats_sum(base + counted, stride, p.cur_first, p.cur_last);
    double n0 = cl_stats_sum(base + counted, stride, p.prev_first, p.prev_last);
    return n1 > 0 && n0 > 0 ? sqrt(1 / n1 + 1 / n0) : 0;
}

int cl_signif_memo_init(cl_signif_memo_t *m, const cl_frame_t *f, size_t n_metrics, long t)
{
    *m = (cl_signif_memo_t){.t = t, .n_metrics = n_metrics, .n_dims = f->n_dims};
    m->first = malloc((f->n_dims + 1) * sizeof *m->first);
    size_t n = 1;
    for (size_t d = 0; m->first && d < f->n_dims; d++) {
        m->first[d] = n;
        n += f->dims[d].n_values;
    }
    m->e = m->first ? calloc(n * (n_metrics ? n_metrics : 1), sizeof *m->e) : NULL;
    if (!m->e) {
        cl_signif_memo_dispose(m);
        return CL_ENOMEM;
    }
    return 0;
}

void cl_signif_memo_dispose(cl_signif_memo_t *m)
{
    free(m->first);
    free(m->e);
    *m = (cl_signif_memo_t){0};
}

cl_signif_wow_t *cl_signif_memo_totals(const cl_signif_memo_t *m, size_t metric)
{
    return m && metric < m->n_metrics ? &m->e[metric] : NULL;
}

cl_signif_wow_t *cl_signif_memo_cell(const cl_signif_memo_t *m, size_t dim, size_t value,
                                     size_t metric)
{
    if (!m || dim >= m->n_dims || metric >= m->n_metrics) {
        return NULL;
    }
    return &m->e[(m->first[dim] + value) * m->n_metrics + metric];
}

/* The WoW part: its history's counts, the Qn of its log changes when there are enough of them,
 * else that of its differences when there are enough (the only branches that can use them). */
static void wow_compute(cl_signif_wow_vals_t *v, const cl_catalog_t *cat, size_t metric,
                        const cl_frame_t *f, const double *base, size_t stride, long t)
{
    double wl[CL_SIGNIF_HISTORY], wd[CL_SIGNIF_HISTORY];
    *v = (cl_signif_wow_vals_t){.qn_log = NAN, .qn_abs = NAN};
    v->wn_abs = history(wl, wd, &v->wn, &v->wn_log, cat, metric, f, base, stride, CL_WINDOW_WOW, t);
    if (v->wn_log >= CL_SIGNIF_MIN_HISTORY) {
        v->qn_log = cl_stats_qn_scale(wl, v->wn, &v->used_log);
    } else if (v->wn_abs >= CL_SIGNIF_MIN_HISTORY) {
        v->qn_abs = cl_stats_qn_scale(wd, v->wn, &v->used_abs);
    }
}

/* The filled slot, or V computed here (and stored when this caller claims the slot first) */
static const cl_signif_wow_vals_t *wow_get(cl_signif_wow_vals_t *v, cl_signif_wow_t *w,
                                           const cl_catalog_t *cat, size_t metric,
                                           const cl_frame_t *f, const double *base, size_t stride,
                                           long t)
{
    if (atomic_load_explicit(&w->state, memory_order_acquire) == 2) {
        return &w->v;
    }
    wow_compute(v, cat, metric, f, base, stride, t);
    int expected = 0;
    if (atomic_compare_exchange_strong_explicit(&w->state, &expected, 1, memory_order_acq_rel,
                                                memory_order_acquire)) {
        w->v = *v;
        atomic_store_explicit(&w->state, 2, memory_order_release);
    }
    return v;
}

cl_signif_t cl_signif_change_memo(const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                                  const double *base, size_t stride, cl_window_t win, long t,
                                  cl_signif_wow_t *wow)
{
    double cur, prev;
    if (pair_at(&cur, &prev, cat, metric, f, base, stride, win, t) != 0) {
        return none();
    }
    cl_signif_wow_vals_t local;
    const cl_signif_wow_vals_t *w =
        wow ? wow_get(&local, wow, cat, metric, f, base, stride, t) : NULL;
    if (!w) {
        wow_compute(&local, cat, metric, f, base, stride, t);
        w = &local;
    }
    double hl[CL_SIGNIF_HISTORY], hd[CL_SIGNIF_HISTORY];
    size_t hn_log = w->wn_log, hn = 0, wn_log = w->wn_log;
    size_t hn_abs = w->wn_abs, wn_abs = w->wn_abs;
    int multi = win == CL_WINDOW_MOM || win == CL_WINDOW_QOQ;
    if (multi) {
        hn_abs = history(hl, hd, &hn, &hn_log, cat, metric, f, base, stride, win, t);
    }
    /* The noise of a k-week comparison is at least the weekly noise / sqrt(k): rolling k-week
     * histories overlap, so their own spread alone can be too small. */
    double root_k = sqrt((double)cl_window_weeks(win));
    cl_signif_t s = none();
    if (cur > 0 && prev > 0 && hn_log >= CL_SIGNIF_MIN_HISTORY && wn_log >= CL_SIGNIF_MIN_HISTORY) {
        double model = w->qn_log / root_k;
        s.history = w->used_log;
        double emp = multi ? cl_stats_qn_scale(hl, hn, &s.history) : model;
        s.scale = fmax(fmax(emp, model),
                       fmax(LOG_FLOOR, counting_noise(cat, metric, f, base, stride, win, t)));
        s.z = cap(log(cur / prev) / s.scale);
        s.method = "robust_z";
    } else if (hn_abs >= CL_SIGNIF_MIN_HISTORY && wn_abs >= CL_SIGNIF_MIN_HISTORY) {
        size_t used = w->used_abs;
        double q = w->qn_abs;
        if (isnan(q)) { /* not computed ahead: the log branch was possible for the WoW part */
            double wl[CL_SIGNIF_HISTORY], wd[CL_SIGNIF_HISTORY];
            size_t wn = 0, n_log = 0;
            history(wl, wd, &wn, &n_log, cat, metric, f, base, stride, CL_WINDOW_WOW, t);
            q = cl_stats_qn_scale(wd, wn, &used);
        }
        double model = q / root_k;
        s.history = used;
        double emp = multi ? cl_stats_qn_scale(hd, hn, &s.history) : model;
        double floor = 1e-3 * fmax(fabs(cur), fabs(prev));
        s.scale = fmax(fmax(emp, model), floor);
        s.z = s.scale > 0 ? cap((cur - prev) / s.scale) : 0.0;
        s.method = "robust_z_abs";
    } else {
        return s;
    }
    s.level = cl_signif_level(s.z);
    return s;
}

cl_signif_t cl_signif_change(const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                             const double *base, size_t stride, cl_window_t win, long t)
{
    return cl_signif_change_memo(cat, metric, f, base, stride, win, t, NULL);
}

cl_signif_t cl_signif_from_history(const double *changes, size_t n, double current)
{
    cl_signif_t s = none();
    if (!isfinite(current)) {
        return s;
    }
    double scale = cl_stats_qn_scale(changes, n, &s.history);
    if (s.history < CL_SIGNIF_MIN_HISTORY) {
        s.history = 0;
        return s;
    }
    double floor = 1e-3 * fabs(current);
    s.scale = scale > floor ? scale : floor;
    s.z = s.scale > 0 ? cap(current / s.scale) : 0.0;
    s.method = "robust_z_abs";
    s.level = cl_signif_level(s.z);
    return s;
}
