/*
 * "Did you mean": edit distance over a short list of names.  The lists
 * are small (verbs, options, the services of a plan), so a full table per
 * pair is fine; words longer than 64 bytes are nobody's typo.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_suggest.h"

#define LONGEST 64

size_t fc_suggest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d[LONGEST + 1][LONGEST + 1];

	if (n > LONGEST || m > LONGEST)
		return (size_t)-1;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

/* How many edits a word of `len` characters may be away from a name. */
static size_t allowed(size_t len)
{
	size_t a = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	return a > (len + 1) / 2 ? (len + 1) / 2 : a;
}

/* The distance used for ranking: a prefix of a name counts as one edit. */
static size_t closeness(const char *word, const char *name)
{
	size_t len = strlen(word), d = fc_suggest_distance(word, name);

	if (len >= 3 && strlen(name) > len && !strncasecmp(name, word, len) && d > 1)
		d = 1;
	return d;
}

size_t fc_suggest(const char **out, size_t max, const char *word, const char *const *names, size_t n)
{
	size_t dist[FC_SUGGEST_MAX], got = 0, limit = allowed(strlen(word));

	if (max > FC_SUGGEST_MAX)
		max = FC_SUGGEST_MAX;
	if (!word || !*word)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t d, k;
		if (!names[i] || !strcmp(names[i], word))
			continue;
		d = closeness(word, names[i]);
		if (d > limit)
			continue;
		/* insertion into the few kept, closest first, then by name */
		for (k = got; k > 0 && (dist[k - 1] > d || (dist[k - 1] == d && strcmp(out[k - 1], names[i]) > 0)); k--)
			;
		if (k >= max)
			continue;
		if (got < max)
			got++;
		memmove(&out[k + 1], &out[k], (got - 1 - k) * sizeof(*out));
		memmove(&dist[k + 1], &dist[k], (got - 1 - k) * sizeof(*dist));
		out[k] = names[i];
		dist[k] = d;
	}
	/* only the best distance when it is clearly better than the rest */
	for (size_t k = 1; k < got; k++)
		if (dist[k] > dist[0] + 1) {
			got = k;
			break;
		}
	return got;
}

char *fc_suggest_hint(const char *word, const char *const *names, size_t n, const char *prefix)
{
	const char *pick[FC_SUGGEST_MAX];
	size_t got = fc_suggest(pick, FC_SUGGEST_MAX, word, names, n);
	fc_buf b = FC_BUF_INIT;

	fc_buf_puts(&b, "");
	if (!got)
		return fc_buf_detach(&b);
	fc_buf_puts(&b, "; did you mean ");
	for (size_t k = 0; k < got; k++)
		fc_buf_printf(&b, "%s'%s%s'", k == 0 ? "" : k + 1 == got ? " or " : ", ", prefix ? prefix : "", pick[k]);
	fc_buf_puts(&b, "?");
	return fc_buf_detach(&b);
}
