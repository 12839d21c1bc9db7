/*
 * replay_main.c — runs a fuzz harness without libFuzzer: every file named on
 * the command line (a folder: every file in it, sorted by name) is passed to
 * LLVMFuzzerTestOneInput() once. ctest uses it to replay the seed corpus and
 * every input that ever crashed, in the normal and the sanitizer builds.
 *
 * All inputs are read first, then LLVMFuzzerInitialize() runs if the harness
 * has one (it may change the working folder, as fuzz_cli's sandbox does).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_FILES_MAX 100000
#define REPLAY_BYTES_MAX (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

typedef struct input {
    char *path;
    uint8_t *data; /* exactly size bytes, so ASan catches a read past the end */
    size_t size;
} input;

static input *inputs;
static size_t n_inputs;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("replay: out of memory\n", stderr);
        abort();
    }
    return q;
}

static int load_file(const char *path)
{
    if (n_inputs >= REPLAY_FILES_MAX) {
        fprintf(stderr, "replay: more than %d inputs\n", REPLAY_FILES_MAX);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: cannot open\n", path);
        return -1;
    }
    uint8_t *buf = xrealloc(NULL, REPLAY_BYTES_MAX);
    size_t n = fread(buf, 1, REPLAY_BYTES_MAX, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        return -1;
    }
    inputs = xrealloc(inputs, (n_inputs + 1) * sizeof *inputs);
    input *in = &inputs[n_inputs++];
    in->data = xrealloc(buf, n);
    in->size = n;
    size_t len = strlen(path) + 1;
    in->path = xrealloc(NULL, len);
    memcpy(in->path, path, len);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: %s: cannot open folder\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < REPLAY_FILES_MAX) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names = xrealloc(names, (n + 1) * sizeof *names);
        names[n] = xrealloc(NULL, len);
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && load_file(names[i]) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int is_dir = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode);
        if ((is_dir ? load_dir(argv[i]) : load_file(argv[i])) != 0)
            rc = 1;
    }
    if (n_inputs == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (size_t i = 0; i < n_inputs; i++) {
        fprintf(stderr, "replay: %s\n", inputs[i].path);
        LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].size);
        free(inputs[i].data);
        free(inputs[i].path);
    }
    free(inputs);
    printf("replayed %zu inputs\n", n_inputs);
    return rc;
}
