#ifndef FC_ROUTER_PARSE_H
#define FC_ROUTER_PARSE_H
/*
 * The parsers of what routers answer, for the drivers that own them and
 * for tests/fuzz/fuzz_router.c.  Internal: not part of the library's API.
 *
 * Everything here reads bytes a router sent, so nothing may be trusted:
 * names that reach `seen` pass fc_router_name_ok, values are checked
 * before they are stored, and messages fit the caller's buffer and are
 * printable (cut with fc_router_clip, never inside a character).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "fc_buf.h"
#include "fc_router_driver.h"

/*
 * 1 when a flag name a router sent may go into `seen`: non-empty, short
 * enough for fc_rflag.flag, and printable as it is (no control characters,
 * valid UTF-8), since names the plan does not know are shown to the user.
 */
static inline int fc_router_name_ok(const char *name)
{
	char *clean;
	int ok;

	if (!*name || strlen(name) >= sizeof(((fc_rflag *)0)->flag))
		return 0;
	clean = fc_sanitize(name, 0);
	ok = !strcmp(clean, name);
	free(clean);
	return ok;
}

/*
 * Cut a printable string (one from fc_sanitize) to at most max bytes, at a
 * character boundary, with "..." where it was cut (max > 3).
 */
static inline void fc_router_clip(char *s, size_t max)
{
	size_t cut;

	if (strlen(s) <= max)
		return;
	cut = max - 3;
	while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(s + cut, "...", 4);
}

/* ---- ficus router protocol v1 (fc_router_http.c) ---- */

/*
 * Parse the answer to GET /v1/flags into j->seen (appended).  0, or -1
 * with a reason in err when the body is not a flag list.
 */
int fc_router_http_parse_list(fc_router_job *j, const fc_buf *b, char *err, size_t errlen);

/* ---- Envoy admin API (fc_router_envoy.c) ---- */

/*
 * Parse the answer to GET /runtime into j->seen (appended): every
 * <prefix>bp.<flag> key, with its shadow and rev keys.  The prefix is
 * j->r's.  0, or -1 with a reason in err.
 */
int fc_router_envoy_parse_runtime(fc_router_job *j, const fc_buf *b, char *err, size_t errlen);

/* The integer "final_value" of a runtime entry (a string or a number): 0, or -1. */
int fc_router_envoy_parse_value(const cJSON *entry, long long *out);

/* ---- HAProxy runtime API (fc_router_haproxy.c) ---- */

/*
 * Split `text` (modified: NUL-terminated answers) into at most `max`
 * per-command answers, each ended by an empty line.  Returns how many;
 * out[i] point into text.
 */
size_t fc_router_haproxy_split_answers(char *text, char **out, size_t max);

/* The first line of an answer, trimmed and sanitized, into out (len > 0). */
void fc_router_haproxy_first_line(const char *ans, char *out, size_t len);

/* Advice for a known refusal, " (...)", or "" (static). */
const char *fc_router_haproxy_hint(const char *ans);

/*
 * Parse the answer to 'show map' (modified in place) into j->seen, which
 * is cleared first; the map name for messages is j->r's.  0, or -1 with
 * err when HAProxy refused.
 */
int fc_router_haproxy_parse_show(fc_router_job *j, fc_buf *ans, char *err, size_t errlen);

/*
 * Parse the answer to 'show map <pin_map>' (modified in place): the pins
 * of each wanted flag ("<flag>:<tenant> in|out", keyed by entry) become the
 * counts and digest of its value in j->seen, when seen holds it.  0, or
 * -1 with err when HAProxy refused.
 */
int fc_router_haproxy_parse_pins(fc_router_job *j, fc_buf *ans, char *err, size_t errlen);

#endif
