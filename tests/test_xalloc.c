/* test_xalloc.c — the one allocation policy (sim/base/xalloc.h): growth, alignment,
 * and out of memory as a message on stderr and SIGABRT, never a NULL. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "xalloc.h"

static void grow_doubles_from_first_and_keeps_contents(void **state)
{
    (void)state;
    size_t cap = 0;
    int *a = sim_xgrow(NULL, &cap, 1, sizeof *a, 8);
    assert_int_equal(cap, 8);
    for (int i = 0; i < 8; i++)
        a[i] = i * 7;
    int *same = sim_xgrow(a, &cap, 8, sizeof *a, 8);
    assert_ptr_equal(same, a); /* room enough: untouched */
    assert_int_equal(cap, 8);
    a = sim_xgrow(a, &cap, 9, sizeof *a, 8);
    assert_int_equal(cap, 16);
    a = sim_xgrow(a, &cap, 100, sizeof *a, 8);
    assert_int_equal(cap, 128);
    for (int i = 0; i < 8; i++)
        assert_int_equal(a[i], i * 7);
    free(a);
}

static void aligned_alloc_rounds_up_and_aligns(void **state)
{
    (void)state;
    for (size_t n = 0; n < 200; n += 13) {
        unsigned char *p = sim_xaligned_alloc(64, n);
        assert_int_equal((uintptr_t)p % 64, 0);
        memset(p, 0xAB, n); /* all n bytes are usable (ASan checks) */
        free(p);
    }
}

/* Runs fn in a child with stderr into a pipe; returns what it wrote, and
 * whether it died of SIGABRT. */
static void in_child(void (*fn)(void), char *out, size_t cap, int *sigabrt)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        signal(SIGABRT, SIG_DFL);
        fn();
        _exit(0); /* not reached when the policy holds */
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    *sigabrt = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void grow_overflowing(void)
{
    size_t cap = 4;
    (void)sim_xgrow(NULL, &cap, SIZE_MAX / 2, 16, 8); /* elements x 16 overflows size_t */
}

static void oom_named(void)
{
    sim_oom("json_dumps");
}

/* malloc really returns NULL: the address space is capped below the request. */
static void malloc_refused(void)
{
    struct rlimit rl = {64u << 20, 64u << 20};
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        _exit(3);
    (void)sim_xmalloc((size_t)256 << 20);
}

static void out_of_memory_is_a_message_and_sigabrt(void **state)
{
    (void)state;
    char out[512];
    int abrt;
    in_child(grow_overflowing, out, sizeof out, &abrt);
    assert_true(abrt);
    assert_non_null(strstr(out, "dsim: out of memory ("));
    in_child(oom_named, out, sizeof out, &abrt);
    assert_true(abrt);
    assert_string_equal(out, "dsim: out of memory (json_dumps)\n");
    if (getenv("DSIM_SANITIZED")) /* ASan reserves the address space it needs */
        return;
    in_child(malloc_refused, out, sizeof out, &abrt);
    assert_true(abrt);
    char want[64];
    snprintf(want, sizeof want, "dsim: out of memory (%zu bytes)\n", (size_t)256 << 20);
    assert_string_equal(out, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grow_doubles_from_first_and_keeps_contents),
        cmocka_unit_test(aligned_alloc_rounds_up_and_aligns),
        cmocka_unit_test(out_of_memory_is_a_message_and_sigabrt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
