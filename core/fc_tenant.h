#ifndef FC_TENANT_H
#define FC_TENANT_H
/*
 * Tenants as ficus names them for pins (floor 1): the check of a tenant
 * name, sorted tenant sets, and the digest of a flag's pins that the
 * routers' read-back is compared with.
 *
 * A tenant is what the routers read from the request (the first X-Tenant
 * header, else the first raw "tenant" query argument): 1 to 128 bytes of
 * [A-Za-z0-9._~@+%-].  No whitespace, control characters, ':' (HAProxy's
 * pin map key is "<flag>:<tenant>"), ';' (HAProxy's command separator),
 * ',' (nginx joins repeated headers with ", "; the CLI's list separator),
 * '&', '#', quotes or backslashes: a pin must name a tenant every router
 * can receive and store unambiguously.
 */
#include <stddef.h>
#include <stdint.h>

#define FC_TENANT_MAX 128        /* bytes in a tenant name */
#define FC_PINS_MAX 10000        /* pins per service, in and out together */

/* 0 when `t` is a valid tenant; FC_EINVAL with a message naming it otherwise. */
int fc_tenant_check(const char *t);

/* A set of tenants: sorted, no duplicates once fc_tenants_sort ran. */
typedef struct {
	char **v;
	size_t n;
} fc_tenants;

void fc_tenants_clear(fc_tenants *t);
/* Append a copy of `s` (unsorted until fc_tenants_sort). */
void fc_tenants_add(fc_tenants *t, const char *s);
/* Sort and drop duplicates. */
void fc_tenants_sort(fc_tenants *t);
/* Sort a set whose strings are borrowed (nothing freed, duplicates kept). */
void fc_tenants_sort_borrowed(fc_tenants *t);
/* 1 when sorted `t` holds `s`. */
int fc_tenants_has(const fc_tenants *t, const char *s);

/*
 * Split `text` at commas, newlines and (for files) CR, and add each
 * trimmed non-empty item to *out; lines starting with '#' are comments
 * when `lines`.  Every item is checked (FC_EINVAL naming the first bad
 * one); more than FC_PINS_MAX items is FC_ELIMIT.  *out is sorted.
 */
int fc_tenants_parse(fc_tenants *out, const char *text, int lines);

/*
 * The digest of a flag's pins, independent of order: crc32 (zlib) of
 * "i:<tenant>\n" for each in-tenant then "o:<tenant>\n" for each
 * out-tenant, in sorted order; 0 with no pins.  The arrays are not
 * modified.
 */
uint32_t fc_pins_digest(char *const *in, size_t nin, char *const *out, size_t nout);

/*
 * A list of tenants for a commit body or a message: space-separated, at
 * most `max` of them, then " ... and N more" (caller frees).
 */
char *fc_tenants_shown(char *const *v, size_t n, size_t max);

#endif
