/*
 * A mistyped sub-verb ('ficus domain ad'): the usage error names the verbs
 * and the closest ones, as for a mistyped verb (cli/main.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_suggest.h"

int cli_bad_subverb(struct cli *c, const char *verb, const char *word, const char *const *subs)
{
	size_t n = 0, len = 0;
	char *hint, *list;
	int rc;

	while (subs[n])
		len += strlen(subs[n++]) + 2;
	list = calloc(1, len + 1);
	if (!list)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(list, ", ");
		strcat(list, subs[i]);
	}
	hint = fc_suggest_hint(word, subs, n, NULL);
	rc = cli_usage(c, "'%s' is not a %s verb%s (%s)", word, verb, hint, list);
	free(hint);
	free(list);
	return rc;
}
