/* rca_counts.c — the count family of the root-cause search: what a leaf of counts (viewers,
 * stalls, orders, sessions) costs at a given level, the common level of a count signal, and its
 * noise.
 *
 * Why a family of its own: a transformed count (square root, relative deviation) cannot stand in
 * for the count when most leaves expect less than one event, as in the RS cubes: its null
 * distribution is then lumpy, skewed and off-centre, a location-scale fit settles on the value of
 * the zero counts, and a median spread is zero. So counts are weighed as counts: a leaf with count
 * y against its expectation lambda, at level f, has mean f lambda and the variance of a negative
 * binomial, f lambda (1 + b f lambda); its cost is the corresponding quasi-likelihood. The level
 * of the leaves that did not move is fitted as the normal part of a mixture; b on the leaves large
 * enough to show it. Pure, reentrant. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mix64.h"
#include "insights/rca_search.h"
#include "insights/stats.h"

double rca_count_cost(double f, double x, double w, double lambda)
{
    return x > 0 ? w * (f - x * log(f * lambda)) : w * f;
}

#define LEVEL_GRID 12
#define LEVEL_SPAN log(30.0) /* the broad alternative: a level up to 30 times off, either way */
#define LEVEL_ITERS 30       /* EM steps at most */
#define LEVEL_PI_MIN 1e-3    /* the broad part's weight, kept within these */
#define LEVEL_PI_MAX 0.5
#define EXP_ZERO (-746.0) /* exp(x) is exactly 0 for x below about -745.13 */

/* The common level as the normal component of a two-part mixture fitted by EM from level 1: a
 * leaf is either at the common level f0 (quasi-Poisson around f0 lambda) or off it by any factor
 * between 1/30 and 30 (log-uniform). Large leaves dominate the normal part, as their precision
 * says they should; a leaf that expected 0.04 events and saw one, or a segment that rose tenfold,
 * goes to the broad part and does not move f0; and starting at "nothing changed", an anomaly
 * that holds most of the volume (RS case 14: 55 % of the viewers) cannot pose as the norm.
 *
 * Cost: a step prices every leaf at LEVEL_GRID levels (an exp each). Small leaves share their
 * (count, weight) — a WBR's sales grain at WoW: 480 distinct pairs among 1,064 leaves — so a step
 * prices each distinct pair once and sums over the leaves in leaf order as before: the same
 * level bit for bit. */

/* P(off the common level) of a leaf Y, W at level F, mixture weight PI. */
static double level_post(double y, double w, double f, double pi, const double *lgs,
                         const double *growth)
{
    /* the quasi-likelihood ratio of level f e^lg to level f, averaged over the grid */
    double m = f * w, r = 0; /* y/d and f lambda/d */
    for (int k = 0; k < LEVEL_GRID; k++) {
        double a = y * lgs[k] - m * growth[k];
        if (a > EXP_ZERO) {              /* below, exp() is exactly 0 and adds nothing */
            r += exp(a < 700 ? a : 700); /* fmin(a, 700) without the library call */
        }
    }
    r /= LEVEL_GRID;
    return pi * r / (pi * r + 1 - pi);
}

/* The distinct (Y, W) pairs of the N leaves (by their bits) into UY, UW (*NU of them, in order
 * of first appearance) and each leaf's pair into ID, by open addressing. Returns 0, or -1 when
 * memory is short (then the caller prices every leaf). */
static int distinct_pairs(const double *y, const double *w, size_t n, size_t *id, double *uy,
                          double *uw, size_t *nu)
{
    size_t cap = 16;
    while (cap < 2 * n) {
        cap <<= 1;
    }
    size_t *slot = malloc(cap * sizeof(*slot)); /* a distinct pair's number + 1; 0 = empty */
    if (!slot) {
        return -1;
    }
    memset(slot, 0, cap * sizeof(*slot));
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t a, b;
        memcpy(&a, &y[i], sizeof a);
        memcpy(&b, &w[i], sizeof b);
        /* mixed, not only multiplied: the pairs' doubles are often round numbers (1, 0.5, 40)
         * whose low mantissa bits are all zero, and a multiply carries only upwards (the
         * multiplicative hash this replaces sent most of a WBR's pairs to a few slots, ~800
         * probes a leaf, a tenth of the engine's instructions) */
        size_t h = (size_t)(cl_mix64(a ^ cl_mix64(b)) & (cap - 1));
        for (;; h = (h + 1) & (cap - 1)) {
            if (slot[h] == 0) {
                uy[u] = y[i];
                uw[u] = w[i];
                slot[h] = ++u;
                break;
            }
            uint64_t c, d;
            memcpy(&c, &uy[slot[h] - 1], sizeof c);
            memcpy(&d, &uw[slot[h] - 1], sizeof d);
            if (c == a && d == b) {
                break;
            }
        }
        id[i] = slot[h] - 1;
    }
    free(slot);
    *nu = u;
    return 0;
}

/* One EM step of the mixture: the leaves' posteriors at (*F, *PI), then the level and the weight
 * they give. Small leaves share their (count, weight) pair (see above): with SHARED, each of the
 * NU distinct pairs (UY, UW; leaf i's is ID[i]) is priced once into POST; the sums run over the
 * leaves in leaf order either way. Returns 1 when the level moved by less than the tolerance. */
typedef struct {
    const double *y, *w;
    size_t n;
    int shared;
    const size_t *id;
    const double *uy, *uw;
    double *post;
    size_t nu;
    double lgs[LEVEL_GRID], growth[LEVEL_GRID];
} level_em_t;

static int level_step(const level_em_t *e, double *f, double *pi)
{
    double num = 0, den = 0, sp = 0, cnt = 0;
    for (size_t u = 0; e->shared && u < e->nu; u++) {
        e->post[u] = level_post(e->uy[u], e->uw[u], *f, *pi, e->lgs, e->growth);
    }
    for (size_t i = 0; i < e->n; i++) {
        double p = e->shared ? e->post[e->id[i]]
                             : level_post(e->y[i], e->w[i], *f, *pi, e->lgs, e->growth);
        num += (1 - p) * e->y[i];
        den += (1 - p) * e->w[i];
        sp += p;
        cnt += 1;
    }
    double next = den > 0 && num > 0 ? num / den : *f;
    *pi = cnt > 0 ? fmin(fmax(sp / cnt, LEVEL_PI_MIN), LEVEL_PI_MAX) : *pi;
    int done = fabs(next - *f) < 1e-7 * *f;
    *f = next;
    return done;
}

/* The EM's fixed point, reached by SQUAREM (Varadhan and Roland, 2008: "squared" extrapolation,
 * their step length S3). Plain EM converges linearly, and slowly here: where a few leaves sit
 * between the two parts, the level and the mixture weight creep towards each other's fixed point
 * for tens to hundreds of steps, and the cap of 30 plain steps used to stop them short (up to
 * 7e-6 off on the WBR's fits, 1e-2 on random count cubes). A cycle takes two EM steps from
 * theta0, uses their first and second differences r and v to jump along the path they trace,
 * theta0 - 2 a r + a^2 v with a = -|r|/|v| (at most -1: a = -1 is the second step itself), then
 * takes one plain step from there. The level is a plain step's result that moved by less than
 * the tolerance (or the last of the LEVEL_ITERS steps), so the jumps change how fast the fixed
 * point is reached, not which one: on the WBR's 183 fits of a bench run a third fewer steps, each
 * level within 2.4e-7 of the fixed point plain EM reaches at a tolerance of 1e-14 (unit test: the
 * same fixed point on random count cubes, majorities of anomalous leaves included). A jump to a
 * level not above 0 is not taken: that cycle's second step is kept. */
static double level_fit(const level_em_t *e)
{
    double f = 1, pi = 0.05; /* from "nothing changed" (see rca_count_level) */
    for (int steps = 0; steps < LEVEL_ITERS;) {
        double f0 = f, p0 = pi, f1 = f, p1 = pi;
        steps++;
        if (level_step(e, &f1, &p1)) {
            return f1;
        }
        double f2 = f1, p2 = p1;
        steps++;
        if (level_step(e, &f2, &p2)) {
            return f2;
        }
        double rf = f1 - f0, rp = p1 - p0, vf = f2 - 2 * f1 + f0, vp = p2 - 2 * p1 + p0;
        double nr = sqrt(rf * rf + rp * rp), nv = sqrt(vf * vf + vp * vp);
        double a = nv > 0 ? fmin(-nr / nv, -1) : -1;
        f = f0 - 2 * a * rf + a * a * vf;
        pi = fmin(fmax(p0 - 2 * a * rp + a * a * vp, LEVEL_PI_MIN), LEVEL_PI_MAX);
        if (!(f > 0)) {
            f = f2;
            pi = p2;
            continue;
        }
        steps++;
        if (level_step(e, &f, &pi)) {
            return f;
        }
    }
    return f;
}

double rca_count_level(const double *y, const double *w, size_t n)
{
    level_em_t e = {.y = y, .w = w, .n = n};
    double step = 2 * LEVEL_SPAN / (LEVEL_GRID - 1);
    for (int k = 0; k < LEVEL_GRID; k++) {
        e.lgs[k] = -LEVEL_SPAN + k * step;
        e.growth[k] = exp(e.lgs[k]) - 1;
    }
    size_t k = n ? n : 1;
    size_t *id = malloc(k * sizeof(size_t));
    double *scratch = malloc(3 * k * sizeof(double)); /* distinct y, w, and their posteriors */
    e.shared =
        id && scratch && distinct_pairs(y, w, n, id, scratch, scratch + k, &e.nu) == 0 && e.nu < n;
    e.id = id;
    e.uy = scratch;
    e.uw = scratch ? scratch + k : NULL;
    e.post = scratch ? scratch + 2 * k : NULL;
    double f = level_fit(&e);
    free(id);
    free(scratch);
    return f;
}

#define COUNT_MIN_MEAN 5.0    /* leaves expecting fewer events cannot show overdispersion */
#define COUNT_MIN_LEAVES 30   /* fewer large leaves than this cannot tell it either */
#define MEDIAN_CHI2_1 0.45494 /* the median of a chi-square with one degree of freedom */

/* The median over the large leaves of their squared Pearson residual at level F, dispersion B. */
static double median_z2(const double *x, const double *lambda, const double *v, size_t n, double f,
                        double b, double *tmp)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double mu = lambda[i] * f;
        if (mu >= COUNT_MIN_MEAN) {
            double d = x[i] * lambda[i] - mu;
            tmp[k++] = d * d / (mu * (1 + (b + (v ? v[i] : 0)) * mu));
        }
    }
    if (k == 0) {
        return 0;
    }
    return cl_stats_median_inplace(tmp, k);
}

/* 1 if median_z2(...) > C, decided exactly without selecting the median: the bisection below
 * only asks which side of C the median is on. With A of the K residuals above C, the median of an
 * odd K (its middle one) is above C when A >= (K + 1) / 2; for an even K the median is half the
 * sum of the middle two, which are both above C when A > K / 2, both at most C when A < K / 2,
 * and otherwise the largest residual at most C and the smallest above it, whose half sum is
 * computed as cl_stats_median_inplace computes it. The same residuals, so the same answer bit for
 * bit; a NaN residual (none in practice) takes the selecting path. */
static int median_z2_above(const double *x, const double *lambda, const double *v, size_t n,
                           double f, double b, double c, double *tmp)
{
    size_t k = 0, above = 0;
    double below_max = -INFINITY, above_min = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double mu = lambda[i] * f;
        if (mu >= COUNT_MIN_MEAN) {
            double d = x[i] * lambda[i] - mu;
            double z2 = d * d / (mu * (1 + (b + (v ? v[i] : 0)) * mu));
            if (z2 > c) {
                above++;
                above_min = z2 < above_min ? z2 : above_min;
            } else if (z2 <= c) {
                below_max = z2 > below_max ? z2 : below_max;
            } else {
                return median_z2(x, lambda, v, n, f, b, tmp) > c; /* NaN */
            }
            k++;
        }
    }
    if (k == 0) {
        return 0 > c;
    }
    if (k % 2) {
        return above >= (k + 1) / 2;
    }
    if (above != k / 2) {
        return above > k / 2;
    }
    return 0.5 * (below_max + above_min) > c;
}

int rca_count_calibrate(double *w, const double *x, const double *lambda, const double *v, size_t n,
                        double b_floor, cl_err_t *err)
{
    if (n == 0) {
        return 0;
    }
    double *tmp = calloc(n, sizeof(double));
    if (!tmp) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        w[i] = lambda[i] / (1 + (v ? v[i] : 0) * lambda[i]); /* no overdispersion, for the level */
        tmp[i] = x[i] * w[i];
    }
    double f = rca_count_level(tmp, w, n), b = 0;
    size_t large = 0;
    for (size_t i = 0; i < n; i++) {
        large += lambda[i] * f >= COUNT_MIN_MEAN;
    }
    if (large >= COUNT_MIN_LEAVES && median_z2_above(x, lambda, v, n, f, 0, MEDIAN_CHI2_1, tmp)) {
        double lo = 0, hi = 1;
        while (hi < 1e6 && median_z2_above(x, lambda, v, n, f, hi, MEDIAN_CHI2_1, tmp)) {
            hi *= 4;
        }
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (lo + hi);
            *(median_z2_above(x, lambda, v, n, f, mid, MEDIAN_CHI2_1, tmp) ? &lo : &hi) = mid;
        }
        b = 0.5 * (lo + hi);
    }
    b = fmax(b, b_floor); /* the baseline's periods showed at least this much */
    for (size_t i = 0; i < n; i++) {
        w[i] = lambda[i] / (1 + (b + (v ? v[i] : 0)) * lambda[i] * f);
    }
    free(tmp);
    return 0;
}

/* ---- the baseline from its periods ------------------------------------------------------ */

#define BASE_FACTOR 3.0 /* an incident, not the minute-to-minute wobble of a leaf's rate */
#define BASE_ALPHA 0.05 /* family-wise over every leaf-period (Bonferroni) */

/* A leaf's baseline period K in PER's layout: (numerator, denominator) pairs, period by period. */
static double num_of(const double *c, int k)
{
    return c[2 * (size_t)k];
}

static double den_of(const double *c, int k)
{
    return c[2 * (size_t)k + 1];
}

/* The evidence in nats that a count Y does not come from a Poisson of mean MU: the log likelihood
 * ratio of mean Y against MU. By Chernoff's bound the chance of at least this much evidence in
 * that tail is at most exp(-evidence), so the test is conservative for small counts. */
static double poisson_evidence(double y, double mu)
{
    return (y > 0 ? y * log(y / mu) : 0) - (y - mu);
}

#define DISP_MIN_LEAVES 10 /* fewer leaves large enough cannot tell the dispersion */

/* The median of a chi-square with DF degrees of freedom (Wilson-Hilferty; exact to 1 % at df 1). */
static double chi2_median(int df)
{
    double k = 2.0 / (9.0 * df), t = 1 - k;
    return df * t * t * t;
}

typedef struct {
    double *x2; /* scratch: per large leaf, its Pearson chi-square / the median chi-square */
    const double *per;
    const unsigned char *keep;
    const size_t *leaf;
    const double *rate, *g;
    size_t n;
    int p;
} disp_t;

/* The median over the large leaves of X2(b) / median chi2(df): 1 when b is the dispersion. */
static double disp_median(const disp_t *d, double b)
{
    for (size_t j = 0; j < d->n; j++) {
        const double *c = d->per + d->leaf[j] * (size_t)d->p * 2;
        const unsigned char *kept = d->keep + d->leaf[j] * (size_t)d->p;
        double x2 = 0;
        int df = -1;
        for (int k = 0; k < d->p; k++) {
            double mu = den_of(c, k) * d->g[k] * d->rate[j];
            if (kept[k] && mu > 0) {
                double e = num_of(c, k) - mu;
                x2 += e * e / (mu * (1 + b * mu));
                df++;
            }
        }
        d->x2[j] = df > 0 ? x2 / chi2_median(df) : 1;
    }
    return cl_stats_median_inplace(d->x2, d->n);
}

/* Why: a leaf's count moves from minute to minute by more than Poisson noise (RS: a leaf's stall
 * rate at 2.0, 1.9, 2.2, 3.2 % of 6,500 viewers, where Poisson allows +-0.2 points), and a move
 * that size at the anomaly minute is no incident. The current period alone can show that only
 * when 30 leaves are large enough (rca_count_calibrate); the baseline's periods show it leaf by
 * leaf. The negative-binomial b is fitted like the current period's: robustly, on the leaves that
 * expect at least COUNT_MIN_MEAN events a period, at the value where the median of their Pearson
 * chi-square over the kept periods (around the leaf's own ratio times the cube's ratio in that
 * period, so a common move is not noise) is that of a chi-square of their degrees of freedom. */
static double period_dispersion(const double *per, const unsigned char *keep, size_t n, int p,
                                size_t *leaf, double *rate, double *x2)
{
    double g[CL_RCA_MAX_PERIODS], ty = 0, td = 0, py[CL_RCA_MAX_PERIODS] = {0},
                                  pd[CL_RCA_MAX_PERIODS] = {0};
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < p; k++) {
            py[k] += per[(i * (size_t)p + (size_t)k) * 2];
            pd[k] += per[(i * (size_t)p + (size_t)k) * 2 + 1];
        }
    }
    for (int k = 0; k < p; k++) {
        ty += py[k];
        td += pd[k];
    }
    for (int k = 0; k < p; k++) { /* the cube's ratio in period k relative to all periods */
        g[k] = pd[k] > 0 && py[k] > 0 && ty > 0 ? (py[k] / pd[k]) / (ty / td) : 1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double *c = per + i * (size_t)p * 2;
        const unsigned char *kept = keep + i * (size_t)p;
        double sy = 0, sg = 0;
        int n_kept = 0;
        for (int k = 0; k < p; k++) {
            if (kept[k] && den_of(c, k) > 0) {
                sy += num_of(c, k);
                sg += den_of(c, k) * g[k];
                n_kept++;
            }
        }
        if (n_kept >= 2 && sg > 0 && sy / n_kept >= COUNT_MIN_MEAN) {
            leaf[m] = i;
            rate[m++] = sy / sg;
        }
    }
    double b = 0;
    disp_t d = {x2, per, keep, leaf, rate, g, m, p};
    if (m >= DISP_MIN_LEAVES && disp_median(&d, 0) > 1) {
        double lo = 0, hi = 1;
        while (hi < 1e6 && disp_median(&d, hi) > 1) {
            hi *= 4;
        }
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (lo + hi);
            *(disp_median(&d, mid) > 1 ? &lo : &hi) = mid;
        }
        b = 0.5 * (lo + hi);
    }
    return b;
}

/* Why: the baseline is what normal looks like, and an incident often begins before the minute it
 * is labelled at (RS: a leaf at 3 % for three minutes, 53 % in the fourth, 73 % at the anomaly),
 * or flickers inside the baseline window (a leaf at 52 %, 5 %, 46 %, 6 % in the four minutes
 * before). Averaged in, such minutes make the broken segment's own baseline look half broken, its
 * move small, and the segment hard to tell from its normal neighbours. The question's DIRECTION
 * (+1: incidents raise the ratio, -1: lower it) says which periods are suspect: the leaf's normal
 * ratio is taken from the half of its periods least moved that way (robust to the other half
 * being broken), and a period of the other half is left out when its ratio is off that by a
 * factor of BASE_FACTOR or more in the incident's direction and beyond chance (Poisson,
 * Bonferroni over every leaf-period). The reference ratio carries half an event of prior at the
 * cube's ratio, as the signals do (rca.c). Without a direction, or for amounts (no denominator,
 * negative numbers), every period is kept: a high and a low period cannot be told apart as
 * incident and normal. */
int rca_baseline_settle(double *base_num, double *base_den, const double *per, size_t n, int p,
                        int direction, size_t *n_excluded, double *dispersion)
{
    size_t k1 = n + 1;
    unsigned char *keep = calloc(k1 * (size_t)p, 1);
    size_t *leaf = calloc(k1, sizeof(size_t));
    double *rate = calloc(k1, sizeof(double)), *x2 = calloc(k1, sizeof(double));
    if (!keep || !leaf || !rate || !x2) {
        free(keep);
        free(leaf);
        free(rate);
        free(x2);
        return CL_ENOMEM; /* nothing settled */
    }
    double tn = 0, td = 0;
    int robust = base_den != NULL && direction != 0;
    for (size_t i = 0; i < n * (size_t)p; i++) {
        tn += per[2 * i];
        td += per[2 * i + 1];
        robust = robust && per[2 * i] >= 0;
    }
    double r0 = td > 0 && tn > 0 ? tn / td : 1e-9;
    double bar = log((double)(n ? n : 1) * p / BASE_ALPHA);
    size_t excluded = 0;
    for (size_t i = 0; i < n; i++) {
        const double *c = per + i * (size_t)p * 2;
        unsigned char kept[CL_RCA_MAX_PERIODS];
        int order[CL_RCA_MAX_PERIODS], n_rated = 0, n_kept = p;
        memset(kept, 1, sizeof(kept));
        for (int k = 0; robust && k < p; k++) {
            if (den_of(c, k) > 0) { /* periods with a ratio, by it, least moved first */
                int j = n_rated++;
                while (j > 0 && direction * (num_of(c, order[j - 1]) * den_of(c, k) -
                                             num_of(c, k) * den_of(c, order[j - 1])) >
                                    0) {
                    order[j] = order[j - 1];
                    j--;
                }
                order[j] = k;
            }
        }
        int n_ref = (n_rated + 1) / 2;
        double ry = 0, rd = 0;
        for (int j = 0; j < n_ref; j++) {
            ry += num_of(c, order[j]);
            rd += den_of(c, order[j]);
        }
        double ratio = (ry + 0.5) / (rd + 0.5 / r0);
        for (int j = n_ref; j < n_rated; j++) {
            int k = order[j];
            double y = num_of(c, k), mu = den_of(c, k) * ratio;
            int off = direction > 0 ? y >= BASE_FACTOR * mu : BASE_FACTOR * y <= mu;
            if (off && poisson_evidence(y, mu) > bar) {
                kept[k] = 0;
                n_kept--;
                excluded++;
            }
        }
        double sy = 0, sd = 0;
        for (int k = 0; k < p; k++) {
            sy += kept[k] ? num_of(c, k) : 0;
            sd += kept[k] ? den_of(c, k) : 0;
        }
        base_num[i] += sy / n_kept;
        if (base_den) {
            base_den[i] += sd / n_kept;
        }
        memcpy(keep + i * (size_t)p, kept, (size_t)p);
    }
    *dispersion = base_den && p > 1 ? period_dispersion(per, keep, n, p, leaf, rate, x2) : 0;
    *n_excluded = excluded;
    free(keep);
    free(leaf);
    free(rate);
    free(x2);
    return 0;
}
