#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../tui/dash.h"

static const char usage[] = "usage: ficus dash [--readonly]";
static const char desc[] =
	"The terminal dashboard: services with their phase, traffic and next gate, a\n"
	"detail pane (gates with evidence, checks, ramp timeline, router state), the\n"
	"domain map with the extraction order and cycles, and the plan's history.\n"
	"Actions (p promote, r rollback, s shadow, c run checks, C record a check)\n"
	"open a dialog with the gates, the effect, the equivalent command and a\n"
	"reason that becomes the commit message; each makes exactly the commit the\n"
	"CLI verb would. Rollback from anywhere: R, Enter, the reason, Enter.\n"
	"'?' lists every key. --readonly hides the actions.\n"
	"\n"
	"The terminal must be at least 80x24. NO_COLOR, --no-color and TERM=dumb\n"
	"turn colour off (state stays visible by symbols and attributes).\n"
	"\n"
	"environment:\n"
	"  FICUS_DASH_REFRESH=SECS  router state refresh period (default 5, 0 off)\n"
	"  FICUS_DASH_SCRIPT=FILE   headless: keys from FILE, no terminal needed\n"
	"  FICUS_DASH_SIZE=WxH      headless screen size (default 80x24)\n"
	"  FICUS_DASH_DUMP=FILE     headless: write the final screen to FILE\n"
	"  FICUS_DASH_ASCII=1       ASCII symbols even in a UTF-8 locale\n"
	"\n"
	"script tokens, one per line: a character (j, p, R, ?), <Enter> <Tab> <S-Tab>\n"
	"<Esc> <Space> <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End>\n"
	"<Backspace> <Delete> <C-x> <lt>, text:WORDS, resize:WxH, wait-refresh,\n"
	"dump:FILE, dump-attrs:FILE, dump-keys:FILE; '#' starts a comment line.";

int cmd_dash(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int npos, rc, readonly = 0;
	fc_plan *p = NULL;
	dash_opts o;
	cli_opt opts[] = {
		{ "readonly", 0, NULL, "hide every action: look, do not touch", NULL, &readonly, NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL }
	};

	if ((rc = cli_parse(c, opts, argc, argv, pos, 0, &npos)))
		return rc;
	if (c->help) {
		cli_help(c, usage, desc, opts);
		return 0;
	}
	if (c->json || c->w.dry_run || c->w.reason || c->w.force || c->w.yes || c->w.expect)
		return cli_usage(c, "dash takes no --json, --dry-run, --reason, --force, --yes or --expect: "
				    "its dialogs ask (use --readonly to look without touching)");
	memset(&o, 0, sizeof(o));
	o.actor = c->w.actor;
	o.readonly = readonly;
	o.lock_timeout_ms = c->open.lock_timeout_ms;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--no-color"))
			o.no_color = 1;
	/*
	 * The dashboard's own handle reads, and takes the lock only for the
	 * dry runs behind a dialog: it must not freeze the screen for long
	 * behind another writer.  Changes use --lock-timeout (default 10s).
	 */
	if (c->open.lock_timeout_ms > 1000)
		c->open.lock_timeout_ms = 1000;
	/* libgit2 starts when the history is first read, after the first frame */
	if ((rc = cli_open_read(c, &p)))
		return rc;
	rc = dash_run(p, &o);
	fc_plan_free(p);
	return rc;
}
