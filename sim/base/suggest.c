/*
 * suggest.c — edit distance and nearest-name suggestions.
 */
#include "suggest.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

size_t sim_edit_distance(const char *a, const char *b)
{
    assert(a && b);
    size_t la = strlen(a), lb = strlen(b);
    if (la > SIM_SUGGEST_MAX_LEN || lb > SIM_SUGGEST_MAX_LEN)
        return SIZE_MAX;
    size_t row[SIM_SUGGEST_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0]; /* d[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j]; /* d[i-1][j] */
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Whether word is a proper prefix of cand, with at least 3 characters after
 * word's leading dashes ("--rep" of "--replications", not "--" of anything). */
static bool cut_short(const char *word, size_t len, const char *cand)
{
    size_t dashes = strspn(word, "-");
    return len - dashes >= 3 && strlen(cand) > len && strncmp(word, cand, len) == 0;
}

const char *sim_suggest(const char *word, const char *const *cands, size_t n)
{
    assert(word && (cands || n == 0));
    const char *best = NULL, *prefix = NULL;
    size_t best_d = 3, prefixes = 0; /* accept distance <= 2 */
    size_t len = strlen(word);
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t d = sim_edit_distance(word, cands[i]);
        if (d == 0)
            return NULL;
        if (d < best_d && d < len) {
            best = cands[i];
            best_d = d;
        }
        if (cut_short(word, len, cands[i])) {
            prefix = cands[i];
            prefixes++;
        }
    }
    /* a name cut short ("--rep") means a name it begins, rather than another
     * two edits away ("--help"): the one it begins, or none when it begins
     * several; one edit away (a typo) still wins */
    if (prefixes > 0 && best_d > 1)
        return prefixes == 1 ? prefix : NULL;
    return best;
}

const char *sim_suggest_list(const char *word, const char *const *cands)
{
    size_t n = 0;
    while (cands[n])
        n++;
    return sim_suggest(word, cands, n);
}
