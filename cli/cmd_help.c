#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fc_json.h"

void cli_exit_codes(FILE *f)
{
	fputs("exit status:\n"
	      "  0  success, or nothing to do (the step was already done)\n"
	      "  1  error (bad input file, unknown name, not a plan, I/O)\n"
	      "  2  usage: wrong command line, invalid name, percentage or duration\n"
	      "  3  a gate is closed; nothing changed\n"
	      "  4  conflict: --expect mismatch, lock timeout, the remote moved, another watcher\n"
	      "  5  the change is committed but not applied on every router (sync pending);\n"
	      "     watch --once: a rolled-back replica was not confirmed at 0%\n"
	      "  6  drift: the routers or the database disagree with the plan\n", f);
}

int cmd_help(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc;
	cli_opt opts[] = { { NULL, 0, NULL, NULL, NULL, NULL, NULL } };

	if ((rc = cli_parse(c, opts, argc, argv, pos, 1, &npos)))
		return rc;
	if (c->json && npos == 0) {
		/* for tools: the verbs and their summaries */
		cJSON *arr = fc_json_arr();
		for (const cli_cmd *k = cli_commands; k->name; k++) {
			cJSON *e = fc_json_obj();
			fc_json_add_str(e, "name", k->name);
			fc_json_add_str(e, "summary", k->summary);
			fc_json_push(arr, e);
		}
		cli_json("verbs", arr);
		cJSON_Delete(arr);
		return 0;
	}
	if (npos == 0) {
		cli_main_help(stdout);
		return 0;
	}
	c->help = 1; /* help is text, also with --json */
	if (!strcmp(pos[0], "exit-codes")) {
		cli_exit_codes(stdout);
		return 0;
	}
	for (const cli_cmd *k = cli_commands; k->name; k++)
		if (!strcmp(k->name, pos[0])) {
			char *args[] = { (char *)k->name, (char *)"--help", NULL };
			c->verb = k->name;
			return k->fn(c, 2, args);
		}
	return cli_usage(c, "no help for '%s': not a verb", pos[0]);
}

int cmd_version(struct cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (c->json) {
		cJSON *v = cJSON_CreateString(FICUS_VERSION);
		cli_json("version", v);
		cJSON_Delete(v);
	} else {
		printf("ficus %s\n", FICUS_VERSION);
	}
	return 0;
}
