/* template.c — "{{name}}" substitution and nothing more. Prompts need no logic; keeping the
 * language this small keeps it auditable, and inserting values without re-scanning them is what
 * keeps data from becoming instructions. */
#include "ai/template.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ai/strbuf.h"

/* Parse the variable at TPL[i] ("{{"). On success NAME and NAME_LEN locate it and the return value
 * is the index after "}}"; on failure returns 0. */
static size_t parse_var(const char *tpl, size_t i, size_t n, const char **name, size_t *name_len)
{
    size_t j = i + 2;
    while (j < n && tpl[j] == ' ') {
        j++;
    }
    size_t start = j;
    if (j >= n || !(islower((unsigned char)tpl[j]) || tpl[j] == '_')) {
        return 0;
    }
    while (j < n &&
           (islower((unsigned char)tpl[j]) || isdigit((unsigned char)tpl[j]) || tpl[j] == '_')) {
        j++;
    }
    *name = tpl + start;
    *name_len = j - start;
    while (j < n && tpl[j] == ' ') {
        j++;
    }
    if (j + 1 >= n || tpl[j] != '}' || tpl[j + 1] != '}') {
        return 0;
    }
    return j + 2;
}

static int name_is(const char *name, size_t len, const char *candidate)
{
    return strlen(candidate) == len && memcmp(name, candidate, len) == 0;
}

/* Walk TPL; for each variable call ON_VAR, for each run of text append it to OUT (may be NULL). */
static int walk(const char *tpl, cl_strbuf_t *out,
                int (*on_var)(const char *, size_t, void *, cl_err_t *), void *payload,
                cl_err_t *err)
{
    size_t n = strlen(tpl);
    if (n > CL_TEMPLATE_MAX_BYTES) {
        return cl_err_set(err, CL_ETOOBIG, "template is larger than %zu bytes",
                          CL_TEMPLATE_MAX_BYTES);
    }
    size_t i = 0;
    while (i < n) {
        const char *open = strstr(tpl + i, "{{");
        size_t run = open ? (size_t)(open - (tpl + i)) : n - i;
        const char *close = memchr(tpl + i, '}', run);
        if (close && close + 1 < tpl + i + run && close[1] == '}') {
            return cl_err_set(err, CL_EINVAL, "template: '}}' without '{{' at byte %zu",
                              (size_t)(close - tpl));
        }
        if (out) {
            cl_strbuf_append(out, tpl + i, run);
        }
        i += run;
        if (i >= n) {
            break;
        }
        const char *name = NULL;
        size_t len = 0;
        size_t next = parse_var(tpl, i, n, &name, &len);
        if (next == 0) {
            return cl_err_set(err, CL_EINVAL, "template: malformed variable at byte %zu", i);
        }
        int rc = on_var(name, len, payload, err);
        if (rc != 0) {
            return rc;
        }
        i = next;
    }
    return 0;
}

static int check_var(const char *name, size_t len, void *payload, cl_err_t *err)
{
    const char *const *allowed = payload;
    for (size_t k = 0; allowed && allowed[k]; k++) {
        if (name_is(name, len, allowed[k])) {
            return 0;
        }
    }
    return cl_err_set(err, CL_EINVAL, "template: variable '%.*s' is not allowed here",
                      (int)(len > 40 ? 40 : len), name);
}

int cl_template_check(const char *tpl, const char *const *allowed, cl_err_t *err)
{
    return walk(tpl, NULL, check_var, (void *)allowed, err);
}

struct render_ctx {
    const cl_tpl_var_t *vars;
    size_t nvars;
    cl_strbuf_t *out;
};

static int put_var(const char *name, size_t len, void *payload, cl_err_t *err)
{
    struct render_ctx *r = payload;
    for (size_t k = 0; k < r->nvars; k++) {
        if (name_is(name, len, r->vars[k].name)) {
            cl_strbuf_puts(r->out, r->vars[k].value ? r->vars[k].value : "");
            return 0;
        }
    }
    return cl_err_set(err, CL_EINVAL, "template: no value for '%.*s'", (int)(len > 40 ? 40 : len),
                      name);
}

int cl_template_render(char **out, const char *tpl, const cl_tpl_var_t *vars, size_t nvars,
                       cl_err_t *err)
{
    *out = NULL;
    cl_strbuf_t b;
    cl_strbuf_init(&b);
    struct render_ctx r = {vars, nvars, &b};
    int rc = walk(tpl, &b, put_var, &r, err);
    if (rc != 0) {
        cl_strbuf_dispose(&b);
        return rc;
    }
    char *s = cl_strbuf_take(&b);
    if (!s) {
        return cl_err_set(err, CL_ETOOBIG, "template: rendered text too large");
    }
    *out = s;
    return 0;
}
