/* memory.c — the in-process cache: 16 shards, each a hash table with an LRU list and its own mutex,
 * so that worker threads reading cached reports rarely wait on each other. Bounds are per shard (a
 * sixteenth of the totals); the least recently used entries go first, expired ones are dropped when
 * met. */
#include "cache/internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS 16

typedef struct entry {
    struct entry *chain;         /* next in the hash bucket */
    struct entry *newer, *older; /* LRU list */
    uint64_t hash;
    int64_t expires_ms;
    size_t klen, vlen;
    int refs;    /* atomic: 1 while in the table, +1 per reader of cl_cache_mem_get_shared */
    char data[]; /* key, NUL, value, NUL: never changed once inserted */
} entry_t;

typedef struct {
    pthread_mutex_t lock;
    entry_t **buckets;
    size_t n_buckets, n, bytes;
    entry_t *newest, *oldest;
    uint64_t evictions;
} shard_t;

struct cl_cache_mem {
    shard_t shards[SHARDS];
    size_t max_entries, max_bytes; /* per shard */
};

int64_t cl_cache_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t hash_key(const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
        h = (h ^ *p) * 1099511628211ULL;
    }
    return h;
}

static void entry_unref(entry_t *e)
{
    if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(e);
    }
}

void cl_cache_mem_release(void *entry)
{
    entry_unref(entry);
}

static size_t entry_bytes(const entry_t *e)
{
    return sizeof *e + e->klen + e->vlen + 2;
}

int cl_cache_mem_new(cl_cache_mem_t **out, size_t max_entries, size_t max_bytes)
{
    cl_cache_mem_t *m = calloc(1, sizeof *m);
    if (!m) {
        return CL_ENOMEM;
    }
    m->max_entries = max_entries / SHARDS > 0 ? max_entries / SHARDS : 1;
    m->max_bytes = max_bytes / SHARDS > 0 ? max_bytes / SHARDS : 1;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&m->shards[i].lock, NULL);
        m->shards[i].n_buckets = 64;
        m->shards[i].buckets = calloc(64, sizeof(entry_t *));
        if (!m->shards[i].buckets) {
            cl_cache_mem_free(m);
            return CL_ENOMEM;
        }
    }
    *out = m;
    return 0;
}

void cl_cache_mem_free(cl_cache_mem_t *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < SHARDS; i++) {
        shard_t *s = &m->shards[i];
        entry_t *e = s->newest;
        while (e) {
            entry_t *next = e->older;
            entry_unref(e); /* a value still read is freed by its reader's release */
            e = next;
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->lock);
    }
    free(m);
}

static shard_t *shard_of(cl_cache_mem_t *m, uint64_t h)
{
    return &m->shards[(h >> 60) % SHARDS];
}

static entry_t **slot(shard_t *s, uint64_t h, const char *key)
{
    entry_t **p = &s->buckets[h & (s->n_buckets - 1)];
    while (*p && ((*p)->hash != h || strcmp((*p)->data, key) != 0)) {
        p = &(*p)->chain;
    }
    return p;
}

/* The ends are recognised by identity (the newest has no newer entry, the oldest no older one). */
static void lru_unlink(shard_t *s, entry_t *e)
{
    if (s->newest == e) {
        s->newest = e->older;
    } else {
        e->newer->older = e->older;
    }
    if (s->oldest == e) {
        s->oldest = e->newer;
    } else {
        e->older->newer = e->newer;
    }
    e->newer = e->older = NULL;
}

static void lru_push(shard_t *s, entry_t *e)
{
    e->older = s->newest;
    e->newer = NULL;
    if (s->newest) {
        s->newest->newer = e;
    }
    s->newest = e;
    if (!s->oldest) {
        s->oldest = e;
    }
}

/* Unlink and free E, whose bucket pointer is *P. */
static void drop(shard_t *s, entry_t **p, entry_t *e)
{
    *p = e->chain;
    lru_unlink(s, e);
    s->n--;
    s->bytes -= entry_bytes(e);
    entry_unref(e);
}

/* Find KEY, dropping it when expired. Returns the bucket pointer slot; *slot is NULL when absent.
 */
static entry_t **find_live(shard_t *s, uint64_t h, const char *key, int64_t now)
{
    entry_t **p = slot(s, h, key);
    if (*p && (*p)->expires_ms <= now) {
        drop(s, p, *p);
    }
    return p;
}

static void grow(shard_t *s)
{
    size_t nb = s->n_buckets * 2;
    entry_t **b = calloc(nb, sizeof(entry_t *));
    if (!b) {
        return; /* chains just get longer */
    }
    for (size_t i = 0; i < s->n_buckets; i++) {
        entry_t *e = s->buckets[i];
        while (e) {
            entry_t *next = e->chain;
            e->chain = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->n_buckets = nb;
}

static void evict(cl_cache_mem_t *m, shard_t *s, size_t incoming)
{
    while (s->oldest && (s->n + 1 > m->max_entries || s->bytes + incoming > m->max_bytes)) {
        entry_t *e = s->oldest;
        drop(s, slot(s, e->hash, e->data), e);
        s->evictions++;
    }
}

int cl_cache_mem_get_shared(cl_cache_mem_t *m, const char *key, const char **out, size_t *out_len,
                            void **ref)
{
    uint64_t h = hash_key(key);
    shard_t *s = shard_of(m, h);
    int rc = CL_ENOTFOUND;
    pthread_mutex_lock(&s->lock);
    entry_t *e = *find_live(s, h, key, cl_cache_now_ms());
    if (e) {
        lru_unlink(s, e);
        lru_push(s, e);
        __atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
        *out = e->data + e->klen + 1;
        *out_len = e->vlen;
        *ref = e;
        rc = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* The copying read: a shared read, copied out of the entry once the shard is unlocked. */
int cl_cache_mem_get(cl_cache_mem_t *m, const char *key, char **out, size_t *out_len)
{
    const char *data = NULL;
    size_t len = 0;
    void *ref = NULL;
    int rc = cl_cache_mem_get_shared(m, key, &data, &len, &ref);
    if (rc != 0) {
        return rc;
    }
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, data, len + 1);
        *out = copy;
        *out_len = len;
    }
    cl_cache_mem_release(ref);
    return copy ? 0 : CL_ENOMEM;
}

/* Insert a new entry (KEY absent). Called with the shard locked. */
static int insert(cl_cache_mem_t *m, shard_t *s, uint64_t h, const char *key, const void *value,
                  size_t len, int64_t expires)
{
    size_t klen = strlen(key);
    entry_t *e = malloc(sizeof *e + klen + len + 2);
    if (!e) {
        return CL_ENOMEM;
    }
    *e = (entry_t){.hash = h, .expires_ms = expires, .klen = klen, .vlen = len, .refs = 1};
    memcpy(e->data, key, klen + 1);
    if (len) {
        memcpy(e->data + klen + 1, value, len);
    }
    e->data[klen + 1 + len] = '\0';
    if (entry_bytes(e) > m->max_bytes) {
        free(e);
        return 0; /* could never fit */
    }
    evict(m, s, entry_bytes(e));
    if (s->n + 1 > s->n_buckets) {
        grow(s);
    }
    entry_t **p = slot(s, h, key);
    e->chain = *p;
    *p = e;
    lru_push(s, e);
    s->n++;
    s->bytes += entry_bytes(e);
    return 0;
}

int cl_cache_mem_set(cl_cache_mem_t *m, const char *key, const void *value, size_t len, int ttl_ms)
{
    uint64_t h = hash_key(key);
    shard_t *s = shard_of(m, h);
    pthread_mutex_lock(&s->lock);
    entry_t **p = slot(s, h, key);
    if (*p) {
        drop(s, p, *p);
    }
    int rc = insert(m, s, h, key, value, len, cl_cache_now_ms() + ttl_ms);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void cl_cache_mem_delete(cl_cache_mem_t *m, const char *key)
{
    uint64_t h = hash_key(key);
    shard_t *s = shard_of(m, h);
    pthread_mutex_lock(&s->lock);
    entry_t **p = slot(s, h, key);
    if (*p) {
        drop(s, p, *p);
    }
    pthread_mutex_unlock(&s->lock);
}

static int parse_counter(const entry_t *e, int64_t *out)
{
    const char *v = e->data + e->klen + 1;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || e->vlen == 0) {
        return CL_EINVAL;
    }
    *out = n;
    return 0;
}

int cl_cache_mem_incr(cl_cache_mem_t *m, const char *key, int ttl_ms, int64_t *out)
{
    uint64_t h = hash_key(key);
    shard_t *s = shard_of(m, h);
    int64_t now = cl_cache_now_ms();
    pthread_mutex_lock(&s->lock);
    entry_t **p = find_live(s, h, key, now);
    int64_t n = 0, expires = now + ttl_ms;
    int rc = 0;
    if (*p) {
        rc = parse_counter(*p, &n);
        expires = (*p)->expires_ms; /* the window keeps the expiry of its first hit */
        if (rc == 0) {
            drop(s, p, *p);
        }
    }
    if (rc == 0) {
        char text[32];
        int len = snprintf(text, sizeof text, "%lld", (long long)n + 1);
        rc = insert(m, s, h, key, text, (size_t)len, expires);
        *out = n + 1;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

uint64_t cl_cache_mem_evictions(cl_cache_mem_t *m)
{
    uint64_t n = 0;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&m->shards[i].lock);
        n += m->shards[i].evictions;
        pthread_mutex_unlock(&m->shards[i].lock);
    }
    return n;
}
