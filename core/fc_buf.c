#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fc_buf.h"

static void oom(void)
{
	fputs("ficus: out of memory\n", stderr);
	abort();
}

void *fc_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *fc_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *fc_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *fc_strdup(const char *s)
{
	return fc_strndup(s ? s : "", strlen(s ? s : ""));
}

char *fc_strndup(const char *s, size_t n)
{
	char *p = fc_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t fc_fmt_uint(char *out, unsigned long long v)
{
	char tmp[20], *q = tmp + sizeof(tmp);
	size_t n;

	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = (size_t)(tmp + sizeof(tmp) - q);
	memcpy(out, q, n);
	return n;
}

void fc_fmt_cat(char *buf, size_t size, const char *s)
{
	size_t used, n;

	if (!size)
		return;
	used = strnlen(buf, size - 1);
	n = strlen(s);
	if (n > size - 1 - used)
		n = size - 1 - used;
	memcpy(buf + used, s, n);
	buf[used + n] = '\0';
}

/*
 * What nearly every format of ficus holds, formatted without printf: text,
 * %s (not NULL), %d, %lld, %zu and %%, with no flags, width or precision.
 * The length, or -1 for a format with anything else or a result longer
 * than `size` - 1, which vsnprintf() then formats.
 */
static int format_plain(char *out, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0;

	for (const char *f = fmt; *f; f++) {
		char num[24];
		const char *s = num;
		size_t len;
		if (*f != '%') {
			if (n + 1 >= size)
				return -1;
			out[n++] = *f;
			continue;
		}
		switch (*++f) {
		case 's':
			if (!(s = va_arg(ap, const char *)))
				return -1; /* printf's "(null)" */
			len = strlen(s);
			break;
		case 'd':
		case 'l': {
			long long v;
			if (*f == 'l' && (f[1] != 'l' || f[2] != 'd'))
				return -1;
			v = *f == 'd' ? va_arg(ap, int) : va_arg(ap, long long);
			if (*f == 'l')
				f += 2;
			len = 0;
			if (v < 0)
				num[len++] = '-';
			len += fc_fmt_uint(num + len, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
			break;
		}
		case 'z':
			if (f[1] != 'u')
				return -1;
			f++;
			len = fc_fmt_uint(num, va_arg(ap, size_t));
			break;
		case '%':
			s = "%";
			len = 1;
			break;
		default:
			return -1;
		}
		if (n + len >= size)
			return -1;
		memcpy(out + n, s, len);
		n += len;
	}
	out[n] = '\0';
	return (int)n;
}

/*
 * Formatted once into a stack buffer, which holds nearly every string
 * ficus formats (gate reasons, evidence, messages), and copied at its
 * exact size: a plan-wide status formats some ten per service, and
 * formats them without printf where it can (format_plain).
 */
char *fc_asprintf(const char *fmt, ...)
{
	char tmp[256], *p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = format_plain(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n >= 0)
		return fc_strndup(tmp, (size_t)n);
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return fc_strdup("");
	if ((size_t)n < sizeof(tmp))
		return fc_strndup(tmp, (size_t)n);
	p = fc_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void fc_buf_grow(fc_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (need < 64)
		need = 64;
	if (need < b->cap * 2)
		need = b->cap * 2;
	b->ptr = fc_realloc(b->ptr, need);
	b->cap = need;
	b->ptr[b->len] = '\0';
}

void fc_buf_put(fc_buf *b, const void *data, size_t len)
{
	fc_buf_grow(b, len);
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void fc_buf_puts(fc_buf *b, const char *s)
{
	fc_buf_put(b, s, strlen(s));
}

void fc_buf_putc(fc_buf *b, char c)
{
	fc_buf_put(b, &c, 1);
}

void fc_buf_printf(fc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	fc_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void fc_buf_clear(fc_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *fc_buf_detach(fc_buf *b)
{
	char *s = b->ptr ? b->ptr : fc_strdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return s;
}

void fc_buf_free(fc_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

const char *fc_buf_cstr(const fc_buf *b)
{
	return b->ptr ? b->ptr : "";
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) { n = 2; cp = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { n = 3; cp = s[0] & 0x0f; }
	else if ((s[0] & 0xf8) == 0xf0) { n = 4; cp = s[0] & 0x07; }
	else return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp <= 0x9f) /* C1 controls, CSI among them */
		return 0;
	return n;
}

char *fc_sanitize(const char *s, int keep_newlines)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	fc_buf b = FC_BUF_INIT;
	size_t n;

	fc_buf_grow(&b, strlen((const char *)p));
	while (*p) {
		if (*p == '\n' && keep_newlines) {
			fc_buf_putc(&b, '\n');
			p++;
		} else if (*p == '\t' && keep_newlines) {
			fc_buf_putc(&b, '\t');
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fc_buf_putc(&b, '?');
			p++;
		} else if ((n = utf8_len(p)) == 0) {
			fc_buf_putc(&b, '?');
			p++;
		} else {
			fc_buf_put(&b, p, n);
			p += n;
		}
	}
	return fc_buf_detach(&b);
}

/* Replace every occurrence of form (at least 4 bytes) by "***". */
static void mask_form(char *msg, const char *form, int any_case)
{
	size_t fl = strlen(form);
	char *at;

	if (fl < 4)
		return;
	while ((at = any_case ? strcasestr(msg, form) : strstr(msg, form))) {
		memmove(at + 3, at + fl, strlen(at + fl) + 1);
		memcpy(at, "***", 3);
	}
}

/*
 * The base64 characters that only the secret's bytes decide when it
 * starts `skew` bytes into a longer encoded text, into out.
 */
static void base64_core(char *out, const unsigned char *sec, size_t len, size_t skew, const char *abc)
{
	size_t bits = 8 * (skew + len), first = (8 * skew + 5) / 6, last = bits / 6, n = 0;

	for (size_t i = first; i < last; i++) {
		unsigned v = 0;
		for (size_t b = 6 * i; b < 6 * i + 6; b++) { /* bit b of the skewed text, MSB first */
			size_t byte = b / 8;
			unsigned bit = byte < skew ? 0 : (sec[byte - skew] >> (7 - b % 8)) & 1;
			v = v << 1 | bit;
		}
		out[n++] = abc[v];
	}
	out[n] = '\0';
}

void fc_mask_secret(char *msg, const char *secret)
{
	static const char *abc[] = { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" };
	size_t sl = secret ? strlen(secret) : 0;
	char *form;

	if (!msg || sl < 4)
		return;
	mask_form(msg, secret, 1);
	form = fc_malloc(3 * sl + 3);
	for (size_t i = 0, n = 0; i <= sl; i++) { /* URL-encoded: every byte but unreserved ones */
		unsigned char c = (unsigned char)secret[i];
		if (i == sl)
			form[n] = '\0';
		else if (isalnum(c) || strchr("-._~", c))
			form[n++] = (char)c;
		else
			n += (size_t)sprintf(form + n, "%%%02X", c);
	}
	mask_form(msg, form, 1);
	for (size_t a = 0; a < 2; a++)
		for (size_t skew = 0; skew < 3; skew++) {
			base64_core(form, (const unsigned char *)secret, sl, skew, abc[a]);
			mask_form(msg, form, 0);
		}
	free(form);
}

int fc_buf_read_file(fc_buf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	size_t was = b->len, want;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL;
	else if ((size_t)st.st_size > max)
		err = EFBIG;
	else
		err = 0;
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	want = (size_t)st.st_size;
	fc_buf_grow(b, want);
	while (b->len - was < want) {
		ssize_t k = read(fd, b->ptr + b->len, want - (b->len - was));
		if (k <= 0)
			break;
		b->len += (size_t)k;
	}
	b->ptr[b->len] = '\0';
	err = errno;
	close(fd);
	if (b->len - was != want) {
		b->len = was;
		b->ptr[was] = '\0';
		errno = err ? err : EIO;
		return -1;
	}
	return 0;
}
