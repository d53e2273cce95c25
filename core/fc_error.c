/*
 * The last-error buffer is thread local so the dashboard's refresh thread
 * cannot overwrite the message of a foreground action.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fc_error.h"

static _Thread_local char last_msg[1024];
static _Thread_local int last_code;

const char *fc_strerror(int code)
{
	switch (code) {
	case FC_OK: return "success";
	case FC_ERROR: return "error";
	case FC_EINVAL: return "invalid argument";
	case FC_ENOTFOUND: return "not found";
	case FC_EEXISTS: return "already exists";
	case FC_EPARSE: return "malformed input";
	case FC_ENOTPLAN: return "not a ficus plan";
	case FC_ESCHEMA: return "database schema too new";
	case FC_EGATE: return "gate closed";
	case FC_ECONFLICT: return "conflict";
	case FC_ESYNC: return "router sync pending";
	case FC_EDRIFT: return "drift found";
	case FC_ECONFIRM: return "confirmation needed";
	case FC_ELIMIT: return "limit exceeded";
	case FC_EUSAGE: return "usage error";
	}
	return "unknown error";
}

int fc_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	last_code = code;
	return code;
}

int fc_error_wrap(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof(last_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_msg, sizeof(old));
	if (old[0])
		snprintf(last_msg, sizeof(last_msg), "%s: %s", prefix, old);
	else
		snprintf(last_msg, sizeof(last_msg), "%s", prefix);
	last_code = code;
	return code;
}

int fc_error_recode(int code)
{
	last_code = code;
	return code;
}

const char *fc_error_last(void)
{
	return last_msg;
}

int fc_error_last_code(void)
{
	return last_code;
}

void fc_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = 0;
}

int fc_exit_status(int code)
{
	switch (code) {
	case FC_OK: return 0;
	case FC_EUSAGE:
	case FC_ECONFIRM:
	case FC_EINVAL: return 2;
	case FC_EGATE: return 3;
	case FC_ECONFLICT: return 4;
	case FC_ESYNC: return 5;
	case FC_EDRIFT: return 6;
	default: return 1;
	}
}
