#ifndef FC_NAME_H
#define FC_NAME_H
/*
 * Names of domains, services, flags and routers, and percentages.
 *
 * A name is [a-z0-9][a-z0-9._-]{0,62}: it is used as a file name in the
 * plan repository, a map key on routers and a word on the command line, so
 * anything else is refused before it touches a file.
 */
#include <stddef.h>
#include <stdint.h>

/* 0 when valid; FC_EINVAL with a message naming `what` ("domain") otherwise. */
int fc_name_check(const char *what, const char *name);

/*
 * Percentages: "10", "10%", "0.5%", "12.34%" into basis points (0..10000).
 * More than two decimals or out of range is FC_EINVAL.
 */
int fc_pct_parse(int *out_bp, const char *s);

/* "10%", "0.5%", "12.34%" into buf (at least 8 bytes). */
void fc_pct_format(char *buf, unsigned long size, int bp);

/* The routing bucket of SPEC 1: crc32("<flag>:<tenant>") mod 10000. */
int fc_tenant_bucket(const char *flag, const char *tenant);

/* zlib's crc32, continuing from `crc` (start with 0); len fits in 32 bits (names, keys). */
uint32_t fc_crc32(uint32_t crc, const void *data, unsigned long len);

/*
 * Names to their positions in an array the caller keeps: open addressing
 * on a hash of the name.  The names are borrowed and must stay where they
 * are while the index is used.
 */
typedef struct {
	uint32_t *slot; /* position + 1; 0: empty */
	size_t mask;
} fc_name_index;

void fc_name_index_build(fc_name_index *x, const char *const *names, size_t n);
/* The position of `name` in `names`, or -1. */
long fc_name_index_find(const fc_name_index *x, const char *const *names, const char *name);
void fc_name_index_free(fc_name_index *x);

#endif
