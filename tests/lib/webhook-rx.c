/*
 * tests/lib/webhook-rx: a loopback webhook receiver for the notification
 * tests, compiled by the test with cc.
 *
 *   webhook-rx PORT_FILE LOG_FILE [ANSWERS]
 *
 * Listens on 127.0.0.1 (a port the kernel picks) and writes the port to
 * PORT_FILE.  Each request's request line, headers and body are appended
 * to LOG_FILE as one block:
 *
 *   === request N
 *   POST /path HTTP/1.1
 *   Header: value
 *   ...
 *   <blank line>
 *   body
 *   === end N
 *
 * ANSWERS (default "200") is a comma-separated list of what to answer,
 * one per request in order, the last repeated: an HTTP status ("500"),
 * or "hang" (log the request, never answer: a child process holds the
 * connection 60 s while the receiver goes on accepting).  Runs until
 * killed; SIGTERM stops those children too.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQ (1 << 20)
#define MAX_HOLDERS 64

static pid_t holders[MAX_HOLDERS];

static void on_term(int sig)
{
	for (int i = 0; i < MAX_HOLDERS; i++)
		if (holders[i] > 0)
			kill(holders[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Hold connection c open, silent, for 60 s in a child (remembered for SIGTERM). */
static void hold(int c)
{
	pid_t pid;
	int i;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (i = 0; i < MAX_HOLDERS && holders[i] > 0 && kill(holders[i], 0) == 0; i++)
		;
	pid = fork();
	if (pid == 0) {
		sleep(60);
		_exit(0);
	}
	if (pid > 0 && i < MAX_HOLDERS)
		holders[i] = pid;
	(void)c;
}

static const char *answer_at(const char *answers, int n, char *buf, size_t size)
{
	const char *p = answers, *comma;
	int i = 0;

	for (;;) {
		comma = strchr(p, ',');
		if (i == n || !comma) {
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			snprintf(buf, size, "%.*s", (int)len, p);
			return buf;
		}
		p = comma + 1;
		i++;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, n = 0;
	const char *answers = argc > 3 ? argv[3] : "200";
	char *req = malloc(MAX_REQ + 1);
	FILE *f;

	if (argc < 3 || s < 0 || !req)
		return 2;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 128) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0)
		return 1;
	if (!(f = fopen(argv[1], "w")))
		return 1;
	fprintf(f, "%d\n", ntohs(a.sin_port));
	fclose(f);
	for (;;) {
		int c = accept(s, NULL, NULL);
		size_t got = 0, want = 0;
		char *hend = NULL, what[32];
		ssize_t r;

		if (c < 0)
			continue;
		/* the headers, then Content-Length bytes of body */
		while (got < MAX_REQ && (r = read(c, req + got, MAX_REQ - got)) > 0) {
			got += (size_t)r;
			req[got] = '\0';
			if (!hend && (hend = strstr(req, "\r\n\r\n"))) {
				char *cl = strcasestr(req, "\r\ncontent-length:");
				want = (size_t)(hend - req) + 4 + (cl && cl < hend ? strtoul(cl + 17, NULL, 10) : 0);
			}
			if (hend && got >= want)
				break;
		}
		req[got] = '\0';
		if ((f = fopen(argv[2], "a"))) {
			n++;
			fprintf(f, "=== request %d\n", n);
			for (char *p = req; *p; p++)
				if (*p != '\r')
					fputc(*p, f);
			fprintf(f, "\n=== end %d\n", n);
			fclose(f);
		} else {
			n++;
		}
		answer_at(answers, n - 1, what, sizeof(what));
		if (!strcmp(what, "hang")) {
			hold(c);
		} else {
			char resp[256];
			int status = atoi(what);
			int k = snprintf(resp, sizeof(resp),
					 "HTTP/1.1 %d Test\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
					 "Connection: close\r\n\r\nok", status ? status : 200);
			if (write(c, resp, (size_t)k) < 0)
				perror("write");
		}
		close(c);
	}
}
