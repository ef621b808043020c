/* frames.c — the post-export step that publishes every slice's frame with the snapshot
 * (frames.h). The staged snapshot has no manifest file yet, so the step lists the staged files
 * itself to give the reader the same view of the partitions a published manifest gives. */
#include "report/frames.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/manifest.h"
#include "report/reader.h"

#define FRAMES_FORMAT 1

/* Append every regular file under ROOT/REL to FILES as {"path": REL/...}. */
static int list_files(json_t *files, const char *root, const char *rel, int depth, cl_err_t *err)
{
    char dir[4096];
    if (depth > 16 || snprintf(dir, sizeof dir, "%s/%s", root, rel) >= (int)sizeof dir) {
        return cl_err_set(err, CL_EIO, "staged snapshot: path too deep or too long");
    }
    DIR *d = opendir(dir);
    if (!d) {
        return cl_err_set(err, CL_EIO, "cannot list %s", dir);
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        char sub[4096], full[8192];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name) >= (int)sizeof sub) {
            rc = cl_err_set(err, CL_EIO, "staged snapshot: path too long");
            break;
        }
        snprintf(full, sizeof full, "%s/%s", root, sub);
        if (lstat(full, &st) != 0) {
            rc = cl_err_set(err, CL_EIO, "cannot stat %s", full);
        } else if (S_ISDIR(st.st_mode)) {
            rc = list_files(files, root, sub, depth + 1, err);
        } else if (S_ISREG(st.st_mode)) {
            rc = json_array_append_new(files, json_pack("{s:s}", "path", sub))
                     ? cl_err_set(err, CL_ENOMEM, "out of memory")
                     : 0;
        }
    }
    closedir(d);
    return rc;
}

/* MANIFEST as a published one would read for the reader: files listed, status complete. */
static int staged_manifest(cl_manifest_t **out, json_t *manifest, const char *staging,
                           cl_err_t *err)
{
    json_t *doc = json_deep_copy(manifest);
    json_t *tables = json_object_get(doc, "tables");
    int rc = doc && json_is_object(tables) &&
                     json_object_set_new(doc, "snapshot_id", json_string("staged")) == 0 &&
                     json_object_set_new(doc, "status", json_string("complete")) == 0
                 ? 0
                 : cl_err_set(err, CL_ENOMEM, "staged snapshot: no tables in the manifest");
    const char *name;
    json_t *t;
    json_object_foreach(tables, name, t)
    {
        json_t *files = json_array();
        rc = rc ? rc : (files ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory"));
        rc = rc ? rc : list_files(files, staging, name, 0, err);
        if (json_object_set_new(t, "files", files) != 0 && rc == 0) {
            rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        }
        if (rc != 0) {
            break;
        }
    }
    rc = rc ? rc : cl_manifest_from_json(out, staging, doc, err);
    json_decref(doc);
    return rc;
}

int cl_report_frames_build(size_t *n_frames, json_t *manifest, const char *staging,
                           const cl_catalog_t *cat, const cl_db_options_t *dbo, cl_err_t *err)
{
    *n_frames = 0;
    cl_manifest_t *m = NULL;
    cl_db_t *db = NULL;
    cl_reader_t *r = NULL;
    int rc = staged_manifest(&m, manifest, staging, err);
    rc = rc ? rc : cl_db_open(&db, NULL, dbo, err);
    rc = rc ? rc : cl_reader_open(&r, db, cat, err);
    rc = rc ? rc : cl_reader_build_frames(n_frames, r, m, err);
    if (rc == 0) {
        char fp[32];
        snprintf(fp, sizeof fp, "%016" PRIx64, cl_reader_fingerprint(r));
        json_t *entry = json_pack(
            "{s:s, s:i, s:s, s:I}", "description",
            "every slice's insight frame (category x region, category x all) built from the "
            "cubes by the ETL, read by reports instead of the cubes (report/frames.h)",
            "format", FRAMES_FORMAT, "fingerprint", fp, "slices", (json_int_t)*n_frames);
        if (!entry || json_object_set_new(json_object_get(manifest, "tables"),
                                          CL_READER_FRAMES_TABLE, entry) != 0) {
            rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        }
    }
    cl_reader_close(r);
    cl_db_close(db);
    cl_manifest_free(m);
    return rc ? cl_err_wrap(err, "report frames") : 0;
}
