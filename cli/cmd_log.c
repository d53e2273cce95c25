#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_json.h"
#include "fc_log.h"

static const char usage[] = "usage: ficus log [SERVICE|DOMAIN] [-n N]";
static const char desc[] =
	"Show the history of the plan, newest first: one entry per change with its\n"
	"author, time, reason and trailers (Ficus-Action, Ficus-From, Ficus-To,\n"
	"Ficus-Gates, Ficus-Forced...). With a name, only the changes of that\n"
	"service or domain.";

struct log_ctx {
	struct cli *c;
	cJSON *arr;
	long seen;
};

static int print_entry(const fc_log_entry *e, void *vctx)
{
	struct log_ctx *x = vctx;
	char when[32];

	x->seen++;
	if (x->arr) {
		fc_json_push(x->arr, fc_log_entry_json(e));
		return 0;
	}
	fc_time_format(when, sizeof(when), e->when);
	{
		char *subject = fc_sanitize(e->subject, 0), *author = fc_sanitize(e->author_name, 0);
		printf("%.12s %s %s%s\n    %s\n", e->oid, when, author,
		       e->outside ? " (made outside ficus, ungated)" : "", subject);
		free(subject);
		free(author);
	}
	if (e->body && *e->body) {
		char *body = fc_sanitize(e->body, 1);
		for (char *line = strtok(body, "\n"); line; line = strtok(NULL, "\n"))
			printf("    | %s\n", line);
		free(body);
	}
	for (size_t i = 0; i < e->ntrailers; i++) {
		if (!strcmp(e->keys[i], "Ficus-Change"))
			continue;
		char *v = fc_sanitize(e->values[i], 0);
		printf("    %s: %s\n", e->keys[i], v);
		free(v);
	}
	putchar('\n');
	return 0;
}

int cmd_log(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *n = NULL;
	int npos, rc;
	long limit = -1;
	fc_plan *p = NULL;
	struct log_ctx x = { c, NULL, 0 };
	cli_opt opts[] = {
		{ "max-count", 'n', "N", "show at most N entries", &n, NULL, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 1, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (n) {
		char *end = NULL;
		limit = strtol(n, &end, 10);
		if (!*n || *end || limit < 0)
			return cli_usage(c, "-n '%s' must be a whole number", n);
	}
	if ((rc = cli_open_read(c, &p)))
		return rc;
	if (c->json)
		x.arr = fc_json_arr();
	rc = fc_log_walk(p, npos ? pos[0] : NULL, limit, print_entry, &x);
	/* no entry for a name: an unknown name is an error, not an empty story */
	if (rc >= 0 && npos && !x.seen && limit != 0)
		rc = fc_log_name_known(p, pos[0]);
	if (rc < 0) {
		rc = cli_fail(rc);
	} else if (x.arr) {
		cli_json("log", x.arr);
	}
	cJSON_Delete(x.arr);
	fc_plan_free(p);
	return rc;
}
