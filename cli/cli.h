#ifndef FICUS_CLI_H
#define FICUS_CLI_H
/*
 * The command-line face: global options, the option parser, output
 * helpers and the verb table.  Verbs live in cmd_<verb>.c, one each; they
 * talk to the core only through its public headers.
 */
#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "fc_error.h"
#include "fc_plan.h"
#include "fc_session.h"

/* Exit statuses (ficus(1), 'ficus help exit-codes'). */
enum {
	EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_GATE = 3,
	EXIT_CONFLICT = 4, EXIT_SYNC = 5, EXIT_DRIFT = 6
};

typedef struct {
	const char **v;
	size_t n;
} cli_list;

/* One option: a flag (argname NULL) sets *flag, else *str (or appends to *list). */
typedef struct {
	const char *lname;
	char sname;
	const char *argname;
	const char *help;
	const char **str;
	int *flag;
	cli_list *list;
} cli_opt;

struct cli {
	fc_open_opts open;
	fc_write_opts w;
	int json;
	int quiet;
	int color;
	int help;
	int tty;            /* stdout is a terminal */
	const char *lock_timeout;
	const char *verb;   /* "domain add" for messages */
};

typedef struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *summary;
} cli_cmd;

extern const cli_cmd cli_commands[];
extern const cli_opt *cli_global_opts(struct cli *c);

/*
 * Parse argv (argv[0] is the verb) against `opts` plus the global options.
 * Positional arguments are collected into pos (at most maxpos).  Prints
 * the usage error itself; returns EXIT_USAGE, or 0.  With --help set, the
 * caller prints its help (cli_help) and exits 0.
 */
int cli_parse(struct cli *c, const cli_opt *opts, int argc, char **argv,
	      const char **pos, int maxpos, int *npos);

/* "; did you mean '--dry-run'?" for an unknown long option `word` (without
 * its dashes), from a verb's table and the globals; "" if none.  Caller frees. */
char *cli_option_hint(const cli_opt *opts, const cli_opt *globals, const char *word);

/* Print help for a verb: usage lines, description, its options, global options. */
void cli_help(struct cli *c, const char *usage, const char *desc, const cli_opt *opts);

/* "ficus: <message>" on stderr (sanitized). */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_note(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report the last core error and return its exit status. */
int cli_fail(int rc);

/* A usage error for the current verb; returns EXIT_USAGE. */
int cli_usage(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error for a mistyped sub-verb of `verb`, with "did you mean"
 * and the list `subs` (NULL-terminated).  Returns the usage exit status. */
int cli_bad_subverb(struct cli *c, const char *verb, const char *word, const char *const *subs);

/* Open the plan named by the global options; prints the error itself. */
int cli_open(struct cli *c, fc_plan **out);
/* The same, for a verb that only reads: a database this user cannot write
 * is opened read-only. */
int cli_open_read(struct cli *c, fc_plan **out);

/* Print the outcome of a writing verb (text or JSON) and return its status. */
int cli_outcome(struct cli *c, int rc, fc_outcome *o);

/*
 * JSON output, one envelope per run (ficus-json(7)):
 * {"ficus": 1, "ok": BOOL, <data>, "error": MSG, "exit": N}.  cli_json
 * adds the verb's data (copied): under `key`, or, with key NULL, the
 * members of object `data` at the top.  main() writes the document with
 * cli_json_finish once the exit status is known; the last error message
 * (cli_err) becomes "error".  A verb that streams its document writes
 * cli_json_head() first and calls cli_json_streamed().
 */
void cli_json(const char *key, const cJSON *data);
void cli_json_error(const char *msg);
const char *cli_json_head(void);
void cli_json_streamed(void);
void cli_json_finish(struct cli *c, int status);

/* Tables: a header row, then rows; aligned on a terminal, TSV when piped. */
typedef struct cli_table cli_table;
cli_table *cli_table_new(size_t ncols, const char *const *header);
void cli_table_add(cli_table *t, const char *const *cells);
void cli_table_print(struct cli *c, cli_table *t);
void cli_table_free(cli_table *t);

/* Read a whole file ("-" = stdin) up to max bytes. */
int cli_read_file(const char *path, size_t max, char **out, size_t *len);

/* Help text and usage strings live with each verb. */
#define CLI_VERB(name) int cmd_##name(struct cli *c, int argc, char **argv)
CLI_VERB(init);
CLI_VERB(domain);
CLI_VERB(dep);
CLI_VERB(map);
CLI_VERB(order);
CLI_VERB(log);
CLI_VERB(service);
CLI_VERB(status);
CLI_VERB(promote);
CLI_VERB(rollback);
CLI_VERB(shadow);
CLI_VERB(check);
CLI_VERB(watch);
CLI_VERB(tenant);
CLI_VERB(sync);
CLI_VERB(router);
CLI_VERB(notify);
CLI_VERB(doctor);
CLI_VERB(rebuild);
CLI_VERB(verify);
CLI_VERB(dash);
CLI_VERB(help);
CLI_VERB(version);

/* Print the top-level help (all verbs). */
void cli_main_help(FILE *f);
void cli_exit_codes(FILE *f);

#endif
