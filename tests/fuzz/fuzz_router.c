/* Fuzz the parsers of router answers (core/fc_router_parse.h).  The first
 * byte picks the parser (the digits 0 to 9 pick their own number), the
 * rest is what the router sent.  Whatever it sent: every flag that reaches
 * `seen` has a printable, non-empty name that fits fc_rflag.flag and
 * values in range, and every message fits its buffer and is printable. */
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_router_parse.h"

enum {
	V1_LIST,         /* GET /v1/flags */
	V1_OBJECT,       /* GET or PUT /v1/flags/<flag> */
	V1_ERROR,        /* any other status: {"error":"..."} */
	ENVOY_RUNTIME,   /* GET /runtime, the default prefix */
	ENVOY_PREFIX,    /* GET /runtime, the prefix on the first line */
	ENVOY_VALUE,     /* one runtime entry */
	HAPROXY_ANSWERS, /* the answers to a line of set/add map commands */
	HAPROXY_SHOW,    /* show map */
	V1_PINS,         /* the "pins" member of a flag object */
	HAPROXY_PINS,    /* show map of the pin map */
	NPARSERS
};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len);
const char *__ubsan_default_options(void);

/* undefined behaviour is a crash, not a line in the log */
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

/* Printable: what fc_sanitize leaves as it is. */
static int printable(const char *s)
{
	char *clean = fc_sanitize(s, 0);
	int same = !strcmp(clean, s);

	free(clean);
	return same;
}

static void check_msg(const char *msg, size_t cap)
{
	if (!memchr(msg, '\0', cap) || !*msg || !printable(msg))
		abort();
}

static void check_seen(const fc_router_job *j, long long min_rev)
{
	for (size_t i = 0; i < j->nseen; i++) {
		const fc_rflag *f = &j->seen[i];
		if (!memchr(f->flag, '\0', sizeof(f->flag)) || !f->flag[0] || !printable(f->flag))
			abort();
		if (f->bp < 0 || f->bp > 10000 || (f->shadow != 0 && f->shadow != 1) || f->rev < min_rev)
			abort();
	}
}

/* The answer as a driver holds it: exactly len bytes and a NUL (ASan sees
 * any read past them), no buffer at all when nothing came. */
static fc_buf answer(const unsigned char *p, size_t n)
{
	fc_buf b = FC_BUF_INIT;

	if (n) {
		b.ptr = fc_malloc(n + 1);
		memcpy(b.ptr, p, n);
		b.ptr[n] = '\0';
		b.len = n;
		b.cap = n + 1;
	}
	return b;
}

static void v1_masked(const fc_buf *b)
{
	char *msg = fc_strndup(b->ptr ? b->ptr : "", b->len);

	fc_mask_secret(msg, "Fuzz-Token");
	if (strcasestr(msg, "fuzz-token") || strstr(msg, "RnV6ei1Ub2tlb"))
		abort();
	free(msg);
}

static void v1_object(const fc_buf *b)
{
	cJSON *doc = b->len ? cJSON_ParseWithLength(b->ptr, b->len) : NULL;
	char err[512];
	int bp, shadow;
	long long rev;

	if (!doc)
		return;
	if (fc_router_parse_v1(doc, &bp, &shadow, &rev, err, sizeof(err)) < 0)
		check_msg(err, sizeof(err));
	else if (bp < 0 || bp > 10000 || (shadow != 0 && shadow != 1) || rev < 0 || rev > 9007199254740991LL)
		abort();
	cJSON_Delete(doc);
}


/* The pins member: counts within what the lists can hold, a message that fits. */
static void v1_pins(const fc_buf *b)
{
	cJSON *doc = b->len ? cJSON_ParseWithLength(b->ptr, b->len) : NULL;
	char err[512];
	fc_rflag f;

	if (!doc)
		return;
	if (fc_router_parse_v1_pins(doc, &f, err, sizeof(err)) < 0)
		check_msg(err, sizeof(err));
	else if (f.npin_in > 10000 || f.npin_out > 10000 || (!f.npin_in && !f.npin_out && f.pin_crc))
		abort();
	cJSON_Delete(doc);
}

/* The pin map of flags "tracking" and "a": counted onto the values seen, never past the entries. */
static void haproxy_pins(fc_router_job *j, fc_buf *b)
{
	static const fc_rflag want[2] = { { "a", 0, 0, 0, NULL, NULL, 0, 0, 0 },
					  { "tracking", 0, 0, 0, NULL, NULL, 0, 0, 0 } };
	char err[300];
	size_t lines = 0;

	for (size_t i = 0; i < b->len; i++)
		lines += b->ptr[i] == '\n';
	j->want = want;
	j->nwant = 2;
	fc_router_job_seen(j, "tracking", 100, 0, -1);
	fc_router_job_seen(j, "a", 0, 0, -1);
	if (fc_router_haproxy_parse_pins(j, b, err, sizeof(err)) < 0) {
		check_msg(err, sizeof(err));
		return;
	}
	for (size_t i = 0; i < j->nseen; i++)
		if (j->seen[i].npin_in + j->seen[i].npin_out > lines + 1)
			abort();
}

static void envoy_value(const fc_buf *b)
{
	cJSON *doc = b->len ? cJSON_ParseWithLength(b->ptr, b->len) : NULL;
	long long v;

	fc_router_envoy_parse_value(doc, &v);
	cJSON_Delete(doc);
}

/* The prefix a router may be configured with: up to 64 of a-z0-9._- */
static char *envoy_prefix(fc_buf *b)
{
	char *nl = b->len ? memchr(b->ptr, '\n', b->len) : NULL;
	size_t n = nl ? (size_t)(nl - b->ptr) : 0;
	char *pre;

	if (!nl || n > 64 || strspn(b->ptr, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return NULL;
	pre = fc_strndup(b->ptr, n);
	b->len -= n + 1;
	memmove(b->ptr, nl + 1, b->len + 1);
	return pre;
}

static void haproxy_answers(fc_buf *b, size_t max)
{
	char *text = b->ptr ? b->ptr : (char *)"", **out = fc_calloc(max + 1, sizeof(char *));
	size_t n = fc_router_haproxy_split_answers(text, out, max);

	if (n > max)
		abort();
	for (size_t i = 0; i < n; i++) {
		char fl[200], tiny[8];
		if (out[i] < text || out[i] + strlen(out[i]) > text + b->len)
			abort();
		fc_router_haproxy_first_line(out[i], fl, sizeof(fl));
		if (!memchr(fl, '\0', sizeof(fl)) || strlen(fl) > 160 || !printable(fl))
			abort();
		fc_router_haproxy_first_line(out[i], tiny, sizeof(tiny));
		if (!memchr(tiny, '\0', sizeof(tiny)) || !printable(tiny))
			abort();
		if (!fc_router_haproxy_hint(out[i]))
			abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	fc_router_conf conf;
	fc_router_job j;
	fc_buf b;
	char err[512];
	int which;

	if (!len)
		return 0;
	which = data[0] % 16 % NPARSERS; /* '0' is 48: the digits keep their number */
	b = answer(data + 1, len - 1);
	memset(&conf, 0, sizeof(conf));
	conf.name = "edge";
	conf.map = "/etc/haproxy/flags.map";
	memset(&j, 0, sizeof(j));
	j.r = &conf;
	j.replica = "http://127.0.0.1:9";
	err[0] = '\0';

	switch (which) {
	case V1_LIST:
		if (fc_router_http_parse_list(&j, &b, err, sizeof(err)) < 0)
			check_msg(err, sizeof(err));
		check_seen(&j, 0);
		break;
	case V1_OBJECT:
		v1_object(&b);
		break;
	case V1_ERROR: /* an error body masked: no form of the token is left */
		v1_masked(&b);
		break;
	case ENVOY_RUNTIME:
	case ENVOY_PREFIX:
		if (which == ENVOY_PREFIX && !(conf.prefix = envoy_prefix(&b)))
			break;
		if (fc_router_envoy_parse_runtime(&j, &b, err, sizeof(err)) < 0)
			check_msg(err, sizeof(err));
		check_seen(&j, -1);
		free(conf.prefix);
		break;
	case ENVOY_VALUE:
		envoy_value(&b);
		break;
	case HAPROXY_ANSWERS:
		/* a line of up to 16 commands, as run_batch sends them */
		haproxy_answers(&b, b.len ? 1 + (unsigned char)b.ptr[0] % 16 : 1);
		break;
	case HAPROXY_SHOW:
		/* the driver's buffer is 300 bytes */
		if (fc_router_haproxy_parse_show(&j, &b, err, 300) < 0) {
			check_msg(err, 300);
		} else {
			if (!j.seen_valid)
				abort();
			check_seen(&j, -1);
		}
		break;
	case V1_PINS:
		v1_pins(&b);
		break;
	case HAPROXY_PINS:
		conf.pin_map = "/etc/haproxy/pins.map";
		haproxy_pins(&j, &b);
		break;
	}
	free(j.seen);
	fc_buf_free(&b);
	return 0;
}
