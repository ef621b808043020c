/* ledger.h — what every summary cost, who asked, and the credit budgets that bound it (SQLite,
 * state/ai.db).
 *
 * Owns: tables ai_calls (the ledger and audit: one row per summary served or refused: user, team,
 * role, model, prompt version, tokens, cost, input and output hashes, checks), ai_spend (running
 * totals per user and per team and budget period) and ai_reservations.
 *
 * Budgets: before a paid call the service reserves its worst-case cost against the user's and the
 * team's budget for the current period (UTC calendar month, ISO week or day); the reservation
 * succeeds only if spent + reserved + amount stays within both limits, decided inside one BEGIN
 * IMMEDIATE transaction, so concurrent requests (threads or processes on one file) can never
 * overspend. Settling replaces the reservation by the actual cost (never more than reserved: the
 * summary enforces it) in one transaction. A reservation that is never settled (a crash) expires
 * after its TTL and stops counting. Settlements and audit rows are fsynced (synchronous=FULL): a
 * settled cost survives a power loss; reservations are not (a reservation lost with the machine
 * frees credit no running call can still spend).
 *
 * Thread safety: one cl_ledger_t is shared by all threads (a SQLite connection per thread). */
#ifndef CL_AI_LEDGER_H
#define CL_AI_LEDGER_H

#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_ledger cl_ledger_t;

typedef enum { CL_PERIOD_MONTH = 0, CL_PERIOD_WEEK, CL_PERIOD_DAY } cl_period_t;

typedef struct {
    cl_period_t period;
    int64_t user_default; /* micro-units per period; -1: unlimited */
    int64_t team_default;
    json_t *user_limits; /* borrowed {"user id": micros}, may be NULL */
    json_t *team_limits; /* borrowed {"team": micros}, may be NULL */
    int reservation_ttl_ms;
} cl_budget_policy_t;

/* Read the `ai.budgets` section (may be NULL: defaults, 5 000 000 per user and 50 000 000 per team
 * a month, 10 minute reservations). Keeps borrowed pointers into SECTION. Returns 0 or CL_ECONFIG.
 */
CL_NODISCARD int cl_budget_policy_read(cl_budget_policy_t *out, json_t *section, cl_err_t *err);

/* Open (creating) PATH. Returns 0 or an error of store/sqlite.h. *out is new: cl_ledger_close(). */
CL_NODISCARD int cl_ledger_open(cl_ledger_t **out, const char *path,
                                const cl_budget_policy_t *policy, cl_err_t *err);
void cl_ledger_close(cl_ledger_t *l);

/* Reserve AMOUNT micros for USER of TEAM at NOW_MS (epoch milliseconds). Returns 0 with a
 * reservation id in ID (33 bytes), CL_EBUDGET (the message says whose budget and what is left) or a
 * storage error. AMOUNT 0 always succeeds without a row (ID is ""). */
CL_NODISCARD int cl_ledger_reserve(char id[33], cl_ledger_t *l, const char *user, const char *team,
                                   int64_t amount, int64_t now_ms, cl_err_t *err);

typedef struct {
    const char *request_id, *job_id, *user, *team, *role, *model, *provider, *prompt_version,
        *status;
    int64_t prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_micros;
    int cached;
    const char *input_hash, *output_hash;
    const char *checks; /* JSON text */
} cl_ledger_entry_t;

/* Settle reservation ID (may be "" or already expired) with ENTRY: add its cost to the user's and
 * team's spend and write the audit row, in one transaction. Returns 0 or a storage error. */
CL_NODISCARD int cl_ledger_settle(cl_ledger_t *l, const char *id, const cl_ledger_entry_t *entry,
                                  int64_t now_ms, cl_err_t *err);

/* Write an audit row without spend (a refusal, a cache hit). */
CL_NODISCARD int cl_ledger_audit(cl_ledger_t *l, const cl_ledger_entry_t *entry, int64_t now_ms,
                                 cl_err_t *err);

/* Spend, reservations and limit of USER and TEAM in the current period: {"period": "2026-12",
 * "user": {"id", "spent_micros", "reserved_micros", "limit_micros", "remaining_micros"}, "team":
 * {…}}. *out is new. */
CL_NODISCARD int cl_ledger_usage(json_t **out, cl_ledger_t *l, const char *user, const char *team,
                                 int64_t now_ms, cl_err_t *err);

/* Every team's standing in the current period, as cl_ledger_usage's "team" objects, sorted by id:
 * the teams that spent or hold a reservation this period, and those with a limit of their own.
 * *out is new (an array). */
CL_NODISCARD int cl_ledger_teams(json_t **out, cl_ledger_t *l, int64_t now_ms, cl_err_t *err);

/* Reservations still counting at NOW_MS (for tests and metrics). */
CL_NODISCARD int cl_ledger_open_reservations(int64_t *out, cl_ledger_t *l, int64_t now_ms,
                                             cl_err_t *err);

/* The period key of NOW_MS: "2026-12", "2026-W49" or "2026-12-02". */
void cl_ledger_period_key(char out[16], cl_period_t period, int64_t now_ms);

#endif
