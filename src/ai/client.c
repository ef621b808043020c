/* client.c — what the app needs to call the AI service: a request trimmed to the schema (only
 * pre-aggregated data of the user's scope leaves the app), and a bounded HTTP call whose failures
 * come back as codes the app can act on. */
#include "ai/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/strbuf.h"

static void copy_fields(json_t *dst, json_t *src, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(src, keys[i]);
        if (v) {
            json_object_set(dst, keys[i], v);
        }
    }
}

static json_t *copy_list(json_t *src, const char *const *keys, size_t max)
{
    json_t *out = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(src, i, item)
    {
        if (i >= max) {
            break;
        }
        json_t *o = json_object();
        copy_fields(o, item, keys);
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *tiles(json_t *src)
{
    static const char *const keys[] = {"metric",     "label",        "available",  "current",
                                       "previous",   "change",       "change_pct", "change_unit",
                                       "favourable", "significance", NULL};
    return copy_list(src, keys, 64);
}

static json_t *findings(json_t *src, int max)
{
    static const char *const keys[] = {
        "id",         "rank",   "type",        "metric",       "window",  "path",  "direction",
        "favourable", "impact", "impact_unit", "significance", "numbers", "title", NULL};
    return copy_list(src, keys, (size_t)(max > 0 && max <= 60 ? max : 20));
}

static json_t *breakdowns(json_t *src)
{
    static const char *const keys[] = {"dimension", "parent", "metric", NULL};
    static const char *const row_keys[] = {"value",
                                           "current",
                                           "previous",
                                           "change",
                                           "change_pct",
                                           "contribution",
                                           "contribution_pct",
                                           "share_current",
                                           "share_previous",
                                           "share_shift_pp",
                                           NULL};
    json_t *out = copy_list(src, keys, 64);
    size_t i;
    json_t *b;
    json_array_foreach(out, i, b)
    {
        json_object_set_new(
            b, "rows", copy_list(json_object_get(json_array_get(src, i), "rows"), row_keys, 200));
    }
    return out;
}

static json_t *metrics(const cl_catalog_t *cat)
{
    json_t *out = json_array();
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        const cl_metric_t *m = cl_catalog_at(cat, i);
        json_array_append_new(out,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", m->id, "label",
                                        m->label, "unit", cl_unit_name(m->unit), "format",
                                        m->format, "direction", cl_direction_name(m->direction),
                                        "description", m->description ? m->description : "", "kind",
                                        m->kind == CL_METRIC_RATIO ? "ratio" : "additive"));
    }
    return out;
}

int cl_ai_client_request(json_t **out, json_t *wbr, const cl_catalog_t *catalog,
                         const cl_ai_user_t *user, int max_findings, int async, const char *model,
                         cl_err_t *err)
{
    *out = NULL;
    static const char *const required[] = {"category", "region", "window", "week", NULL};
    json_t *report = json_object();
    for (size_t i = 0; required[i]; i++) {
        json_t *v = json_object_get(wbr, required[i]);
        if (!json_is_string(v)) {
            json_decref(report);
            return cl_err_set(err, CL_EINVAL, "the report has no '%s'", required[i]);
        }
        json_object_set(report, required[i], v);
    }
    json_object_set_new(report, "kpis", tiles(json_object_get(wbr, "kpis")));
    json_object_set_new(report, "derived", tiles(json_object_get(wbr, "derived")));
    json_object_set_new(report, "findings",
                        findings(json_object_get(wbr, "findings"), max_findings));
    json_object_set_new(report, "metrics", metrics(catalog));
    if (json_array_size(json_object_get(wbr, "breakdowns")) > 0) {
        json_object_set_new(report, "breakdowns", breakdowns(json_object_get(wbr, "breakdowns")));
    }
    json_t *req = json_pack("{s:o,s:{s:s,s:s,s:s},s:b}", "report", report, "user", "id", user->id,
                            "team", user->team, "role", user->role, "async", async);
    if (req && model) {
        json_object_set_new(req, "model", json_string(model));
    }
    *out = req;
    return req ? 0 : cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
}

static size_t on_body(char *data, size_t size, size_t n, void *payload)
{
    cl_strbuf_t *b = payload;
    cl_strbuf_append(b, data, size * n);
    return cl_strbuf_ok(b) && b->len <= 4u * 1024u * 1024u ? size * n : 0;
}

static int status_code(long status)
{
    switch (status) {
    case 400:
    case 404:
    case 413:
        return CL_EINVAL;
    case 401:
    case 403:
        return CL_EUNAUTH;
    case 402:
        return CL_EBUDGET;
    case 429:
        return CL_ERATELIMIT;
    case 504:
        return CL_ETIMEOUT;
    default:
        return CL_EUNAVAILABLE;
    }
}

static int http_call(json_t **out, const char *url, int timeout_ms, const char *token,
                     const char *body, cl_err_t *err)
{
    *out = NULL;
    CURL *c = curl_easy_init();
    if (!c) {
        return cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[512];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    cl_strbuf_t b;
    cl_strbuf_init(&b);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    int rc = 0;
    cl_strbuf_puts(&b, "");
    json_t *doc = b.data ? json_loads(b.data, 0, NULL) : NULL;
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        rc = cl_err_set(err, CL_ETIMEOUT, "AI service did not answer within %d ms", timeout_ms);
    } else if (cc != CURLE_OK) {
        rc = cl_err_set(err, CL_EUNAVAILABLE, "AI service unreachable: %s", curl_easy_strerror(cc));
    } else if (status < 200 || status >= 300) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
        rc = cl_err_set(err, status_code(status), "AI service: %s (%ld)", msg ? msg : "error",
                        status);
    } else if (!json_is_object(doc)) {
        rc = cl_err_set(err, CL_EDATA, "AI service reply is not JSON");
    }
    cl_strbuf_dispose(&b);
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

int cl_ai_client_summarise(json_t **out, const char *url, int timeout_ms, const char *token,
                           json_t *request, cl_err_t *err)
{
    char full[1024];
    snprintf(full, sizeof full, "%s/llm/summary", url);
    char *body = json_dumps(request, JSON_COMPACT);
    if (!body) {
        *out = NULL;
        return cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    }
    int rc = http_call(out, full, timeout_ms, token, body, err);
    free(body);
    return rc;
}

int cl_ai_client_job(json_t **out, const char *url, int timeout_ms, const char *token,
                     const char *id, cl_err_t *err)
{
    if (!id || strlen(id) > 64 || strspn(id, "j-0123456789abcdef") != strlen(id)) {
        *out = NULL;
        return cl_err_set(err, CL_EINVAL, "not a job id");
    }
    char full[1024];
    snprintf(full, sizeof full, "%s/llm/async?job=%s", url, id);
    return http_call(out, full, timeout_ms, token, NULL, err);
}
