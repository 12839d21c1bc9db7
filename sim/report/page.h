/*
 * page.h — the page `dsim report DIR` writes: one self-contained HTML file
 * (inline CSS, the figures as inline SVG from gnuplot, no script, no network,
 * no reference outside the file), readable without dsim.
 *
 * The writers put HTML on an open stream; the caller owns it (dsim report
 * opens it with sim_outfile, so the page is whole or absent). Every text from a
 * scenario (names, summaries) is escaped.
 */
#ifndef DSIM_PAGE_H
#define DSIM_PAGE_H

#include <stdio.h>

#include <jansson.h>

#include "scenario.h"
#include "sim_error.h"

/* <!DOCTYPE html> ... <body>, the CSS, and an <h1> of title. */
void sim_page_begin(FILE *f, const char *title);

/* </body></html>. */
void sim_page_end(FILE *f);

/* <hN>text</hN> (level 2 or 3) with an id for the table of contents. */
void sim_page_heading(FILE *f, int level, const char *id, const char *text);

/* A paragraph of text (escaped). */
void sim_page_para(FILE *f, const char *text);

/* A preformatted block of text (escaped). */
void sim_page_pre(FILE *f, const char *text);

/*
 * A figure: the SVG file at svg_path inline (its XML prologue left out, its ids
 * prefixed with "fN_" so that several figures on one page do not share ids),
 * with a caption. Returns 0, or -1 with err when the file cannot be read or is
 * not an SVG.
 */
int sim_page_svg(FILE *f, const char *svg_path, int n, const char *caption, sim_error *err);

/*
 * The policy table of a run's results.json ("policies") or of one point of a
 * sweep.json: a row per policy, for the main metrics mean ± 95 % CI (or the
 * rule-of-three bound of an event that never happened), and under it the
 * paired difference against the baseline ("paired_vs_baseline"), coloured when
 * its 95 % CI excludes 0: green when better, red when worse (for metrics with
 * a direction), blue otherwise. `caption` may be NULL.
 */
void sim_page_policy_table(FILE *f, const json_t *policies, const char *baseline,
                           const char *caption);

/* Writes DIR/summary.txt: the scenario as `dsim validate` describes it (written
 * by dsim run --out and dsim sweep --out for the report). Returns 0 or -1 (err). */
int sim_page_write_summary(const char *dir, const sim_scenario *s, sim_error *err);

#endif
