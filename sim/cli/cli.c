/*
 * cli.c — dsim's global flags and subcommand dispatch.
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

#include "commands.h"
#include "scenario.h"
#include "xalloc.h"
#include "suggest.h"

#ifndef DSIM_VERSION
#define DSIM_VERSION "0.0.0"
#endif

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *what;
} command;

static const command commands[] = {
    {"run", sim_cmd_run, "run every policy of a scenario; report duplicates, losses, latency"},
    {"sweep", sim_cmd_sweep, "run a scenario over a grid of knob values (CSV, JSON, plots)"},
    {"check", sim_cmd_check, "run scenarios and check their \"expect\" blocks (CI)"},
    {"tune", sim_cmd_tune, "search knob values that minimize an objective under a bound"},
    {"validate", sim_cmd_validate, "check scenario files and summarize the world of each"},
    {"merge", sim_cmd_merge, "join the CSV files of a sharded sweep"},
    {"plot", sim_cmd_plot, "draw plots from dsim's CSV with gnuplot"},
    {"report", sim_cmd_report, "one HTML page of a run or sweep folder (tables, inline SVG figures)"},
    {"analyze", sim_cmd_analyze, "the incident report's evidence from a log (dsim or reference format)"},
    {"hunt", sim_cmd_hunt, "search worlds for a run that breaks an invariant; shrink and keep it"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

void sim_print_help(FILE *f)
{
    fputs("usage:\n"
          "  dsim run SCENARIO [--format table|json|csv] [--replications N] [--seed N] [--jobs N]\n"
          "                    [--out DIR] [--trace FILE] [--log FILE] [--latencies FILE]\n"
          "                    [--timeline FILE [--timeline-filter FILTER]]\n"
          "                    [--log-format dsim|lingua]\n"
          "  dsim sweep SCENARIO [--param KEY=V1,V2,...]... [--jobs N] [--out DIR] [--plot]\n"
          "  dsim check SCENARIO... [--junit FILE] [--timeline FILE]\n"
          "  dsim tune SCENARIO --knob KEY=LO:HI ... --minimize EXPR [--subject-to EXPR]\n"
          "  dsim validate SCENARIO...\n"
          "  dsim merge CSV... -o FILE\n"
          "  dsim plot CSV --out DIR\n"
          "  dsim report DIR\n"
          "  dsim analyze LOG... [--format table|json]\n"
          "  dsim hunt SCENARIO --policy NAME --invariant EXPR... [--vary KEY=LO:HI|V1,V2]...\n"
          "                    [--budget RUNS] [--jobs N] [--out FILE]\n"
          "  dsim --help | --version\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
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
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0) {
        sim_print_help(stdout);
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
        if (strcmp(a, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
        names[i] = commands[i].name;
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
