/* Fuzz the parsers of small values from the command line and the files:
 * durations, percentages, times, --expect, names.  What parses must
 * format and parse back to the same value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_clock.h"
#include "fc_life.h"
#include "fc_name.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	char *s = fc_strndup((const char *)data, len), buf[64];
	int64_t d, d2;
	int bp, bp2, hp, hb;
	fc_time t, t2;
	fc_phase ph;

	if (fc_duration_parse(&d, s) == 0) {
		fc_duration_format(buf, sizeof(buf), d);
		/* the compact form keeps two units: it must not grow */
		if (fc_duration_parse(&d2, buf) < 0 || d2 > d)
			abort();
	}
	if (fc_pct_parse(&bp, s) == 0) {
		if (bp < 0 || bp > 10000)
			abort();
		fc_pct_format(buf, sizeof(buf), bp);
		if (fc_pct_parse(&bp2, buf) < 0 || bp2 != bp)
			abort();
	}
	if (fc_time_parse(&t, s) == 0 && t >= 0 && t < 253402300799LL) {
		fc_time_format(buf, sizeof(buf), t);
		if (fc_time_parse(&t2, buf) < 0 || t2 != t)
			abort();
	}
	fc_expect_parse(s, &hp, &ph, &hb, &bp);
	if (fc_name_check("fuzz", s) == 0 && (strlen(s) > 63 || strchr(s, '/')))
		abort();
	free(s);
	return 0;
}
