/* fc_sha1: the FIPS 180 test vectors, and the SHA extensions agree with the portable code. */
#include "unit.h"

#include "fc_sha1.h"

static void hex(char out[41], const unsigned char sum[20])
{
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

static void digest(char out[41], const void *data, size_t len)
{
	unsigned char sum[20];
	fc_sha1 c;

	fc_sha1_init(&c);
	fc_sha1_put(&c, data, len);
	fc_sha1_final(&c, sum);
	hex(out, sum);
}

static void vectors(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
		  "nopqrstu", "a49b2446a02c645bf419f995b67091253a04a259" },
	};
	char got[41];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		digest(got, v[i].in, strlen(v[i].in));
		assert_string_equal(got, v[i].want);
	}
	/* a million 'a', put in uneven pieces */
	{
		static char a[1000];
		unsigned char sum[20];
		fc_sha1 c;
		size_t done = 0, k = 1;
		memset(a, 'a', sizeof(a));
		fc_sha1_init(&c);
		while (done < 1000000) {
			size_t n = k % sizeof(a) + 1;
			if (n > 1000000 - done)
				n = 1000000 - done;
			fc_sha1_put(&c, a, n);
			done += n;
			k = k * 7 + 3;
		}
		fc_sha1_final(&c, sum);
		hex(got, sum);
		assert_string_equal(got, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	}
}

static void test_fc_sha1__vectors_portable(void **state)
{
	(void)state;
	fc_sha1_portable(1);
	vectors();
	fc_sha1_portable(0);
}

static void test_fc_sha1__vectors_default(void **state)
{
	(void)state;
	fc_sha1_portable(0);
	/* where the processor has the SHA extensions, this is the path taken */
	print_message("SHA extensions: %s\n", fc_sha1_accelerated() ? "used" : "not on this processor");
	vectors();
}

/* Every length from 0 to 4 blocks and more, and pieces that cross blocks: the two paths agree. */
static void test_fc_sha1__paths_agree(void **state)
{
	unsigned char data[600];
	uint32_t x = 12345;
	(void)state;

	for (size_t i = 0; i < sizeof(data); i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	for (size_t len = 0; len <= sizeof(data); len++) {
		char a[41], b[41];
		unsigned char sum[20];
		fc_sha1 c;

		fc_sha1_portable(1);
		digest(a, data, len);
		fc_sha1_portable(0);
		/* in pieces of 1, 63 and 65 bytes, in turn */
		fc_sha1_init(&c);
		for (size_t off = 0, k = 0; off < len; k++) {
			size_t n = k % 3 == 0 ? 1 : k % 3 == 1 ? 63 : 65;
			if (n > len - off)
				n = len - off;
			fc_sha1_put(&c, data + off, n);
			off += n;
		}
		fc_sha1_final(&c, sum);
		hex(b, sum);
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fc_sha1__vectors_portable),
		cmocka_unit_test(test_fc_sha1__vectors_default),
		cmocka_unit_test(test_fc_sha1__paths_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
