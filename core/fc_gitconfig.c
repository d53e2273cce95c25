/* git config read without libgit2, for the simple case (fc_gitconfig.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fc_buf.h"
#include "fc_gitconfig.h"

#define UNSURE 0
#define SURE 1

size_t fc_gitconfig_paths(const char *gitdir, char paths[FC_GITCONFIG_FILES][FC_GITCONFIG_PATH_MAX])
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	size_t np = 0;

	if (!home || !*home)
		return 0;
	snprintf(paths[np++], FC_GITCONFIG_PATH_MAX, "/etc/gitconfig");
	if (xdg && *xdg)
		snprintf(paths[np++], FC_GITCONFIG_PATH_MAX, "%s/git/config", xdg);
	else
		snprintf(paths[np++], FC_GITCONFIG_PATH_MAX, "%s/.config/git/config", home);
	snprintf(paths[np++], FC_GITCONFIG_PATH_MAX, "%s/.gitconfig", home);
	snprintf(paths[np++], FC_GITCONFIG_PATH_MAX, "%s/config", gitdir);
	return np;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * A section header's inside ("user", "remote \"origin\"", "a.b"): SURE
 * with *ours 1 when it is `sect` with no subsection, UNSURE for a form
 * this reader does not know.
 */
static int header(const char *h, size_t hl, const char *sect, int *ours)
{
	size_t i = 0, sl = strlen(sect);

	while (i < hl && (name_char(h[i]) || h[i] == '.'))
		i++;
	if (i == 0)
		return UNSURE;
	*ours = i == hl && hl == sl && !strncasecmp(h, sect, sl);
	if (i == hl)
		return SURE;
	/* name "subsection": another section than the plain one */
	if (h[i] != ' ' || i + 3 > hl || h[i + 1] != '"' || h[hl - 1] != '"' || memchr(h + i + 2, '\\', hl - i - 3) ||
	    memchr(h + i + 2, '"', hl - i - 3))
		return UNSURE;
	return SURE;
}

/* Scan one file's text for `sect`.`key`; the last value in it replaces *val. */
static int scan(const char *text, size_t len, const char *sect, const char *key, char **val)
{
	const char *p = text, *end = text + len;
	size_t kl0 = strlen(key);
	int in = 0;

	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		return UNSURE; /* a byte order mark */
	if (memchr(text, '\0', len) || memchr(text, '\r', len))
		return UNSURE;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p, *e, *k;
		size_t kl;

		e = eol ? eol : end;
		p = eol ? eol + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (e[-1] == '\\')
			return UNSURE; /* a line continued */
		if (*s == '[') {
			const char *rb = memchr(s, ']', (size_t)(e - s));
			/* anything after the header (a key, a comment) is libgit2's to read */
			if (!rb || rb + 1 != e || header(s + 1, (size_t)(rb - s - 1), sect, &in) != SURE)
				return UNSURE;
			continue;
		}
		for (k = s; s < e && name_char(*s); s++)
			;
		kl = (size_t)(s - k);
		if (kl == 0 || !((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z')))
			return UNSURE;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s == e) {
			if (in && kl == kl0 && !strncasecmp(k, key, kl))
				return UNSURE; /* the key as a boolean */
			continue;
		}
		if (*s != '=')
			return UNSURE;
		if (!in || kl != kl0 || strncasecmp(k, key, kl))
			continue;
		for (s++; s < e && (*s == ' ' || *s == '\t'); s++)
			;
		/* quotes, escapes, comments and tabs (git makes each a space) are libgit2's */
		for (const char *c = s; c < e; c++)
			if (*c == '"' || *c == '\\' || *c == '#' || *c == ';' || *c == '\t')
				return UNSURE;
		free(*val);
		*val = fc_strndup(s, (size_t)(e - s));
	}
	return SURE;
}

int fc_gitconfig_plain(const char *gitdir, const char *const *keys, size_t n, char **vals)
{
	static const char *const env[] = { "GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_COUNT",
					   "GIT_CONFIG_PARAMETERS" };
	char paths[FC_GITCONFIG_FILES][FC_GITCONFIG_PATH_MAX], sect[FC_GITCONFIG_KEYS][64];
	size_t np = fc_gitconfig_paths(gitdir, paths);
	int rc = np && n <= FC_GITCONFIG_KEYS ? SURE : UNSURE;

	for (size_t i = 0; i < n; i++)
		vals[i] = NULL;
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]) && rc == SURE; i++)
		if (getenv(env[i]))
			rc = UNSURE;
	/* "section.key", no subsection */
	for (size_t i = 0; i < n && rc == SURE; i++) {
		const char *dot = strchr(keys[i], '.');
		if (!dot || (size_t)(dot - keys[i]) >= sizeof(sect[i]) || strchr(dot + 1, '.'))
			rc = UNSURE;
		else
			snprintf(sect[i], sizeof(sect[i]), "%.*s", (int)(dot - keys[i]), keys[i]);
	}
	for (size_t f = 0; f < np && rc == SURE; f++) {
		fc_buf text = FC_BUF_INIT;
		if (access(paths[f], F_OK) != 0)
			continue;
		if (fc_buf_read_file(&text, paths[f], 1u << 20) < 0) {
			rc = UNSURE;
			break;
		}
		/* another file's values (include, includeIf), a per-worktree file: libgit2's */
		if (text.len && (strcasestr(text.ptr, "include") || strcasestr(text.ptr, "worktreeconfig")))
			rc = UNSURE;
		for (size_t i = 0; i < n && rc == SURE; i++)
			rc = scan(text.ptr ? text.ptr : "", text.len, sect[i], strchr(keys[i], '.') + 1, &vals[i]);
		fc_buf_free(&text);
	}
	for (size_t i = 0; i < n; i++) {
		if (rc != SURE || (vals[i] && !*vals[i])) {
			free(vals[i]);
			vals[i] = NULL;
		}
	}
	return rc;
}
