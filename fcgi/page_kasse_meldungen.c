/* page_kasse_meldungen.c — SPEC §15 for the Kasse's Fachbereich (K, fach): the queue of the
 * Meldungen (Beamtenformulare) of all organisations that reached the Kasse — drafts are the
 * organisation's own and never read here. Oldest waiting first (a back office works its queue in
 * the order it came in: the Meldung that waits longest — since it was submitted or its Rückfrage
 * answered — is on top), or newest first; filters status, formular and the organisation's PNR;
 * marked when the organisation changed it since someone of the Kasse last opened it. Counted up to
 * 101 like the organisations' list, each page an indexed ORDER BY … LIMIT (sql/019). The Meldung
 * itself, its status change and documents are in page_formulare.c (one renderer for both sides). */
#include "pages.h"
#include "config.h"
#include "db.h"
#include "form.h"
#include "html.h"
#include "pager.h"
#include "layout.h"
#include "meldung.h"
#include "response.h"
#include <stddef.h>
#include <string.h>

#define QUEUE_PAGE 20
#define COUNT_CAP 101 /* counted up to this many: "mehr als 100" */

struct queue_filter {
	const char *status, *formular, *pnr, *reihenfolge, *seite;
};

static const form_field queue_fields[] = {
	{"status", "Status", FT_TEXT, FF_KEEP, 20, NULL, NULL, NULL, NULL, offsetof(struct queue_filter, status)},
	{"formular", "Formular", FT_TEXT, FF_KEEP, 30, NULL, NULL, NULL, NULL, offsetof(struct queue_filter, formular)},
	{"pnr", "PNR der Organisation", FT_TEXT, FF_KEEP, 20, NULL, NULL, NULL, NULL, offsetof(struct queue_filter, pnr)},
	{"reihenfolge", "Reihenfolge", FT_TEXT, FF_KEEP, 10, NULL, NULL, NULL, NULL,
	 offsetof(struct queue_filter, reihenfolge)},
	{"seite", "Seite", FT_NUMERIC, FF_KEEP, 9, NULL, NULL, NULL, NULL, offsetof(struct queue_filter, seite)},
};

struct queue_row {
	const char *az, *pnr, *org, *nr, *name, *eingereicht_am;
	int formular, status;
	bool neu; /* the organisation changed it since someone of the Kasse last opened it */
};

struct queue_view {
	struct queue_filter in;
	long long org_id; /* of the PNR filter, 0: all */
	bool neueste;     /* newest first */
	long long total, page, pages;
	size_t n;
	struct queue_row rows[QUEUE_PAGE];
};

/* Every Meldung that reached the Kasse (eingereicht_am is NULL exactly for drafts: the range of
 * each index of sql/019), of the Kasse's organisations; an empty filter is a constant the optimiser
 * removes, so each combination reads its own index of sql/019 in the queue's order and stops after
 * the page. STRAIGHT_JOIN: left to itself MariaDB starts from the ten organisations and sorts all
 * their Meldungen (a temporary table and a filesort over 1,000,000 rows); the organisation by its
 * primary key: else the count reads every organisation of the Kasse (uq_organisation_pnr) for each
 * of its 101 rows. */
#define QUEUE_FROM                                                                                                     \
	"FROM meldung m STRAIGHT_JOIN organisation o FORCE INDEX (PRIMARY) ON o.id = m.org_id "                        \
	"WHERE m.eingereicht_am IS NOT NULL "                                                                          \
	"AND m.status <> 'entwurf' AND o.kasse = ? AND (? = 0 OR m.org_id = ?) AND (? = '' OR m.status = ?) "          \
	"AND (? = '' OR m.formular = ?) "
#define QUEUE_COLS                                                                                                     \
	"m.aktenzeichen, o.pnr, o.name, m.formular, m.person_nr, m.person_name, m.status, m.eingereicht_am, "   \
	"m.kasse_geoeffnet_am IS NULL OR (m.geaendert_am > m.kasse_geoeffnet_am AND "                                  \
	"NOT m.status_kasse_am <=> m.geaendert_am) "

enum { Q_AZ, Q_PNR, Q_ORG, Q_FORMULAR, Q_NR, Q_NAME, Q_STATUS, Q_EINGEREICHT, Q_NEU };

static int queue_count(req *r, struct queue_view *v, const db_param *p, size_t np)
{
	db_res *cnt = db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 " QUEUE_FROM "LIMIT 101) x", p, np);
	if (!cnt)
		return -1;
	v->total = db_int(cnt, 0, 0);
	v->pages = v->total ? (v->total + QUEUE_PAGE - 1) / QUEUE_PAGE : 1;
	if (v->page > v->pages && v->total < COUNT_CAP)
		v->page = v->pages;
	return 0;
}

static int queue_load(req *r, struct queue_view *v)
{
	const char *st = v->in.status ? v->in.status : "", *fo = v->in.formular ? v->in.formular : "";
	db_param p[] = {DS(cfg.kasse_nummer), DI(v->org_id), DI(v->org_id), DS(st), DS(st), DS(fo), DS(fo), DI(0)};
	if (queue_count(r, v, p, ARRAY_LEN(p) - 1) != 0)
		return -1;
	p[ARRAY_LEN(p) - 1] = DI((v->page - 1) * QUEUE_PAGE);
	db_res *res = v->neueste ? db_query(r->a, "SELECT " QUEUE_COLS QUEUE_FROM "ORDER BY m.eingereicht_am DESC, m.id DESC "
								       "LIMIT " "20" " OFFSET ?", p, ARRAY_LEN(p))
				 : db_query(r->a, "SELECT " QUEUE_COLS QUEUE_FROM "ORDER BY m.eingereicht_am, m.id LIMIT " "20" " OFFSET ?",
					    p, ARRAY_LEN(p));
	if (!res)
		return -1;
	for (size_t i = 0; i < res->nrows && i < QUEUE_PAGE; i++)
		v->rows[v->n++] = (struct queue_row){
			db_str(res, i, Q_AZ), db_str(res, i, Q_PNR), db_str(res, i, Q_ORG), db_str(res, i, Q_NR),
			db_str(res, i, Q_NAME), db_str(res, i, Q_EINGEREICHT), formular_parse(db_str(res, i, Q_FORMULAR)),
			meldung_status_parse(db_str(res, i, Q_STATUS)), db_int(res, i, Q_NEU) != 0};
	return 0;
}

/* ---- rendering ---- */

static void select_open(req *r, sbuf *b, const char *name, const char *label, const char *value, bool alle)
{
	const char *err = form_error_for(r, name);
	h_printf(b, "<div class=\"field%s\"><label for=\"filter-%s\">%s</label><select id=\"filter-%s\" name=\"%s\"",
		 err ? " has-error" : "", name, label, name, name);
	if (err)
		h_printf(b, " aria-invalid=\"true\" aria-describedby=\"filter-%s-fehler\"", name);
	h_raw(b, ">");
	if (alle)
		h_printf(b, "<option value=\"\"%s>Alle</option>", value ? "" : " selected");
}

static void select_option(sbuf *b, const char *key, const char *label, const char *value)
{
	h_printf(b, "<option value=\"%s\"%s>%s</option>", key, str_eq(value, key) ? " selected" : "", label);
}

static void select_close(req *r, sbuf *b, const char *name)
{
	const char *err = form_error_for(r, name);
	h_raw(b, "</select>");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"filter-%s-fehler\">%s</p>", name, err);
	h_raw(b, "</div>");
}

static void queue_filter_html(req *r, sbuf *b, const struct queue_view *v)
{
	h_raw(b, "<form class=\"filters\" method=\"get\" action=\"/kasse/meldungen\" role=\"search\" "
		 "aria-label=\"Meldungen filtern\"><fieldset><legend>Filter</legend>");
	select_open(r, b, "status", "Status", v->in.status, true);
	for (int s = MS_EINGEREICHT; s < MELDUNG_STATUS__MAX; s++) /* never "Entwurf": drafts do not reach the Kasse */
		select_option(b, meldung_status_key[s], meldung_status_label[s], v->in.status);
	select_close(r, b, "status");
	select_open(r, b, "formular", "Formular", v->in.formular, true);
	for (int f = 0; f < FORMULAR__MAX; f++)
		select_option(b, formular_info[f].key, formular_info[f].label, v->in.formular);
	select_close(r, b, "formular");
	const char *err = form_error_for(r, "pnr");
	h_printf(b, "<div class=\"field%s\"><label for=\"filter-pnr\">PNR der Organisation</label><input id=\"filter-pnr\" "
		    "name=\"pnr\" type=\"text\" value=\"%s\" autocomplete=\"off\" inputmode=\"numeric\"",
		 err ? " has-error" : "", v->in.pnr ? v->in.pnr : "");
	if (err)
		h_printf(b, " aria-invalid=\"true\" aria-describedby=\"filter-pnr-fehler\"><p class=\"error\" "
			    "id=\"filter-pnr-fehler\">%s</p></div>",
			 err);
	else
		h_raw(b, "></div>");
	select_open(r, b, "reihenfolge", "Reihenfolge", NULL, false);
	select_option(b, "aelteste", "Älteste zuerst", v->neueste ? "" : "aelteste");
	select_option(b, "neueste", "Neueste zuerst", v->neueste ? "neueste" : "");
	select_close(r, b, "reihenfolge");
	h_raw(b, "<div class=\"actions\"><button type=\"submit\" class=\"btn secondary\">Filtern</button>"
		 "<a class=\"btn secondary\" href=\"/kasse/meldungen\">Filter zurücksetzen</a></div></fieldset></form>");
}

static const char *queue_url(req *r, const void *view, long long page)
{
	const struct queue_view *v = view;
	return url_printf(r->a, "/kasse/meldungen?status=%s&formular=%s&pnr=%s&reihenfolge=%s&seite=%lld",
			  v->in.status ? v->in.status : "", v->in.formular ? v->in.formular : "",
			  v->in.pnr ? v->in.pnr : "", v->neueste ? "neueste" : "aelteste", page);
}

static void queue_html(req *r, sbuf *b, const void *view)
{
	const struct queue_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Meldungen</h1><p class=\"lead\">Die Beamtenformulare aller Organisationen, die bei "
		 "der Versorgungskasse eingegangen sind – die am längsten wartende zuerst.</p>");
	queue_filter_html(r, b, v);
	if (!v->n) {
		h_raw(b, "<p>Keine Meldungen gefunden.</p></div>");
		return;
	}
	table_open(b, "Meldungen", NULL,
		   TABLE_COLS("Eingang", "Aktenzeichen", "Organisation", "Formular", "Person", "Status"));
	for (size_t i = 0; i < v->n; i++) {
		const struct queue_row *row = &v->rows[i];
		h_printf(b, "<tr><td>%s</td><td><a href=\"%s\">%s</a></td><td>%s (PNR: %s)</td><td>%s</td><td>%s (%s)</td><td>%s",
			 time_de(r->a, row->eingereicht_am, TIME_MINUTES), url_printf(r->a, "/kasse/meldungen/%s", row->az),
			 row->az, row->org, row->pnr, row->formular >= 0 ? formular_info[row->formular].label : "", row->name,
			 row->nr, row->status >= 0 ? meldung_status_label[row->status] : "");
		if (row->neu)
			h_raw(b, " <span class=\"badge\">Neu von der Organisation</span>");
		h_raw(b, "</td></tr>");
	}
	table_close(b);
	pager_html(r, b, &(pager){.page = v->page, .size = QUEUE_PAGE, .total = v->total, .cap = COUNT_CAP, .shown = v->n,
				  .url = queue_url, .view = v});
	h_raw(b, "</div>");
}

static void queue_json(req *r, cJSON *o, const void *view)
{
	const struct queue_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "meldungen");
	for (size_t i = 0; i < v->n; i++) {
		const struct queue_row *row = &v->rows[i];
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "aktenzeichen", row->az);
		cJSON_AddStringToObject(m, "pnr", row->pnr);
		cJSON_AddStringToObject(m, "organisation", row->org);
		cJSON_AddStringToObject(m, "formular", row->formular >= 0 ? formular_info[row->formular].key : "");
		cJSON_AddStringToObject(m, "nr", row->nr);
		cJSON_AddStringToObject(m, "person", row->name);
		cJSON_AddStringToObject(m, "status", row->status >= 0 ? meldung_status_key[row->status] : "");
		cJSON_AddStringToObject(m, "eingereicht", time_de(r->a, row->eingereicht_am, TIME_SECONDS));
		cJSON_AddBoolToObject(m, "neu_von_organisation", row->neu);
		cJSON_AddItemToArray(arr, m);
	}
	cJSON_AddNumberToObject(o, "gesamt", (double)v->total);
	cJSON_AddBoolToObject(o, "gesamt_gekappt", v->total >= COUNT_CAP);
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
	cJSON_AddStringToObject(o, "reihenfolge", v->neueste ? "neueste" : "aelteste");
}

static const page_kind queue_page = {"Meldungen", queue_html, queue_json, NULL};

/* The filters that can be wrong, each at its field; the PNR's organisation into v->org_id. */
static int queue_check(req *r, struct queue_view *v)
{
	const struct queue_filter *in = &v->in;
	int s = in->status ? meldung_status_parse(in->status) : 0;
	if (in->status && (s < 0 || s == MS_ENTWURF))
		form_error(r, "status", "Diesen Status gibt es nicht.");
	if (in->formular && formular_parse(in->formular) < 0)
		form_error(r, "formular", "Dieses Formular gibt es nicht.");
	if (in->reihenfolge && !str_eq(in->reihenfolge, "aelteste") && !str_eq(in->reihenfolge, "neueste"))
		form_error(r, "reihenfolge", "Bitte wählen Sie eine Reihenfolge aus der Liste.");
	v->neueste = str_eq(in->reihenfolge, "neueste");
	v->page = 1;
	if (in->seite && parse_int(in->seite, 1, 1000000, &v->page) != 0)
		form_error(r, "seite", "Bitte geben Sie eine Seitenzahl an.");
	if (!in->pnr || r->nerrors)
		return 0;
	db_res *o = db_query(r->a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ?",
			     DBARGS(DS(cfg.kasse_nummer), DS(in->pnr)));
	if (!o)
		return -1;
	if (o->nrows != 1)
		form_error(r, "pnr", "Eine Organisation mit dieser PNR gibt es nicht.");
	else
		v->org_id = db_int(o, 0, 0);
	return 0;
}

/* GET /kasse/meldungen */
void kasse_meldungen(req *r)
{
	struct queue_view *v = arena_alloc(r->a, sizeof *v);
	form_prefill(r, queue_fields, ARRAY_LEN(queue_fields), &v->in);
	if (queue_check(r, v) != 0) {
		db_fail(r);
		return;
	}
	if (r->nerrors) {
		page_render(r, 422, &queue_page, v);
		return;
	}
	if (queue_load(r, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &queue_page, v);
}
