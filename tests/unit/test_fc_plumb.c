/*
 * fc_plumb: a commit made by hand must be the commit libgit2 makes.  Two
 * copies of one repository (made by git itself) take the same changes, one
 * through fc_plumb and one through libgit2; their commits, refs, reflog
 * lines, indexes and work trees are compared, and git checks the result.
 */
#include "unit.h"
#include "fc_plumb.h"

typedef struct {
	char *a; /* changed through fc_plumb */
	char *b; /* changed through libgit2 */
	char *ga;
	fc_repo *rb;
} fixture;

#define GIT_ENV "GIT_CONFIG_NOSYSTEM=1 HOME=/nonexistent GIT_AUTHOR_NAME=Git GIT_AUTHOR_EMAIL=git@example.com " \
		"GIT_COMMITTER_NAME=Git GIT_COMMITTER_EMAIL=git@example.com GIT_AUTHOR_DATE='1795000000 +0000' " \
		"GIT_COMMITTER_DATE='1795000000 +0000' "

static char *git(const char *dir, const char *args)
{
	char *cmd = fc_asprintf("cd '%s' && " GIT_ENV "git %s", dir, args), *out = unit_run(cmd);
	free(cmd);
	return out;
}

static void git_quiet(const char *dir, const char *args)
{
	free(git(dir, args));
}

/* Assert what `git ARGS` prints in dir. */
static void git_is(const char *dir, const char *args, const char *want)
{
	char *out = git(dir, args);
	assert_string_equal(out, want);
	free(out);
}

/* The base: files in nested directories, an executable and a link, committed by git. */
static char *base_repo(void)
{
	char *dir = unit_tmpdir(), *cmd;

	cmd = fc_asprintf("cd '%s' && " GIT_ENV "git init -q -b main . && mkdir -p domains services/ab services/cd && "
			  "printf '# plan\\n' > PLAN.md && printf '{}\\n' > domains/a.json && "
			  "printf '{\"b\":1}\\n' > domains/b.json && printf 'one\\n' > services/ab/svc-1.json && "
			  "printf 'two\\n' > services/cd/svc-2.json && printf '#!/bin/sh\\n' > tool.sh && "
			  "chmod +x tool.sh && ln -s PLAN.md link && printf 'x\\n' > domains.json && "
			  GIT_ENV "git add -A && " GIT_ENV "git commit -q -m base",
			  dir);
	free(unit_run(cmd));
	free(cmd);
	return dir;
}

static int setup(void **state)
{
	fixture *f = fc_calloc(1, sizeof(*f));
	char *cmd;

	f->a = base_repo();
	f->b = unit_tmpdir();
	cmd = fc_asprintf("cp -a '%s/.' '%s/'", f->a, f->b);
	free(unit_run(cmd));
	free(cmd);
	f->ga = fc_asprintf("%s/.git", f->a);
	if (fc_repo_init(&f->rb, f->b) != 0)
		fail_msg("fc_repo_init: %s", fc_error_last());
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fc_repo_free(f->rb);
	unit_rmtree(f->a);
	unit_rmtree(f->b);
	free(f->ga);
	free(f);
	return 0;
}

static char *last_line(const char *dir, const char *log)
{
	char *path = fc_asprintf("%s/.git/logs/%s", dir, log), *text = unit_read_file(path, NULL), *end, *start;

	end = text + strlen(text);
	if (end > text && end[-1] == '\n')
		end--;
	*end = '\0';
	start = strrchr(text, '\n');
	start = fc_strdup(start ? start + 1 : text);
	free(text);
	free(path);
	return start;
}

static size_t count_objects(const char *dir)
{
	char *cmd = fc_asprintf("find '%s/.git/objects' -type f | wc -l", dir), *out = unit_run(cmd);
	size_t n = (size_t)strtoul(out, NULL, 10);
	free(out);
	free(cmd);
	return n;
}

/* Commit `files` in both copies; compare what each wrote. */
static void both(fixture *f, const fc_repo_file *files, size_t n, const char *msg, const char *name,
		 const char *email)
{
	const char *paths[8];
	fc_plumb *pl = NULL;
	char oa[FC_OID_HEX], ob[FC_OID_HEX], *wa = fc_asprintf("%s/", f->a);
	const fc_plumb_blob *blobs;
	size_t nb;
	int ua = -1, ub = -1;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++)
		paths[i] = files[i].path;
	assert_true(fc_plumb_likely(f->ga));
	assert_ok(fc_plumb_stage(&pl, f->ga, files, n, &ua));
	assert_ok(fc_repo_stage(f->rb, &ub, files, n));
	assert_int_equal(ua, ub);
	if (!ua) {
		assert_ok(fc_plumb_commit(pl, oa, msg, name, email, UNIT_NOW));
		assert_ok(fc_repo_commit(f->rb, ob, msg, name, email, UNIT_NOW));
		if (strcmp(oa, ob)) {
			char *ca = git(f->a, "cat-file -p HEAD"), *cb = git(f->b, "cat-file -p HEAD");
			fail_msg("commit %s by hand:\n%s\nby libgit2:\n%s", oa, ca, cb);
		}
		for (int k = 0; k < 2; k++) {
			const char *log = k ? "refs/heads/main" : "HEAD";
			char *la = last_line(f->a, log), *lb = last_line(f->b, log);
			assert_string_equal(la, lb);
			free(la);
			free(lb);
		}
		blobs = fc_plumb_blobs(pl, &nb);
		assert_int_equal(nb, n);
		assert_ok(fc_plumb_refresh(f->ga, wa, blobs, nb, NULL));
		assert_ok(fc_repo_checkout(f->rb, paths, n));
		for (int k = 0; k < 2; k++) {
			const char *dir = k ? f->b : f->a;
			char *head = git(dir, "rev-parse HEAD");
			git_is(dir, "status --porcelain", "");
			assert_int_equal(strncmp(head, oa, 40), 0);
			git_is(dir, "diff-index --cached HEAD", "");
			git_is(dir, "fsck --strict --no-dangling 2>&1", "");
			free(head);
		}
		{
			char *ia = git(f->a, "ls-files -s"), *ib = git(f->b, "ls-files -s");
			assert_string_equal(ia, ib);
			free(ia);
			free(ib);
		}
	}
	fc_plumb_free(pl);
	free(wa);
}

static void test_fc_plumb__commits_are_libgit2s(void **state)
{
	fixture *f = *state;
	static const char *msgs[] = {
		"svc-1: ramp 1% -> 10%\n\nFicus-Change: 0123456789\nFicus-Action: ramp\n",
		"  leading spaces\n  and a second line\n\nbody",
		"tabs\tinside  two  spaces \t\n\n",
		"one line, no newline",
		"\n\nblank lines first\nsecond\n \nthird paragraph",
		"carriage\r\nreturns\r\n\r\nbody",
		"title \n \t\nbody after a line of white space",
		"a\n\tb\nc\n\nd",
		"x",
	};
	static const char *names[][2] = {
		{ "Ada", "ada@example.com" }, { " Ada Lovelace. ", " ada@example.com;" }, { "'quoted'", "\"e@x\"" },
		{ "Ünïcode Näme", "u@example.com" },
	};
	char a[64], b[64], c[64];

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		size_t k = i % (sizeof(names) / sizeof(names[0]));
		int la = snprintf(a, sizeof(a), "{\"rev\": %zu}\n", i);
		int lb = snprintf(b, sizeof(b), "# plan %zu\n", i % 3);
		int lc = snprintf(c, sizeof(c), "{\"svc\": %zu}\n", i * 7);
		fc_repo_file files[] = { { "services/ab/svc-1.json", a, (size_t)la }, { "PLAN.md", b, (size_t)lb },
					 { "services/cd/svc-2.json", c, (size_t)lc } };
		both(f, files, 3, msgs[i], names[k][0], names[k][1]);
	}
	/* the other files, and the executable's mode, as they were */
	{
		char *ls = git(f->a, "ls-files -s tool.sh link domains.json");
		assert_non_null(strstr(ls, "100755 "));
		assert_non_null(strstr(ls, "120000 "));
		assert_non_null(strstr(ls, "domains.json"));
		free(ls);
	}
}

static void test_fc_plumb__unchanged_tree_is_seen(void **state)
{
	fixture *f = *state;
	fc_repo_file same[] = { { "domains/a.json", "{}\n", 3 }, { "services/cd/svc-2.json", "two\n", 4 } };
	size_t before = count_objects(f->a);
	fc_plumb *pl = NULL;
	int u = -1;

	assert_ok(fc_plumb_stage(&pl, f->ga, same, 2, &u));
	assert_int_equal(u, 1);
	assert_int_equal(count_objects(f->a), before);
	fc_plumb_free(pl);
	both(f, same, 2, "nothing", "Ada", "ada@example.com");
}

/* Stage through fc_plumb, which must decline and leave no object behind. */
static void declines(fixture *f, const fc_repo_file *files, size_t n)
{
	size_t before = count_objects(f->a);
	fc_plumb *pl = NULL;
	int u = -1;

	assert_int_equal(fc_plumb_stage(&pl, f->ga, files, n, &u), FC_PLUMB_NO);
	assert_null(pl);
	assert_int_equal(count_objects(f->a), before);
}

static void test_fc_plumb__declines_what_it_does_not_take(void **state)
{
	fixture *f = *state;
	fc_repo_file edit[] = { { "domains/a.json", "{\"a\":2}\n", 8 } };
	fc_repo_file add[] = { { "domains/new.json", "{}\n", 3 } };
	fc_repo_file rm[] = { { "domains/b.json", NULL, 0 } };
	fc_repo_file link[] = { { "link", "PLAN.md", 7 } };
	fc_repo_file exe[] = { { "tool.sh", "#!/bin/sh\nexit 1\n", 18 } };
	fc_repo_file twice[] = { { "PLAN.md", "a\n", 2 }, { "PLAN.md", "b\n", 2 } };
	char *path;

	declines(f, add, 1);
	declines(f, rm, 1);
	declines(f, link, 1);
	declines(f, exe, 1);
	declines(f, twice, 2);
	declines(f, edit, 0);
	/* the index is not HEAD: a user staged an edit */
	path = fc_asprintf("%s/domains/b.json", f->a);
	unit_write_file(path, "{\"b\":\"staged by hand\"}\n");
	git_quiet(f->a, "add domains/b.json");
	declines(f, edit, 1);
	git_quiet(f->a, "reset -q");
	git_quiet(f->a, "checkout -q -- domains/b.json");
	/* an index extension it does not know (the untracked cache) */
	git_quiet(f->a, "-c core.untrackedCache=true update-index --untracked-cache");
	git_quiet(f->a, "-c core.untrackedCache=true status --porcelain");
	{
		char *ix = fc_asprintf("%s/index", f->ga), *cmd = fc_asprintf("grep -c UNTR '%s'", ix), *out = unit_run(cmd);
		assert_true(atoi(out) > 0);
		free(out);
		free(cmd);
		free(ix);
	}
	declines(f, edit, 1);
	git_quiet(f->a, "update-index --no-untracked-cache");
	git_quiet(f->a, "read-tree HEAD"); /* an index written afresh, as git writes it */
	{
		fc_plumb *pl = NULL;
		int u;
		assert_ok(fc_plumb_stage(&pl, f->ga, edit, 1, &u));
		fc_plumb_free(pl);
	}
	free(path);
}

static void test_fc_plumb__declines_packed_and_detached_repositories(void **state)
{
	fixture *f = *state;
	fc_repo_file edit[] = { { "domains/a.json", "{\"a\":3}\n", 8 } };
	char *log = fc_asprintf("%s/logs/HEAD", f->ga), *saved = fc_asprintf("%s/logs/HEAD.saved", f->ga);

	/* no reflog of HEAD */
	assert_int_equal(rename(log, saved), 0);
	assert_false(fc_plumb_likely(f->ga));
	declines(f, edit, 1);
	assert_int_equal(rename(saved, log), 0);
	assert_true(fc_plumb_likely(f->ga));
	/* a detached HEAD */
	git_quiet(f->a, "checkout -q --detach");
	assert_false(fc_plumb_likely(f->ga));
	declines(f, edit, 1);
	git_quiet(f->a, "checkout -q main");
	/* HEAD's commit in a pack */
	git_quiet(f->a, "repack -adq");
	git_quiet(f->a, "prune-packed");
	declines(f, edit, 1);
	/* the branch in packed-refs */
	git_quiet(f->a, "pack-refs --all");
	assert_false(fc_plumb_likely(f->ga));
	declines(f, edit, 1);
	free(log);
	free(saved);
}

static void test_fc_plumb__ref_moves_only_from_the_parent(void **state)
{
	fixture *f = *state;
	fc_repo_file edit[] = { { "domains/a.json", "{\"a\":4}\n", 8 } };
	char oid[FC_OID_HEX], *before, *after, *lock = fc_asprintf("%s/refs/heads/main.lock", f->ga);
	fc_plumb *pl = NULL;
	int u;

	/* someone else commits between the stage and the commit */
	assert_ok(fc_plumb_stage(&pl, f->ga, edit, 1, &u));
	git_quiet(f->a, "commit -q --allow-empty -m 'by hand'");
	before = git(f->a, "rev-parse HEAD");
	assert_fc(fc_plumb_commit(pl, oid, "lost", "Ada", "ada@example.com", UNIT_NOW), FC_ECONFLICT);
	assert_contains(fc_error_last(), "moved");
	after = git(f->a, "rev-parse HEAD");
	assert_string_equal(before, after);
	assert_int_not_equal(access(lock, F_OK), 0);
	fc_plumb_free(pl);
	free(before);
	free(after);
	/* another git holds the ref's lock: left as it is */
	assert_ok(fc_plumb_stage(&pl, f->ga, edit, 1, &u));
	unit_write_file(lock, "");
	assert_fc(fc_plumb_commit(pl, oid, "locked", "Ada", "ada@example.com", UNIT_NOW), FC_ECONFLICT);
	assert_int_equal(access(lock, F_OK), 0);
	unlink(lock);
	assert_ok(fc_plumb_commit(pl, oid, "free again", "Ada", "ada@example.com", UNIT_NOW));
	git_is(f->a, "log -1 --format=%s", "free again\n");
	/* until the index is refreshed it is not HEAD's, and declined */
	fc_plumb_free(pl);
	declines(f, edit, 1);
	git_quiet(f->a, "reset -q");
	assert_ok(fc_plumb_stage(&pl, f->ga, edit, 1, &u));
	assert_int_equal(u, 1);
	fc_plumb_free(pl);
	/* an author libgit2 refuses is refused */
	{
		fc_repo_file e2[] = { { "domains/a.json", "{\"a\":5}\n", 8 } };
		assert_ok(fc_plumb_stage(&pl, f->ga, e2, 1, &u));
		assert_fc(fc_plumb_commit(pl, oid, "m", "A <b>", "a@b", UNIT_NOW), FC_EINVAL);
		assert_fc(fc_plumb_commit(pl, oid, "m", " .. ", "a@b", UNIT_NOW), FC_EINVAL);
		fc_plumb_free(pl);
	}
	free(lock);
}

/* The pid of a process that has exited (and been reaped). */
static void test_fc_plumb__a_lock_a_killed_ficus_left_is_taken(void **state)
{
	fixture *f = *state;
	fc_repo_file edit[] = { { "domains/a.json", "{\"a\":8}\n", 8 } };
	char oid[FC_OID_HEX], mark[64], *lock = fc_asprintf("%s/refs/heads/main.lock", f->ga),
	     *ilock = fc_asprintf("%s/index.lock", f->ga), *wa = fc_asprintf("%s/", f->a), *stale;
	const fc_plumb_blob *b;
	fc_plumb *pl = NULL;
	size_t n;
	int u;

	assert_ok(fc_plumb_stage(&pl, f->ga, edit, 1, &u));
	/* held by a live ficus (this process): left, and the commit refused */
	snprintf(mark, sizeof(mark), "ficus %ld\n", (long)getpid());
	unit_write_file(lock, mark);
	assert_fc(fc_plumb_commit(pl, oid, "held", "Ada", "ada@example.com", UNIT_NOW), FC_ECONFLICT);
	assert_int_equal(access(lock, F_OK), 0);
	/* not ficus's mark: left */
	unit_write_file(lock, "ficus 12x\n");
	assert_fc(fc_plumb_commit(pl, oid, "held", "Ada", "ada@example.com", UNIT_NOW), FC_ECONFLICT);
	/* left by a ficus that is gone: taken, and gone after the commit */
	snprintf(mark, sizeof(mark), "ficus %ld\n", unit_dead_pid());
	unit_write_file(lock, mark);
	unit_write_file(ilock, mark);
	assert_ok(fc_plumb_commit(pl, oid, "after a kill", "Ada", "ada@example.com", UNIT_NOW));
	assert_int_not_equal(access(lock, F_OK), 0);
	/* a work file a killed ficus of this pid left (the pid reused): replaced, not in the way */
	stale = fc_asprintf("%s/domains/a.json.ficus-%ld", f->a, (long)getpid());
	unit_write_file(stale, "half a fil");
	b = fc_plumb_blobs(pl, &n);
	assert_ok(fc_plumb_refresh(f->ga, wa, b, n, NULL));
	assert_int_not_equal(access(ilock, F_OK), 0);
	assert_int_not_equal(access(stale, F_OK), 0);
	git_is(f->a, "status --porcelain", "");
	git_is(f->a, "log -1 --format=%s", "after a kill\n");
	fc_plumb_free(pl);
	free(lock);
	free(ilock);
	free(stale);
	free(wa);
}

static void test_fc_plumb__damaged_head_commit_is_an_error(void **state)
{
	fixture *f = *state;
	fc_repo_file edit[] = { { "domains/a.json", "{\"a\":6}\n", 8 } };
	char *head = git(f->a, "rev-parse HEAD"), *path;
	fc_plumb *pl = NULL;
	int u;

	path = fc_asprintf("%s/objects/%.2s/%.38s", f->ga, head, head + 2);
	chmod(path, 0644);
	unit_write_file(path, "not zlib at all");
	assert_fc(fc_plumb_stage(&pl, f->ga, edit, 1, &u), FC_ERROR);
	assert_contains(fc_error_last(), "damaged");
	assert_null(pl);
	free(path);
	free(head);
}

static void test_fc_plumb__refresh_declines_a_damaged_index(void **state)
{
	fixture *f = *state;
	fc_repo_file edit[] = { { "domains/a.json", "{\"a\":7}\n", 8 } };
	char oid[FC_OID_HEX], *ix = fc_asprintf("%s/index", f->ga), *wa = fc_asprintf("%s/", f->a), *data, *file;
	const fc_plumb_blob *b;
	fc_plumb *pl = NULL;
	size_t n, len;
	int u;
	FILE *fp;

	assert_ok(fc_plumb_stage(&pl, f->ga, edit, 1, &u));
	assert_ok(fc_plumb_commit(pl, oid, "edit", "Ada", "ada@example.com", UNIT_NOW));
	/* a byte of the first entry's stat data flipped, the checksum left */
	data = unit_read_file(ix, &len);
	data[12] ^= 0x55;
	assert_non_null(fp = fopen(ix, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	b = fc_plumb_blobs(pl, &n);
	assert_int_equal(fc_plumb_refresh(f->ga, wa, b, n, NULL), FC_PLUMB_NO);
	file = fc_asprintf("%s/domains/a.json", f->a);
	free(data);
	data = unit_read_file(file, NULL);
	assert_string_equal(data, "{}\n");
	fc_plumb_free(pl);
	free(data);
	free(file);
	free(ix);
	free(wa);
}

/* One commit of `content` for domains/a.json, staged, committed and refreshed with `seen`. */
static int commit_and_refresh(fixture *f, const char *content, fc_plumb_seen *seen)
{
	fc_repo_file edit[] = { { "domains/a.json", content, strlen(content) } };
	char oid[FC_OID_HEX], *wa = fc_asprintf("%s/", f->a);
	const fc_plumb_blob *b;
	fc_plumb *pl = NULL;
	size_t n;
	int u, rc;

	assert_ok(fc_plumb_stage(&pl, f->ga, edit, 1, &u));
	assert_ok(fc_plumb_commit(pl, oid, content, "Ada", "ada@example.com", UNIT_NOW));
	/* the staged refresh (the stage's parse of the index) and the plain one take turns */
	b = fc_plumb_blobs(pl, &n);
	rc = content[5] % 2 ? fc_plumb_refresh_staged(pl, wa, seen) : fc_plumb_refresh(f->ga, wa, b, n, seen);
	fc_plumb_free(pl);
	free(wa);
	return rc;
}

/* Flip a byte of the first entry's stat data in place: size and trailer kept. */
static void damage_index(const char *ix)
{
	size_t len;
	char *data = unit_read_file(ix, &len);
	int fd = open(ix, O_WRONLY);

	assert_true(fd >= 0);
	data[12] ^= 0x55;
	assert_int_equal(pwrite(fd, data + 12, 1, 12), 1);
	close(fd);
	free(data);
}

static void test_fc_plumb__the_index_it_wrote_is_not_hashed_again(void **state)
{
	fixture *f = *state;
	char *ix = fc_asprintf("%s/index", f->ga), *data;
	fc_plumb_seen seen = { 0 }, forged;
	struct timespec keep[2];
	struct stat st;
	size_t len = 0;

	/* the refresh records the index it wrote: its stamp and its trailer */
	assert_ok(commit_and_refresh(f, "{\"a\":1}\n", &seen));
	assert_true(seen.set);
	assert_ok(stat(ix, &st));
	data = unit_read_file(ix, &len);
	assert_int_equal(seen.st.st_ino, st.st_ino);
	assert_int_equal(seen.st.st_size, st.st_size);
	assert_memory_equal(seen.sum, data + len - 20, 20);
	free(data);
	/* ...and takes it for the next one, which records its own */
	assert_ok(commit_and_refresh(f, "{\"a\":2}\n", &seen));
	assert_true(seen.set);
	git_is(f->a, "status --porcelain", "");

	/* a stamp that matches is trusted without the hash: proven by one
	 * forged to match an index damaged in place (git status, above,
	 * wrote an index of its own: the stamp and trailer are that file's) */
	damage_index(ix);
	assert_ok(stat(ix, &st));
	data = unit_read_file(ix, &len);
	forged = (fc_plumb_seen){ .st = st, .set = 1 };
	memcpy(forged.sum, data + len - 20, 20);
	free(data);
	assert_ok(commit_and_refresh(f, "{\"a\":3}\n", &forged));
	assert_true(forged.set);

	/* written in place since: the stamp moved, the hash runs, the damage is seen */
	seen = forged;
	damage_index(ix);
	assert_int_equal(commit_and_refresh(f, "{\"a\":4}\n", &seen), FC_PLUMB_NO);
	assert_false(seen.set);

	/* ...even with the mtime put back: ctime cannot be */
	git_quiet(f->a, "reset -q --hard");
	assert_ok(commit_and_refresh(f, "{\"a\":5}\n", &seen));
	assert_true(seen.set);
	damage_index(ix);
	keep[0] = seen.st.st_mtim;
	keep[1] = seen.st.st_mtim;
	assert_ok(utimensat(AT_FDCWD, ix, keep, 0));
	assert_int_equal(commit_and_refresh(f, "{\"a\":6}\n", &seen), FC_PLUMB_NO);

	/* an index git wrote since is a new file: verified, and taken */
	git_quiet(f->a, "reset -q --hard");
	assert_ok(commit_and_refresh(f, "{\"a\":7}\n", &seen));
	assert_true(seen.set);
	git_is(f->a, "status --porcelain", "");
	free(ix);
}

/* The index the stage parsed is the refresh's only while it is the same file. */
static void test_fc_plumb__staged_refresh_reads_an_index_written_since_the_stage(void **state)
{
	fixture *f = *state;
	fc_repo_file one[] = { { "domains/a.json", "{\"a\":1}\n", 8 } }, two[] = { { "domains/a.json", "{\"a\":2}\n", 8 } };
	char oid[FC_OID_HEX], *ix = fc_asprintf("%s/index", f->ga), *wa = fc_asprintf("%s/", f->a), *data;
	fc_plumb_seen seen = { 0 };
	fc_plumb *pl = NULL;
	int u;

	/* git writes the index between the stage and the refresh: a new file, read and taken */
	assert_ok(fc_plumb_stage(&pl, f->ga, one, 1, &u));
	assert_ok(fc_plumb_commit(pl, oid, "one", "Ada", "ada@example.com", UNIT_NOW));
	git_quiet(f->a, "update-index --index-version 3");
	git_quiet(f->a, "rm -q --cached domains/b.json && touch -d @1700000000 domains/b.json && git add domains/b.json");
	assert_ok(fc_plumb_refresh_staged(pl, wa, &seen));
	assert_true(seen.set);
	fc_plumb_free(pl);
	/* the entry git wrote is the one copied, not the stage's */
	data = git(f->a, "ls-files --debug domains/b.json");
	assert_contains(data, "mtime: 1700000000:0");
	free(data);
	git_is(f->a, "status --porcelain", "");
	git_is(f->a, "show -s --format=%s", "one\n");

	/* damaged in place between them: read again, hashed, declined */
	assert_ok(fc_plumb_stage(&pl, f->ga, two, 1, &u));
	assert_ok(fc_plumb_commit(pl, oid, "two", "Ada", "ada@example.com", UNIT_NOW));
	damage_index(ix);
	assert_int_equal(fc_plumb_refresh_staged(pl, wa, &seen), FC_PLUMB_NO);
	assert_false(seen.set);
	fc_plumb_free(pl);
	free(ix);
	free(wa);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_plumb__commits_are_libgit2s, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__unchanged_tree_is_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__declines_what_it_does_not_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__declines_packed_and_detached_repositories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__ref_moves_only_from_the_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__a_lock_a_killed_ficus_left_is_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__damaged_head_commit_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__refresh_declines_a_damaged_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__the_index_it_wrote_is_not_hashed_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_plumb__staged_refresh_reads_an_index_written_since_the_stage,
						setup, teardown),
	};
	unit_child_dispatch(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
