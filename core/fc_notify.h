#ifndef FC_NOTIFY_H
#define FC_NOTIFY_H
/*
 * Notifications (floor 3): the outbox of events for the plan's webhooks
 * (settings "webhooks", fc_settings.h) and their delivery.
 *
 * Invariants:
 * - an event is a row of the local table notify_event (migration 0010),
 *   never in the plan repository.  A change's event is written by a
 *   trigger in the same transaction as the change's journal row, and is
 *   deliverable only once that row has its commit, so a change that exists
 *   is announced and a change rolled back is not;
 * - delivery never runs under the plan lock and never delays a command:
 *   fc_notify_kick starts a detached deliverer (double fork, then this
 *   program again as "notify deliver", which calls fc_notify_deliver) and
 *   returns at once;
 * - delivery is at least once: every request carries the header
 *   "X-Ficus-Event: <id>" for receivers to drop repeats; a delivery row
 *   is claimed by one live deliverer (owner), tried up to three times with
 *   backoff (about 30 s in all), and recorded: attempts, last HTTP status,
 *   last error, time.  Rows a killed deliverer left are claimed again by
 *   the next kick; deliveries that gave up ('failed') are retried by
 *   'doctor --repair' (fc_notify_deliver);
 * - a webhook URL may be a secret (Slack's are): it is shown only as
 *   fc_webhook_url_shown() gives it, and neither it nor a token reaches an
 *   error text, a row or a log;
 * - the outbox is bounded: the newest FC_NOTIFY_KEEP finished events stay.
 */
#include <stddef.h>
#include <cjson/cJSON.h>

#include "fc_clock.h"
#include "fc_plan.h"
#include "fc_settings.h"

typedef struct fc_store fc_store;

#define FC_NOTIFY_KEEP 1000
#define FC_NOTIFY_ATTEMPTS 3

/*
 * Record an event outside a change: `kind` is an event name (gate-open,
 * drift, push-failed); `service` may be NULL; `text` is the one-line
 * summary a chat message shows; `detail` (may be NULL, copied) holds the
 * event's further facts.  For push-failed, `change_id` names the change
 * whose commit message, author and commit the event carries.  0 or the
 * store's error.
 */
int fc_notify_emit(fc_store *s, const char *kind, const char *service, const char *change_id, const char *text,
		   const cJSON *detail);

/*
 * A change that did not happen after all (it lost a race on the remote and
 * was set aside): its event is dropped unless a deliverer has already
 * taken it (a narrow window: the event then names a set-aside commit).
 */
int fc_notify_withdraw(fc_store *s, const char *change_id);

/*
 * After a command's work, outside the plan lock: make the delivery rows of
 * new deliverable events (for the webhooks configured now) and, when a
 * delivery is due, start the detached deliverer.  Never fails the caller:
 * returns 1 when a deliverer was started, else 0.
 */
int fc_notify_kick(fc_plan *p);

/*
 * Deliver in this process (doctor --repair): what is due, and with
 * `retry_failed` the deliveries that gave up too; `attempts` per delivery
 * (1..FC_NOTIFY_ATTEMPTS).  *report (caller frees) has one line per
 * delivery tried.  *failed counts those still not delivered.
 */
int fc_notify_deliver(fc_plan *p, int retry_failed, int attempts, char **report, int *failed);

/*
 * For 'doctor': webhooks a delivery would trip over (a url_file or token
 * file unreadable or too widely readable, a token variable unset), one
 * line each into *notes (caller frees; "" when none), counted in
 * *problems.  No secret in a line.
 */
int fc_notify_check_config(fc_store *s, char **notes, int *problems);

/* One webhook's deliveries, for status, doctor and 'notify list'. */
typedef struct {
	char *hook;
	long undelivered;     /* pending or failed */
	long failed;          /* gave up after their attempts */
	long delivered;
	int last_state;       /* of the newest delivery tried: 0 none, 1 delivered, -1 not */
	long last_status;     /* its HTTP status, 0: no answer */
	char *last_error;     /* its error ("" none) */
	fc_time last_at;      /* when it was tried, 0: never */
	int last_attempts;
} fc_notify_hook_state;

/*
 * The deliveries per webhook that has any (settings order is the
 * caller's).  Caller frees with fc_notify_states_free.
 */
int fc_notify_states(fc_store *s, fc_notify_hook_state **out, size_t *n);
void fc_notify_states_free(fc_notify_hook_state *st, size_t n);

/* The state of `hook` in a list (borrowed) or NULL. */
const fc_notify_hook_state *fc_notify_state_of(const fc_notify_hook_state *st, size_t n, const char *hook);

/*
 * "2 events not delivered to 'ops' (last: 503 Service Unavailable)" for a
 * webhook with undelivered events, else NULL.  Caller frees.
 */
char *fc_notify_state_line(const fc_notify_hook_state *st);

/* The answer of one request sent now ('notify test'). */
typedef struct {
	int delivered;
	long status;
	long ms;
	char error[256];      /* masked */
	char url[256];        /* as shown */
} fc_notify_answer;

/*
 * Send one event to `hook` now, once, and say how it answered: the test
 * event of 'ficus notify test' (not recorded in the outbox).  With
 * `dry_run`, build the request only: *payload (caller frees, may be NULL)
 * receives the body either way.  FC_ENOTFOUND for an unknown webhook
 * ("did you mean"); 0 otherwise, the answer in *out.
 */
int fc_notify_send_test(fc_plan *p, const char *hook, const char *actor, int dry_run, fc_notify_answer *out,
			char **payload);

#endif
