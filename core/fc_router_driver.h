#ifndef FC_ROUTER_DRIVER_H
#define FC_ROUTER_DRIVER_H
/*
 * The router driver interface, for the router modules (fc_rconf.c,
 * fc_router.c) and the drivers (fc_router_<driver>.c) only; the shared
 * helpers are in fc_router_driver.c.
 *
 * A driver is a table of functions.  The engine (fc_router.c) resolves the
 * configuration and the token, builds one job per replica, and hands a
 * driver all of its jobs at once: the driver runs them in parallel (libcurl
 * multi for HTTP, a thread per replica for socket protocols), each within
 * its deadline, and fills in the results; a job the engine has already
 * failed (its token could not be read) is skipped.  Drivers never touch the
 * database, the plan or the last-error buffer (they may run on threads),
 * and never put a token into a message.
 *
 * Adding a driver: one file defining a `const fc_router_driver`, one line
 * in the registry in fc_rconf.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "fc_buf.h"

/* What a driver can do, reported by 'ficus router list'. */
typedef struct {
	int pushes;           /* 0: the none driver, nothing is pushed */
	int sticky;           /* 1: per tenant (SPEC 1 rule); 0: per request */
	int granularity_bp;   /* smallest step in basis points (1 = 0.01%) */
	int survives_restart; /* 1 yes, 0 no, -1 depends (map_file, the server) */
	int revisions;        /* the router refuses an older revision */
	int shadow;           /* shadow (mirroring) is applied */
	int pins;             /* tenant pins are applied (SPEC 3) */
	int compare;          /* shadow compare: the "compare" member and shadow_stats */
} fc_router_caps;

#define FC_ROUTER_MAX_REPLICAS 64

/* A flag value: desired (push) or observed (read back, list). */
typedef struct {
	char flag[64];
	int bp;
	int shadow;
	long long rev;        /* -1: the router keeps no revision */
	/* tenant pins: push, the lists (borrowed, sorted); seen, only the counts and digest */
	char *const *pin_in;
	char *const *pin_out;
	size_t npin_in, npin_out;
	uint32_t pin_crc;     /* fc_pins_digest of the lists; 0 without pins */
	const char *compare;  /* desired: the protocol's "compare" member (borrowed), NULL: off */
} fc_rflag;

/* 1 when two flag values hold the same pins (counts and digest). */
int fc_rflag_pins_equal(const fc_rflag *a, const fc_rflag *b);

typedef struct fc_router_driver fc_router_driver;

/* One configured router, parsed from the settings. */
typedef struct {
	char *name;
	const fc_router_driver *drv;
	char **replicas;
	size_t nreplicas;
	char *map;
	char *map_file;
	char *pin_map;        /* haproxy: the map of tenant pins, keys "<flag>:<tenant>" */
	char *prefix;
	char *token_env;
	char *token_file;
	char *ca_file;
	int tls_verify;
	long connect_timeout_ms;
	long timeout_ms;
	int retries;
	/* resolved for one run, never stored or printed */
	char *token;
	char token_error[256];
} fc_router_conf;

/* The work on one replica, and its result. */
typedef struct {
	const fc_router_conf *r;
	const char *replica;
	const fc_rflag *want;     /* push: the desired values */
	size_t nwant;
	int64_t deadline_ms;      /* fc_http_now_ms() clock */

	int failed;               /* the operation did not complete: msg says why */
	int unreachable;          /* the replica could not be reached at all */
	char msg[512];
	fc_rflag *seen;           /* what the router has (read back or listed) */
	size_t nseen;
	size_t seen_sorted;       /* private: seen[0..seen_sorted) is sorted by flag */
	int seen_valid;           /* seen is a complete read of the named (push) or all (list) flags */
	unsigned char *newer;     /* push, per want: refused for a newer revision */
	char **flag_error;        /* push, per want: why that flag failed, or NULL */
	int attempts;
	long ms;
	char *stats;              /* shadow_stats: the answer for want[0], compact JSON (checked) */
} fc_router_job;

struct fc_router_driver {
	const char *name;
	const char *summary;
	fc_router_caps caps;
	/* driver-specific settings checks; the engine has checked the common ones */
	int (*check)(const fc_router_conf *r, const char *what);
	/* push job->want to each replica, then read them back into seen */
	void (*push)(fc_router_job *jobs, size_t n);
	/* read every flag of each replica into seen */
	void (*list)(fc_router_job *jobs, size_t n);
	/* the calls a push of `want` would make, one line each */
	void (*describe)(const fc_router_conf *r, const char *replica,
			 const fc_rflag *want, size_t n, fc_buf *out);
	/*
	 * optional (caps.compare): read each replica's shadow compare counters
	 * of want[0] into stats, {"compared","matched","mismatched",
	 * "not_compared","since","recent":[{"path","reason","at"}]}
	 */
	void (*shadow_stats)(fc_router_job *jobs, size_t n);
};

extern const fc_router_driver fc_router_driver_haproxy;
extern const fc_router_driver fc_router_driver_nginx_lua;
extern const fc_router_driver fc_router_driver_http;
extern const fc_router_driver fc_router_driver_envoy;
extern const fc_router_driver fc_router_driver_none;

/* ---- helpers for drivers (thread-safe) ---- */

/* Mark the job failed (first message wins); masks the router's token. */
void fc_router_job_fail(fc_router_job *j, int unreachable, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set the error of want[i] (first wins); also the job's message if it has none. */
void fc_router_job_flag_error(fc_router_job *j, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record an observed value (a router listing a flag twice: one of them counts). */
void fc_router_job_seen(fc_router_job *j, const char *flag, int bp, int shadow, long long rev);

/* Set the pins of the value recorded last (fc_router_job_seen): their counts and digest. */
void fc_router_job_seen_pins(fc_router_job *j, char *const *in, size_t nin, char *const *out, size_t nout);

/* Forget the observed values (before a new read). */
void fc_router_job_clear_seen(fc_router_job *j);

/* Order two fc_rflag by flag name (qsort, bsearch). */
int fc_rflag_cmp(const void *a, const void *b);

/* Index of `flag` in want, or -1. */
long fc_router_job_want_index(const fc_router_job *j, const char *flag);

/* The observed value of `flag`, or NULL (sorts seen on first use: O(log n)). */
const fc_rflag *fc_router_job_find_seen(fc_router_job *j, const char *flag);

/* Milliseconds left before the job's deadline (may be <= 0). */
int64_t fc_router_job_left(const fc_router_job *j);

/* Backoff before attempt `attempt` (2, 3, ...), with jitter. */
int64_t fc_router_backoff_ms(int attempt, unsigned *seed);

/*
 * Parse a protocol v1 flag object {"bp":N,"shadow":B,"rev":N}.  0, or -1
 * with a reason in err.
 */
int fc_router_parse_v1(const cJSON *obj, int *bp, int *shadow, long long *rev, char *err, size_t errlen);

/*
 * Parse the "pins" member of a protocol v1 flag object (absent: no pins)
 * into the counts and digest of *f.  0, or -1 with a reason in err for
 * anything but {"in":[tenant...],"out":[tenant...]} with valid tenants.
 */
int fc_router_parse_v1_pins(const cJSON *obj, fc_rflag *f, char *err, size_t errlen);

/* Append the "pins" member of a protocol v1 flag object for `w` (",\"pins\":{...}"), if it has pins. */
void fc_router_v1_pins_json(fc_buf *b, const fc_rflag *w);

/* An http(s) replica URL without trailing slashes, for building paths (caller frees). */
char *fc_router_base_url(const char *replica);

/* Refuse haproxy's keys ('map', 'map_file') on another driver: FC_EPARSE naming `what`. */
int fc_router_check_no_map(const fc_router_conf *r, const char *what);

/* ---- helpers for HTTP drivers (fc_router_http.c, fc_router_envoy.c) ---- */

typedef struct fc_http fc_http;
typedef struct fc_http_req fc_http_req;

/* What every HTTP driver's per-replica state starts with. */
typedef struct {
	fc_router_job *j;
	fc_http *h;           /* the run's transfers (libcurl multi) */
	char *base;           /* the replica's URL, no trailing slash */
} fc_router_hjob;

/*
 * Run an HTTP driver's jobs in parallel: per job, a zeroed state of
 * `state_size` bytes whose first member is an fc_router_hjob is filled in
 * and handed to start() (not for a job the engine failed already), which
 * adds its requests to ->h; then every transfer runs to its end, each
 * job's time is taken, and end() releases what start() and the callbacks
 * kept (called for every job).
 */
void fc_router_http_run(fc_router_job *jobs, size_t n, size_t state_size,
			void (*start)(fc_router_hjob *s), void (*end)(fc_router_hjob *s));

/*
 * Set up a request of job j: method, url, body (NULL: none), the router's
 * token, TLS settings, timeouts, retries and the job's deadline; done(r,
 * ctx) is called when it ends.  The strings are borrowed until then.
 */
void fc_router_http_req(fc_http_req *r, const fc_router_job *j, const char *method, const char *url,
			const char *body, void (*done)(fc_http_req *, void *), void *ctx);

/* Count an answer's attempts on its job (the most any request took). */
void fc_router_job_attempts(fc_router_job *j, const fc_http_req *q);

/*
 * Why an answer to `what` is not what was wanted, one line into out: the
 * transfer's error, a token refused or wanted (401, 403), `not_found` for
 * a 404, else the status.  Never the body (a router may echo the token).
 */
void fc_router_http_problem(char *out, size_t len, const fc_router_job *j, const fc_http_req *q, const char *what,
			    const char *not_found);

#endif
