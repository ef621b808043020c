/* jsonw.c — hand-written compact JSON (see jsonw.h). */
#include "core/jsonw.h"

#include <string.h>

static size_t put(char *out, size_t cap, size_t at, const char *s, size_t n)
{
    if (at + n <= cap) {
        memcpy(out + at, s, n);
    }
    return at + n;
}

size_t cl_jsonw_raw(char *out, size_t cap, size_t at, const char *lit)
{
    return put(out, cap, at, lit, strlen(lit));
}

size_t cl_jsonw_string(char *out, size_t cap, size_t at, const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    at = put(out, cap, at, "\"", 1);
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c != 0 && c != '"' && c != '\\' && c >= 0x20) {
            continue;
        }
        at = put(out, cap, at, run, (size_t)(p - run));
        if (c == 0) {
            break;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = HEX[c >> 4];
            esc[5] = HEX[c & 15];
            n = 6;
        }
        at = put(out, cap, at, esc, n);
        run = p + 1;
    }
    return put(out, cap, at, "\"", 1);
}
