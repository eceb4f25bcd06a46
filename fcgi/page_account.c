/* page_account.c — the logged-in person's own pages: home ("Guten Tag, …!"), "Einstellungen"
 * with "Passwort ändern" (§1.6), and "Mitgliederdaten". */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "form.h"
#include "layout.h"
#include "response.h"
#include "session.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "domain.h"
#include "log.h"
#include "password.h"
#include <sodium.h>
#include <stddef.h>
#include <string.h>

/* ---- start page ---- */

struct home_view {
	bool admin;
	int gruppen[GRUPPE__MAX]; /* the Sachbearbeiter's group mailboxes */
	size_t ngruppen;
	bool rechte[RECHT__MAX]; /* granted and not switched off for the organisation */
};

/* A Sachbearbeiter's mailboxes and rights. 0 ok, -1 db error. */
static int home_load(req *r, struct home_view *v)
{
	db_res *g = db_query(r->a, "SELECT typ FROM account_gruppe WHERE account_id = ? ORDER BY typ",
			     DBARGS(DI(r->me->id)));
	if (!g)
		return -1;
	for (size_t i = 0; i < g->nrows; i++) {
		long long t = db_int(g, i, 0);
		if (t >= 0 && t < GRUPPE__MAX && v->ngruppen < GRUPPE__MAX)
			v->gruppen[v->ngruppen++] = (int)t;
	}
	for (int k = 0; k < RECHT__MAX; k++) /* in effect, as the session lookup found them */
		v->rechte[k] = (r->me->rechte & 1u << k) != 0;
	return 0;
}

static void home_admin_html(sbuf *b)
{
	h_raw(b, "<p class=\"lead\">Als Administrator sind Sie für die Verwaltung der Zugriffsrechte von "
		 "Beschäftigten Ihrer Organisation zuständig.</p>");
	h_raw(b, "<ul class=\"start-links\"><li><a href=\"/sachbearbeiter/neu\">Sachbearbeiter anlegen</a></li>"
		 "<li><a href=\"/sachbearbeiter\">Sachbearbeiter verwalten</a></li>");
	if (route_exists("GET", "/gruppen"))
		h_raw(b, "<li><a href=\"/gruppen\">Übersicht: Gruppen</a></li>");
	h_raw(b, "<li><a href=\"/protokoll\">Änderungsprotokoll</a></li></ul>");
	h_raw(b, "<p>Hinweis: Möchten Sie das Portal „Meine Versorgung“ ebenfalls fachlich nutzen, legen Sie bitte "
		 "auch für sich ein eigenes Nutzerkonto an. Ihr Administratoren-Konto dient Ihnen ausschließlich zur "
		 "Nutzerverwaltung.</p>");
}

/* The Kasse's start page: the areas of the K account's kind (as its navigation). */
static void home_kasse_html(req *r, sbuf *b)
{
	h_printf(b, "<p class=\"lead\">Sie sind als %s der Kasse angemeldet.</p><h2>Ihre Bereiche</h2><ul class=\"start-links\">",
		 r->me->kasse_rolle == KR_PORTALADMIN ? "Portal-Administrator/in" : "Sachbearbeiter/in");
	for (size_t i = 0; i < kasse_areas_count; i++)
		if (kasse_areas[i].rolle == r->me->kasse_rolle && route_exists("GET", kasse_areas[i].path))
			h_printf(b, "<li><a href=\"%s\">%s</a> – %s</li>", kasse_areas[i].path, kasse_areas[i].label,
				 kasse_areas[i].hint);
	h_raw(b, "</ul>");
}

/* The business areas the user's rights open (the same as the navigation's). */
static void home_business_html(sbuf *b, const struct home_view *v)
{
	bool ab = v->rechte[R_ANSPRUCHSBERECHTIGTE] && route_exists("GET", "/anspruchsberechtigte");
	bool fo = v->rechte[R_FORMULARE] && route_exists("GET", "/formulare");
	if (!ab && !fo)
		return;
	h_raw(b, "<h2>Fachliche Funktionen</h2><ul>");
	if (ab)
		h_raw(b, "<li><a href=\"/anspruchsberechtigte\">Anspruchsberechtigte</a></li>");
	if (fo)
		h_raw(b, "<li><a href=\"/formulare\">Meldungen (Beamtenformulare)</a></li>");
	h_raw(b, "</ul>");
}

static void home_sb_html(req *r, sbuf *b, const struct home_view *v)
{
	h_raw(b, "<p class=\"lead\">Willkommen im Portal Meine Versorgung.</p>");
	h_raw(b, "<h2>Ihre Postfächer</h2><ul><li><a href=\"/postfach/persoenlich\">Persönliches Postfach</a></li>");
	for (size_t i = 0; i < v->ngruppen; i++)
		h_printf(b, "<li><a href=\"%s\">Gruppenpostfach %s</a></li>",
			 url_printf(r->a, "/postfach/%s", gruppe_slug[v->gruppen[i]]), gruppe_name[v->gruppen[i]]);
	h_raw(b, "</ul>");
	home_business_html(b, v);
	h_raw(b, "<h2>Ihre Rechte</h2><ul>");
	h_printf(b, "<li>%s</li>", recht_base_label);
	for (int k = 0; k < RECHT__MAX; k++)
		if (v->rechte[k])
			h_printf(b, "<li>%s</li>", recht_label[k]);
	h_raw(b, "</ul><p class=\"hint\">Ihre Rechte und Gruppenpostfächer legen die Administratoren Ihrer "
		 "Organisation fest.</p>");
}

static void home_html(req *r, sbuf *b, const void *view)
{
	const struct home_view *v = view;
	h_printf(b, "<div class=\"card\"><h1>Guten Tag, %s %s!</h1>", r->me->vorname, r->me->name);
	if (v->admin)
		home_admin_html(b);
	else if (r->me->role == ROLE_KASSE)
		home_kasse_html(r, b);
	else
		home_sb_html(r, b, v);
	h_printf(b, "<p>Ihre Nutzerkennung: <strong>%s</strong></p></div>", r->me->kennung);
}

static void home_json(req *r, cJSON *o, const void *view)
{
	const struct home_view *v = view;
	cJSON_AddStringToObject(o, "begruessung", arena_printf(r->a, "Guten Tag, %s %s!", r->me->vorname, r->me->name));
	cJSON_AddStringToObject(o, "nutzerkennung", r->me->kennung);
	cJSON_AddStringToObject(o, "rolle", v->admin ? "Administrator" : r->me->role == ROLE_SB ? "Sachbearbeiter" : "Kasse");
	if (r->me->role == ROLE_KASSE)
		cJSON_AddStringToObject(o, "kasse_rolle", r->me->kasse_rolle == KR_PORTALADMIN ? "portaladmin" : "fach");
	if (r->me->org_line)
		cJSON_AddStringToObject(o, "mitglied", r->me->org_line);
}

static const page_kind home_page = {"Startseite", home_html, home_json, NULL};

void account_home(req *r)
{
	struct home_view v = {.admin = r->me->role == ROLE_ADMIN};
	/* JSON names only who is logged in: the mailboxes are not loaded for it */
	if (r->me->role == ROLE_SB && !r->want_json && home_load(r, &v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &home_page, &v);
}

struct settings_form {
	const char *passwort_alt, *passwort_neu, *passwort_neu_wiederholung;
};

static const form_field settings_fields[] = {
	{"passwort_alt", "Altes Passwort", FT_PASSWORD, FF_REQUIRED | FF_RAW, 0, NULL,
	 "Bitte geben Sie Ihr bisheriges Passwort ein.", NULL, "current-password",
	 offsetof(struct settings_form, passwort_alt)},
	{"passwort_neu", "Neues Passwort", FT_PASSWORD, FF_RAW, 0, NULL, NULL, NULL, "new-password",
	 offsetof(struct settings_form, passwort_neu)},
	{"passwort_neu_wiederholung", "Neues Passwort bestätigen", FT_PASSWORD, FF_RAW, 0, NULL, NULL, NULL,
	 "new-password", offsetof(struct settings_form, passwort_neu_wiederholung)},
};

static void settings_html(req *r, sbuf *b, const void *view)
{
	(void)view;
	h_printf(b, "<div class=\"card\"><h1>Einstellungen</h1><h2>Ihre E-Mail-Adresse</h2><p>%s</p>"
		    "<p class=\"hint\">Sollte sich Ihre E-Mail-Adresse oder Ihr Name einmal ändern, wenden Sie sich für die "
		    "Anpassung bitte %s.</p>",
		 r->me->email,
		 r->me->role != ROLE_SB ? "direkt an die Portal-Administratoren der Kassen"
					   : "an die Administratoren Ihrer Organisation");
	h_raw(b, "<h2>Passwort ändern</h2><p>Bitte geben Sie Ihr aktuelles und ein neues Passwort ein.</p>"
		 "<p>Bitte beachten Sie, dass Sie nach der Passwortänderung unmittelbar von Ihrer aktuellen Portalsitzung "
		 "abgemeldet werden und sich dann mit Ihrem neuen Passwort wieder anmelden können.</p>"
		 "<p class=\"hint\">Das neue Passwort muss zwischen 12 und 128 Zeichen lang sein, mindestens einen "
		 "Buchstaben, eine Ziffer und ein Sonderzeichen enthalten und darf zuvor noch nicht für dieses Nutzerkonto "
		 "genutzt worden sein.</p>");
	required_note(b);
	form_open(r, b, "/einstellungen", false);
	/* all three are required; the new password's rules are checked by the policy */
	for (size_t i = 0; i < ARRAY_LEN(settings_fields); i++)
		form_input(r, b, settings_fields[i].name, settings_fields[i].label, "password", NULL,
			   settings_fields[i].autocomplete, true);
	h_raw(b, "<div class=\"actions\"><button type=\"submit\" class=\"btn\">Passwort ändern</button></div>");
	form_close(b);
	h_raw(b, "</div>");
}

static void settings_json(req *r, cJSON *o, const void *view)
{
	(void)view;
	cJSON_AddStringToObject(o, "titel", "Einstellungen");
	cJSON_AddStringToObject(o, "email", r->me->email);
}

static const page_kind settings_page = {"Einstellungen", settings_html, settings_json, NULL};

static void settings_refused(req *r, int status, const char *field, const char *message)
{
	form_error(r, field, message);
	page_render(r, status, &settings_page, NULL);
}

void account_settings_get(req *r)
{
	page_render(r, 200, &settings_page, NULL);
}

struct change_ctx {
	req *r;
	newpw *n;
	const char *old_hash;
	enum { PW_CHANGED, PW_REUSED, PW_CHANGED_MEANWHILE } outcome;
};

static int change_tx(void *p)
{
	struct change_ctx *c = p;
	req *r = c->r;
	db_res *cur = db_query(r->a, "SELECT password_hash FROM account WHERE id = ? FOR UPDATE", DBARGS(DI(r->me->id)));
	if (!cur)
		return DB_TX_FAIL;
	if (cur->nrows != 1 || !str_eq(db_str(cur, 0, 0), c->old_hash)) {
		c->outcome = PW_CHANGED_MEANWHILE;
		return 0;
	}
	pw_owner owner = {.account_id = r->me->id, .email = r->me->email, .vorname = r->me->vorname, .name = r->me->name};
	int saved = newpw_save(&r->who, &owner, c->n);
	c->outcome = saved == 1 ? PW_REUSED : PW_CHANGED;
	return saved < 0 ? DB_TX_FAIL : 0;
}

struct oldpw_fail_ctx {
	req *r;
};

static int oldpw_fail_tx(void *p)
{
	struct oldpw_fail_ctx *c = p;
	return login_failure(&c->r->who, c->r->me->id) < 0 ? DB_TX_FAIL : 0;
}

enum { ACC_HASH, ACC_SALT, ACC_OPS, ACC_MEM, ACC_LOCKED };

/* The current password: 1 right, 0 wrong (counted, its error recorded), -1 answered (503). */
static int settings_old_ok(req *r, const db_res *acc, const char *old)
{
	/* during a self-lock the form confirms no password, not even the right one (as the login): else a
	 * session holder could go on guessing the current password here after the lock */
	bool locked = db_int(acc, 0, ACC_LOCKED) != 0;
	int ok = pw_verify(db_str(acc, 0, ACC_HASH), old, strlen(old));
	if (ok < 0) {
		page_error(r, 503, "Der Dienst ist vorübergehend ausgelastet. Bitte versuchen Sie es gleich noch einmal.");
		return -1;
	}
	if (ok && !locked)
		return 1;
	struct oldpw_fail_ctx fc = {r};
	if (db_tx(oldpw_fail_tx, &fc) != 0) {
		db_fail(r);
		return -1;
	}
	audit(&r->who, "password_change_failed", r->me->kennung, locked ? "self-locked" : "wrong current password");
	form_error(r, "passwort_alt", "Das bisherige Passwort ist nicht korrekt.");
	return 0;
}

void account_settings_post(req *r)
{
	struct settings_form in;
	form_read(r, settings_fields, ARRAY_LEN(settings_fields), &in); /* a missing field is one error of all */
	newpw n = {.pw = in.passwort_neu, .confirm = in.passwort_neu_wiederholung};
	db_res *acc = db_query(r->a,
			       "SELECT password_hash, history_salt, history_ops, history_mem_kib, "
			       "locked_until IS NOT NULL AND locked_until > NOW() FROM account WHERE id = ?",
			       DBARGS(DI(r->me->id)));
	if (!acc || acc->nrows != 1) {
		db_fail(r);
		return;
	}
	if (in.passwort_alt && settings_old_ok(r, acc, in.passwort_alt) < 0)
		return;
	pw_owner owner = {r->me->id, r->me->kennung, r->me->vorname, r->me->name, r->me->email, db_get(acc, 0, ACC_SALT),
			  db_int(acc, 0, ACC_OPS), db_int(acc, 0, ACC_MEM)};
	const char *msg, *confirm_msg; /* every refusal at once, each at its field */
	if (!newpw_check(r->a, &n, &owner, &msg, &confirm_msg)) {
		if (msg)
			form_error(r, "passwort_neu", msg);
		if (confirm_msg)
			form_error(r, "passwort_neu_wiederholung", confirm_msg);
	}
	if (r->nerrors) {
		page_render(r, 422, &settings_page, NULL);
		return;
	}
	if (newpw_hash(&n, &owner) != 0) {
		page_error(r, 503, "Der Dienst ist vorübergehend ausgelastet. Bitte versuchen Sie es gleich noch einmal.");
		return;
	}
	struct change_ctx c = {r, &n, db_str(acc, 0, ACC_HASH), PW_CHANGED};
	int rc = db_tx(change_tx, &c);
	sodium_memzero(&n, sizeof n);
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome == PW_REUSED) {
		settings_refused(r, 422, "passwort_neu", newpw_reused_msg);
		return;
	}
	if (c.outcome == PW_CHANGED_MEANWHILE) {
		settings_refused(r, 409, "passwort_alt",
				 "Ihr Passwort wurde in der Zwischenzeit geändert. Bitte melden Sie sich erneut an.");
		return;
	}
	audit(&r->who, "password_changed", r->me->kennung, "");
	session_clear_cookie(r);
	r->sess = NULL;
	if (r->pre_cookie)
		secret_csrf(r->pre_cookie, r->csrf);
	redirect(r, "/anmelden?grund=passwort-geaendert");
}

/* ---- organisation data ---- */

struct orgdata_view {
	const char *name, *bereich, *pnr, *abr, *kasse;
};

static void orgdata_html(req *r, sbuf *b, const void *view)
{
	const struct orgdata_view *v = view;
	h_printf(b, "<div class=\"card\"><h1>Mitgliederdaten</h1><p class=\"lead\">%s</p><dl class=\"data\">"
		    "<dt>Mitglied</dt><dd>%s</dd><dt>Bereich</dt><dd>%s</dd>"
		    "<dt>Mitgliedsnummer (PNR)</dt><dd>%s</dd><dt>Abrechnungsnummer (Abr)</dt><dd>%s</dd>"
		    "<dt>Zuständige Kasse</dt><dd>%s</dd></dl></div>",
		 r->me->org_line ? r->me->org_line : "", v->name, v->bereich, v->pnr, v->abr, v->kasse);
}

static void orgdata_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct orgdata_view *v = view;
	cJSON_AddStringToObject(o, "name", v->name);
	cJSON_AddStringToObject(o, "bereich", v->bereich);
	cJSON_AddStringToObject(o, "pnr", v->pnr);
	cJSON_AddStringToObject(o, "abr", v->abr);
	cJSON_AddStringToObject(o, "kasse", v->kasse);
}

static const page_kind orgdata_page = {"Mitgliederdaten", orgdata_html, orgdata_json, NULL};

void account_orgdata(req *r)
{
	enum { NAME, BEREICH, PNR, ABR, KASSE };
	db_res *o = db_query(r->a,
			     "SELECT o.name, o.bereich, o.pnr, o.abr, k.name FROM organisation o "
			     "JOIN kasse k ON k.nummer = o.kasse WHERE o.id = ?",
			     DBARGS(DI(r->me->org_id)));
	if (!o) {
		db_fail(r);
		return;
	}
	if (o->nrows == 0) {
		page_error(r, 404, "Für Ihr Nutzerkonto ist keine Organisation hinterlegt.");
		return;
	}
	struct orgdata_view v = {db_str(o, 0, NAME), db_str(o, 0, BEREICH), db_str(o, 0, PNR), db_str(o, 0, ABR),
				 db_str(o, 0, KASSE)};
	page_render(r, 200, &orgdata_page, &v);
}

