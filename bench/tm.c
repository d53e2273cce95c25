/*
 * bench/tm: time one process as a whole.
 *
 *   tm [-o FILE] [-e FILE] [-i FILE] -- COMMAND [ARG...]
 *
 * Runs COMMAND (stdout to -o FILE or /dev/null, stderr to -e FILE or
 * inherited, stdin from -i FILE or /dev/null) and prints one line:
 *
 *   <wall ms> <max RSS KiB> <exit status> <cpu ms>
 *
 * The wall time runs from just before fork to just after wait4, so it is
 * what a user or a CI job waits for, start-up included.  The CPU time
 * (user + system, children included) is the same work measured in a way
 * that other load on a shared machine disturbs less.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *out = "/dev/null", *in = "/dev/null", *err = NULL;
	struct timespec a, b;
	struct rusage ru;
	int i, status = 0;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-i") && i + 1 < argc)
			in = argv[++i];
		else if (!strcmp(argv[i], "-e") && i + 1 < argc)
			err = argv[++i];
		else {
			fprintf(stderr, "usage: tm [-o FILE] [-e FILE] [-i FILE] -- COMMAND [ARG...]\n");
			return 2;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: tm [-o FILE] [-e FILE] [-i FILE] -- COMMAND [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0) {
		perror("tm: fork");
		return 1;
	}
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), n = open(in, O_RDONLY);
		if (o < 0 || n < 0) {
			perror("tm: redirect");
			_exit(127);
		}
		dup2(o, 1);
		dup2(n, 0);
		close(o);
		close(n);
		if (err) {
			int e = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (e < 0) {
				perror("tm: redirect");
				_exit(127);
			}
			dup2(e, 2);
			close(e);
		}
		execvp(argv[i + 1], argv + i + 1);
		perror("tm: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("tm: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.3f %ld %d %.3f\n", (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6,
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	return 0;
}
