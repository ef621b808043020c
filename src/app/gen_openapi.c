/* gen_openapi.c — build-time tool: docs/api/openapi.yaml → a C file holding the document as JSON
 * text (cl_openapi_json), so that the binary always serves the document of the code it was built
 * from. The YAML goes through core/yaml (the same strict reader as every other YAML file of
 * catlens). References to other files (the JSON Schemas of docs/schemas/, e.g.
 * '../schemas/wbr.schema.json') are bundled in: each file becomes components.schemas.<file name
 * without .json> and each of its $defs components.schemas.<file name>.<def>, with its references
 * rewritten, so the served document is self-contained. usage: gen_openapi INPUT.yaml OUTPUT.c */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"

typedef struct {
    json_t *schemas; /* components.schemas of the document */
    json_t *bundled; /* what the files add to it (merged once the walk is over) */
    char dir[4096];  /* the folder the references are relative to */
    int failed;
} bundle_t;

static void rewrite(bundle_t *b, json_t *node, const char *self);

/* The component name of FILE: its base name without ".json" ("wbr.schema"). */
static void component_name(char *out, size_t n, const char *file)
{
    const char *base = strrchr(file, '/');
    snprintf(out, n, "%s", base ? base + 1 : file);
    size_t len = strlen(out);
    if (len > 5 && strcmp(out + len - 5, ".json") == 0) {
        out[len - 5] = '\0';
    }
}

/* Bundle FILE (relative to b->dir) once; its name in *NAME. */
static void bundle_file(bundle_t *b, const char *file, char *name, size_t n)
{
    component_name(name, n, file);
    if (json_object_get(b->bundled, name)) {
        return;
    }
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", b->dir, file);
    json_error_t jerr;
    json_t *schema = json_load_file(path, 0, &jerr);
    if (!json_is_object(schema)) {
        fprintf(stderr, "gen_openapi: %s: %s\n", path, jerr.text);
        b->failed = 1;
        json_decref(schema);
        return;
    }
    json_object_set_new(b->bundled, name, json_object()); /* placeholder: cycles end here */
    json_object_del(schema, "$schema");
    json_object_del(schema, "$id"); /* refs resolve against the document, not the file's id */
    json_t *defs = json_incref(json_object_get(schema, "$defs"));
    json_object_del(schema, "$defs");
    rewrite(b, schema, name);
    const char *k;
    json_t *v;
    json_object_foreach(defs, k, v)
    {
        char def[512];
        snprintf(def, sizeof def, "%s.%s", name, k);
        rewrite(b, v, name);
        json_object_set(b->bundled, def, v);
    }
    json_decref(defs);
    json_object_set_new(b->bundled, name, schema);
}

/* One $ref of a schema bundled under SELF (NULL: the document itself): its new target. */
static json_t *new_ref(bundle_t *b, const char *ref, const char *self)
{
    char target[1024];
    const char *hash = strchr(ref, '#');
    char file[1024];
    snprintf(file, sizeof file, "%.*s", (int)(hash ? hash - ref : (long)strlen(ref)), ref);
    char name[512];
    if (file[0]) {
        bundle_file(b, file, name, sizeof name);
    } else if (self) {
        snprintf(name, sizeof name, "%s", self);
    } else {
        return NULL; /* a reference inside the document: left as it is */
    }
    const char *frag = hash ? hash + 1 : "";
    if (strncmp(frag, "/$defs/", 7) == 0) {
        snprintf(target, sizeof target, "#/components/schemas/%s.%s", name, frag + 7);
    } else if (*frag == '\0') {
        snprintf(target, sizeof target, "#/components/schemas/%s", name);
    } else {
        fprintf(stderr, "gen_openapi: unsupported reference '%s'\n", ref);
        b->failed = 1;
        return NULL;
    }
    return json_string(target);
}

static void rewrite(bundle_t *b, json_t *node, const char *self)
{
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v)
        {
            rewrite(b, v, self);
        }
        return;
    }
    if (!json_is_object(node)) {
        return;
    }
    const char *ref = json_string_value(json_object_get(node, "$ref"));
    json_t *to = ref ? new_ref(b, ref, self) : NULL;
    if (to) {
        json_object_set_new(node, "$ref", to);
    }
    const char *k;
    json_t *v;
    json_object_foreach(node, k, v)
    {
        if (strcmp(k, "$ref") != 0) {
            rewrite(b, v, self);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_openapi INPUT.yaml OUTPUT.c\n");
        return 2;
    }
    json_t *doc = NULL;
    cl_err_t err;
    if (cl_yaml_load_file(&doc, argv[1], &err) != 0) {
        fprintf(stderr, "gen_openapi: %s\n", err.msg);
        return 1;
    }
    const char *version = json_string_value(json_object_get(doc, "openapi"));
    bundle_t b = {.schemas = json_object_get(json_object_get(doc, "components"), "schemas")};
    if (!version || strncmp(version, "3.1", 3) != 0 ||
        !json_is_object(json_object_get(doc, "paths")) || !json_is_object(b.schemas)) {
        fprintf(stderr, "gen_openapi: %s is not an OpenAPI 3.1 document with paths and schemas\n",
                argv[1]);
        json_decref(doc);
        return 1;
    }
    char input[4096];
    snprintf(input, sizeof input, "%s", argv[1]);
    snprintf(b.dir, sizeof b.dir, "%s", dirname(input));
    b.bundled = json_object();
    rewrite(&b, doc, NULL);
    json_object_update(b.schemas, b.bundled);
    json_decref(b.bundled);
    char *text = b.failed ? NULL : json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    FILE *out = text ? fopen(argv[2], "w") : NULL;
    if (!out) {
        fprintf(stderr, "gen_openapi: cannot write %s\n", argv[2]);
        free(text);
        return 1;
    }
    fprintf(out, "/* generated by gen_openapi from docs/api/openapi.yaml: do not edit */\n"
                 "extern const char cl_openapi_json[];\nconst char cl_openapi_json[] = {\n");
    for (size_t i = 0; text[i]; i++) {
        fprintf(out, "%d,%s", (unsigned char)text[i], i % 24 == 23 ? "\n" : "");
    }
    fprintf(out, "0};\n");
    free(text);
    return fclose(out) == 0 ? 0 : 1;
}
