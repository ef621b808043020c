/* narrator.c (provider) — the offline narrator behind the provider interface: it answers from the
 * structured input, not from the prompt, and reports zero usage. */
#include "ai/providers/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/narrator.h"

static int answer(cl_llm_reply_t *out, const cl_llm_call_t *call, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!call->input) {
        return cl_err_set(err, CL_EINTERNAL, "offline narrator needs the structured input");
    }
    json_t *doc = NULL;
    int rc = cl_narrator_write(&doc, call->input, err);
    if (rc != 0) {
        return rc;
    }
    out->text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    snprintf(out->finish, sizeof out->finish, "stop");
    return out->text ? 0 : cl_err_set(err, CL_ENOMEM, "narrator: out of memory");
}

const cl_provider_t cl_provider_offline = {"offline", NULL, NULL, answer};
