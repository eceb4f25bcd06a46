/* page_kasse_nachrichten.c — SPEC §15 for the fund clerk (fach): the Kasse's one inbox of
 * everything the organisations sent (across organisations, newest first, filters, paging), the
 * read state for the fund (sql/018: who of the Kasse opened it first, and when), a message with
 * its documents, "Antworten" and "Neue Nachricht" into an organisation's mailbox — through
 * kasse_message_send (messages.c), which `mvctl message send` calls too. */
#include "pages.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "form.h"
#include "html.h"
#include "pager.h"
#include "layout.h"
#include "message_parts.h"
#include "messages.h"
#include "response.h"
#include <stddef.h>
#include <string.h>

#define S(x) ((x) ? (x) : "")
#define COUNT_CAP 101 /* the inbox counts at most this many rows ("mehr als 100"): flat cost */
#define NO_MESSAGE "Diese Nachricht gibt es nicht."
#define NO_DOCUMENT "Dieses Dokument gibt es nicht."
enum { BOX_ALL = -2, BOX_PERSONAL = -1 }; /* the mailbox filter: all, the personal ones, or a group */

static const char *box_label(req *r, int box, const char *owner)
{
	if (box >= 0 && box < GRUPPE__MAX)
		return gruppe_name[box];
	return owner && *owner ? arena_printf(r->a, "Persönlich (%s)", owner) : "Persönlich";
}

static const char *box_slug(int box)
{
	return box >= 0 && box < GRUPPE__MAX ? gruppe_slug[box] : "persoenlich";
}

/* "JJJJ-MM-TT" → "TT.MM.JJJJ" (the filter shown as the form asks for it). */
static const char *date_shown(req *r, const char *iso)
{
	if (!iso || strlen(iso) != 10)
		return iso;
	return arena_printf(r->a, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
}

/* ---------- the inbox ---------- */

struct inbox_filter {
	const char *pnr, *gruppe, *ungelesen, *von, *bis, *seite, *pro_seite, *ok;
};

#define DATE_INVALID "Bitte geben Sie ein Datum im Format TT.MM.JJJJ ein."
static const form_field inbox_fields[] = {
	{"pnr", "Organisation (PNR)", FT_TEXT, FF_KEEP, 20, check_digits, NULL, "Die PNR besteht nur aus Ziffern.", "off",
	 offsetof(struct inbox_filter, pnr)},
	{"gruppe", "Postfach", FT_TEXT, FF_KEEP, 40, NULL, NULL, NULL, NULL, offsetof(struct inbox_filter, gruppe)},
	{"ungelesen", "Nur ungelesene", FT_TEXT, FF_KEEP, 5, NULL, NULL, NULL, NULL, offsetof(struct inbox_filter, ungelesen)},
	{"von", "Eingang von", FT_DATE, FF_KEEP, 10, check_date, NULL, DATE_INVALID, "off", offsetof(struct inbox_filter, von)},
	{"bis", "Eingang bis", FT_DATE, FF_KEEP, 10, check_date, NULL, DATE_INVALID, "off", offsetof(struct inbox_filter, bis)},
	{"seite", "Seite", FT_NUMERIC, 0, 0, NULL, NULL, NULL, NULL, offsetof(struct inbox_filter, seite)},
	{"pro_seite", "Elemente pro Seite", FT_NUMERIC, 0, 0, NULL, NULL, NULL, NULL, offsetof(struct inbox_filter, pro_seite)},
	{"ok", "Hinweis", FT_TEXT, 0, 20, NULL, NULL, NULL, NULL, offsetof(struct inbox_filter, ok)},
};
enum { F_PNR, F_GRUPPE, F_UNGELESEN, F_VON, F_BIS };

struct inbox_row {
	long long id, documents;
	const char *eingang, *org, *pnr, *box, *slug, *absender, *betreff;
	bool unread;
};

struct inbox_view {
	struct inbox_filter in;
	long long org_id;      /* 0: all organisations */
	int box;               /* BOX_ALL, BOX_PERSONAL or a group */
	bool unread_only;
	const char *von, *bis; /* JJJJ-MM-TT; the whole time if not given */
	const char *note;      /* after sending or marking */
	long long page, size, total, pages; /* total up to COUNT_CAP */
	struct inbox_row *rows;
	size_t n;
};

/* The filters into v; each wrong one is an error at its field. */
static void inbox_filter_read(req *r, struct inbox_view *v)
{
	form_read(r, inbox_fields, ARRAY_LEN(inbox_fields), &v->in);
	v->box = BOX_ALL;
	if (v->in.gruppe && strcmp(v->in.gruppe, "persoenlich") == 0)
		v->box = BOX_PERSONAL;
	else if (v->in.gruppe && (v->box = gruppe_parse(v->in.gruppe)) < 0) {
		v->box = BOX_ALL;
		form_error(r, "gruppe", "Bitte wählen Sie ein Postfach aus der Liste.");
	}
	v->unread_only = str_eq(v->in.ungelesen, "1");
	v->von = v->in.von ? v->in.von : "1000-01-01";
	v->bis = v->in.bis ? v->in.bis : "9999-12-30";
	if (v->in.von && v->in.bis && strcmp(v->in.von, v->in.bis) > 0)
		form_error(r, "bis", "Das Ende des Zeitraums liegt vor seinem Anfang.");
	v->note = str_eq(v->in.ok, "gesendet")	  ? "Ihre Nachricht wurde an die Organisation gesendet."
		  : str_eq(v->in.ok, "ungelesen") ? "Die Nachricht ist wieder als ungelesen markiert."
						  : NULL;
	v->page = pager_page(v->in.seite);
	v->size = pager_size(v->in.pro_seite);
}

/* The organisation of the PNR filter; false on a database error (an unknown PNR is a field error). */
static bool inbox_org(req *r, struct inbox_view *v)
{
	if (!v->in.pnr || form_error_for(r, "pnr"))
		return true;
	db_res *o = db_query(r->a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ?",
			     DBARGS(DS(cfg.kasse_nummer), DS(v->in.pnr)));
	if (!o)
		return false;
	if (o->nrows == 0)
		form_error(r, "pnr", arena_printf(r->a, "Es gibt keine Organisation mit der PNR „%s“.", v->in.pnr));
	else
		v->org_id = db_int(o, 0, 0);
	return true;
}

/* The inbox's statements, one per driving index (sql/018), so each filter combination reads an
 * index in id order and stops after the page (no sort, no count beyond COUNT_CAP); each index
 * also holds erstellt and kasse_gelesen_am, so the count reads the index alone:
 * ORG_BOX (org_id, gruppe, ordner, id, …), ORG (org_id, ordner, id, …), BOX (ordner, gruppe, id, …),
 * UNREAD (ordner, kasse_gelesen_am, id, …), ALL (ordner, id, …). A NULL group parameter with <=>
 * is the personal mailboxes. The remaining filters (unread, period) are checked per index entry.
 * With an organisation (looked up by PNR in the Kasse) the count needs no join. */
enum inbox_plan { P_ORG_BOX, P_ORG, P_BOX, P_UNREAD, P_ALL };
#define IX_ORG_BOX "nachricht n FORCE INDEX (ix_nachricht_kasse_org_gruppe) "
#define IX_ORG "nachricht n FORCE INDEX (ix_nachricht_kasse_org) "
#define IX_BOX "nachricht n FORCE INDEX (ix_nachricht_kasse_gruppe) "
#define IX_UNREAD "nachricht n FORCE INDEX (ix_nachricht_kasse_ungelesen) "
#define IX_ALL "nachricht n FORCE INDEX (ix_nachricht_kasse) "
#define W_ORG_BOX "n.org_id = ? AND n.gruppe <=> ? AND n.ordner = 'gesendet' "
#define W_ORG "n.org_id = ? AND n.ordner = 'gesendet' "
#define W_BOX "n.ordner = 'gesendet' AND n.gruppe <=> ? AND o.kasse = ? "
#define W_UNREAD "n.ordner = 'gesendet' AND n.kasse_gelesen_am IS NULL AND o.kasse = ? "
#define W_ALL "n.ordner = 'gesendet' AND o.kasse = ? "
#define W_REST "AND (? = 0 OR n.kasse_gelesen_am IS NULL) AND n.erstellt >= ? AND n.erstellt < ? + INTERVAL 1 DAY "
#define ROWS_COLS                                                                                                      \
	"SELECT n.id, n.erstellt, o.name, o.pnr, COALESCE(n.gruppe, -1), COALESCE(CONCAT(k.vorname, ' ', k.name), ''), " \
	"n.absender, n.betreff, n.anhaenge, n.kasse_gelesen_am IS NULL FROM "
#define ROWS_JOIN "STRAIGHT_JOIN organisation o ON o.id = n.org_id LEFT JOIN account k ON k.id = n.konto_id WHERE "
#define ROWS_END "ORDER BY n.id DESC LIMIT ? OFFSET ?"
#define COUNT_COLS "SELECT COUNT(*) FROM (SELECT 1 FROM "
#define COUNT_JOIN "STRAIGHT_JOIN organisation o ON o.id = n.org_id WHERE "
#define COUNT_END "LIMIT 101) x"

static const char *const rows_sql[] = {
	ROWS_COLS IX_ORG_BOX ROWS_JOIN W_ORG_BOX W_REST ROWS_END, ROWS_COLS IX_ORG ROWS_JOIN W_ORG W_REST ROWS_END,
	ROWS_COLS IX_BOX ROWS_JOIN W_BOX W_REST ROWS_END,	  ROWS_COLS IX_UNREAD ROWS_JOIN W_UNREAD W_REST ROWS_END,
	ROWS_COLS IX_ALL ROWS_JOIN W_ALL W_REST ROWS_END,
};
static const char *const count_sql[] = {
	COUNT_COLS IX_ORG_BOX "WHERE " W_ORG_BOX W_REST COUNT_END, COUNT_COLS IX_ORG "WHERE " W_ORG W_REST COUNT_END,
	COUNT_COLS IX_BOX COUNT_JOIN W_BOX W_REST COUNT_END,	   COUNT_COLS IX_UNREAD COUNT_JOIN W_UNREAD W_REST COUNT_END,
	COUNT_COLS IX_ALL COUNT_JOIN W_ALL W_REST COUNT_END,
};

/* The plan's parameters into p (room for 8): its own, then W_REST's; the number written. */
static size_t inbox_params(const struct inbox_view *v, enum inbox_plan k, db_param *p)
{
	size_t n = 0;
	db_param box = v->box == BOX_PERSONAL ? DNULL : DI(v->box);
	if (k == P_ORG_BOX || k == P_ORG)
		p[n++] = DI(v->org_id);
	if (k == P_ORG_BOX || k == P_BOX)
		p[n++] = box;
	if (k != P_ORG_BOX && k != P_ORG)
		p[n++] = DS(cfg.kasse_nummer);
	p[n++] = DI(v->unread_only);
	p[n++] = DS(v->von);
	p[n++] = DS(v->bis);
	return n;
}

static enum inbox_plan inbox_plan(const struct inbox_view *v)
{
	if (v->org_id)
		return v->box != BOX_ALL ? P_ORG_BOX : P_ORG;
	if (v->box != BOX_ALL)
		return P_BOX;
	return v->unread_only ? P_UNREAD : P_ALL;
}

static void inbox_row_read(req *r, const db_res *res, size_t i, struct inbox_row *row)
{
	enum { COL_ID, COL_ZEIT, COL_ORG, COL_PNR, COL_GRUPPE, COL_OWNER, COL_ABSENDER, COL_BETREFF, COL_DOCS, COL_UNREAD };
	int box = (int)db_int(res, i, COL_GRUPPE);
	*row = (struct inbox_row){.id = db_int(res, i, COL_ID), .documents = db_int(res, i, COL_DOCS),
				  .eingang = time_de(r->a, db_str(res, i, COL_ZEIT), TIME_MINUTES),
				  .org = db_str(res, i, COL_ORG), .pnr = db_str(res, i, COL_PNR),
				  .box = box_label(r, box, db_str(res, i, COL_OWNER)), .slug = box_slug(box),
				  .absender = db_str(res, i, COL_ABSENDER), .betreff = db_str(res, i, COL_BETREFF),
				  .unread = db_int(res, i, COL_UNREAD) == 1};
}

static bool inbox_load(req *r, struct inbox_view *v)
{
	enum inbox_plan k = inbox_plan(v);
	db_param p[10];
	size_t n = inbox_params(v, k, p);
	db_res *cnt = db_query(r->a, count_sql[k], p, n);
	if (!cnt)
		return false;
	v->total = db_int(cnt, 0, 0);
	v->pages = v->total ? (v->total + v->size - 1) / v->size : 1;
	if (v->page > v->pages && v->total < COUNT_CAP)
		v->page = v->pages;
	p[n] = DI(v->size);
	p[n + 1] = DI((v->page - 1) * v->size);
	db_res *res = db_query(r->a, rows_sql[k], p, n + 2);
	if (!res)
		return false;
	v->n = res->nrows;
	v->rows = arena_alloc(r->a, (res->nrows ? res->nrows : 1) * sizeof *v->rows);
	for (size_t i = 0; i < res->nrows; i++)
		inbox_row_read(r, res, i, &v->rows[i]);
	return true;
}

static void inbox_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct inbox_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "nachrichten");
	for (size_t i = 0; i < v->n; i++) {
		const struct inbox_row *row = &v->rows[i];
		cJSON *m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "id", (double)row->id);
		cJSON_AddStringToObject(m, "eingang", row->eingang);
		cJSON_AddStringToObject(m, "organisation", row->org);
		cJSON_AddStringToObject(m, "pnr", row->pnr);
		cJSON_AddStringToObject(m, "postfach", row->slug);
		cJSON_AddStringToObject(m, "postfach_name", row->box);
		cJSON_AddStringToObject(m, "absender", row->absender);
		cJSON_AddStringToObject(m, "betreff", row->betreff);
		cJSON_AddNumberToObject(m, "anhaenge", (double)row->documents);
		cJSON_AddBoolToObject(m, "ungelesen", row->unread);
		cJSON_AddItemToArray(arr, m);
	}
	cJSON_AddNumberToObject(o, "gesamt", (double)v->total);
	cJSON_AddBoolToObject(o, "gesamt_gekappt", v->total >= COUNT_CAP);
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
	cJSON_AddNumberToObject(o, "pro_seite", (double)v->size);
}

/* The mailbox select: "Alle", "Persönliche Postfächer", the six groups; selected is the box. */
static void box_select(sbuf *b, const char *id, const char *first, bool personal, int selected, const char *err)
{
	h_printf(b, "<select id=\"%s\" name=\"gruppe\"", id);
	if (err)
		h_printf(b, " aria-invalid=\"true\" aria-describedby=\"%s-fehler\"", id);
	h_printf(b, "><option value=\"\"%s>%s</option>", selected == BOX_ALL ? " selected" : "", first);
	if (personal)
		h_printf(b, "<option value=\"persoenlich\"%s>Persönliche Postfächer</option>",
			 selected == BOX_PERSONAL ? " selected" : "");
	for (int g = 0; g < GRUPPE__MAX; g++)
		h_printf(b, "<option value=\"%s\"%s>%s</option>", gruppe_slug[g], selected == g ? " selected" : "",
			 gruppe_name[g]);
	h_raw(b, "</select>");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"%s-fehler\">%s</p>", id, err);
}

static void inbox_filter_html(req *r, sbuf *b, const struct inbox_view *v)
{
	h_raw(b, "<form class=\"filter\" method=\"get\" action=\"/kasse/nachrichten\" role=\"search\" "
		 "aria-label=\"Nachrichten filtern\"><div class=\"field-row\">");
	filter_input(r, b, &inbox_fields[F_PNR], v->in.pnr);
	const char *err = form_error_for(r, "gruppe");
	h_printf(b, "<div class=\"field%s\"><label for=\"filter-gruppe\">Postfach</label>", err ? " has-error" : "");
	box_select(b, "filter-gruppe", "Alle", true, v->box, err);
	h_raw(b, "</div>");
	filter_input(r, b, &inbox_fields[F_VON], date_shown(r, v->in.von));
	filter_input(r, b, &inbox_fields[F_BIS], date_shown(r, v->in.bis));
	h_printf(b, "</div><div class=\"field checkbox\"><input type=\"checkbox\" id=\"filter-ungelesen\" name=\"ungelesen\" "
		    "value=\"1\"%s><label for=\"filter-ungelesen\">Nur ungelesene</label></div>"
		    "<input type=\"hidden\" name=\"pro_seite\" value=\"%lld\"><div class=\"actions left\">"
		    "<button type=\"submit\" class=\"btn\">Filtern</button>"
		    "<a class=\"btn secondary\" href=\"/kasse/nachrichten\">Filter zurücksetzen</a></div></form>",
		 v->unread_only ? " checked" : "", v->size);
}

static void inbox_table_html(req *r, sbuf *b, const struct inbox_view *v)
{
	table_open(b, "Nachrichten", NULL,
		   TABLE_COLS("Eingang", "Organisation", "Postfach", "Absender", "Betreff", "Anhang", "Status"));
	for (size_t i = 0; i < v->n; i++) {
		const struct inbox_row *row = &v->rows[i];
		const char *docs = row->documents ? arena_printf(r->a, "%lld %s", row->documents,
								  row->documents == 1 ? "Dokument" : "Dokumente")
						  : "";
		if (row->unread)
			h_raw(b, "<tr class=\"unread\">");
		else
			h_raw(b, "<tr>");
		h_printf(b, "<td>%s</td><td>%s (PNR: %s)</td><td>%s</td><td>%s</td><td><a href=\"%s\">%s</a></td><td>%s</td>"
			    "<td>%s</td></tr>",
			 row->eingang, row->org, row->pnr, row->box, row->absender,
			 url_printf(r->a, "/kasse/nachrichten/%lld", row->id), row->betreff, docs,
			 row->unread ? "ungelesen" : "gelesen");
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"7\">Keine Nachrichten.</td></tr>");
	table_close(b);
}

static const char *inbox_url(req *r, const void *view, long long page)
{
	const struct inbox_view *v = view;
	return url_printf(r->a, "/kasse/nachrichten?pnr=%s&gruppe=%s&ungelesen=%s&von=%s&bis=%s&seite=%lld&pro_seite=%lld",
			  S(v->in.pnr), v->box == BOX_ALL ? "" : box_slug(v->box), v->unread_only ? "1" : "",
			  S(date_shown(r, v->in.von)), S(date_shown(r, v->in.bis)), page, v->size);
}

/* The filters as hidden fields of the "Elemente pro Seite" form. */
static void inbox_hidden_html(req *r, sbuf *b, const void *view)
{
	const struct inbox_view *v = view;
	if (v->in.pnr)
		h_printf(b, "<input type=\"hidden\" name=\"pnr\" value=\"%s\">", v->in.pnr);
	if (v->box != BOX_ALL)
		h_printf(b, "<input type=\"hidden\" name=\"gruppe\" value=\"%s\">", box_slug(v->box));
	if (v->unread_only)
		h_raw(b, "<input type=\"hidden\" name=\"ungelesen\" value=\"1\">");
	if (v->in.von)
		h_printf(b, "<input type=\"hidden\" name=\"von\" value=\"%s\">", S(date_shown(r, v->in.von)));
	if (v->in.bis)
		h_printf(b, "<input type=\"hidden\" name=\"bis\" value=\"%s\">", S(date_shown(r, v->in.bis)));
}

static void inbox_html(req *r, sbuf *b, const void *view)
{
	const struct inbox_view *v = view;
	h_raw(b, "<div class=\"card\"><div class=\"title-row\"><h1>Nachrichten</h1>"
		 "<a class=\"btn\" href=\"/kasse/nachrichten/neu\">Neue Nachricht</a></div>"
		 "<p class=\"lead\">Alles, was die Organisationen an die Kasse geschickt haben, das Neueste zuerst.</p>");
	if (v->note)
		alert_box(b, "success", v->note);
	inbox_filter_html(r, b, v);
	inbox_table_html(r, b, v);
	pager_html(r, b, &(pager){.page = v->page, .size = v->size, .total = v->total, .cap = COUNT_CAP, .shown = v->n,
				  .action = "/kasse/nachrichten", .hidden = inbox_hidden_html, .url = inbox_url, .view = v});
	h_raw(b, "</div>");
}

static const page_kind inbox_page = {"Nachrichten", inbox_html, inbox_json, NULL};

void kasse_inbox(req *r)
{
	struct inbox_view *v = arena_alloc(r->a, sizeof *v);
	inbox_filter_read(r, v);
	if (!inbox_org(r, v)) {
		db_fail(r);
		return;
	}
	if (r->nerrors) {
		page_render(r, 422, &inbox_page, v);
		return;
	}
	if (!inbox_load(r, v)) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &inbox_page, v);
}

/* ---------- one message ---------- */

struct kmessage {
	long long id, org_id, konto_id;
	int box;
	bool to_kasse; /* sent by the organisation (else: by the Kasse) */
	const char *org_line, *box_name, *kennung, *absender, *betreff, *text, *datum;
	const char *gelesen; /* "Vorname Name am …" of the Kasse, or NULL */
};

static void kmessage_read(req *r, const db_res *m, struct kmessage *out)
{
	enum { COL_ID, COL_ORG, COL_GRUPPE, COL_ORDNER, COL_ABSENDER, COL_BETREFF, COL_TEXT, COL_ZEIT, COL_LINE,
	       COL_KONTO, COL_KENNUNG, COL_OWNER, COL_LESER, COL_GELESEN };
	int box = (int)db_int(m, 0, COL_GRUPPE);
	*out = (struct kmessage){
		.id = db_int(m, 0, COL_ID), .org_id = db_int(m, 0, COL_ORG), .konto_id = db_int(m, 0, COL_KONTO), .box = box,
		.to_kasse = strcmp(db_str(m, 0, COL_ORDNER), "gesendet") == 0, .org_line = db_str(m, 0, COL_LINE),
		.box_name = box_label(r, box, db_str(m, 0, COL_OWNER)), .kennung = db_str(m, 0, COL_KENNUNG),
		.absender = db_str(m, 0, COL_ABSENDER), .betreff = db_str(m, 0, COL_BETREFF), .text = db_str(m, 0, COL_TEXT),
		.datum = time_de(r->a, db_str(m, 0, COL_ZEIT), TIME_MINUTES)};
	if (db_str(m, 0, COL_GELESEN))
		out->gelesen = arena_printf(r->a, "%s am %s", db_str(m, 0, COL_LESER),
					    time_de(r->a, db_str(m, 0, COL_GELESEN), TIME_MINUTES));
}

/* A message between the Kasse and one of its organisations (either direction). */
static enum lookup kmessage_load(req *r, long long id, struct kmessage *out)
{
	db_res *m = db_query(r->a,
		"SELECT n.id, n.org_id, COALESCE(n.gruppe, -1), n.ordner, n.absender, n.betreff, n.text, n.erstellt, "
		"CONCAT(o.name, ' (', o.bereich, ') (PNR: ', o.pnr, ', Abr: ', o.abr, ')'), COALESCE(n.konto_id, 0), "
		"COALESCE(k.kennung, ''), COALESCE(CONCAT(k.vorname, ' ', k.name), ''), "
		"COALESCE(CONCAT(g.vorname, ' ', g.name), ''), n.kasse_gelesen_am "
		"FROM nachricht n JOIN organisation o ON o.id = n.org_id LEFT JOIN account k ON k.id = n.konto_id "
		"LEFT JOIN account g ON g.id = n.kasse_gelesen_von WHERE n.id = ? AND o.kasse = ?",
		DBARGS(DI(id), DS(cfg.kasse_nummer)));
	if (!m)
		return LOOKUP_DB_ERROR;
	if (m->nrows != 1)
		return LOOKUP_NONE;
	kmessage_read(r, m, out);
	return LOOKUP_FOUND;
}

struct kmessage_view {
	struct kmessage msg;
	struct documents docs;
};

static void kmessage_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct kmessage_view *v = view;
	const struct kmessage *m = &v->msg;
	cJSON_AddNumberToObject(o, "id", (double)m->id);
	cJSON_AddStringToObject(o, "organisation", m->org_line);
	cJSON_AddStringToObject(o, "postfach", box_slug(m->box));
	cJSON_AddStringToObject(o, "postfach_name", m->box_name);
	if (m->box == BOX_PERSONAL)
		cJSON_AddStringToObject(o, "kennung", m->kennung);
	cJSON_AddStringToObject(o, "richtung", m->to_kasse ? "an_kasse" : "an_mitglied");
	cJSON_AddStringToObject(o, "absender", m->absender);
	cJSON_AddStringToObject(o, "betreff", m->betreff);
	cJSON_AddStringToObject(o, "text", m->text);
	cJSON_AddStringToObject(o, "datum", m->datum);
	if (m->to_kasse)
		cJSON_AddBoolToObject(o, "ungelesen", m->gelesen == NULL);
	if (m->gelesen)
		cJSON_AddStringToObject(o, "gelesen", m->gelesen);
	documents_json(o, &v->docs);
}


static const char *kmessage_title(const void *view)
{
	const char *betreff = ((const struct kmessage_view *)view)->msg.betreff;
	return betreff ? betreff : "";
}

static void kmessage_actions_html(req *r, sbuf *b, const struct kmessage *m)
{
	h_raw(b, "<div class=\"actions left\">");
	if (m->to_kasse)
		h_printf(b, "<a class=\"btn\" href=\"%s\">Antworten</a>", url_printf(r->a, "/kasse/nachrichten/neu?antwort=%lld", m->id));
	h_raw(b, "<a class=\"btn secondary\" href=\"/kasse/nachrichten\">Zurück</a></div>");
	if (m->to_kasse && m->gelesen) {
		form_open(r, b, url_printf(r->a, "/kasse/nachrichten/%lld/ungelesen", m->id), false);
		h_raw(b, "<div class=\"actions left\"><button type=\"submit\" class=\"btn secondary\">Als ungelesen markieren"
			 "</button></div>");
		form_close(b);
	}
}

static void kmessage_html(req *r, sbuf *b, const void *view)
{
	const struct kmessage_view *v = view;
	const struct kmessage *m = &v->msg;
	h_printf(b, "<div class=\"card\"><h1>%s</h1><dl class=\"data\"><dt>Organisation</dt><dd>%s</dd>"
		    "<dt>Postfach</dt><dd>%s</dd><dt>Richtung</dt><dd>%s</dd><dt>Absender</dt><dd>%s</dd>"
		    "<dt>Datum</dt><dd>%s</dd>",
		 kmessage_title(v), m->org_line, m->box_name, m->to_kasse ? "an die Kasse" : "von der Kasse", m->absender,
		 m->datum);
	if (m->gelesen)
		h_printf(b, "<dt>Gelesen (Kasse)</dt><dd>%s</dd>", m->gelesen);
	h_printf(b, "</dl><div class=\"message-text\">%s</div>", m->text);
	documents_html(r, b, &v->docs, DOCS_KASSE);
	kmessage_actions_html(r, b, m);
	h_raw(b, "</div>");
}

static const page_kind kmessage_page = {"Nachricht", kmessage_html, kmessage_json, kmessage_title};

void kasse_message_show(req *r)
{
	long long id;
	struct kmessage_view *v = arena_alloc(r->a, sizeof *v);
	if (lookup_answered(r, path_id(r, &id), NO_MESSAGE) ||
	    lookup_answered(r, kmessage_load(r, id, &v->msg), NO_MESSAGE))
		return;
	/* opening marks it read for the fund (the first reader stays); a HEAD reads nothing */
	if (v->msg.to_kasse && !v->msg.gelesen && !r->is_head) {
		if (db_exec("UPDATE nachricht SET kasse_gelesen_von = ?, kasse_gelesen_am = NOW() "
			    "WHERE id = ? AND ordner = 'gesendet' AND kasse_gelesen_am IS NULL",
			    DBARGS(DI(r->me->id), DI(id)), NULL, NULL) != 0 ||
		    kmessage_load(r, id, &v->msg) != LOOKUP_FOUND) {
			db_fail(r);
			return;
		}
	}
	if (!documents_load(r, v->msg.id, &v->docs)) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &kmessage_page, v);
}

void kasse_message_unread(req *r)
{
	long long id;
	struct kmessage msg;
	if (lookup_answered(r, path_id(r, &id), NO_MESSAGE) || lookup_answered(r, kmessage_load(r, id, &msg), NO_MESSAGE))
		return;
	if (!msg.to_kasse) {
		page_error(r, 404, NO_MESSAGE);
		return;
	}
	if (db_exec("UPDATE nachricht SET kasse_gelesen_von = NULL, kasse_gelesen_am = NULL WHERE id = ?", DBARGS(DI(id)),
		    NULL, NULL) != 0) {
		db_fail(r);
		return;
	}
	redirect(r, "/kasse/nachrichten?ok=ungelesen");
}

/* ---------- download of a document ---------- */

void kasse_attachment_download(req *r)
{
	long long id;
	if (lookup_answered(r, path_id(r, &id), NO_DOCUMENT))
		return;
	db_res *a = db_query(r->a,
			     "SELECT a.dateiname, a.typ FROM anhang a JOIN nachricht n ON n.id = a.nachricht_id "
			     "JOIN organisation o ON o.id = n.org_id WHERE a.id = ? AND o.kasse = ?",
			     DBARGS(DI(id), DS(cfg.kasse_nummer)));
	if (lookup_answered(r, !a ? LOOKUP_DB_ERROR : a->nrows == 1 ? LOOKUP_FOUND : LOOKUP_NONE, NO_DOCUMENT))
		return;
	db_res *c = db_query(r->a, "SELECT daten FROM anhang WHERE id = ?", DBARGS(DI(id)));
	if (lookup_answered(r, !c ? LOOKUP_DB_ERROR : c->nrows == 1 ? LOOKUP_FOUND : LOOKUP_NONE, NO_DOCUMENT))
		return;
	const db_cell *data = db_get(c, 0, 0);
	const char *type = db_str(a, 0, 1);
	resp_attachment(r, document_name(r->a, db_str(a, 0, 0), type), type, data->s, data->len);
}

/* ---------- new message and reply ---------- */

struct kcompose_form {
	const char *pnr, *gruppe, *kennung;
};

static const form_field kcompose_fields[] = {
	{"pnr", "PNR der Organisation", FT_TEXT, FF_KEEP, 20, check_digits, NULL, "Die PNR besteht nur aus Ziffern.", "off",
	 offsetof(struct kcompose_form, pnr)},
	{"gruppe", "Gruppenpostfach", FT_TEXT, FF_KEEP, 40, NULL, NULL, NULL, NULL, offsetof(struct kcompose_form, gruppe)},
	{"kennung", "oder Nutzerkennung (persönliches Postfach)", FT_TEXT, FF_KEEP, 40, NULL, NULL, NULL, "off",
	 offsetof(struct kcompose_form, kennung)},
};
enum { C_PNR, C_GRUPPE, C_KENNUNG };

struct kcompose_view {
	bool has_reply;
	struct kmessage reply; /* the message answered: its mailbox is the recipient */
	struct quoted_message quoted; /* the same, as the form shows it */
	struct kcompose_form in;   /* the recipient, unless a reply */
	struct message_body body;
};

/* The message answered (?antwort= / field antwort): one the organisation sent; false after answering. */
static bool kcompose_setup(req *r, struct kcompose_view *v)
{
	const char *antwort = form_get(r, "antwort");
	if (!antwort || !*antwort)
		return true;
	long long id;
	enum lookup l = parse_int(antwort, 1, 1LL << 62, &id) == 0 ? kmessage_load(r, id, &v->reply) : LOOKUP_NONE;
	if (l == LOOKUP_FOUND && !v->reply.to_kasse)
		l = LOOKUP_NONE;
	v->has_reply = l == LOOKUP_FOUND;
	if (v->has_reply)
		v->quoted = (struct quoted_message){v->reply.betreff, v->reply.absender, v->reply.datum, v->reply.text};
	return !lookup_answered(r, l, NO_MESSAGE);
}

static const char *kcompose_title(const void *view)
{
	return ((const struct kcompose_view *)view)->has_reply ? "Antworten" : "Neue Nachricht";
}

static void kcompose_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct kcompose_view *v = view;
	cJSON_AddStringToObject(o, "titel", kcompose_title(v));
	cJSON_AddNumberToObject(o, "max_dokumente", (double)cfg.upload_max_files);
	cJSON_AddNumberToObject(o, "max_bytes_je_dokument", (double)cfg.upload_max_bytes);
	if (v->has_reply) {
		cJSON *m = cJSON_AddObjectToObject(o, "antwort_auf");
		cJSON_AddNumberToObject(m, "id", (double)v->reply.id);
		cJSON_AddStringToObject(m, "organisation", v->reply.org_line);
		cJSON_AddStringToObject(m, "postfach", box_slug(v->reply.box));
		cJSON_AddStringToObject(m, "betreff", v->reply.betreff);
	}
}

static void kcompose_recipient_html(req *r, sbuf *b, const struct kcompose_view *v)
{
	if (v->has_reply) {
		h_printf(b, "<input type=\"hidden\" name=\"antwort\" value=\"%lld\"><dl class=\"data\"><dt>An</dt><dd>%s</dd>"
			    "<dt>Postfach</dt><dd>%s</dd></dl>",
			 v->reply.id, v->reply.org_line, v->reply.box_name);
		return;
	}
	form_fields(r, b, &kcompose_fields[C_PNR], 1, &v->in);
	const char *err = form_error_for(r, "gruppe");
	int g = v->in.gruppe ? gruppe_parse(v->in.gruppe) : -1;
	h_printf(b, "<div class=\"field%s\"><label for=\"f-gruppe\">Gruppenpostfach</label>", err ? " has-error" : "");
	box_select(b, "f-gruppe", "keins (persönliches Postfach)", false, g < 0 ? BOX_ALL : g, err);
	h_raw(b, "</div>");
	form_fields(r, b, &kcompose_fields[C_KENNUNG], 1, &v->in);
}

static void kcompose_html(req *r, sbuf *b, const void *view)
{
	const struct kcompose_view *v = view;
	h_printf(b, "<div class=\"card\"><h1>%s</h1><p class=\"lead\">Nachricht der Kasse an ein Gruppenpostfach oder das "
		    "persönliche Postfach eines Sachbearbeiters einer Organisation.</p>",
		 kcompose_title(v));
	required_note(b);
	form_open(r, b, "/kasse/nachrichten/neu", true);
	kcompose_recipient_html(r, b, v);
	message_body_html(r, b, &v->body,
			  v->has_reply ? url_printf(r->a, "/kasse/nachrichten/%lld", v->reply.id) : "/kasse/nachrichten",
			  v->has_reply ? &v->quoted : NULL);
	h_raw(b, "</div>");
}

static const page_kind kcompose_page = {"Neue Nachricht", kcompose_html, kcompose_json, kcompose_title};

static void kcompose_show(req *r, int status, struct kcompose_view *v)
{
	message_body_reply(r, &v->body, v->has_reply ? &v->quoted : NULL);
	page_render(r, status, &kcompose_page, v);
}

void kasse_compose_get(req *r)
{
	struct kcompose_view *v = arena_alloc(r->a, sizeof *v);
	if (!kcompose_setup(r, v))
		return;
	form_prefill(r, kcompose_fields, ARRAY_LEN(kcompose_fields), &v->in);
	message_body_prefill(r, &v->body);
	kcompose_show(r, 200, v);
}

/* The recipient into m and *target: the mailbox of the message answered, or the one named by
 * PNR and a group or a Nutzerkennung; each problem an error at its field. false on a database error. */
static bool kcompose_recipient(req *r, const struct kcompose_view *v, struct message_new *m, const char **target)
{
	if (v->has_reply) {
		*m = (struct message_new){.org_id = v->reply.org_id, .gruppe = v->reply.box >= 0 ? v->reply.box : -1,
					  .konto_id = v->reply.box >= 0 ? 0 : v->reply.konto_id};
		*target = v->reply.box >= 0 ? gruppe_slug[v->reply.box] : v->reply.kennung;
		return true;
	}
	const struct kcompose_form *in = &v->in;
	if (!in->pnr && !form_error_for(r, "pnr"))
		form_error(r, "pnr", "Bitte geben Sie die PNR der Organisation ein.");
	if (in->gruppe && in->kennung)
		form_error(r, "gruppe", "Bitte wählen Sie entweder ein Gruppenpostfach oder eine Nutzerkennung, nicht beides.");
	else if (!in->gruppe && !in->kennung)
		form_error(r, "gruppe", "Bitte wählen Sie ein Gruppenpostfach oder geben Sie die Nutzerkennung eines "
					"Sachbearbeiters an.");
	if (r->nerrors && (form_error_for(r, "pnr") || form_error_for(r, "gruppe")))
		return true;
	switch (kasse_recipient(r->a, in->pnr, in->gruppe, in->kennung, m, target)) {
	case KT_OK: return true;
	case KT_NO_ORG:
		form_error(r, "pnr", arena_printf(r->a, "Es gibt keine Organisation mit der PNR „%s“.", in->pnr));
		return true;
	case KT_BAD_GROUP: form_error(r, "gruppe", "Bitte wählen Sie ein Gruppenpostfach aus der Liste."); return true;
	case KT_NO_SB:
		form_error(r, "kennung", arena_printf(r->a, "In dieser Organisation gibt es keinen Sachbearbeiter mit der "
							   "Nutzerkennung „%s“.", in->kennung));
		return true;
	default: return false;
	}
}

void kasse_compose_post(req *r)
{
	struct kcompose_view *v = arena_alloc(r->a, sizeof *v);
	if (!kcompose_setup(r, v))
		return;
	form_read_text(r, kcompose_fields, ARRAY_LEN(kcompose_fields), &v->in);
	message_body_read(r, &v->body);
	struct message_new m = {0};
	const char *target = NULL, *why = NULL;
	if (!kcompose_recipient(r, v, &m, &target)) {
		db_fail(r);
		return;
	}
	if (!documents_check(r))
		return;
	if (r->nerrors) {
		kcompose_show(r, 422, v);
		return;
	}
	m.betreff = v->body.betreff;
	m.text = v->body.nachricht;
	m.antwort_auf = v->has_reply ? v->reply.id : 0;
	m.files = r->uploads.items;
	m.nfiles = r->uploads.n;
	long long id;
	enum kasse_send s = kasse_message_send(&r->who, &m, target, &id, &why);
	if (s == KS_BAD_DOCUMENT) {
		form_error(r, "anhang", why);
		kcompose_show(r, 422, v);
		return;
	}
	if (s != KS_OK) {
		db_fail(r);
		return;
	}
	if (r->want_json)
		cJSON_AddNumberToObject(json_obj(r), "id", (double)id);
	redirect(r, "/kasse/nachrichten?ok=gesendet");
}
