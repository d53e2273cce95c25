#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_plumb.h"
#include "fc_sha1.h"

#define NO FC_PLUMB_NO
#define PATH_CAP 4200
#define DEPTH_MAX 32

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void to_hex(char out[FC_OID_HEX], const unsigned char oid[20])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 20; i++) {
		out[2 * i] = hex[oid[i] >> 4];
		out[2 * i + 1] = hex[oid[i] & 15];
	}
	out[40] = '\0';
}

static int from_hex(unsigned char oid[20], const char *s)
{
	for (int i = 0; i < 40; i++) {
		int v = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		if (i & 1)
			oid[i / 2] |= (unsigned char)v;
		else
			oid[i / 2] = (unsigned char)(v << 4);
	}
	return 0;
}

/* A small file whole (a ref, HEAD, a loose object): its length, or -1. */
static ssize_t read_small(const char *path, unsigned char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t got = 0;
	ssize_t k = 0;

	if (fd < 0)
		return -1;
	while (got < cap && (k = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)k;
	close(fd);
	return k < 0 || got == cap ? -1 : (ssize_t)got;
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* ---- objects ---- */

static size_t object_header(char *h, const char *type, size_t len)
{
	return (size_t)snprintf(h, 32, "%s %zu", type, len) + 1;
}

static void object_id(unsigned char oid[20], const char *type, const void *data, size_t len)
{
	char h[32];
	fc_sha1 c;

	fc_sha1_init(&c);
	fc_sha1_put(&c, h, object_header(h, type, len));
	fc_sha1_put(&c, data, len);
	fc_sha1_final(&c, oid);
}

void fc_plumb_hash(char out[FC_OID_HEX], const char *type, const void *data, size_t len)
{
	unsigned char oid[20];

	object_id(oid, type, data, len);
	to_hex(out, oid);
}

static void object_path(char *out, const char *gitdir, const unsigned char oid[20])
{
	char hex[FC_OID_HEX];

	to_hex(hex, oid);
	snprintf(out, PATH_CAP, "%s/objects/%.2s/%s", gitdir, hex, hex + 2);
}

/*
 * A loose object's body of the given type: 0, NO when it is not loose (a
 * pack has it), FC_ERROR when it is damaged.
 */
static int object_read(const char *gitdir, const unsigned char oid[20], const char *type, fc_buf *body)
{
	unsigned char raw[65536], check[20];
	char path[PATH_CAP], h[32];
	size_t hl;
	ssize_t n;
	z_stream z;
	int zr;

	object_path(path, gitdir, oid);
	if ((n = read_small(path, raw, sizeof(raw))) < 0)
		return NO;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return NO;
	z.next_in = raw;
	z.avail_in = (uInt)n;
	fc_buf_clear(body);
	do {
		fc_buf_grow(body, 16384);
		z.next_out = (unsigned char *)body->ptr + body->len;
		z.avail_out = (uInt)(body->cap - body->len - 1);
		zr = inflate(&z, Z_NO_FLUSH);
		body->len = body->cap - 1 - z.avail_out;
	} while (zr == Z_OK && z.avail_out == 0);
	inflateEnd(&z);
	body->ptr[body->len] = '\0';
	if (zr != Z_STREAM_END)
		return fc_error_set(FC_ERROR, "the plan repository's object %s is damaged", path);
	hl = strnlen(body->ptr, body->len) + 1;
	if (hl > body->len || hl != object_header(h, type, body->len - hl) || memcmp(h, body->ptr, hl))
		return NO; /* another type, or a size that does not add up: libgit2 says what */
	object_id(check, type, body->ptr + hl, body->len - hl);
	if (memcmp(check, oid, 20))
		return fc_error_set(FC_ERROR, "the plan repository's object %s is damaged", path);
	memmove(body->ptr, body->ptr + hl, body->len - hl + 1);
	body->len -= hl;
	return 0;
}

/*
 * Write a loose object unless it exists: 0 or FC_ERROR.  oid is the
 * object's id; z a deflate stream the caller started (a stream is a
 * quarter of a megabyte to set up, so one serves every object).
 */
static int object_write(const char *gitdir, z_stream *z, const unsigned char oid[20], const char *type,
			const void *data, size_t len)
{
	static unsigned seq;
	char path[PATH_CAP], tmp[PATH_CAP], h[32];
	unsigned char out[16384];
	size_t dl;
	int fd, zr = Z_OK, bad = 0;

	object_path(path, gitdir, oid);
	if (access(path, F_OK) == 0)
		return 0;
	dl = strlen(path) - 39; /* the length of ".../objects/ab" */
	snprintf(tmp, sizeof(tmp), "%.*s", (int)dl, path);
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
		return fc_error_set(FC_ERROR, "creating %s: %s", tmp, strerror(errno));
	/* a name no other writer uses; one a killed run left is passed over */
	for (int tries = 0;; tries++) {
		snprintf(tmp + dl, sizeof(tmp) - dl, "/tmp_obj_%ld_%u", (long)getpid(), seq++);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444)) >= 0)
			break;
		if (errno != EEXIST || tries == 100)
			return fc_error_set(FC_ERROR, "writing an object in %s: %s", gitdir, strerror(errno));
	}
	deflateReset(z);
	/* the header, then the body, each through the same stream */
	for (int part = 0; part < 2 && !bad; part++) {
		z->next_in = part ? (unsigned char *)data : (unsigned char *)h;
		z->avail_in = part ? (uInt)len : (uInt)object_header(h, type, len);
		do {
			z->next_out = out;
			z->avail_out = sizeof(out);
			zr = deflate(z, part ? Z_FINISH : Z_NO_FLUSH);
			bad = zr == Z_STREAM_ERROR || write_all(fd, out, sizeof(out) - z->avail_out) < 0;
		} while (!bad && (part ? zr != Z_STREAM_END : z->avail_in > 0));
	}
	if (close(fd) < 0 || bad || rename(tmp, path) < 0) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return fc_error_set(FC_ERROR, "writing the object %s: %s", path, strerror(e));
	}
	return 0;
}

static int deflate_start(z_stream *z)
{
	memset(z, 0, sizeof(*z));
	if (deflateInit(z, Z_BEST_SPEED) != Z_OK)
		return fc_error_set(FC_ERROR, "zlib: cannot start a stream");
	return 0;
}

/* ---- lock files ---- */

/* Create `path` with `mark` in it, or not at all: -1 with errno (EEXIST: it exists). */
static int lock_create(const char *path, const char *mark, size_t n)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_CAP], proc[64];
	int fd, e;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	/* an unnamed file, written, then linked into place */
	if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666)) >= 0) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (write_all(fd, mark, n) == 0 && linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
			return fd;
		e = errno;
		close(fd);
		if (e == EEXIST) {
			errno = e;
			return -1;
		}
	}
	/* no unnamed files here (or no /proc): created by name, then written */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) >= 0 && write_all(fd, mark, n) < 0) {
		e = errno;
		close(fd);
		unlink(path);
		errno = e;
		return -1;
	}
	return fd;
}

/* 1 when the lock at `path` is one a ficus process left and that process is gone. */
static int lock_is_stale(const char *path)
{
	unsigned char buf[64];
	ssize_t n = read_small(path, buf, sizeof(buf) - 1);
	char *end;
	long pid;

	if (n < 8 || memcmp(buf, "ficus ", 6))
		return 0;
	buf[n] = '\0';
	pid = strtol((const char *)buf + 6, &end, 10);
	if (pid <= 0 || *end != '\n' || end[1])
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/*
 * Take one of git's lock files (refs/heads/main.lock, index.lock): 0, or
 * -1 with errno (EEXIST: another process holds it).  The lock is created
 * whole with "ficus PID" in it and keeps it: the new content goes to a
 * side file renamed into place (side_open(), side_commit()), so that a
 * lock a killed ficus left (SIGKILL between the lock and its removal) is
 * told from one another git holds, and removed.  A process writing the
 * plan holds the plan's lock too, so no other ficus can be there.  Git
 * itself only needs the lock to exist while the file changes; without
 * the mark, a lock left by a kill would stop every later commit until
 * removed by hand.
 */
static int lock_take(const char *path)
{
	char mark[32];
	size_t n = (size_t)snprintf(mark, sizeof(mark), "ficus %ld\n", (long)getpid());
	int fd = lock_create(path, mark, n);

	if (fd < 0 && errno == EEXIST && lock_is_stale(path) && unlink(path) == 0)
		fd = lock_create(path, mark, n);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* The side file for `target`'s new content ("<gitdir>/ficus-<name>.new"), truncated. */
static int side_open(char *side, const char *gitdir, const char *name)
{
	snprintf(side, PATH_CAP, "%s/ficus-%s.new", gitdir, name);
	return open(side, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
}

/*
 * Close the side file and, unless writing it went `bad`, move it onto
 * `target` and drop the lock: 0, or -1 with the side file removed.
 */
static int side_commit(int fd, int bad, const char *side, const char *target, const char *lock)
{
	bad = close(fd) < 0 || bad;
	if (bad || rename(side, target) < 0) {
		int e = errno;
		unlink(side);
		errno = e;
		return -1;
	}
	unlink(lock);
	return 0;
}

/* ---- refs ---- */

/* The branch HEAD names ("main"), if HEAD is a plain symbolic ref to a branch git would accept. */
static int head_branch(const char *gitdir, char *out, size_t cap)
{
	char path[PATH_CAP];
	unsigned char buf[300];
	ssize_t n;
	const char *b;
	size_t bl;

	snprintf(path, sizeof(path), "%s/HEAD", gitdir);
	if ((n = read_small(path, buf, sizeof(buf) - 1)) < 17 || memcmp(buf, "ref: refs/heads/", 16) ||
	    buf[n - 1] != '\n')
		return NO;
	b = (const char *)buf + 16;
	bl = (size_t)n - 17;
	if (bl == 0 || bl >= cap || b[0] == '.' || b[0] == '/' || b[bl - 1] == '/' || b[bl - 1] == '.')
		return NO;
	for (size_t i = 0; i < bl; i++) {
		char ch = b[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '_' || ch == '.' || ch == '/'))
			return NO;
		if (i && (ch == '.' || ch == '/') && (b[i - 1] == '.' || b[i - 1] == '/'))
			return NO;
	}
	if (bl >= 5 && !memcmp(b + bl - 5, ".lock", 5))
		return NO;
	memcpy(out, b, bl);
	out[bl] = '\0';
	return 0;
}

/* A loose branch's commit: 0, or NO (packed, or not one id). */
static int branch_oid(const char *gitdir, const char *branch, unsigned char oid[20])
{
	char path[PATH_CAP];
	unsigned char buf[64];

	snprintf(path, sizeof(path), "%s/refs/heads/%s", gitdir, branch);
	if (read_small(path, buf, sizeof(buf)) != 41 || buf[40] != '\n' || from_hex(oid, (const char *)buf) < 0)
		return NO;
	return 0;
}

static int reflogs_exist(const char *gitdir, const char *branch)
{
	char path[PATH_CAP];
	struct stat st;

	snprintf(path, sizeof(path), "%s/logs/HEAD", gitdir);
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/logs/refs/heads/%s", gitdir, branch);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int fc_plumb_likely(const char *gitdir)
{
	char branch[256], path[PATH_CAP];
	unsigned char oid[20];

	snprintf(path, sizeof(path), "%s/index", gitdir);
	return head_branch(gitdir, branch, sizeof(branch)) == 0 && branch_oid(gitdir, branch, oid) == 0 &&
	       reflogs_exist(gitdir, branch) && access(path, F_OK) == 0;
}

/* ---- the index ---- */

typedef struct {
	size_t off;       /* of the entry in the map */
	const char *name; /* in the map, not NUL-terminated */
	size_t nl;
} ix_entry;

typedef struct {
	unsigned char *map;
	size_t len;
	ix_entry *e;
	size_t count;
	size_t end;        /* where the extensions start */
	size_t keep[8][2]; /* resolve-undo extensions, kept as they are */
	size_t nkeep;
	struct stat st;    /* of the file mapped */
} ix_map;

static void ix_close(ix_map *x)
{
	if (x->map && x->map != MAP_FAILED)
		munmap(x->map, x->len);
	free(x->e);
	memset(x, 0, sizeof(*x));
}

/* git's order of index entries (and so of tree entries, '/' being a byte like others). */
static int name_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

/* 1 when a and b are the same file, not written since (any write moves ctime). */
static int same_stamp(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Check the mapped index's checksum: 0, or NO.  Not needed when `seen`
 * recorded it: the same stamp and trailer (see fc_plumb_refresh).
 */
static int ix_verify(const ix_map *x, const fc_plumb_seen *seen)
{
	unsigned char sum[20];
	fc_sha1 c;

	if (seen && seen->set && same_stamp(&seen->st, &x->st) && !memcmp(seen->sum, x->map + x->len - 20, 20))
		return 0;
	fc_sha1_init(&c);
	fc_sha1_put(&c, x->map, x->len - 20);
	fc_sha1_final(&c, sum);
	return memcmp(sum, x->map + x->len - 20, 20) ? NO : 0;
}

/*
 * Map and check the index: 0, or NO for one this module does not take.
 * `verify`: check its checksum, which a caller that compares the entries
 * with HEAD's tree whole need not (a megabyte hashed on a large plan),
 * nor one that `seen` knows for the one it wrote (see fc_plumb_refresh).
 */
static int ix_open(ix_map *x, const char *gitdir, int verify, const fc_plumb_seen *seen)
{
	char path[PATH_CAP];
	struct stat st;
	size_t off, ext;
	int fd, ver;

	memset(x, 0, sizeof(*x));
	snprintf(path, sizeof(path), "%s/index", gitdir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NO;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 12 + 20 && st.st_size <= (256 << 20)) {
		x->len = (size_t)st.st_size;
		x->map = mmap(NULL, x->len, PROT_READ, MAP_PRIVATE, fd, 0);
	}
	close(fd);
	if (!x->map || x->map == MAP_FAILED || memcmp(x->map, "DIRC", 4))
		goto no;
	ver = (int)be32(x->map + 4);
	x->count = be32(x->map + 8);
	if ((ver != 2 && ver != 3) || x->count > x->len / 62)
		goto no;
	x->st = st;
	if (verify && ix_verify(x, seen) != 0)
		goto no;
	x->e = fc_calloc(x->count + 1, sizeof(*x->e));
	off = 12;
	for (size_t i = 0; i < x->count; i++) {
		ix_entry *e = &x->e[i];
		unsigned flags;
		if (off + 62 > x->len - 20)
			goto no;
		flags = (unsigned)x->map[off + 60] << 8 | x->map[off + 61];
		/* a stage (a conflict) or extended flags (intent to add, skip-worktree) */
		if (flags & 0x7000)
			goto no;
		e->off = off;
		e->name = (const char *)x->map + off + 62;
		e->nl = flags & 0xfff;
		if (e->nl == 0xfff)
			e->nl = strnlen(e->name, x->len - 20 - off - 62);
		if (e->nl == 0 || off + 62 + e->nl >= x->len - 20 || memchr(e->name, '\0', e->nl))
			goto no;
		if (i && name_cmp(e[-1].name, e[-1].nl, e->name, e->nl) >= 0)
			goto no; /* not in git's order, or twice */
		off += (62 + e->nl + 8) & ~(size_t)7;
	}
	x->end = off;
	/* extensions: the cached tree is dropped, resolve-undo kept, anything else is not ours */
	for (ext = off; ext < x->len - 20;) {
		uint32_t esz;
		if (ext + 8 > x->len - 20)
			goto no;
		esz = be32(x->map + ext + 4);
		if (esz > x->len - 20 - ext - 8)
			goto no;
		if (!memcmp(x->map + ext, "REUC", 4)) {
			if (x->nkeep == sizeof(x->keep) / sizeof(x->keep[0]))
				goto no;
			x->keep[x->nkeep][0] = ext;
			x->keep[x->nkeep++][1] = 8 + esz;
		} else if (memcmp(x->map + ext, "TREE", 4)) {
			goto no;
		}
		ext += 8 + esz;
	}
	return 0;
no:
	ix_close(x);
	return NO;
}

static size_t ix_find(const ix_map *x, const char *path)
{
	size_t lo = 0, hi = x->count, pl = strlen(path);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(x->e[mid].name, x->e[mid].nl, path, pl);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

static uint32_t ix_mode(const ix_map *x, size_t i) { return be32(x->map + x->e[i].off + 24); }
static const unsigned char *ix_oid(const ix_map *x, size_t i) { return x->map + x->e[i].off + 40; }

/* ---- write-tree ---- */

typedef struct {
	const ix_map *x;
	const unsigned char **now; /* per entry: the staged blob id, or NULL */
	fc_buf old[DEPTH_MAX], new[DEPTH_MAX];
	fc_buf *out;               /* the new trees' bodies, to write */
	unsigned char (*out_oid)[20];
	size_t nout;
	int bad;
} tree_walk;

static void tree_entry(fc_buf *b, uint32_t mode, const char *name, size_t nl, const unsigned char oid[20])
{
	const char *m;

	switch (mode) {
	case 0100644: m = "100644 "; break;
	case 0100755: m = "100755 "; break;
	case 0120000: m = "120000 "; break;
	case 0160000: m = "160000 "; break;
	default: m = "40000 "; break;
	}
	fc_buf_puts(b, m);
	fc_buf_put(b, name, nl);
	fc_buf_putc(b, '\0');
	fc_buf_put(b, oid, 20);
}

/*
 * The tree of the directory whose entries start at *k and share its first
 * plen bytes (the directory and a '/'), before and after the change.
 * Trees the change alters are kept in t->out to be written.
 */
static void tree_build(tree_walk *t, size_t *k, size_t plen, int depth, unsigned char old[20],
		       unsigned char now[20])
{
	const ix_map *x = t->x;
	fc_buf *bo = &t->old[depth], *bn = &t->new[depth];
	const char *prefix = x->e[*k].name;
	int dirty = 0;

	if (depth >= DEPTH_MAX) {
		t->bad = 1;
		return;
	}
	fc_buf_clear(bo);
	fc_buf_clear(bn);
	while (*k < x->count && !t->bad) {
		const ix_entry *e = &x->e[*k];
		const char *rel = e->name + plen, *slash;
		size_t rl = e->nl - plen;

		if (e->nl <= plen || memcmp(e->name, prefix, plen))
			break;
		if (!(slash = memchr(rel, '/', rl))) {
			uint32_t mode = ix_mode(x, *k);
			const unsigned char *was = ix_oid(x, *k), *is = t->now[*k] ? t->now[*k] : was;
			if (mode != 0100644 && mode != 0100755 && mode != 0120000 && mode != 0160000) {
				t->bad = 1;
				return;
			}
			tree_entry(bo, mode, rel, rl, was);
			tree_entry(bn, mode, rel, rl, is);
			dirty |= is != was && memcmp(is, was, 20);
			(*k)++;
		} else {
			unsigned char so[20], sn[20];
			size_t dl = (size_t)(slash - rel);
			if (dl == 0) {
				t->bad = 1;
				return;
			}
			tree_build(t, k, plen + dl + 1, depth + 1, so, sn);
			tree_entry(bo, 040000, rel, dl, so);
			tree_entry(bn, 040000, rel, dl, sn);
			dirty |= memcmp(so, sn, 20) != 0;
		}
	}
	object_id(old, "tree", bo->ptr ? bo->ptr : "", bo->len);
	if (!dirty) {
		memcpy(now, old, 20);
		return;
	}
	object_id(now, "tree", bn->ptr, bn->len);
	t->out = fc_realloc(t->out, (t->nout + 1) * sizeof(*t->out));
	t->out_oid = fc_realloc(t->out_oid, (t->nout + 1) * sizeof(*t->out_oid));
	memset(&t->out[t->nout], 0, sizeof(*t->out));
	fc_buf_put(&t->out[t->nout], bn->ptr, bn->len);
	memcpy(t->out_oid[t->nout++], now, 20);
}

static void tree_walk_free(tree_walk *t)
{
	for (int i = 0; i < DEPTH_MAX; i++) {
		fc_buf_free(&t->old[i]);
		fc_buf_free(&t->new[i]);
	}
	for (size_t i = 0; i < t->nout; i++)
		fc_buf_free(&t->out[i]);
	free(t->out);
	free(t->out_oid);
	free(t->now);
}

/* ---- stage and commit ---- */

struct fc_plumb {
	char *gitdir;
	char branch[256];
	unsigned char parent[20];
	unsigned char tree[20];
	fc_plumb_blob *blobs;
	size_t n;
	ix_map x; /* the index the stage read, for the refresh */
};

void fc_plumb_free(fc_plumb *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n; i++) {
		free((char *)pl->blobs[i].path);
		free((void *)pl->blobs[i].data);
	}
	free(pl->blobs);
	free(pl->gitdir);
	ix_close(&pl->x);
	free(pl);
}

const fc_plumb_blob *fc_plumb_blobs(const fc_plumb *pl, size_t *n)
{
	*n = pl->n;
	return pl->blobs;
}

int fc_plumb_stage(fc_plumb **out, const char *gitdir, const fc_repo_file *files, size_t n, int *unchanged)
{
	fc_plumb *pl = fc_calloc(1, sizeof(*pl));
	unsigned char head_tree[20], old[20];
	tree_walk t = { 0 };
	fc_buf commit = FC_BUF_INIT;
	z_stream z;
	ix_map x;
	size_t k = 0;
	int rc;

	*out = NULL;
	*unchanged = 0;
	memset(&x, 0, sizeof(x));
	pl->gitdir = fc_strdup(gitdir);
	if ((rc = head_branch(gitdir, pl->branch, sizeof(pl->branch))) != 0 ||
	    (rc = branch_oid(gitdir, pl->branch, pl->parent)) != 0)
		goto done;
	rc = NO;
	if (n == 0 || !reflogs_exist(gitdir, pl->branch))
		goto done;
	if ((rc = object_read(gitdir, pl->parent, "commit", &commit)) != 0)
		goto done;
	rc = NO;
	if (commit.len < 46 || memcmp(commit.ptr, "tree ", 5) || commit.ptr[45] != '\n' ||
	    from_hex(head_tree, commit.ptr + 5) < 0)
		goto done;
	if ((rc = ix_open(&x, gitdir, 0, NULL)) != 0 || x.count == 0)
		goto done;
	rc = NO;
	/* the new blobs, each in place of an index entry of a regular file */
	t.x = &x;
	t.now = fc_calloc(x.count, sizeof(*t.now));
	pl->blobs = fc_calloc(n, sizeof(*pl->blobs));
	for (size_t i = 0; i < n; i++) {
		fc_plumb_blob *b = &pl->blobs[i];
		size_t at;
		if (!files[i].data || (at = ix_find(&x, files[i].path)) == (size_t)-1 || t.now[at])
			goto done; /* a removal, an addition, or twice */
		/* a regular file (an executable one libgit2 makes regular, as
		 * ficus writes every file: its work), not assume-valid */
		b->mode = ix_mode(&x, at);
		if (b->mode != 0100644 || (x.map[x.e[at].off + 60] & 0x80))
			goto done;
		object_id(b->oid, "blob", files[i].data, files[i].len);
		t.now[at] = b->oid;
		b->path = fc_strdup(files[i].path);
		b->data = fc_malloc(files[i].len + 1);
		memcpy((void *)b->data, files[i].data, files[i].len);
		b->len = files[i].len;
		pl->n = i + 1;
	}
	tree_build(&t, &k, 0, 0, old, pl->tree);
	if (t.bad || k != x.count || memcmp(old, head_tree, 20))
		goto done; /* the index is not HEAD: libgit2 builds on HEAD's tree */
	if ((*unchanged = memcmp(old, pl->tree, 20) == 0)) {
		rc = 0;
		goto done;
	}
	if ((rc = deflate_start(&z)) < 0)
		goto done;
	for (size_t i = 0; i < pl->n && rc == 0; i++)
		rc = object_write(gitdir, &z, pl->blobs[i].oid, "blob", pl->blobs[i].data, pl->blobs[i].len);
	for (size_t i = 0; i < t.nout && rc == 0; i++)
		rc = object_write(gitdir, &z, t.out_oid[i], "tree", t.out[i].ptr, t.out[i].len);
	deflateEnd(&z);
done:
	fc_buf_free(&commit);
	tree_walk_free(&t);
	if (rc == 0) {
		pl->x = x; /* kept for the refresh */
		*out = pl;
	} else {
		ix_close(&x);
		fc_plumb_free(pl);
	}
	return rc;
}

/* libgit2's signature part: no angle brackets; crud trimmed from both ends; not empty. */
static int sig_part(fc_buf *b, const char *s)
{
	const char *crud = ".,:;<>\"\\'";
	size_t n = strlen(s);

	if (strchr(s, '<') || strchr(s, '>'))
		return fc_error_set(FC_EINVAL, "commit author: neither name nor email may contain angle brackets");
	while (n && ((unsigned char)s[n - 1] <= 32 || strchr(crud, s[n - 1])))
		n--;
	while (n && ((unsigned char)*s <= 32 || strchr(crud, *s))) {
		s++;
		n--;
	}
	if (n == 0)
		return fc_error_set(FC_EINVAL, "commit author: a signature cannot have an empty name or email");
	fc_buf_put(b, s, n);
	return 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/*
 * The reflog's message for a commit, as libgit2 writes it: "commit: " and
 * the summary (after any leading newlines, up to a line that is blank or
 * white space; a run of white space holding a newline made one space),
 * newlines made spaces and trailing white space trimmed.
 */
static void reflog_message(fc_buf *b, const char *msg)
{
	const char *space = NULL;
	size_t start = b->len;

	fc_buf_puts(b, "commit: ");
	while (*msg == '\n')
		msg++;
	for (; *msg; msg++) {
		if (*msg == '\n') {
			const char *next = msg + 1;
			while (*next && *next != '\n' && is_space(*next))
				next++;
			if (!*next || *next == '\n')
				break; /* the paragraph ends: the next line is blank */
		}
		if (is_space(*msg)) {
			if (!space)
				space = msg;
			continue;
		}
		if (space) {
			if (memchr(space, '\n', (size_t)(msg - space)))
				fc_buf_putc(b, ' ');
			else
				fc_buf_put(b, space, (size_t)(msg - space));
			space = NULL;
		}
		fc_buf_putc(b, *msg);
	}
	for (size_t i = start; i < b->len; i++)
		if (b->ptr[i] == '\n')
			b->ptr[i] = ' ';
	while (b->len > start && is_space(b->ptr[b->len - 1]))
		b->len--;
	b->ptr[b->len] = '\0';
}

static int append_line(const char *path, const fc_buf *line)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	int bad;

	if (fd < 0)
		return -1;
	bad = write_all(fd, line->ptr, line->len) < 0;
	return close(fd) < 0 || bad ? -1 : 0;
}

/* Move the branch from the parent to `oid`, as a compare-and-swap under refs/heads/<b>.lock. */
static int update_ref(const char *gitdir, const char *branch, const unsigned char parent[20],
		      const unsigned char oid[20], const char *message, fc_time when)
{
	char ref[PATH_CAP], lock[PATH_CAP], side[PATH_CAP], path[PATH_CAP], cur[256], hp[FC_OID_HEX],
		hn[FC_OID_HEX];
	unsigned char now[20];
	fc_buf line = FC_BUF_INIT;
	int fd, rc = 0;

	snprintf(ref, sizeof(ref), "%s/refs/heads/%s", gitdir, branch);
	snprintf(lock, sizeof(lock), "%s.lock", ref);
	if (lock_take(lock) < 0)
		return fc_error_set(errno == EEXIST ? FC_ECONFLICT : FC_ERROR, "the plan moved while committing: %s: %s",
				    lock, errno == EEXIST ? "another git process holds it" : strerror(errno));
	if (head_branch(gitdir, cur, sizeof(cur)) != 0 || strcmp(cur, branch) ||
	    branch_oid(gitdir, branch, now) != 0 || memcmp(now, parent, 20)) {
		rc = fc_error_set(FC_ECONFLICT, "the plan moved while committing: refs/heads/%s is no longer the parent",
				  branch);
		goto fail;
	}
	to_hex(hp, parent);
	to_hex(hn, oid);
	fc_buf_printf(&line, "%s %s ficus <ficus@localhost> %lld +0000\t", hp, hn, (long long)when);
	reflog_message(&line, message);
	fc_buf_putc(&line, '\n');
	snprintf(path, sizeof(path), "%s/logs/refs/heads/%s", gitdir, branch);
	if (append_line(path, &line) < 0) {
		rc = fc_error_set(FC_ERROR, "writing %s: %s", path, strerror(errno));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/logs/HEAD", gitdir);
	if (append_line(path, &line) < 0) {
		rc = fc_error_set(FC_ERROR, "writing %s: %s", path, strerror(errno));
		goto fail;
	}
	hn[40] = '\n';
	if ((fd = side_open(side, gitdir, "ref")) < 0 ||
	    side_commit(fd, write_all(fd, hn, 41) < 0, side, ref, lock) < 0) {
		rc = fc_error_set(FC_ERROR, "moving refs/heads/%s: %s", branch, strerror(errno));
		goto fail;
	}
	fc_buf_free(&line);
	return 0;
fail:
	unlink(lock);
	fc_buf_free(&line);
	return rc;
}

int fc_plumb_commit(fc_plumb *pl, char out_oid[FC_OID_HEX], const char *message, const char *name,
		    const char *email, fc_time when)
{
	char ht[FC_OID_HEX], hp[FC_OID_HEX];
	unsigned char oid[20];
	fc_buf c = FC_BUF_INIT;
	z_stream z;
	int rc;

	to_hex(ht, pl->tree);
	to_hex(hp, pl->parent);
	fc_buf_printf(&c, "tree %s\nparent %s\nauthor ", ht, hp);
	if ((rc = sig_part(&c, name)) < 0)
		goto done;
	fc_buf_puts(&c, " <");
	if ((rc = sig_part(&c, email)) < 0)
		goto done;
	fc_buf_printf(&c, "> %lld +0000\ncommitter ficus <ficus@localhost> %lld +0000\nencoding UTF-8\n\n%s",
		      (long long)when, (long long)when, message);
	object_id(oid, "commit", c.ptr, c.len);
	if ((rc = deflate_start(&z)) < 0)
		goto done;
	rc = object_write(pl->gitdir, &z, oid, "commit", c.ptr, c.len);
	deflateEnd(&z);
	if (rc < 0 || (rc = update_ref(pl->gitdir, pl->branch, pl->parent, oid, message, when)) < 0)
		goto done;
	to_hex(out_oid, oid);
done:
	fc_buf_free(&c);
	return rc;
}

int fc_plumb_move_head(const char *gitdir, const char parent_hex[FC_OID_HEX], const char oid_hex[FC_OID_HEX],
		       const char *message, fc_time when)
{
	char branch[256];
	unsigned char parent[20], oid[20], now[20];

	if (from_hex(parent, parent_hex) < 0 || from_hex(oid, oid_hex) < 0 ||
	    head_branch(gitdir, branch, sizeof(branch)) != 0 || branch_oid(gitdir, branch, now) != 0 ||
	    !reflogs_exist(gitdir, branch))
		return NO;
	/* update_ref compares the branch with the parent, under its lock */
	return update_ref(gitdir, branch, parent, oid, message, when);
}

/* ---- the work tree ---- */

/* Write a work-tree file beside its place and rename it there (never through a link). */
static int write_work_file(const char *full, const void *data, size_t len, unsigned mode)
{
	char tmp[PATH_CAP + 32];
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.ficus-%ld", full, (long)getpid()) >= sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 && errno == EEXIST) {
		/* the name carries this pid: a killed ficus that had it left the file (writers hold the plan lock) */
		unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	}
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, full) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Remove work files already rewritten, so that a checkout writes them (and their entries) again. */
static void unwrite(const char *workdir, const fc_plumb_blob *b, size_t n)
{
	char full[PATH_CAP];

	for (size_t k = 0; k < n; k++) {
		snprintf(full, sizeof(full), "%s%s", workdir, b[k].path);
		unlink(full);
	}
}

/* Hash and write one piece of the new index. */
static int put_piece(int fd, fc_sha1 *c, const unsigned char *p, size_t n)
{
	if (c)
		fc_sha1_put(c, p, n);
	return write_all(fd, p, n);
}

/*
 * The index is mapped, not read, and the copy is written piece by piece
 * from the map with the edited entries in between, hashed as it goes: a
 * large plan's index is a megabyte, and two buffers of that size were most
 * of the refresh's time in first touches of their pages.  `pre`: the index
 * a stage mapped and parsed, taken (and the file not read again) if it is
 * still the same file.
 */
static int refresh(const char *gitdir, const char *workdir, const fc_plumb_blob *b, size_t n, fc_plumb_seen *seen,
		   ix_map *pre)
{
	char ipath[PATH_CAP], lpath[PATH_CAP], side[PATH_CAP], full[PATH_CAP];
	unsigned char sum[20], (*ent)[60] = NULL;
	size_t *at = NULL, *order = NULL, written = 0, from = 0;
	ix_map x;
	fc_sha1 c;
	int rc = NO, fd, bad = 0;
	struct stat side_st, ist;
	fc_plumb_seen known = { 0 };

	if (seen) {
		known = *seen;
		seen->set = 0;
	}
	if (n == 0 || n > 64)
		return NO;
	snprintf(ipath, sizeof(ipath), "%s/index", gitdir);
	/* the copy is checksummed afresh (an index damaged on disk must not
	 * pass), unless nothing has written it since this caller did */
	if (pre && pre->map && stat(ipath, &ist) == 0 && same_stamp(&ist, &pre->st)) {
		x = *pre;
		memset(pre, 0, sizeof(*pre));
		if (ix_verify(&x, &known) != 0) {
			ix_close(&x);
			return NO;
		}
	} else if (ix_open(&x, gitdir, 1, &known) != 0) {
		return NO;
	}
	snprintf(lpath, sizeof(lpath), "%s/index.lock", gitdir);
	/* every path checked before anything is written: a checkout takes
	 * over only from an untouched work tree */
	at = fc_calloc(n, sizeof(size_t));
	for (size_t k = 0; k < n; k++) {
		size_t i = ix_find(&x, b[k].path);
		if (i == (size_t)-1 || ix_mode(&x, i) != b[k].mode || (b[k].mode != 0100644 && b[k].mode != 0100755) ||
		    (x.map[x.e[i].off + 60] & 0x80))
			goto done; /* an addition, another mode, assume-valid */
		at[k] = x.e[i].off;
	}
	/* the edited entries: stat data and blob id (the first 60 bytes) */
	ent = fc_calloc(n, sizeof(*ent));
	for (size_t k = 0; k < n; k++) {
		unsigned char *e = ent[k];
		struct stat st;

		memcpy(e, x.map + at[k], sizeof(*ent));
		snprintf(full, sizeof(full), "%s%s", workdir, b[k].path);
		if (write_work_file(full, b[k].data, b[k].len, b[k].mode == 0100755 ? 0777 : 0666) < 0 ||
		    lstat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			unwrite(workdir, b, k + 1);
			goto done;
		}
		put_be32(e, (uint32_t)st.st_ctim.tv_sec);
		put_be32(e + 4, (uint32_t)st.st_ctim.tv_nsec);
		put_be32(e + 8, (uint32_t)st.st_mtim.tv_sec);
		put_be32(e + 12, (uint32_t)st.st_mtim.tv_nsec);
		put_be32(e + 16, (uint32_t)st.st_dev);
		put_be32(e + 20, (uint32_t)st.st_ino);
		put_be32(e + 28, (uint32_t)st.st_uid);
		put_be32(e + 32, (uint32_t)st.st_gid);
		put_be32(e + 36, (uint32_t)st.st_size);
		memcpy(e + 40, b[k].oid, 20);
		written = k + 1;
	}
	/* the entries in index order, each edited one in its place */
	order = fc_calloc(n, sizeof(size_t));
	for (size_t k = 0; k < n; k++) {
		size_t j = k;
		for (; j > 0 && at[order[j - 1]] > at[k]; j--)
			order[j] = order[j - 1];
		order[j] = k;
	}
	if (lock_take(lpath) < 0) {
		unwrite(workdir, b, written);
		goto done;
	}
	if ((fd = side_open(side, gitdir, "index")) < 0) {
		unlink(lpath);
		unwrite(workdir, b, written);
		goto done;
	}
	fc_sha1_init(&c);
	for (size_t i = 0; i < n && !bad; i++) {
		size_t k = order[i];
		bad = put_piece(fd, &c, x.map + from, at[k] - from) < 0 || put_piece(fd, &c, ent[k], sizeof(*ent)) < 0;
		from = at[k] + sizeof(*ent);
	}
	bad = bad || put_piece(fd, &c, x.map + from, x.end - from) < 0;
	for (size_t i = 0; i < x.nkeep && !bad; i++)
		bad = put_piece(fd, &c, x.map + x.keep[i][0], x.keep[i][1]) < 0;
	fc_sha1_final(&c, sum);
	bad = bad || put_piece(fd, NULL, sum, sizeof(sum)) < 0 || fstat(fd, &side_st) < 0;
	if (side_commit(fd, bad, side, ipath, lpath) < 0) {
		unlink(lpath);
		unwrite(workdir, b, written);
		goto done;
	}
	/* the rename moved ctime: the stamp is the file's now, if it is still ours */
	if (seen && stat(ipath, &ist) == 0 && ist.st_ino == side_st.st_ino && ist.st_dev == side_st.st_dev) {
		seen->st = ist;
		memcpy(seen->sum, sum, 20);
		seen->set = 1;
	}
	rc = 0;
done:
	free(at);
	free(order);
	free(ent);
	ix_close(&x);
	return rc;
}

int fc_plumb_refresh(const char *gitdir, const char *workdir, const fc_plumb_blob *b, size_t n,
		     fc_plumb_seen *seen)
{
	return refresh(gitdir, workdir, b, n, seen, NULL);
}

int fc_plumb_refresh_staged(fc_plumb *pl, const char *workdir, fc_plumb_seen *seen)
{
	return refresh(pl->gitdir, workdir, pl->blobs, pl->n, seen, &pl->x);
}
