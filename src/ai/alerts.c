/* alerts.c — a log line an operator can page on when the guardrails start rejecting many answers (a
 * model or prompt change gone wrong) or the spend per hour jumps (a loop, a leak, a price change).
 * One bucket a minute over the last hour; at most one alert of each kind every ten minutes. */
#include "ai/service_internal.h"

#include "core/log.h"

#define ALERT_GAP_MS (10 * 60 * 1000)
#define RATE_WINDOW_MIN 15
#define RATE_MIN_ANSWERS 10

void cl_ai_alerts_record(cl_ai_service_t *svc, int answers, int rejected, int64_t cost_micros,
                         int64_t now_ms)
{
    struct alert_window *w = &svc->alerts;
    int64_t minute = now_ms / 60000;
    int slot = (int)(minute % 60);
    pthread_mutex_lock(&svc->lock);
    if (w->minute[slot] != minute) {
        w->minute[slot] = minute;
        w->answers[slot] = w->rejected[slot] = w->cost[slot] = 0;
    }
    w->answers[slot] += answers;
    w->rejected[slot] += rejected;
    w->cost[slot] += cost_micros;
    int64_t a = 0, r = 0, cost = 0;
    for (int i = 0; i < 60; i++) {
        if (minute - w->minute[i] < 60) {
            cost += w->cost[i];
        }
        if (minute - w->minute[i] < RATE_WINDOW_MIN) {
            a += w->answers[i];
            r += w->rejected[i];
        }
    }
    int rate_alert = a >= RATE_MIN_ANSWERS && (double)r > svc->alert_rate * (double)a;
    int cost_alert = svc->alert_cost >= 0 && cost > svc->alert_cost;
    int fire = (rate_alert || cost_alert) && now_ms - w->last_alert_ms >= ALERT_GAP_MS;
    if (fire) {
        w->last_alert_ms = now_ms;
    }
    pthread_mutex_unlock(&svc->lock);
    if (fire) {
        cl_log(CL_LOG_ERROR, "ai", "alert",
               json_pack("{s:s,s:I,s:I,s:f,s:I,s:I}", "kind",
                         rate_alert ? "check_failure_rate" : "cost_per_hour", "answers_15m",
                         (json_int_t)a, "rejected_15m", (json_int_t)r, "threshold_rate",
                         svc->alert_rate, "cost_micros_1h", (json_int_t)cost,
                         "threshold_cost_micros", (json_int_t)svc->alert_cost));
    }
}
