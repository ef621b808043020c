/* jsonw.h — compact JSON written by hand on hot paths (an audit record's detail on every cached
 * report view), byte for byte what jansson's json_dumps(…, JSON_COMPACT | JSON_SORT_KEYS) writes
 * for the same values: strings escape '"', '\\' and the control characters below 0x20 (\b \f \n \r
 * \t, else \u00XX in upper-case hex) and nothing else ('/' and non-ASCII UTF-8 stay as they are).
 * The caller writes the members of an object in sorted key order. Thread safety: reentrant. */
#ifndef CL_CORE_JSONW_H
#define CL_CORE_JSONW_H

#include <stddef.h>

/* Append S (UTF-8, NUL-terminated) as a JSON string to OUT at AT, writing nothing at or beyond CAP;
 * returns the position after it (more than CAP when it did not fit). */
size_t cl_jsonw_string(char *out, size_t cap, size_t at, const char *s);

/* Append the bytes of LIT as they are (the punctuation, a key already quoted, true, false). */
size_t cl_jsonw_raw(char *out, size_t cap, size_t at, const char *lit);

#endif
