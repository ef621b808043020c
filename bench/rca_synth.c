/* rca_synth.c — a synthetic ratio (stall-rate) root-cause benchmark in the RS format, for judging
 * `catlens rca` on more than the 8 real RS development cases without tuning to them.
 *
 * Why: the real RS set has 135 cases of which 8 are here; methods tuned on 8 files prove nothing.
 * This generator reproduces the failure modes seen on real incidents, by construction and with a
 * known truth, so a change to the method can be judged on hundreds of cases:
 *   - a root cause whose leaves move by different factors (a CDN failing worse at some bitrates:
 *     the factor is modulated by the values of another attribute, plus per-leaf jitter);
 *   - nearly-every-leaf causes: sometimes one sub-segment of the element (at most a fifth of its
 *     viewers) is not affected at all;
 *   - binomial noise in the numerator, Poisson noise in the denominator, minute-to-minute
 *     overdispersion of every leaf's rate and a common drift of all rates;
 *   - small segments (0.5 % of the viewers and up) and causes of depth 1 to 3 in roughly the
 *     proportions of the real set (71 : 45 : 11), one cause in four cases out of five, two else;
 *     every cause visible, as the labelled incidents were: it moves its segment's stalls by at
 *     least 20 a minute;
 *   - mix shifts: an unrelated segment gaining or losing viewers, the broken segment losing some;
 *   - counter-moves: in one case in ten an unrelated segment's stall rate falls at the same
 *     minute (unlabelled), so the total may fall while the cause rises (RS 2020-08-06). The
 *     labelled causes are incidents: their stalls rose.
 * The label of a case is the injected element: the coarsest segment inside which (nearly) every
 * leaf was made abnormal in one direction, outside which nothing was.
 *
 *   rca_synth --out DIR [--cases N] [--seed S]
 *
 * writes DIR/data/<case>.csv (min,value,cnt and the attribute columns; five minutes, the anomaly
 * at the last) and DIR/labels.csv (case,anomaly_timestamp,n_root_cause_elements,root_cause).
 * Same arguments, same files, byte for byte. Test tooling: not part of the product. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ATTRS 5
#define MAX_VALUES 20
#define MINUTES 5
#define T0 1600000000LL

/* ---- random numbers: splitmix64 seeding xoshiro256** ----------------------------------- */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void rng_seed(rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        r->s[i] = splitmix(&seed);
    }
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(rng_t *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

static double uniform(rng_t *r) /* [0, 1) */
{
    return (double)(next_u64(r) >> 11) / 9007199254740992.0;
}

static double between(rng_t *r, double lo, double hi)
{
    return lo + (hi - lo) * uniform(r);
}

static double log_between(rng_t *r, double lo, double hi)
{
    return exp(between(r, log(lo), log(hi)));
}

static int pick(rng_t *r, int n) /* 0 .. n-1 */
{
    return (int)(uniform(r) * n);
}

static double gauss(rng_t *r)
{
    double u = 1.0 - uniform(r), v = uniform(r);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double lognormal(rng_t *r, double sd)
{
    return exp(sd * gauss(r) - 0.5 * sd * sd);
}

static long poisson(rng_t *r, double lambda)
{
    if (!(lambda > 0)) {
        return 0;
    }
    if (lambda > 40) {
        long k = lround(lambda + sqrt(lambda) * gauss(r));
        return k < 0 ? 0 : k;
    }
    double l = exp(-lambda), p = 1;
    long k = -1;
    do {
        k++;
        p *= uniform(r);
    } while (p > l);
    return k;
}

static long binomial(rng_t *r, long n, double p)
{
    if (n <= 0 || !(p > 0)) {
        return 0;
    }
    if (p >= 1) {
        return n;
    }
    if (n < 60) {
        long k = 0;
        for (long i = 0; i < n; i++) {
            k += uniform(r) < p;
        }
        return k;
    }
    double q = p < 0.5 ? p : 1 - p, mean = n * q;
    long k;
    if (mean < 25) {
        k = poisson(r, mean);
        k = k > n ? n : k;
    } else {
        k = lround(mean + sqrt(mean * (1 - q)) * gauss(r));
        k = k < 0 ? 0 : k > n ? n : k;
    }
    return p < 0.5 ? k : n - k;
}

/* ---- the case ------------------------------------------------------------------------- */

static const char *const attr_names[MAX_ATTRS] = {"cdn", "bitrate", "p2p", "device", "isp"};
static const char *const bitrates[] = {"0",    "500",  "1200", "2000",  "2500",
                                       "4000", "4500", "8000", "10000", "12000"};

typedef struct {
    int n_attrs;
    int card[MAX_ATTRS];
    double pop[MAX_ATTRS][MAX_VALUES];    /* share of viewers by value */
    double effect[MAX_ATTRS][MAX_VALUES]; /* baseline stall-rate effect by value */
} cube_t;

typedef struct {
    int at[MAX_ATTRS]; /* value per attribute, -1 = any */
    double factor;     /* rate multiplier (> 1 rise, < 1 drop) */
    int mod_attr;      /* attribute whose values modulate the factor, -1 none */
    double mod[MAX_VALUES];
    int spared_attr, spared_value; /* a sub-segment left normal, -1 none */
    double volume;                 /* its viewers' multiplier at the anomaly minute */
} cause_t;

static void value_name(char *buf, size_t cap, int a, int v)
{
    if (a == 1) {
        snprintf(buf, cap, "%s", bitrates[v]);
    } else if (a == 3) {
        snprintf(buf, cap, "C%d", v + 1);
    } else if (a == 4) {
        snprintf(buf, cap, "i%d", v + 1);
    } else {
        snprintf(buf, cap, "%d", a == 2 ? v : v + 1);
    }
}

static void make_cube(cube_t *c, rng_t *r)
{
    static const int lo[MAX_ATTRS] = {3, 4, 2, 4, 5}, hi[MAX_ATTRS] = {8, 10, 3, 7, 12};
    double u = uniform(r);
    c->n_attrs = u < 0.5 ? 3 : u < 0.8 ? 4 : 5;
    for (int a = 0; a < c->n_attrs; a++) {
        c->card[a] = lo[a] + pick(r, hi[a] - lo[a] + 1);
        double alpha = between(r, 0.8, 1.6), sum = 0;
        for (int v = 0; v < c->card[a]; v++) {
            c->pop[a][v] = pow(1.0 + pick(r, c->card[a]) + uniform(r), -alpha);
            sum += c->pop[a][v];
            c->effect[a][v] = lognormal(r, 0.4);
        }
        for (int v = 0; v < c->card[a]; v++) {
            c->pop[a][v] /= sum;
        }
    }
}

static int in_cause(const cause_t *k, const int *codes, int n_attrs)
{
    for (int a = 0; a < n_attrs; a++) {
        if (k->at[a] >= 0 && k->at[a] != codes[a]) {
            return 0;
        }
    }
    return 1;
}

static double share_of(const cube_t *c, const int *at)
{
    double s = 1;
    for (int a = 0; a < c->n_attrs; a++) {
        s *= at[a] >= 0 ? c->pop[a][at[a]] : 1;
    }
    return s;
}

/* The stalls a segment expects in a minute (the deterministic part of its leaves' rates). */
static double expected_stalls(const cube_t *c, const int *at, double scale, double base_rate)
{
    int codes[MAX_ATTRS] = {0};
    double sum = 0;
    for (;;) {
        int in = 1;
        double e = scale * base_rate;
        for (int a = 0; a < c->n_attrs; a++) {
            in &= at[a] < 0 || at[a] == codes[a];
            e *= c->pop[a][codes[a]] * c->effect[a][codes[a]];
        }
        sum += in ? e : 0;
        int a = c->n_attrs;
        while (a > 0 && ++codes[a - 1] == c->card[a - 1]) {
            codes[--a] = 0;
        }
        if (a == 0) {
            return sum;
        }
    }
}

#define VISIBLE 20 /* a cause moves its segment by at least this many stalls a minute */

/* A cause of DEPTH pairs, disjoint from OTHER (NULL: none; an attribute both fix, to different
 * values), raising its stall rate (lowering it with DROP: a counter-move), with 0.5 % .. 70 % of
 * the viewers, moving its stalls by at least VISIBLE a minute
 * (SCALE viewers, BASE_RATE stall rate): operators label incidents they can see. 0 for VISIBLE
 * means any (a mix segment). */
static void make_cause(cause_t *k, const cube_t *c, int depth, const cause_t *other, int drop,
                       double scale, double base_rate, double visible, rng_t *r)
{
    for (int tries = 0;; tries++) {
        k->factor = drop ? 1 / log_between(r, 1.5, 4) : log_between(r, 1.5, 15);
        double factor = k->factor;
        memset(k, 0, sizeof(*k));
        k->factor = factor;
        for (int a = 0; a < MAX_ATTRS; a++) {
            k->at[a] = -1;
        }
        for (int d = 0; d < depth;) {
            int a = pick(r, c->n_attrs);
            if (k->at[a] < 0) {
                k->at[a] = pick(r, c->card[a]);
                d++;
            }
        }
        double s = share_of(c, k->at);
        int disjoint = !other; /* some attribute both fix, to different values */
        for (int a = 0; other && a < c->n_attrs; a++) {
            disjoint |= other->at[a] >= 0 && k->at[a] >= 0 && other->at[a] != k->at[a];
        }
        double moved = fabs(k->factor - 1) * expected_stalls(c, k->at, scale, base_rate);
        if ((disjoint && s >= 0.005 && s <= 0.7 && moved >= visible) || tries > 1000) {
            break;
        }
    }
    k->mod_attr = k->spared_attr = -1;
    int free_attrs[MAX_ATTRS], n_free = 0;
    for (int a = 0; a < c->n_attrs; a++) {
        if (k->at[a] < 0) {
            free_attrs[n_free++] = a;
        }
    }
    if (n_free > 0) {
        double eta = between(r, 0, 0.8);
        k->mod_attr = free_attrs[pick(r, n_free)];
        for (int v = 0; v < c->card[k->mod_attr]; v++) {
            k->mod[v] = lognormal(r, eta);
        }
    }
    if (n_free > 0 && uniform(r) < 0.3) {
        int a = free_attrs[pick(r, n_free)], v = pick(r, c->card[a]);
        if (c->pop[a][v] <= 0.2) {
            k->spared_attr = a;
            k->spared_value = v;
        }
    }
    k->volume = uniform(r) < 0.3 ? between(r, 0.6, 1.1) : 1;
}

/* The factor the cause applies to a leaf: larger or smaller by the modulating attribute's value
 * and a jitter, never crossing 1 (a rise stays a rise). */
static double leaf_factor(const cause_t *k, const int *codes, rng_t *r)
{
    if (k->spared_attr >= 0 && codes[k->spared_attr] == k->spared_value) {
        return 1;
    }
    double m = (k->mod_attr >= 0 ? k->mod[codes[k->mod_attr]] : 1) * lognormal(r, 0.2);
    double lift = fabs(log(k->factor)) * m;
    return k->factor > 1 ? exp(lift) : exp(-lift);
}

static int format_cause(char *buf, size_t cap, const cause_t *k, const cube_t *c)
{
    /* attribute names sorted: bitrate, cdn, device, isp, p2p */
    static const int order[MAX_ATTRS] = {1, 0, 3, 4, 2};
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < MAX_ATTRS; i++) {
        int a = order[i];
        if (a >= c->n_attrs || k->at[a] < 0) {
            continue;
        }
        char v[16];
        value_name(v, sizeof(v), a, k->at[a]);
        int n = snprintf(buf + len, cap - len, "%s%s=%s", len ? "&" : "", attr_names[a], v);
        if (n < 0 || (size_t)n >= cap - len) {
            return -1;
        }
        len += (size_t)n;
    }
    return 0;
}

typedef struct {
    const cube_t *c;
    const cause_t *cause;
    int n_causes;
    const cause_t *mix;     /* an unrelated segment whose viewers move at the anomaly minute */
    const cause_t *counter; /* an unrelated segment whose stall rate falls then (unlabelled) */
    double scale, base_rate, drift[MINUTES], overdispersion;
} plan_t;

static void write_leaf(FILE *f, const plan_t *p, const int *codes, rng_t *r)
{
    const cube_t *c = p->c;
    double lambda = p->scale * share_of(c, codes) * lognormal(r, 0.5);
    double rate = p->base_rate * lognormal(r, 0.2);
    for (int a = 0; a < c->n_attrs; a++) {
        rate *= c->effect[a][codes[a]];
    }
    double factor = 1, volume = 1;
    for (int k = 0; k < p->n_causes; k++) {
        if (in_cause(&p->cause[k], codes, c->n_attrs)) {
            factor = leaf_factor(&p->cause[k], codes, r);
            volume = p->cause[k].volume;
        }
    }
    if (p->mix && in_cause(p->mix, codes, c->n_attrs)) {
        volume *= p->mix->volume;
    }
    if (factor == 1 && p->counter && in_cause(p->counter, codes, c->n_attrs)) {
        factor = leaf_factor(p->counter, codes, r);
    }
    char names[MAX_ATTRS][16];
    for (int a = 0; a < c->n_attrs; a++) {
        value_name(names[a], sizeof(names[a]), a, codes[a]);
    }
    for (int m = 0; m < MINUTES; m++) {
        int last = m == MINUTES - 1;
        long cnt = poisson(r, lambda * lognormal(r, 0.03) * (last ? volume : 1));
        double q = rate * p->drift[m] * lognormal(r, p->overdispersion) * (last ? factor : 1);
        long val = binomial(r, cnt, q > 0.95 ? 0.95 : q);
        if (cnt == 0) {
            continue; /* the cube is sparse: no viewers, no row */
        }
        fprintf(f, "%lld,%ld,%ld", T0 + 60LL * m, val, cnt);
        for (int a = 0; a < c->n_attrs; a++) {
            fprintf(f, ",%s", names[a]);
        }
        fputc('\n', f);
    }
}

static int write_case(const char *dir, int index, uint64_t seed, FILE *labels)
{
    rng_t r;
    rng_seed(&r, seed * 1000003u + (uint64_t)index);
    cube_t c;
    make_cube(&c, &r);
    cause_t causes[2], mix, counter;
    plan_t p = {&c,
                causes,
                0,
                NULL,
                NULL,
                log_between(&r, 1e3, 1e5),
                log_between(&r, 0.005, 0.06),
                {0},
                between(&r, 0.05, 0.3)};
    int n_causes = uniform(&r) < 0.2 ? 2 : 1, counter_move = uniform(&r) < 0.1;
    for (int k = 0; k < n_causes; k++) {
        double u = uniform(&r);
        int depth = u < 0.55 ? 1 : u < 0.9 ? 2 : 3;
        depth = depth > c.n_attrs ? c.n_attrs : depth;
        make_cause(&causes[k], &c, depth, k ? &causes[0] : NULL, 0, p.scale, p.base_rate, VISIBLE,
                   &r);
    }
    p.n_causes = n_causes;
    if (counter_move) {
        make_cause(&counter, &c, 1, &causes[0], 1, p.scale, p.base_rate, VISIBLE, &r);
        p.counter = &counter;
    }
    for (int m = 0; m < MINUTES; m++) {
        p.drift[m] = lognormal(&r, 0.05);
    }
    if (uniform(&r) < 0.3) {
        make_cause(&mix, &c, 1, &causes[0], 0, p.scale, p.base_rate, 0, &r);
        mix.volume = uniform(&r) < 0.5 ? between(&r, 0.5, 0.8) : between(&r, 1.3, 2);
        p.mix = &mix;
    }
    char name[32], path[4096], text[2][256];
    snprintf(name, sizeof(name), "synth%04d", index + 1);
    snprintf(path, sizeof(path), "%s/data/%s.csv", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "rca_synth: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fputs("min,value,cnt", f);
    for (int a = 0; a < c.n_attrs; a++) {
        fprintf(f, ",%s", attr_names[a]);
    }
    fputc('\n', f);
    int codes[MAX_ATTRS] = {0};
    for (;;) {
        write_leaf(f, &p, codes, &r);
        int a = c.n_attrs;
        while (a > 0 && ++codes[a - 1] == c.card[a - 1]) {
            codes[--a] = 0;
        }
        if (a == 0) {
            break;
        }
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "rca_synth: cannot write %s\n", path);
        return -1;
    }
    for (int k = 0; k < n_causes; k++) {
        if (format_cause(text[k], sizeof(text[k]), &causes[k], &c) != 0) {
            return -1;
        }
    }
    /* elements joined by ';' in sorted order, as the scorer normalises */
    int swap = n_causes == 2 && strcmp(text[0], text[1]) > 0;
    fprintf(labels, "%s,%lld,%d,%s%s%s\n", name, T0 + 60LL * (MINUTES - 1), n_causes, text[swap],
            n_causes == 2 ? ";" : "", n_causes == 2 ? text[!swap] : "");
    return 0;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    long cases = 200, seed = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
            cases = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtol(argv[++i], NULL, 10);
        } else {
            out = NULL;
            break;
        }
    }
    if (!out || cases < 1 || cases > 100000 || seed < 0) {
        fprintf(stderr, "usage: rca_synth --out DIR [--cases N (1..100000, default 200)] "
                        "[--seed S (default 1)]\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/data", out);
    if ((mkdir(out, 0777) != 0 && errno != EEXIST) || (mkdir(path, 0777) != 0 && errno != EEXIST)) {
        fprintf(stderr, "rca_synth: cannot create %s: %s\n", path, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof(path), "%s/labels.csv", out);
    FILE *labels = fopen(path, "w");
    if (!labels) {
        fprintf(stderr, "rca_synth: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    fputs("case,anomaly_timestamp,n_root_cause_elements,root_cause\n", labels);
    int rc = 0;
    for (long i = 0; i < cases && rc == 0; i++) {
        rc = write_case(out, (int)i, (uint64_t)seed, labels);
    }
    if (fclose(labels) != 0) {
        rc = -1;
    }
    return rc == 0 ? 0 : 1;
}
