#ifndef FC_ERROR_H
#define FC_ERROR_H
/*
 * Error codes and the last-error message.
 *
 * Every core function returns 0 on success or one of the negative codes
 * below.  The detail of the most recent failure, including the text that
 * SQLite, libgit2 or libcurl gave, is kept in a per-thread buffer that
 * fc_error_last() returns.  Messages follow the house style: lower case, no
 * final full stop, names quoted.
 */

typedef enum {
	FC_OK = 0,
	FC_ERROR = -1,     /* generic failure (I/O, library error) */
	FC_EINVAL = -2,    /* invalid argument: bad name, percentage, duration */
	FC_ENOTFOUND = -3, /* named object does not exist */
	FC_EEXISTS = -4,   /* named object already exists */
	FC_EPARSE = -5,    /* malformed input document */
	FC_ENOTPLAN = -6,  /* directory is not a ficus plan */
	FC_ESCHEMA = -7,   /* database schema is newer than this binary */
	FC_EGATE = -8,     /* a gate is closed; nothing changed */
	FC_ECONFLICT = -9, /* compare-and-swap mismatch, lock timeout, remote moved */
	FC_ESYNC = -10,    /* committed, but not applied on every router */
	FC_EDRIFT = -11,   /* stores or routers disagree with the plan */
	FC_ECONFIRM = -12, /* the action needs confirmation (--yes) */
	FC_ELIMIT = -13,   /* input exceeds a documented limit */
	FC_EUSAGE = -14,   /* command line usage error (used by the faces) */
	FC_ECODE_MIN = -14
} fc_error_code;

/* Static text for a code ("gate closed"); never NULL. */
const char *fc_strerror(int code);

/*
 * Record a failure and return `code` so callers can write
 * `return fc_error_set(FC_EINVAL, "bad name '%s'", n);`.
 */
int fc_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the current message with more context: "loading 'x': <old>". */
int fc_error_wrap(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Change the code of the last failure, keeping its message; returns code. */
int fc_error_recode(int code);

/* The message of the last failure on this thread (borrowed; "" if none). */
const char *fc_error_last(void);

/* The code of the last failure on this thread (0 if none). */
int fc_error_last_code(void);

void fc_error_clear(void);

/* Map a code to the CLI exit status documented in ficus(1). */
int fc_exit_status(int code);

#endif
