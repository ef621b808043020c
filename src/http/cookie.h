/* cookie.h — the Cookie request header in, Set-Cookie response headers out (RFC 6265).
 *
 * Owns: parsing "a=1; b=2" into name/value pairs and formatting Set-Cookie values with their
 * attributes. Parsing is tolerant of what browsers really send (extra spaces, quoted values, a
 * trailing ';') and skips a malformed pair instead of failing the request, but never guesses: a
 * name sent twice with different values (a cookie planted by a sibling domain beside ours) reads as
 * absent, so the server sees "not signed in" rather than the wrong session. Values are not
 * percent-decoded; catlens only sets token-safe values.
 *
 * Thread safety: pure functions; a jar belongs to one thread. */
#ifndef CL_HTTP_COOKIE_H
#define CL_HTTP_COOKIE_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_COOKIE_MAX 48

typedef struct {
    size_t n;
    struct {
        char *name, *value; /* point into buf */
        int ambiguous;      /* the name came twice with different values */
    } items[CL_COOKIE_MAX];
    char *buf;
    size_t used, cap;
} cl_cookie_jar_t;

typedef enum {
    CL_COOKIE_SAMESITE_LAX = 0,
    CL_COOKIE_SAMESITE_STRICT,
    CL_COOKIE_SAMESITE_NONE
} cl_samesite_t;

typedef struct {
    const char *path; /* NULL: "/" */
    long max_age;     /* seconds; 0: a session cookie; negative: delete now (Max-Age=0) */
    int http_only;
    int secure;
    cl_samesite_t same_site;
} cl_cookie_attrs_t;

/* Add the pairs of one Cookie header value HEADER to JAR (zero it before the first call; several
 * headers may be added). Pairs beyond CL_COOKIE_MAX and malformed pairs are skipped. Returns 0 or
 * CL_ENOMEM. */
CL_NODISCARD int cl_cookie_parse(cl_cookie_jar_t *jar, const char *header, cl_err_t *err);

/* The value of cookie NAME, or NULL when absent or ambiguous. Borrowed from JAR. */
const char *cl_cookie_get(const cl_cookie_jar_t *jar, const char *name);

void cl_cookie_jar_dispose(cl_cookie_jar_t *jar);

/* 1 if S is a valid cookie name (an RFC 7230 token) or value (cookie-octets), else 0. */
int cl_cookie_name_ok(const char *s);
int cl_cookie_value_ok(const char *s);

/* Format a Set-Cookie header value into OUT (CAP bytes). Returns 0, CL_EINVAL (NAME or VALUE not
 * cookie-safe) or CL_ETOOBIG. */
CL_NODISCARD int cl_cookie_format(char *out, size_t cap, const char *name, const char *value,
                                  const cl_cookie_attrs_t *attrs, cl_err_t *err);

#endif
