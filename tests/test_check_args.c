/* test_check_args.c — `dsim check`'s command line and how it expands folders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "check.h"

/* Parses a NULL-terminated list of arguments after "check". */
static int parse(sim_check_opts *o, sim_error *err, const char *const *args)
{
    char *argv[32] = {(char *)"check"};
    int argc = 1;
    while (args[argc - 1]) {
        assert_true(argc < 31);
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    memset(err, 0, sizeof *err);
    return sim_check_parse_args(argc, argv, o, err);
}

static void options_and_paths_mix_in_any_order(void **state)
{
    (void)state;
    sim_check_opts o;
    sim_error err;
    const char *args[] = {"a.json", "--junit", "r.xml", "dir/", "--tap",   "--jobs=3",
                          "--replications", "7",  "--", "--odd-name.json", NULL};
    assert_int_equal(parse(&o, &err, args), 0);
    assert_int_equal(o.n_paths, 3);
    assert_string_equal(o.paths[0], "a.json");
    assert_string_equal(o.paths[1], "dir/");
    assert_string_equal(o.paths[2], "--odd-name.json");
    assert_string_equal(o.junit, "r.xml");
    assert_true(o.tap);
    assert_false(o.help);
    assert_int_equal(o.jobs, 3);
    assert_int_equal(o.replications, 7);
    sim_check_opts_free(&o);
}

static void defaults_leave_jobs_and_replications_to_the_run(void **state)
{
    (void)state;
    sim_check_opts o;
    sim_error err;
    const char *args[] = {"x.json", NULL};
    assert_int_equal(parse(&o, &err, args), 0);
    assert_int_equal(o.jobs, 0);
    assert_int_equal(o.replications, 0);
    assert_null(o.junit);
    assert_false(o.tap);
    sim_limits def;
    sim_limits_default(&def);
    assert_memory_equal(&o.limits, &def, sizeof def);
    sim_check_opts_free(&o);
}

static void limit_flags_raise_the_loader_limits(void **state)
{
    (void)state;
    sim_check_opts o;
    sim_error err;
    const char *args[] = {"--max-nodes", "200001", "--max-replications=20002", "x.json", NULL};
    assert_int_equal(parse(&o, &err, args), 0);
    assert_int_equal(o.limits.max_nodes, 200001);
    assert_int_equal(o.limits.max_replications, 20002);
    assert_int_equal(o.n_paths, 1);
    assert_int_equal(o.max_events, 0);
    sim_check_opts_free(&o);
    /* --max-events is the run's event budget, not a loader limit. */
    const char *budget[] = {"x.json", "--max-events", "18446744073709551615", NULL};
    assert_int_equal(parse(&o, &err, budget), 0);
    assert_true(o.max_events == UINT64_MAX);
    sim_limits def;
    sim_limits_default(&def);
    assert_memory_equal(&o.limits, &def, sizeof def);
    sim_check_opts_free(&o);
}

/* Each bad command line, and the words its message must contain. */
static void bad_command_lines_say_what_is_wrong(void **state)
{
    (void)state;
    static const struct {
        const char *args[6];
        const char *says;
    } cases[] = {
        {{NULL}, "missing FILE|DIR"},
        {{"--jobs", "0", "x", NULL}, "--jobs: expected an integer 1..1024, got '0'"},
        {{"--jobs", "1025", "x", NULL}, "--jobs: expected an integer 1..1024, got '1025'"},
        {{"--jobs=2x", "x", NULL}, "got '2x'"},
        {{"--replications", "+3", "x", NULL}, "--replications: expected an integer 1..100000"},
        {{"--replications", "2147483648", "x", NULL},
         "--replications: expected an integer 1..100000, got '2147483648'"},
        {{"--replications", "10001", "x", NULL},
         "--replications: 10001, more than the limit of 10000 (raise it with "
         "--max-replications)"},
        {{"--replications", "99999999999", "x", NULL}, "got '99999999999'"},
        {{"x", "--jobs", NULL}, "--jobs needs a value"},
        {{"--junit=", "x", NULL}, "--junit: expected a file name"},
        {{"--tapp", "x", NULL}, "unknown option '--tapp'"},
        {{"--max-nodes", "0", "x", NULL}, "--max-nodes: expected an integer 1..1000000, got '0'"},
        /* above its ceiling: an option error, not a load error of every scenario */
        {{"--max-nodes", "1000001", "x", NULL},
         "--max-nodes: expected an integer 1..1000000, got '1000001'"},
        {{"x", "--max-utterances=1000000000001", NULL},
         "--max-utterances: expected an integer 1..1000000000000, got '1000000000001'"},
        {{"--max-nodes=-5", "x", NULL}, "got '-5'"},
        {{"--max-bogus", "3", "x", NULL}, "unknown option '--max-bogus'"},
        {{"--max-events=0", "x", NULL}, "--max-events: expected a positive integer, got '0'"},
        {{"x", "--max-events", NULL}, "--max-events needs a value"},
        {{"", NULL}, "empty path"},
        {{"x", "--tap=1", NULL}, "--tap takes no value"},
        {{"x", "-j", NULL}, "-j needs a value"},
        {{"x", "-j", "0", NULL}, "--jobs: expected an integer 1..1024, got '0'"},
        {{"x", "--jnit", "r.xml", NULL}, "unknown option '--jnit'; did you mean '--junit'?"},
        {{"x", "-z", NULL}, "unknown option '-z'"},
        {{"x", "--timeline-filter=", NULL}, "--timeline-filter: expected a filter, got ''"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_check_opts o;
        sim_error err;
        assert_int_equal(parse(&o, &err, cases[i].args), -1);
        assert_int_equal(err.count, 1);
        if (!strstr(err.msg[0], cases[i].says))
            fail_msg("case %zu: '%s' does not say '%s'", i, err.msg[0], cases[i].says);
        assert_non_null(strstr(err.msg[0], "check: "));
        sim_check_opts_free(&o);
    }
}

/* getopt_long's forms: --opt=V equals --opt V; -j N and -jN are --jobs N (the
 * N is never a path); "--" ends the options; "-" is a path (the standard input). */
static void every_form_of_a_value_parses_alike(void **state)
{
    (void)state;
    static const char *const forms[][8] = {
        {"--jobs", "2", "--junit", "r.xml", "--replications", "5", "a.json", NULL},
        {"--jobs=2", "--junit=r.xml", "--replications=5", "a.json", NULL},
        {"-j", "2", "a.json", "--junit", "r.xml", "--replications=5", NULL},
        {"-j2", "--junit=r.xml", "--", "a.json", NULL},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        sim_check_opts o;
        sim_error err;
        assert_int_equal(parse(&o, &err, forms[i]), 0);
        assert_int_equal(o.jobs, 2);
        assert_string_equal(o.junit, "r.xml");
        assert_int_equal(o.replications, i == 3 ? 0 : 5);
        assert_int_equal(o.n_paths, 1);
        assert_string_equal(o.paths[0], "a.json");
        sim_check_opts_free(&o);
    }
    sim_check_opts o;
    sim_error err;
    const char *rest[] = {"--", "-j", "--tap", "-", NULL};
    assert_int_equal(parse(&o, &err, rest), 0);
    assert_int_equal(o.n_paths, 3);
    assert_string_equal(o.paths[0], "-j");
    assert_string_equal(o.paths[1], "--tap");
    assert_string_equal(o.paths[2], "-");
    assert_false(o.tap);
    assert_int_equal(o.jobs, 0);
    sim_check_opts_free(&o);
}

static void help_needs_no_path(void **state)
{
    (void)state;
    sim_check_opts o;
    sim_error err;
    const char *args[] = {"--help", NULL};
    assert_int_equal(parse(&o, &err, args), 0);
    assert_true(o.help);
    assert_int_equal(o.n_paths, 0);
    sim_check_opts_free(&o);
}

static void touch(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static void folder_gives_its_json_files_sorted_without_schema(void **state)
{
    (void)state;
    char dir[] = "/tmp/dsim-test-check-args-XXXXXX";
    assert_non_null(mkdtemp(dir));
    touch(dir, "zeta.json");
    touch(dir, "alpha.json");
    touch(dir, "schema.json");
    touch(dir, ".hidden.json");
    touch(dir, "notes.txt");
    touch(dir, "beta.json.tmp.123");
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub.json", dir);
    assert_int_equal(mkdir(sub, 0700), 0); /* a folder named *.json is not a scenario */

    char **files = NULL;
    size_t n = 0;
    sim_error err = {0};
    assert_int_equal(sim_check_expand_path(dir, &files, &n, &err), 0);
    assert_int_equal(n, 2);
    char want[300];
    snprintf(want, sizeof want, "%s/alpha.json", dir);
    assert_string_equal(files[0], want);
    snprintf(want, sizeof want, "%s/zeta.json", dir);
    assert_string_equal(files[1], want);
    /* a file is itself, appended after what is there */
    assert_int_equal(sim_check_expand_path(want, &files, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(files[2], want);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void missing_path_and_empty_folder_are_errors(void **state)
{
    (void)state;
    char **files = NULL;
    size_t n = 0;
    sim_error err = {0};
    assert_int_equal(sim_check_expand_path("/nonexistent-dsim/x.json", &files, &n, &err), -1);
    assert_non_null(strstr(err.msg[0], "/nonexistent-dsim/x.json: cannot open:"));
    char dir[] = "/tmp/dsim-test-check-args-XXXXXX";
    assert_non_null(mkdtemp(dir));
    memset(&err, 0, sizeof err);
    assert_int_equal(sim_check_expand_path(dir, &files, &n, &err), -1);
    assert_non_null(strstr(err.msg[0], "no scenario files (*.json) in this folder"));
    assert_int_equal(n, 0);
    free(files);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_and_paths_mix_in_any_order),
        cmocka_unit_test(defaults_leave_jobs_and_replications_to_the_run),
        cmocka_unit_test(limit_flags_raise_the_loader_limits),
        cmocka_unit_test(bad_command_lines_say_what_is_wrong),
        cmocka_unit_test(every_form_of_a_value_parses_alike),
        cmocka_unit_test(help_needs_no_path),
        cmocka_unit_test(folder_gives_its_json_files_sorted_without_schema),
        cmocka_unit_test(missing_path_and_empty_folder_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
