/*
 * opts.h — dsim's one option grammar. Each command describes its options once,
 * in a table (sim_opt: name, kind, range, help); one parser reads every
 * command's argv from it, and the same tables give the usage and --help texts,
 * the top-level synopsis, the man page and the shell completions (opts_doc.c).
 *
 * The grammar is getopt_long's, without abbreviations:
 *   --name=VALUE and --name VALUE are the same; -x VALUE and -xVALUE for an
 *   option with a short name; a flag takes no value (--tap=1 is an error);
 *   options and operands mix in any order; "--" ends the options (every later
 *   word is an operand, even "--odd-name.json"); "-" alone is an operand (the
 *   standard input where the command reads a file); --help and -h everywhere.
 *   An unknown option is "unknown option 'X'" (with "did you mean" when one is
 *   near); "needs a value" only when the option is the last word; a bad value
 *   says what was expected and what was given. Exit 2 on every misuse.
 */
#ifndef DSIM_OPTS_H
#define DSIM_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

typedef enum sim_opt_kind {
    SIM_OPT_FLAG,   /* no value */
    SIM_OPT_UINT,   /* a whole decimal in [lo, hi] (no sign, no spaces) */
    SIM_OPT_TEXT,   /* any text, even empty */
    SIM_OPT_FILE,   /* a file name, not empty (completes as a file) */
    SIM_OPT_DIR,    /* a folder name, not empty (completes as a folder) */
    SIM_OPT_CHOICE, /* one of the words of meta, "table|json|csv" */
} sim_opt_kind;

enum {
    SIM_OPT_REPEAT = 1u << 0,   /* may be given more than once (each is returned) */
    SIM_OPT_REQUIRED = 1u << 1, /* the command needs it */
    SIM_OPT_ALIAS = 1u << 2,    /* another name of the entry before: not in the help */
};

typedef struct sim_opt {
    int id;                    /* what sim_opt_next returns for it, > 0 */
    const char *name;          /* the long name without "--" */
    char short_name;           /* 'j' for -j, or 0 */
    sim_opt_kind kind;
    const char *meta;          /* the value's name in help ("N", "FILE"); CHOICE: the words */
    unsigned long long lo, hi; /* UINT: the range */
    unsigned flags;            /* SIM_OPT_REPEAT | SIM_OPT_REQUIRED | SIM_OPT_ALIAS */
    const char *help;          /* what it does; lines split at '\n' */
    const char *expect;        /* UINT: "a number of runs 1..100000000" instead of the range;
                                  REQUIRED: the message when it is missing */
} sim_opt;

typedef struct sim_cmd_spec {
    const char *name;       /* "run" */
    const char *what;       /* one line for dsim --help */
    const char *operands;   /* "SCENARIO", "FILE|DIR...", or NULL for none */
    int min_operands;       /* at least this many */
    int max_operands;       /* at most this many; -1: no bound */
    sim_opt_kind operand_kind; /* SIM_OPT_FILE or SIM_OPT_DIR: how operands complete */
    bool stdin_operand;     /* "-" reads the standard input */
    bool limits;            /* the loader's --max-... flags (sim_limits_flags_help) */
    const char *about;      /* the description after the usage line, or NULL */
    const sim_opt *opts;    /* ended by an entry with name NULL */
    int (*fn)(int argc, char **argv); /* the command (commands.h) */
} sim_cmd_spec;

/* Entries that several commands share, alike in each. */
#define SIM_OPT_JOBS(id)                                                                            \
    {id, "jobs", 'j', SIM_OPT_UINT, "N", 1, 1024, 0,                                               \
     "threads (default: all cores); results do not depend on it", NULL}
#define SIM_OPT_SEED(id)                                                                            \
    {id, "seed", 0, SIM_OPT_UINT, "N", 0, INT64_MAX, 0, "the seed (default: the scenario's)", NULL}
#define SIM_OPT_MAX_EVENTS(id)                                                                      \
    {id, "max-events", 0, SIM_OPT_UINT, "N", 1, UINT64_MAX, 0,                                     \
     "events per replication before the run is stopped as an error (default: 10000 per "           \
     "utterance + 1e7)",                                                                           \
     NULL}
#define SIM_OPT_QUIET(id)                                                                           \
    {id, "quiet", 'q', SIM_OPT_FLAG, NULL, 0, 0, 0,                                                \
     "no progress on stderr (else a live line on a terminal, a line at every 10 %\n"              \
     "of the work otherwise)",                                                                    \
     NULL}
#define SIM_OPT_END {0, NULL, 0, 0, NULL, 0, 0, 0, NULL, NULL}

/* The tables of every command, in the order of dsim --help (cli.c), ended by NULL. */
extern const sim_cmd_spec *const sim_cmd_specs[];

/* The parser's state over one argv (argv[0] = the command's name). */
typedef struct sim_optparse {
    const sim_cmd_spec *spec;
    int argc;
    char **argv;
    int i;                     /* next word */
    bool operands_only;        /* after "--" */
    bool print;                /* print errors ("dsim: ..." + "try ...") as they happen */
    int status;                /* after the last call: 0, SIM_OPT_HELPED or SIM_EXIT_USAGE */
    size_t n_operands;
    unsigned char seen[64];    /* times each table entry was given (saturating) */
    sim_limits *limits;        /* the --max-... flags land here (spec->limits) */
    sim_error *err;            /* the first error, "CMD: ..." */
    const char *value;         /* the last option's value or operand */
    unsigned long long num;    /* the last UINT's value */
    const sim_opt *opt;        /* the last option's entry */
} sim_optparse;

#define SIM_OPT_OPERAND (-1) /* sim_opt_next: p->value is an operand */
#define SIM_OPT_HELPED (-1)  /* p->status: --help was given (and printed if p->print) */

/* Starts parsing argv with spec. err receives the first error; limits (may be
 * NULL when !spec->limits) receives the --max-... flags. print: whether errors
 * and --help are printed as they come (every command but check's parser). */
void sim_opt_init(sim_optparse *p, const sim_cmd_spec *spec, int argc, char **argv,
                  sim_limits *limits, sim_error *err, bool print);

/*
 * The next option's id (> 0; its value in p->value, a UINT's in p->num), or
 * SIM_OPT_OPERAND (p->value), or 0 when parsing is over: p->status is then 0
 * (every word read, operand counts and required options checked),
 * SIM_OPT_HELPED, or SIM_EXIT_USAGE with the error in p->err (and printed).
 */
int sim_opt_next(sim_optparse *p);

/* A command's own refusal of what it was given ("sweep: --param ..."): records
 * and prints it like the parser's and ends parsing (sim_opt_next returns 0 with
 * status SIM_EXIT_USAGE). Returns SIM_EXIT_USAGE. */
int sim_opt_fail(sim_optparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The scenario named by an operand: "-" is the standard input (read once, up to
 * SIM_SCENARIO_MAX_BYTES, named "-" in messages; relative file references in it
 * resolve from the current folder); anything else is sim_scenario_load. */
int sim_opt_load_scenario(const char *path, const sim_limits *limits, sim_scenario *out,
                          sim_error *err);

/* ---- documents made from the tables (opts_doc.c) ---- */

/* `dsim CMD --help`: usage, description, every option and the limit flags. */
void sim_cmd_help(const sim_cmd_spec *spec, FILE *f);

/* The usage synopsis of a command, "dsim run SCENARIO [--format ...] ...",
 * after `prefix` ("usage: "), wrapped at 80 columns, the later lines indented
 * under the first operand. */
void sim_cmd_synopsis(const sim_cmd_spec *spec, FILE *f, const char *prefix);

/* dsim.1 in roff (dsim --man). */
void sim_doc_man(FILE *f);

/* Completion scripts for bash and zsh (dsim --completion bash|zsh). */
void sim_doc_bash(FILE *f);
void sim_doc_zsh(FILE *f);

#endif
