/* page_formulare.c — SPEC §14 for Sachbearbeiter with the right "formulare": "Meldungen" (the
 * organisation's Beamtenformulare, newest first, marked when the Kasse changed them since someone
 * of the organisation last opened them), choosing a form and a person, the Meldung with its
 * values, documents and Verlauf (printable as the Eingangsbestätigung), deleting a draft,
 * "Zurückziehen" while eingereicht and "Antworten" while Rückfrage. The forms themselves are in
 * page_formular.c. Every view and change is in the access log of personal data (ab_zugriff). */
#include "pages.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "form.h"
#include "html.h"
#include "pager.h"
#include "layout.h"
#include "meldungen.h"
#include "response.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LIST_PAGE 20
#define COUNT_CAP 101 /* lists count at most this many rows */

static const char keine_meldung[] = "Diese Meldung gibt es nicht.";

/* ---------- the list ---------- */

struct list_filter {
	const char *status, *formular, *nr, *seite;
};

static const form_field list_fields[] = {
	{"status", "Status", FT_TEXT, FF_KEEP, 20, NULL, NULL, NULL, NULL, offsetof(struct list_filter, status)},
	{"formular", "Formular", FT_TEXT, FF_KEEP, 30, NULL, NULL, NULL, NULL, offsetof(struct list_filter, formular)},
	{"nr", "Nr. der Person", FT_TEXT, FF_KEEP, 20, NULL, NULL, NULL, NULL, offsetof(struct list_filter, nr)},
	{"seite", "Seite", FT_NUMERIC, FF_KEEP, 9, NULL, NULL, NULL, NULL, offsetof(struct list_filter, seite)},
};

struct list_row {
	const char *az, *nr, *name, *geaendert_am;
	int formular, status;
	bool neu; /* the Kasse changed it since someone of the organisation last opened it */
};

struct list_view {
	struct list_filter in;
	long long total, page, pages;
	size_t n;
	struct list_row rows[LIST_PAGE];
};

enum { L_AZ, L_FORMULAR, L_NR, L_NAME, L_STATUS, L_GEAENDERT, L_NEU };

static int list_load(req *r, struct list_view *v)
{
	const char *st = v->in.status ? v->in.status : "", *fo = v->in.formular ? v->in.formular : "";
	const char *nr = v->in.nr ? v->in.nr : "";
	/* counted up to COUNT_CAP ("mehr als 100"): the list costs the same in an organisation of
	 * 100 Meldungen as in one of 100,000. Without a filter the count names no other column, so
	 * MariaDB reads it from ix_meldung_org alone; the statement with the filters, even with all of
	 * them empty, looks up each of the 101 rows in the table (3 pages each at 1,000,000 Meldungen,
	 * tests/bench/README.md "Meldungen"). */
	bool filtered = *st || *fo || *nr;
	db_res *cnt = filtered ? db_query(r->a,
					  "SELECT COUNT(*) FROM (SELECT 1 FROM meldung WHERE org_id = ? AND (? = '' OR "
					  "status = ?) AND (? = '' OR formular = ?) AND (? = '' OR person_nr = ?) LIMIT 101) x",
					  DBARGS(DI(r->me->org_id), DS(st), DS(st), DS(fo), DS(fo), DS(nr), DS(nr)))
			       : db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 FROM meldung WHERE org_id = ? LIMIT 101) x",
					  DBARGS(DI(r->me->org_id)));
	if (!cnt)
		return -1;
	v->total = db_int(cnt, 0, 0);
	v->pages = v->total ? (v->total + LIST_PAGE - 1) / LIST_PAGE : 1;
	if (v->page > v->pages && v->total < COUNT_CAP)
		v->page = v->pages;
	db_res *res = db_query(r->a,
			       "SELECT aktenzeichen, formular, person_nr, person_name, status, geaendert_am, "
			       "status_kasse_am IS NOT NULL AND (geoeffnet_am IS NULL OR status_kasse_am > geoeffnet_am) "
			       "FROM meldung WHERE org_id = ? AND (? = '' OR status = ?) AND (? = '' OR formular = ?) "
			       "AND (? = '' OR person_nr = ?) ORDER BY id DESC LIMIT " "20" " OFFSET ?",
			       DBARGS(DI(r->me->org_id), DS(st), DS(st), DS(fo), DS(fo), DS(nr), DS(nr),
				      DI((v->page - 1) * LIST_PAGE)));
	if (!res)
		return -1;
	for (size_t i = 0; i < res->nrows && i < LIST_PAGE; i++)
		v->rows[v->n++] = (struct list_row){db_str(res, i, L_AZ), db_str(res, i, L_NR), db_str(res, i, L_NAME),
						    db_str(res, i, L_GEAENDERT), formular_parse(db_str(res, i, L_FORMULAR)),
						    meldung_status_parse(db_str(res, i, L_STATUS)), db_int(res, i, L_NEU) != 0};
	return 0;
}

static void select_html(sbuf *b, const char *name, const char *label, const char *value, const char *const *keys,
			const char *const *labels, size_t n)
{
	h_printf(b, "<div class=\"field\"><label for=\"filter-%s\">%s</label><select id=\"filter-%s\" name=\"%s\">"
		    "<option value=\"\"%s>Alle</option>",
		 name, label, name, name, value ? "" : " selected");
	for (size_t i = 0; i < n; i++)
		h_printf(b, "<option value=\"%s\"%s>%s</option>", keys[i], value && strcmp(value, keys[i]) == 0 ? " selected" : "",
			 labels[i]);
	h_raw(b, "</select></div>");
}

static void list_filter_html(sbuf *b, const struct list_view *v)
{
	const char *fk[FORMULAR__MAX], *fl[FORMULAR__MAX];
	for (int f = 0; f < FORMULAR__MAX; f++)
		fk[f] = formular_info[f].key, fl[f] = formular_info[f].label;
	h_raw(b, "<form class=\"filters\" method=\"get\" action=\"/formulare\"><fieldset><legend>Filter</legend>");
	select_html(b, "status", "Status", v->in.status, meldung_status_key, meldung_status_label, MELDUNG_STATUS__MAX);
	select_html(b, "formular", "Formular", v->in.formular, fk, fl, FORMULAR__MAX);
	h_printf(b, "<div class=\"field\"><label for=\"filter-nr\">Nr. der Person</label><input id=\"filter-nr\" name=\"nr\" "
		    "type=\"text\" value=\"%s\" autocomplete=\"off\"></div>",
		 v->in.nr ? v->in.nr : "");
	h_raw(b, "<div class=\"actions\"><button type=\"submit\" class=\"btn secondary\">Filtern</button></div></fieldset></form>");
}

static const char *list_page_url(req *r, const void *view, long long page)
{
	const struct list_view *v = view;
	return url_printf(r->a, "/formulare?status=%s&formular=%s&nr=%s&seite=%lld", v->in.status ? v->in.status : "",
			  v->in.formular ? v->in.formular : "", v->in.nr ? v->in.nr : "", page);
}

static void list_html(req *r, sbuf *b, const void *view)
{
	const struct list_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Meldungen</h1><p class=\"lead\">Beamtenformulare Ihrer Organisation an die "
		 "Versorgungskasse.</p><p><a class=\"btn\" href=\"/formulare/neu\">Neue Meldung</a></p>");
	list_filter_html(b, v);
	if (!v->n) {
		h_raw(b, "<p>Keine Meldungen gefunden.</p></div>");
		return;
	}
	table_open(b, "Meldungen", NULL, TABLE_COLS("Aktenzeichen", "Formular", "Person", "Status", "Letzte Änderung"));
	for (size_t i = 0; i < v->n; i++) {
		const struct list_row *row = &v->rows[i];
		h_printf(b, "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>%s (%s)</td><td>%s", url_printf(r->a, "/formulare/%s", row->az),
			 row->az, row->formular >= 0 ? formular_info[row->formular].label : "", row->name, row->nr,
			 row->status >= 0 ? meldung_status_label[row->status] : "");
		if (row->neu)
			h_raw(b, " <span class=\"badge\">Neu von der Kasse</span>");
		h_printf(b, "</td><td>%s</td></tr>", time_de(r->a, row->geaendert_am, TIME_MINUTES));
	}
	table_close(b);
	pager_html(r, b, &(pager){.page = v->page, .size = LIST_PAGE, .total = v->total, .cap = COUNT_CAP, .shown = v->n,
				  .url = list_page_url, .view = v});
	h_raw(b, "</div>");
}

static void list_json(req *r, cJSON *o, const void *view)
{
	const struct list_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "meldungen");
	for (size_t i = 0; i < v->n; i++) {
		const struct list_row *row = &v->rows[i];
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "aktenzeichen", row->az);
		cJSON_AddStringToObject(m, "formular", row->formular >= 0 ? formular_info[row->formular].key : "");
		cJSON_AddStringToObject(m, "nr", row->nr);
		cJSON_AddStringToObject(m, "person", row->name);
		cJSON_AddStringToObject(m, "status", row->status >= 0 ? meldung_status_key[row->status] : "");
		cJSON_AddStringToObject(m, "geaendert", time_de(r->a, row->geaendert_am, TIME_SECONDS));
		cJSON_AddBoolToObject(m, "neu_von_kasse", row->neu);
		cJSON_AddItemToArray(arr, m);
	}
	cJSON_AddNumberToObject(o, "gesamt", (double)v->total);
	cJSON_AddBoolToObject(o, "gesamt_gekappt", v->total >= COUNT_CAP);
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
}

static const page_kind list_page = {"Meldungen", list_html, list_json, NULL};

void formulare_list(req *r)
{
	struct list_view *v = arena_alloc(r->a, sizeof *v);
	form_prefill(r, list_fields, ARRAY_LEN(list_fields), &v->in);
	if (v->in.status && meldung_status_parse(v->in.status) < 0)
		form_error(r, "status", "Diesen Status gibt es nicht.");
	if (v->in.formular && formular_parse(v->in.formular) < 0)
		form_error(r, "formular", "Dieses Formular gibt es nicht.");
	v->page = 1;
	if (v->in.seite && parse_int(v->in.seite, 1, 1000000, &v->page) != 0)
		form_error(r, "seite", "Bitte geben Sie eine Seitenzahl an.");
	if (r->nerrors) {
		page_render(r, 422, &list_page, v);
		return;
	}
	if (list_load(r, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &list_page, v);
}

/* ---------- choosing form and person ---------- */

/* The summary of a GET form's errors, each linked to its field (form_open does it for POST forms). */
static void errors_html(req *r, sbuf *b)
{
	if (!r->nerrors)
		return;
	h_raw(b, "<div class=\"alert error\" role=\"alert\" id=\"fehler-zusammenfassung\" tabindex=\"-1\">"
		 "<p>Bitte korrigieren Sie die markierten Eingaben.</p><ul>");
	for (size_t i = 0; i < r->nerrors; i++)
		h_printf(b, "<li><a href=\"#f-%s\">%s</a></li>", r->errors[i].field, r->errors[i].message);
	h_raw(b, "</ul></div>");
}

struct neu_form {
	const char *formular, *nr;
};

static const form_field neu_fields[] = {
	{"formular", "Formular", FT_TEXT, FF_REQUIRED | FF_KEEP, 30, NULL, "Bitte wählen Sie ein Formular aus.", NULL, NULL,
	 offsetof(struct neu_form, formular)},
	{"nr", "Nr. der Person (Anspruchsberechtigte)", FT_TEXT, FF_REQUIRED | FF_KEEP, 20, NULL,
	 "Bitte geben Sie die Nr. der Person an.", "Die Nr. ist höchstens 20 Zeichen lang.", NULL,
	 offsetof(struct neu_form, nr)},
};

static void neu_html(req *r, sbuf *b, const void *view)
{
	const struct neu_form *in = view;
	h_raw(b, "<div class=\"card\"><h1>Neue Meldung</h1><p class=\"lead\">Wählen Sie das Formular und die Beamtin oder "
		 "den Beamten, für die oder den Sie eine Änderung melden.</p>");
	required_note(b);
	errors_html(r, b);
	const char *err = form_error_for(r, "formular");
	h_raw(b, "<form method=\"get\" action=\"/formulare/neu\" novalidate>");
	if (err)
		h_printf(b, "<fieldset class=\"field has-error\" aria-describedby=\"f-formular-fehler\"><legend>Formular*</legend>"
			    "<p class=\"error\" id=\"f-formular-fehler\">%s</p>",
			 err);
	else
		h_raw(b, "<fieldset class=\"field\"><legend>Formular*</legend>");
	for (int f = 0; f < FORMULAR__MAX; f++) {
		/* the first radio button is the target of the error summary's link */
		const char *id = f == 0 ? "f-formular" : arena_printf(r->a, "f-formular-%s", formular_info[f].key);
		h_printf(b, "<div class=\"radio\"><input type=\"radio\" id=\"%s\" name=\"formular\" value=\"%s\"%s>"
			    "<label for=\"%s\">%s</label></div>",
			 id, formular_info[f].key,
			 in->formular && strcmp(in->formular, formular_info[f].key) == 0 ? " checked" : "", id,
			 formular_info[f].label);
	}
	h_raw(b, "</fieldset>");
	form_fields(r, b, neu_fields + 1, 1, in);
	h_raw(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/formulare\">Abbrechen</a>"
		 "<button type=\"submit\" class=\"btn\">Weiter</button></div></form></div>");
}

static void neu_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	(void)view;
	cJSON *arr = cJSON_AddArrayToObject(o, "formulare");
	for (int f = 0; f < FORMULAR__MAX; f++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "formular", formular_info[f].key);
		cJSON_AddStringToObject(e, "titel", formular_info[f].label);
		cJSON_AddItemToArray(arr, e);
	}
}

static const page_kind neu_page = {"Neue Meldung", neu_html, neu_json, NULL};

/* GET /formulare/neu: the choice; with formular and nr given and valid, on to the form. */
void formulare_neu(req *r)
{
	struct neu_form *in = arena_alloc(r->a, sizeof *in);
	form_prefill(r, neu_fields, ARRAY_LEN(neu_fields), in);
	if (!form_get_raw(r, "formular") && !form_get_raw(r, "nr")) { /* opened, not yet sent */
		page_render(r, 200, &neu_page, in);
		return;
	}
	form_read(r, neu_fields, ARRAY_LEN(neu_fields), in);
	if (in->formular && formular_parse(in->formular) < 0)
		form_error(r, "formular", "Bitte wählen Sie eines der angebotenen Formulare aus.");
	if (in->nr && !r->nerrors) {
		db_res *p = db_query(r->a, "SELECT 1 FROM person WHERE org_id = ? AND nr = ? AND art = 'aktiv'",
				     DBARGS(DI(r->me->org_id), DS(in->nr)));
		if (!p) {
			db_fail(r);
			return;
		}
		if (p->nrows != 1)
			form_error(r, "nr", "Unter dieser Nummer gibt es keine Beamtin und keinen Beamten im Dienst Ihrer "
					    "Organisation.");
	}
	if (r->nerrors) {
		page_render(r, 422, &neu_page, in);
		return;
	}
	redirect(r, url_printf(r->a, "/formulare/neu/%s?nr=%s", in->formular, in->nr));
}

/* ---------- the Meldung ---------- */

#define SHOWN_MAX 100 /* documents and Verlauf steps shown; a Meldung has far fewer */

struct anlage_row {
	long long id, groesse;
	const char *name;
	bool von_kasse;
};

struct verlauf_row {
	int status;
	const char *at, *von, *text;
	bool kasse;
};

struct show_view {
	struct meldung m;
	const char *werte[FORMULAR_FELDER_MAX]; /* the stored values, in the order of the form */
	struct formular_pruefung pruefung;      /* its warnings (e.g. "bitte frühzeitig melden") */
	struct anlage_row anlagen[SHOWN_MAX];
	size_t nanlagen;
	struct verlauf_row verlauf[SHOWN_MAX];
	size_t nverlauf;
	bool bestaetigung; /* just submitted: the Eingangsbestätigung */
	bool kasse;        /* the Kasse's view (/kasse/meldungen/…): organisation, names, the status form */
	const char *org_name, *org_pnr;
	const char *notice;
};

/* Every view and change of a Meldung is access to personal data (DOMAIN.md §5). */
static int zugriff_schreiben(req *r, const struct meldung *m, const char *aktion)
{
	return db_exec("INSERT INTO ab_zugriff (at, org_id, wer, wer_name, person_nr, aktion, remote, aktenzeichen) "
		       "VALUES (NOW(), ?, ?, ?, ?, ?, ?, ?)",
		       DBARGS(DI(m->org_id), DS(r->me->kennung), DS(arena_printf(r->a, "%s %s", r->me->vorname, r->me->name)),
			      DS(m->person_nr), DS(aktion), DSZ(r->remote), DS(m->aktenzeichen)),
		       NULL, NULL);
}

static void werte_laden(req *r, struct show_view *v)
{
	cJSON *werte = cJSON_Parse(v->m.werte_json);
	for (size_t i = 0; v->m.formular >= 0 && i < formular_info[v->m.formular].nfelder; i++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(werte, formular_info[v->m.formular].felder[i].key);
		v->werte[i] = cJSON_IsString(w) ? arena_printf(r->a, "%s", w->valuestring) : NULL;
	}
	cJSON_Delete(werte);
	long heute = today_berlin((long long)time(NULL));
	if (v->m.eingereicht_am)
		parse_date_days(arena_printf(r->a, "%.10s", v->m.eingereicht_am), &heute); /* as on the day it came in */
	if (v->m.formular >= 0)
		formular_pruefen(v->m.formular, v->werte, (size_t)v->m.anlagen, heute, v->m.status == MS_ENTWURF, &v->pruefung);
}

static int show_load(req *r, struct show_view *v)
{
	db_res *an = db_query(r->a, "SELECT id, dateiname, groesse, seite FROM meldung_anlage WHERE meldung_id = ? "
				    "ORDER BY id LIMIT " "100", DBARGS(DI(v->m.id)));
	db_res *vl = db_query(r->a, "SELECT status, at, von_name, text, seite FROM meldung_verlauf WHERE meldung_id = ? "
				    "ORDER BY id LIMIT " "100", DBARGS(DI(v->m.id)));
	if (!an || !vl)
		return -1;
	for (size_t i = 0; i < an->nrows && i < SHOWN_MAX; i++)
		v->anlagen[v->nanlagen++] = (struct anlage_row){db_int(an, i, 0), db_int(an, i, 2), db_str(an, i, 1),
								 strcmp(db_str(an, i, 3), "kasse") == 0};
	for (size_t i = 0; i < vl->nrows && i < SHOWN_MAX; i++)
		v->verlauf[v->nverlauf++] = (struct verlauf_row){meldung_status_parse(db_str(vl, i, 0)), db_str(vl, i, 1),
								  db_str(vl, i, 2), db_str(vl, i, 3),
								  strcmp(db_str(vl, i, 4), "kasse") == 0};
	werte_laden(r, v);
	return 0;
}

/* The Meldung of the path in the user's organisation; 404 exactly as for one that does not exist. */
static bool meldung_aus_pfad(req *r, struct meldung *m)
{
	switch (meldung_laden(r->a, r->me->org_id, r->path_arg, m)) {
	case MELDUNG_OK: return true;
	case MELDUNG_DB: db_fail(r); return false;
	default: page_error(r, 404, keine_meldung); return false;
	}
}

/* A stored value as the form offered it: the label of a choice, a date as TT.MM.JJJJ, hours with a comma. */
static const char *wert_de(req *r, const struct formular_feld *fe, const char *v)
{
	int y, m, d;
	if (fe->typ == FELD_AUSWAHL)
		return formular_wert_label(fe, v);
	if (fe->typ == FELD_DATUM && sscanf(v, "%4d-%2d-%2d", &y, &m, &d) == 3)
		return arena_printf(r->a, "%02d.%02d.%04d", d, m, y);
	if (fe->typ == FELD_STUNDEN) {
		char *s = arena_printf(r->a, "%s", v), *dot = strchr(s, '.');
		if (dot)
			*dot = ',';
		return s;
	}
	return v;
}

static void show_head_html(req *r, sbuf *b, const struct show_view *v)
{
	const struct meldung *m = &v->m;
	if (v->notice)
		alert_box(b, "success", v->notice);
	if (v->bestaetigung && m->status != MS_ENTWURF)
		alert_box(b, "success", "Ihre Meldung ist bei der Versorgungskasse eingegangen. Bitte notieren Sie das "
					"Aktenzeichen. Diese Seite können Sie als Eingangsbestätigung drucken.");
	h_printf(b, "<div class=\"card meldung\"><p class=\"print-only\">Meine Versorgung – Eingangsbestätigung</p>"
		    "<h1>%s</h1><dl class=\"data\"><dt>Aktenzeichen</dt><dd>%s</dd><dt>Person</dt><dd>%s (Nr. %s)</dd>"
		    "<dt>Status</dt><dd>%s</dd>",
		 formular_info[m->formular].label, m->aktenzeichen, m->person_name, m->person_nr,
		 meldung_status_label[m->status]);
	if (v->kasse)
		h_printf(b, "<dt>Organisation</dt><dd>%s (PNR: %s)</dd>", v->org_name, v->org_pnr);
	if (m->eingereicht_am)
		h_printf(b, "<dt>Eingereicht am</dt><dd>%s</dd>", time_de(r->a, m->eingereicht_am, TIME_UHR));
	h_raw(b, "</dl>");
	for (size_t i = 0; i < v->pruefung.nhinweise; i++)
		alert_box(b, "warning", v->pruefung.hinweise[i].text);
	h_raw(b, "<h2>Angaben</h2><dl class=\"data\">");
	const struct formular_info *fi = &formular_info[m->formular];
	for (size_t i = 0; i < fi->nfelder; i++)
		h_printf(b, "<dt>%s</dt><dd>%s</dd>", fi->felder[i].label,
			 v->werte[i] ? wert_de(r, &fi->felder[i], v->werte[i]) : "–");
	h_raw(b, "</dl>");
}

static void show_docs_html(req *r, sbuf *b, const struct show_view *v)
{
	h_raw(b, "<h2>Dokumente</h2>");
	if (!v->nanlagen) {
		h_raw(b, "<p>Keine Dokumente.</p>");
		return;
	}
	h_raw(b, "<ul class=\"documents\">");
	for (size_t i = 0; i < v->nanlagen; i++)
		h_printf(b, "<li><a href=\"%s\">%s</a> (%s)%s</li>",
			 url_printf(r->a, v->kasse ? "/kasse/meldung-anlage/%lld" : "/formular-anlage/%lld", v->anlagen[i].id),
			 v->anlagen[i].name, size_mb(r->a, v->anlagen[i].groesse),
			 v->anlagen[i].von_kasse ? " – von der Versorgungskasse" : "");
	h_raw(b, "</ul>");
}

static void show_verlauf_html(req *r, sbuf *b, const struct show_view *v)
{
	h_raw(b, "<h2>Verlauf</h2>");
	table_open(b, "Verlauf", NULL, TABLE_COLS("Datum", "Status", "Von", "Text"));
	for (size_t i = 0; i < v->nverlauf; i++) {
		const struct verlauf_row *s = &v->verlauf[i];
		h_printf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"pre\">%s</td></tr>", time_de(r->a, s->at, TIME_MINUTES),
			 s->status >= 0 ? meldung_status_label[s->status] : "", s->kasse && !v->kasse ? "Versorgungskasse" : s->von,
			 s->text ? s->text : "");
	}
	table_close(b);
}

/* What the organisation may do next: change or delete a draft, withdraw, answer a Rückfrage. */
static void show_actions_html(req *r, sbuf *b, const struct show_view *v)
{
	const char *az = v->m.aktenzeichen;
	h_raw(b, "<div class=\"actions no-print\">");
	if (v->m.status == MS_ENTWURF) {
		h_printf(b, "<a class=\"btn\" href=\"%s\">Entwurf bearbeiten</a>", url_printf(r->a, "/formulare/%s/bearbeiten", az));
		form_open(r, b, url_printf(r->a, "/formulare/%s/loeschen", az), false);
		h_raw(b, "<button type=\"submit\" class=\"btn secondary\">Entwurf löschen</button>");
		form_close(b);
	}
	if (v->m.status == MS_EINGEREICHT) {
		form_open(r, b, url_printf(r->a, "/formulare/%s/zurueckziehen", az), false);
		h_raw(b, "<button type=\"submit\" class=\"btn secondary\">Zurückziehen</button>");
		form_close(b);
	}
	h_raw(b, "<a class=\"btn secondary\" href=\"/formulare\">Zur Übersicht</a></div>");
	if (v->m.status != MS_RUECKFRAGE)
		return;
	h_raw(b, "<h2>Antworten</h2>");
	form_open(r, b, url_printf(r->a, "/formulare/%s/antwort", az), true);
	static const form_field text = {"text", "Ihre Antwort", FT_TEXTAREA, FF_REQUIRED, 5000, NULL, NULL, NULL, NULL, 0};
	form_textarea(r, b, &text, form_get(r, "text"), 6);
	h_printf(b, "<div class=\"field\"><label for=\"f-anlage\">Dokumente (PDF)</label><input id=\"f-anlage\" name=\"anlage\" "
		    "type=\"file\" accept=\"application/pdf,.pdf\" multiple></div><div class=\"actions\">"
		    "<button type=\"submit\" class=\"btn\">Antwort senden</button></div>");
	form_close(b);
}

/* ---- the Kasse's view of a Meldung: its moves of the status graph ---- */

/* The statuses the Kasse may move a Meldung to from status von (the graph of meldung.c). */
static size_t kasse_ziele(int von, int ziele[MELDUNG_STATUS__MAX])
{
	size_t n = 0;
	for (int s = 0; s < MELDUNG_STATUS__MAX; s++)
		if (meldung_uebergang(von, s, SEITE_KASSE))
			ziele[n++] = s;
	return n;
}

/* A status the Kasse moves a Meldung to from some status (in Bearbeitung, Rückfrage, erledigt, abgelehnt). */
static bool kasse_ziel_je(int nach)
{
	for (int von = 0; von < MELDUNG_STATUS__MAX; von++)
		if (meldung_uebergang(von, nach, SEITE_KASSE))
			return true;
	return false;
}

static void kasse_status_select(req *r, sbuf *b, const int *ziele, size_t n)
{
	const char *err = form_error_for(r, "status"), *sel = form_get(r, "status");
	h_printf(b, "<div class=\"field%s\"><label for=\"f-status\">Neuer Status*</label><select id=\"f-status\" "
		    "name=\"status\" required aria-required=\"true\"",
		 err ? " has-error" : "");
	if (err)
		h_raw(b, " aria-invalid=\"true\" aria-describedby=\"f-status-fehler\"");
	h_raw(b, "><option value=\"\">Bitte auswählen</option>");
	for (size_t i = 0; i < n; i++)
		h_printf(b, "<option value=\"%s\"%s>%s</option>", meldung_status_key[ziele[i]],
			 str_eq(sel, meldung_status_key[ziele[i]]) ? " selected" : "", meldung_status_label[ziele[i]]);
	h_raw(b, "</select>");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-status-fehler\">%s</p>", err);
	h_raw(b, "</div>");
}

static const form_field kasse_text_field = {"text", "Text an die Organisation (Pflichtangabe bei Rückfrage und Ablehnung)",
					    FT_TEXTAREA, 0, 5000, NULL, NULL, NULL, NULL, 0};

static void kasse_actions_html(req *r, sbuf *b, const struct show_view *v)
{
	int ziele[MELDUNG_STATUS__MAX];
	size_t n = kasse_ziele(v->m.status, ziele);
	h_raw(b, "<h2>Status ändern</h2>");
	if (!n)
		h_printf(b, "<p>Im Status „%s“ ist keine Änderung durch die Versorgungskasse möglich.</p>",
			 meldung_status_label[v->m.status]);
	else {
		form_open(r, b, url_printf(r->a, "/kasse/meldungen/%s/status", v->m.aktenzeichen), true);
		kasse_status_select(r, b, ziele, n);
		form_textarea(r, b, &kasse_text_field, form_get(r, "text"), 6);
		const char *err = form_error_for(r, "anlage");
		h_printf(b, "<div class=\"field%s\"><label for=\"f-anlage\">Dokumente (PDF)</label><input id=\"f-anlage\" "
			    "name=\"anlage\" type=\"file\" accept=\"application/pdf,.pdf\" multiple",
			 err ? " has-error" : "");
		if (err)
			h_raw(b, " aria-invalid=\"true\" aria-describedby=\"f-anlage-fehler\"");
		h_raw(b, ">");
		if (err)
			h_printf(b, "<p class=\"error\" id=\"f-anlage-fehler\">%s</p>", err);
		h_raw(b, "</div><div class=\"actions\"><button type=\"submit\" class=\"btn\">Status ändern</button></div>");
		form_close(b);
	}
	h_raw(b, "<div class=\"actions no-print\"><a class=\"btn secondary\" href=\"/kasse/meldungen\">Zur Übersicht</a></div>");
}

static void kasse_show_json(cJSON *o, const struct show_view *v)
{
	cJSON *org = cJSON_AddObjectToObject(o, "organisation");
	cJSON_AddStringToObject(org, "pnr", v->org_pnr);
	cJSON_AddStringToObject(org, "name", v->org_name);
	cJSON_AddStringToObject(o, "person", v->m.person_name);
	int ziele[MELDUNG_STATUS__MAX];
	size_t n = kasse_ziele(v->m.status, ziele);
	cJSON *z = cJSON_AddArrayToObject(o, "status_moeglich");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(z, cJSON_CreateString(meldung_status_key[ziele[i]]));
}

static void show_html(req *r, sbuf *b, const void *view)
{
	const struct show_view *v = view;
	show_head_html(r, b, v);
	show_docs_html(r, b, v);
	show_verlauf_html(r, b, v);
	if (v->kasse)
		kasse_actions_html(r, b, v);
	else
		show_actions_html(r, b, v);
	h_raw(b, "</div>");
}

static void show_json(req *r, cJSON *o, const void *view)
{
	const struct show_view *v = view;
	const struct formular_info *fi = &formular_info[v->m.formular];
	cJSON_AddStringToObject(o, "aktenzeichen", v->m.aktenzeichen);
	cJSON_AddStringToObject(o, "formular", fi->key);
	cJSON_AddStringToObject(o, "nr", v->m.person_nr);
	cJSON_AddStringToObject(o, "status", meldung_status_key[v->m.status]);
	cJSON *werte = cJSON_AddObjectToObject(o, "werte");
	for (size_t i = 0; i < fi->nfelder; i++)
		if (v->werte[i])
			cJSON_AddStringToObject(werte, fi->felder[i].key, v->werte[i]);
	cJSON *an = cJSON_AddArrayToObject(o, "anlagen");
	for (size_t i = 0; i < v->nanlagen; i++) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddNumberToObject(a, "id", (double)v->anlagen[i].id);
		cJSON_AddStringToObject(a, "name", v->anlagen[i].name);
		cJSON_AddNumberToObject(a, "groesse", (double)v->anlagen[i].groesse);
		cJSON_AddItemToArray(an, a);
	}
	cJSON *vl = cJSON_AddArrayToObject(o, "verlauf");
	for (size_t i = 0; i < v->nverlauf; i++) {
		const struct verlauf_row *s = &v->verlauf[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "status", s->status >= 0 ? meldung_status_key[s->status] : "");
		cJSON_AddStringToObject(e, "zeit", time_de(r->a, s->at, TIME_SECONDS));
		cJSON_AddStringToObject(e, "von", s->kasse && !v->kasse ? "Versorgungskasse" : s->von);
		cJSON_AddItemToObject(e, "text", s->text ? cJSON_CreateString(s->text) : cJSON_CreateNull());
		cJSON_AddItemToArray(vl, e);
	}
	cJSON *hw = cJSON_AddArrayToObject(o, "hinweise");
	for (size_t i = 0; i < v->pruefung.nhinweise; i++)
		cJSON_AddItemToArray(hw, cJSON_CreateString(v->pruefung.hinweise[i].text));
	if (v->kasse)
		kasse_show_json(o, v);
}

static const char *show_title(const void *view)
{
	const struct show_view *v = view;
	return v->bestaetigung && v->m.status != MS_ENTWURF ? "Eingangsbestätigung" : "Meldung";
}

static const page_kind show_page = {"Meldung", show_html, show_json, show_title};

void formulare_show(req *r)
{
	struct show_view *v = arena_alloc(r->a, sizeof *v);
	if (!meldung_aus_pfad(r, &v->m))
		return;
	v->bestaetigung = form_get(r, "eingereicht") != NULL;
	/* logged before it is shown; opened by the organisation (a HEAD shows nothing and marks nothing) */
	if (zugriff_schreiben(r, &v->m, "ansehen") != 0 ||
	    (!r->is_head && db_exec("UPDATE meldung SET geoeffnet_am = NOW() WHERE id = ?", DBARGS(DI(v->m.id)), NULL, NULL)) ||
	    show_load(r, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &show_page, v);
}

/* The answer to a refused move: 409 with what happened meanwhile. */
static void move_answered(req *r, const struct meldung *m, enum meldung_ergebnis e, const char *event, const char *ok_next)
{
	if (e == MELDUNG_FEHLT) {
		page_error(r, 404, keine_meldung);
		return;
	}
	if (e == MELDUNG_KONFLIKT) {
		page_error(r, 409, "Der Status der Meldung hat sich inzwischen geändert; diese Aktion ist nicht mehr möglich. "
				   "Bitte laden Sie die Meldung neu.");
		return;
	}
	if (e != MELDUNG_OK || zugriff_schreiben(r, m, "aendern") != 0) {
		db_fail(r);
		return;
	}
	audit(&r->who, event, m->aktenzeichen, formular_info[m->formular].key);
	redirect(r, ok_next);
}

static struct meldung_akteur org_akteur(req *r)
{
	return (struct meldung_akteur){SEITE_ORGANISATION, r->me->kennung,
				       arena_printf(r->a, "%s %s", r->me->vorname, r->me->name)};
}

void formulare_loeschen(req *r)
{
	struct meldung m;
	if (!meldung_aus_pfad(r, &m))
		return;
	if (m.status != MS_ENTWURF) {
		move_answered(r, &m, MELDUNG_KONFLIKT, NULL, NULL);
		return;
	}
	move_answered(r, &m, meldung_entwurf_loeschen(r->a, &m), "meldung_entwurf_geloescht", "/formulare?ok=geloescht");
}

void formulare_zurueckziehen(req *r)
{
	struct meldung m;
	struct meldung_akteur wer = org_akteur(r);
	if (meldung_aus_pfad(r, &m))
		move_answered(r, &m, meldung_status_setzen(r->a, m.id, MS_ZURUECKGEZOGEN, NULL, NULL, 0, &wer),
			      "meldung_zurueckgezogen", url_printf(r->a, "/formulare/%s", m.aktenzeichen));
}

/* "Antworten" while Rückfrage: the text and documents go with the step back to eingereicht. */
void formulare_antwort(req *r)
{
	struct meldung m;
	if (!meldung_aus_pfad(r, &m))
		return;
	const char *text = form_get(r, "text"), *why = NULL;
	if (!text || !*text)
		form_error(r, "text", "Bitte geben Sie Ihre Antwort ein.");
	else if (strlen(text) > 20000 || str_has_ctl_but(text, strlen(text), "\t\n\r"))
		form_error(r, "text", "Die Antwort darf höchstens 5.000 Zeichen lang sein und keine Steuerzeichen enthalten.");
	enum anlagen_urteil u = meldung_anlagen_pruefen(r->a, r->uploads.items, r->uploads.n, &why);
	if (u == ANLAGEN_ZU_GROSS) {
		page_error(r, 413, why);
		return;
	}
	if (u == ANLAGEN_FALSCH)
		form_error(r, "anlage", why);
	if (r->nerrors) {
		struct show_view *v = arena_alloc(r->a, sizeof *v);
		v->m = m;
		if (show_load(r, v) != 0) {
			db_fail(r);
			return;
		}
		page_render(r, 422, &show_page, v);
		return;
	}
	struct meldung_akteur wer = org_akteur(r);
	move_answered(r, &m, meldung_status_setzen(r->a, m.id, MS_EINGEREICHT, text, r->uploads.items, r->uploads.n, &wer),
		      "meldung_beantwortet", url_printf(r->a, "/formulare/%s", m.aktenzeichen));
}

/* A document of a Meldung of the user's organisation: the access decision first, then the content. */
void formular_anlage_download(req *r)
{
	long long id;
	if (lookup_answered(r, path_id(r, &id), "Dieses Dokument gibt es nicht."))
		return;
	db_res *d = db_query(r->a,
			     "SELECT a.dateiname, a.typ, m.aktenzeichen, m.person_nr FROM meldung_anlage a "
			     "JOIN meldung m ON m.id = a.meldung_id WHERE a.id = ? AND m.org_id = ?",
			     DBARGS(DI(id), DI(r->me->org_id)));
	if (!d) {
		db_fail(r);
		return;
	}
	if (d->nrows != 1) {
		page_error(r, 404, "Dieses Dokument gibt es nicht.");
		return;
	}
	struct meldung m = {.person_nr = db_str(d, 0, 3), .org_id = r->me->org_id};
	snprintf(m.aktenzeichen, sizeof m.aktenzeichen, "%s", db_str(d, 0, 2));
	db_res *c = zugriff_schreiben(r, &m, "ansehen") == 0
			    ? db_query(r->a, "SELECT daten FROM meldung_anlage WHERE id = ?", DBARGS(DI(id)))
			    : NULL;
	if (!c || c->nrows != 1) {
		db_fail(r);
		return;
	}
	const db_cell *data = db_get(c, 0, 0);
	resp_attachment(r, document_name(r->a, db_str(d, 0, 0), db_str(d, 0, 1)), "application/pdf", data->s, data->len);
}

/* ---------- the Kasse (SPEC §15): a Meldung of any organisation, its status, its documents ---------- */

/* The Meldung of the path as the Kasse sees it: submitted (a draft is the organisation's own: 404
 * exactly as for one that does not exist), with its organisation. false after an answer. */
static bool kasse_meldung_aus_pfad(req *r, struct show_view *v)
{
	switch (meldung_laden(r->a, 0, r->path_arg, &v->m)) {
	case MELDUNG_OK: break;
	case MELDUNG_DB: db_fail(r); return false;
	default: page_error(r, 404, keine_meldung); return false;
	}
	db_res *o = v->m.status == MS_ENTWURF ? NULL
					      : db_query(r->a, "SELECT name, pnr FROM organisation WHERE id = ? AND kasse = ?",
							 DBARGS(DI(v->m.org_id), DS(cfg.kasse_nummer)));
	if (v->m.status != MS_ENTWURF && !o) {
		db_fail(r);
		return false;
	}
	if (!o || o->nrows != 1) {
		page_error(r, 404, keine_meldung);
		return false;
	}
	v->kasse = true;
	v->org_name = db_str(o, 0, 0);
	v->org_pnr = db_str(o, 0, 1);
	return true;
}

/* GET /kasse/meldungen/{az}: logged before it is shown; opened by the Kasse (a HEAD marks nothing). */
void kasse_meldung_show(req *r)
{
	struct show_view *v = arena_alloc(r->a, sizeof *v);
	if (!kasse_meldung_aus_pfad(r, v))
		return;
	if (str_eq(form_get(r, "ok"), "status"))
		v->notice = "Der Status wurde geändert.";
	if (zugriff_schreiben(r, &v->m, "ansehen") != 0 ||
	    (!r->is_head &&
	     db_exec("UPDATE meldung SET kasse_geoeffnet_am = NOW() WHERE id = ?", DBARGS(DI(v->m.id)), NULL, NULL)) ||
	    show_load(r, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &show_page, v);
}

/* The fields of a status change; errors recorded at their field. false: answered (413). */
static bool kasse_status_lesen(req *r, int *nach, const char **text)
{
	const char *st = form_get(r, "status"), *why = NULL;
	*text = form_get(r, "text");
	*nach = st ? meldung_status_parse(st) : -1;
	if (*nach < 0 || !kasse_ziel_je(*nach))
		form_error(r, "status", "Bitte wählen Sie einen neuen Status aus der Liste.");
	switch (meldung_kasse_text(*nach, *text)) {
	case KT_FEHLT: form_error(r, "text", "Bitte geben Sie bei einer Rückfrage die Frage und bei einer Ablehnung den Grund ein."); break;
	case KT_FALSCH: form_error(r, "text", "Der Text darf höchstens 5.000 Zeichen lang sein und keine Steuerzeichen enthalten."); break;
	default: break;
	}
	switch (meldung_anlagen_pruefen(r->a, r->uploads.items, r->uploads.n, &why)) {
	case ANLAGEN_ZU_GROSS: page_error(r, 413, why); return false;
	case ANLAGEN_FALSCH: form_error(r, "anlage", why); return true;
	default: return true;
	}
}

/* POST /kasse/meldungen/{az}/status (multipart): the Kasse's move through the service mvctl uses
 * (meldung_kasse_status), as the logged-in K account. A move the graph does not allow from the
 * current status: 409, nothing written; bad input: 422 with the page. */
void kasse_meldung_status(req *r)
{
	struct show_view *v = arena_alloc(r->a, sizeof *v);
	int nach;
	const char *text;
	if (!kasse_meldung_aus_pfad(r, v) || !kasse_status_lesen(r, &nach, &text))
		return;
	if (!r->nerrors && !meldung_uebergang(v->m.status, nach, SEITE_KASSE)) {
		page_error(r, 409, arena_printf(r->a, "Im Status „%s“ kann die Meldung nicht in den Status „%s“ gesetzt "
						      "werden. Bitte laden Sie die Meldung neu.",
						meldung_status_label[v->m.status], meldung_status_label[nach]));
		return;
	}
	if (r->nerrors) {
		if (show_load(r, v) != 0)
			db_fail(r);
		else
			page_render(r, 422, &show_page, v);
		return;
	}
	struct meldung_akteur wer = {SEITE_KASSE, r->me->kennung, arena_printf(r->a, "%s %s", r->me->vorname, r->me->name)};
	enum meldung_ergebnis e = meldung_kasse_status(&r->who, &v->m, nach, text, r->uploads.items, r->uploads.n, &wer);
	if (e == MELDUNG_OK && zugriff_schreiben(r, &v->m, "aendern") != 0)
		e = MELDUNG_DB;
	switch (e) {
	case MELDUNG_OK: redirect(r, url_printf(r->a, "/kasse/meldungen/%s?ok=status", v->m.aktenzeichen)); return;
	case MELDUNG_FEHLT: page_error(r, 404, keine_meldung); return;
	case MELDUNG_KONFLIKT:
		page_error(r, 409, "Der Status der Meldung hat sich inzwischen geändert; diese Änderung ist nicht mehr "
				   "möglich. Bitte laden Sie die Meldung neu.");
		return;
	default: db_fail(r); return;
	}
}

/* GET /kasse/meldung-anlage/{id}: a document of a submitted Meldung of any organisation. */
void kasse_meldung_anlage(req *r)
{
	long long id;
	if (lookup_answered(r, path_id(r, &id), "Dieses Dokument gibt es nicht."))
		return;
	db_res *d = db_query(r->a,
			     "SELECT a.dateiname, a.typ, m.aktenzeichen, m.person_nr, m.org_id, a.daten FROM meldung_anlage a "
			     "JOIN meldung m ON m.id = a.meldung_id JOIN organisation o ON o.id = m.org_id "
			     "WHERE a.id = ? AND m.status <> 'entwurf' AND o.kasse = ?",
			     DBARGS(DI(id), DS(cfg.kasse_nummer)));
	if (!d) {
		db_fail(r);
		return;
	}
	if (d->nrows != 1) {
		page_error(r, 404, "Dieses Dokument gibt es nicht.");
		return;
	}
	struct meldung m = {.person_nr = db_str(d, 0, 3), .org_id = db_int(d, 0, 4)};
	snprintf(m.aktenzeichen, sizeof m.aktenzeichen, "%s", db_str(d, 0, 2));
	if (zugriff_schreiben(r, &m, "ansehen") != 0) {
		db_fail(r);
		return;
	}
	const db_cell *data = db_get(d, 0, 5);
	resp_attachment(r, document_name(r->a, db_str(d, 0, 0), db_str(d, 0, 1)), "application/pdf", data->s, data->len);
}
