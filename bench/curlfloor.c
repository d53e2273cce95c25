/*
 * bench/curlfloor: the least a process that pushes through libcurl costs.
 *
 * It links Debian's libcurl, initialises it as ficus does before a push
 * (curl_global_init: the TLS library included) and exits.  Its wall time
 * beside /bin/true's is the floor under any whole-process figure that
 * needs libcurl on the machine the bench ran on: the dynamic loader's work
 * for libcurl and the libraries it needs, nothing of ficus.
 */
#include <curl/curl.h>
#include <stdio.h>

int main(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "curlfloor: curl_global_init failed\n");
		return 1;
	}
	curl_global_cleanup();
	return 0;
}
