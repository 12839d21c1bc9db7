/*
 * opts_doc.c — the usage synopsis and `dsim CMD --help` of a command, made from
 * its option table (opts.h). The man page and the completions are opts_man.c.
 */
#include "opts.h"

#include <string.h>

#define WIDTH 80     /* columns of the synopsis */
#define HELP_COL 24  /* where an option's help starts */

/* One synopsis word of an option: "[--jobs N]", "--minimize EXPR", "[--param KV]...". */
static void opt_word(const sim_opt *o, char *buf, size_t cap)
{
    bool req = o->flags & SIM_OPT_REQUIRED, rep = o->flags & SIM_OPT_REPEAT;
    char core[160];
    if (o->kind == SIM_OPT_FLAG)
        snprintf(core, sizeof core, "--%s", o->name);
    else
        snprintf(core, sizeof core, "--%s %s", o->name, o->meta);
    snprintf(buf, cap, "%s%s%s%s", req ? "" : "[", core, req ? "" : "]", rep ? "..." : "");
}

/* Appends word to the line being printed, wrapping under `hang`. */
static void put_word(FILE *f, const char *word, int *col, int hang)
{
    int n = (int)strlen(word);
    if (*col + 1 + n > WIDTH && *col > hang) {
        fprintf(f, "\n%*s", hang, "");
        *col = hang;
    } else if (*col > 0) {
        fputc(' ', f);
        (*col)++;
    }
    fputs(word, f);
    *col += n;
}

void sim_cmd_synopsis(const sim_cmd_spec *s, FILE *f, const char *prefix)
{
    int col = fprintf(f, "%sdsim %s", prefix, s->name);
    int hang = col + 1;
    char word[200];
    if (s->operands)
        put_word(f, s->operands, &col, hang);
    for (const sim_opt *o = s->opts; o && o->name; o++) {
        if (o->flags & SIM_OPT_ALIAS)
            continue;
        opt_word(o, word, sizeof word);
        put_word(f, word, &col, hang);
    }
    if (s->limits)
        put_word(f, "[--max-... N]", &col, hang);
    fputc('\n', f);
}

/* "  -j, --jobs N" then the help from column HELP_COL, wrapped at WIDTH (a '\n'
 * in the table's text is a space). */
static void help_entry(FILE *f, const char *head, const char *help)
{
    int col = fprintf(f, "  %s", head);
    if (col >= HELP_COL - 1) {
        fputc('\n', f);
        col = 0;
    }
    fprintf(f, "%*s", HELP_COL - col, "");
    col = HELP_COL;
    for (const char *c = help ? help : ""; *c;) {
        size_t n = strcspn(c, " \n");
        if (col > HELP_COL && col + 1 + (int)n > WIDTH) {
            fprintf(f, "\n%*s", HELP_COL, "");
            col = HELP_COL;
        } else if (col > HELP_COL) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", (int)n, c);
        col += (int)n;
        c += n;
        while (*c == ' ' || *c == '\n')
            c++;
    }
    fputc('\n', f);
}

/* The head of an option's entry, "-j, --jobs N" (aliases follow: ", --scripts DIR"). */
static void opt_head(const sim_opt *o, char *buf, size_t cap)
{
    size_t w = 0;
    if (o->short_name)
        w += (size_t)snprintf(buf + w, cap - w, "-%c, ", o->short_name);
    snprintf(buf + w, cap - w, "--%s%s%s", o->name, o->kind == SIM_OPT_FLAG ? "" : " ",
             o->kind == SIM_OPT_FLAG ? "" : o->meta);
    for (const sim_opt *a = o + 1; a->name && (a->flags & SIM_OPT_ALIAS); a++) {
        w = strlen(buf);
        snprintf(buf + w, cap - w, ", --%s", a->name);
    }
}

void sim_cmd_help(const sim_cmd_spec *s, FILE *f)
{
    sim_cmd_synopsis(s, f, "usage: ");
    if (s->about)
        fprintf(f, "\n%s", s->about);
    fputs("\noptions:\n", f);
    char head[160];
    for (const sim_opt *o = s->opts; o && o->name; o++) {
        if (o->flags & SIM_OPT_ALIAS)
            continue;
        opt_head(o, head, sizeof head);
        help_entry(f, head, o->help);
    }
    help_entry(f, "-h, --help", "this text");
    if (s->limits) {
        fputs("\nlimits on what a scenario may ask for (default in parentheses):\n", f);
        for (size_t i = 0; sim_limits_flags_help[i]; i += 2)
            help_entry(f, sim_limits_flags_help[i], sim_limits_flags_help[i + 1]);
    }
    if (s->stdin_operand)
        fprintf(f, "\n'-' as the %s reads it from the standard input.\n",
                s->operands ? s->operands : "file");
}
