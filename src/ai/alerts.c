/* alerts.c — a log line an operator can page on when the guardrails start rejecting many answers (a
 * model or prompt change gone wrong) or the spend per hour jumps (a loop, a leak, a price change),
 * the counter catlens_ai_alerts_total{kind}, and, when CATLENS_AI_ALERT_WEBHOOK names a URL (Slack,
 * Alertmanager, PagerDuty Events or any receiver of a JSON POST), the same alert posted there.
 * One bucket a minute over the last hour; at most one alert every ten minutes. */
#include "ai/service_internal.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define ALERT_GAP_MS ((int64_t)10 * 60 * 1000)
#define RATE_WINDOW_MIN 15
#define RATE_MIN_ANSWERS 10
#define HOOK_TIMEOUT_MS 5000

struct hook {
    cl_ai_service_t *svc;
    char *body;
};

static size_t discard(char *data, size_t size, size_t n, void *payload)
{
    (void)data;
    (void)payload;
    return size * n;
}

/* One POST on a thread of its own, so a slow receiver never holds a summary; the service waits
 * for it when it stops (at most HOOK_TIMEOUT_MS). A failure is logged without the URL. */
static void *post_hook(void *payload)
{
    struct hook *h = payload;
    cl_ai_service_t *svc = h->svc;
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    CURLcode rc = CURLE_FAILED_INIT;
    long status = 0;
    if (c && hdr) {
        curl_easy_setopt(c, CURLOPT_URL, svc->alert_webhook);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, h->body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HOOK_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    if (rc != CURLE_OK || status < 200 || status > 299) {
        cl_log(CL_LOG_WARN, "ai", "alert_webhook_failed",
               json_pack("{s:s,s:i}", "error", rc != CURLE_OK ? curl_easy_strerror(rc) : "status",
                         "status", (int)status));
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    free(h->body);
    free(h);
    pthread_mutex_lock(&svc->lock);
    svc->hooks_in_flight--;
    pthread_cond_broadcast(&svc->hooks_done);
    pthread_mutex_unlock(&svc->lock);
    return NULL;
}

static void send_hook(cl_ai_service_t *svc, json_t *alert)
{
    struct hook *h = calloc(1, sizeof *h);
    if (h) {
        h->svc = svc;
        h->body = json_dumps(alert, JSON_COMPACT);
    }
    pthread_mutex_lock(&svc->lock);
    int ok = h && h->body && !svc->stopping;
    if (ok) {
        svc->hooks_in_flight++;
    }
    pthread_mutex_unlock(&svc->lock);
    pthread_t t;
    pthread_attr_t attr;
    if (ok && pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, post_hook, h) == 0) {
            h = NULL;
        }
        pthread_attr_destroy(&attr);
    }
    if (h) {
        if (ok) {
            pthread_mutex_lock(&svc->lock);
            svc->hooks_in_flight--;
            pthread_mutex_unlock(&svc->lock);
        }
        free(h->body);
        free(h);
    }
}

void cl_ai_alerts_drain(cl_ai_service_t *svc)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += HOOK_TIMEOUT_MS / 1000 + 1;
    pthread_mutex_lock(&svc->lock);
    while (svc->hooks_in_flight > 0 &&
           pthread_cond_timedwait(&svc->hooks_done, &svc->lock, &until) == 0) {
    }
    pthread_mutex_unlock(&svc->lock);
}

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
    if (!fire) {
        return;
    }
    const char *kind = rate_alert ? "check_failure_rate" : "cost_per_hour";
    json_t *alert = json_pack("{s:s,s:s,s:I,s:I,s:f,s:I,s:I}", "service", "catlens-ai", "kind",
                              kind, "answers_15m", (json_int_t)a, "rejected_15m", (json_int_t)r,
                              "threshold_rate", svc->alert_rate, "cost_micros_1h", (json_int_t)cost,
                              "threshold_cost_micros", (json_int_t)svc->alert_cost);
    const char *label[] = {kind};
    cl_metrics_inc(svc->m.alerts, label, 1);
    if (alert && svc->alert_webhook) {
        json_t *text =
            json_sprintf("catlens AI service alert: %s (rejected %lld of %lld answers in 15 min; "
                         "spend %lld micro-units in the last hour)",
                         kind, (long long)r, (long long)a, (long long)cost);
        json_object_set_new(alert, "text", text); /* the field Slack-style receivers display */
        send_hook(svc, alert);
        json_object_del(alert, "text");
    }
    cl_log(CL_LOG_ERROR, "ai", "alert", alert);
}
