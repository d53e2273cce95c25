#ifndef FC_SHA1_H
#define FC_SHA1_H
/*
 * SHA-1 (FIPS 180-4), the digest git names objects and checksums its index
 * with.  ficus hashes without libgit2 where it has not been loaded yet
 * (verify hashes every rendered file) and where libgit2 has no public
 * function (the index checksum the work-tree refresh writes).  On x86-64
 * processors with the SHA extensions the blocks go through them, some
 * four times faster than the portable code; the digest is the same.
 */
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
} fc_sha1;

void fc_sha1_init(fc_sha1 *c);
void fc_sha1_put(fc_sha1 *c, const void *data, size_t len);
void fc_sha1_final(fc_sha1 *c, unsigned char out[20]);

/* For tests: 1 to use the portable code even where the SHA extensions are. */
void fc_sha1_portable(int on);

/* 1 when blocks go through the processor's SHA extensions. */
int fc_sha1_accelerated(void);

#endif
