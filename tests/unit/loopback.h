#ifndef FICUS_LOOPBACK_H
#define FICUS_LOOPBACK_H
/*
 * A scripted server on 127.0.0.1 for the HTTP and router tests, so that
 * fc_http and the drivers are tested through the seam they use in
 * production (a socket), not by replacing code.  lb_start() forks a child
 * that serves one behaviour (lb_mode) on a fresh loopback port (or a unix
 * socket) until lb_stop() kills it by pid.  Every request is appended to a
 * log file so that a test can check the exact method, path, headers and
 * body:
 *
 *     METHOD TARGET
 *     Header: value            (as received)
 *                              (empty line)
 *     body
 *     ----
 *
 * For the HAProxy runtime API (a line protocol) each line is logged as
 * "LINE <text>".  Header only, every function static inline.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fc_buf.h"

typedef enum {
	LB_V1,        /* ficus router protocol v1 with an in-memory flag store */
	LB_STATUS,    /* every request: `status` and `body` */
	LB_HANG,      /* read the request, never answer */
	LB_HUGE,      /* 200 with Content-Length 1 GiB, streamed */
	LB_HUGE_NOLEN,/* 200 without a length, streamed until the client leaves */
	LB_CLOSE,     /* accept and close at once */
	LB_ENVOY,     /* Envoy admin: POST /runtime_modify, GET /runtime */
	LB_HAPROXY    /* HAProxy runtime API, non-interactive */
} lb_mode;

typedef struct {
	lb_mode mode;
	const char *token;          /* V1/ENVOY: required bearer token */
	int status;                 /* STATUS: the status; V1: of the first fail_first answers */
	const char *body;           /* STATUS / fail_first: the body */
	int fail_first;             /* V1: answer the first N requests with status/body */
	int delay_ms;               /* V1/ENVOY/STATUS: answer after this long */
	const char *seed;           /* V1 "flag=bp,shadow,rev;..."  ENVOY/HAPROXY "key=value;..." */
	const char *haproxy_reply;  /* HAPROXY: answer every command with this text */
	const char *haproxy_map;    /* HAPROXY: the only map name accepted (NULL: any) */
	int haproxy_forget;         /* HAPROXY: 'set map' answers "entry not found." (a concurrent del) */
	int v1_list_only;           /* V1: no GET /v1/flags/<flag> (a minimal server) */
	int v1_forget;              /* V1: answer PUTs as stored, store nothing */
	const char *unix_path;      /* listen on this unix socket instead of TCP */
	int port;                   /* listen on this port (0: any free one) */
} lb_config;

typedef struct {
	pid_t pid;
	int port;
	char log[PATH_MAX];
	char url[64];               /* http://127.0.0.1:PORT */
	char tcp[64];               /* tcp://127.0.0.1:PORT */
} lb_server;

/* ---- the server (runs in the child) ---- */

#define LB_MAX_CONN 256
#define LB_MAX_KV 512

typedef struct {
	int fd;
	fc_buf in;
	fc_buf out;
	size_t out_off;
	long long stream_left;      /* HUGE: bytes still to stream (-1: forever) */
	long long answer_at;        /* ms: when the delayed answer goes out */
	int state;                  /* 0 read, 1 delayed, 2 write, 3 hang */
} lb_conn;

typedef struct {
	const lb_config *cfg;
	FILE *log;
	int nreq;
	char keys[LB_MAX_KV][96];
	char vals[LB_MAX_KV][96];
	int nkv;
} lb_state;

static inline long long lb_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int lb_kv_find(lb_state *s, const char *key)
{
	for (int i = 0; i < s->nkv; i++)
		if (!strcmp(s->keys[i], key))
			return i;
	return -1;
}

static inline void lb_kv_set(lb_state *s, const char *key, const char *val, int append)
{
	int i = append ? -1 : lb_kv_find(s, key);
	if (i < 0) {
		if (s->nkv >= LB_MAX_KV)
			return;
		i = s->nkv++;
		snprintf(s->keys[i], sizeof(s->keys[i]), "%s", key);
	}
	snprintf(s->vals[i], sizeof(s->vals[i]), "%s", val);
}

static inline void lb_seed(lb_state *s, const char *seed)
{
	char *copy, *save = NULL, *item;

	if (!seed)
		return;
	copy = fc_strdup(seed);
	for (item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(item, '=');
		if (!eq)
			continue;
		*eq = '\0';
		lb_kv_set(s, item, eq + 1, 1);
	}
	free(copy);
}

static inline void lb_respond(lb_conn *c, int status, const char *ctype, const char *body)
{
	const char *reason = status == 200 ? "OK" : status == 401 ? "Unauthorized" : status == 404 ? "Not Found" :
			     status == 409 ? "Conflict" : status == 500 ? "Internal Server Error" :
			     status == 503 ? "Service Unavailable" : "Status";
	fc_buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		      status, reason, ctype, strlen(body), body);
	c->state = 2;
}

/* The value of header `name` in the raw head, or NULL (static buffer). */
static inline const char *lb_header(const char *head, const char *name)
{
	static char val[1024];
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p && p[2]) {
		const char *line = p + 2, *end = strstr(line, "\r\n");
		if (!end)
			break;
		if ((size_t)(end - line) > nl && !strncasecmp(line, name, nl) && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(val, sizeof(val), "%.*s", (int)(end - v), v);
			return val;
		}
		p = end;
	}
	return NULL;
}

static inline void lb_flag_json(fc_buf *b, const char *val)
{
	int bp = 0, shadow = 0;
	long long rev = 0;
	sscanf(val, "%d,%d,%lld", &bp, &shadow, &rev);
	fc_buf_printf(b, "{\"bp\":%d,\"shadow\":%s,\"rev\":%lld}", bp, shadow ? "true" : "false", rev);
}

static inline void lb_v1(lb_state *s, lb_conn *c, const char *method, const char *target, const char *head,
			 const char *body)
{
	fc_buf b = FC_BUF_INIT;

	if (s->cfg->token) {
		const char *auth = lb_header(head, "Authorization");
		char want[512];
		snprintf(want, sizeof(want), "Bearer %s", s->cfg->token);
		if (!auth || strcmp(auth, want)) {
			lb_respond(c, 401, "application/json", "{\"error\":\"unauthorized\"}\n");
			return;
		}
	}
	if (!strcmp(method, "GET") && !strcmp(target, "/v1/flags")) {
		fc_buf_puts(&b, "{\"flags\":{");
		for (int i = 0; i < s->nkv; i++) {
			fc_buf_printf(&b, "%s\"%s\":", i ? "," : "", s->keys[i]);
			lb_flag_json(&b, s->vals[i]);
		}
		fc_buf_puts(&b, "}}\n");
		lb_respond(c, 200, "application/json", fc_buf_cstr(&b));
	} else if (!strcmp(method, "GET") && !strncmp(target, "/v1/flags/", 10) && !s->cfg->v1_list_only) {
		int i = lb_kv_find(s, target + 10);
		if (i < 0) {
			lb_respond(c, 404, "application/json", "{\"error\":\"unknown flag\"}\n");
		} else {
			lb_flag_json(&b, s->vals[i]);
			lb_respond(c, 200, "application/json", fc_buf_cstr(&b));
		}
	} else if (!strcmp(method, "PUT") && !strncmp(target, "/v1/flags/", 10)) {
		cJSON *o = cJSON_Parse(body);
		const cJSON *bp = cJSON_GetObjectItem(o, "bp"), *sh = cJSON_GetObjectItem(o, "shadow"),
			    *rev = cJSON_GetObjectItem(o, "rev");
		const char *flag = target + 10;
		int i = lb_kv_find(s, flag);
		char val[96];
		if (!cJSON_IsNumber(bp) || !cJSON_IsBool(sh) || !cJSON_IsNumber(rev)) {
			lb_respond(c, 400, "application/json", "{\"error\":\"bad body\"}\n");
		} else {
			long long stored = -1;
			if (i >= 0)
				sscanf(s->vals[i], "%*d,%*d,%lld", &stored);
			if (i >= 0 && (long long)rev->valuedouble < stored) {
				lb_flag_json(&b, s->vals[i]);
				lb_respond(c, 409, "application/json", fc_buf_cstr(&b));
			} else {
				snprintf(val, sizeof(val), "%d,%d,%lld", (int)bp->valuedouble, cJSON_IsTrue(sh),
					 (long long)rev->valuedouble);
				if (!s->cfg->v1_forget)
					lb_kv_set(s, flag, val, 0);
				lb_flag_json(&b, val);
				lb_respond(c, 200, "application/json", fc_buf_cstr(&b));
			}
		}
		cJSON_Delete(o);
	} else {
		lb_respond(c, 404, "application/json", "{\"error\":\"not found\"}\n");
	}
	fc_buf_free(&b);
}

static inline void lb_unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

static inline void lb_envoy(lb_state *s, lb_conn *c, const char *method, const char *target)
{
	fc_buf b = FC_BUF_INIT;

	if (!strcmp(method, "POST") && !strncmp(target, "/runtime_modify?", 16)) {
		char *q = fc_strdup(target + 16), *save = NULL, *kv;
		for (kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');
			if (!eq)
				continue;
			*eq = '\0';
			lb_unescape(kv);
			lb_unescape(eq + 1);
			lb_kv_set(s, kv, eq + 1, 0);
		}
		free(q);
		lb_respond(c, 200, "text/plain", "OK\n");
	} else if (!strcmp(method, "GET") && !strcmp(target, "/runtime")) {
		fc_buf_puts(&b, "{\"entries\":{");
		for (int i = 0; i < s->nkv; i++)
			fc_buf_printf(&b, "%s\"%s\":{\"final_value\":\"%s\",\"layer_values\":[\"\",\"%s\"]}", i ? "," : "",
				      s->keys[i], s->vals[i], s->vals[i]);
		fc_buf_puts(&b, "},\"layers\":[\"static_layer\",\"admin\"]}\n");
		lb_respond(c, 200, "application/json", fc_buf_cstr(&b));
	} else {
		lb_respond(c, 404, "text/plain", "invalid path\n");
	}
	fc_buf_free(&b);
}

/* One HAProxy command into out (its answer ends with an empty line). */
static inline void lb_haproxy_cmd(lb_state *s, const char *cmd, fc_buf *out)
{
	char verb[16] = "", what[16] = "", map[256] = "", key[96] = "", val[96] = "";
	int n = sscanf(cmd, "%15s %15s %255s %95s %95s", verb, what, map, key, val);

	if (s->cfg->haproxy_reply) {
		fc_buf_puts(out, s->cfg->haproxy_reply);
		return;
	}
	if (n < 3 || strcmp(what, "map")) {
		fc_buf_puts(out, "Unknown command, but maybe one of the following ones is a better match:\n"
				 "  help           : full commands list\n\n");
		return;
	}
	if (s->cfg->haproxy_map && strcmp(map, s->cfg->haproxy_map)) {
		fc_buf_puts(out, "Unknown map identifier. Please use #<id> or <file>.\n\n");
		return;
	}
	if (!strcmp(verb, "show")) {
		for (int i = 0; i < s->nkv; i++)
			fc_buf_printf(out, "0x%012x %s %s\n", 0x1000 + i * 16, s->keys[i], s->vals[i]);
		fc_buf_puts(out, "\n");
	} else if (!strcmp(verb, "set") && n == 5 && s->cfg->haproxy_forget) {
		fc_buf_puts(out, "entry not found.\n\n");
	} else if (!strcmp(verb, "set") && n == 5) {
		int found = 0;
		for (int i = 0; i < s->nkv; i++)
			if (!strcmp(s->keys[i], key)) {
				snprintf(s->vals[i], sizeof(s->vals[i]), "%s", val);
				found = 1;
			}
		fc_buf_puts(out, found ? "\n" : "entry not found.\n\n");
	} else if (!strcmp(verb, "add") && n == 5) {
		lb_kv_set(s, key, val, 1);
		fc_buf_puts(out, "\n");
	} else {
		fc_buf_puts(out, "Unknown command, but maybe one of the following ones is a better match:\n\n");
	}
}

/* 1 when a whole request was handled (or is being answered). */
static inline int lb_handle(lb_state *s, lb_conn *c)
{
	const lb_config *cfg = s->cfg;
	char *hend, method[16] = "", target[4096] = "";
	const char *cl;
	size_t head_len, body_len = 0;
	char *head, *body;

	if (cfg->mode == LB_HAPROXY) {
		char *nl = memchr(c->in.ptr, '\n', c->in.len), *line, *save = NULL, *cmd;
		if (!nl)
			return 0;
		line = fc_strndup(c->in.ptr, (size_t)(nl - c->in.ptr));
		fprintf(s->log, "LINE %s\n", line);
		fflush(s->log);
		for (cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save))
			lb_haproxy_cmd(s, cmd, &c->out);
		free(line);
		c->state = 2;
		return 1;
	}
	if (!(hend = strstr(c->in.ptr, "\r\n\r\n")))
		return 0;
	head_len = (size_t)(hend - c->in.ptr) + 4;
	head = fc_strndup(c->in.ptr, head_len);
	if ((cl = lb_header(head, "Content-Length")))
		body_len = (size_t)strtoul(cl, NULL, 10);
	if (c->in.len < head_len + body_len) {
		free(head);
		return 0;
	}
	body = fc_strndup(c->in.ptr + head_len, body_len);
	sscanf(head, "%15s %4095s", method, target);
	{
		char *h = fc_strndup(head, head_len - 4);
		for (char *p = h; *p; p++)
			if (*p == '\r')
				memmove(p, p + 1, strlen(p));
		fprintf(s->log, "%s\n\n%s\n----\n", h, body);
		fflush(s->log);
		free(h);
	}
	s->nreq++;
	if (cfg->fail_first && s->nreq <= cfg->fail_first) {
		lb_respond(c, cfg->status, "application/json", cfg->body ? cfg->body : "");
	} else {
		switch (cfg->mode) {
		case LB_V1:
			lb_v1(s, c, method, target, head, body);
			break;
		case LB_ENVOY:
			lb_envoy(s, c, method, target);
			break;
		case LB_STATUS:
			lb_respond(c, cfg->status, "application/json", cfg->body ? cfg->body : "");
			break;
		case LB_HANG:
			c->state = 3;
			break;
		case LB_HUGE:
		case LB_HUGE_NOLEN:
			if (cfg->mode == LB_HUGE)
				fc_buf_puts(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
						     "Content-Length: 1073741824\r\n\r\n");
			else
				fc_buf_puts(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
						     "Connection: close\r\n\r\n");
			c->stream_left = 1LL << 30;
			c->state = 2;
			break;
		default:
			break;
		}
	}
	if (cfg->delay_ms && c->state == 2) {
		c->state = 1;
		c->answer_at = lb_ms() + cfg->delay_ms;
	}
	free(head);
	free(body);
	return 1;
}

static inline void lb_close(lb_conn *c)
{
	close(c->fd);
	fc_buf_free(&c->in);
	fc_buf_free(&c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static inline void lb_serve(int lfd, const lb_config *cfg, const char *logpath)
{
	static lb_conn conns[LB_MAX_CONN];
	static lb_state st;
	struct pollfd pfd[LB_MAX_CONN + 1];
	static char zeros[65536];

	signal(SIGPIPE, SIG_IGN);
	memset(zeros, 'x', sizeof(zeros));
	st.cfg = cfg;
	st.log = fopen(logpath, "a");
	lb_seed(&st, cfg->seed);
	for (int i = 0; i < LB_MAX_CONN; i++)
		conns[i].fd = -1;
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	for (;;) {
		int n = 0, idx[LB_MAX_CONN + 1], timeout = 1000;
		long long now = lb_ms();
		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		idx[n++] = -1;
		for (int i = 0; i < LB_MAX_CONN; i++) {
			lb_conn *c = &conns[i];
			if (c->fd < 0)
				continue;
			if (c->state == 1) {
				if (now >= c->answer_at)
					c->state = 2;
				else if (c->answer_at - now < timeout)
					timeout = (int)(c->answer_at - now);
			}
			pfd[n].fd = c->fd;
			pfd[n].events = c->state == 2 ? POLLOUT : POLLIN;
			idx[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			_exit(1);
		for (int k = 0; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			if (idx[k] < 0) {
				int fd = accept(lfd, NULL, NULL);
				if (fd < 0)
					continue;
				if (cfg->mode == LB_CLOSE) {
					close(fd);
					continue;
				}
				fcntl(fd, F_SETFL, O_NONBLOCK);
				for (int i = 0; i < LB_MAX_CONN; i++)
					if (conns[i].fd < 0) {
						memset(&conns[i], 0, sizeof(conns[i]));
						conns[i].fd = fd;
						fd = -1;
						break;
					}
				if (fd >= 0)
					close(fd);
				continue;
			}
			lb_conn *c = &conns[idx[k]];
			if (c->state == 0 || c->state == 3) {
				char buf[16384];
				ssize_t r = read(c->fd, buf, sizeof(buf));
				if (r <= 0) {
					if (r == 0 || (errno != EAGAIN && errno != EINTR))
						lb_close(c);
					continue;
				}
				if (c->state == 3)
					continue;
				fc_buf_put(&c->in, buf, (size_t)r);
				lb_handle(&st, c);
			} else if (c->state == 2) {
				ssize_t w;
				if (c->out_off < c->out.len) {
					w = write(c->fd, c->out.ptr + c->out_off, c->out.len - c->out_off);
					if (w > 0)
						c->out_off += (size_t)w;
					else if (errno != EAGAIN && errno != EINTR)
						lb_close(c);
					continue;
				}
				if (c->stream_left > 0) {
					size_t chunk = c->stream_left < (long long)sizeof(zeros) ? (size_t)c->stream_left
												  : sizeof(zeros);
					w = write(c->fd, zeros, chunk);
					if (w > 0)
						c->stream_left -= w;
					else if (errno != EAGAIN && errno != EINTR)
						lb_close(c);
					continue;
				}
				lb_close(c);
			}
		}
	}
}

/* ---- the test side ---- */

static inline void lb_start(lb_server *s, const lb_config *cfg)
{
	int lfd, fd;
	pid_t parent;
	const char *tmp = getenv("TMPDIR");

	memset(s, 0, sizeof(*s));
	snprintf(s->log, sizeof(s->log), "%s/ficus-lb.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(s->log)) < 0)
		fail_msg("mkstemp: %s", strerror(errno));
	close(fd);
	if (cfg->unix_path) {
		struct sockaddr_un sa;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cfg->unix_path);
		unlink(cfg->unix_path);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0)
			fail_msg("unix listen '%s': %s", cfg->unix_path, strerror(errno));
	} else {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((uint16_t)cfg->port);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0 ||
		    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
			fail_msg("loopback listen: %s", strerror(errno));
		s->port = ntohs(sa.sin_port);
		snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
		snprintf(s->tcp, sizeof(s->tcp), "tcp://127.0.0.1:%d", s->port);
	}
	fflush(NULL);
	parent = getpid();
	s->pid = fork();
	if (s->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (s->pid == 0) {
		/* never outlive the test, even when an assertion skipped lb_stop() */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		lb_serve(lfd, cfg, s->log);
		_exit(0);
	}
	close(lfd);
}

static inline void lb_stop(lb_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		kill(s->pid, SIGCONT);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->log[0])
		unlink(s->log);
	s->log[0] = '\0';
}

/* The request log so far (caller frees). */
static inline char *lb_log(const lb_server *s)
{
	FILE *f = fopen(s->log, "rb");
	fc_buf b = FC_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fc_buf_put(&b, chunk, n);
		fclose(f);
	}
	return fc_buf_detach(&b);
}

/* Lines of the log that start with `prefix`. */
static inline int lb_count(const lb_server *s, const char *prefix)
{
	char *log = lb_log(s), *p = log;
	int n = 0;
	size_t pl = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, pl))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	free(log);
	return n;
}

/* A TCP port on 127.0.0.1 that refuses connections (bound, closed). */
static inline int lb_dead_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		fail_msg("dead port: %s", strerror(errno));
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

#endif
