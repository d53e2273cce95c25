#ifndef FC_DL_H
#define FC_DL_H
/*
 * The libraries ficus opens on first use (libcurl, libgit2) rather than
 * links: one dlopen() and dlsym() loop for all of them.  A module describes
 * its library and a table of function pointers with FC_DL_LIB_INIT and
 * calls fc_dl_open() before using the table; the library is loaded the
 * first time, and a failure is remembered rather than retried.
 */
#include <pthread.h>
#include <stddef.h>

/* A function to find, and where its pointer goes in the table. */
typedef struct {
	const char *name;
	size_t off;
} fc_dl_sym;

typedef struct {
	const char *what;       /* for messages: "libcurl" */
	const char *env;        /* names another library: "FICUS_LIBCURL" */
	const char *soname;     /* otherwise: "libcurl.so.4" */
	const char *need;       /* the version that has every function: "7.66" */
	const fc_dl_sym *syms;
	size_t nsyms;
	void *table;            /* receives the functions */
	pthread_mutex_t lock;
	int loaded;             /* 0 not tried yet, 1 loaded, -1 failed */
	char why[256];          /* the failure */
} fc_dl_lib;

#define FC_DL_LIB_INIT(what, env, soname, need, syms, table) \
	{ what, env, soname, need, syms, sizeof(syms) / sizeof((syms)[0]), table, PTHREAD_MUTEX_INITIALIZER, 0, "" }

/*
 * Load `lib` into its table the first time; later calls give the same
 * outcome at once.  0, or FC_ERROR with the reason in fc_error_last()
 * (the library, or one of its functions, is missing).  Thread-safe.  The
 * library is never closed: its global state lives until the process ends.
 */
int fc_dl_open(fc_dl_lib *lib);

#endif
