/*
 * commands.h — the dsim subcommands. main.c parses the subcommand name and hands
 * argv (argv[0] = the subcommand) to one of these. Each returns the process exit
 * code: 0 success, 1 an expectation failed, 2 bad input or usage, 3 internal error.
 */
#ifndef DSIM_COMMANDS_H
#define DSIM_COMMANDS_H

enum { SIM_EXIT_OK = 0, SIM_EXIT_FAIL = 1, SIM_EXIT_USAGE = 2, SIM_EXIT_INTERNAL = 3 };

int sim_cmd_validate(int argc, char **argv); /* sim/cli/cmd_validate.c */
int sim_cmd_run(int argc, char **argv);      /* sim/cli/cmd_run.c */
int sim_cmd_check(int argc, char **argv);    /* sim/cli/cmd_check.c */
int sim_cmd_sweep(int argc, char **argv);    /* sim/cli/cmd_sweep.c */
int sim_cmd_merge(int argc, char **argv);    /* sim/cli/cmd_sweep.c */
int sim_cmd_tune(int argc, char **argv);     /* sim/cli/cmd_tune.c */
int sim_cmd_plot(int argc, char **argv);     /* sim/cli/cmd_plot.c */
int sim_cmd_report(int argc, char **argv);   /* sim/cli/cmd_report.c */
int sim_cmd_analyze(int argc, char **argv);  /* sim/cli/cmd_analyze.c */
int sim_cmd_hunt(int argc, char **argv);     /* sim/cli/cmd_hunt.c */
int sim_cmd_fit(int argc, char **argv);      /* sim/cli/cmd_fit.c */

/* Each command's option table (opts.h), beside its code. */
struct sim_cmd_spec;
extern const struct sim_cmd_spec sim_spec_run, sim_spec_sweep, sim_spec_check, sim_spec_tune,
    sim_spec_validate, sim_spec_merge, sim_spec_plot, sim_spec_report, sim_spec_analyze,
    sim_spec_hunt;
extern const struct sim_cmd_spec sim_spec_fit; /* sim/cli/cmd_fit.c */
int sim_cmd_live(int argc, char **argv);  /* sim/cli/cmd_live.c */
int sim_cmd_agent(int argc, char **argv); /* sim/cli/cmd_live.c */
extern const struct sim_cmd_spec sim_spec_live, sim_spec_agent;

#endif
