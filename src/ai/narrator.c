/* narrator.c — the summary written without a model. One sentence pattern per finding type, chosen
 * by the signs of the figures it cites, in the rank order the engine gave; actions from the
 * unfavourable findings; caveats from low significance and unavailable metrics. Only fields the
 * finding has are cited, and every figure is a placeholder, so the guardrails check the narrator
 * exactly as they check a model. */
#include "ai/narrator.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/strbuf.h"
#include "insights/format.h"

#define MAX_BULLETS 5
#define MAX_ACTIONS 3
#define MAX_CAVEATS 3

static int has(const cl_ai_finding_t *f, const char *field)
{
    return json_is_number(json_object_get(json_object_get(f->obj, "numbers"), field));
}

static double num(const cl_ai_finding_t *f, const char *field)
{
    return json_number_value(json_object_get(json_object_get(f->obj, "numbers"), field));
}

/* Append S as prose: braces and characters that could read as figures or markup become spaces, so
 * an entity name can never turn into a placeholder. */
static void put_entity(cl_strbuf_t *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int keep = isalnum(c) || c == '_' || c == '-' || c == ' ' || c == '&' || c >= 0x80;
        cl_strbuf_putc(b, (char)(keep ? c : ' '));
    }
}

/* A path step as prose: the dimension's label, lower-case ("device", "customer type"), then the
 * value with underscores as spaces ("paid search"). A label with a digit ("Traffic source L2") is
 * left out, so no digit stands outside a placeholder (the numbers guardrail). */
static void put_step(cl_strbuf_t *b, json_t *step)
{
    char label[64], value[256];
    cl_format_dimension(label, sizeof label, json_string_value(json_object_get(step, "dimension")));
    snprintf(value, sizeof value, "%s", json_string_value(json_object_get(step, "value")) ?: "");
    for (char *p = value; *p; p++) {
        *p = (char)(*p == '_' ? ' ' : *p);
    }
    if (!strpbrk(label, "0123456789")) {
        label[0] = (char)tolower((unsigned char)label[0]);
        put_entity(b, label);
        cl_strbuf_putc(b, ' ');
    }
    put_entity(b, value);
}

/* "device mobile and traffic source paid search", or the category for the empty path. */
static void put_path(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    if (json_array_size(f->path) == 0) {
        put_entity(b, in->category);
        return;
    }
    size_t i;
    json_t *step;
    json_array_foreach(f->path, i, step)
    {
        if (i) {
            cl_strbuf_puts(b, " and ");
        }
        put_step(b, step);
    }
}

/* put_path at the start of a sentence: its first letter a capital. */
static void put_path_first(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    size_t start = b->len;
    put_path(b, in, f);
    if (b->data && b->len > start) {
        b->data[start] = (char)toupper((unsigned char)b->data[start]);
    }
}

static void put_label(cl_strbuf_t *b, const cl_ai_metric_t *m, int capital)
{
    size_t start = b->len;
    put_entity(b, m->label);
    if (b->data && b->len > start) {
        b->data[start] = (char)(capital ? toupper((unsigned char)b->data[start])
                                        : tolower((unsigned char)b->data[start]));
    }
}

static const char *moved(double v)
{
    return v > 0 ? "rose" : v < 0 ? "fell" : "held at";
}

/* "64.6% of the total change"; a share against the change carries its sign ("-20.4% of …"). */
static void put_share(cl_strbuf_t *b, const cl_ai_finding_t *f, const char *joiner)
{
    if (has(f, "share_of_change")) {
        cl_strbuf_printf(b, "%s{%s.share_of_change%s} of the total change", joiner, f->handle,
                         num(f, "share_of_change") < 0 ? "|signed" : "");
    }
}

static void sentence_change(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    put_label(b, f->metric, 1);
    if (json_array_size(f->path) > 0) {
        cl_strbuf_puts(b, " in ");
        put_path(b, in, f);
    }
    double ch = num(f, "change");
    cl_strbuf_printf(b, " %s {%s.change}", moved(ch), f->handle);
    if (has(f, "current") && ch != 0) {
        cl_strbuf_printf(b, " to {%s.current}", f->handle);
    }
    if (has(f, "change_pct") && ch != 0) {
        cl_strbuf_printf(b, " ({%s.change_pct|signed})", f->handle);
    }
    put_share(b, f, ", ");
    cl_strbuf_putc(b, '.');
}

static void sentence_driver(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    const char *field = has(f, "contribution") ? "contribution" : "change";
    double v = num(f, field);
    put_path_first(b, in, f);
    cl_strbuf_printf(b, " %s {%s.%s} of ", v >= 0 ? "added" : "took away", f->handle, field);
    put_label(b, f->metric, 0);
    if (has(f, "change_pct")) {
        cl_strbuf_printf(b, ", a change of {%s.change_pct|signed}", f->handle);
    }
    put_share(b, f, " and ");
    cl_strbuf_putc(b, '.');
}

static void put_effects(cl_strbuf_t *b, const cl_ai_finding_t *f, const char *const *fields,
                        const char *const *names)
{
    int first = 1;
    for (size_t i = 0; fields[i]; i++) {
        if (has(f, fields[i])) {
            cl_strbuf_printf(b, "%s%s {%s.%s|signed}", first ? ": " : ", ", names[i], f->handle,
                             fields[i]);
            first = 0;
        }
    }
    cl_strbuf_putc(b, '.');
}

static void sentence_split(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    static const char *const mix_f[] = {"mix_effect", "rate_effect", NULL};
    static const char *const mix_n[] = {"mix effect", "rate effect"};
    static const char *const rev_f[] = {"traffic_effect", "conversion_effect", "basket_effect",
                                        NULL};
    static const char *const rev_n[] = {"traffic", "conversion", "basket"};
    put_label(b, f->metric, 1);
    cl_strbuf_puts(b, " change in ");
    put_path(b, in, f);
    if (strcmp(f->type, "mix_rate") == 0) {
        put_effects(b, f, mix_f, mix_n);
    } else {
        put_effects(b, f, rev_f, rev_n);
    }
}

static void sentence_anomaly(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    put_label(b, f->metric, 1);
    cl_strbuf_puts(b, " in ");
    put_path(b, in, f);
    cl_strbuf_printf(b, " is unusual");
    if (has(f, "current")) {
        cl_strbuf_printf(b, " at {%s.current}", f->handle);
    }
    if (has(f, "expected")) {
        cl_strbuf_printf(b, " against {%s.expected} expected", f->handle);
    }
    cl_strbuf_putc(b, '.');
}

static void sentence_market(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    put_label(b, f->metric, 1);
    cl_strbuf_puts(b, " growth in ");
    put_entity(b, in->category);
    if (has(f, "internal_growth_pct")) {
        cl_strbuf_printf(b, " was {%s.internal_growth_pct|signed}", f->handle);
    }
    if (has(f, "market_growth_pct")) {
        cl_strbuf_printf(b, " against {%s.market_growth_pct|signed} for the market", f->handle);
    }
    if (has(f, "gap_pp")) {
        cl_strbuf_printf(b, ", a gap of {%s.gap_pp|signed}", f->handle);
    }
    cl_strbuf_putc(b, '.');
}

static void sentence_budget(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    put_label(b, f->metric, 1);
    (void)in;
    if (has(f, "utilisation_pct")) {
        cl_strbuf_printf(b, " used {%s.utilisation_pct} of budget", f->handle);
    }
    if (has(f, "spend") && has(f, "budget")) {
        cl_strbuf_printf(b, " ({%s.spend} against {%s.budget})", f->handle, f->handle);
    }
    cl_strbuf_putc(b, '.');
}

static void sentence_of(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    if (strcmp(f->type, "driver") == 0 && (has(f, "contribution") || has(f, "change"))) {
        sentence_driver(b, in, f);
    } else if (strcmp(f->type, "mix_rate") == 0 || strcmp(f->type, "revenue_split") == 0) {
        sentence_split(b, in, f);
    } else if (strcmp(f->type, "anomaly") == 0) {
        sentence_anomaly(b, in, f);
    } else if (strcmp(f->type, "market_pulse") == 0) {
        sentence_market(b, in, f);
    } else if (strcmp(f->type, "budget_pacing") == 0) {
        sentence_budget(b, in, f);
    } else if (has(f, "change")) {
        sentence_change(b, in, f);
    } else {
        put_label(b, f->metric, 1);
        cl_strbuf_puts(b, " moved in ");
        put_path(b, in, f);
        cl_strbuf_putc(b, '.');
    }
}

static json_t *take_string(cl_strbuf_t *b)
{
    char *s = cl_strbuf_take(b);
    json_t *v = s ? json_string(s) : NULL;
    free(s);
    return v;
}

static json_t *headline(const cl_ai_input_t *in)
{
    cl_strbuf_t b;
    cl_strbuf_init(&b);
    const cl_ai_tile_t *lead = NULL;
    for (size_t i = 0; i < in->ntiles && !lead; i++) {
        json_t *pct = json_object_get(in->tiles[i].obj, "change_pct");
        lead = in->tiles[i].available && json_is_number(pct) ? &in->tiles[i] : NULL;
    }
    if (lead) {
        double pct = json_number_value(json_object_get(lead->obj, "change_pct"));
        put_label(&b, lead->metric, 1);
        cl_strbuf_printf(&b, " %s {%s.change_pct} %s", moved(pct), lead->metric->id, in->window);
    } else {
        cl_strbuf_printf(&b, "%s review of ", in->window);
        put_entity(&b, in->category);
    }
    for (size_t i = 0; i < in->nfindings; i++) {
        const cl_ai_finding_t *f = &in->findings[i];
        if (f->favourable == 0 && strcmp(f->type, "kpi_change") != 0 && f->direction != 0) {
            cl_strbuf_puts(&b, "; ");
            put_label(&b, f->metric, 0);
            cl_strbuf_printf(&b, " %s in ", f->direction > 0 ? "rose" : "fell");
            put_path(&b, in, f);
            break;
        }
    }
    return take_string(&b);
}

static json_t *bullets(const cl_ai_input_t *in)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < in->nfindings && i < MAX_BULLETS; i++) {
        cl_strbuf_t b;
        cl_strbuf_init(&b);
        sentence_of(&b, in, &in->findings[i]);
        json_t *text = take_string(&b);
        json_array_append_new(
            arr, json_pack("{s:o?,s:[s]}", "text", text, "finding_ids", in->findings[i].handle));
    }
    if (arr && json_array_size(arr) == 0) {
        json_array_append_new(arr, json_pack("{s:s,s:[]}", "text",
                                             "No material change was found in this window.",
                                             "finding_ids"));
    }
    return arr;
}

static void action_of(cl_strbuf_t *b, const cl_ai_input_t *in, const cl_ai_finding_t *f)
{
    if (strcmp(f->type, "marketing_efficiency") == 0) {
        cl_strbuf_puts(b, "Review the spend and bids of ");
        put_path(b, in, f);
    } else if (strcmp(f->type, "budget_pacing") == 0) {
        cl_strbuf_puts(b, "Bring ");
        put_label(b, f->metric, 0);
        cl_strbuf_puts(b, " back within budget");
    } else if (strcmp(f->type, "anomaly") == 0) {
        cl_strbuf_puts(b, "Check ");
        put_label(b, f->metric, 0);
        cl_strbuf_puts(b, " in ");
        put_path(b, in, f);
        cl_strbuf_puts(b, " with the operations team");
    } else {
        cl_strbuf_puts(b, "Investigate ");
        put_label(b, f->metric, 0);
        cl_strbuf_puts(b, " in ");
        put_path(b, in, f);
    }
    cl_strbuf_putc(b, '.');
}

static int needs_action(const cl_ai_finding_t *f)
{
    if (strcmp(f->type, "budget_pacing") == 0 && has(f, "utilisation_pct")) {
        return num(f, "utilisation_pct") > 100.0;
    }
    return f->favourable == 0;
}

static json_t *actions(const cl_ai_input_t *in)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < in->nfindings && json_array_size(arr) < MAX_ACTIONS; i++) {
        const cl_ai_finding_t *f = &in->findings[i];
        int seen_metric = 0;
        for (size_t j = 0; j < i; j++) {
            seen_metric = seen_metric ||
                          (needs_action(&in->findings[j]) && in->findings[j].metric == f->metric);
        }
        if (!needs_action(f) || seen_metric) {
            continue; /* one action per metric */
        }
        /* where to look: the best ranked unfavourable finding of the metric that names a segment
         * ("conversion rate in device mobile"), else this one (the slice as a whole) */
        const cl_ai_finding_t *where = f;
        for (size_t j = i; json_array_size(f->path) == 0 && j < in->nfindings; j++) {
            const cl_ai_finding_t *g = &in->findings[j];
            if (g->metric == f->metric && needs_action(g) && json_array_size(g->path) > 0) {
                where = g;
                break;
            }
        }
        cl_strbuf_t b;
        cl_strbuf_init(&b);
        action_of(&b, in, where);
        json_t *text = take_string(&b);
        int dup = 0;
        size_t k;
        json_t *v;
        json_array_foreach(arr, k, v)
        {
            dup = dup || (text && json_equal(v, text));
        }
        if (text && !dup) {
            json_array_append_new(arr, text);
        } else {
            json_decref(text);
        }
    }
    if (arr && json_array_size(arr) == 0) {
        json_array_append_new(arr, json_string("No unfavourable change needs action this week."));
    }
    return arr;
}

static json_t *caveats(const cl_ai_input_t *in)
{
    json_t *arr = json_array();
    for (size_t i = 0;
         arr && i < in->nfindings && i < MAX_BULLETS && json_array_size(arr) < MAX_CAVEATS; i++) {
        const cl_ai_finding_t *f = &in->findings[i];
        if (strcmp(f->level, "low") != 0) {
            continue;
        }
        cl_strbuf_t b;
        cl_strbuf_init(&b);
        cl_strbuf_puts(&b, "The finding on ");
        put_label(&b, f->metric, 0);
        cl_strbuf_puts(&b, " in ");
        put_path(&b, in, f);
        cl_strbuf_puts(&b, " has low significance.");
        json_t *text = take_string(&b);
        if (text) {
            json_array_append_new(arr, text);
        }
    }
    for (size_t i = 0; arr && i < in->ntiles && json_array_size(arr) < MAX_CAVEATS; i++) {
        if (in->tiles[i].available) {
            continue;
        }
        cl_strbuf_t b;
        cl_strbuf_init(&b);
        put_label(&b, in->tiles[i].metric, 1);
        cl_strbuf_puts(&b, " is not available for this report.");
        json_t *text = take_string(&b);
        if (text) {
            json_array_append_new(arr, text);
        }
    }
    return arr;
}

int cl_narrator_write(json_t **out, const cl_ai_input_t *in, cl_err_t *err)
{
    json_t *answer = json_pack("{s:o,s:o,s:o,s:o}", "headline", headline(in), "bullets",
                               bullets(in), "actions", actions(in), "caveats", caveats(in));
    if (!answer) {
        json_decref(answer);
        *out = NULL;
        return cl_err_set(err, CL_ENOMEM, "narrator: out of memory");
    }
    *out = answer;
    return 0;
}
