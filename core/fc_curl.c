/* libcurl through dlopen(): see fc_curl.h. */
#include <stddef.h>

#include "fc_curl.h"
#include "fc_dl.h"

/* The soname of libcurl's ABI (4 since 2006); the Makefile may name another. */
#ifndef FC_CURL_SONAME
#define FC_CURL_SONAME "libcurl.so.4"
#endif

static fc_curl_api api;

static const fc_dl_sym syms[] = {
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

static fc_dl_lib lib = FC_DL_LIB_INIT("libcurl", "FICUS_LIBCURL", FC_CURL_SONAME, "7.66", syms, &api);

const fc_curl_api *fc_curl(void)
{
	return fc_dl_open(&lib) < 0 ? NULL : &api;
}
