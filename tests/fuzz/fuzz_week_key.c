/* fuzz_week_key.c — week keys and window names come from every request and command line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    cl_err_t err;
    cl_week_t w;
    if (cl_week_parse(&w, text, &err) == 0) {
        /* A parsed key formats back to itself: the parser accepts only canonical keys. */
        char key[CL_WEEK_KEY_LEN];
        cl_week_format(key, w);
        if (strcmp(key, text) != 0) {
            abort();
        }
        for (int win = 0; win < CL_WINDOW_COUNT; win++) {
            cl_window_range_t r = cl_window_range((cl_window_t)win, w);
            if (cl_week_cmp(r.prev_last, r.cur_first) >= 0) {
                abort();
            }
        }
    }
    cl_window_t win;
    if (cl_window_parse(&win, text, &err) == 0 && cl_window_name(win) == NULL) {
        abort();
    }
    free(text);
    return 0;
}
