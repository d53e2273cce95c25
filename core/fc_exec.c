#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_exec.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void fc_exec_result_clear(fc_exec_result *r)
{
	if (r) {
		free(r->last_line);
		memset(r, 0, sizeof(*r));
	}
}

static char *last_line(const char *buf, size_t len)
{
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	size_t start = len;
	while (start && buf[start - 1] != '\n')
		start--;
	char *line = fc_strndup(buf + start, len - start);
	char *clean = fc_sanitize(line, 0);
	free(line);
	if (strlen(clean) > 500)
		clean[500] = '\0';
	return clean;
}

int fc_exec(fc_exec_result *out, const char *command, const char *const *env, int64_t timeout_secs)
{
	int fds[2];
	pid_t pid;
	char tail[FC_EXEC_TAIL];
	size_t tlen = 0;
	double start = now_s(), deadline = start + (double)timeout_secs;
	int status = 0, done = 0;

	memset(out, 0, sizeof(*out));
	out->exit_status = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return fc_error_set(FC_ERROR, "cannot run a check: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return fc_error_set(FC_ERROR, "cannot run a check: %s", strerror(errno));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);
	for (;;) {
		struct pollfd pf = { fds[0], POLLIN, 0 };
		double left = deadline - now_s();
		int ms = left <= 0 ? 0 : left > 1000 ? 1000000 : (int)(left * 1000) + 1;
		int r;

		if (left <= 0) {
			out->timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		r = poll(&pf, 1, ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			char chunk[4096];
			ssize_t n = read(fds[0], chunk, sizeof(chunk));
			if (n <= 0)
				break; /* EOF: the command closed its output */
			/* keep the tail only: output size is capped */
			if ((size_t)n >= sizeof(tail)) {
				memcpy(tail, chunk + n - sizeof(tail), sizeof(tail));
				tlen = sizeof(tail);
			} else {
				if (tlen + (size_t)n > sizeof(tail)) {
					size_t drop = tlen + (size_t)n - sizeof(tail);
					memmove(tail, tail + drop, tlen - drop);
					tlen -= drop;
				}
				memcpy(tail + tlen, chunk, (size_t)n);
				tlen += (size_t)n;
			}
		}
	}
	close(fds[0]);
	/* the command may still run after closing its output: wait within the deadline */
	while (!done) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			done = 1;
			break;
		}
		if (now_s() >= deadline) {
			out->timed_out = 1;
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(5000);
	}
	out->seconds = now_s() - start;
	if (!out->timed_out && WIFEXITED(status))
		out->exit_status = WEXITSTATUS(status);
	out->last_line = last_line(tail, tlen);
	return 0;
}
