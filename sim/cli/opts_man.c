/*
 * opts_man.c — dsim.1 and the bash and zsh completions, made from the option
 * tables of every command (opts.h), so that they never disagree with the
 * parser: `dsim --man`, `dsim --completion bash|zsh` (the build installs their
 * output: CMakeLists.txt).
 */
#include "opts.h"

#include <string.h>

#include "version.h"

/* ---- roff ---- */

/* Text for a roff line: backslashes and '-' escaped, a leading '.' or '\'' kept
 * literal. */
static void roff(FILE *f, const char *s, size_t n)
{
    if (n > 0 && (s[0] == '.' || s[0] == '\''))
        fputs("\\&", f);
    for (size_t i = 0; i < n && s[i]; i++) {
        if (s[i] == '\\')
            fputs("\\e", f);
        else if (s[i] == '-')
            fputs("\\-", f);
        else
            fputc(s[i], f);
    }
}

static void roff_str(FILE *f, const char *s)
{
    roff(f, s, strlen(s));
}

/* A description: its lines joined into a paragraph, those that start with two
 * spaces (list items) on lines of their own, deeper ones continuing them. */
static void roff_text(FILE *f, const char *text)
{
    bool in_list = false;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        size_t lead = strspn(line, " ");
        if (lead == 2) { /* a list item: on a line of its own */
            fputs(".br\n\\h'2n'", f);
            roff(f, line + lead, n - lead);
        } else if (lead > 2) { /* its continuation */
            roff(f, line + lead, n - lead);
        } else {
            if (in_list)
                fputs(".br\n", f);
            roff(f, line, n);
        }
        in_list = lead >= 2;
        fputc('\n', f);
        line = nl ? nl + 1 : NULL;
    }
}

static void man_synopsis(FILE *f, const sim_cmd_spec *s)
{
    fputs("\\fBdsim ", f);
    roff_str(f, s->name);
    fputs("\\fR", f);
    if (s->operands) {
        fputs(" \\fI", f);
        roff_str(f, s->operands);
        fputs("\\fR\\&", f);
    }
    fputc('\n', f);
    for (const sim_opt *o = s->opts; o->name; o++) {
        if (o->flags & SIM_OPT_ALIAS)
            continue;
        bool req = o->flags & SIM_OPT_REQUIRED;
        fputs(req ? "\\fB\\-\\-" : "[\\fB\\-\\-", f);
        roff_str(f, o->name);
        fputs("\\fR", f);
        if (o->kind != SIM_OPT_FLAG) {
            fputs(" \\fI", f);
            roff_str(f, o->meta);
            fputs("\\fR", f);
        }
        fputs(req ? "" : "]", f);
        fputs(o->flags & SIM_OPT_REPEAT ? "...\\&\n" : "\n", f);
    }
    if (s->limits)
        fputs("[\\fB\\-\\-max\\-...\\fR \\fIN\\fR]\n", f);
    fputs(".br\n", f);
}

static void man_option(FILE *f, const sim_opt *o)
{
    fputs(".TP\n", f);
    if (o->short_name)
        fprintf(f, ".BR \\-%c \", \" ", o->short_name);
    else
        fputs(".B ", f);
    fputs("\\-\\-", f);
    roff_str(f, o->name);
    for (const sim_opt *a = o + 1; a->name && (a->flags & SIM_OPT_ALIAS); a++) {
        fputs(", \\-\\-", f);
        roff_str(f, a->name);
    }
    if (o->kind != SIM_OPT_FLAG) {
        fputs(" \\fI", f);
        roff_str(f, o->meta);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    roff_text(f, o->help);
    if (o->flags & SIM_OPT_REPEAT)
        fputs("May be given more than once.\n", f);
}

void sim_doc_man(FILE *f)
{
    fprintf(f, ".\\\" dsim.1, made by 'dsim --man' from the option tables (sim/cli/opts.h)\n"
               ".TH DSIM 1 \"\" \"dsim %s\" \"User Commands\"\n"
               ".nh\n"
               ".ad l\n"
               ".SH NAME\n"
               "dsim \\- a deterministic discrete\\-event simulator for job dispatchers\n"
               ".SH SYNOPSIS\n",
            sim_version());
    for (size_t i = 0; sim_cmd_specs[i]; i++)
        man_synopsis(f, sim_cmd_specs[i]);
    fputs("\\fBdsim \\-\\-help\\fR | \\fBhelp\\fR \\fICOMMAND\\fR | \\fB\\-\\-version\\fR | "
          "\\fB\\-\\-man\\fR | "
          "\\fB\\-\\-completion\\fR \\fIbash\\fR|\\fIzsh\\fR\n"
          ".SH DESCRIPTION\n"
          "dsim replays a scenario file (a world of sessions, nodes and a network, and a\n"
          "list of policies) under each policy with the real dispatcher core, and reports\n"
          "side by side how many duplicate outputs and lost results each produces, at what\n"
          "latency and cost. The same scenario and seed give the same bytes whatever the\n"
          "number of threads.\n"
          ".SS Options\n"
          "Every command reads its options alike: \\fB\\-\\-name \\fIVALUE\\fR and\n"
          "\\fB\\-\\-name=\\fIVALUE\\fR are the same; options and operands mix in any order;\n"
          "\\fB\\-\\-\\fR ends the options; \\fB\\-j \\fIN\\fR is \\fB\\-\\-jobs \\fIN\\fR;\n"
          "\\fB\\-\\fR as a scenario or log reads the standard input; names are not\n"
          "abbreviated. An unknown option, a missing or bad value exits 2 with a message\n"
          "naming the command and the option. Progress of long work goes to standard\n"
          "error only (\\fB\\-\\-quiet\\fR silences it).\n"
          ".SH COMMANDS\n",
          f);
    for (size_t i = 0; sim_cmd_specs[i]; i++) {
        const sim_cmd_spec *s = sim_cmd_specs[i];
        fputs(".SS \"dsim ", f);
        roff_str(f, s->name);
        fputs("\"\n", f);
        roff_text(f, s->what);
        fputs(".PP\n", f);
        if (s->about)
            roff_text(f, s->about);
        for (const sim_opt *o = s->opts; o->name; o++)
            if (!(o->flags & SIM_OPT_ALIAS))
                man_option(f, o);
        if (s->stdin_operand) {
            fputs(".PP\n\\fB\\-\\fR as the ", f);
            roff_str(f, s->operands);
            fputs(" reads it from the standard input.\n", f);
        }
        if (s->limits)
            fputs(".PP\nAnd the limit flags (LIMITS).\n", f);
    }
    fputs(".SH LIMITS\n"
          "Commands that read scenarios take these bounds on what a scenario may ask for:\n",
          f);
    for (size_t i = 0; sim_limits_flags_help[i]; i += 2) {
        fputs(".TP\n.B ", f);
        roff_str(f, sim_limits_flags_help[i]);
        fputc('\n', f);
        roff_text(f, sim_limits_flags_help[i + 1]);
    }
    fputs(".SH EXIT STATUS\n"
          "0 success; 1 an expectation failed (check, tune, hunt); 2 bad input or usage (the\n"
          "message names the file, the JSON path and line:column); 3 internal error.\n"
          ".SH FILES\n"
          ".TP\n.I share/dsim/plots/\n"
          "the gnuplot scripts of \\fBdsim plot\\fR and \\fBdsim report\\fR\n"
          ".TP\n.I share/dsim/*.schema.json\n"
          "the JSON Schemas of scenario files, results.json and sweep.json\n"
          ".SH SEE ALSO\n"
          ".BR gnuplot (1)\n",
          f);
}

/* ---- bash ---- */

/* The words of a CHOICE's meta, space-separated. */
static void choice_words(FILE *f, const char *meta)
{
    for (const char *c = meta; *c; c++)
        fputc(*c == '|' ? ' ' : *c, f);
}

void sim_doc_bash(FILE *f)
{
    fputs("# bash completion for dsim, made by 'dsim --completion bash' from the option\n"
          "# tables (sim/cli/opts.h). Installed as share/bash-completion/completions/dsim.\n"
          "_dsim() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=\n"
          "    [ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    COMPREPLY=()\n"
          "    if [ \"$COMP_CWORD\" -le 1 ]; then\n"
          "        COMPREPLY=($(compgen -W '",
          f);
    for (size_t i = 0; sim_cmd_specs[i]; i++)
        fprintf(f, "%s ", sim_cmd_specs[i]->name);
    fputs("help --help --version --man --completion' -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    if [ \"$COMP_CWORD\" -eq 2 ] && [ \"$prev\" = help ]; then\n"
          "        COMPREPLY=($(compgen -W '",
          f);
    for (size_t i = 0; sim_cmd_specs[i]; i++)
        fprintf(f, "%s%s", i ? " " : "", sim_cmd_specs[i]->name);
    fputs("' -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    if [ \"$COMP_CWORD\" -eq 2 ] && [ \"$prev\" = --completion ]; then\n"
          "        COMPREPLY=($(compgen -W 'bash zsh' -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    case $cur in --*=*) prev=${cur%%=*}; cur=${cur#*=} ;; esac\n"
          "    case ${COMP_WORDS[1]} in\n",
          f);
    for (size_t i = 0; sim_cmd_specs[i]; i++) {
        const sim_cmd_spec *s = sim_cmd_specs[i];
        fprintf(f, "    %s)\n        case $prev in\n", s->name);
        for (const sim_opt *o = s->opts; o->name; o++) {
            if (o->kind == SIM_OPT_FLAG)
                continue;
            fprintf(f, "        --%s", o->name);
            if (o->short_name)
                fprintf(f, "|-%c", o->short_name);
            switch (o->kind) {
            case SIM_OPT_FILE: fputs(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", f); break;
            case SIM_OPT_DIR: fputs(") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", f); break;
            case SIM_OPT_CHOICE:
                fputs(") COMPREPLY=($(compgen -W '", f);
                choice_words(f, o->meta);
                fputs("' -- \"$cur\")); return ;;\n", f);
                break;
            default: fputs(") return ;;\n", f); break;
            }
        }
        if (s->limits)
            fputs("        --max-*) return ;;\n", f);
        fputs("        esac\n        if [[ $cur == -* ]]; then\n"
              "            COMPREPLY=($(compgen -W '",
              f);
        for (const sim_opt *o = s->opts; o->name; o++)
            fprintf(f, "--%s ", o->name);
        for (size_t k = 0; s->limits && sim_limits_flags_help[k]; k += 2) {
            const char *fl = sim_limits_flags_help[k];
            fprintf(f, "%.*s ", (int)strcspn(fl, " "), fl);
        }
        fprintf(f, "--help' -- \"$cur\"))\n        else\n"
                   "            COMPREPLY=($(compgen -%c -- \"$cur\"))\n        fi\n        ;;\n",
                s->operand_kind == SIM_OPT_DIR ? 'd' : 'f');
    }
    fputs("    esac\n"
          "}\n"
          "complete -o filenames -o bashdefault -F _dsim dsim\n",
          f);
}

/* ---- zsh ---- */

/* A help text for a zsh spec inside single quotes: its first clause (up to a
 * colon or semicolon) without its parenthesised asides, cut at a word's end
 * when longer than ZSH_HELP_MAX, brackets and quotes made harmless. */
#define ZSH_HELP_MAX 100

static void zsh_help(FILE *f, const char *help)
{
    char buf[ZSH_HELP_MAX + 1];
    size_t n = 0;
    int depth = 0;
    bool cut = false;
    for (const char *c = help ? help : ""; *c; c++) {
        if (*c == '(' || *c == ')') {
            depth += *c == '(' ? 1 : depth > 0 ? -1 : 0;
            continue;
        }
        if (depth > 0)
            continue;
        if (*c == ':' || *c == ';')
            break;
        if (*c == '\\' || *c == '[' || *c == ']')
            continue;
        char ch = *c == '\n' ? ' ' : *c;
        if (ch == ' ' && n > 0 && buf[n - 1] == ' ')
            continue; /* the space before an aside dropped */
        if (n == ZSH_HELP_MAX) {
            cut = true;
            break;
        }
        buf[n++] = ch;
    }
    if (cut) /* not mid-word */
        while (n > 0 && buf[n - 1] != ' ')
            n--;
    while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == ','))
        n--;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\'')
            fputs("'\\''", f);
        else
            fputc(buf[i], f);
}

/* The action of an option's value or the operands. */
static void zsh_action(FILE *f, sim_opt_kind kind, const char *meta)
{
    switch (kind) {
    case SIM_OPT_FILE: fputs("_files", f); break;
    case SIM_OPT_DIR: fputs("_files -/", f); break;
    case SIM_OPT_CHOICE:
        fputc('(', f);
        choice_words(f, meta);
        fputc(')', f);
        break;
    default: fputs(" ", f); break;
    }
}

void sim_doc_zsh(FILE *f)
{
    fputs("#compdef dsim\n"
          "# zsh completion for dsim, made by 'dsim --completion zsh' from the option\n"
          "# tables (sim/cli/opts.h). Installed as share/zsh/site-functions/_dsim.\n"
          "_dsim() {\n"
          "    local -a commands\n"
          "    commands=(\n",
          f);
    for (size_t i = 0; sim_cmd_specs[i]; i++) {
        fprintf(f, "        '%s:", sim_cmd_specs[i]->name);
        zsh_help(f, sim_cmd_specs[i]->what);
        fputs("'\n", f);
    }
    fputs("        'help:print the --help of a command'\n"
          "    )\n"
          "    if (( CURRENT == 2 )); then\n"
          "        _describe -t commands 'dsim command' commands\n"
          "        _arguments '--help' '--version' '--man' '--completion:shell:(bash zsh)'\n"
          "        return\n"
          "    fi\n"
          "    if [[ $words[2] == help ]]; then\n"
          "        # every command but help itself, the last ('dsim help help' is refused)\n"
          "        local -a topics\n"
          "        topics=(${commands[1,-2]})\n"
          "        (( CURRENT == 3 )) && _describe -t commands 'dsim command' topics\n"
          "        return\n"
          "    fi\n"
          "    local cmd=$words[2]\n"
          "    shift words\n"
          "    (( CURRENT-- ))\n"
          "    case $cmd in\n",
          f);
    for (size_t i = 0; sim_cmd_specs[i]; i++) {
        const sim_cmd_spec *s = sim_cmd_specs[i];
        fprintf(f, "    %s)\n        _arguments -s \\\n", s->name);
        for (const sim_opt *o = s->opts; o->name; o++) {
            const char *rep = o->flags & SIM_OPT_REPEAT ? "*" : "";
            fputs("            ", f);
            if (o->short_name)
                fprintf(f, "'%s-%c%s", rep, o->short_name, o->kind == SIM_OPT_FLAG ? "" : "+");
            else
                fputs("'", f);
            if (o->short_name) {
                fputs("[", f);
                zsh_help(f, o->help);
                fputs("]", f);
                if (o->kind != SIM_OPT_FLAG) {
                    fprintf(f, ":%s:", o->meta);
                    zsh_action(f, o->kind, o->meta);
                }
                fputs("' '", f);
            }
            fprintf(f, "%s--%s%s[", rep, o->name, o->kind == SIM_OPT_FLAG ? "" : "=");
            zsh_help(f, o->help ? o->help : "");
            fputs("]", f);
            if (o->kind != SIM_OPT_FLAG) {
                fputs(":", f);
                for (const char *c = o->meta; *c; c++)
                    if (*c != ':' && *c != '\'')
                        fputc(*c, f);
                fputs(":", f);
                zsh_action(f, o->kind, o->meta);
            }
            fputs("' \\\n", f);
        }
        for (size_t k = 0; s->limits && sim_limits_flags_help[k]; k += 2) {
            const char *fl = sim_limits_flags_help[k];
            fprintf(f, "            '%.*s=[", (int)strcspn(fl, " "), fl);
            zsh_help(f, sim_limits_flags_help[k + 1]);
            fputs("]:N: ' \\\n", f);
        }
        fputs("            '(- *)'{-h,--help}'[this text]' \\\n", f);
        fprintf(f, "            '%s:%s:", s->max_operands == 1 ? "1" : "*", s->operands);
        zsh_action(f, s->operand_kind, NULL);
        fputs("'\n        ;;\n", f);
    }
    fputs("    esac\n"
          "}\n"
          "_dsim \"$@\"\n",
          f);
}
