/* breakdown.c — where did the change happen? Per dimension value contributions that add up to the
 * slice's change, for additive metrics directly and for ratios through the mix/rate split. */
#include "insights/breakdown.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "insights/mixrate.h"

int cl_breakdown_carries(const cl_catalog_t *cat, size_t metric, const cl_frame_t *f, size_t dim)
{
    const cl_metric_t *m = cl_catalog_at(cat, metric);
    const unsigned char *has = f->dims[dim].has;
    if (m->kind == CL_METRIC_ADDITIVE) {
        return has[metric];
    }
    return has[m->numerator] && has[m->denominator];
}

static int cmp_rows(const void *a, const void *b)
{
    const cl_breakdown_row_t *x = a, *y = b;
    double ax = fabs(x->contribution), ay = fabs(y->contribution);
    if (isnan(ax) != isnan(ay)) {
        return isnan(ax) ? 1 : -1;
    }
    if (ax != ay) {
        return ax > ay ? -1 : 1;
    }
    return (x->value > y->value) - (x->value < y->value);
}

static void sort_rows(cl_breakdown_row_t *rows, size_t n)
{
    qsort(rows, n, sizeof *rows, cmp_rows);
}

static void share(cl_breakdown_row_t *r, double part0, double total0, double part1, double total1)
{
    r->share_previous = total0 != 0 ? 100.0 * part0 / total0 : NAN;
    r->share_current = total1 != 0 ? 100.0 * part1 / total1 : NAN;
    r->share_shift_pp = r->share_current - r->share_previous;
}

static int ratio_rows(cl_breakdown_t *out, const cl_metric_t *m, cl_err_t *err)
{
    cl_mixrate_in_t *in = calloc(out->n_rows + 1, sizeof *in);
    cl_mixrate_out_t *mo = calloc(out->n_rows + 1, sizeof *mo);
    int rc = 0;
    if (!in || !mo) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < out->n_rows; i++) {
        cl_breakdown_row_t *r = &out->rows[i];
        in[i] = (cl_mixrate_in_t){r->num[0], r->den[0], r->num[1], r->den[1]};
    }
    double r0, r1, mix, rate;
    if (cl_mixrate_split(mo, &r0, &r1, &mix, &rate, in, out->n_rows, m->scale) != 0) {
        out->available = 0;
        goto cleanup;
    }
    out->previous = r0;
    out->current = r1;
    out->total_change = r1 - r0;
    out->mix_effect = mix;
    out->rate_effect = rate;
    for (size_t i = 0; i < out->n_rows; i++) {
        cl_breakdown_row_t *r = &out->rows[i];
        r->previous = mo[i].r0;
        r->current = mo[i].r1;
        r->change = r->current - r->previous;
        r->change_pct = r->previous != 0 ? 100.0 * r->change / fabs(r->previous) : NAN;
        r->mix_effect = mo[i].mix;
        r->rate_effect = mo[i].rate;
        r->contribution = mo[i].mix + mo[i].rate;
        r->share_previous = 100.0 * mo[i].s0;
        r->share_current = 100.0 * mo[i].s1;
        r->share_shift_pp = r->share_current - r->share_previous;
    }
cleanup:
    free(in);
    free(mo);
    return rc;
}

static void additive_rows(cl_breakdown_t *out)
{
    double t0 = 0, t1 = 0;
    for (size_t i = 0; i < out->n_rows; i++) {
        t0 += out->rows[i].num[0];
        t1 += out->rows[i].num[1];
    }
    out->previous = t0;
    out->current = t1;
    out->total_change = t1 - t0;
    for (size_t i = 0; i < out->n_rows; i++) {
        cl_breakdown_row_t *r = &out->rows[i];
        r->previous = r->num[0];
        r->current = r->num[1];
        r->change = r->current - r->previous;
        r->change_pct = r->previous != 0 ? 100.0 * r->change / fabs(r->previous) : NAN;
        r->contribution = r->change;
        r->mix_effect = r->rate_effect = NAN;
        share(r, r->num[0], t0, r->num[1], t1);
    }
}

int cl_breakdown_compute(cl_breakdown_t *out, const cl_catalog_t *cat, size_t metric,
                         const cl_frame_t *f, size_t dim, const cl_period_t *p, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->dim = dim;
    out->metric = metric;
    out->mix_effect = out->rate_effect = NAN;
    const cl_frame_dim_t *d = &f->dims[dim];
    const cl_metric_t *m = cl_catalog_at(cat, metric);
    if (!cl_breakdown_carries(cat, metric, f, dim) || d->n_values == 0) {
        return 0;
    }
    out->rows = calloc(d->n_values, sizeof *out->rows);
    if (!out->rows) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    out->n_rows = d->n_values;
    out->available = 1;
    size_t stride = f->n_measures;
    for (size_t v = 0; v < d->n_values; v++) {
        cl_breakdown_row_t *r = &out->rows[v];
        const double *base = cl_frame_cell(f, dim, v, 0, 0);
        r->value = v;
        cl_period_sums(&r->num[1], &r->den[1], cat, metric, base, stride, p->cur_first,
                       p->cur_last);
        cl_period_sums(&r->num[0], &r->den[0], cat, metric, base, stride, p->prev_first,
                       p->prev_last);
        if (isnan(r->num[0]) || isnan(r->num[1]) || isnan(r->den[0]) || isnan(r->den[1])) {
            out->available = 0;
        }
    }
    if (out->available) {
        if (m->kind == CL_METRIC_ADDITIVE) {
            additive_rows(out);
        } else if (ratio_rows(out, m, err) != 0) {
            cl_breakdown_dispose(out);
            return CL_ENOMEM;
        }
    }
    if (!out->available) {
        cl_breakdown_dispose(out);
        out->dim = dim;
        out->metric = metric;
        return 0;
    }
    for (size_t v = 0; v < out->n_rows; v++) {
        cl_breakdown_row_t *r = &out->rows[v];
        r->contribution_pct =
            out->total_change != 0 ? 100.0 * r->contribution / out->total_change : NAN;
    }
    sort_rows(out->rows, out->n_rows);
    return 0;
}

void cl_breakdown_dispose(cl_breakdown_t *b)
{
    if (b) {
        free(b->rows);
        memset(b, 0, sizeof *b);
        b->mix_effect = b->rate_effect = NAN;
    }
}
