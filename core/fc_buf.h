#ifndef FC_BUF_H
#define FC_BUF_H
/*
 * A growable, always NUL-terminated byte buffer (git's strbuf).  An
 * allocation failure aborts: ficus has no meaningful way to continue
 * without memory, and every caller would otherwise repeat the same check.
 */
#include <stddef.h>

typedef struct fc_buf {
	char *ptr;
	size_t len;
	size_t cap;
} fc_buf;

#define FC_BUF_INIT { NULL, 0, 0 }

void fc_buf_grow(fc_buf *b, size_t extra);
void fc_buf_put(fc_buf *b, const void *data, size_t len);
void fc_buf_puts(fc_buf *b, const char *s);
void fc_buf_putc(fc_buf *b, char c);
void fc_buf_printf(fc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fc_buf_clear(fc_buf *b);
/* Hand the string to the caller (never NULL); the buffer is reset. */
char *fc_buf_detach(fc_buf *b);
void fc_buf_free(fc_buf *b);
/* The contents as a C string; "" for an empty buffer (borrowed). */
const char *fc_buf_cstr(const fc_buf *b);

/*
 * Append the whole of a regular file of at most max bytes: 0, or -1 with
 * errno set (EFBIG past max, EINVAL for what is not a regular file) and
 * the buffer as it was.
 */
int fc_buf_read_file(fc_buf *b, const char *path, size_t max);

/* Allocation helpers that abort on failure. */
void *fc_malloc(size_t n);
void *fc_calloc(size_t n, size_t size);
void *fc_realloc(void *p, size_t n);
char *fc_strdup(const char *s);
char *fc_strndup(const char *s, size_t n);
char *fc_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Small formatting without printf, for what is formatted once or more per
 * service (a plan-wide status formats some 50,000 numbers and strings,
 * and vsnprintf() was a third of its instructions):
 * fc_fmt_uint writes the decimal digits of `v` at `out` (room for 20, no
 * NUL) and returns how many; fc_fmt_cat appends `s` to the C string in
 * `buf` of `size` bytes, cut as snprintf() would cut it.
 */
size_t fc_fmt_uint(char *out, unsigned long long v);
void fc_fmt_cat(char *buf, size_t size, const char *s);

/*
 * Copy of `s` with C0 control characters, DEL and C1 controls (as UTF-8)
 * replaced by '?'; newlines too unless keep_newlines.  Invalid UTF-8 bytes
 * are replaced as well.  Used for every string that reaches a terminal, a
 * commit trailer or a one-line message.
 */
char *fc_sanitize(const char *s, int keep_newlines);

/*
 * Replace in msg (in place) every form of `secret` that an answer or a
 * library message may carry with "***": the secret as it is and in any
 * case, URL-encoded, and base64 (standard and URL alphabets, at every
 * alignment inside a longer base64 text).  The one masking function of
 * ficus: routers and HTTP both call it.  Secrets under 4 bytes are left
 * alone (they would mask ordinary words).
 */
void fc_mask_secret(char *msg, const char *secret);

#endif
