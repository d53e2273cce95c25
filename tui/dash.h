#ifndef FICUS_DASH_H
#define FICUS_DASH_H
/*
 * `ficus dash`: the terminal dashboard.  The CLI verb (cli/cmd_dash.c)
 * opens the plan and hands it here.
 *
 * Environment (documented in ficus(1) and the dashboard's '?' help):
 *   NO_COLOR             no colour (state stays visible by symbols and attributes)
 *   TERM=dumb            no colour, ASCII symbols
 *   FICUS_DASH_REFRESH   seconds between router state refreshes (default 5; 0: off)
 *   FICUS_DASH_SCRIPT    headless: read keys from this file, no terminal needed
 *   FICUS_DASH_SIZE      headless screen size, "80x24" (default)
 *   FICUS_DASH_DUMP      headless: write the final screen to this file
 *   FICUS_DASH_ASCII     1: ASCII symbols even in a UTF-8 locale
 */
#include "fc_plan.h"

typedef struct {
	const char *actor;   /* --actor for the changes made from the dashboard */
	int readonly;        /* --readonly: no action, the status line says why */
	int no_color;        /* --no-color */
	int lock_timeout_ms; /* --lock-timeout for the dashboard's changes */
} dash_opts;

/*
 * Run the dashboard on `p` (borrowed; used by the main thread only).
 * Returns an exit status: 0, or 1 with a message on stderr when the
 * terminal cannot be used, 2 for a bad headless script.
 */
int dash_run(fc_plan *p, const dash_opts *o);

#endif
