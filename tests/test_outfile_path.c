/* test_outfile_path.c — sim_path_same (sim/base/outfile.h): whether an output
 * path names an input, for files that exist and for ones not yet written. */
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

#include "outfile.h"

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/dsim-path-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static void existing_files_compare_by_inode(void **state)
{
    (void)state;
    char a[128], b[128], dotted[160], link[128];
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    snprintf(dotted, sizeof dotted, "%s/./a.json", dir);
    snprintf(link, sizeof link, "%s/l.json", dir);
    touch(a);
    touch(b);
    assert_int_equal(symlink(a, link), 0);
    assert_true(sim_path_same(a, a));
    assert_true(sim_path_same(a, dotted)); /* another spelling of one file */
    assert_true(sim_path_same(a, link));   /* a link to it */
    assert_false(sim_path_same(a, b));
}

static void a_file_not_yet_written_compares_by_folder_and_name(void **state)
{
    (void)state;
    char n1[128], n2[160], other[128], sub[128];
    snprintf(n1, sizeof n1, "%s/new.csv", dir);
    snprintf(n2, sizeof n2, "%s/./new.csv", dir);
    snprintf(other, sizeof other, "%s/new.json", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_true(sim_path_same(n1, n2));
    assert_false(sim_path_same(n1, other));
    assert_int_equal(mkdir(sub, 0700), 0);
    char in_sub[160];
    snprintf(in_sub, sizeof in_sub, "%s/sub/new.csv", dir);
    assert_false(sim_path_same(n1, in_sub)); /* same name, another folder */
    assert_true(sim_path_same("nofolder/x", "nofolder/x")); /* neither folder exists */
    assert_false(sim_path_same("nofolder/x", "otherfolder/x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(existing_files_compare_by_inode),
        cmocka_unit_test(a_file_not_yet_written_compares_by_folder_and_name),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
