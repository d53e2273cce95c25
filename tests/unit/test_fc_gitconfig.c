/* fc_gitconfig: user.name and user.email read without libgit2, checked against git itself. */
#include "unit.h"
#include "fc_gitconfig.h"

typedef struct {
	char *dir;  /* a repository, and HOME */
	char *home;
	char *xdg;
} fixture;

static int setup(void **state)
{
	fixture *f = fc_calloc(1, sizeof(*f));
	char *cmd;

	f->dir = unit_tmpdir();
	f->home = fc_asprintf("%s/home", f->dir);
	f->xdg = fc_asprintf("%s/xdg", f->dir);
	cmd = fc_asprintf("mkdir -p '%s' '%s/git' && git init -q '%s/repo'", f->home, f->xdg, f->dir);
	free(unit_run(cmd));
	free(cmd);
	setenv("HOME", f->home, 1);
	setenv("XDG_CONFIG_HOME", f->xdg, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	unit_rmtree(f->dir);
	free(f->home);
	free(f->xdg);
	free(f);
	return 0;
}

/* Write the global, XDG and repository config files (NULL: none). */
static void configs(fixture *f, const char *global, const char *xdg, const char *local)
{
	const char *text[3] = { global, xdg, local };
	char *path[3] = { fc_asprintf("%s/.gitconfig", f->home), fc_asprintf("%s/git/config", f->xdg),
			  fc_asprintf("%s/repo/.git/config", f->dir) };

	for (int i = 0; i < 3; i++) {
		if (text[i])
			unit_write_file(path[i], text[i]);
		else if (i < 2)
			unlink(path[i]);
		else
			unit_write_file(path[i], "[core]\n\trepositoryformatversion = 0\n\tbare = false\n");
		free(path[i]);
	}
}

/* What git itself gives for `key` there, without a trailing newline ("" when unset). */
static char *git_says(fixture *f, const char *key)
{
	char *cmd = fc_asprintf("cd '%s/repo' && env -u GIT_CONFIG_NOSYSTEM git config --get %s || true", f->dir, key),
	     *out = unit_run(cmd);
	size_t n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	free(cmd);
	return out;
}

/* The reader is sure, and agrees on both keys with git and with libgit2 (what ficus asked before). */
static void sure_and_right(fixture *f)
{
	const char *keys[] = { "user.name", "user.email" };
	char *vals[2], *gitdir = fc_asprintf("%s/repo/.git", f->dir), *repo = fc_asprintf("%s/repo", f->dir);
	fc_repo *r = NULL;

	assert_int_equal(fc_gitconfig_plain(gitdir, keys, 2, vals), 1);
	assert_ok(fc_repo_open(&r, repo));
	assert_false(fc_repo_has_head(r)); /* opened through libgit2 now: fc_repo_config asks it */
	for (int i = 0; i < 2; i++) {
		char *want = git_says(f, keys[i]), *lib = fc_repo_config(r, keys[i]);
		assert_string_equal(vals[i] ? vals[i] : "", want);
		assert_string_equal(vals[i] ? vals[i] : "", lib ? lib : "");
		free(want);
		free(lib);
		free(vals[i]);
	}
	fc_repo_free(r);
	free(repo);
	free(gitdir);
}

/* The reader leaves it to libgit2. */
static void unsure(fixture *f)
{
	const char *keys[] = { "user.name", "user.email" };
	char *vals[2] = { (char *)"x", (char *)"y" }, *gitdir = fc_asprintf("%s/repo/.git", f->dir);

	assert_int_equal(fc_gitconfig_plain(gitdir, keys, 2, vals), 0);
	assert_null(vals[0]);
	assert_null(vals[1]);
	free(gitdir);
}

static void test_fc_gitconfig__plain_files_read_as_git_reads_them(void **state)
{
	fixture *f = *state;

	/* nothing set anywhere */
	configs(f, NULL, NULL, NULL);
	sure_and_right(f);
	/* the global file */
	configs(f, "[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n", NULL, NULL);
	sure_and_right(f);
	/* the repository's wins over the global one, key by key */
	configs(f, "[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n", NULL, "[user]\n\tname = Local Name\n");
	sure_and_right(f);
	/* ~/.gitconfig wins over the XDG file */
	configs(f, "[user]\n\tname = Global\n", "[user]\n\tname = Xdg\n\temail = xdg@example.com\n", NULL);
	sure_and_right(f);
	/* names of any case, no spaces around '=', comments, blank lines, other sections */
	configs(f, "# me\n[core]\n\tautocrlf = false\n\n[User]\n\tNAME=Mixed Case  \n; and\n  EMail =m@example.com\n",
		NULL, NULL);
	sure_and_right(f);
	/* the last one in a file, across sections */
	configs(f, "[user]\n\tname = First\n[alias]\n\tst = status\n[user]\n\tname = Second\n", NULL, NULL);
	sure_and_right(f);
	/* subsections are other sections: [user "x"], [user.x] */
	configs(f, "[user]\n\tname = Plain\n[user \"x\"]\n\tname = Sub\n[user.y]\n\tname = Dotted\n", NULL, NULL);
	sure_and_right(f);
	/* white space inside a value kept as it is */
	configs(f, "[user]\n\tname = Ada  Byron   Lovelace \n", NULL, NULL);
	sure_and_right(f);
	/* an empty value is no value */
	configs(f, "[user]\n\tname =\n\temail = e@example.com\n", NULL, NULL);
	sure_and_right(f);
	/* values of other keys may be as odd as they like */
	configs(f, "[alias]\n\tlg = \"log --format=\\\"%h\\\"\" ; quoted\n[user]\n\tname = After Alias\n", NULL, NULL);
	sure_and_right(f);
}

static void test_fc_gitconfig__anything_else_is_left_to_libgit2(void **state)
{
	fixture *f = *state;
	const char *odd[] = {
		"[user]\n\tname = \"Quoted\"\n",
		"[user]\n\tname = Ada # a comment\n",
		"[user]\n\tname = Ada\\\n Lovelace\n",
		"[user]\n\tname = Ada\tLovelace\n",
		"[user] name = Same Line\n",
		"[user]\n\tname\n",
		"[include]\n\tpath = other.cfg\n",
		"[includeIf \"gitdir:~/work/\"]\n\tpath = work.cfg\n",
		"[ user ]\n\tname = Spaced\n",
		"\xef\xbb\xbf[user]\n\tname = Bom\n",
		"[user]\r\n\tname = Crlf\r\n",
	};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		configs(f, odd[i], NULL, NULL);
		unsure(f);
	}
	/* in the repository's file too */
	configs(f, "[user]\n\tname = Fine\n", NULL, "[extensions]\n\tworktreeConfig = true\n");
	unsure(f);
	/* a config variable in the environment */
	configs(f, "[user]\n\tname = Fine\n", NULL, NULL);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	unsure(f);
	unsetenv("GIT_CONFIG_GLOBAL");
	sure_and_right(f);
	/* no HOME: libgit2 finds it another way */
	unsetenv("HOME");
	unsure(f);
	setenv("HOME", f->home, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fc_gitconfig__plain_files_read_as_git_reads_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fc_gitconfig__anything_else_is_left_to_libgit2, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
