/* app.h — the app backend (`catlens app`): the control plane of BRIEF §6.
 *
 * Owns: the HTTP server of the app (routes of docs/api/openapi.yaml, the built web UI from
 * paths.web), sign-in and sessions (auth/), the access rule on every endpoint and every cached or
 * archived report, the report cache (cache/), the report archive and feedback (store/archive), the
 * audit log (store/audit) and the app's metrics. It reads the warehouse only, never writes it.
 *
 * Files under paths.state: sessions.db (sessions, sign-ins in progress), audit.db (append-only,
 * fsynced), app.db (report archive, feedback).
 *
 * Thread safety: open, start, shutdown and close from one thread; requests are served on the HTTP
 * server's threads. */
#ifndef CL_APP_APP_H
#define CL_APP_APP_H

#include "core/config.h"
#include "core/defs.h"
#include "core/err.h"

typedef struct cl_app cl_app_t;

/* Build the app from CFG (borrowed: it must outlive the app): state files, auth, cache, routes.
 * Nothing listens yet. Returns 0, CL_ECONFIG, CL_EIO or CL_ENOMEM. *out is new: cl_app_close(). */
CL_NODISCARD int cl_app_open(cl_app_t **out, const cl_config_t *cfg, cl_err_t *err);

/* Listen on app.host:app.port (port 0: any free port). Returns 0 or CL_EIO. */
CL_NODISCARD int cl_app_start(cl_app_t *app, cl_err_t *err);

/* The port it listens on. */
int cl_app_port(const cl_app_t *app);

/* Stop accepting, let requests in flight finish (up to GRACE_MS), write every queued audit record.
 */
void cl_app_shutdown(cl_app_t *app, int grace_ms);

/* Shut down if needed and free everything. NULL is fine. */
void cl_app_close(cl_app_t *app);

#endif
