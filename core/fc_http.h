#ifndef FC_HTTP_H
#define FC_HTTP_H
/*
 * The one place that talks HTTP (libcurl).
 *
 * Requests run in parallel through one libcurl multi handle.  Every request
 * has a connect timeout and a deadline that covers all of its attempts, so
 * a router that accepts a connection and never answers holds ficus for the
 * deadline and no longer.  Responses are capped (FC_HTTP_MAX_RESPONSE by
 * default): a larger answer is cut off and reported, never buffered whole.
 * TLS peer and host verification are on unless a request turns them off.
 *
 * Nothing here logs.  A bearer token is only ever placed in the
 * Authorization header; error texts are built from libcurl's codes, and a
 * token that would still appear in one is masked.
 *
 * Threads: a session (fc_http) belongs to one thread; several sessions may
 * run in parallel threads.
 */
#include <stddef.h>
#include <stdint.h>

#include "fc_buf.h"

#define FC_HTTP_MAX_RESPONSE (1u << 20)

typedef struct fc_http fc_http;
typedef struct fc_http_req fc_http_req;

struct fc_http_req {
	/* request: borrowed, must live until the request is done */
	const char *method;        /* "GET", "PUT", "POST" */
	const char *url;
	const char *body;          /* NULL: no body */
	size_t body_len;
	const char *content_type;  /* of the body; NULL: application/json */
	const char *token;         /* bearer token or NULL; never logged */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
	const char *ca_file;       /* CA bundle for TLS, NULL: the system's */
	int tls_verify;            /* 1: verify the peer's certificate and name */
	long connect_timeout_ms;
	int64_t deadline_ms;       /* fc_http_now_ms() at which the request gives up,
				      retries included; 0: 5 seconds from the start */
	int retries;               /* extra attempts after a connection failure or 5xx/429 */
	size_t max_response;       /* 0: FC_HTTP_MAX_RESPONSE */
	/* called once when the request is done; it may add further requests */
	void (*done)(fc_http_req *r, void *ctx);
	void *ctx;

	/* result */
	long status;               /* HTTP status of the last attempt; 0: no answer */
	fc_buf resp;               /* body of the last answer (at most max_response bytes) */
	int failed;                /* no complete answer: see error */
	int unreachable;           /* failed to connect (refused, no route, connect timeout) */
	int timed_out;             /* connected, but no complete answer before the deadline */
	int too_large;             /* the answer was larger than max_response */
	int no_answer;             /* unreachable, timed out, or the connection broke before an answer */
	int attempts;
	long elapsed_ms;           /* from the first attempt to the end */
	char error[256];           /* one line, lower case, no token */

	/* private to fc_http.c */
	void *priv_easy;
	void *priv_headers;
	int64_t priv_start;
	int64_t priv_next_at;
	int priv_state;
	fc_http_req *priv_next;
};

/* Monotonic milliseconds, the clock of deadline_ms. */
int64_t fc_http_now_ms(void);

/* A session; aborts on allocation failure. */
fc_http *fc_http_new(void);
void fc_http_free(fc_http *h);

/* Queue a request (its result fields are reset).  The request is the caller's. */
void fc_http_add(fc_http *h, fc_http_req *r);

/*
 * Run every queued request, and those that done callbacks add, to the end.
 * Returns 0; FC_ERROR only when libcurl itself cannot work (the requests
 * are then all marked failed).
 */
int fc_http_run(fc_http *h);

/* Free a request's response buffer (the request itself is the caller's). */
void fc_http_req_clear(fc_http_req *r);

/* "Not Found" for 404 etc.; "" for an unknown code. */
const char *fc_http_reason(long status);

/*
 * Percent-encode `s` for a URL query or path segment (unreserved
 * characters kept).  Caller frees.
 */
char *fc_http_escape(const char *s);

#endif
