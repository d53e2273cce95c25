/* SHA-1: see fc_sha1.h. */
#include <string.h>

#include "fc_sha1.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define FC_SHA1_NI 1
#endif

#define ROL(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

/* The portable rounds: a plain loop; the SHA extensions carry the speed. */
static void blocks_portable(uint32_t h[5], const unsigned char *p, size_t nblocks)
{
	for (; nblocks--; p += 64) {
		uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

		for (int i = 0; i < 80; i++) {
			uint32_t f, k, t, x;
			if (i < 16)
				x = w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
					   (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
			else
				x = w[i & 15] = ROL(w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15], 1);
			if (i < 20)
				f = ((c ^ d) & b) ^ d, k = 0x5A827999;
			else if (i < 40)
				f = b ^ c ^ d, k = 0x6ED9EBA1;
			else if (i < 60)
				f = ((b | c) & d) | (b & c), k = 0x8F1BBCDC;
			else
				f = b ^ c ^ d, k = 0xCA62C1D6;
			t = ROL(a, 5) + f + e + k + x;
			e = d;
			d = c;
			c = ROL(b, 30);
			b = a;
			a = t;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
	}
}

#ifdef FC_SHA1_NI
/*
 * Four rounds per group, 20 groups; the message schedule is kept in four
 * registers, m[g % 4] holding W[4g..4g+3] (big-endian words, W[4g] in the
 * top lane, as the instructions want them):
 *
 *   W[4g..] = sha1msg2(sha1msg1(W[4g-16..], W[4g-12..]) ^ W[4g-8..], W[4g-4..])
 *
 * computed in three steps as soon as each input is there.  sha1nexte
 * derives a group's E from the state before the previous group's rounds.
 */
#define NI_GROUP(g) \
	do { \
		if ((g) == 0) \
			e = _mm_add_epi32(e, m[0]); \
		else \
			e = _mm_sha1nexte_epu32(prev, m[(g) % 4]); \
		prev = abcd; \
		if ((g) >= 3 && (g) <= 18) \
			m[((g) + 1) % 4] = _mm_sha1msg2_epu32(m[((g) + 1) % 4], m[(g) % 4]); \
		abcd = _mm_sha1rnds4_epu32(abcd, e, (g) / 5); \
		if ((g) >= 1 && (g) <= 16) \
			m[((g) + 3) % 4] = _mm_sha1msg1_epu32(m[((g) + 3) % 4], m[(g) % 4]); \
		if ((g) >= 2 && (g) <= 17) \
			m[((g) + 2) % 4] = _mm_xor_si128(m[((g) + 2) % 4], m[(g) % 4]); \
	} while (0)

__attribute__((target("sha,sse4.1")))
static void blocks_ni(uint32_t h[5], const unsigned char *p, size_t nblocks)
{
	const __m128i swap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1B);
	__m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0);

	for (; nblocks--; p += 64) {
		__m128i abcd0 = abcd, e = e0, prev = abcd, m[4];

		for (int i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
		NI_GROUP(0); NI_GROUP(1); NI_GROUP(2); NI_GROUP(3); NI_GROUP(4);
		NI_GROUP(5); NI_GROUP(6); NI_GROUP(7); NI_GROUP(8); NI_GROUP(9);
		NI_GROUP(10); NI_GROUP(11); NI_GROUP(12); NI_GROUP(13); NI_GROUP(14);
		NI_GROUP(15); NI_GROUP(16); NI_GROUP(17); NI_GROUP(18); NI_GROUP(19);
		e0 = _mm_sha1nexte_epu32(prev, e0);
		abcd = _mm_add_epi32(abcd, abcd0);
	}
	_mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1B));
	h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

/* SHA (CPUID 7: EBX bit 29), SSSE3 and SSE4.1 (CPUID 1: ECX bits 9 and 19) */
static int have_ni(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b >> 29) & 1;
}
#endif

static int portable_only;

void fc_sha1_portable(int on)
{
	portable_only = on;
}

int fc_sha1_accelerated(void)
{
#ifdef FC_SHA1_NI
	static int ni = -1;
	if (ni < 0)
		ni = have_ni();
	return ni && !portable_only;
#else
	return 0;
#endif
}

static void blocks(uint32_t h[5], const unsigned char *p, size_t nblocks)
{
#ifdef FC_SHA1_NI
	if (fc_sha1_accelerated()) {
		blocks_ni(h, p, nblocks);
		return;
	}
#endif
	blocks_portable(h, p, nblocks);
}

void fc_sha1_init(fc_sha1 *c)
{
	static const uint32_t h0[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	memset(c, 0, sizeof(*c));
	memcpy(c->h, h0, sizeof(h0));
}

void fc_sha1_put(fc_sha1 *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!len)
		return;
	c->len += len;
	if (c->n) {
		size_t k = 64 - c->n < len ? 64 - c->n : len;
		memcpy(c->buf + c->n, p, k);
		c->n += k;
		p += k;
		len -= k;
		if (c->n < 64)
			return;
		blocks(c->h, c->buf, 1);
		c->n = 0;
	}
	/* whole blocks straight from the caller's memory */
	if (len >= 64) {
		blocks(c->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len)
		memcpy(c->buf, p, len);
	c->n = len;
}

void fc_sha1_final(fc_sha1 *c, unsigned char out[20])
{
	unsigned char pad[72] = { 0x80 }, bits[8];
	uint64_t total = c->len * 8;
	size_t padlen = c->n < 56 ? 56 - c->n : 120 - c->n;

	for (int i = 0; i < 8; i++)
		bits[i] = (unsigned char)(total >> (56 - 8 * i));
	fc_sha1_put(c, pad, padlen);
	fc_sha1_put(c, bits, 8);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}
