/* defs.h — compiler attributes and the assertion macro shared by every module.
 *
 * Owns: CL_NODISCARD, CL_PRINTF, CL_UNUSED, CL_ARRAY_LEN, CL_ASSERT. Nothing else belongs here:
 * this is not a catch-all header. Thread safety: macros only. */
#ifndef CL_CORE_DEFS_H
#define CL_CORE_DEFS_H

#include <stddef.h>

#define CL_NODISCARD __attribute__((warn_unused_result))
#define CL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define CL_UNUSED __attribute__((unused))
#define CL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* CL_ASSERT is for programming errors, never for bad input. It aborts in debug, test and sanitizer
 * builds (NDEBUG unset); in release builds it logs and makes the enclosing function return
 * CL_EINTERNAL, so one request fails and the service lives. Use only in functions that return int.
 */
void cl_assert_failed(const char *expr, const char *file, int line);
#ifdef NDEBUG
#define CL_ASSERT(expr)                                                                            \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            cl_assert_failed(#expr, __FILE__, __LINE__);                                           \
            return -99; /* CL_EINTERNAL */                                                         \
        }                                                                                          \
    } while (0)
#else
#define CL_ASSERT(expr)                                                                            \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            cl_assert_failed(#expr, __FILE__, __LINE__);                                           \
        }                                                                                          \
    } while (0)
#endif

#endif
