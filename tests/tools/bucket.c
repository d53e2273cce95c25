/*
 * bucket - reference implementation of the ficus routing bucket.
 *
 *   bucket FLAG [TENANT...]      tenants from the arguments, or
 *   bucket FLAG < tenants.txt    one tenant per line on stdin
 *
 * prints "TENANT BUCKET" per tenant, where
 *   BUCKET = crc32("FLAG:TENANT") mod 10000
 * and crc32 is the IEEE 802.3 / zlib CRC-32 (reflected, poly 0xEDB88320,
 * init and final xor 0xFFFFFFFF), taken as an unsigned 32-bit number.
 * Self-contained on purpose: no zlib.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t table[256];

static void crc_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[n] = c;
	}
}

static uint32_t crc_update(uint32_t crc, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ (unsigned char)s[i]) & 0xFF] ^ (crc >> 8);
	return crc;
}

static void emit(const char *flag, const char *tenant, size_t tlen)
{
	uint32_t c = 0xFFFFFFFFu;
	c = crc_update(c, flag, strlen(flag));
	c = crc_update(c, ":", 1);
	c = crc_update(c, tenant, tlen);
	c ^= 0xFFFFFFFFu;
	printf("%.*s %u\n", (int)tlen, tenant, (unsigned)(c % 10000u));
}

int main(int argc, char **argv)
{
	char line[4096];

	if (argc < 2) {
		fprintf(stderr, "usage: %s FLAG [TENANT...]  (or tenants on stdin)\n", argv[0]);
		return 2;
	}
	crc_init();
	if (argc > 2) {
		for (int i = 2; i < argc; i++)
			emit(argv[1], argv[i], strlen(argv[i]));
		return 0;
	}
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strcspn(line, "\r\n");
		if (n > 0)
			emit(argv[1], line, n);
	}
	return 0;
}
