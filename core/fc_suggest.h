#ifndef FC_SUGGEST_H
#define FC_SUGGEST_H
/*
 * "Did you mean": the names closest to a mistyped one, the way git
 * answers 'git comit'.  Distance is Damerau-Levenshtein (optimal string
 * alignment: an adjacent swap counts one), case-insensitive; a name the
 * word is a prefix of counts as close.  Pure: no I/O.
 */
#include <stddef.h>

/* At most this many candidates are offered. */
#define FC_SUGGEST_MAX 3

/* The edit distance between a and b (adjacent transpositions count one). */
size_t fc_suggest_distance(const char *a, const char *b);

/*
 * Up to `max` (at most FC_SUGGEST_MAX) of `names` close to `word`, closest
 * first, then by name, into out (borrowed from `names`).  Returns how
 * many.  Close: within 1 edit for a word of up to 4 characters, 2 up to
 * 8, else 3, and never more edits than half the word; a word equal to a
 * name gives nothing.
 */
size_t fc_suggest(const char **out, size_t max, const char *word, const char *const *names, size_t n);

/*
 * The hint to append to an error message: "; did you mean 'promote'?",
 * "; did you mean 'a' or 'b'?", "; did you mean 'a', 'b' or 'c'?", with
 * `prefix` before each name ("--" for options), or "" when nothing is
 * close.  Caller frees.
 */
char *fc_suggest_hint(const char *word, const char *const *names, size_t n, const char *prefix);

#endif
