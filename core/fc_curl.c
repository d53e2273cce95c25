/* libcurl through dlopen(): see fc_curl.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "fc_curl.h"
#include "fc_error.h"

/* The soname of libcurl's ABI (4 since 2006); the Makefile may name another. */
#ifndef FC_CURL_SONAME
#define FC_CURL_SONAME "libcurl.so.4"
#endif

static fc_curl_api api;
static int loaded;              /* 1 loaded, -1 failed */
static char why[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const struct {
	const char *name;
	size_t off;
} syms[] = {
#define SYM(field, name) { name, offsetof(fc_curl_api, field) }
	SYM(global_init, "curl_global_init"),
	SYM(easy_init, "curl_easy_init"),
	SYM(easy_setopt, "curl_easy_setopt"),
	SYM(easy_getinfo, "curl_easy_getinfo"),
	SYM(easy_cleanup, "curl_easy_cleanup"),
	SYM(easy_strerror, "curl_easy_strerror"),
	SYM(multi_init, "curl_multi_init"),
	SYM(multi_setopt, "curl_multi_setopt"),
	SYM(multi_add_handle, "curl_multi_add_handle"),
	SYM(multi_remove_handle, "curl_multi_remove_handle"),
	SYM(multi_perform, "curl_multi_perform"),
	SYM(multi_info_read, "curl_multi_info_read"),
	SYM(multi_timeout, "curl_multi_timeout"),
	SYM(multi_poll, "curl_multi_poll"),
	SYM(multi_cleanup, "curl_multi_cleanup"),
	SYM(slist_append, "curl_slist_append"),
	SYM(slist_free_all, "curl_slist_free_all"),
#undef SYM
};

static void load(void)
{
	const char *name = getenv("FICUS_LIBCURL"), *err;
	void *lib;

	if (!name || !*name)
		name = FC_CURL_SONAME;
	/* never closed: libcurl keeps global state until the process ends */
	if (!(lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) {
		err = dlerror();
		snprintf(why, sizeof(why), "cannot load libcurl (%.80s): %.120s", name, err ? err : "not found");
		loaded = -1;
		return;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(lib, syms[i].name);
		if (!f) {
			snprintf(why, sizeof(why), "libcurl (%.80s) has no %s(): it is older than ficus needs (7.66)",
				 name, syms[i].name);
			loaded = -1;
			return;
		}
		/* POSIX: a data pointer from dlsym() converts to a function pointer */
		*(void **)((char *)&api + syms[i].off) = f;
	}
	loaded = 1;
}

const fc_curl_api *fc_curl(void)
{
	pthread_once(&once, load);
	if (loaded < 0) {
		fc_error_set(FC_ERROR, "%s", why);
		return NULL;
	}
	return &api;
}
