/* fc_leftover: what a killed process leaves in .git, and when it is stale. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <utime.h>

#include "unit.h"
#include "fc_leftover.h"

/* An old file at top/rel (old enough to be past FC_LEFTOVER_MIN_AGE). */
static void old_file(const char *top, const char *rel)
{
	char *p = fc_asprintf("%s/%s", top, rel);
	struct utimbuf t = { time(NULL) - 60, time(NULL) - 60 };
	unit_write_file(p, "junk");
	assert_int_equal(utime(p, &t), 0);
	free(p);
}

static void mkdirs(const char *top, const char *rel)
{
	char *p = fc_asprintf("%s/%s", top, rel);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static const fc_leftover *find(const fc_leftover *l, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].path, path))
			return &l[i];
	return NULL;
}

static void test_fc_leftover__lists_judges_and_removes(void **state)
{
	char *top = unit_tmpdir(), *gitdir = fc_asprintf("%s/.git", top), *held, *fresh, *report = NULL;
	fc_leftover *l = NULL;
	size_t n = 0, removed = 0;
	pid_t dead;
	int fd;
	(void)state;

	mkdirs(top, ".git");
	mkdirs(top, ".git/refs");
	mkdirs(top, ".git/refs/heads");
	mkdirs(top, ".git/ficus");
	mkdirs(top, ".git/objects");
	mkdirs(top, ".git/objects/ab");
	mkdirs(top, "services");
	old_file(top, ".git/index.lock");
	old_file(top, ".git/refs/heads/main.lock");
	old_file(top, ".git/ficus/plan.db.rebuild");
	old_file(top, ".git/objects/ab/tmp_object_git2_q1");
	old_file(top, ".git/refs/heads/main");       /* not a leftover */
	old_file(top, "services/x.json");           /* not a leftover */
	old_file(top, ".git/objects/ab/cdef");      /* not a leftover */
	if ((dead = fork()) == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	{
		char *w = fc_asprintf("services/x.json.ficus-%ld", (long)dead);
		char *mine = fc_asprintf(".git/config.ficus-%ld", (long)getpid());
		old_file(top, w);
		old_file(top, mine);
		free(w);
		free(mine);
	}
	/* held open by this live process: never stale */
	old_file(top, ".git/HEAD.lock");
	held = fc_asprintf("%s/.git/HEAD.lock", top);
	fd = open(held, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fc_leftover_in_use(held), 1);
	/* new: a writer may be between closing and renaming it */
	fresh = fc_asprintf("%s/.git/packed-refs.lock", top);
	unit_write_file(fresh, "x");
	assert_int_equal(fc_leftover_in_use(fresh), 0);

	assert_int_equal(fc_leftover_list(gitdir, &l, &n), 0);
	assert_int_equal(n, 8);
	assert_true(find(l, n, ".git/index.lock")->stale);
	assert_string_equal(find(l, n, ".git/index.lock")->kind, "git lock");
	assert_true(find(l, n, ".git/refs/heads/main.lock")->stale);
	assert_true(find(l, n, ".git/ficus/plan.db.rebuild")->stale);
	assert_string_equal(find(l, n, ".git/objects/ab/tmp_object_git2_q1")->kind, "libgit2 temp file");
	assert_false(find(l, n, ".git/HEAD.lock")->stale);
	assert_false(find(l, n, ".git/packed-refs.lock")->stale);
	assert_null(find(l, n, ".git/refs/heads/main"));
	assert_null(find(l, n, "services/x.json"));
	for (size_t i = 0; i < n; i++)
		if (strstr(l[i].path, ".ficus-"))
			assert_int_equal(l[i].stale, strncmp(l[i].path, "services/", 9) == 0); /* ours lives */
	assert_int_equal(fc_leftover_remove_stale(gitdir, l, n, &removed), 0);
	assert_int_equal(removed, 5);
	fc_leftover_free(l, n);
	assert_int_equal(access(held, F_OK), 0);
	assert_int_equal(access(fresh, F_OK), 0);

	/* the holder gone and the lock old: taken over */
	close(fd);
	{
		struct utimbuf t = { time(NULL) - 60, time(NULL) - 60 };
		assert_int_equal(utime(held, &t), 0);
	}
	assert_int_equal(fc_leftover_take_stale(gitdir, &report), 0);
	assert_non_null(strstr(report, "removed stale git lock '.git/HEAD.lock'"));
	assert_int_not_equal(access(held, F_OK), 0);
	free(report);
	assert_int_equal(fc_leftover_take_stale(gitdir, &report), 0);
	assert_string_equal(report, "");
	free(report);

	{
		char *gone = fc_asprintf("%s/nonexistent/.git", top);
		assert_int_equal(fc_leftover_list(gone, &l, &n), FC_ERROR);
		free(gone);
	}
	assert_int_equal(fc_leftover_list(top, &l, &n), FC_ERROR); /* not a .git */
	fc_leftover_free(NULL, 0);
	free(held);
	free(fresh);
	free(gitdir);
	unit_rmtree(top);
}


/*
 * Under the plan lock (take_stale) a young lock or temp file that no
 * process has open is a killed writer's: taken at once, so that the change
 * right after a kill goes on.  Doctor's listing keeps the age guard, and
 * while a remote operation holds the remote lock, so do the objects.
 */
static void test_fc_leftover__a_writer_takes_a_young_stale_lock(void **state)
{
	char *top = unit_tmpdir(), *gitdir = fc_asprintf("%s/.git", top), *report = NULL;
	char *lock = fc_asprintf("%s/.git/refs/heads/main.lock", top), *tmp = fc_asprintf("%s/.git/objects/tmp_object_git2_y", top);
	char *remote = fc_asprintf("%s/.git/ficus/remote-lock", top);
	fc_leftover *l = NULL;
	size_t n = 0;
	int fd;
	(void)state;

	mkdirs(top, ".git");
	mkdirs(top, ".git/refs");
	mkdirs(top, ".git/refs/heads");
	mkdirs(top, ".git/ficus");
	mkdirs(top, ".git/objects");
	unit_write_file(lock, "x");
	unit_write_file(tmp, "x");
	/* doctor: young, so not yet stale */
	assert_int_equal(fc_leftover_list(gitdir, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_false(l[0].stale);
	assert_false(l[1].stale);
	fc_leftover_free(l, n);
	/* a remote operation runs: the young object temp file may be its own */
	fd = open(remote, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(fc_leftover_take_stale(gitdir, &report), 0);
	assert_non_null(strstr(report, "'.git/refs/heads/main.lock'"));
	assert_null(strstr(report, "tmp_object_git2_y"));
	assert_int_not_equal(access(lock, F_OK), 0);
	assert_int_equal(access(tmp, F_OK), 0);
	free(report);
	close(fd);
	/* none runs: taken */
	assert_int_equal(fc_leftover_take_stale(gitdir, &report), 0);
	assert_non_null(strstr(report, "removed stale libgit2 temp file '.git/objects/tmp_object_git2_y'"));
	assert_int_not_equal(access(tmp, F_OK), 0);
	free(report);
	free(lock);
	free(tmp);
	free(remote);
	free(gitdir);
	unit_rmtree(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_leftover__lists_judges_and_removes),
		cmocka_unit_test(test_fc_leftover__a_writer_takes_a_young_stale_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
