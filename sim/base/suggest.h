/*
 * suggest.h — "did you mean ...?" for misspelled names.
 */
#ifndef DSIM_SUGGEST_H
#define DSIM_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance between a and b (insert, delete, substitute: 1 each).
 * Strings longer than SIM_SUGGEST_MAX_LEN bytes compare as very far (SIZE_MAX). */
#define SIM_SUGGEST_MAX_LEN 64
size_t sim_edit_distance(const char *a, const char *b);

/*
 * The candidate nearest to `word`: at distance <= 2 and less than word's length,
 * the first such in list order on a tie; but when none is at distance 1 and
 * word begins a candidate (a name cut short, at least 3 characters after its
 * leading dashes), that candidate if it is the only one word begins ("--rep"
 * gives "--replications", not "--help" two edits away), else NULL (it begins
 * several). NULL when none is near enough or word is itself a candidate.
 * `cands` holds n names (NULL entries are skipped).
 */
const char *sim_suggest(const char *word, const char *const *cands, size_t n);

/* The same over a NULL-terminated list. */
const char *sim_suggest_list(const char *word, const char *const *cands);

#endif
