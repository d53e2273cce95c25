/*
 * bench/floor: the work no design of ficus can skip (SPEC 8).
 *
 *   floor PLAN
 *
 * Linked to the libraries ficus links, the same way (shared, pkg-config),
 * it initialises libgit2 and libcurl, opens the plan repository, reads its
 * index and exits.  Its wall time is the floor a whole-process figure is
 * stated against ("floor + N ms") on the machine the bench ran on.  One
 * call into each other library keeps it linked even where the linker drops
 * unused ones.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <curses.h>
#include <git2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <zlib.h>

int main(int argc, char **argv)
{
	git_repository *repo = NULL;
	git_index *idx = NULL;
	const git_error *e;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: floor PLAN\n");
		return 2;
	}
	if (!sqlite3_libversion() || !zlibVersion() || !curses_version() || !cJSON_Version())
		return 1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "floor: curl_global_init failed\n");
		return 1;
	}
	git_libgit2_init();
	if (git_repository_open_ext(&repo, argv[1], GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_repository_index(&idx, repo) < 0 || git_index_read(idx, 0) < 0) {
		e = git_error_last();
		fprintf(stderr, "floor: '%s': %s\n", argv[1], e && e->message ? e->message : "cannot read the index");
		rc = 1;
	} else if (git_index_entrycount(idx) == 0) {
		fprintf(stderr, "floor: '%s': the index is empty\n", argv[1]);
		rc = 1;
	}
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();
	curl_global_cleanup();
	return rc;
}
