/* Fuzz the Prometheus answer parser: never crash, and what parses is a
 * value or no data, never both. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fc_error.h"
#include "fc_prom.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t len)
{
	fc_prom_answer a;
	long status = len ? (data[0] % 3 == 0 ? 400 : 200) : 200;
	int rc = fc_prom_parse(&a, status, (const char *)data, len);

	if (rc == 0 && a.has_value && isnan(a.value))
		abort();
	if (rc < 0 && (a.has_value || a.nseries))
		abort();
	if (memchr(a.series, '\n', sizeof(a.series)))
		abort();
	fc_error_clear();
	return 0;
}
