/* agent.c — tools over the request's own payload. The model asks for more detail instead of
 * receiving every breakdown up front (fewer prompt tokens), but it can only ever see what the app
 * already sent for this user's scope: the tools have no other source. Arguments are untrusted model
 * output: checked, bounded, never echoed raw. */
#include "ai/agent.h"

#include <string.h>

#include "ai/encode.h"
#include "ai/strbuf.h"

json_t *cl_agent_tools(void)
{
    return json_pack("[{s:s,s:s,s:{s:s,s:{s:{s:s,s:s},s:{s:s,s:s}},s:[s]}},"
                     "{s:s,s:s,s:{s:s,s:{s:{s:s,s:[s,s,s,s]}},s:[s]}},"
                     "{s:s,s:s,s:{s:s,s:{s:{s:s}},s:[s]}}]",
                     "name", "drill", "description",
                     "Breakdown rows of one dimension of this report (and the findings on it), "
                     "e.g. device_type.",
                     "parameters", "type", "object", "properties", "dimension", "type", "string",
                     "description", "a dimension name as in the data block", "metric", "type",
                     "string", "description", "optional: only rows of this metric", "required",
                     "dimension", "name", "compare_window", "description",
                     "The KPI table of this report over another time window.", "parameters", "type",
                     "object", "properties", "window", "type", "string", "enum", "WoW", "MoM",
                     "QoQ", "YoY", "required", "window", "name", "metric_definition", "description",
                     "Label, unit, direction and definition of one metric.", "parameters", "type",
                     "object", "properties", "metric", "type", "string", "required", "metric");
}

static const char *arg(json_t *args, const char *key)
{
    const char *s = json_string_value(json_object_get(args, key));
    return s && strlen(s) <= 64 ? s : NULL;
}

static void put_row_field(cl_strbuf_t *b, json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    cl_strbuf_putc(b, '|');
    if (json_is_number(v)) {
        cl_encode_number(b, json_number_value(v), 0);
    } else {
        cl_strbuf_puts(b, "n/a");
    }
}

static void drill(cl_strbuf_t *b, const cl_ai_input_t *in, const char *dim, const char *metric)
{
    static const char *const cols[] = {"current",        "previous",       "change",
                                       "change_pct",     "contribution",   "share_current",
                                       "share_previous", "share_shift_pp", NULL};
    int found = 0;
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(in->report, "breakdowns"), i, bd)
    {
        const char *d = json_string_value(json_object_get(bd, "dimension"));
        const char *m = json_string_value(json_object_get(bd, "metric"));
        if (!d || strcmp(d, dim) != 0 || (metric && (!m || strcmp(m, metric) != 0))) {
            continue;
        }
        found = 1;
        cl_strbuf_puts(b, "breakdown|");
        cl_encode_string(b, d);
        cl_strbuf_putc(b, '|');
        cl_encode_string(b, m);
        cl_strbuf_puts(
            b,
            "\nvalue|current|previous|change|change_pct|contribution|share_current|share_previous|"
            "share_shift_pp\n");
        size_t j;
        json_t *row;
        json_array_foreach(json_object_get(bd, "rows"), j, row)
        {
            cl_encode_string(b, json_string_value(json_object_get(row, "value")));
            for (size_t k = 0; cols[k]; k++) {
                put_row_field(b, row, cols[k]);
            }
            cl_strbuf_putc(b, '\n');
        }
    }
    for (size_t f = 0; f < in->nfindings; f++) {
        size_t j;
        json_t *step;
        json_array_foreach(in->findings[f].path, j, step)
        {
            if (strcmp(json_string_value(json_object_get(step, "dimension")), dim) == 0) {
                cl_strbuf_printf(b, "finding %s is on this dimension\n", in->findings[f].handle);
                found = 1;
                break;
            }
        }
    }
    if (!found) {
        cl_strbuf_puts(b, "no breakdown of this dimension in the report\n");
    }
}

static void compare_window(cl_strbuf_t *b, const cl_ai_input_t *in, const char *window)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(in->report, "windows"), i, w)
    {
        if (strcmp(json_string_value(json_object_get(w, "window")), window) != 0) {
            continue;
        }
        cl_strbuf_printf(b, "window|%s\nkpis|metric|current|previous|change|change_pct\n", window);
        const char *lists[] = {"kpis", "derived"};
        for (size_t l = 0; l < 2; l++) {
            size_t j;
            json_t *t;
            json_array_foreach(json_object_get(w, lists[l]), j, t)
            {
                cl_encode_string(b, json_string_value(json_object_get(t, "metric")));
                put_row_field(b, t, "current");
                put_row_field(b, t, "previous");
                put_row_field(b, t, "change");
                put_row_field(b, t, "change_pct");
                cl_strbuf_putc(b, '\n');
            }
        }
        return;
    }
    cl_strbuf_puts(b, "this window is not in the report\n");
}

static void definition(cl_strbuf_t *b, const cl_ai_input_t *in, const char *metric)
{
    const cl_ai_metric_t *m = cl_ai_input_metric(in, metric);
    if (!m) {
        cl_strbuf_puts(b, "no such metric in the report\n");
        return;
    }
    static const char *const units[] = {"currency", "percent (changes in pp)", "count", "index",
                                        "ratio"};
    static const char *const dirs[] = {"higher is better", "lower is better", "neutral"};
    cl_strbuf_printf(b, "metric|%s|", m->id);
    cl_encode_string(b, m->label);
    cl_strbuf_printf(b, "|%s|%s|", units[m->unit], dirs[m->direction]);
    cl_encode_string(b, m->description);
    cl_strbuf_putc(b, '\n');
}

char *cl_agent_run(const cl_ai_input_t *in, const char *name, json_t *args)
{
    cl_strbuf_t b;
    cl_strbuf_init(&b);
    cl_strbuf_puts(&b, CL_ENCODE_FENCE_OPEN "\n");
    const char *a = NULL;
    if (name && strcmp(name, "drill") == 0 && (a = arg(args, "dimension")) != NULL) {
        drill(&b, in, a, arg(args, "metric"));
    } else if (name && strcmp(name, "compare_window") == 0 && (a = arg(args, "window")) != NULL) {
        compare_window(&b, in, a);
    } else if (name && strcmp(name, "metric_definition") == 0 &&
               (a = arg(args, "metric")) != NULL) {
        definition(&b, in, a);
    } else {
        cl_strbuf_puts(&b, "error: unknown tool or missing argument\n");
    }
    if (b.len > CL_AGENT_RESULT_MAX - 16) {
        b.len =
            CL_AGENT_RESULT_MAX - 16; /* cut at a byte: the fence below still closes the block */
        while (b.len > 0 && ((unsigned char)b.data[b.len] & 0xC0) == 0x80) {
            b.len--;
        }
        b.data[b.len] = '\0';
        cl_strbuf_puts(&b, "\n(truncated)\n");
    }
    cl_strbuf_puts(&b, CL_ENCODE_FENCE_CLOSE "\n");
    return cl_strbuf_take(&b);
}
