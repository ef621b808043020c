/* config.h — catlens configuration: config/catlens.yaml, an overlay per environment, CATLENS_*
 * overrides.
 *
 * Loading order (later wins): the base file; config/overlays/<env>.yaml beside it, where env is
 * CATLENS_ENV, else the base file's `env`, else "dev"; then environment variables. Every key has a
 * declared type and range; an unknown key or a bad value is a CL_ECONFIG error naming the key (and
 * the file). Each key KEY.SUB can be overridden by the environment variable CATLENS_KEY_SUB (e.g.
 * CATLENS_APP_PORT); some keys also have a short alias (CATLENS_WAREHOUSE, CATLENS_SOURCE). Secrets
 * are never read from files: only modules that need one read it from the environment, and it is
 * never logged. Relative paths are taken relative to the working directory.
 *
 * Sections owned by later modules (auth users, OIDC, providers …) are declared here as free-form
 * subtrees and validated by their owner, reached through cl_config_section(). Thread safety: a
 * loaded config is immutable and may be shared by all threads. */
#ifndef CL_CORE_CONFIG_H
#define CL_CORE_CONFIG_H

#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_config {
    char *env; /* dev, staging or prod */

    /* paths */
    char *source_dir;    /* source data (demo-data output or extracts) */
    char *warehouse_dir; /* published snapshots */
    char *state_dir;     /* SQLite databases, job store */
    char *metrics_path;  /* metric catalog */
    char *pipeline_dir;  /* ETL pipelines */
    char *prompts_dir;
    char *models_path;
    char *web_dir; /* built web UI */

    /* app backend */
    char *app_host;
    int app_port;
    int app_threads;

    /* AI service */
    char *ai_host;
    int ai_port;
    char *ai_url;
    int ai_timeout_ms;

    char *auth_mode; /* "dev" or "oidc" */
    char *redis_url; /* empty: in-process cache */
    char *log_level;

    /* ETL */
    char *etl_pipeline;     /* default pipeline name */
    int etl_threads;        /* DuckDB threads */
    char *etl_memory_limit; /* DuckDB memory_limit, e.g. "8GB" */
    int etl_history_weeks;  /* weeks of history kept in a snapshot */

    json_t *doc; /* the merged document (borrowed by cl_config_section callers) */
} cl_config_t;

/* Load PATH with its overlay and the environment. ENV_NAME overrides CATLENS_ENV when not NULL.
 * Returns 0, CL_ENOTFOUND (no such file) or CL_ECONFIG. *out is new: cl_config_free(). */
CL_NODISCARD int cl_config_load(cl_config_t **out, const char *path, const char *env_name,
                                cl_err_t *err);

/* Free CFG; NULL is fine. */
void cl_config_free(cl_config_t *cfg);

/* The subtree at dotted PATH ("auth.users"), or NULL. Borrowed: lives as long as CFG. */
json_t *cl_config_section(const cl_config_t *cfg, const char *path);

/* For owners of free-form sections: refuse any key of SECTION (may be NULL) not in KEYS
 * (NULL-terminated), naming it as WHERE.key. Returns 0 or CL_ECONFIG. */
CL_NODISCARD int cl_config_check_keys(const json_t *section, const char *where,
                                      const char *const keys[], cl_err_t *err);

/* Read integer KEY of SECTION (may be NULL) into *out: a JSON integer, a boolean (0/1) or a decimal
 * string (from the environment); DEFLT when absent or null; it must lie in [LO, HI]. Returns 0 or
 * CL_ECONFIG naming WHERE.key. */
CL_NODISCARD int cl_config_int(int *out, const json_t *section, const char *where, const char *key,
                               int deflt, int lo, int hi, cl_err_t *err);

#endif
