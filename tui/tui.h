#ifndef FICUS_TUI_H
#define FICUS_TUI_H
/*
 * The dashboard's insides (tui/ only).  `ficus dash` is a second face over
 * the core: it reads the plan through the core's public headers, asks
 * fc_gate_step() for every step and its gates, and changes the plan through
 * the same calls as the CLI (fc_promote, fc_rollback, ...), so a change made
 * here is the commit the CLI would make.
 *
 * Threads.  The main thread owns the screen, the keyboard and one fc_plan
 * handle (reads, gate steps, dry runs).  Two helpers each open their own
 * fc_plan handle (core handles are not thread-safe; the last-error buffer
 * is per thread):
 *   - the router thread refreshes router state every few seconds;
 *   - the worker thread runs one action or ':' command at a time.
 * They hand results over under a mutex and wake the main loop through a
 * pipe; the main thread adopts them.  Nothing a helper does ever blocks a
 * key.
 *
 * Drawing.  Every frame is drawn from state onto stdscr (ncurses sends only
 * what changed), so resizing works in every view, dialog and prompt.  All
 * text goes through draw_str(), which runs fc_sanitize() on it: nothing
 * from the plan reaches the terminal with its control characters.
 *
 * Views.  A view is a `view_ops` table in its own file (view_*.c), listed
 * once in DASH_VIEWS below (tig's VIEW_INFO).  Key bindings are one table
 * (keys.c): dispatch, the footer hints and the '?' help are all generated
 * from it, so the help cannot drift from what the keys do.
 */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <pthread.h>
#include <stddef.h>
#include <wchar.h>

#include "fc_gate.h"
#include "fc_life.h"
#include "fc_log.h"
#include "fc_map.h"
#include "fc_order.h"
#include "fc_plan.h"
#include "fc_shadow.h"
#include "fc_session.h"
#include "fc_router.h"
#include "fc_service.h"
#include "fc_settings.h"
#include "fc_watch.h"

#include "dash.h"

#define DASH_MIN_COLS 80
#define DASH_MIN_LINES 24
#define DASH_HISTORY_CHUNK 1000  /* commits read per history load */
#define DASH_EDIT_MAX 2000       /* characters in a text field */

typedef struct dash dash;

/* ---- keys (keys.c) ---- */

/* Where a binding applies. */
enum {
	CX_MAIN = 1 << 0,     /* every main view (services, map, history) and the pager */
	CX_LIST = 1 << 1,     /* moving in a list or pager */
	CX_SERVICES = 1 << 2,
	CX_MAP = 1 << 3,
	CX_HISTORY = 1 << 4,
	CX_PAGER = 1 << 5,
	CX_DIALOG = 1 << 6,
	CX_PICKER = 1 << 7,
	CX_EDIT = 1 << 8,     /* any text field: dialog fields, '/' and ':' prompts */
	CX_PROMPT = 1 << 9,
	CX_SMALL = 1 << 10    /* the terminal is below the minimum size */
};

typedef enum {
	DA_NONE,
	DA_QUIT, DA_HELP, DA_NEXT_VIEW, DA_PREV_VIEW, DA_VIEW1, DA_VIEW2, DA_VIEW3, DA_COMMAND, DA_FILTER,
	DA_REDRAW, DA_RELOAD, DA_ROLLBACK_ANY,
	DA_UP, DA_DOWN, DA_PGUP, DA_PGDN, DA_TOP, DA_BOTTOM, DA_ENTER, DA_BACK,
	DA_PROMOTE, DA_ROLLBACK, DA_SHADOW, DA_CHECK_RUN, DA_CHECK_RECORD, DA_STRATEGY,
	DA_CLOSE,
	DA_D_NEXT, DA_D_PREV, DA_D_LEFT, DA_D_RIGHT, DA_D_SUBMIT, DA_D_CANCEL, DA_D_TOGGLE,
	DA_E_LEFT, DA_E_RIGHT, DA_E_HOME, DA_E_END, DA_E_BS, DA_E_DEL, DA_E_KILL,
	DA_P_ACCEPT, DA_P_CANCEL, DA_P_OLDER, DA_P_NEWER,
	DA_COUNT
} dash_action;

/* Binding flags. */
enum {
	KB_WRITE = 1 << 0,  /* changes the plan: hidden and refused under --readonly */
	KB_HINT = 1 << 1    /* shown in the footer of its context */
};

typedef struct {
	unsigned ctx;
	int fn;             /* 1: an ncurses KEY_* code; 0: a character */
	int key;
	const char *label;  /* "j", "Down", "Ctrl-L" */
	dash_action act;
	unsigned flags;
	const char *hint;   /* short footer word, for KB_HINT */
	const char *help;
} dash_binding;

/* The one table of bindings, terminated by a zero entry. */
extern const dash_binding dash_bindings[];

/* A key as read: a character (fn 0) or an ncurses KEY_* code (fn 1). */
typedef struct {
	int fn;
	int key;
} dkey;

/* The action bound to `k` in the first of `ctx` (tried in order) that binds it. */
dash_action keys_lookup(const unsigned *ctx, size_t nctx, dkey k, unsigned *flags);
/* Help text lines for every binding (caller frees with rt_free). */
struct rtext;
void keys_help(struct rtext *out, int readonly, int width);
/*
 * Footer hints for contexts, in order ("p promote  r rollback ..."); readonly
 * drops KB_WRITE.  which: 0 all, 1 all but help and quit, 2 only those.
 */
void keys_hints(char *buf, size_t size, const unsigned *ctx, size_t nctx, int readonly, int which);
/* Write every binding as "context<TAB>key<TAB>help" lines (tests). */
int keys_dump(const char *path);

/* ---- rich text: lines of attributed segments (draw.c) ---- */

typedef struct {
	unsigned attr;
	char *text;         /* sanitized at draw time */
} rseg;

typedef struct {
	rseg *segs;
	size_t nsegs;
} rline;

typedef struct rtext {
	rline *lines;
	size_t nlines;
} rtext;

/* Start a new line. */
void rt_nl(rtext *t);
/* Append a segment to the last line (starting one if needed). */
void rt_add(rtext *t, unsigned attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append text that may hold newlines, one line each, indented. */
void rt_add_lines(rtext *t, unsigned attr, const char *indent, const char *text);
/*
 * Append `text` word-wrapped: lines of at most `width` columns; the first
 * goes on after a label of `indent` columns, the others are indented so.
 */
void rt_add_wrapped(rtext *t, unsigned attr, const char *text, int width, int indent);
void rt_free(rtext *t);

/* ---- drawing (draw.c) ---- */

/* Semantic attributes: always an attribute (bold, reverse...), colour on top when enabled. */
enum {
	S_NORMAL, S_OK, S_BAD, S_WARN, S_DIM, S_TITLE, S_HEAD, S_SEL, S_CURPHASE, S_CYCLE, S_KEY, S_BADGE,
	S_COUNT
};

typedef struct {
	const char *open, *closed, *none, *cur, *sep, *full, *empty, *arrow, *cycle, *ellipsis, *warn, *sel;
	const char *hl, *vl, *tl, *tr, *bl, *br, *ml, *mr;
	const char *spark[9];
	const char *check_on, *check_off, *radio_on, *radio_off;
} dash_syms;

void draw_init(int color, int unicode);
unsigned draw_attr(int sem);
const dash_syms *draw_syms(void);

/*
 * Draw `s` (UTF-8 from anywhere: sanitized here) at (y, x), at most `w`
 * columns, clipped to the screen.  Returns the columns used.
 */
int draw_str(int y, int x, int w, unsigned attr, const char *s);
/* Same, padded with spaces to exactly `w` columns. */
int draw_strpad(int y, int x, int w, unsigned attr, const char *s);
/* printf into draw_str. */
int draw_printf(int y, int x, int w, unsigned attr, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Display width of `s` once sanitized. */
int draw_width(const char *s);
/* Fill `w` columns with `attr` spaces. */
void draw_fill(int y, int x, int w, unsigned attr);
void draw_hline(int y, int x, int w, unsigned attr);
/* A box with a title in its top border; the inside is cleared. */
void draw_box(int y, int x, int h, int w, unsigned attr, const char *title);
/* Draw rich lines from line `first`, in the rectangle; returns lines drawn. */
int draw_rtext(const rtext *t, size_t first, int y, int x, int h, int w, unsigned base_attr);
/* A bar of `w` cells for basis points 0..10000. */
void draw_bar(int y, int x, int w, int bp, unsigned attr);

/* Copy of a string with control characters replaced (fc_sanitize, one line). */
char *dash_clean(const char *s);
/* Shell-quote a word for an equivalent command line (caller frees). */
char *dash_shquote(const char *s);

/* ---- text fields ---- */

typedef struct {
	wchar_t buf[DASH_EDIT_MAX + 1];
	size_t len, cur, scroll;
} line_edit;

void edit_set(line_edit *e, const char *utf8);
/* Handle an editing action or a printable character; 1 if consumed. */
int edit_key(line_edit *e, dash_action act, dkey k);
/* The text as UTF-8 (caller frees). */
char *edit_text(const line_edit *e);
/* Draw the field at (y, x) in `w` columns; `focus` shows the cursor position. */
void edit_draw(line_edit *e, int y, int x, int w, unsigned attr, int focus);

/* ---- model: what the views show (model.c) ---- */

typedef struct {
	fc_service sv;      /* brief (fc_service_list_brief) until model_service_full() */
	int full;           /* sv holds every recent check result, with its text */
	fc_step st;
	int st_ok;
	char *st_err;       /* fc_gate_step failed: why */
} svc_row;

typedef struct {
	char oid[41];
	fc_time when;
	char *author, *email, *subject, *body, *message;
	char **keys, **values;
	size_t ntrailers;
	const char *service, *action, *from, *to, *forced; /* borrowed from values, or NULL */
} hist_row;

typedef struct {
	int loaded;
	char *error;
	fc_settings set;
	int have_set;
	svc_row *svcs;
	size_t nsvcs;
	int svc_name_w;     /* widest service name (columns) */
	/* map (loaded when the map view first needs it) */
	int map_loaded;
	char *map_error;
	fc_domain *doms;
	size_t ndoms;
	fc_dep *deps;
	size_t ndeps;
	fc_rank *ranks;
	size_t nranks;
	fc_order_strategy strategy;
	fc_rank *cycles;
	size_t ncycles;
	/* one row per domain, in rank order */
	size_t *mrow_rank;
	const char **mrow_name;   /* borrowed from ranks */
	const fc_domain **mrow_dom; /* borrowed from doms, or NULL */
	int *mrow_in, *mrow_out;  /* direct dependents and dependencies */
	size_t nmrows;
	int map_name_w;
	/* history (newest first, at most hist_limit commits) */
	int hist_loaded;
	char *hist_error;
	hist_row *hist;
	size_t nhist;
	long hist_limit;
	int hist_complete;  /* the whole history is loaded */
	int hist_svc_w;
	char head[41];
	char *remote;       /* sanitized, credentials removed; NULL when none */
	int remote_read;
	fc_watch_state watch; /* the plan's watcher (ficus watch), as this clone last saw it */
	fc_time loaded_at;
} dash_model;

/* Reload services and gate steps (and mark map and history stale). */
int model_load(dash *d);
int model_load_map(dash *d);
int model_load_history(dash *d);
void model_free(dash_model *m);
/* The newest commit id, "" for none (cheap: one commit). */
void model_head(dash *d, char out[41]);
svc_row *model_service(dash *d, const char *name);
/* The row's service with its recent check results (read once, when first shown). */
const fc_service *model_service_full(dash *d, svc_row *r);
/* Parse a "read-cutover 10%" / "backfill" state into a percentage (bp). */
int model_state_bp(const char *state, int *bp);

/* ---- helpers: router refresh and the worker (bg.c) ---- */

typedef struct {
	size_t gen;
	int rc;
	char *error;
	int live;            /* 1: read from the routers (verify), 0: recorded state */
	fc_time at;
	fc_router_result res;
	fc_shadow_report *shadow; /* live: the counters of every service comparing */
	size_t nshadow;
} router_snap;

typedef enum {
	JOB_PROMOTE, JOB_ROLLBACK, JOB_SHADOW, JOB_CHECK_RUN, JOB_CHECK_RECORD, JOB_COMMAND
} job_kind;

typedef struct job {
	job_kind kind;
	char *service, *check, *detail, *reason, *expect, *actor, *title;
	int force, yes, on, pass;
	char **argv;         /* JOB_COMMAND: the words after 'ficus' */
	size_t argc;
	int cols;
	/* results */
	int rc;
	char *err;
	fc_outcome out;
	fc_step st;
	fc_check_run_result *runres;
	size_t nrun;
	char *output;        /* JOB_COMMAND: captured output */
	int status;          /* JOB_COMMAND: exit status */
} job;

void job_free(job *j);

int bg_start(dash *d);
/* Stop the helpers; 1 when the router thread is still stuck (exit without cleanup). */
int bg_stop(dash *d);
/* Queue a job; 0, or -1 when one is already running. */
int bg_submit(dash *d, job *j);
/* Ask the router thread for a refresh now. */
void bg_refresh_now(dash *d);
/* Take finished work (router snapshot, finished job) under the lock. */
void bg_adopt(dash *d);
/* 1 while a job is queued, running, or done but not yet adopted. */
int bg_busy(dash *d);
/* Drain the wake pipe. */
void bg_drain(dash *d);

/* ---- views ---- */

typedef struct {
	size_t cur, top;
	char keep[256];      /* row key to select again after a reload */
	char filter[256];
	size_t *idx;         /* rows that match the filter */
	size_t nidx;
	size_t nall;
} list_state;

typedef struct view_ops {
	const char *name;        /* "services" */
	const char *title;       /* "Services" */
	unsigned ctx;            /* its key context */
	/* rows before filtering */
	size_t (*count)(dash *d);
	/* text of row i for the filter (caller frees) */
	char *(*row_text)(dash *d, size_t i);
	/* what identifies row i across reloads (borrowed): a name, a commit id */
	const char *(*row_key)(dash *d, size_t i);
	/* draw the body: the rectangle (y, x, h, w) */
	void (*draw)(dash *d, int y, int x, int h, int w);
	/* a view action (DA_ENTER, DA_STRATEGY...); 1 if handled */
	int (*action)(dash *d, dash_action a);
	/* the data it needs (lazy loads); called before drawing */
	void (*prepare)(dash *d);
	/* one-line note in the tab bar (strategy, counts), into buf */
	void (*note)(dash *d, char *buf, size_t size);
} view_ops;

/* tig's VIEW_INFO: every view, once, in Tab order. */
#define DASH_VIEWS(_) \
	_(services)   \
	_(map)        \
	_(history)

#define DASH_VIEW_DECL(name) extern const view_ops view_##name;
DASH_VIEWS(DASH_VIEW_DECL)
#undef DASH_VIEW_DECL

#define DASH_VIEW_ENUM(name) V_##name,
enum { DASH_VIEWS(DASH_VIEW_ENUM) V_COUNT };
#undef DASH_VIEW_ENUM

/* Filtered rows of a list view: rebuild after the data or the filter changed. */
void list_rebuild(dash *d, int view);
/* Move the cursor of the list of `view` for a movement action; 1 if handled. */
int list_move(list_state *l, dash_action a, int page);
/* Keep the cursor visible in `h` rows. */
void list_scroll(list_state *l, int h);
/* The row index (unfiltered) under the cursor, or -1. */
long list_selected(const list_state *l);

/* ---- pager (pager.c): full-screen scrollable text ---- */

/* Builds a pager's text for a width (so that a resize wraps it again). */
typedef void (*pager_regen)(dash *d, rtext *t, int width, const char *arg);

typedef struct {
	char *title;
	rtext text;
	size_t top;
	int kind;            /* PAGER_HELP, PAGER_TEXT */
	pager_regen regen;   /* NULL: fixed text */
	char *arg;
	int width;
} dash_pager;

enum { PAGER_TEXT, PAGER_HELP };

void pager_open(dash *d, const char *title, rtext *text, int kind); /* takes text */
/* A pager whose text is built by `regen` at the screen's width. */
void pager_open_regen(dash *d, const char *title, int kind, pager_regen regen, const char *arg);
void pager_close(dash *d);
void pager_draw(dash *d, int y, int x, int h, int w);
int pager_action(dash *d, dash_action a, int h);

/* ---- dialogs (dialog.c) ---- */

typedef enum { DLG_PROMOTE, DLG_ROLLBACK, DLG_SHADOW, DLG_CHECK_RUN, DLG_CHECK_RECORD } dlg_kind;

enum { FLD_REASON, FLD_FORCE, FLD_CONFIRM, FLD_CHECK, FLD_RESULT, FLD_DETAIL, FLD_CANCEL, FLD_OK };

typedef struct dialog {
	dlg_kind kind;
	char *service;
	char *title;
	char *verb;          /* button: "Promote" */
	/* what the step does, from core (fc_gate_step or a dry run) */
	fc_step st;
	int have_step;
	char *from, *to, *traffic, *note;
	char *blocked;       /* nothing to do / not allowed: why (OK refused) */
	int closed;          /* a gate is closed: only force passes */
	int force_needed;    /* rollback from decommission */
	int irreversible;
	char *expect;        /* the state the dialog was opened on */
	int shadow_on;
	char **checks;       /* check run: configured check names and commands */
	size_t nchecks;
	line_edit reason, confirm, check, detail;
	int force, pass;
	int fields[8];
	int nfields;
	int focus;
	char *msg;
	int msg_bad;
} dialog;

typedef struct {
	size_t cur, top;
} picker;

void dialog_open(dash *d, dlg_kind kind, const char *service);
void dialog_close(dash *d);
void dialog_draw(dash *d);
void dialog_key(dash *d, dash_action a, dkey k);

void picker_open(dash *d);
void picker_draw(dash *d);
void picker_key(dash *d, dash_action a);

/* ---- headless mode (headless.c) ---- */

typedef enum { EV_NONE, EV_KEY, EV_RESIZE, EV_WAIT_REFRESH, EV_DUMP, EV_DUMP_ATTRS, EV_DUMP_KEYS, EV_END } ev_kind;

typedef struct {
	ev_kind kind;
	dkey key;
	int w, h;
	const char *path;
} script_ev;

typedef struct script script;

/* Load a script; on error, a message in *err (caller frees). */
script *script_load(const char *path, char **err);
void script_free(script *s);
/* The next event (EV_END at the end). */
script_ev script_next(script *s);
/* Write the screen as text (attrs 0) or as an attribute grid (attrs 1). */
int screen_dump(const char *path, int attrs);

/* ---- the dashboard ---- */

typedef enum { PROMPT_NONE, PROMPT_FILTER, PROMPT_COMMAND } prompt_kind;

struct dash {
	const dash_opts *opts;
	fc_plan *p;
	char *plan_dir;
	dash_model m;
	int view;
	list_state lists[V_COUNT];
	int list_dirty[V_COUNT];
	dash_pager *pager;
	dialog *dlg;
	picker *pick;
	prompt_kind prompt;
	line_edit pedit;
	char saved_filter[256];
	char **cmd_hist;
	size_t ncmd_hist, cmd_hist_pos;
	char *last_service;  /* the service last selected (R preselects it) */
	char status[1024];
	int status_bad;
	int quit;
	int small;
	int headless;
	long frames;
	int color, unicode;
	long long last_head_check_ms, last_step_eval_ms;
	/* helper threads */
	pthread_t router_th, worker_th;
	int threads_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wake[2];
	int stop;
	int refresh_req;
	int refresh_secs;
	router_snap *snap_pending;
	router_snap *snap;
	job *job_queued, *job_running, *job_done;
};

void dash_status(dash *d, int bad, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reload the model after a change; keeps the selections by name. */
void dash_reload(dash *d);
/* The selected service in the services view, or NULL. */
svc_row *dash_selected_service(dash *d);
/* Run the job finished by the worker: report and refresh. */
void dash_job_done(dash *d, job *j);
long long dash_ms(void);

/* Detail lines for a service (services view pane and its pager). */
void services_detail(dash *d, svc_row *r, rtext *t, int width);
/* "pl planned · dw dual-write · ...": what the pipeline's abbreviations mean. */
void services_phase_legend(char *buf, size_t size);
/* The ramp timeline points of a service from the history cache. */
typedef struct {
	fc_time at;
	int bp;
} ramp_point;
size_t services_timeline(dash *d, const char *name, ramp_point *pts, size_t max, int *partial);

#endif
