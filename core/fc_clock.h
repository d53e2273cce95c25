#ifndef FC_CLOCK_H
#define FC_CLOCK_H
/*
 * The one clock of ficus, and durations.
 *
 * Every gate and every commit reads the time through fc_now(), which honours
 * FICUS_NOW (RFC 3339 or Unix seconds), so tests and rehearsals move time
 * without sleeping.  Times are Unix seconds (int64).
 */
#include <stdint.h>

typedef int64_t fc_time;

/* 9999-12-31T23:59:59Z: the last time fc_time_parse() accepts. */
#define FC_TIME_MAX ((fc_time)253402300799)

/*
 * The current time: FICUS_NOW when set, else the system clock.  A FICUS_NOW
 * that does not parse is reported through fc_clock_check(); fc_now() then
 * falls back to the system clock.
 */
fc_time fc_now(void);

/*
 * 0 when FICUS_NOW is unset or valid; FC_EINVAL with a message otherwise
 * (also for a time after FC_TIME_MAX).  The CLI exits 2 on it.
 */
int fc_clock_check(void);

/* Install a clock for tests (NULL restores the default). */
void fc_clock_set(fc_time (*fn)(void));

/*
 * Parse "2026-11-22T10:00:00Z", "2026-11-22T10:00:00+02:00",
 * "2026-11-22 10:00:00Z" or Unix seconds ("1790000000").  FC_EINVAL otherwise,
 * also for a time after FC_TIME_MAX.
 */
int fc_time_parse(fc_time *out, const char *s);

/* "2026-11-22T10:00:00Z" into buf (at least 21 bytes). */
void fc_time_format(char *buf, unsigned long size, fc_time t);

/*
 * Durations: "90s", "15m", "24h", "14d", "2w", "7d2h", or plain seconds.
 * FC_EINVAL for anything else, negative or over 100 years.
 */
int fc_duration_parse(int64_t *out, const char *s);

/* Compact form: "7d2h", "3h5m", "45s", "0s".  Two largest units at most. */
void fc_duration_format(char *buf, unsigned long size, int64_t secs);

#endif
