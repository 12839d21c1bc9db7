/*
 * cli.c — dsim's global flags and subcommand dispatch.
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "scenario.h"
#include "xalloc.h"
#include "suggest.h"

#ifndef DSIM_VERSION
#define DSIM_VERSION "0.0.0"
#endif

const sim_cmd_spec *const sim_cmd_specs[] = {
    &sim_spec_run,   &sim_spec_sweep, &sim_spec_check,  &sim_spec_tune,    &sim_spec_validate,
    &sim_spec_merge, &sim_spec_plot,  &sim_spec_report, &sim_spec_analyze, &sim_spec_hunt,
    &sim_spec_fit,   &sim_spec_live,  &sim_spec_agent, NULL,
};
#define N_COMMANDS (sizeof sim_cmd_specs / sizeof sim_cmd_specs[0] - 1)

void sim_print_help(FILE *f)
{
    fputs("usage:\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        sim_cmd_synopsis(sim_cmd_specs[i], f, "  ");
    fputs("  dsim --help | help COMMAND | --version | --man | --completion bash|zsh\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", sim_cmd_specs[i]->name, sim_cmd_specs[i]->what);
    fputs("\noptions take the forms --name VALUE and --name=VALUE, in any order with the\n"
          "operands; '--' ends the options; -j N is --jobs N.\n",
          f);
    fputs("\nlimits on what a scenario may ask for (commands that read scenarios):\n", f);
    for (size_t i = 0; sim_limits_flags_help[i]; i += 2)
        fprintf(f, "  %-22s %s\n", sim_limits_flags_help[i], sim_limits_flags_help[i + 1]);
    fputs("\nexit codes: 0 success, 1 an expectation failed, 2 bad input or usage,\n"
          "3 internal error. 'dsim COMMAND --help' describes a command.\n",
          f);
}

int sim_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\ntry 'dsim --help'\n", stderr);
    va_end(ap);
    return SIM_EXIT_USAGE;
}

int sim_main(int argc, char **argv)
{
    if (argc < 2 || !argv[1])
        return sim_usage_error("missing command");
    const char *a = argv[1];
    bool help = strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
    bool completion = strncmp(a, "--completion", 12) == 0 && (a[12] == '\0' || a[12] == '=');
    /* the global options take no operand (--completion its shell; help a command) */
    int operands = completion && a[12] == '\0' ? 3 : help ? 3 : 2;
    if ((help || completion || strcmp(a, "--man") == 0 || strcmp(a, "--version") == 0 ||
         strcmp(a, "-V") == 0) &&
        argc > operands) {
        char extra[64];
        sim_safe_text(argv[operands], extra, sizeof extra);
        return sim_usage_error("%s: unexpected operand '%s'", a, extra);
    }
    if (help && argc == 3) { /* dsim help COMMAND: that command's --help */
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (strcmp(argv[2], sim_cmd_specs[i]->name) == 0)
                return sim_cmd_specs[i]->fn(2, (char *[]){argv[2], "--help", NULL});
        char extra[64];
        sim_safe_text(argv[2], extra, sizeof extra);
        return sim_usage_error("%s: '%s' is not a command", a, extra);
    }
    if (help) {
        sim_print_help(stdout);
        return SIM_EXIT_OK;
    }
    if (strcmp(a, "--man") == 0) { /* dsim.1, from the option tables */
        sim_doc_man(stdout);
        return SIM_EXIT_OK;
    }
    if (completion) {
        const char *shell = a[12] == '=' ? a + 13 : argc > 2 ? argv[2] : NULL;
        if (!shell)
            return sim_usage_error("--completion needs a value (bash or zsh)");
        if (strcmp(shell, "bash") == 0)
            sim_doc_bash(stdout);
        else if (strcmp(shell, "zsh") == 0)
            sim_doc_zsh(stdout);
        else {
            char safe[64];
            sim_safe_text(shell, safe, sizeof safe);
            return sim_usage_error("--completion: expected bash or zsh, got '%s'", safe);
        }
        return SIM_EXIT_OK;
    }
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf("dsim %s\n", DSIM_VERSION);
        return SIM_EXIT_OK;
    }
    char safe[64];
    sim_safe_text(a, safe, sizeof safe);
    if (a[0] == '-')
        return sim_usage_error("unknown option '%s'", safe);
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(a, sim_cmd_specs[i]->name) == 0)
            return sim_cmd_specs[i]->fn(argc - 1, argv + 1);
        names[i] = sim_cmd_specs[i]->name;
    }
    const char *near = sim_suggest(a, names, N_COMMANDS);
    if (near)
        return sim_usage_error("unknown command '%s'; did you mean '%s'?", safe, near);
    return sim_usage_error("unknown command '%s'", safe);
}

int sim_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
                   unsigned long long *out)
{
    if (!s || !*s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}
