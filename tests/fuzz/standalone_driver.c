/* standalone_driver.c — replays a fuzz corpus through LLVMFuzzerTestOneInput without libFuzzer.
 *
 * Why: gcc has no libFuzzer, yet every parser's corpus (seeds plus every crash ever found) must run
 * inside `make test`, plain and under ASan+UBSan. Each argument is a file or a folder of files;
 * each file is one input. Besides each file as it is, every prefix at a few cut points is fed too,
 * so truncation bugs surface even without a coverage-guided run. `make fuzz` builds the same
 * targets against real libFuzzer with clang. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int feed_file(const char *path, size_t *inputs)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            break;
        }
        if (len == cap) {
            uint8_t *grown = realloc(buf, cap * 2);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "fuzz replay: out of memory reading %s\n", path);
        return -1;
    }
    /* Copy each input into an allocation of exactly its size so ASan sees any read past its end. */
    size_t cuts[] = {len, len / 2, len / 3, len > 0 ? len - 1 : 0, 1, 0};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        size_t n = cuts[i] > len ? len : cuts[i];
        uint8_t *exact = malloc(n > 0 ? n : 1);
        if (exact == NULL) {
            free(buf);
            return -1;
        }
        memcpy(exact, buf, n);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        (*inputs)++;
    }
    free(buf);
    return 0;
}

static int feed_path(const char *path, size_t *inputs)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz replay: no such file or folder %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return feed_file(path, inputs);
    }
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort); /* sorted: the replay order is reproducible */
    if (n < 0) {
        fprintf(stderr, "fuzz replay: cannot list %s\n", path);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0 && names[i]->d_name[0] != '.') {
            char child[4096];
            int w = snprintf(child, sizeof(child), "%s/%s", path, names[i]->d_name);
            rc = (w > 0 && (size_t)w < sizeof(child)) ? feed_path(child, inputs) : -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t inputs = 0;
    for (int i = 1; i < argc; i++) {
        if (feed_path(argv[i], &inputs) != 0) {
            return 1;
        }
    }
    if (inputs == 0) {
        fprintf(stderr, "fuzz replay: empty corpus\n");
        return 1;
    }
    printf("fuzz replay: %zu inputs, no crash\n", inputs);
    return 0;
}
