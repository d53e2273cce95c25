/*
 * The dashboard's copy of the plan: services with their next step (from
 * fc_gate_step, the one function that decides), the map with its order and
 * cycles, and a window of history.  Loaded by the main thread through its
 * fc_plan handle; reloaded when HEAD moves or after a change.  Views draw
 * from this copy, so a keypress never reads the repository.
 */
#include <stdlib.h>
#include <string.h>

#include "fc_buf.h"
#include "fc_error.h"
#include "fc_name.h"
#include "tui.h"

static void svcs_free(svc_row *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		fc_service_clear(&r[i].sv);
		fc_step_clear(&r[i].st);
		free(r[i].st_err);
	}
	free(r);
}

static void hist_free(hist_row *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free(h[i].author);
		free(h[i].email);
		free(h[i].subject);
		free(h[i].body);
		free(h[i].message);
		for (size_t k = 0; k < h[i].ntrailers; k++) {
			free(h[i].keys[k]);
			free(h[i].values[k]);
		}
		free(h[i].keys);
		free(h[i].values);
	}
	free(h);
}

static void map_free(dash_model *m)
{
	fc_domains_free(m->doms, m->ndoms);
	fc_deps_free(m->deps, m->ndeps);
	fc_ranks_free(m->ranks, m->nranks);
	fc_ranks_free(m->cycles, m->ncycles);
	free(m->mrow_rank);
	free(m->mrow_name);
	free(m->mrow_dom);
	free(m->mrow_in);
	free(m->mrow_out);
	m->mrow_rank = NULL;
	m->mrow_name = NULL;
	m->mrow_dom = NULL;
	m->mrow_in = m->mrow_out = NULL;
	m->nmrows = 0;
	m->map_name_w = 0;
	free(m->map_error);
	m->doms = NULL;
	m->deps = NULL;
	m->ranks = NULL;
	m->cycles = NULL;
	m->map_error = NULL;
	m->ndoms = m->ndeps = m->nranks = m->ncycles = 0;
	m->map_loaded = 0;
}

void model_free(dash_model *m)
{
	svcs_free(m->svcs, m->nsvcs);
	m->svcs = NULL;
	m->nsvcs = 0;
	if (m->have_set)
		fc_settings_clear(&m->set);
	m->have_set = 0;
	map_free(m);
	hist_free(m->hist, m->nhist);
	m->hist = NULL;
	m->nhist = 0;
	free(m->hist_error);
	m->hist_error = NULL;
	m->hist_loaded = 0;
	free(m->error);
	m->error = NULL;
	free(m->remote);
	m->remote = NULL;
}

static int head_cb(const fc_log_entry *e, void *ctx)
{
	snprintf(ctx, 41, "%s", e->oid);
	return 1;
}

void model_head(dash *d, char out[41])
{
	out[0] = '\0';
	fc_log_walk(d->p, NULL, 1, head_cb, out);
	fc_error_clear();
}

/* The remote's URL without credentials ("https://user:pw@h/x" -> "https://h/x"). */
static char *remote_url(dash *d)
{
	char *url, *scheme, *at, *slash, *clean;

	/* only the config value: no remote lookup on every reload (fc_plan_remote_url) */
	if (!(url = fc_plan_remote_url(d->p)))
		return NULL;
	if ((scheme = strstr(url, "://")) != NULL) {
		slash = strchr(scheme + 3, '/');
		at = strchr(scheme + 3, '@');
		if (at && (!slash || at < slash))
			memmove(scheme + 3, at + 1, strlen(at + 1) + 1);
	}
	clean = dash_clean(url);
	free(url);
	return clean;
}

int model_load(dash *d)
{
	dash_model *m = &d->m;
	svc_row *rows = NULL;
	fc_service *all = NULL;
	size_t n = 0;
	int rc;

	svcs_free(m->svcs, m->nsvcs);
	m->svcs = NULL;
	m->nsvcs = 0;
	free(m->error);
	m->error = NULL;
	if (m->have_set)
		fc_settings_clear(&m->set);
	m->have_set = 0;
	memset(&m->set, 0, sizeof(m->set));
	if ((rc = fc_settings_of(d->p, &m->set)) < 0) {
		m->error = fc_asprintf("reading the settings: %s", fc_error_last());
		goto done;
	}
	m->have_set = 1;
	/* brief: the table and the gates need no check history; the detail pane reads it per service */
	if ((rc = fc_service_list_brief(d->p, &all, &n)) < 0) {
		m->error = fc_asprintf("reading the services: %s", fc_error_last());
		goto done;
	}
	rows = fc_calloc(n + 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		rows[i].sv = all[i];
		if (fc_next_step_of(d->p, &rows[i].sv, &m->set, &rows[i].st) == 0)
			rows[i].st_ok = 1;
		else
			rows[i].st_err = fc_strdup(fc_error_last());
	}
	free(all); /* the rows own the services now */
	m->svcs = rows;
	m->nsvcs = n;
	m->svc_name_w = 0;
	for (size_t i = 0; i < n; i++) {
		int w = draw_width(rows[i].sv.name);
		if (w > m->svc_name_w)
			m->svc_name_w = w;
	}
	rc = 0;
done:
	if (!m->remote_read) {
		/* once: the remote rarely changes; Ctrl-R reads it again */
		free(m->remote);
		m->remote = remote_url(d);
		m->remote_read = 1;
	}
	model_head(d, m->head);
	if (fc_watch_state_get(d->p, &m->watch) < 0)
		memset(&m->watch, 0, sizeof(m->watch));
	m->loaded = 1;
	m->loaded_at = fc_now();
	/* the map and the history follow HEAD: read again when needed */
	map_free(m);
	hist_free(m->hist, m->nhist);
	m->hist = NULL;
	m->nhist = 0;
	m->hist_loaded = 0;
	fc_error_clear();
	return rc;
}

static int dom_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const fc_domain *)elem)->name);
}

/* Domains come sorted by name (fc_domain_list). */
static const fc_domain *find_domain(const dash_model *m, const char *name)
{
	return bsearch(name, m->doms, m->ndoms, sizeof(fc_domain), dom_cmp);
}

int model_load_map(dash *d)
{
	dash_model *m = &d->m;
	int rc;

	map_free(m);
	m->map_loaded = 1;
	if ((rc = fc_domain_list(d->p, &m->doms, &m->ndoms)) < 0 ||
	    (rc = fc_dep_list(d->p, &m->deps, &m->ndeps)) < 0 ||
	    (rc = fc_order_compute(d->p, m->strategy, &m->ranks, &m->nranks)) < 0 ||
	    (rc = fc_map_cycles(d->p, &m->cycles, &m->ncycles)) < 0) {
		m->map_error = fc_strdup(fc_error_last());
		fc_error_clear();
		return rc;
	}
	for (size_t r = 0; r < m->nranks; r++)
		m->nmrows += m->ranks[r].ndomains;
	m->mrow_rank = fc_calloc(m->nmrows + 1, sizeof(size_t));
	m->mrow_name = fc_calloc(m->nmrows + 1, sizeof(char *));
	m->mrow_dom = fc_calloc(m->nmrows + 1, sizeof(fc_domain *));
	m->mrow_in = fc_calloc(m->nmrows + 1, sizeof(int));
	m->mrow_out = fc_calloc(m->nmrows + 1, sizeof(int));
	{
		size_t k = 0;
		for (size_t r = 0; r < m->nranks; r++)
			for (size_t i = 0; i < m->ranks[r].ndomains; i++, k++) {
				int w = draw_width(m->ranks[r].domains[i]);
				if (w > m->map_name_w)
					m->map_name_w = w;
				m->mrow_rank[k] = r;
				m->mrow_name[k] = m->ranks[r].domains[i];
				m->mrow_dom[k] = find_domain(m, m->ranks[r].domains[i]);
			}
	}
	{
		/* rows are in rank order, domains by name: index the rows by domain */
		size_t *row_of = fc_calloc(m->ndoms + 1, sizeof(size_t));
		for (size_t k = 0; k < m->nmrows; k++)
			if (m->mrow_dom[k])
				row_of[m->mrow_dom[k] - m->doms] = k;
		for (size_t i = 0; i < m->ndeps; i++) {
			const fc_domain *from = find_domain(m, m->deps[i].from), *to = find_domain(m, m->deps[i].to);
			if (from)
				m->mrow_out[row_of[from - m->doms]]++;
			if (to)
				m->mrow_in[row_of[to - m->doms]]++;
		}
		free(row_of);
	}
	return 0;
}

struct hist_ctx {
	hist_row *rows;
	size_t n, cap;
};

static int hist_cb(const fc_log_entry *e, void *x)
{
	struct hist_ctx *h = x;
	hist_row *r;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->rows = fc_realloc(h->rows, h->cap * sizeof(hist_row));
	}
	r = &h->rows[h->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->oid, sizeof(r->oid), "%s", e->oid);
	r->when = e->when;
	r->author = fc_strdup(e->author_name ? e->author_name : "");
	r->email = fc_strdup(e->author_email ? e->author_email : "");
	r->subject = fc_strdup(e->subject ? e->subject : "");
	r->body = fc_strdup(e->body ? e->body : "");
	r->message = fc_strdup(e->message ? e->message : "");
	r->ntrailers = e->ntrailers;
	r->keys = fc_calloc(e->ntrailers + 1, sizeof(char *));
	r->values = fc_calloc(e->ntrailers + 1, sizeof(char *));
	for (size_t k = 0; k < e->ntrailers; k++) {
		r->keys[k] = fc_strdup(e->keys[k]);
		r->values[k] = fc_strdup(e->values[k]);
	}
	for (size_t k = 0; k < r->ntrailers; k++) {
		const char *key = r->keys[k];
		const char **slot = !strcmp(key, "Ficus-Service") || !strcmp(key, "Ficus-Domain") ? &r->service
				    : !strcmp(key, "Ficus-Action") ? &r->action
				    : !strcmp(key, "Ficus-From")   ? &r->from
				    : !strcmp(key, "Ficus-To")     ? &r->to
				    : !strcmp(key, "Ficus-Forced") ? &r->forced
								   : NULL;
		if (slot && !*slot)
			*slot = r->values[k];
	}
	return 0;
}

int model_load_history(dash *d)
{
	dash_model *m = &d->m;
	struct hist_ctx h = { NULL, 0, 0 };
	int rc;

	hist_free(m->hist, m->nhist);
	m->hist = NULL;
	m->nhist = 0;
	free(m->hist_error);
	m->hist_error = NULL;
	if (m->hist_limit <= 0)
		m->hist_limit = DASH_HISTORY_CHUNK;
	rc = fc_log_walk(d->p, NULL, m->hist_limit, hist_cb, &h);
	m->hist_loaded = 1;
	m->hist = h.rows;
	m->nhist = h.n;
	m->hist_complete = (long)h.n < m->hist_limit;
	m->hist_svc_w = 1;
	for (size_t i = 0; i < h.n; i++) {
		int w = h.rows[i].service ? draw_width(h.rows[i].service) : 1;
		if (w > m->hist_svc_w)
			m->hist_svc_w = w;
	}
	if (rc < 0) {
		m->hist_error = fc_strdup(fc_error_last());
		fc_error_clear();
	}
	return rc < 0 ? rc : 0;
}

svc_row *model_service(dash *d, const char *name)
{
	for (size_t i = 0; name && i < d->m.nsvcs; i++)
		if (!strcmp(d->m.svcs[i].sv.name, name))
			return &d->m.svcs[i];
	return NULL;
}

const fc_service *model_service_full(dash *d, svc_row *r)
{
	fc_service sv;

	if (!r->full && fc_service_get(d->p, r->sv.name, &sv) == 0) {
		fc_service_clear(&r->sv);
		r->sv = sv;
		r->full = 1;
	}
	return &r->sv;
}

int model_state_bp(const char *state, int *bp)
{
	char phase[32];
	const char *sp;
	fc_phase ph;

	if (!state)
		return -1;
	sp = strchr(state, ' ');
	snprintf(phase, sizeof(phase), "%.*s", sp ? (int)(sp - state) : (int)strlen(state), state);
	if (fc_phase_parse(&ph, phase) < 0) {
		fc_error_clear();
		return -1;
	}
	if (sp && fc_pct_parse(bp, sp + 1) == 0)
		return 0;
	fc_error_clear();
	*bp = ph >= FC_PHASE_DECOMMISSION ? 10000 : 0;
	return 0;
}
