/*
 * HTTP through libcurl's multi interface.
 *
 * A request is queued, started (one easy handle, options set from the
 * request), and when it ends it is either retried after a backoff (a
 * connection failure, a 5xx or 429 answer, while attempts and time remain)
 * or finished and handed to its done callback.  Time is a per-request
 * deadline over all attempts: CURLOPT_TIMEOUT_MS of an attempt is what
 * remains of it, so retries never stretch the total.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_http.h"

#ifndef FICUS_VERSION
#define FICUS_VERSION "0"
#endif

#define MAX_ACTIVE 64           /* transfers running at once in one session */
#define MAX_PER_HOST 8          /* connections to one host at once */
#define DEFAULT_DEADLINE_MS 5000
#define BACKOFF_FIRST_MS 100

enum { ST_QUEUED, ST_WAITING, ST_ACTIVE, ST_DONE };

struct fc_http {
	CURLM *multi;
	fc_http_req *queue;        /* to start (FIFO) */
	fc_http_req *queue_tail;
	fc_http_req *waiting;      /* retry after backoff (unordered) */
	int active;
	fc_http_req **all;         /* every request added, for a fatal failure */
	size_t nall, capall;
	unsigned seed;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int64_t fc_http_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

fc_http *fc_http_new(void)
{
	fc_http *h = fc_calloc(1, sizeof(*h));

	pthread_once(&global_once, global_init);
	if (global_rc == 0)
		h->multi = curl_multi_init();
	if (h->multi) {
		curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_PER_HOST);
		curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)MAX_ACTIVE);
	}
	h->seed = (unsigned)fc_http_now_ms() ^ (unsigned)(uintptr_t)h;
	return h;
}

static void release_easy(fc_http *h, fc_http_req *r)
{
	if (r->priv_easy) {
		if (h && h->multi && r->priv_state == ST_ACTIVE)
			curl_multi_remove_handle(h->multi, r->priv_easy);
		curl_easy_cleanup(r->priv_easy);
		r->priv_easy = NULL;
	}
	if (r->priv_headers) {
		curl_slist_free_all(r->priv_headers);
		r->priv_headers = NULL;
	}
}

void fc_http_free(fc_http *h)
{
	if (!h)
		return;
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->all);
	free(h);
}

void fc_http_req_clear(fc_http_req *r)
{
	if (r)
		fc_buf_free(&r->resp);
}

static void enqueue(fc_http *h, fc_http_req *r)
{
	r->priv_state = ST_QUEUED;
	r->priv_next = NULL;
	if (h->queue_tail)
		h->queue_tail->priv_next = r;
	else
		h->queue = r;
	h->queue_tail = r;
}

void fc_http_add(fc_http *h, fc_http_req *r)
{
	fc_buf_free(&r->resp);
	r->status = 0;
	r->failed = r->unreachable = r->timed_out = r->too_large = r->no_answer = 0;
	r->attempts = 0;
	r->elapsed_ms = 0;
	r->error[0] = '\0';
	r->priv_easy = r->priv_headers = NULL;
	r->priv_start = fc_http_now_ms();
	r->priv_next_at = 0;
	if (r->deadline_ms <= 0)
		r->deadline_ms = r->priv_start + DEFAULT_DEADLINE_MS;
	if (h->nall == h->capall) {
		h->capall = h->capall ? h->capall * 2 : 16;
		h->all = fc_realloc(h->all, h->capall * sizeof(*h->all));
	}
	h->all[h->nall++] = r;
	enqueue(h, r);
}

static void set_error(fc_http_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(fc_http_req *r, const char *fmt, ...)
{
	char tmp[sizeof(r->error)], *clean;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	fc_mask_secret(tmp, r->token);
	clean = fc_sanitize(tmp, 0);
	snprintf(r->error, sizeof(r->error), "%s", clean);
	free(clean);
}

static size_t write_cb(char *data, size_t size, size_t n, void *ctx)
{
	fc_http_req *r = ctx;
	size_t len = size * n, cap = r->max_response ? r->max_response : FC_HTTP_MAX_RESPONSE;

	if (r->resp.len + len > cap) {
		r->too_large = 1;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	fc_buf_put(&r->resp, data, len);
	return len;
}

static int start(fc_http *h, fc_http_req *r)
{
	CURL *e = curl_easy_init();
	struct curl_slist *hdrs = NULL, *tmp;
	int64_t now = fc_http_now_ms(), left = r->deadline_ms - now;
	long ct = r->connect_timeout_ms > 0 ? r->connect_timeout_ms : 2000;
	char line[256];

	if (!e)
		return -1;
	if (left < 1)
		left = 1;
	if (ct > left)
		ct = (long)left;
	r->attempts++;
	fc_buf_free(&r->resp);
	r->too_large = 0;
	r->status = 0;

	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ct);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)(r->max_response ? r->max_response : FC_HTTP_MAX_RESPONSE));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ficus/" FICUS_VERSION);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, r->tls_verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, r->tls_verify ? 2L : 0L);
	if (r->ca_file && *r->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
	if (!strcmp(r->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->body ? r->body_len : 0));
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (r->body) {
		snprintf(line, sizeof(line), "Content-Type: %s", r->content_type ? r->content_type : "application/json");
		hdrs = curl_slist_append(hdrs, line);
	} else if (strcmp(r->method, "GET")) {
		hdrs = curl_slist_append(hdrs, "Content-Type:");
	}
	for (const char *const *x = r->headers; x && *x; x++)
		hdrs = curl_slist_append(hdrs, *x);
	if (r->token && *r->token) {
		char *auth = fc_asprintf("Authorization: Bearer %s", r->token);
		tmp = curl_slist_append(hdrs, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
		hdrs = tmp;
	}
	if (!hdrs) {
		curl_easy_cleanup(e);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	r->priv_easy = e;
	r->priv_headers = hdrs;
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		release_easy(h, r);
		return -1;
	}
	r->priv_state = ST_ACTIVE;
	h->active++;
	return 0;
}

static void finish(fc_http *h, fc_http_req *r)
{
	release_easy(h, r);
	r->priv_state = ST_DONE;
	r->elapsed_ms = (long)(fc_http_now_ms() - r->priv_start);
	if (r->done)
		r->done(r, r->ctx);
}

static void lower_first(char *s)
{
	if (s[0] && isupper((unsigned char)s[0]) && !isupper((unsigned char)s[1]))
		s[0] = (char)tolower((unsigned char)s[0]);
}

/* Describe a transfer that ended without a usable answer. */
static void classify(fc_http_req *r, CURL *e, CURLcode code, int *retryable)
{
	long oserr = 0, ms = (long)(fc_http_now_ms() - r->priv_start);
	double connect_time = 0;
	char os[128];

	*retryable = 0;
	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(e, CURLINFO_CONNECT_TIME, &connect_time);
	snprintf(os, sizeof(os), "%s", oserr ? strerror((int)oserr) : "");
	lower_first(os);
	r->failed = 1;
	switch (code) {
	case CURLE_COULDNT_CONNECT:
		r->unreachable = 1;
		*retryable = 1;
		if (oserr == ECONNREFUSED)
			set_error(r, "connection refused");
		else
			set_error(r, "cannot connect%s%s", *os ? ": " : "", os);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		r->unreachable = 1;
		*retryable = 1;
		set_error(r, "cannot resolve the host name");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		if (connect_time <= 0) {
			r->unreachable = 1;
			set_error(r, "cannot connect: timed out after %ld ms", ms);
		} else {
			r->timed_out = 1;
			set_error(r, "no answer: timed out after %ld ms", ms);
		}
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		r->too_large = 1;
		set_error(r, "answer larger than %zu bytes: cut off",
			  r->max_response ? r->max_response : (size_t)FC_HTTP_MAX_RESPONSE);
		break;
	case CURLE_GOT_NOTHING:
		*retryable = 1;
		set_error(r, "connection closed without an answer");
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		*retryable = 1;
		set_error(r, "connection broken%s%s", *os ? ": " : "", os);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
		set_error(r, "TLS: the router's certificate is not trusted (set 'ca_file', or 'tls_verify': false)");
		break;
	case CURLE_SSL_CACERT_BADFILE:
		set_error(r, "TLS: cannot read the CA file");
		break;
	case CURLE_SSL_CONNECT_ERROR:
		set_error(r, "TLS handshake failed");
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		set_error(r, "unsupported protocol (only http and https)");
		break;
	default:
		set_error(r, "%s", curl_easy_strerror(code));
		lower_first(r->error);
		break;
	}
	r->no_answer = r->unreachable || r->timed_out || code == CURLE_GOT_NOTHING || code == CURLE_SEND_ERROR ||
		       code == CURLE_RECV_ERROR;
}

static int64_t backoff_ms(fc_http *h, int attempt)
{
	int64_t b = BACKOFF_FIRST_MS;
	for (int i = 1; i < attempt && b < 5000; i++)
		b *= 2;
	return b + (int64_t)(rand_r(&h->seed) % (unsigned)(b / 2 + 1));
}

static void completed(fc_http *h, CURL *e, CURLcode code)
{
	fc_http_req *r = NULL;
	int retry = 0;
	int64_t now = fc_http_now_ms(), at;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
	if (!r)
		return;
	curl_multi_remove_handle(h->multi, e);
	h->active--;
	r->priv_state = ST_WAITING;
	if (code == CURLE_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
		r->failed = r->unreachable = r->timed_out = r->no_answer = 0;
		r->error[0] = '\0';
		retry = r->status >= 500 || r->status == 429;
	} else {
		classify(r, e, code, &retry);
	}
	release_easy(h, r);
	at = now + backoff_ms(h, r->attempts);
	if (retry && r->attempts <= r->retries && at < r->deadline_ms) {
		r->priv_next_at = at;
		r->priv_next = h->waiting;
		h->waiting = r;
		return;
	}
	finish(h, r);
}

/* Start what may start: due retries first, then the queue. */
static void start_ready(fc_http *h, int64_t now)
{
	fc_http_req **pp = &h->waiting, *r;

	while ((r = *pp)) {
		if (r->priv_next_at <= now && h->active < MAX_ACTIVE) {
			*pp = r->priv_next;
			if (start(h, r) < 0) {
				r->failed = 1;
				set_error(r, "cannot start the request (libcurl)");
				finish(h, r);
			}
			pp = &h->waiting; /* finish may have added to the list */
			continue;
		}
		pp = &r->priv_next;
	}
	while (h->queue && h->active < MAX_ACTIVE) {
		r = h->queue;
		h->queue = r->priv_next;
		if (!h->queue)
			h->queue_tail = NULL;
		if (now >= r->deadline_ms) {
			r->failed = 1;
			r->timed_out = r->no_answer = 1;
			set_error(r, "timed out before it could start");
			finish(h, r);
		} else if (start(h, r) < 0) {
			r->failed = 1;
			set_error(r, "cannot start the request (libcurl)");
			finish(h, r);
		}
	}
}

static void fail_all(fc_http *h)
{
	fc_http_req *r;

	while ((r = h->queue)) {
		h->queue = r->priv_next;
		r->failed = 1;
		set_error(r, "libcurl is not usable");
		finish(h, r);
	}
	h->queue_tail = NULL;
	while ((r = h->waiting)) {
		h->waiting = r->priv_next;
		finish(h, r);
	}
}

int fc_http_run(fc_http *h)
{
	int running = 0;

	if (!h->multi) {
		fail_all(h);
		return fc_error_set(FC_ERROR, "libcurl cannot be initialised");
	}
	for (;;) {
		int64_t now = fc_http_now_ms();
		long wait = 200;
		CURLMsg *msg;
		int left;

		start_ready(h, now);
		if (!h->active && !h->waiting && !h->queue)
			break;
		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(h->multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				completed(h, msg->easy_handle, msg->data.result);
		if (!h->active && !h->waiting && !h->queue)
			break;
		now = fc_http_now_ms();
		for (fc_http_req *r = h->waiting; r; r = r->priv_next)
			if (r->priv_next_at - now < wait)
				wait = (long)(r->priv_next_at - now);
		if (h->queue)
			wait = 0;
		if (wait < 0)
			wait = 0;
		if (h->active) {
			long curl_wait = -1;
			curl_multi_timeout(h->multi, &curl_wait);
			if (curl_wait >= 0 && curl_wait < wait)
				wait = curl_wait;
			curl_multi_poll(h->multi, NULL, 0, (int)wait, NULL);
		} else if (wait > 0) {
			struct timespec ts = { wait / 1000, (wait % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	/* only after a multi failure: finish whatever is left */
	if (h->active || h->waiting || h->queue) {
		fail_all(h);
		for (size_t i = 0; i < h->nall; i++) {
			fc_http_req *r = h->all[i];
			if (r->priv_state == ST_ACTIVE) {
				r->failed = 1;
				set_error(r, "libcurl failed");
				finish(h, r);
			}
		}
		h->active = 0;
		h->nall = 0;
		return fc_error_set(FC_ERROR, "libcurl failed while running requests");
	}
	h->nall = 0;
	return 0;
}

const char *fc_http_reason(long status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "";
}

char *fc_http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	fc_buf b = FC_BUF_INIT;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			fc_buf_putc(&b, (char)*p);
		} else {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			fc_buf_put(&b, enc, 3);
		}
	}
	return fc_buf_detach(&b);
}
