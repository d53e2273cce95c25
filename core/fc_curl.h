#ifndef FC_CURL_H
#define FC_CURL_H
/*
 * libcurl, loaded on first use.
 *
 * Most ficus commands never talk to a router, and libcurl brings some
 * thirty shared libraries with it (two TLS stacks, HTTP/2, IDN, LDAP,
 * Kerberos): loading them was the largest part of every process's
 * start-up (about 9 ms of 22 on the machines we measure; see make bench).
 * So ficus does not link libcurl: fc_http, the one module that speaks
 * HTTP, calls it through this table, filled by dlopen() the first time a
 * request is made (FICUS_LIBCURL names another library than libcurl.so.4).
 * The headers are libcurl's own, so types and option numbers are checked
 * at compile time as before.  libgit2 is loaded the same way (fc_git.h),
 * both through fc_dl.
 */
#include <curl/curl.h>

typedef struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *e, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *e, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *e);
	const char *(*easy_strerror)(CURLcode code);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *e);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *e);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_timeout)(CURLM *m, long *ms);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd extra[], unsigned int n, int ms, int *ret);
	CURLMcode (*multi_cleanup)(CURLM *m);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} fc_curl_api;

/*
 * The loaded library, or NULL with the reason in fc_error_last() (the
 * library or one of its functions is missing).  Thread-safe; loads once.
 */
const fc_curl_api *fc_curl(void);

#endif
