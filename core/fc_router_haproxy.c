/*
 * The haproxy driver: HAProxy's runtime API on a stats socket
 * (tcp://HOST:PORT or unix:///PATH, "level admin").
 *
 * Each command is one connection in non-interactive mode: send a line,
 * read to EOF.  Several commands go on one line separated by ';', and
 * HAProxy ends the answer of each with an empty line, which is how the
 * answers are told apart.  A push per replica:
 *
 *   show map <map>                        what is there
 *   set map <map> <flag> <bp>; ...        flags that exist (add map for new ones;
 *   add map <map> <flag> <bp>; ...          "entry not found." falls back to add)
 *   show map <map>                        read back
 *
 * `add map` on an existing key would add a duplicate, hence the first read.
 * Tenant pins go to a second map, `pin_map`, keyed "<flag>:<tenant>" with
 * the value "in" or "out" (the routing side consults it before the
 * bucket): it is read, the differences are sent (del map, set map, add
 * map), and it is read back into the pins' counts and digest.
 * With map_file, the file is rewritten once per push (atomically, comments
 * kept) so that a reload of HAProxy keeps the values.  HAProxy keeps no
 * revision and applies no shadow.  Replicas run in one thread each; every
 * socket operation is bounded by the replica's deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_http.h"
#include "fc_router_parse.h"
#include "fc_tenant.h"

#define LINE_MAX_BYTES 7000          /* HAProxy reads one command line into a 16 KiB buffer */
#define ANSWER_MAX (16u << 20)
#define MAP_FILE_MAX (16u << 20)

typedef struct {
	fc_router_job *j;
	unsigned seed;
	int list_only;
	char **map_errors;           /* per want: map file failure (borrowed) */
} hap;

static const char *map_of(const fc_router_conf *r)
{
	return r->map ? r->map : r->map_file;
}

static long left_ms(const fc_router_job *j)
{
	int64_t l = fc_router_job_left(j);
	return l > 0 ? (long)l : 0;
}

static void lower_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
}

/* Connect once.  -1 with err; *unreachable for failures to connect. */
static int connect_once(hap *h, char *err, size_t errlen)
{
	const fc_router_job *j = h->j;
	const char *url = j->replica;
	long wait;
	int fd = -1, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd pfd;
	char es[128];

	if (!strncmp(url, "unix://", 7)) {
		struct sockaddr_un sa;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", url + 7);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto sys;
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (rc < 0 && errno != EINPROGRESS && errno != EAGAIN)
			goto sys;
		if (rc == 0)
			return fd;
	} else {
		char host[300], port[16];
		const char *a = url + 6, *colon;
		struct addrinfo hints, *res = NULL;
		if (a[0] == '[') {
			const char *close = strchr(a, ']');
			snprintf(host, sizeof(host), "%.*s", (int)(close - a - 1), a + 1);
			colon = close + 1;
		} else {
			colon = strrchr(a, ':');
			snprintf(host, sizeof(host), "%.*s", (int)(colon - a), a);
		}
		snprintf(port, sizeof(port), "%s", colon + 1);
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
			snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
			return -1;
		}
		fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			freeaddrinfo(res);
			goto sys;
		}
		rc = connect(fd, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
		if (rc < 0 && errno != EINPROGRESS)
			goto sys;
		if (rc == 0)
			return fd;
	}
	wait = j->r->connect_timeout_ms < left_ms(j) ? j->r->connect_timeout_ms : left_ms(j);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do {
		rc = poll(&pfd, 1, (int)wait);
	} while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		snprintf(err, errlen, "cannot connect: timed out after %ld ms", wait);
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		errno = soerr ? soerr : errno;
		goto sys;
	}
	return fd;
sys:
	if (errno == ECONNREFUSED) {
		snprintf(err, errlen, "connection refused");
	} else if (errno == ENOENT) {
		snprintf(err, errlen, "no socket at '%.200s'", url + 7);
	} else {
		snprintf(es, sizeof(es), "%s", strerror(errno));
		lower_first(es);
		snprintf(err, errlen, "cannot connect: %s", es);
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Connect with retries on failure, within the deadline. */
static int connect_retry(hap *h, char *err, size_t errlen)
{
	fc_router_job *j = h->j;
	int fd;

	for (int attempt = 1;; attempt++) {
		int64_t pause;
		j->attempts = attempt > j->attempts ? attempt : j->attempts;
		if ((fd = connect_once(h, err, errlen)) >= 0)
			return fd;
		pause = fc_router_backoff_ms(attempt + 1, &h->seed);
		if (attempt > j->r->retries || pause >= fc_router_job_left(j))
			return -1;
		{
			struct timespec ts = { pause / 1000, (pause % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
}

/*
 * One command line: connect, send, read the whole answer.  0, or -1 with
 * err and *unreachable set when the socket could not be reached.
 */
static int command(hap *h, const char *line, fc_buf *out, char *err, size_t errlen, int *unreachable)
{
	fc_router_job *j = h->j;
	size_t len = strlen(line), off = 0;
	int64_t start = fc_http_now_ms();
	struct pollfd pfd;
	char chunk[65536];
	int fd, rc;

	*unreachable = 0;
	fc_buf_clear(out);
	if ((fd = connect_retry(h, err, errlen)) < 0) {
		*unreachable = 1;
		return -1;
	}
	pfd.fd = fd;
	while (off < len + 1) {
		const char *p = off < len ? line + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "connection broken while sending: %s", strerror(errno));
			close(fd);
			return -1;
		}
		pfd.events = POLLOUT;
		if ((rc = poll(&pfd, 1, (int)left_ms(j))) == 0)
			goto timeout;
	}
	for (;;) {
		ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
		if (r > 0) {
			if (out->len + (size_t)r > ANSWER_MAX) {
				snprintf(err, errlen, "answer larger than %u bytes: cut off", ANSWER_MAX);
				close(fd);
				return -1;
			}
			fc_buf_put(out, chunk, (size_t)r);
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "connection broken: %s", strerror(errno));
			*unreachable = 1;
			close(fd);
			return -1;
		}
		pfd.events = POLLIN;
		if (left_ms(j) <= 0 || (rc = poll(&pfd, 1, (int)left_ms(j))) == 0)
			goto timeout;
	}
	close(fd);
	return 0;
timeout:
	snprintf(err, errlen, "no answer: timed out after %ld ms", (long)(fc_http_now_ms() - start));
	*unreachable = 1;
	close(fd);
	return -1;
}

size_t fc_router_haproxy_split_answers(char *text, char **out, size_t max)
{
	size_t n = 0;
	char *p = text, *start = text;

	while (*p && n < max) {
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		if (nl == p) { /* empty line: the end of one answer */
			*nl = '\0';
			out[n++] = start;
			start = p = nl + 1;
			continue;
		}
		p = nl + 1;
	}
	return n;
}

void fc_router_haproxy_first_line(const char *ans, char *out, size_t len)
{
	size_t n = strcspn(ans, "\n");
	char *clean;

	while (n && (ans[n - 1] == '.' || ans[n - 1] == ' ' || ans[n - 1] == '\r'))
		n--;
	clean = fc_strndup(ans, n > 160 ? 160 : n);
	snprintf(out, len, "%s", clean);
	free(clean);
	{
		char *s = fc_sanitize(out, 0);
		snprintf(out, len, "%s", s);
		free(s);
	}
}

const char *fc_router_haproxy_hint(const char *ans)
{
	if (!strncmp(ans, "Unknown command", 15))
		return " (is this HAProxy's runtime API, version 1.6 or later?)";
	if (!strncmp(ans, "Permission denied", 17))
		return " (the stats socket needs 'level admin')";
	if (!strncmp(ans, "Unknown map identifier", 22))
		return " (the map is named by the file it was loaded from, or #<id>)";
	return "";
}

int fc_router_haproxy_parse_show(fc_router_job *j, fc_buf *ans, char *err, size_t errlen)
{
	char *line, *save = NULL;

	/* even an empty map ends with an empty line; and an untouched buffer has no ptr */
	if (!ans->len) {
		snprintf(err, errlen, "haproxy gave no answer to 'show map %s'", map_of(j->r));
		return -1;
	}
	if (ans->ptr[0] != '0' && ans->ptr[0] != '\n') {
		char fl[200];
		fc_router_haproxy_first_line(ans->ptr, fl, sizeof(fl));
		snprintf(err, errlen, "haproxy refused 'show map %s': %s%s", map_of(j->r), fl,
			 fc_router_haproxy_hint(ans->ptr));
		return -1;
	}
	fc_router_job_clear_seen(j);
	for (line = strtok_r(ans->ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *key, *val, *end = NULL, *s2 = NULL;
		long v;
		if (strncmp(line, "0x", 2))
			continue;
		if (!strtok_r(line, " ", &s2) || !(key = strtok_r(NULL, " ", &s2)) || !(val = strtok_r(NULL, " \r", &s2)))
			continue;
		v = strtol(val, &end, 10);
		if (*end || v < 0 || v > 10000 || !fc_router_name_ok(key))
			continue; /* not a ficus value: reported as missing */
		fc_router_job_seen(j, key, (int)v, 0, -1);
	}
	j->seen_valid = 1;
	return 0;
}

static int show_map(hap *h, fc_buf *ans, char *err, size_t errlen, int *unreachable)
{
	char *line = fc_asprintf("show map %s", map_of(h->j->r));
	int rc = command(h, line, ans, err, errlen, unreachable);

	free(line);
	if (rc == 0 && fc_router_haproxy_parse_show(h->j, ans, err, errlen) < 0)
		return -1;
	return rc;
}

/*
 * Send `cmds` in lines of at most LINE_MAX_BYTES (joined by ';'); for each
 * command, answer(h, k, a, err, ctx) with its answer `a` ("" when
 * HAProxy said nothing, which is success; NULL when it gave none) or, when
 * the line could not be sent, the reason `err`.
 */
static void send_cmds(hap *h, char *const *cmds, size_t n,
		      void (*answer)(hap *h, size_t k, const char *a, const char *err, void *ctx), void *ctx)
{
	fc_buf line = FC_BUF_INIT, ans = FC_BUF_INIT;
	size_t from = 0;

	while (from < n) {
		size_t to = from;
		char err[300];
		int unreachable;
		fc_buf_clear(&line);
		while (to < n && (to == from || line.len < LINE_MAX_BYTES)) {
			fc_buf_printf(&line, "%s%s", to > from ? "; " : "", cmds[to]);
			to++;
		}
		if (command(h, fc_buf_cstr(&line), &ans, err, sizeof(err), &unreachable) < 0) {
			for (size_t k = from; k < to; k++)
				answer(h, k, NULL, err, ctx);
		} else {
			char **answers = fc_calloc(to - from + 1, sizeof(char *));
			size_t got = fc_router_haproxy_split_answers(ans.ptr ? ans.ptr : (char *)"", answers, to - from);
			for (size_t k = from; k < to; k++)
				answer(h, k, k - from < got ? answers[k - from] : NULL, NULL, ctx);
			free(answers);
		}
		from = to;
	}
	fc_buf_free(&line);
	fc_buf_free(&ans);
}

typedef struct {
	const size_t *idx;           /* want index per command */
	const char *const *verbs;    /* "set" or "add" per command */
	size_t *retry, *nretry;
} batch;

static void batch_answer(hap *h, size_t k, const char *a, const char *err, void *ctx)
{
	batch *b = ctx;
	fc_router_job *j = h->j;
	char fl[200];

	if (err) {
		fc_router_job_flag_error(j, b->idx[k], "%s", err);
	} else if (a && !*a) {
		return;
	} else if (a && !strncmp(a, "entry not found", 15) && !strcmp(b->verbs[k], "set")) {
		b->retry[(*b->nretry)++] = b->idx[k];
	} else if (!a) {
		fc_router_job_flag_error(j, b->idx[k], "haproxy gave no answer to '%s map'", b->verbs[k]);
	} else {
		fc_router_haproxy_first_line(a, fl, sizeof(fl));
		fc_router_job_flag_error(j, b->idx[k], "haproxy refused '%s map %s %s': %s%s", b->verbs[k], map_of(j->r),
					 j->want[b->idx[k]].flag, fl, fc_router_haproxy_hint(a));
	}
}

/*
 * Run `cmds` (want index per command, the verb in verbs).  Sets per-flag
 * errors; entries not found by 'set' are collected into retry (as indexes).
 */
static void run_batch(hap *h, const size_t *idx, const char *const *verbs, size_t n, size_t *retry, size_t *nretry)
{
	fc_router_job *j = h->j;
	char **cmds = fc_calloc(n + 1, sizeof(char *));
	batch b = { idx, verbs, retry, nretry };

	for (size_t k = 0; k < n; k++)
		cmds[k] = fc_asprintf("%s map %s %s %d", verbs[k], map_of(j->r), j->want[idx[k]].flag,
				      j->want[idx[k]].bp);
	send_cmds(h, cmds, n, batch_answer, &b);
	for (size_t k = 0; k < n; k++)
		free(cmds[k]);
	free(cmds);
}

/* ---- tenant pins: the second map ---- */

/*
 * The pins of one flag as HAProxy holds them: tenants and entry references
 * ("0x..." as 'show map' prints them) point into the answer.  Commands
 * about an entry name it by its reference (#0x...), never by the key the
 * router sent: a hostile key cannot become part of a command.
 */
typedef struct {
	char **in, **out, **in_ref, **out_ref;
	size_t nin, nout;
} hpins;

static void hpins_free(hpins *per, size_t n)
{
	for (size_t i = 0; per && i < n; i++) {
		free(per[i].in);
		free(per[i].out);
		free(per[i].in_ref);
		free(per[i].out_ref);
	}
	free(per);
}

static void hpins_add(char ***v, char ***refs, size_t *n, char *tenant, char *ref)
{
	*v = fc_realloc(*v, (*n + 1) * sizeof(char *));
	*refs = fc_realloc(*refs, (*n + 1) * sizeof(char *));
	(*v)[*n] = tenant;
	(*refs)[(*n)++] = ref;
}

/*
 * Parse 'show map <pin_map>' (modified in place) into per-want pins (an
 * array of j->nwant), keeping the entries of the wanted flags.  0, or -1
 * with err when HAProxy refused.
 */
static int parse_pins(const fc_router_job *j, fc_buf *ans, hpins *per, char *err, size_t errlen)
{
	char *line, *save = NULL;

	if (!ans->len) {
		snprintf(err, errlen, "haproxy gave no answer to 'show map %s'", j->r->pin_map);
		return -1;
	}
	if (ans->ptr[0] != '0' && ans->ptr[0] != '\n') {
		char fl[200];
		fc_router_haproxy_first_line(ans->ptr, fl, sizeof(fl));
		snprintf(err, errlen, "haproxy refused 'show map %s': %s%s", j->r->pin_map, fl,
			 fc_router_haproxy_hint(ans->ptr));
		return -1;
	}
	for (line = strtok_r(ans->ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ref, *key, *val, *colon, *s2 = NULL;
		long i;
		if (strncmp(line, "0x", 2) || !(ref = strtok_r(line, " ", &s2)) || !(key = strtok_r(NULL, " ", &s2)) ||
		    !(val = strtok_r(NULL, " \r", &s2)) || !(colon = strchr(key, ':')) || strlen(ref) > 18 ||
		    strspn(ref + 2, "0123456789abcdefABCDEF") != strlen(ref + 2) || !ref[2])
			continue;
		*colon = '\0';
		if ((i = fc_router_job_want_index(j, key)) < 0)
			continue;
		/* anything but "in" keeps the tenant off the new service: counted as out */
		if (!strcmp(val, "in"))
			hpins_add(&per[i].in, &per[i].in_ref, &per[i].nin, colon + 1, ref);
		else
			hpins_add(&per[i].out, &per[i].out_ref, &per[i].nout, colon + 1, ref);
	}
	return 0;
}

int fc_router_haproxy_parse_pins(fc_router_job *j, fc_buf *ans, char *err, size_t errlen)
{
	hpins *per = fc_calloc(j->nwant + 1, sizeof(*per));
	int rc;

	if ((rc = parse_pins(j, ans, per, err, errlen)) == 0)
		for (size_t i = 0; i < j->nwant; i++) {
			fc_rflag *s = (fc_rflag *)fc_router_job_find_seen(j, j->want[i].flag);
			if (s) {
				s->npin_in = per[i].nin;
				s->npin_out = per[i].nout;
				s->pin_crc = fc_pins_digest(per[i].in, per[i].nin, per[i].out, per[i].nout);
			}
		}
	hpins_free(per, j->nwant);
	return rc;
}

/* Read the pin map into the pins of the values seen (those of flags the router holds). */
static int read_pins(hap *h, fc_buf *ans, char *err, size_t errlen, int *unreachable)
{
	char *line;
	int rc;

	if (!h->j->r->pin_map)
		return 0;
	line = fc_asprintf("show map %s", h->j->r->pin_map);
	rc = command(h, line, ans, err, errlen, unreachable);
	free(line);
	return rc < 0 ? rc : fc_router_haproxy_parse_pins(h->j, ans, err, errlen);
}

/* A pin command's answer: an error goes to its flag (ctx: want index per command). */
static void pin_answer(hap *h, size_t k, const char *a, const char *err, void *ctx)
{
	const size_t *idx = ctx;
	char fl[200];

	if (a && !*a)
		return;
	fc_router_haproxy_first_line(err ? err : a ? a : "no answer", fl, sizeof(fl));
	fc_router_job_flag_error(h->j, idx[k], "pin map %s: %s%s", h->j->r->pin_map, fl,
				 a ? fc_router_haproxy_hint(a) : "");
}

/* Bring the pin map to the wanted pins of every flag: del, set, add what differs. */
static void push_pins(hap *h)
{
	fc_router_job *j = h->j;
	const char *pm = j->r->pin_map;
	fc_buf ans = FC_BUF_INIT;
	hpins *per = NULL;
	char **cmds = NULL, err[300], *line;
	size_t *idx = NULL, n = 0, cap = 0;
	int unreachable, any = 0;

	for (size_t i = 0; i < j->nwant; i++)
		any |= j->want[i].npin_in || j->want[i].npin_out;
	if (!pm) {
		for (size_t i = 0; i < j->nwant; i++)
			if (j->want[i].npin_in || j->want[i].npin_out)
				fc_router_job_flag_error(j, i, "flag '%s' has tenant pins, but router '%s' has no 'pin_map' "
							 "(ficus-routers(7): the second map, keyed '<flag>:<tenant>')",
							 j->want[i].flag, j->r->name);
		return;
	}
	line = fc_asprintf("show map %s", pm);
	if (command(h, line, &ans, err, sizeof(err), &unreachable) < 0 ||
	    parse_pins(j, &ans, per = fc_calloc(j->nwant + 1, sizeof(*per)), err, sizeof(err)) < 0) {
		for (size_t i = 0; i < j->nwant; i++)
			if (any)
				fc_router_job_flag_error(j, i, "pin map: %s", err);
		goto done;
	}
#define CMD(i, ...) do { \
		if (n == cap) { \
			cap = cap ? cap * 2 : 64; \
			cmds = fc_realloc(cmds, cap * sizeof(char *)); \
			idx = fc_realloc(idx, cap * sizeof(size_t)); \
		} \
		idx[n] = (i); \
		cmds[n++] = fc_asprintf(__VA_ARGS__); \
	} while (0)
	for (size_t i = 0; i < j->nwant; i++) {
		const fc_rflag *w = &j->want[i];
		hpins *p = &per[i];
		fc_tenants win = { (char **)w->pin_in, w->npin_in }, wout = { (char **)w->pin_out, w->npin_out };
		fc_tenants hin = { NULL, 0 }, hout = { NULL, 0 };
		/* what the router has that the plan does not, or on the other side (by reference) */
		for (int side = 0; side < 2; side++) {
			char **v = side ? p->out : p->in, **refs = side ? p->out_ref : p->in_ref;
			size_t nv = side ? p->nout : p->nin;
			for (size_t k = 0; k < nv; k++) {
				int want_in = fc_tenants_has(&win, v[k]), want_out = fc_tenants_has(&wout, v[k]);
				if (!want_in && !want_out)
					CMD(i, "del map %s #%s", pm, refs[k]);
				else if (side == 0 && want_out)
					CMD(i, "set map %s #%s out", pm, refs[k]);
				else if (side == 1 && want_in)
					CMD(i, "set map %s #%s in", pm, refs[k]);
			}
		}
		/* what the plan has that the router lacks: the keys are the plan's own tenants */
		hin.v = p->in;
		hin.n = p->nin;
		hout.v = p->out;
		hout.n = p->nout;
		fc_tenants_sort_borrowed(&hin);
		fc_tenants_sort_borrowed(&hout);
		for (size_t k = 0; k < w->npin_in; k++)
			if (!fc_tenants_has(&hin, w->pin_in[k]) && !fc_tenants_has(&hout, w->pin_in[k]))
				CMD(i, "add map %s %s:%s in", pm, w->flag, w->pin_in[k]);
		for (size_t k = 0; k < w->npin_out; k++)
			if (!fc_tenants_has(&hin, w->pin_out[k]) && !fc_tenants_has(&hout, w->pin_out[k]))
				CMD(i, "add map %s %s:%s out", pm, w->flag, w->pin_out[k]);
	}
#undef CMD
	if (n)
		send_cmds(h, cmds, n, pin_answer, idx);
done:
	for (size_t k = 0; k < n; k++)
		free(cmds[k]);
	free(cmds);
	free(idx);
	free(line);
	hpins_free(per, j->nwant);
	fc_buf_free(&ans);
}

static void push_one(hap *h)
{
	fc_router_job *j = h->j;
	fc_buf ans = FC_BUF_INIT;
	size_t *idx = fc_calloc(j->nwant + 1, sizeof(size_t)), *retry = fc_calloc(j->nwant + 1, sizeof(size_t));
	const char **verbs = fc_calloc(j->nwant + 1, sizeof(char *));
	size_t n = 0, nretry = 0;
	char err[300];
	int unreachable;

	if (show_map(h, &ans, err, sizeof(err), &unreachable) < 0) {
		fc_router_job_fail(j, unreachable, "%s", err);
		goto done;
	}
	for (size_t i = 0; i < j->nwant; i++) {
		const fc_rflag *s = fc_router_job_find_seen(j, j->want[i].flag);
		if (s && s->bp == j->want[i].bp)
			continue;
		idx[n] = i;
		verbs[n++] = s ? "set" : "add";
	}
	if (n)
		run_batch(h, idx, verbs, n, retry, &nretry);
	if (nretry) {
		size_t again = 0;
		for (size_t k = 0; k < nretry; k++)
			verbs[k] = "add";
		run_batch(h, retry, verbs, nretry, idx, &again);
	}
	push_pins(h);
	if (show_map(h, &ans, err, sizeof(err), &unreachable) < 0 ||
	    read_pins(h, &ans, err, sizeof(err), &unreachable) < 0)
		fc_router_job_fail(j, 0, "read-back failed: %s", err);
	for (size_t i = 0; h->map_errors && i < j->nwant; i++)
		if (h->map_errors[i])
			fc_router_job_flag_error(j, i, "%s", h->map_errors[i]);
done:
	fc_buf_free(&ans);
	free(idx);
	free(retry);
	free(verbs);
}

static void *thread_main(void *arg)
{
	hap *h = arg;
	int64_t start = fc_http_now_ms();

	if (!h->j->failed) {
		if (h->list_only) {
			fc_buf ans = FC_BUF_INIT;
			char err[300];
			int unreachable;
			if (show_map(h, &ans, err, sizeof(err), &unreachable) < 0 ||
			    read_pins(h, &ans, err, sizeof(err), &unreachable) < 0)
				fc_router_job_fail(h->j, unreachable, "%s", err);
			fc_buf_free(&ans);
		} else {
			push_one(h);
		}
	}
	h->j->ms = (long)(fc_http_now_ms() - start);
	return NULL;
}

static int cmp_want(const void *a, const void *b)
{
	return strcmp((*(const fc_rflag *const *)a)->flag, (*(const fc_rflag *const *)b)->flag);
}

/*
 * Rewrite the map file: the pushed flags get their values (first line of
 * a key replaced, later duplicates dropped, new keys appended), everything
 * else, comments included, is kept.  Written to a temporary file and
 * renamed.  0, or -1 with err.
 */
static int rewrite_map_file(const fc_router_conf *r, const fc_rflag *want, size_t n, char *err, size_t errlen)
{
	fc_buf old = FC_BUF_INIT, out = FC_BUF_INIT;
	unsigned char *done = fc_calloc(n + 1, 1);
	char *tmp = NULL, *next, *line;
	struct stat st;
	mode_t mode = 0644;
	int fd = -1, rc = -1;
	FILE *f;
	fc_rflag key;
	const fc_rflag *keyp = &key, **order = fc_calloc(n + 1, sizeof(*order));

	for (size_t i = 0; i < n; i++)
		order[i] = &want[i];
	qsort(order, n, sizeof(*order), cmp_want);

	if ((f = fopen(r->map_file, "rb"))) {
		char chunk[65536];
		size_t got;
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && old.len <= MAP_FILE_MAX)
			fc_buf_put(&old, chunk, got);
		if (fstat(fileno(f), &st) == 0)
			mode = st.st_mode & 07777;
		fclose(f);
		if (old.len > MAP_FILE_MAX) {
			snprintf(err, errlen, "map file '%s' is larger than %u bytes", r->map_file, MAP_FILE_MAX);
			goto done;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "cannot read map file '%s': %s", r->map_file, strerror(errno));
		goto done;
	}
	for (line = old.ptr; line && *line; line = next) {
		const char *p = line;
		size_t kl;
		long hit = -1;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		kl = strcspn(p, " \t\r");
		if (*p && *p != '#' && kl < sizeof(key.flag)) {
			const fc_rflag *const *found;
			memcpy(key.flag, p, kl);
			key.flag[kl] = '\0';
			if ((found = bsearch(&keyp, order, n, sizeof(*order), cmp_want)))
				hit = (long)(*found - want);
		}
		if (hit < 0) {
			fc_buf_printf(&out, "%s\n", line);
		} else if (!done[hit]) {
			fc_buf_printf(&out, "%s %d\n", want[hit].flag, want[hit].bp);
			done[hit] = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!done[i])
			fc_buf_printf(&out, "%s %d\n", want[i].flag, want[i].bp);
	tmp = fc_asprintf("%s.ficus-%ld.tmp", r->map_file, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, out.ptr ? out.ptr : "", out.len) != (ssize_t)out.len || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write map file '%s': %s", r->map_file, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto done;
	}
	fchmod(fd, mode);
	close(fd);
	if (rename(tmp, r->map_file) < 0) {
		snprintf(err, errlen, "cannot replace map file '%s': %s", r->map_file, strerror(errno));
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	free(order);
	free(tmp);
	free(done);
	fc_buf_free(&old);
	fc_buf_free(&out);
	return rc;
}

static void run(fc_router_job *jobs, size_t n, int list_only)
{
	hap *hs = fc_calloc(n + 1, sizeof(*hs));
	pthread_t *th = fc_calloc(n + 1, sizeof(*th));
	int *started = fc_calloc(n + 1, sizeof(int));
	char ***map_errors = fc_calloc(n + 1, sizeof(char **));
	unsigned seed = (unsigned)fc_http_now_ms();

	/* the map file, once per router (its replicas are consecutive jobs) */
	for (size_t i = 0; !list_only && i < n; i++) {
		const fc_router_conf *r = jobs[i].r;
		char err[400];
		if (!r->map_file || (i > 0 && jobs[i - 1].r == r) || jobs[i].failed)
			continue;
		if (rewrite_map_file(r, jobs[i].want, jobs[i].nwant, err, sizeof(err)) < 0) {
			char **errs = fc_calloc(jobs[i].nwant + 1, sizeof(char *));
			for (size_t k = 0; k < jobs[i].nwant; k++)
				errs[k] = fc_strdup(err);
			for (size_t k = i; k < n && jobs[k].r == r; k++)
				map_errors[k] = errs;
		}
	}
	for (size_t i = 0; i < n; i++) {
		hs[i].j = &jobs[i];
		hs[i].seed = seed + (unsigned)i * 7919u;
		hs[i].list_only = list_only;
		hs[i].map_errors = map_errors[i];
	}
	for (size_t i = 1; i < n; i++)
		started[i] = pthread_create(&th[i], NULL, thread_main, &hs[i]) == 0;
	if (n)
		thread_main(&hs[0]);
	for (size_t i = 1; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			thread_main(&hs[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (map_errors[i] && (i == 0 || map_errors[i - 1] != map_errors[i])) {
			for (size_t k = 0; k < jobs[i].nwant; k++)
				free(map_errors[i][k]);
			free(map_errors[i]);
		}
	}
	free(map_errors);
	free(started);
	free(th);
	free(hs);
}

static void push(fc_router_job *jobs, size_t n)
{
	run(jobs, n, 0);
}

static void list(fc_router_job *jobs, size_t n)
{
	run(jobs, n, 1);
}

static void describe(const fc_router_conf *r, const char *replica, const fc_rflag *want, size_t n, fc_buf *out)
{
	for (size_t i = 0; i < n; i++)
		fc_buf_printf(out, "router '%s' (haproxy) %s: set map %s %s %d (add map when new)\n", r->name, replica,
			      map_of(r), want[i].flag, want[i].bp);
	for (size_t i = 0; i < n; i++)
		if (want[i].npin_in || want[i].npin_out)
			fc_buf_printf(out, "router '%s' (haproxy) %s: pins of %s (in %zu, out %zu) into %s: "
				      "add/set/del map '%s:<tenant>' in|out\n", r->name, replica, want[i].flag,
				      want[i].npin_in, want[i].npin_out, r->pin_map ? r->pin_map : "(no pin_map!)",
				      want[i].flag);
	fc_buf_printf(out, "router '%s' (haproxy) %s: show map %s (read back)\n", r->name, replica, map_of(r));
	if (r->map_file && n)
		fc_buf_printf(out, "router '%s' (haproxy): rewrite %s\n", r->name, r->map_file);
}

static int check(const fc_router_conf *r, const char *what)
{
	if (!r->map && !r->map_file)
		return fc_error_set(FC_EPARSE, "%s: router '%s': the haproxy driver needs 'map' (the map file "
				    "HAProxy loaded, as its runtime API names it)", what, r->name);
	if (r->token_env || r->token_file)
		return fc_error_set(FC_EPARSE, "%s: router '%s': HAProxy's runtime API has no tokens: "
				    "protect the stats socket instead", what, r->name);
	if (r->prefix)
		return fc_error_set(FC_EPARSE, "%s: router '%s': 'prefix' is for the envoy driver", what, r->name);
	if (r->ca_file || !r->tls_verify)
		return fc_error_set(FC_EPARSE, "%s: router '%s': HAProxy's runtime API does not use TLS", what, r->name);
	return 0;
}

const fc_router_driver fc_router_driver_haproxy = {
	.name = "haproxy",
	.summary = "HAProxy runtime API: set map / add map, show map",
	.caps = { .pushes = 1, .sticky = 1, .granularity_bp = 1, .survives_restart = -1,
		  .revisions = 0, .shadow = 0, .pins = 1 },
	.check = check,
	.push = push,
	.list = list,
	.describe = describe,
};
