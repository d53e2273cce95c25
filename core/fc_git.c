/* libgit2 through dlopen(): see fc_git.h. */
#include <stddef.h>

#include "fc_dl.h"
#include "fc_git.h"

/*
 * The soname of the libgit2 whose headers ficus is built with: the Makefile
 * reads it off that library.  Failing that, libgit2 1.1 and later give its
 * version in their headers.
 */
#ifndef FC_GIT_SONAME
#if defined(LIBGIT2_SOVERSION) && LIBGIT2_VER_MAJOR * 100 + LIBGIT2_VER_MINOR >= 101
#define FC_GIT_SONAME "libgit2.so." LIBGIT2_SOVERSION
#else
#define FC_GIT_SONAME "libgit2.so"
#endif
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

fc_git_api fc_git_fn;

static const fc_dl_sym syms[] = {
#define FC_GIT_SYM(f) { #f, offsetof(fc_git_api, f) },
	FC_GIT_FUNCS(FC_GIT_SYM)
#undef FC_GIT_SYM
};

/* libgit2's ABI changes with each minor version: ficus needs its headers' one */
static fc_dl_lib lib = FC_DL_LIB_INIT("libgit2", "FICUS_LIBGIT2", FC_GIT_SONAME,
				      STR(LIBGIT2_VER_MAJOR) "." STR(LIBGIT2_VER_MINOR), syms, &fc_git_fn);

int fc_git_load(void)
{
	return fc_dl_open(&lib);
}
