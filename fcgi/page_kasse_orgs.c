/* page_kasse_orgs.c — SPEC §15 "portaladmin", handbook §1.1 and §1.7 from the Kasse's side: the
 * organisations of the Kasse (list with search and paging, "Organisation anlegen", the
 * organisation with its administrators and Funktionseinschränkungen), "Administrator anlegen"
 * and "Administrator bearbeiten". Every change goes through orgs.c, as `mvctl` does, and is
 * written as the logged-in K account. */
#include "pages.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "form.h"
#include "html.h"
#include "pager.h"
#include "layout.h"
#include "orgs.h"
#include "response.h"
#include <stddef.h>
#include <string.h>

#define ORGS_PAGE 20
#define ADMINS_SHOWN 200

/* ---------- the list ---------- */

struct orgs_filter {
	const char *suche, *seite;
};

static const form_field orgs_fields[] = {
	{"suche", "Name, PNR oder Abr", FT_TEXT, FF_KEEP, 200, NULL, NULL, NULL, NULL, offsetof(struct orgs_filter, suche)},
	{"seite", "Seite", FT_NUMERIC, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct orgs_filter, seite)},
};

struct org_row {
	const char *name, *bereich, *pnr, *abr;
	long long admins;
};

struct orgs_view {
	const char *suche;
	long long total, page, pages;
	size_t n;
	struct org_row rows[ORGS_PAGE];
};

/* Name, PNR or Abr hold the search text anywhere (the collation folds case and accents). */
#define ORGS_WHERE "o.kasse = ? AND (? = '' OR o.name LIKE ? OR o.pnr LIKE ? OR o.abr LIKE ?)"

static int orgs_load(req *r, const struct orgs_filter *in, struct orgs_view *v)
{
	enum { NAME, BEREICH, PNR, ABR, ADMINS };
	const char *s = in->suche ? in->suche : "", *like = sql_like_anywhere(r->a, s);
	db_res *cnt = db_query(r->a, "SELECT COUNT(*) FROM organisation o WHERE " ORGS_WHERE,
			       DBARGS(DS(cfg.kasse_nummer), DS(s), DS(like), DS(like), DS(like)));
	if (!cnt)
		return -1;
	v->suche = in->suche;
	v->total = db_int(cnt, 0, 0);
	v->pages = v->total ? (v->total + ORGS_PAGE - 1) / ORGS_PAGE : 1;
	if (!in->seite || parse_int(in->seite, 1, 1000000, &v->page) != 0)
		v->page = 1;
	if (v->page > v->pages)
		v->page = v->pages;
	db_res *res = db_query(r->a,
		"SELECT o.name, o.bereich, o.pnr, o.abr, (SELECT COUNT(*) FROM account a WHERE a.org_id = o.id "
		"AND a.rolle = 'X') FROM organisation o WHERE " ORGS_WHERE " ORDER BY o.name, o.pnr LIMIT ? OFFSET ?",
		DBARGS(DS(cfg.kasse_nummer), DS(s), DS(like), DS(like), DS(like), DI(ORGS_PAGE),
		       DI((v->page - 1) * ORGS_PAGE)));
	if (!res)
		return -1;
	for (size_t i = 0; i < res->nrows && v->n < ORGS_PAGE; i++)
		v->rows[v->n++] = (struct org_row){db_str(res, i, NAME), db_str(res, i, BEREICH), db_str(res, i, PNR),
						   db_str(res, i, ABR), db_int(res, i, ADMINS)};
	return 0;
}

static const char *orgs_page_url(req *r, const void *view, long long page)
{
	const struct orgs_view *v = view;
	return url_printf(r->a, "/kasse/organisationen?suche=%s&seite=%lld", v->suche ? v->suche : "", page);
}

static void orgs_html(req *r, sbuf *b, const void *view)
{
	const struct orgs_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Organisationen</h1><p class=\"lead\">Die Mitglieder der Kasse, ihre "
		 "Administratoren und Funktionseinschränkungen.</p>"
		 "<p><a class=\"btn\" href=\"/kasse/organisationen/neu\">Organisation anlegen</a></p>"
		 "<form class=\"filter\" method=\"get\" action=\"/kasse/organisationen\" role=\"search\" "
		 "aria-label=\"Organisationen suchen\"><div class=\"field-row\"><div class=\"field\">");
	h_printf(b, "<label for=\"filter-suche\">Name, PNR oder Abr</label><input id=\"filter-suche\" name=\"suche\" "
		    "type=\"search\" value=\"%s\"></div></div><div class=\"actions left\"><button type=\"submit\" "
		    "class=\"btn\">Suchen</button><a class=\"btn secondary\" href=\"/kasse/organisationen\">Suche "
		    "zurücksetzen</a></div></form>",
		 v->suche ? v->suche : "");
	table_open(b, "Organisationen", NULL, TABLE_COLS("Name", "Bereich", "PNR", "Abr", "Administratoren"));
	for (size_t i = 0; i < v->n; i++) {
		const struct org_row *o = &v->rows[i];
		h_printf(b, "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>%lld</td></tr>",
			 url_printf(r->a, "/kasse/organisationen/%s", o->pnr), o->name, o->bereich, o->pnr, o->abr, o->admins);
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"5\">Keine Organisationen gefunden.</td></tr>");
	table_close(b);
	pager_html(r, b, &(pager){.page = v->page, .size = ORGS_PAGE, .total = v->total, .shown = v->n,
				  .url = orgs_page_url, .view = v});
	h_raw(b, "</div>");
}

static void orgs_json(req *r, cJSON *o, const void *view)
{
	const struct orgs_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "organisationen");
	for (size_t i = 0; i < v->n; i++) {
		const struct org_row *row = &v->rows[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", row->name);
		cJSON_AddStringToObject(e, "bereich", row->bereich);
		cJSON_AddStringToObject(e, "pnr", row->pnr);
		cJSON_AddStringToObject(e, "abr", row->abr);
		cJSON_AddStringToObject(e, "mitglied", org_line(r->a, row->name, row->bereich, row->pnr, row->abr));
		cJSON_AddNumberToObject(e, "administratoren", (double)row->admins);
		cJSON_AddItemToArray(arr, e);
	}
	cJSON_AddNumberToObject(o, "gesamt", (double)v->total);
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
	cJSON_AddNumberToObject(o, "seiten", (double)v->pages);
}

static const page_kind orgs_page = {"Organisationen", orgs_html, orgs_json, NULL};

void kasse_orgs_list(req *r)
{
	struct orgs_filter in;
	form_read(r, orgs_fields, ARRAY_LEN(orgs_fields), &in);
	struct orgs_view *v = arena_alloc(r->a, sizeof *v);
	if (orgs_load(r, &in, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &orgs_page, v);
}

/* ---------- Organisation anlegen ---------- */

static const form_field org_fields[] = {
	{"name", "Name", FT_TEXT, FF_REQUIRED | FF_KEEP, 200, check_line, "Bitte geben Sie den Namen der Organisation ein.",
	 "Der Name darf höchstens 200 Zeichen lang sein und keine Steuerzeichen enthalten.", "off",
	 offsetof(struct org_new, name)},
	{"bereich", "Bereich", FT_TEXT, FF_REQUIRED | FF_KEEP, 100, check_line,
	 "Bitte geben Sie den Bereich ein (z. B. Beamtenversorgung).",
	 "Der Bereich darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.", "off",
	 offsetof(struct org_new, bereich)},
	{"pnr", "PNR", FT_NUMERIC, FF_REQUIRED | FF_KEEP, 20, check_digits, "Bitte geben Sie die PNR ein.",
	 "Die PNR besteht aus höchstens 20 Ziffern.", "off", offsetof(struct org_new, pnr)},
	{"abr", "Abr", FT_NUMERIC, FF_REQUIRED | FF_KEEP, 20, check_digits, "Bitte geben Sie die Abr ein.",
	 "Die Abr besteht aus höchstens 20 Ziffern.", "off", offsetof(struct org_new, abr)},
};

static void org_new_html(req *r, sbuf *b, const void *view)
{
	h_raw(b, "<div class=\"card\"><h1>Organisation anlegen</h1><p class=\"lead\">Ein neues Mitglied der Kasse. "
		 "Danach legen Sie seine Administratoren an.</p>");
	required_note(b);
	form_open(r, b, "/kasse/organisationen/neu", false);
	form_fields(r, b, org_fields, ARRAY_LEN(org_fields), view);
	h_raw(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/kasse/organisationen\">Abbrechen</a>"
		 "<button type=\"submit\" class=\"btn\">Organisation anlegen</button></div>");
	form_close(b);
	h_raw(b, "</div>");
}

static const page_kind org_new_page = {"Organisation anlegen", org_new_html, NULL, NULL};

void kasse_org_new_get(req *r)
{
	struct org_new *in = arena_alloc(r->a, sizeof *in);
	page_render(r, 200, &org_new_page, in);
}

void kasse_org_new_post(req *r)
{
	struct org_new *in = arena_alloc(r->a, sizeof *in);
	if (form_read(r, org_fields, ARRAY_LEN(org_fields), in)) {
		page_render(r, 422, &org_new_page, in);
		return;
	}
	unsigned long long id;
	int rc = org_add(&r->who, in, &id);
	if (rc == ORGS_EXISTS) {
		form_error(r, "pnr", arena_printf(r->a, "Eine Organisation mit der PNR %s gibt es bereits.", in->pnr));
		page_render(r, 422, &org_new_page, in);
		return;
	}
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (r->want_json)
		cJSON_AddStringToObject(json_obj(r), "mitglied", org_line(r->a, in->name, in->bereich, in->pnr, in->abr));
	redirect(r, url_printf(r->a, "/kasse/organisationen/%s", in->pnr));
}

/* ---------- the organisation ---------- */

struct admin_row {
	const char *kennung, *vorname, *name, *email, *status;
	bool self_locked;
};

struct org_view {
	org_info org;
	size_t n;
	struct admin_row *admins;
	const char *notice; /* after a change (PRG), or NULL */
};

/* The organisation named in the URL into *o, or a finished 404/5xx answer (returns false). */
static bool org_from_path(req *r, org_info *o)
{
	const char *pnr = r->path_arg;
	int found = pnr && *pnr && strspn(pnr, "0123456789") == strlen(pnr) ? org_find(r->a, pnr, o) : 0;
	if (found < 0)
		db_fail(r);
	else if (found == 0)
		page_error(r, 404, "Diese Organisation gibt es nicht.");
	return found == 1;
}

static int admins_load(req *r, struct org_view *v)
{
	enum { KENNUNG, VORNAME, NAME, EMAIL, STATUS, LOCKED };
	db_res *res = db_query(r->a,
		"SELECT kennung, vorname, name, email, status, COALESCE(locked_until > NOW(), 0) FROM account "
		"WHERE org_id = ? AND rolle = 'X' ORDER BY name, vorname, kennung LIMIT " "200",
		DBARGS(DI(v->org.id)));
	if (!res)
		return -1;
	v->admins = arena_alloc(r->a, (res->nrows + 1) * sizeof *v->admins);
	for (size_t i = 0; i < res->nrows && i < ADMINS_SHOWN; i++)
		v->admins[v->n++] = (struct admin_row){db_str(res, i, KENNUNG), db_str(res, i, VORNAME), db_str(res, i, NAME),
						       db_str(res, i, EMAIL), status_label(db_str(res, i, STATUS)),
						       db_int(res, i, LOCKED) == 1};
	return 0;
}

/* The notice after a change: only for an administrator listed here (nothing of the query string
 * is shown as it came). */
static const char *org_notice(req *r, const struct org_view *v)
{
	if (form_get(r, "gespeichert"))
		return "Die Funktionseinschränkungen wurden gespeichert.";
	const char *neu = form_get(r, "angelegt"), *geaendert = form_get(r, "geaendert");
	for (size_t i = 0; i < v->n; i++) {
		const struct admin_row *a = &v->admins[i];
		if (neu && strcmp(neu, a->kennung) == 0)
			return arena_printf(r->a, "Der Administrator %s (%s %s) wurde angelegt. Die E-Mail „Passwort "
						  "festlegen“ wurde an %s gesendet.", a->kennung, a->vorname, a->name, a->email);
		if (geaendert && strcmp(geaendert, a->kennung) == 0)
			return arena_printf(r->a, "Die Daten des Administrators %s wurden gespeichert.", a->kennung);
	}
	return NULL;
}

static void admins_html(req *r, sbuf *b, const struct org_view *v)
{
	h_printf(b, "<h2>Administratoren</h2><p><a class=\"btn\" href=\"%s\">Administrator anlegen</a></p>",
		 url_printf(r->a, "/kasse/organisationen/%s/administratoren/neu", v->org.pnr));
	table_open(b, "Administratoren", NULL,
		   TABLE_COLS("Nutzerkennung", "Name", "E-Mail-Adresse", "Benutzerstatus", NULL));
	for (size_t i = 0; i < v->n; i++) {
		const struct admin_row *a = &v->admins[i];
		h_printf(b, "<tr><td>%s</td><td>%s %s</td><td>%s</td><td>%s%s</td><td><a href=\"%s\" aria-label=\"%s "
			    "bearbeiten\">Bearbeiten</a></td></tr>",
			 a->kennung, a->vorname, a->name, a->email, a->status, a->self_locked ? " (vorübergehend gesperrt)" : "",
			 url_printf(r->a, "/kasse/administratoren/%s/bearbeiten", a->kennung),
			 arena_printf(r->a, "%s %s", a->vorname, a->name));
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"5\">Noch keine Administratoren.</td></tr>");
	table_close(b);
}

static void restrictions_html(req *r, sbuf *b, const struct org_view *v)
{
	const char *err = form_error_for(r, "recht");
	h_raw(b, "<h2>Funktionseinschränkungen</h2>");
	form_open(r, b, url_printf(r->a, "/kasse/organisationen/%s/einschraenkungen", v->org.pnr), false);
	h_printf(b, "<fieldset class=\"fieldset%s\"><legend>Rechte, die die Administratoren der Organisation vergeben "
		    "können</legend><p class=\"hint\">Ein angehaktes Recht steht der Organisation zur Verfügung; ein "
		    "nicht angehaktes ist ausgeschaltet und wird ihren Administratoren bei der Rechtevergabe nicht "
		    "angezeigt.</p>",
		 err ? " has-error" : "");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-recht-fehler\">%s</p>", err);
	for (int k = 0; k < RECHT__MAX; k++)
		h_printf(b, "<div class=\"checkbox\"><input type=\"checkbox\" id=\"f-recht-%s\" name=\"recht\" value=\"%s\"%s>"
			    "<label for=\"f-recht-%s\">%s</label></div>",
			 recht_key[k], recht_key[k], v->org.switched_off & (1u << k) ? "" : " checked", recht_key[k],
			 recht_label[k]);
	h_raw(b, "</fieldset><div class=\"actions left\"><button type=\"submit\" class=\"btn\">Funktionseinschränkungen "
		 "speichern</button></div>");
	form_close(b);
}

static void org_html(req *r, sbuf *b, const void *view)
{
	const struct org_view *v = view;
	const org_info *o = &v->org;
	h_printf(b, "<div class=\"card\"><p><a href=\"/kasse/organisationen\">Zurück zu den Organisationen</a></p>"
		    "<h1>%s</h1>",
		 o->name);
	if (v->notice)
		alert_box(b, "success", v->notice);
	h_printf(b, "<dl class=\"data\"><dt>Mitglied</dt><dd>%s</dd><dt>Bereich</dt><dd>%s</dd><dt>PNR</dt><dd>%s</dd>"
		    "<dt>Abr</dt><dd>%s</dd></dl>",
		 org_line(r->a, o->name, o->bereich, o->pnr, o->abr), o->bereich, o->pnr, o->abr);
	admins_html(r, b, v);
	restrictions_html(r, b, v);
	h_printf(b, "<p><a href=\"%s\">Protokoll dieser Organisation</a></p></div>",
		 url_printf(r->a, "/kasse/protokoll?pnr=%s", o->pnr));
}

static void org_json(req *r, cJSON *j, const void *view)
{
	const struct org_view *v = view;
	const org_info *o = &v->org;
	cJSON_AddStringToObject(j, "name", o->name);
	cJSON_AddStringToObject(j, "bereich", o->bereich);
	cJSON_AddStringToObject(j, "pnr", o->pnr);
	cJSON_AddStringToObject(j, "abr", o->abr);
	cJSON_AddStringToObject(j, "mitglied", org_line(r->a, o->name, o->bereich, o->pnr, o->abr));
	cJSON *arr = cJSON_AddArrayToObject(j, "administratoren");
	for (size_t i = 0; i < v->n; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "nutzerkennung", v->admins[i].kennung);
		cJSON_AddStringToObject(e, "vorname", v->admins[i].vorname);
		cJSON_AddStringToObject(e, "name", v->admins[i].name);
		cJSON_AddStringToObject(e, "email", v->admins[i].email);
		cJSON_AddStringToObject(e, "status", v->admins[i].status);
		cJSON_AddItemToArray(arr, e);
	}
	cJSON *on = cJSON_AddArrayToObject(j, "verfuegbar"), *off = cJSON_AddArrayToObject(j, "ausgeschaltet");
	for (int k = 0; k < RECHT__MAX; k++)
		cJSON_AddItemToArray(o->switched_off & (1u << k) ? off : on, cJSON_CreateString(recht_key[k]));
}

static const char *org_title(const void *view)
{
	return ((const struct org_view *)view)->org.name;
}

static const page_kind org_page = {"Organisation", org_html, org_json, org_title};

static void org_show(req *r, int status)
{
	struct org_view *v = arena_alloc(r->a, sizeof *v);
	if (!org_from_path(r, &v->org))
		return;
	if (admins_load(r, v) != 0) {
		db_fail(r);
		return;
	}
	v->notice = status == 200 ? org_notice(r, v) : NULL;
	page_render(r, status, &org_page, v);
}

void kasse_org_show(req *r)
{
	org_show(r, 200);
}

/* The ticked boxes: the rights that stay available; the others are switched off. */
void kasse_org_restrict(req *r)
{
	org_info o;
	if (!org_from_path(r, &o))
		return;
	const char *vals[16];
	size_t n = form_all(r, "recht", vals, ARRAY_LEN(vals));
	unsigned on = 0, all = (1u << RECHT__MAX) - 1;
	for (size_t i = 0; i < n; i++) {
		int k = recht_parse(vals[i]);
		if (k < 0 || k >= RECHT__MAX)
			form_error(r, "recht", "Unbekanntes Recht. Wählbar sind Anspruchsberechtigte, Kontaktdaten und Formulare.");
		else
			on |= 1u << k;
	}
	if (r->nerrors) {
		org_show(r, 422);
		return;
	}
	int rc = org_restrict(&r->who, o.pnr, all & ~on, on);
	if (rc == ORGS_NOT_FOUND) {
		page_error(r, 404, "Diese Organisation gibt es nicht.");
		return;
	}
	if (rc != 0) {
		db_fail(r);
		return;
	}
	redirect(r, url_printf(r->a, "/kasse/organisationen/%s?gespeichert=1", o.pnr));
}

/* ---------- Administrator anlegen, bearbeiten ---------- */

enum { A_VORNAME, A_NAME, A_EMAIL, A_GEBURTSDATUM };
static const form_field admin_fields[] = {
	[A_VORNAME] = FIELD_VORNAME(struct person_new),
	[A_NAME] = FIELD_NAME(struct person_new),
	[A_EMAIL] = FIELD_EMAIL(struct person_new),
	[A_GEBURTSDATUM] = {"geburtsdatum", "Geburtsdatum", FT_DATE, FF_REQUIRED | FF_KEEP, 10, check_date,
			    "Bitte geben Sie das Geburtsdatum ein.",
			    "Bitte geben Sie das Geburtsdatum als TT.MM.JJJJ ein (z. B. 01.02.1980).", "off",
			    offsetof(struct person_new, geburtsdatum)},
};

#define DUP_ADMIN_MSG "Diese E-Mail-Adresse ist bereits einem anderen Administrator dieser Organisation zugeordnet."

/* Vorname and Name greet their owner in official mails (issue 11), as for Sachbearbeiter. */
static void admin_names_check(req *r)
{
	static const char *const msg[][2] = {
		[A_VORNAME] = {"Der Vorname darf keine Zeilen- oder Absatztrennzeichen enthalten.",
			       "Der Vorname darf keine Internetadresse (wie „www.“ oder „https://“) enthalten."},
		[A_NAME] = {"Der Name darf keine Zeilen- oder Absatztrennzeichen enthalten.",
			    "Der Name darf keine Internetadresse (wie „www.“ oder „https://“) enthalten."},
	};
	for (int f = A_VORNAME; f <= A_NAME; f++) {
		const char *name = admin_fields[f].name;
		if (form_error_for(r, name))
			continue;
		enum name_issue why = name_check(form_get(r, name));
		if (why != NAME_OK)
			form_error(r, name, msg[f][why == NAME_URL]);
	}
}

struct admin_view {
	const char *pnr, *mitglied;
	const char *kennung; /* NULL: a new administrator */
	const struct person_new *in;
};

static void admin_html(req *r, sbuf *b, const void *view)
{
	const struct admin_view *v = view;
	const char *back = url_printf(r->a, "/kasse/organisationen/%s", v->pnr);
	h_printf(b, "<div class=\"card\"><h1>%s</h1>", v->kennung ? "Administrator bearbeiten" : "Administrator anlegen");
	h_printf(b, "<dl class=\"data\"><dt>Mitglied</dt><dd>%s</dd>", v->mitglied);
	if (v->kennung)
		h_printf(b, "<dt>Nutzerkennung</dt><dd>%s</dd>", v->kennung);
	h_raw(b, "</dl>");
	if (v->kennung)
		h_raw(b, "<p>Wird die E-Mail-Adresse geändert, erhält die bisherige Adresse einen Hinweis, und noch nicht "
			 "benutzte Links an die bisherige Adresse werden ungültig.</p>");
	else
		h_raw(b, "<p>Der Administrator erhält eine E-Mail „Passwort festlegen“ und danach seine Nutzerkennung über "
			 "den Link in einer zweiten E-Mail (Handbuch 1.1).</p>");
	required_note(b);
	form_open(r, b, v->kennung ? url_printf(r->a, "/kasse/administratoren/%s/bearbeiten", v->kennung)
				   : url_printf(r->a, "/kasse/organisationen/%s/administratoren/neu", v->pnr),
		  false);
	form_fields(r, b, admin_fields, v->kennung ? A_GEBURTSDATUM : ARRAY_LEN(admin_fields), v->in);
	h_printf(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"%s\">Abbrechen</a><button type=\"submit\" "
		    "class=\"btn\">%s</button></div>",
		 back, v->kennung ? "Speichern" : "Administrator anlegen");
	form_close(b);
	h_raw(b, "</div>");
}

static void admin_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct admin_view *v = view;
	cJSON_AddStringToObject(o, "mitglied", v->mitglied);
	cJSON_AddStringToObject(o, "pnr", v->pnr);
	if (!v->kennung)
		return;
	cJSON_AddStringToObject(o, "nutzerkennung", v->kennung);
	cJSON_AddStringToObject(o, "vorname", v->in->vorname);
	cJSON_AddStringToObject(o, "name", v->in->name);
	cJSON_AddStringToObject(o, "email", v->in->email);
}

static const char *admin_title(const void *view)
{
	return ((const struct admin_view *)view)->kennung ? "Administrator bearbeiten" : "Administrator anlegen";
}

static const page_kind admin_page = {"Administrator", admin_html, admin_json, admin_title};

static struct admin_view *admin_new_view(req *r, const org_info *o, const struct person_new *in)
{
	struct admin_view *v = arena_alloc(r->a, sizeof *v);
	*v = (struct admin_view){o->pnr, org_line(r->a, o->name, o->bereich, o->pnr, o->abr), NULL, in};
	return v;
}

void kasse_admin_new_get(req *r)
{
	org_info o;
	if (org_from_path(r, &o))
		page_render(r, 200, &admin_page, admin_new_view(r, &o, arena_alloc(r->a, sizeof(struct person_new))));
}

void kasse_admin_new_post(req *r)
{
	org_info o;
	if (!org_from_path(r, &o))
		return;
	struct person_new *in = arena_alloc(r->a, sizeof *in);
	form_read(r, admin_fields, ARRAY_LEN(admin_fields), in);
	admin_names_check(r);
	if (r->nerrors) {
		page_render(r, 422, &admin_page, admin_new_view(r, &o, in));
		return;
	}
	char kennung[KENNUNG_LEN + 1];
	int rc = admin_add(&r->who, o.pnr, in, kennung);
	if (rc == ORGS_EXISTS) {
		form_error(r, "email", DUP_ADMIN_MSG);
		page_render(r, 422, &admin_page, admin_new_view(r, &o, in));
		return;
	}
	if (rc == ORGS_NOT_FOUND) {
		page_error(r, 404, "Diese Organisation gibt es nicht.");
		return;
	}
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (r->want_json)
		cJSON_AddStringToObject(json_obj(r), "nutzerkennung", kennung);
	redirect(r, url_printf(r->a, "/kasse/organisationen/%s?angelegt=%s", o.pnr, kennung));
}

/* The administrator named in the URL with the organisation's PNR and line, or a finished 404/5xx
 * answer (returns NULL). */
static struct admin_view *admin_from_path(req *r)
{
	enum { KENNUNG, VORNAME, NAME, EMAIL, ORG_NAME, BEREICH, PNR, ABR };
	char *k = arena_strdup(r->a, r->path_arg ? r->path_arg : "");
	if (!kennung_normalize(k) || k[0] != 'X') {
		page_error(r, 404, "Diesen Administrator gibt es nicht.");
		return NULL;
	}
	db_res *res = db_query(r->a, "SELECT a.kennung, a.vorname, a.name, a.email, o.name, o.bereich, o.pnr, o.abr "
				     "FROM account a JOIN organisation o ON o.id = a.org_id WHERE a.kennung = ? "
				     "AND a.rolle = 'X' AND o.kasse = ?",
			       DBARGS(DS(k), DS(cfg.kasse_nummer)));
	if (!res) {
		db_fail(r);
		return NULL;
	}
	if (res->nrows == 0) {
		page_error(r, 404, "Diesen Administrator gibt es nicht.");
		return NULL;
	}
	struct admin_view *v = arena_alloc(r->a, sizeof *v);
	struct person_new *p = arena_alloc(r->a, sizeof *p);
	*p = (struct person_new){db_str(res, 0, VORNAME), db_str(res, 0, NAME), db_str(res, 0, EMAIL), NULL};
	*v = (struct admin_view){db_str(res, 0, PNR),
				 org_line(r->a, db_str(res, 0, ORG_NAME), db_str(res, 0, BEREICH), db_str(res, 0, PNR),
					  db_str(res, 0, ABR)),
				 db_str(res, 0, KENNUNG), p};
	return v;
}

void kasse_admin_edit_get(req *r)
{
	struct admin_view *v = admin_from_path(r);
	if (v)
		page_render(r, 200, &admin_page, v);
}

void kasse_admin_edit_post(req *r)
{
	struct admin_view *v = admin_from_path(r);
	if (!v)
		return;
	struct person_new *in = arena_alloc(r->a, sizeof *in);
	form_read(r, admin_fields, A_GEBURTSDATUM, in);
	admin_names_check(r);
	if (r->nerrors) {
		v->in = in;
		page_render(r, 422, &admin_page, v);
		return;
	}
	int rc = admin_update(&r->who, v->kennung, in->vorname, in->name, in->email);
	if (rc == ORGS_EXISTS) {
		form_error(r, "email", DUP_ADMIN_MSG);
		v->in = in;
		page_render(r, 422, &admin_page, v);
		return;
	}
	if (rc == ORGS_NOT_FOUND) {
		page_error(r, 404, "Diesen Administrator gibt es nicht.");
		return;
	}
	if (rc != 0) {
		db_fail(r);
		return;
	}
	redirect(r, url_printf(r->a, "/kasse/organisationen/%s?geaendert=%s", v->pnr, v->kennung));
}
