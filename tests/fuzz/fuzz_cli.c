/*
 * fuzz_cli.c — libFuzzer harness for the command line.
 *
 * The input is split at NUL bytes into arguments (at most FUZZ_ARGS_MAX) and
 * handed to
 *   - sim_check_parse_args() (`dsim check`'s parser, which never touches a file),
 *     whose answer must be consistent: options that hold, or a usage message;
 *   - sim_main(), the whole `dsim` program: dispatch, global flags and every
 *     subcommand's option parsing, in-process.
 * sim_main() may read and write files, so it runs in a sandbox: the process
 * works in an empty temporary folder (LLVMFuzzerInitialize), arguments with a
 * '/', starting with '.' or equal to "-" are not passed (no file outside it can
 * be named, nor stdin), `plot` (which would start gnuplot) is left out, and whatever a run
 * created is removed after it. No scenario exists in the sandbox, so nothing
 * long runs: this fuzzes the parsing and the usage errors.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "scenario.h"

#define FUZZ_ARGS_MAX 64
#define FUZZ_CLEAN_DEPTH 8

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char sandbox[64];

static void clean(const char *dir, int depth);

/* At exit: empty the sandbox and remove it. */
static void sandbox_remove(void)
{
    clean(".", 0);
    if (chdir("/") == 0)
        rmdir(sandbox);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(sandbox, sizeof sandbox, "/tmp/dsim-fuzz-cli-XXXXXX");
    if (!mkdtemp(sandbox) || chdir(sandbox) != 0) {
        perror("fuzz_cli: sandbox");
        abort();
    }
    atexit(sandbox_remove);
    return 0;
}

/* Removes everything under the current folder `dir` (relative), depth-bounded. */
static void clean(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < FUZZ_CLEAN_DEPTH) {
            clean(path, depth + 1);
            rmdir(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
}

static void check_parser(int argc, char **argv)
{
    sim_check_opts o;
    sim_error err;
    memset(&err, 0, sizeof err);
    if (sim_check_parse_args(argc, argv, &o, &err) == 0) {
        /* what the command relies on after a successful parse */
        if (!o.help && o.n_paths == 0)
            abort();
        if (o.jobs < 0 || o.jobs > SIM_CHECK_JOBS_MAX || o.replications < 0)
            abort();
        for (size_t k = 0; k < o.n_paths; k++)
            if (!o.paths[k][0])
                abort();
    } else if (err.count < 1 || !err.msg[0][0]) {
        abort(); /* a usage error must say something */
    }
    sim_check_opts_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sandbox[0])
        LLVMFuzzerInitialize(NULL, NULL);
    /* A private NUL-terminated copy: "dsim\0" + input + "\0". */
    char *buf = malloc(size + 8);
    if (!buf)
        abort();
    memcpy(buf, "dsim", 5);
    if (size)
        memcpy(buf + 5, data, size);
    buf[5 + size] = '\0';
    char *argv[FUZZ_ARGS_MAX + 1];
    int argc = 0;
    argv[argc++] = buf;
    for (size_t i = 5; i < 5 + size && argc < FUZZ_ARGS_MAX; i += strlen(buf + i) + 1)
        argv[argc++] = buf + i;
    argv[argc] = NULL;

    /* `dsim check`'s parser sees the arguments after the program name: its
     * argv[0] is the subcommand's name, whatever the input's first word is. */
    char *check_argv[FUZZ_ARGS_MAX + 1];
    check_argv[0] = (char *)"check";
    for (int i = 2; i < argc; i++)
        check_argv[i - 1] = argv[i];
    check_argv[argc > 1 ? argc - 1 : 1] = NULL;
    check_parser(argc > 1 ? argc - 1 : 1, check_argv);

    bool sandboxed = !(argc > 1 && strcmp(argv[1], "plot") == 0);
    for (int i = 1; i < argc && sandboxed; i++)
        sandboxed = !strchr(argv[i], '/') && argv[i][0] != '.' && strcmp(argv[i], "-") != 0;
    if (sandboxed) {
        sim_main(argc, argv);
        fflush(stdout);
        clean(".", 0);
    }
    free(buf);
    return 0;
}
