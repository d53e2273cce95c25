/* Fuzz the plan-file readers that 'ficus rebuild' and 'map import' use:
 * the first byte picks the file (settings, a domain, a service), the rest
 * is its content, loaded into an in-memory database; a file that loads
 * must render back and load again to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "fc_render.h"
#include "fc_store.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len);

/* Two in-memory stores opened once; each input runs in a rolled-back transaction. */
static fc_store *fresh(int which)
{
	static fc_store *s[2];
	if (!s[which]) {
		if (fc_store_open(&s[which], ":memory:", 1, 1000) < 0)
			abort();
		fc_store_exec(s[which], "PRAGMA foreign_keys = OFF", NULL);
	}
	if (fc_store_begin(s[which], 1) < 0)
		abort();
	return s[which];
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	static const char *paths[] = { "ficus.json", "domains/tracking.json", "services/tracking.json" };
	const char *path;
	fc_store *s;
	fc_buf out = FC_BUF_INIT;
	int known, exists = 0;

	if (len < 1)
		return 0;
	path = paths[data[0] % 3];
	s = fresh(0);
	if (fc_load_path(s, path, (const char *)data + 1, len - 1, &known) == 0) {
		fc_buf again = FC_BUF_INIT;
		fc_store *t;
		if (fc_render_path(s, path, &out, &exists) < 0 || !exists)
			abort(); /* what loads must render */
		t = fresh(1);
		if (fc_load_path(t, path, out.ptr, out.len, &known) < 0 ||
		    fc_render_path(t, path, &again, &exists) < 0 || again.len != out.len ||
		    memcmp(again.ptr, out.ptr, out.len))
			abort(); /* render -> load -> render is stable */
		fc_buf_free(&again);
		fc_store_rollback(t);
	}
	fc_buf_free(&out);
	fc_store_rollback(s);
	return 0;
}
