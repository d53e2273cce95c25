#ifndef FC_EXEC_H
#define FC_EXEC_H
/*
 * Running a check command: /bin/sh -c COMMAND in its own process group,
 * stdout and stderr captured (the last FC_EXEC_TAIL bytes kept), killed
 * with its whole group when the timeout passes.
 */
#include <stddef.h>
#include <stdint.h>

#define FC_EXEC_TAIL 4096

typedef struct {
	int exit_status;   /* -1 when killed or not started */
	int timed_out;
	char *last_line;   /* last non-empty line of output (caller frees) */
	double seconds;
} fc_exec_result;

/* `env` is a NULL-terminated list of "KEY=VALUE" added to the environment. */
int fc_exec(fc_exec_result *out, const char *command, const char *const *env, int64_t timeout_secs);
void fc_exec_result_clear(fc_exec_result *r);

#endif
