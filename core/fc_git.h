#ifndef FC_GIT_H
#define FC_GIT_H
/*
 * libgit2, loaded on first use.
 *
 * libgit2 and the libraries it brings (mbedtls, libssh2, Kerberos, pcre2,
 * http-parser) cost about 6 ms of every process's start-up, and the
 * commands that only read the database (status, order, the dashboard)
 * never touch git.  So ficus does not link libgit2: fc_repo, the one
 * module that calls it, goes through this table, filled by dlopen() when
 * a repository is first needed (in fc_repo_warm()'s thread for a command
 * that will write).  FICUS_LIBGIT2 names another library than the one
 * ficus was built with.  Each entry has the type of libgit2's own
 * declaration, so every call is checked against libgit2's headers.
 */
#include <git2.h>

/* Every libgit2 function ficus calls (fc_repo_git.h routes the calls). */
#define FC_GIT_FUNCS(X) \
	X(git_blob_create_from_buffer) \
	X(git_blob_free) \
	X(git_blob_id) \
	X(git_blob_lookup) \
	X(git_blob_rawcontent) \
	X(git_blob_rawsize) \
	X(git_buf_dispose) \
	X(git_checkout_head) \
	X(git_commit_author) \
	X(git_commit_create) \
	X(git_commit_free) \
	X(git_commit_id) \
	X(git_commit_lookup) \
	X(git_commit_message) \
	X(git_commit_parent_id) \
	X(git_commit_parentcount) \
	X(git_commit_tree) \
	X(git_config_delete_entry) \
	X(git_config_free) \
	X(git_config_get_string_buf) \
	X(git_config_set_string) \
	X(git_error_last) \
	X(git_graph_descendant_of) \
	X(git_index_add_bypath) \
	X(git_index_free) \
	X(git_index_remove_bypath) \
	X(git_index_write) \
	X(git_libgit2_init) \
	X(git_libgit2_shutdown) \
	X(git_message_trailer_array_free) \
	X(git_message_trailers) \
	X(git_object_free) \
	X(git_object_lookup) \
	X(git_oid_cpy) \
	X(git_oid_equal) \
	X(git_oid_tostr) \
	X(git_reference_create) \
	X(git_reference_create_matching) \
	X(git_reference_delete) \
	X(git_reference_free) \
	X(git_reference_lookup) \
	X(git_reference_name_to_id) \
	X(git_remote_connect) \
	X(git_remote_create) \
	X(git_remote_create_anonymous) \
	X(git_remote_fetch) \
	X(git_remote_free) \
	X(git_remote_lookup) \
	X(git_remote_ls) \
	X(git_remote_push) \
	X(git_repository_config) \
	X(git_repository_config_snapshot) \
	X(git_repository_free) \
	X(git_repository_index) \
	X(git_repository_init_ext) \
	X(git_repository_is_bare) \
	X(git_repository_open) \
	X(git_repository_open_bare) \
	X(git_repository_open_ext) \
	X(git_repository_path) \
	X(git_repository_set_head) \
	X(git_repository_workdir) \
	X(git_reset) \
	X(git_revwalk_free) \
	X(git_revwalk_new) \
	X(git_revwalk_next) \
	X(git_revwalk_push_head) \
	X(git_revwalk_push) \
	X(git_revwalk_hide) \
	X(git_commit_summary) \
	X(git_commit_committer) \
	X(git_revwalk_sorting) \
	X(git_signature_free) \
	X(git_signature_new) \
	X(git_status_byindex) \
	X(git_status_list_entrycount) \
	X(git_status_list_free) \
	X(git_status_list_new) \
	X(git_tree_create_updated) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_free) \
	X(git_tree_id) \
	X(git_tree_lookup) \
	X(git_tree_walk) \
	X(git_treebuilder_free) \
	X(git_treebuilder_new) \
	X(git_treebuilder_write)

typedef struct {
#define FC_GIT_FIELD(f) __typeof__(f) *f;
	FC_GIT_FUNCS(FC_GIT_FIELD)
#undef FC_GIT_FIELD
} fc_git_api;

/* The table: every entry NULL until fc_git_load() succeeds. */
extern fc_git_api fc_git_fn;

/*
 * Load libgit2 into fc_git_fn the first time; later calls give the same
 * outcome at once.  0, or FC_ERROR naming the library in fc_error_last()
 * (it, or one of its functions, is missing).  Thread-safe.  It does not
 * call git_libgit2_init(): that stays the caller's, paired with its
 * git_libgit2_shutdown().
 */
int fc_git_load(void);

#endif
