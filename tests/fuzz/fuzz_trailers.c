/* Fuzz the commit message parser (subject, body, trailers). */
#include <stdlib.h>
#include <string.h>
#include <git2.h>

#include "fc_buf.h"
#include "fc_repo.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	static int ready;
	char *msg = fc_strndup((const char *)data, len);
	fc_commit_info c;

	if (!ready) {
		git_libgit2_init();
		ready = 1;
	}
	memset(&c, 0, sizeof(c));
	fc_commit_parse_message(&c, msg);
	for (size_t i = 0; i < c.ntrailers; i++)
		if (!c.keys[i] || !c.values[i])
			abort();
	fc_commit_info_clear(&c);
	free(msg);
	return 0;
}
