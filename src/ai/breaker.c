/* breaker.c — stop hammering a provider that is down: after a run of failures, fail fast for a
 * while, then let one probe find out whether it is back. */
#include "ai/breaker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 64

struct entry {
    char key[80];
    cl_breaker_state_t state;
    int failures;
    uint64_t opened_at;
    int probing; /* half-open: the probe is out */
};

struct cl_breaker {
    pthread_mutex_t lock;
    int threshold, cooldown_ms;
    struct entry entries[MAX_KEYS];
    size_t n;
};

int cl_breaker_new(cl_breaker_t **out, int failures, int cooldown_ms, cl_err_t *err)
{
    cl_breaker_t *b = calloc(1, sizeof *b);
    if (!b) {
        *out = NULL;
        return cl_err_set(err, CL_ENOMEM, "breaker: out of memory");
    }
    pthread_mutex_init(&b->lock, NULL);
    b->threshold = failures > 0 ? failures : 1;
    b->cooldown_ms = cooldown_ms;
    *out = b;
    return 0;
}

void cl_breaker_free(cl_breaker_t *b)
{
    if (b) {
        pthread_mutex_destroy(&b->lock);
        free(b);
    }
}

/* The entry of KEY, created closed; the last slot is shared when the table is full (never expected:
 * one per configured model). */
static struct entry *entry_of(cl_breaker_t *b, const char *key)
{
    for (size_t i = 0; i < b->n; i++) {
        if (strcmp(b->entries[i].key, key) == 0) {
            return &b->entries[i];
        }
    }
    struct entry *e = &b->entries[b->n < MAX_KEYS ? b->n++ : MAX_KEYS - 1];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    return e;
}

static void advance(cl_breaker_t *b, struct entry *e, uint64_t now)
{
    if (e->state == CL_BREAKER_OPEN && now >= e->opened_at + (uint64_t)b->cooldown_ms) {
        e->state = CL_BREAKER_HALF_OPEN;
        e->probing = 0;
    }
}

int cl_breaker_allow(cl_breaker_t *b, const char *key, uint64_t now_ms)
{
    pthread_mutex_lock(&b->lock);
    struct entry *e = entry_of(b, key);
    advance(b, e, now_ms);
    int ok = e->state == CL_BREAKER_CLOSED || (e->state == CL_BREAKER_HALF_OPEN && !e->probing);
    if (ok && e->state == CL_BREAKER_HALF_OPEN) {
        e->probing = 1;
    }
    pthread_mutex_unlock(&b->lock);
    return ok;
}

void cl_breaker_record(cl_breaker_t *b, const char *key, int success, uint64_t now_ms)
{
    pthread_mutex_lock(&b->lock);
    struct entry *e = entry_of(b, key);
    if (success) {
        e->state = CL_BREAKER_CLOSED;
        e->failures = 0;
        e->probing = 0;
    } else if (e->state == CL_BREAKER_HALF_OPEN || ++e->failures >= b->threshold) {
        e->state = CL_BREAKER_OPEN;
        e->opened_at = now_ms;
        e->probing = 0;
        e->failures = 0;
    }
    pthread_mutex_unlock(&b->lock);
}

cl_breaker_state_t cl_breaker_state(cl_breaker_t *b, const char *key, uint64_t now_ms)
{
    pthread_mutex_lock(&b->lock);
    struct entry *e = entry_of(b, key);
    advance(b, e, now_ms);
    cl_breaker_state_t s = e->state;
    pthread_mutex_unlock(&b->lock);
    return s;
}

const char *cl_breaker_state_name(cl_breaker_state_t s)
{
    return s == CL_BREAKER_OPEN ? "open" : s == CL_BREAKER_HALF_OPEN ? "half_open" : "closed";
}
