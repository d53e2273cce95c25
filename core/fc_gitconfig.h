#ifndef FC_GITCONFIG_H
#define FC_GITCONFIG_H
/*
 * git config read without libgit2, for the simple case: the commit
 * identity (user.name, user.email) that every change made without
 * --actor or FICUS_ACTOR needs.  Loading and starting libgit2 to read
 * two values doubled the time of such a change (31 against 15 ms on the
 * small plan here).  Anything this reader is not sure of (an include, a
 * quoted or escaped value, a line it does not know, a config variable
 * in the environment) makes it answer "ask libgit2", never a guess.
 */
#include <stddef.h>

#define FC_GITCONFIG_PATH_MAX 4200
#define FC_GITCONFIG_FILES 4
#define FC_GITCONFIG_KEYS 8 /* asked at once, at most */

/*
 * The config files libgit2 reads for the repository at gitdir, lowest
 * precedence first: /etc/gitconfig, the XDG one, ~/.gitconfig, the
 * repository's.  Their count, or 0 when HOME is not set.
 */
size_t fc_gitconfig_paths(const char *gitdir, char paths[FC_GITCONFIG_FILES][FC_GITCONFIG_PATH_MAX]);

/*
 * The values of `keys` ("user.name": a section and a key, no
 * subsection) as libgit2 gives them: 1 with vals[i] set (NULL where no
 * file sets it or the value is empty; the caller frees), or 0, vals all
 * NULL, when libgit2 must read them (or more than FC_GITCONFIG_KEYS).
 */
int fc_gitconfig_plain(const char *gitdir, const char *const *keys, size_t n, char **vals);

#endif
