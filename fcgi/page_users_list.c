/* page_users_list.c — handbook §3 and §5 for administrators: "Übersicht: Sachbearbeiter" (filters
 * and paging over the Sachbearbeiter of their own organisation) and the "Änderungsprotokoll" of
 * its accounts. The account pages themselves are in page_users.c.
 * The page as it opens is one statement; a filtered or later page takes one for the rows and one
 * for their groups (never one per row). */
#include "pages.h"
#include "audit.h"
#include "config.h"
#include "form.h"
#include "layout.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "pager.h"
#include "secret.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ALL_GRUPPEN ((1u << GRUPPE__MAX) - 1)

/* ---------- overview ---------- */

#define PAGE_SIZE_MAX 100 /* the largest of pager_sizes */

/* The query of the overview: three text filters (matching anywhere), the group and the state
 * (selects; an old free-text prefix still works), then the paging. */
struct list_filter {
	const char *name, *vorname, *kennung, *gruppe, *status; /* as typed; NULL if empty */
	const char *pro_seite, *seite;
};

/* the filters in the order of the form: text fields up to FILTER_GRUPPE, then two selects */
enum { FILTER_GRUPPE = 3, FILTER_STATUS = 4, FILTERS_SHOWN = 5 };
static const form_field list_fields[] = {
	{"name", "Name", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct list_filter, name)},
	{"vorname", "Vorname", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct list_filter, vorname)},
	{"kennung", "Nutzerkennung", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct list_filter, kennung)},
	{"gruppe", "Gruppe", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct list_filter, gruppe)},
	{"status", "Benutzerstatus", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct list_filter, status)},
	{"pro_seite", "Elemente pro Seite", FT_NUMERIC, FF_KEEP, 0, NULL, NULL, NULL, NULL,
	 offsetof(struct list_filter, pro_seite)},
	{"seite", "Seite", FT_NUMERIC, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct list_filter, seite)},
};

struct list_row {
	long long id;
	const char *name, *vorname, *kennung;
	const char *status; /* its label: "Aktiv" */
	bool self_locked;   /* locked for a while after failed logins */
	unsigned gruppen;
};

struct list_view {
	const struct list_filter *in;
	long long total, page, pages, size;
	size_t n;
	struct list_row rows[PAGE_SIZE_MAX];
};

/* Whether the folded filter f occurs in label (anywhere; at its start with prefix). */
static bool label_match(req *r, const char *label, const char *f, bool prefix)
{
	const char *l = str_fold(r->a, label), *hit = strstr(l, f);
	return hit && (!prefix || hit == l);
}
/* The groups whose name or slug holds the filter (folded: "recht", "GESCHÄ", "geschae"), a bit
 * each (0: none). The select sends a slug, which only its own group holds. */
static long long gruppe_filter_mask(req *r, const char *f)
{
	const char *ff = str_fold(r->a, f);
	long long m = 0;
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (label_match(r, gruppe_name[g], ff, false) || label_match(r, gruppe_slug[g], ff, false))
			m |= 1LL << g;
	return m;
}

/* The states as the select offers them (values, labels); their bits as in LIST_WHERE. */
static const char *const state_values[] = {"aktiv", "angelegt", "gesperrt"};
static const char *const state_labels[] = {"Aktiv", "Angelegt", "Gesperrt"};

/* The states whose label starts with the filter (folded; "ge" is Gesperrt, not Angelegt): 1 aktiv,
 * 2 angelegt, 4 gesperrt. */
static long long status_filter_mask(req *r, const char *f)
{
	const char *ff = str_fold(r->a, f);
	long long m = 0;
	for (size_t i = 0; i < ARRAY_LEN(state_labels); i++)
		if (label_match(r, state_labels[i], ff, true))
			m |= 1LL << i;
	return m;
}

/* The filter of the overview (parameters: LIST_PARAMS, see list_where). Name, Vorname and
 * Nutzerkennung match anywhere: the folded filter in the folded key (account_key: "Mueller" and
 * "Muller" find Müller). The group filter is a correlated subquery per candidate row (a
 * primary-key lookup), never a semi-join that would materialise the group table of all
 * organisations; an empty filter is a constant the optimiser removes ("" = ""), not a LIKE '%'
 * per row. */
#define LIST_WHERE                                                                                                     \
	"a.org_id = ? AND a.rolle = 'S' "                                                                              \
	"AND (? = '' OR a.such_name LIKE ?) AND (? = '' OR a.such_vorname LIKE ?) AND (? = '' OR a.kennung LIKE ?) "  \
	"AND (? = 0 OR (SELECT COUNT(*) FROM account_gruppe g WHERE g.account_id = a.id "                              \
	"AND (? & (1 << g.typ)) <> 0) > 0) "                                                                           \
	"AND (? = 0 OR (? & CASE a.status WHEN 'aktiv' THEN 1 WHEN 'angelegt' THEN 2 ELSE 4 END) <> 0)"
enum { LIST_PARAMS = 11 };

/* Where the candidates come from. A text filter of three characters or more: the accounts that
 * hold every trigram asked for (parameters: the trigrams as a JSON array, the organisation, their
 * number), read from account_such's postings — as many as there are hits, however large the
 * organisation. Else: the organisation's entries of the covering index ix_account_org_such. */
#define LIST_GRAMS                                                                                                     \
	"(SELECT s.account_id FROM JSON_TABLE(?, '$[*]' COLUMNS (g VARCHAR(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin " \
	"PATH '$')) q STRAIGHT_JOIN account_such s ON s.org_id = ? AND s.gram = q.g GROUP BY s.account_id "           \
	"HAVING COUNT(*) = ?) c STRAIGHT_JOIN account a ON a.id = c.account_id"
enum { GRAM_PARAMS = 3 };
#define LIST_SCAN "account a FORCE INDEX (ix_account_org_such)"

struct list_query {
	db_param p[GRAM_PARAMS + LIST_PARAMS]; /* LIST_GRAMS's if grams, then LIST_WHERE's */
	size_t np;
	bool grams;      /* candidates from LIST_GRAMS, else LIST_SCAN */
	bool unfiltered; /* the count is kept in organisation.sb_anzahl */
	bool impossible; /* a group or status filter that matches no label: nothing to find */
};

/* The trigrams of the folded filter f (filter_grams_pick) into arr; how many. Not those of
 * "S201-", which every Nutzerkennung of the organisation holds (account_such has none of them). */
static long long filter_grams(req *r, cJSON *arr, const char *f, char tag)
{
	char g[FILTER_GRAMS][TRIGRAM_BYTES];
	size_t n = filter_grams_pick(r->a, f, tag, tag == 'k' ? arena_printf(r->a, "S%s-", cfg.kasse_nummer) : NULL, g);
	for (size_t k = 0; k < n; k++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(g[k]));
	return (long long)n;
}

/* The trigram parameters of the text filters (folded) into q->p; false if no filter has one. */
static bool list_grams(req *r, const char *fn, const char *fv, const char *fk, struct list_query *q)
{
	cJSON *arr = cJSON_CreateArray();
	long long n = filter_grams(r, arr, fn, 'n') + filter_grams(r, arr, fv, 'v') + filter_grams(r, arr, fk, 'k');
	char *json = cJSON_PrintUnformatted(arr);
	q->p[0] = DS(arena_strdup(r->a, json ? json : "[]"));
	free(json);
	cJSON_Delete(arr);
	q->p[1] = DI(r->me->org_id);
	q->p[2] = DI(n);
	return n > 0;
}

static void list_where(req *r, const struct list_filter *in, struct list_query *q)
{
	const char *fn = str_fold(r->a, in->name), *fv = str_fold(r->a, in->vorname);
	char *fk = arena_strdup(r->a, in->kennung ? in->kennung : "");
	str_upper_ascii(fk);
	long long gmask = in->gruppe ? gruppe_filter_mask(r, in->gruppe) : 0;
	long long smask = in->status ? status_filter_mask(r, in->status) : 0;
	q->impossible = (in->gruppe && !gmask) || (in->status && !smask);
	q->unfiltered = !*fn && !*fv && !*fk && !in->gruppe && !in->status;
	q->grams = list_grams(r, fn, fv, fk, q);
	size_t at = q->grams ? GRAM_PARAMS : 0;
	db_param where[LIST_PARAMS] = {
		DI(r->me->org_id), DS(fn), DS(sql_like_anywhere(r->a, fn)), DS(fv), DS(sql_like_anywhere(r->a, fv)), DS(fk),
		DS(sql_like_anywhere(r->a, fk)), DI(gmask), DI(gmask), DI(smask), DI(smask),
	};
	memcpy(q->p + at, where, sizeof where);
	q->np = at + LIST_PARAMS;
}

/* The number of matching Sachbearbeiter into *total. 0, or -1 on a database error. */
static int list_count(req *r, const struct list_query *q, long long *total)
{
	*total = 0;
	if (q->impossible)
		return 0;
	db_res *cnt;
	if (q->unfiltered)
		cnt = db_query(r->a, "SELECT sb_anzahl FROM organisation WHERE id = ?", DBARGS(DI(r->me->org_id)));
	else if (q->grams)
		cnt = db_query(r->a, "SELECT COUNT(*) FROM " LIST_GRAMS " WHERE " LIST_WHERE, q->p, q->np);
	else
		cnt = db_query(r->a, "SELECT COUNT(*) FROM " LIST_SCAN " WHERE " LIST_WHERE, q->p, q->np);
	if (!cnt || cnt->nrows != 1)
		return -1;
	*total = db_int(cnt, 0, 0);
	return 0;
}

/* The columns every statement of the page's rows starts with. */
enum { COL_ID, COL_NAME, COL_VORNAME, COL_KENNUNG, COL_STATUS, COL_SELF_LOCKED };

static struct list_row list_row_at(const db_res *res, size_t i)
{
	return (struct list_row){
		.id = db_int(res, i, COL_ID),
		.name = db_str(res, i, COL_NAME),
		.vorname = db_str(res, i, COL_VORNAME),
		.kennung = db_str(res, i, COL_KENNUNG),
		.status = status_label(db_str(res, i, COL_STATUS)),
		.self_locked = db_int(res, i, COL_SELF_LOCKED) == 1,
	};
}

/* The page's rows among the candidates (LIST_GRAMS or LIST_SCAN before it): their ids first,
 * then those rows. */
#define LIST_ROWS_AFTER                                                                                                \
	" WHERE " LIST_WHERE " ORDER BY a.name, a.vorname, a.kennung LIMIT ? OFFSET ?) page "                         \
	"JOIN account a ON a.id = page.id ORDER BY a.name, a.vorname, a.kennung"

static int list_rows(req *r, const struct list_query *q, struct list_view *v)
{
	db_param p[GRAM_PARAMS + LIST_PARAMS + 2];
	memcpy(p, q->p, q->np * sizeof *p);
	p[q->np] = DI(v->size);
	p[q->np + 1] = DI((v->page - 1) * v->size);
	db_res *res;
	if (q->grams)
		res = db_query(r->a, "SELECT a.id, a.name, a.vorname, a.kennung, a.status, a.locked_until > NOW() "
				     "FROM (SELECT a.id FROM " LIST_GRAMS LIST_ROWS_AFTER, p, q->np + 2);
	else
		res = db_query(r->a, "SELECT a.id, a.name, a.vorname, a.kennung, a.status, a.locked_until > NOW() "
				     "FROM (SELECT a.id FROM " LIST_SCAN LIST_ROWS_AFTER, p, q->np + 2);
	if (!res)
		return -1;
	for (size_t i = 0; i < res->nrows && v->n < PAGE_SIZE_MAX; i++)
		v->rows[v->n++] = list_row_at(res, i);
	return 0;
}

/* The groups of the page's rows in one statement: their ids go in as one JSON array parameter
 * (the SQL stays a literal), each id a primary-key lookup; none per row in list_rows. */
static int list_groups(req *r, struct list_view *v)
{
	enum { COL_ACCOUNT, COL_GRUPPEN };
	if (!v->n)
		return 0;
	sbuf ids = sbuf_in(r->a);
	for (size_t i = 0; i < v->n; i++)
		sbuf_printf(&ids, "%c%lld", i ? ',' : '[', v->rows[i].id);
	sbuf_addc(&ids, ']');
	db_res *res = db_query(r->a,
		"SELECT g.account_id, BIT_OR(1 << g.typ) "
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) AS page "
		"STRAIGHT_JOIN account_gruppe g ON g.account_id = page.id GROUP BY g.account_id ORDER BY NULL",
		DBARGS(DS(ids.data)));
	if (!res)
		return -1;
	for (size_t k = 0; k < res->nrows; k++)
		for (size_t i = 0; i < v->n; i++)
			if (v->rows[i].id == db_int(res, k, COL_ACCOUNT))
				v->rows[i].gruppen = (unsigned)db_int(res, k, COL_GRUPPEN) & ALL_GRUPPEN;
	return 0;
}

/* The overview as it opens (no filter, first page) in one statement: the rows in the order of
 * the list index, each with its groups as a bit set and the organisation's count beside it. */
static int list_first_page(req *r, struct list_view *v)
{
	enum { COL_GRUPPEN = COL_SELF_LOCKED + 1, COL_TOTAL };
	db_res *res = db_query(r->a,
		"SELECT a.id, a.name, a.vorname, a.kennung, a.status, a.locked_until > NOW(), "
		"(SELECT BIT_OR(1 << g.typ) FROM account_gruppe g WHERE g.account_id = a.id), o.sb_anzahl "
		"FROM organisation o STRAIGHT_JOIN account a FORCE INDEX (ix_account_org_list) ON a.org_id = o.id "
		"AND a.rolle = 'S' WHERE o.id = ? ORDER BY a.name, a.vorname, a.kennung LIMIT ?",
		DBARGS(DI(r->me->org_id), DI(v->size)));
	if (!res)
		return -1;
	v->total = res->nrows ? db_int(res, 0, COL_TOTAL) : 0;
	v->pages = v->total ? (v->total + v->size - 1) / v->size : 1;
	v->page = 1;
	for (size_t i = 0; i < res->nrows && v->n < PAGE_SIZE_MAX; i++) {
		v->rows[v->n] = list_row_at(res, i);
		v->rows[v->n++].gruppen = (unsigned)db_int(res, i, COL_GRUPPEN) & ALL_GRUPPEN;
	}
	return 0;
}

/* Count, the page (clamped to the last), its rows and their groups. 0, or -1 on a database error. */
static int list_load(req *r, const struct list_filter *in, struct list_view *v)
{
	struct list_query q;
	list_where(r, in, &q);
	v->in = in;
	v->size = pager_size(in->pro_seite);
	if (q.unfiltered && pager_page(in->seite) == 1)
		return list_first_page(r, v);
	if (list_count(r, &q, &v->total) != 0)
		return -1;
	v->pages = pager_pages(v->total, v->size);
	v->page = pager_page(in->seite);
	if (v->page > v->pages)
		v->page = v->pages;
	if (!v->total)
		return 0;
	return list_rows(r, &q, v) == 0 && list_groups(r, v) == 0 ? 0 : -1;
}

/* One <select> of the filter form: "Alle", then each value with its label; the filter's value selects
 * the one option it matches alone (also an old free-text prefix such as "bei"); any other value
 * stays as an option of its own, so the form shows and sends again what the list is filtered by. */
static void filter_select(sbuf *b, const form_field *f, const char *value, const char *const *values,
			  const char *const *labels, size_t n, long long mask)
{
	h_printf(b, "<div class=\"field\"><label for=\"filter-%s\">%s</label><select id=\"filter-%s\" name=\"%s\">"
		    "<option value=\"\"%s>Alle</option>",
		 f->name, f->label, f->name, f->name, value ? "" : " selected");
	bool alone = mask && !(mask & (mask - 1)), shown = !value;
	for (size_t i = 0; i < n; i++) {
		bool sel = value && alone && mask == 1LL << i;
		shown |= sel;
		h_printf(b, "<option value=\"%s\"%s>%s</option>", values[i], sel ? " selected" : "", labels[i]);
	}
	if (!shown)
		h_printf(b, "<option value=\"%s\" selected>%s</option>", value, value);
	h_raw(b, "</select></div>");
}

static void list_filter_html(req *r, sbuf *b, const struct list_view *v)
{
	h_raw(b, "<form class=\"filter\" method=\"get\" action=\"/sachbearbeiter\" role=\"search\" "
		 "aria-label=\"Sachbearbeiter filtern\"><div class=\"field-row\">");
	for (size_t i = 0; i < FILTER_GRUPPE; i++) {
		const form_field *f = &list_fields[i];
		const char *value = form_value(f, v->in);
		h_printf(b, "<div class=\"field\"><label for=\"filter-%s\">%s</label><input id=\"filter-%s\" name=\"%s\" "
			    "type=\"text\" value=\"%s\"></div>",
			 f->name, f->label, f->name, f->name, value ? value : "");
	}
	const char *gruppe = v->in->gruppe, *status = v->in->status;
	filter_select(b, &list_fields[FILTER_GRUPPE], gruppe, gruppe_slug, gruppe_name, GRUPPE__MAX,
		      gruppe ? gruppe_filter_mask(r, gruppe) : 0);
	filter_select(b, &list_fields[FILTER_STATUS], status, state_values, state_labels, ARRAY_LEN(state_values),
		      status ? status_filter_mask(r, status) : 0);
	h_printf(b, "<input type=\"hidden\" name=\"pro_seite\" value=\"%lld\"></div><div class=\"actions left\">"
		    "<button type=\"submit\" class=\"btn\">Filtern</button>"
		    "<a class=\"btn secondary\" href=\"/sachbearbeiter\">Filter zurücksetzen</a></div></form>",
		 v->size);
}

static void list_table_html(req *r, sbuf *b, const struct list_view *v)
{
	table_open(b, "Sachbearbeiter", NULL,
		   TABLE_COLS("Name", "Vorname", "Nutzerkennung", "Gruppe", "Benutzerstatus"));
	for (size_t i = 0; i < v->n; i++) {
		const struct list_row *row = &v->rows[i];
		h_printf(b, "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>%s</td><td>",
			 url_printf(r->a, "/sachbearbeiter/%s", row->kennung), row->name, row->vorname, row->kennung);
		for (int g = 0, shown = 0; g < GRUPPE__MAX; g++)
			if (row->gruppen & (1u << g))
				h_printf(b, "%s%s", shown++ ? ", " : "", gruppe_name[g]);
		h_printf(b, "</td><td>%s%s</td></tr>", row->status, row->self_locked ? " (vorübergehend gesperrt)" : "");
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"5\">Keine Sachbearbeiter gefunden.</td></tr>");
	table_close(b);
}

static const char *list_page_url(req *r, const void *view, long long page)
{
	const struct list_view *v = view;
	const struct list_filter *in = v->in;
	return url_printf(r->a, "/sachbearbeiter?name=%s&vorname=%s&kennung=%s&gruppe=%s&status=%s&seite=%lld&pro_seite=%lld",
			  in->name ? in->name : "", in->vorname ? in->vorname : "", in->kennung ? in->kennung : "",
			  in->gruppe ? in->gruppe : "", in->status ? in->status : "", page, v->size);
}

/* The filters as hidden fields of the "Elemente pro Seite" form. */
static void list_hidden_html(req *r, sbuf *b, const void *view)
{
	(void)r;
	const struct list_view *v = view;
	form_hidden_fields(b, list_fields, FILTERS_SHOWN, v->in);
}

static void list_html(req *r, sbuf *b, const void *view)
{
	const struct list_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Übersicht: Sachbearbeiter</h1>"
		 "<p class=\"lead\">Sie können hier Sachbearbeiter Ihres Mitglieds für das Portal Meine Versorgung "
		 "verwalten.</p><p><a href=\"/protokoll\">Änderungsprotokoll anzeigen</a></p>");
	list_filter_html(r, b, v);
	list_table_html(r, b, v);
	pager_html(r, b, &(pager){.page = v->page, .size = v->size, .total = v->total, .shown = v->n,
				  .action = "/sachbearbeiter", .hidden = list_hidden_html, .url = list_page_url, .view = v});
	h_raw(b, "</div>");
}

static void list_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct list_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "sachbearbeiter");
	for (size_t i = 0; i < v->n; i++) {
		const struct list_row *row = &v->rows[i];
		cJSON *u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "name", row->name);
		cJSON_AddStringToObject(u, "vorname", row->vorname);
		cJSON_AddStringToObject(u, "nutzerkennung", row->kennung);
		cJSON *g = cJSON_AddArrayToObject(u, "gruppen");
		for (int k = 0; k < GRUPPE__MAX; k++)
			if (row->gruppen & (1u << k))
				cJSON_AddItemToArray(g, cJSON_CreateString(gruppe_name[k]));
		cJSON_AddStringToObject(u, "status", row->status);
		cJSON_AddBoolToObject(u, "voruebergehend_gesperrt", row->self_locked);
		cJSON_AddItemToArray(arr, u);
	}
	cJSON_AddNumberToObject(o, "gesamt", (double)v->total);
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
	cJSON_AddNumberToObject(o, "seiten", (double)v->pages);
	cJSON_AddNumberToObject(o, "pro_seite", (double)v->size);
}

static const page_kind list_page = {"Übersicht: Sachbearbeiter", list_html, list_json, NULL};

void users_list(req *r)
{
	struct list_filter in;
	form_read(r, list_fields, ARRAY_LEN(list_fields), &in);
	struct list_view *v = arena_alloc(r->a, sizeof *v);
	if (list_load(r, &in, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &list_page, v);
}

/* ---------- change log ---------- */

#define LOG_PAGE 50

struct log_filter {
	const char *kennung, *seite; /* NULL if empty */
};

static const form_field log_fields[] = {
	{"kennung", "Nutzerkennung", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct log_filter, kennung)},
	{"seite", "Seite", FT_NUMERIC, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct log_filter, seite)},
};

struct log_view {
	const char *who; /* the Nutzerkennung filter, or NULL */
	long long page;
	const audit_entry *entries;
	long long n;
	bool more; /* older entries follow */
	/* per entry: "Vorname Name" of the acting and of the affected account, NULL if not an
	 * account of the organisation (the Kasse, mvctl, a group, the organisation itself) */
	const char **wer_name, **betroffen_name;
};

/* The name of Nutzerkennung k among the names found (kennung, vorname, name rows), or NULL. */
static const char *log_name_of(req *r, const db_res *names, const char *k)
{
	for (size_t i = 0; k && i < names->nrows; i++)
		if (strcmp(db_str(names, i, 0), k) == 0)
			return arena_printf(r->a, "%s %s", db_str(names, i, 1), db_str(names, i, 2));
	return NULL;
}

/* The names of the accounts the entries name (actor, target) in one statement: their
 * Nutzerkennungen go in as one JSON array, each a lookup of the unique key, only accounts of the
 * administrator's organisation come back. 0, or -1 on a database error. */
static int log_names(req *r, struct log_view *v)
{
	cJSON *arr = cJSON_CreateArray();
	for (long long i = 0; i < v->n; i++) { /* what can be a Nutzerkennung (not "Kasse", a group, a PNR) */
		if (strlen(v->entries[i].wer) == KENNUNG_LEN)
			cJSON_AddItemToArray(arr, cJSON_CreateString(v->entries[i].wer));
		if (strlen(v->entries[i].betroffen) == KENNUNG_LEN)
			cJSON_AddItemToArray(arr, cJSON_CreateString(v->entries[i].betroffen));
	}
	char *json = cJSON_PrintUnformatted(arr);
	const char *ids = arena_strdup(r->a, json ? json : "[]");
	free(json);
	cJSON_Delete(arr);
	db_res *names = db_query(r->a,
		"SELECT DISTINCT a.kennung, a.vorname, a.name FROM JSON_TABLE(?, '$[*]' COLUMNS (k CHAR(17) CHARACTER "
		"SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$')) j STRAIGHT_JOIN account a ON a.kennung = j.k "
		"WHERE a.org_id = ?",
		DBARGS(DS(ids), DI(r->me->org_id)));
	if (!names)
		return -1;
	v->wer_name = arena_alloc(r->a, (size_t)(v->n + 1) * sizeof *v->wer_name);
	v->betroffen_name = arena_alloc(r->a, (size_t)(v->n + 1) * sizeof *v->betroffen_name);
	for (long long i = 0; i < v->n; i++) {
		v->wer_name[i] = log_name_of(r, names, v->entries[i].wer);
		v->betroffen_name[i] = log_name_of(r, names, v->entries[i].betroffen);
	}
	return 0;
}

static void log_filter_html(sbuf *b, const char *who)
{
	h_raw(b, "<div class=\"card\"><h1>Änderungsprotokoll</h1><p class=\"lead\">Alle Änderungen an den Nutzerkonten "
		 "Ihrer Organisation: wer, wann, was (alte → neue Werte).</p>"
		 "<form class=\"filter\" method=\"get\" action=\"/protokoll\" role=\"search\" aria-label=\"Protokoll filtern\">"
		 "<div class=\"field-row\"><div class=\"field\"><label for=\"filter-kennung\">Nutzerkennung</label>");
	h_printf(b, "<input id=\"filter-kennung\" name=\"kennung\" type=\"text\" value=\"%s\"></div></div>"
		    "<div class=\"actions left\"><button type=\"submit\" class=\"btn\">Filtern</button>"
		    "<a class=\"btn secondary\" href=\"/protokoll\">Filter zurücksetzen</a></div></form>",
		 who ? who : "");
}

/* A person as the log shows them: "Vorname Name (Nutzerkennung)", or what the entry holds. */
static void log_person_html(sbuf *b, const char *name, const char *as_stored)
{
	if (name)
		h_printf(b, "<td>%s (%s)</td>", name, as_stored);
	else
		h_printf(b, "<td>%s</td>", as_stored);
}

static void log_table_html(arena *a, sbuf *b, const struct log_view *v)
{
	const audit_entry *e = v->entries;
	long long n = v->n;
	table_open(b, "Änderungsprotokoll", NULL, TABLE_COLS("Zeitpunkt", "Wer", "Aktion", "Betroffen", "Änderung"));
	for (long long i = 0; i < n; i++) {
		h_printf(b, "<tr><td>%s</td>", time_de(a, e[i].utc, TIME_SECONDS));
		log_person_html(b, v->wer_name[i], e[i].wer);
		h_printf(b, "<td>%s</td>", audit_event_label(e[i].ereignis));
		log_person_html(b, v->betroffen_name[i], e[i].betroffen);
		h_printf(b, "<td>%s</td></tr>", e[i].aenderung);
	}
	if (!n)
		h_raw(b, "<tr><td colspan=\"5\">Keine Einträge.</td></tr>");
	table_close(b);
}

static void log_html(req *r, sbuf *b, const void *view)
{
	const struct log_view *v = view;
	const char *who = v->who ? v->who : "";
	log_filter_html(b, v->who);
	log_table_html(r->a, b, v);
	pager_log_html(b, "Neuere Einträge",
		       v->page > 1 ? url_printf(r->a, "/protokoll?kennung=%s&seite=%lld", who, v->page - 1) : NULL,
		       v->more ? url_printf(r->a, "/protokoll?kennung=%s&seite=%lld", who, v->page + 1) : NULL);
	h_raw(b, "</div>");
}

static void log_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct log_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "eintraege");
	for (long long i = 0; i < v->n; i++) { /* as mvctl audit has them, and the names */
		cJSON *e = audit_entry_json(&v->entries[i], "zeit_utc");
		cJSON_AddItemToObject(e, "wer_name", v->wer_name[i] ? cJSON_CreateString(v->wer_name[i]) : cJSON_CreateNull());
		cJSON_AddItemToObject(e, "betroffen_name",
				      v->betroffen_name[i] ? cJSON_CreateString(v->betroffen_name[i]) : cJSON_CreateNull());
		cJSON_AddItemToArray(arr, e);
	}
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
	cJSON_AddBoolToObject(o, "weitere", v->more);
}

static const page_kind log_page = {"Änderungsprotokoll", log_html, log_json, NULL};

void users_log(req *r)
{
	struct log_filter in;
	form_read(r, log_fields, ARRAY_LEN(log_fields), &in);
	struct log_view v = {.who = in.kennung, .page = 1};
	if (in.seite && parse_int(in.seite, 1, 1000000, &v.page) != 0)
		v.page = 1;
	audit_entry *e;
	v.n = audit_list(r->a, r->me->org_id, AUDIT_ACCOUNTS, v.who, LOG_PAGE + 1, (v.page - 1) * LOG_PAGE, &e);
	if (v.n < 0) {
		db_fail(r);
		return;
	}
	v.entries = e;
	v.more = v.n > LOG_PAGE;
	if (v.more)
		v.n = LOG_PAGE;
	if (log_names(r, &v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &log_page, &v);
}
