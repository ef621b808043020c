/* prompt.c — prompts are files, versioned, reviewed like code, and checked on load: the system
 * template may use no variable, so instructions and data are separate by construction. */
#include "ai/prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/template.h"
#include "core/yaml.h"

static int safe_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 32 || s[0] == '.') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-')) {
            return 0;
        }
    }
    return 1;
}

static int take_string(char **out, json_t *doc, const char *key, const char *file, cl_err_t *err)
{
    const char *s = json_string_value(json_object_get(doc, key));
    if (!s || !*s) {
        return cl_err_set(err, CL_ECONFIG, "%s: '%s' must be a non-empty string", file, key);
    }
    *out = strdup(s);
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

static int check_keys(json_t *doc, const char *file, cl_err_t *err)
{
    static const char *const known[] = {"name", "version", "description",       "system",
                                        "user", "repair",  "max_output_tokens", "temperature"};
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        int ok = 0;
        for (size_t i = 0; i < CL_ARRAY_LEN(known); i++) {
            ok = ok || strcmp(k, known[i]) == 0;
        }
        if (!ok) {
            return cl_err_set(err, CL_ECONFIG, "%s: unknown key '%s'", file, k);
        }
    }
    return 0;
}

static int read_prompt(cl_prompt_t *p, json_t *doc, const char *file, cl_err_t *err)
{
    static const char *const user_vars[] = {"data", "tools", NULL};
    static const char *const repair_vars[] = {"problems", NULL};
    int rc = check_keys(doc, file, err);
    if (rc == 0) {
        rc = take_string(&p->system, doc, "system", file, err);
    }
    if (rc == 0) {
        rc = take_string(&p->user, doc, "user", file, err);
    }
    if (rc == 0) {
        rc = take_string(&p->repair, doc, "repair", file, err);
    }
    if (rc != 0) {
        return rc;
    }
    cl_err_t terr;
    cl_err_clear(&terr);
    if (cl_template_check(p->system, NULL, &terr) != 0 ||
        cl_template_check(p->user, user_vars, &terr) != 0 ||
        cl_template_check(p->repair, repair_vars, &terr) != 0) {
        return cl_err_set(err, CL_ECONFIG, "%s: %s", file, terr.msg);
    }
    json_t *mot = json_object_get(doc, "max_output_tokens");
    p->max_output_tokens = json_is_integer(mot) ? (int)json_integer_value(mot) : 800;
    if (p->max_output_tokens < 64 || p->max_output_tokens > 8192) {
        return cl_err_set(err, CL_ECONFIG, "%s: max_output_tokens must be between 64 and 8192",
                          file);
    }
    json_t *t = json_object_get(doc, "temperature");
    p->temperature = json_is_number(t) ? json_number_value(t) : 0.0;
    if (p->temperature < 0 || p->temperature > 2) {
        return cl_err_set(err, CL_ECONFIG, "%s: temperature must be between 0 and 2", file);
    }
    return 0;
}

int cl_prompt_load(cl_prompt_t **out, const char *dir, const char *name, const char *version,
                   cl_err_t *err)
{
    *out = NULL;
    if (!safe_name(name) || !safe_name(version)) {
        return cl_err_set(err, CL_EINVAL, "prompt name and version must be [a-z0-9._-]{1,32}");
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s.yaml", dir, name, version);
    json_t *doc = NULL;
    int rc = cl_yaml_load_file(&doc, path, err);
    if (rc == CL_EINVAL) {
        if (err) {
            err->code = CL_ECONFIG; /* a prompt file that does not parse is a configuration error */
        }
        return CL_ECONFIG;
    }
    if (rc != 0) {
        return rc;
    }
    cl_prompt_t *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(name)) || !(p->version = strdup(version))) {
        cl_prompt_free(p);
        json_decref(doc);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    rc = read_prompt(p, doc, path, err);
    json_decref(doc);
    if (rc != 0) {
        cl_prompt_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void cl_prompt_free(cl_prompt_t *p)
{
    if (!p) {
        return;
    }
    free(p->name);
    free(p->version);
    free(p->system);
    free(p->user);
    free(p->repair);
    free(p);
}

int cl_prompt_user(char **out, const cl_prompt_t *p, const char *data, const char *tools,
                   cl_err_t *err)
{
    cl_tpl_var_t vars[] = {{"data", data}, {"tools", tools ? tools : ""}};
    return cl_template_render(out, p->user, vars, 2, err);
}

int cl_prompt_repair(char **out, const cl_prompt_t *p, const char *problems, cl_err_t *err)
{
    cl_tpl_var_t vars[] = {{"problems", problems}};
    return cl_template_render(out, p->repair, vars, 1, err);
}
