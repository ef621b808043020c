/* reports_summary.c — the summary the app writes itself when the AI service cannot (down, slow,
 * over budget, rate limited) or when none is configured: the offline narrator of src/ai over the
 * very request the service would have been sent, through the same guardrails, so that every figure
 * in its text is rendered from the data and checked. No network, no model, no cost; the same
 * report always gives the same text. */
#include "app/reports_internal.h"

#include <stdio.h>

#include "ai/guard.h"
#include "ai/input.h"
#include "ai/narrator.h"

#define LOCAL_PROMPT_VERSION "none"

/* The checks of G, then the fallback step saying who wrote the summary and why. */
static json_t *local_checks(const cl_guard_report_t *g, const char *why)
{
    json_t *checks = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(g->checks, i, c)
    {
        json_t *copy = json_deep_copy(c);
        json_object_set_new(copy, "attempt", json_integer(1));
        json_array_append_new(checks, copy);
    }
    char detail[CL_ERR_MSG_MAX + 96];
    snprintf(detail, sizeof detail, "%s: the app's offline narrator wrote this summary", why);
    json_array_append_new(checks, json_pack("{s:s,s:s,s:s}", "name", "fallback", "status",
                                            "applied", "detail", detail));
    return checks;
}

int reports_local_summary(json_t **out, json_t *request, const char *why, cl_err_t *err)
{
    *out = NULL;
    cl_ai_input_t *in = NULL;
    json_t *answer = NULL;
    cl_guard_report_t g;
    cl_guard_report_init(&g);
    int rc = cl_ai_input_new(&in, request, err);
    rc = rc ? rc : cl_narrator_write(&answer, in, err);
    rc = rc ? rc : cl_guard_check_json(&g, in, answer, err);
    if (rc == 0 && !g.ok) {
        rc = cl_err_set(err, CL_EINTERNAL, "the offline narrator failed its own checks: %.200s",
                        g.problems);
    }
    if (rc == 0) {
        json_t *s = json_deep_copy(g.summary);
        json_object_set_new(s, "usage",
                            json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "prompt_tokens", 0,
                                      "completion_tokens", 0, "cached_tokens", 0,
                                      "reasoning_tokens", 0, "cost_micros", 0, "calls", 0,
                                      "reserved_micros", 0));
        json_object_set_new(s, "model", json_string(CL_NARRATOR_MODEL));
        json_object_set_new(s, "provider", json_string("offline"));
        json_object_set_new(s, "prompt_version", json_string(LOCAL_PROMPT_VERSION));
        json_object_set_new(s, "cached", json_false());
        json_object_set_new(s, "checks", local_checks(&g, why));
        *out = s;
        rc = s ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_guard_report_dispose(&g);
    json_decref(answer);
    cl_ai_input_free(in);
    return rc;
}
