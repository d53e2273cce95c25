/*
 * Router configuration: the driver registry, the settings' "routers"
 * array parsed and checked into fc_router_conf, and the tokens they name.
 *
 * Invariants:
 * - the settings hold no secret: a "token" key is refused, and a token
 *   resolved for a run lives in memory only, never in a message;
 * - nothing here reads the database or the network: the settings module
 *   validates routers through fc_rconf_check, the reconciler parses them
 *   with fc_rconf_parse.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_error.h"
#include "fc_http.h"
#include "fc_json.h"
#include "fc_name.h"
#include "fc_rconf.h"


/* The registry, in priority order: one line per driver. */
static const fc_router_driver *const registry[] = {
	&fc_router_driver_haproxy,
	&fc_router_driver_nginx_lua,
	&fc_router_driver_http,
	&fc_router_driver_envoy,
	&fc_router_driver_none,
};
#define NDRIVERS (sizeof(registry) / sizeof(registry[0]))
_Static_assert(NDRIVERS <= FC_RCONF_MAX_DRIVERS, "the registry outgrew FC_RCONF_MAX_DRIVERS");

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_CONNECT_MS 2000
#define DEFAULT_RETRIES 2
#define MAX_ROUTERS 64
#define TOKEN_MAX 4096

const fc_router_driver *fc_rconf_find_driver(const char *name)
{
	for (size_t i = 0; i < NDRIVERS; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

const char *const *fc_rconf_drivers(void)
{
	static const char *names[NDRIVERS + 1];
	for (size_t i = 0; i < NDRIVERS; i++)
		names[i] = registry[i]->name;
	names[NDRIVERS] = NULL;
	return names;
}

int fc_rconf_driver_info(const char *driver, fc_router_caps *caps, const char **summary)
{
	const fc_router_driver *d = driver ? fc_rconf_find_driver(driver) : NULL;

	if (!d)
		return fc_error_set(FC_ENOTFOUND, "unknown router driver '%.40s'", driver ? driver : "");
	if (caps)
		*caps = d->caps;
	if (summary)
		*summary = d->summary;
	return 0;
}

/* ---- settings ---- */

static const char *const known_keys[] = {
	"name", "driver", "replicas", "map", "map_file", "pin_map", "prefix", "token_env", "token_file",
	"ca_file", "tls_verify", "timeout", "connect_timeout", "retries", NULL
};

static void conf_clear(fc_router_conf *r)
{
	if (!r)
		return;
	free(r->name);
	for (size_t i = 0; i < r->nreplicas; i++)
		free(r->replicas[i]);
	free(r->replicas);
	free(r->map);
	free(r->map_file);
	free(r->pin_map);
	free(r->prefix);
	free(r->token_env);
	free(r->token_file);
	free(r->ca_file);
	if (r->token) {
		memset(r->token, 0, strlen(r->token));
		free(r->token);
	}
	memset(r, 0, sizeof(*r));
}

void fc_rconf_free(fc_router_conf *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		conf_clear(&r[i]);
	free(r);
}

/* "800ms", "5s", "2m" into milliseconds within [min, max]. */
static int parse_ms(long *out, const char *s, long min, long max)
{
	int64_t secs;
	size_t n = s ? strlen(s) : 0;

	if (n > 2 && !strcmp(s + n - 2, "ms")) {
		char *end = NULL;
		long v;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end != s + n - 2 || !isdigit((unsigned char)s[0]))
			return -1;
		*out = v;
	} else {
		if (!s || fc_duration_parse(&secs, s) < 0 || secs > 86400)
			return -1;
		*out = (long)secs * 1000;
	}
	return *out >= min && *out <= max ? 0 : -1;
}

static int has_bad_chars(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

/* host: a name, an IPv4 address, or [IPv6]; port optional (need_port). */
static int check_authority(const char *a, size_t len, int need_port)
{
	size_t i = 0, hl;
	const char *colon;

	if (len == 0)
		return -1;
	if (a[0] == '[') {
		const char *close = memchr(a, ']', len);
		if (!close)
			return -1;
		for (const char *p = a + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return -1;
		i = (size_t)(close - a) + 1;
		colon = i < len && a[i] == ':' ? a + i : NULL;
		if (i < len && !colon)
			return -1;
	} else {
		colon = memchr(a, ':', len);
		hl = colon ? (size_t)(colon - a) : len;
		if (hl == 0)
			return -1;
		for (i = 0; i < hl; i++)
			if (!isalnum((unsigned char)a[i]) && a[i] != '.' && a[i] != '-' && a[i] != '_')
				return -1;
	}
	if (colon) {
		long port = 0;
		const char *p = colon + 1;
		if (p >= a + len)
			return -1;
		for (; p < a + len; p++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			port = port * 10 + (*p - '0');
			if (port > 65535)
				return -1;
		}
		if (port < 1)
			return -1;
	} else if (need_port) {
		return -1;
	}
	return 0;
}

static int check_replica(const char *what, const char *router, const fc_router_driver *d, const char *url)
{
	size_t n = strlen(url);
	char *shown;
	int rc = 0;

	if (n == 0 || n > 512 || has_bad_chars(url))
		goto bad;
	if (d == &fc_router_driver_haproxy) {
		if (!strncmp(url, "tcp://", 6)) {
			if (check_authority(url + 6, n - 6, 1) < 0)
				goto bad;
		} else if (!strncmp(url, "unix://", 7)) {
			if (url[7] != '/' || n - 7 > 107)
				goto bad;
		} else {
			goto bad;
		}
		return 0;
	}
	{
		const char *rest, *slash;
		if (!strncmp(url, "http://", 7))
			rest = url + 7;
		else if (!strncmp(url, "https://", 8))
			rest = url + 8;
		else
			goto bad;
		slash = strchr(rest, '/');
		if (strchr(rest, '@') && (!slash || strchr(rest, '@') < slash)) {
			shown = fc_sanitize(router, 0);
			rc = fc_error_set(FC_EPARSE,
				"%s: router '%s': a replica URL must not hold credentials: use 'token_env' or 'token_file'",
				what, shown);
			free(shown);
			return rc;
		}
		if (strpbrk(url, "?#") ||
		    check_authority(rest, slash ? (size_t)(slash - rest) : strlen(rest), 0) < 0)
			goto bad;
	}
	return 0;
bad:
	shown = fc_sanitize(url, 0);
	if (strlen(shown) > 80)
		strcpy(shown + 77, "...");
	if (d == &fc_router_driver_haproxy)
		rc = fc_error_set(FC_EPARSE,
			"%s: router '%s': replica '%s' is not tcp://HOST:PORT or unix:///PATH", what, router, shown);
	else
		rc = fc_error_set(FC_EPARSE,
			"%s: router '%s': replica '%s' is not an http:// or https:// URL (no query, no credentials)",
			what, router, shown);
	free(shown);
	return rc;
}

int fc_rconf_env_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 128 || (!isalpha((unsigned char)s[0]) && s[0] != '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int get_path(char **out, const cJSON *o, const char *key, const char *what, const char *router, int absolute)
{
	const char *v = NULL;
	int rc;

	if ((rc = fc_json_get_str(&v, o, key, what)) < 0)
		return rc;
	if (!v)
		return 0;
	if (!*v || strlen(v) > 1024 || has_bad_chars(v) || strchr(v, ';') || (absolute && v[0] != '/'))
		return fc_error_set(FC_EPARSE, "%s: router '%s': '%s' must be %s path without spaces or ';'",
				    what, router, key, absolute ? "an absolute" : "a");
	*out = fc_strdup(v);
	return 0;
}

/* Parse one settings object.  FC_EPARSE with a message naming the key. */
static int conf_parse(fc_router_conf *r, const cJSON *o, const char *what)
{
	const cJSON *c, *reps;
	const char *name = NULL, *driver = NULL, *s = NULL;
	long long retries = DEFAULT_RETRIES;
	int rc, tls = 1, i;
	char rn[64] = "?";

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(o))
		return fc_error_set(FC_EPARSE, "%s: each entry of 'routers' must be an object", what);
	if ((rc = fc_json_get_str(&name, o, "name", what)) < 0)
		return rc;
	if (!name)
		return fc_error_set(FC_EPARSE, "%s: a router has no 'name'", what);
	if (fc_name_check("router", name) < 0)
		return fc_error_wrap(FC_EPARSE, "%s", what);
	snprintf(rn, sizeof(rn), "%s", name);
	for (c = o->child; c; c = c->next) {
		for (i = 0; known_keys[i] && strcmp(known_keys[i], c->string); i++)
			;
		if (known_keys[i])
			continue;
		if (strstr(c->string, "token") || strstr(c->string, "password") || strstr(c->string, "secret"))
			return fc_error_set(FC_EPARSE,
				"%s: router '%s': '%.40s' is not allowed: secrets never go into the plan; "
				"name them with 'token_env' or 'token_file'", what, rn, c->string);
		return fc_error_set(FC_EPARSE, "%s: router '%s': unknown setting '%.40s'", what, rn, c->string);
	}
	r->name = fc_strdup(name);
	if ((rc = fc_json_get_str(&driver, o, "driver", what)) < 0)
		return rc;
	if (!driver)
		return fc_error_set(FC_EPARSE, "%s: router '%s' has no 'driver'", what, rn);
	if (!(r->drv = fc_rconf_find_driver(driver))) {
		fc_buf names = FC_BUF_INIT;
		for (size_t k = 0; k < NDRIVERS; k++)
			fc_buf_printf(&names, "%s%s", k ? ", " : "", registry[k]->name);
		s = fc_buf_cstr(&names);
		rc = fc_error_set(FC_EPARSE, "%s: router '%s': unknown driver '%.40s' (one of %s)",
				  what, rn, driver, s);
		fc_buf_free(&names);
		return rc;
	}
	reps = cJSON_GetObjectItemCaseSensitive(o, "replicas");
	if (reps && !cJSON_IsArray(reps))
		return fc_error_set(FC_EPARSE, "%s: router '%s': 'replicas' must be a list of URLs", what, rn);
	if (r->drv->caps.pushes && cJSON_GetArraySize(reps) < 1)
		return fc_error_set(FC_EPARSE, "%s: router '%s': 'replicas' must name at least one replica", what, rn);
	if (!r->drv->caps.pushes && cJSON_GetArraySize(reps) > 0)
		return fc_error_set(FC_EPARSE, "%s: router '%s': the none driver takes no replicas", what, rn);
	if (cJSON_GetArraySize(reps) > FC_ROUTER_MAX_REPLICAS)
		return fc_error_set(FC_EPARSE, "%s: router '%s': more than %d replicas", what, rn,
				    FC_ROUTER_MAX_REPLICAS);
	r->replicas = fc_calloc((size_t)cJSON_GetArraySize(reps) + 1, sizeof(char *));
	cJSON_ArrayForEach(c, reps) {
		if (!cJSON_IsString(c))
			return fc_error_set(FC_EPARSE, "%s: router '%s': 'replicas' must be a list of URLs", what, rn);
		if ((rc = check_replica(what, rn, r->drv, c->valuestring)) < 0)
			return rc;
		for (size_t k = 0; k < r->nreplicas; k++)
			if (!strcmp(r->replicas[k], c->valuestring))
				return fc_error_set(FC_EPARSE, "%s: router '%s': replica '%.80s' is listed twice",
						    what, rn, c->valuestring);
		r->replicas[r->nreplicas++] = fc_strdup(c->valuestring);
	}
	if ((rc = get_path(&r->map, o, "map", what, rn, 0)) < 0 ||
	    (rc = get_path(&r->map_file, o, "map_file", what, rn, 1)) < 0 ||
	    (rc = get_path(&r->pin_map, o, "pin_map", what, rn, 0)) < 0 ||
	    (rc = get_path(&r->token_file, o, "token_file", what, rn, 1)) < 0 ||
	    (rc = get_path(&r->ca_file, o, "ca_file", what, rn, 1)) < 0)
		return rc;
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "prefix", what)) < 0)
		return rc;
	if (s) {
		for (const char *p = s; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
				return fc_error_set(FC_EPARSE, "%s: router '%s': 'prefix' may hold a-z, 0-9, '.', '_' and '-'",
						    what, rn);
		if (strlen(s) > 64)
			return fc_error_set(FC_EPARSE, "%s: router '%s': 'prefix' is longer than 64", what, rn);
		r->prefix = fc_strdup(s);
	}
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "token_env", what)) < 0)
		return rc;
	if (s) {
		if (!fc_rconf_env_name_ok(s))
			return fc_error_set(FC_EPARSE, "%s: router '%s': 'token_env' must be an environment variable name",
					    what, rn);
		r->token_env = fc_strdup(s);
	}
	if ((rc = fc_json_get_bool(&tls, o, "tls_verify", what)) < 0)
		return rc;
	r->tls_verify = tls;
	r->timeout_ms = DEFAULT_TIMEOUT_MS;
	r->connect_timeout_ms = DEFAULT_CONNECT_MS;
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "timeout", what)) < 0)
		return rc;
	if (s && parse_ms(&r->timeout_ms, s, 10, 600000) < 0)
		return fc_error_set(FC_EPARSE, "%s: router '%s': 'timeout' must be a duration from 10ms to 10m, like \"5s\"",
				    what, rn);
	s = NULL;
	if ((rc = fc_json_get_str(&s, o, "connect_timeout", what)) < 0)
		return rc;
	if (s && parse_ms(&r->connect_timeout_ms, s, 10, 60000) < 0)
		return fc_error_set(FC_EPARSE,
			"%s: router '%s': 'connect_timeout' must be a duration from 10ms to 1m, like \"2s\"", what, rn);
	if ((rc = fc_json_get_int(&retries, o, "retries", what)) < 0)
		return rc;
	if (retries < 0 || retries > 10)
		return fc_error_set(FC_EPARSE, "%s: router '%s': 'retries' must be 0..10", what, rn);
	r->retries = (int)retries;
	if (r->drv->check && (rc = r->drv->check(r, what)) < 0)
		return rc;
	return 0;
}

/* Parse the settings' routers; *out may be NULL with n 0. */
int fc_rconf_parse(fc_router_conf **out, size_t *n, const cJSON *routers, const char *what)
{
	fc_router_conf *rs = NULL;
	const cJSON *c;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!routers || cJSON_IsNull(routers))
		return 0;
	if (!cJSON_IsArray(routers))
		return fc_error_set(FC_EPARSE, "%s: 'routers' must be a list", what);
	if (cJSON_GetArraySize(routers) > MAX_ROUTERS)
		return fc_error_set(FC_EPARSE, "%s: more than %d routers", what, MAX_ROUTERS);
	rs = fc_calloc((size_t)cJSON_GetArraySize(routers) + 1, sizeof(*rs));
	cJSON_ArrayForEach(c, routers) {
		if ((rc = conf_parse(&rs[k], c, what)) < 0) {
			fc_rconf_free(rs, k + 1);
			return rc;
		}
		for (size_t j = 0; j < k; j++)
			if (!strcmp(rs[j].name, rs[k].name)) {
				rc = fc_error_set(FC_EPARSE, "%s: router '%s' is defined twice", what, rs[k].name);
				fc_rconf_free(rs, k + 1);
				return rc;
			}
		k++;
	}
	*out = rs;
	*n = k;
	return 0;
}

int fc_rconf_check(const cJSON *routers, const char *what)
{
	fc_router_conf *rs = NULL;
	size_t n = 0;
	int rc = fc_rconf_parse(&rs, &n, routers, what ? what : "settings");

	fc_rconf_free(rs, n);
	return rc;
}

/* ---- tokens ---- */

static int token_chars_ok(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return 0;
	return 1;
}

int fc_rconf_read_secret(char **out, const char *env, const char *file, const char *what, char *err, size_t errlen)
{
	char buf[TOKEN_MAX + 2];
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd;

	*out = NULL;
	err[0] = '\0';
	if (env) {
		const char *v = getenv(env);
		if (v && *v) {
			if (strlen(v) > TOKEN_MAX || !token_chars_ok(v)) {
				snprintf(err, errlen, "the %s in environment variable '%s' has characters it cannot hold",
					 what, env);
				return -1;
			}
			*out = fc_strdup(v);
			return 0;
		}
		if (!file) {
			snprintf(err, errlen, "environment variable '%s' (%s_env) is not set", env, what);
			return -1;
		}
	}
	if (!file)
		return 0;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s file '%.200s': %s", what, file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s file '%.200s' is not a regular file", what, file);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s file '%.200s' is readable or writable by group or others (mode %04o): "
			 "refused; chmod 600 it", what, file, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	while (len < sizeof(buf) - 1 && (got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	if (len == 0)
		snprintf(err, errlen, "%s file '%.200s' is empty", what, file);
	else if (len > TOKEN_MAX || !token_chars_ok(buf))
		snprintf(err, errlen, "%s file '%.200s' holds characters it cannot hold (one line expected)", what, file);
	else
		*out = fc_strdup(buf);
	memset(buf, 0, sizeof(buf));
	return *out ? 0 : -1;
}

/* Resolve the token of one router for this run; failures go to token_error. */
void fc_rconf_resolve_token(fc_router_conf *r)
{
	fc_rconf_read_secret(&r->token, r->token_env, r->token_file, "token", r->token_error, sizeof(r->token_error));
}

int fc_rconf_authority_ok(const char *a, size_t len)
{
	return check_authority(a, len, 0) == 0;
}

const fc_router_driver *fc_rconf_driver_at(size_t i)
{
	return i < NDRIVERS ? registry[i] : NULL;
}

