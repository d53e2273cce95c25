/*
 * bench/flagd: a tiny loopback router speaking the ficus router protocol
 * v1 (ficus-routers(7)), for the benchmarks.
 *
 *   flagd --port-file FILE [--port N]
 *
 * Listens on 127.0.0.1 (port N, default: one the kernel picks), writes the
 * port to FILE once it listens, and serves until killed:
 *
 *   GET /v1/flags             {"flags":{"<flag>":{"bp":N,"shadow":B,"rev":N}}}
 *   GET /v1/flags/<flag>      the flag object, or 404 {"error":"unknown flag"}
 *   PUT /v1/flags/<flag>      {"bp":N,"shadow":B,"rev":N} -> 200 and the stored
 *                             object, or 409 and the stored object when the
 *                             stored revision is newer
 *   GET /api/v1/query?...     a Prometheus instant-query answer: a one-sample
 *                             vector of 0.001, whatever the query (the
 *                             watcher's bench: analysis checks against one
 *                             loopback Prometheus)
 *
 * One process, one thread, poll(), HTTP/1.1 keep-alive, Content-Length
 * bodies.  Flags live in memory.  Not a server for anything but the bench.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 256
#define REQ_MAX (1 << 16)

typedef struct {
	char name[64];
	int bp, shadow;
	long long rev;
} flag;

static flag *flags;
static size_t nflags, capflags;
static char *list_cache;
static size_t list_len;

typedef struct {
	int fd;
	char in[REQ_MAX];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
} conn;

static conn *conns[MAX_CONN];

static flag *find(const char *name, int create)
{
	for (size_t i = 0; i < nflags; i++)
		if (!strcmp(flags[i].name, name))
			return &flags[i];
	if (!create)
		return NULL;
	if (nflags == capflags) {
		capflags = capflags ? capflags * 2 : 64;
		flags = realloc(flags, capflags * sizeof(flag));
		if (!flags)
			abort();
	}
	memset(&flags[nflags], 0, sizeof(flag));
	snprintf(flags[nflags].name, sizeof(flags[nflags].name), "%s", name);
	flags[nflags].rev = -1;
	return &flags[nflags++];
}

static void build_list(void)
{
	size_t cap = 64 + nflags * 160, n = 0;

	free(list_cache);
	list_cache = malloc(cap);
	if (!list_cache)
		abort();
	n += (size_t)snprintf(list_cache + n, cap - n, "{\"flags\":{");
	for (size_t i = 0; i < nflags; i++)
		n += (size_t)snprintf(list_cache + n, cap - n, "%s\"%s\":{\"bp\":%d,\"shadow\":%s,\"rev\":%lld}",
				      i ? "," : "", flags[i].name, flags[i].bp, flags[i].shadow ? "true" : "false",
				      flags[i].rev);
	n += (size_t)snprintf(list_cache + n, cap - n, "}}");
	list_len = n;
}

static void reply(conn *c, int status, const char *reason, const char *body, size_t len)
{
	char head[256];
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			  status, reason, len);
	char *o = realloc(c->out, c->outlen + (size_t)hl + len);
	if (!o)
		abort();
	c->out = o;
	memcpy(c->out + c->outlen, head, (size_t)hl);
	memcpy(c->out + c->outlen + (size_t)hl, body, len);
	c->outlen += (size_t)hl + len;
}

static int json_num(const char *body, const char *key, long long *out)
{
	const char *p = strstr(body, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	if (!strncmp(p, "true", 4)) {
		*out = 1;
		return 0;
	}
	if (!strncmp(p, "false", 5)) {
		*out = 0;
		return 0;
	}
	char *end;
	*out = strtoll(p, &end, 10);
	return end == p ? -1 : 0;
}

static void handle(conn *c, const char *method, const char *path, const char *body)
{
	char obj[160];

	if (!strcmp(method, "GET") && !strncmp(path, "/api/v1/query", 13)) {
		static const char v[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
					"[{\"metric\":{\"job\":\"bench\"},\"value\":[1790000000,\"0.001\"]}]}}";
		reply(c, 200, "OK", v, sizeof(v) - 1);
		return;
	}
	if (!strcmp(method, "GET") && !strcmp(path, "/v1/flags")) {
		if (!list_cache)
			build_list();
		reply(c, 200, "OK", list_cache, list_len);
		return;
	}
	if (!strcmp(method, "GET") && !strncmp(path, "/v1/flags/", 10) && path[10]) {
		/* the read-back of a pushed flag, as contrib/nginx/ficus.lua answers it */
		const flag *f = find(path + 10, 0);
		const char *e = "{\"error\":\"unknown flag\"}";
		int n;
		if (!f || f->rev < 0) {
			reply(c, 404, "Not Found", e, strlen(e));
			return;
		}
		n = snprintf(obj, sizeof(obj), "{\"bp\":%d,\"shadow\":%s,\"rev\":%lld}", f->bp,
			     f->shadow ? "true" : "false", f->rev);
		reply(c, 200, "OK", obj, (size_t)n);
		return;
	}
	if (!strcmp(method, "PUT") && !strncmp(path, "/v1/flags/", 10) && path[10] && strlen(path + 10) < 64) {
		long long bp, shadow, rev;
		flag *f;
		if (json_num(body, "\"bp\"", &bp) < 0 || json_num(body, "\"shadow\"", &shadow) < 0 ||
		    json_num(body, "\"rev\"", &rev) < 0 || bp < 0 || bp > 10000) {
			const char *e = "{\"error\":\"bad flag object\"}";
			reply(c, 400, "Bad Request", e, strlen(e));
			return;
		}
		f = find(path + 10, 1);
		if (f->rev > rev) {
			int n = snprintf(obj, sizeof(obj), "{\"bp\":%d,\"shadow\":%s,\"rev\":%lld}", f->bp,
					 f->shadow ? "true" : "false", f->rev);
			reply(c, 409, "Conflict", obj, (size_t)n);
			return;
		}
		f->bp = (int)bp;
		f->shadow = shadow != 0;
		f->rev = rev;
		free(list_cache);
		list_cache = NULL;
		int n = snprintf(obj, sizeof(obj), "{\"bp\":%d,\"shadow\":%s,\"rev\":%lld}", f->bp,
				 f->shadow ? "true" : "false", f->rev);
		reply(c, 200, "OK", obj, (size_t)n);
		return;
	}
	{
		const char *e = "{\"error\":\"not found\"}";
		reply(c, 404, "Not Found", e, strlen(e));
	}
}

/* Parse as many complete requests as the buffer holds. */
static int serve(conn *c)
{
	for (;;) {
		char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4), *cl, method[8], path[256];
		size_t head, clen = 0, total;

		if (!end)
			return c->inlen >= REQ_MAX ? -1 : 0;
		head = (size_t)(end - c->in) + 4;
		*end = '\0';
		cl = strcasestr(c->in, "\r\ncontent-length:");
		if (cl)
			clen = strtoul(cl + 17, NULL, 10);
		total = head + clen;
		if (total > REQ_MAX)
			return -1;
		if (c->inlen < total) {
			*end = '\r';
			return 0;
		}
		if (sscanf(c->in, "%7s %255s", method, path) != 2)
			return -1;
		{
			char body[1024];
			size_t bl = clen < sizeof(body) - 1 ? clen : sizeof(body) - 1;
			memcpy(body, c->in + head, bl);
			body[bl] = '\0';
			handle(c, method, path, body);
		}
		memmove(c->in, c->in + total, c->inlen - total);
		c->inlen -= total;
	}
}

static void drop(int i)
{
	close(conns[i]->fd);
	free(conns[i]->out);
	free(conns[i]);
	conns[i] = NULL;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL;
	int port = 0, one = 1, lfd;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	FILE *f;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port-file"))
			port_file = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
	}
	if (!port_file) {
		fprintf(stderr, "usage: flagd --port-file FILE [--port N]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) < 0) {
		perror("flagd");
		return 1;
	}
	{
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, port_file) < 0) {
			perror("flagd: port file");
			return 1;
		}
	}
	for (;;) {
		struct pollfd p[MAX_CONN + 1];
		int idx[MAX_CONN + 1], np = 0;

		p[np].fd = lfd;
		p[np].events = POLLIN;
		idx[np++] = -1;
		for (int i = 0; i < MAX_CONN; i++)
			if (conns[i]) {
				p[np].fd = conns[i]->fd;
				p[np].events = conns[i]->outlen > conns[i]->outoff ? POLLOUT : POLLIN;
				idx[np++] = i;
			}
		if (poll(p, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("flagd: poll");
			return 1;
		}
		if (p[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			if (fd >= 0) {
				int slot = -1;
				for (int i = 0; i < MAX_CONN && slot < 0; i++)
					if (!conns[i])
						slot = i;
				if (slot < 0) {
					close(fd);
				} else {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					conns[slot] = calloc(1, sizeof(conn));
					if (!conns[slot])
						abort();
					conns[slot]->fd = fd;
				}
			}
		}
		for (int k = 1; k < np; k++) {
			conn *c = conns[idx[k]];
			if (!c || !p[k].revents)
				continue;
			if (p[k].revents & POLLOUT) {
				ssize_t w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
				if (w < 0 && errno != EAGAIN && errno != EINTR) {
					drop(idx[k]);
					continue;
				}
				if (w > 0)
					c->outoff += (size_t)w;
				if (c->outoff == c->outlen)
					c->outoff = c->outlen = 0;
				continue;
			}
			if (p[k].revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t r = read(c->fd, c->in + c->inlen, REQ_MAX - c->inlen);
				if (r <= 0) {
					drop(idx[k]);
					continue;
				}
				c->inlen += (size_t)r;
				if (serve(c) < 0) {
					drop(idx[k]);
					continue;
				}
				/* answer at once when the socket takes it */
				if (c->outlen) {
					ssize_t w = write(c->fd, c->out, c->outlen);
					if (w > 0)
						c->outoff = (size_t)w;
					if (c->outoff == c->outlen)
						c->outoff = c->outlen = 0;
				}
			}
		}
	}
}
