/* ai_tool — helpers for the AI service's integration tests and bench, over the production code:
 *   ai_tool prompt REQUEST.json     print {"system", "user_full", "user_agent", "naive_indent",
 * "naive_compact", "request"}: the prompt texts the service sends and naive JSON dumps of the same
 * data, for token counting ai_tool request N               print a request like
 * tests/fixtures/ai/request.json with N findings ai_tool client URL REQUEST.json the app's client
 * (ai/client.h) against a running service: prints the reply, or "error CODE: message" and exits 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/client.h"
#include "ai/encode.h"
#include "ai/schemas.h"
#include "ai/prompt.h"

static int prompt(const char *path)
{
    json_t *req = json_load_file(path, 0, NULL);
    cl_ai_input_t *in = NULL;
    cl_prompt_t *p = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    if (!req || cl_ai_input_new(&in, req, &err) != 0 ||
        cl_prompt_load(&p, "config/prompts", "wbr_summary", "v1", &err) != 0) {
        fprintf(stderr, "ai_tool: %s\n", err.msg);
        return 1;
    }
    char *full = NULL, *lean = NULL, *uf = NULL, *ul = NULL, *ni = NULL, *nc = NULL;
    int rc = cl_encode_report(&full, in, CL_ENCODE_FULL, &err);
    rc = rc ? rc : cl_encode_report(&lean, in, CL_ENCODE_AGENT, &err);
    rc = rc ? rc : cl_prompt_user(&uf, p, full, "", &err);
    rc = rc ? rc
            : cl_prompt_user(&ul, p, lean,
                             "Tools: drill, compare_window and metric_definition give more detail.",
                             &err);
    rc = rc ? rc : cl_encode_naive_json(&ni, in, 1, &err);
    rc = rc ? rc : cl_encode_naive_json(&nc, in, 0, &err);
    if (rc == 0) {
        char *whole =
            json_dumps(json_object_get(req, "report"), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_t *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "system", p->system, "user_full", uf,
                                "user_agent", ul, "naive_indent", ni, "naive_compact", nc,
                                "request", whole ? whole : "");
        json_dumpf(out, stdout, JSON_COMPACT);
        printf("\n");
        json_decref(out);
        free(whole);
    }
    free(full);
    free(lean);
    free(uf);
    free(ul);
    free(ni);
    free(nc);
    cl_prompt_free(p);
    cl_ai_input_free(in);
    json_decref(req);
    return rc ? 1 : 0;
}

static int request(int n)
{
    json_t *req = json_load_file("tests/fixtures/ai/request.json", 0, NULL);
    if (!req) {
        return 1;
    }
    json_t *findings = json_object_get(json_object_get(req, "report"), "findings");
    json_t *base = json_deep_copy(findings);
    json_array_clear(findings);
    for (int i = 0; i < n; i++) {
        json_t *f = json_deep_copy(json_array_get(base, (size_t)i % json_array_size(base)));
        char id[16];
        snprintf(id, sizeof id, "f-%012x", (unsigned)(0x100000 + i));
        json_object_set_new(f, "id", json_string(id));
        json_object_set_new(f, "rank", json_integer(i + 1));
        json_array_append_new(findings, f);
    }
    json_dumpf(req, stdout, JSON_COMPACT);
    printf("\n");
    json_decref(base);
    json_decref(req);
    return 0;
}

static int client(const char *url, const char *path)
{
    json_t *req = json_load_file(path, 0, NULL);
    json_t *out = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = req ? cl_ai_client_summarise(&out, url, 10000, getenv("CATLENS_AI_TOKEN"), req, &err)
                 : CL_EINVAL;
    if (rc != 0) {
        printf("error %s: %s\n", cl_err_name(rc), err.msg);
    } else {
        json_dumpf(out, stdout, JSON_COMPACT);
        printf("\n");
    }
    json_decref(out);
    json_decref(req);
    return rc ? 1 : 0;
}

static int check(const char *which, const char *path)
{
    json_t *doc = json_load_file(path, 0, NULL);
    cl_err_t err;
    cl_err_clear(&err);
    cl_schema_id_t id =
        strcmp(which, "job") == 0 ? CL_SCHEMA_SUMMARY_JOB : CL_SCHEMA_SUMMARY_RESPONSE;
    int rc = doc ? cl_schemas_validate(id, doc, &err) : cl_err_set(&err, CL_EINVAL, "not JSON");
    if (rc == 0 && id == CL_SCHEMA_SUMMARY_JOB && json_object_get(doc, "result")) {
        rc = cl_schemas_validate(CL_SCHEMA_SUMMARY_RESPONSE, json_object_get(doc, "result"), &err);
    }
    printf("%s\n", rc ? err.msg : "ok");
    json_decref(doc);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "check") == 0) {
        return check(argv[2], argv[3]);
    }
    if (argc == 4 && strcmp(argv[1], "client") == 0) {
        return client(argv[2], argv[3]);
    }
    if (argc == 3 && strcmp(argv[1], "prompt") == 0) {
        return prompt(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "request") == 0) {
        return request((int)strtol(argv[2], NULL, 10));
    }
    fprintf(stderr, "usage: ai_tool prompt REQUEST.json | ai_tool request N\n");
    return 2;
}
