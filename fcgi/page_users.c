/* page_users.c — handbook §3–§5 and §1.7: an administrator's Sachbearbeiter of their own
 * organisation: create, overview with filters and paging, details, edit (with conflict
 * detection), lock/unlock, the "E-Mail für neues Passwort" resend, and the change log.
 * Every lookup is scoped to the administrator's organisation: another organisation's
 * Nutzerkennung answers exactly like one that does not exist (404). */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "form.h"
#include "layout.h"
#include "response.h"
#include "session.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char not_found_msg[] = "Der Sachbearbeiter wurde nicht gefunden.";
static const char conflict_msg[] =
	"Die Daten dieses Sachbearbeiters wurden in der Zwischenzeit von einer anderen Person geändert. Ihre "
	"Änderungen wurden nicht gespeichert. Bitte prüfen Sie die aktuellen Daten und bearbeiten Sie sie erneut.";

typedef struct sb {
	long long id, version;
	const char *kennung, *vorname, *name, *email, *status;
	unsigned gruppen, rechte;
	const char *locked_until; /* "28.11.2026, 20:15 Uhr" while self-locked, else NULL */
} sb;

/* ---------- loading ---------- */

static unsigned org_switched_off(req *r)
{
	db_res *o = db_query(r->a, "SELECT aus_anspruchsberechtigte, aus_kontaktdaten, aus_formulare FROM organisation "
				   "WHERE id = ?",
			     DBARGS(DI(r->me->org_id)));
	unsigned off = 0;
	for (int k = 0; o && o->nrows == 1 && k < RECHT__MAX; k++)
		if (db_int(o, 0, (size_t)k))
			off |= 1u << k;
	return off;
}

static unsigned gruppen_mask(const char *csv)
{
	unsigned m = 0;
	for (const char *p = csv; p && *p;) {
		int g = atoi(p);
		if (g >= 0 && g < GRUPPE__MAX)
			m |= 1u << g;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return m;
}

static char *gruppen_text(req *r, unsigned m)
{
	sbuf b = page_buf(r);
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (m & (1u << g)) {
			if (b.len)
				sbuf_adds(&b, ", ");
			sbuf_adds(&b, gruppe_name[g]);
		}
	char *s = arena_strdup(r->a, b.data ? b.data : "");
	return s;
}

static char *rechte_text(req *r, unsigned m)
{
	sbuf b = page_buf(r);
	sbuf_adds(&b, "postfach");
	for (int k = 0; k < RECHT__MAX; k++)
		if (m & (1u << k)) {
			sbuf_adds(&b, ", ");
			sbuf_adds(&b, recht_key[k]);
		}
	char *s = arena_strdup(r->a, b.data);
	return s;
}

/* Loads a Sachbearbeiter of the administrator's own organisation; NULL if none (or db error). */
static sb *sb_load(req *r, const char *kennung_in, bool for_update, int *dberr)
{
	*dberr = 0;
	if (!kennung_in)
		return NULL;
	char *k = arena_strdup(r->a, kennung_in);
	if (!kennung_normalize(k) || k[0] != 'S')
		return NULL;
	db_res *res = db_query(r->a, for_update ?
		"SELECT id, version, kennung, vorname, name, email, status, recht_anspruchsberechtigte, "
		"recht_kontaktdaten, recht_formulare, "
		"(SELECT GROUP_CONCAT(typ ORDER BY typ) FROM account_gruppe g WHERE g.account_id = a.id), "
		"IF(locked_until > NOW(), DATE_FORMAT(locked_until, '%d.%m.%Y, %H:%i Uhr (UTC)'), NULL) "
		"FROM account a WHERE kennung = ? AND org_id = ? AND rolle = 'S' FOR UPDATE" :
		"SELECT id, version, kennung, vorname, name, email, status, recht_anspruchsberechtigte, "
		"recht_kontaktdaten, recht_formulare, "
		"(SELECT GROUP_CONCAT(typ ORDER BY typ) FROM account_gruppe g WHERE g.account_id = a.id), "
		"IF(locked_until > NOW(), DATE_FORMAT(locked_until, '%d.%m.%Y, %H:%i Uhr (UTC)'), NULL) "
		"FROM account a WHERE kennung = ? AND org_id = ? AND rolle = 'S'",
		DBARGS(DS(k), DI(r->me->org_id)));
	if (!res) {
		*dberr = 1;
		return NULL;
	}
	if (res->nrows == 0)
		return NULL;
	sb *s = arena_alloc(r->a, sizeof *s);
	s->id = db_int(res, 0, 0);
	s->version = db_int(res, 0, 1);
	s->kennung = db_str(res, 0, 2);
	s->vorname = db_str(res, 0, 3);
	s->name = db_str(res, 0, 4);
	s->email = db_str(res, 0, 5);
	s->status = db_str(res, 0, 6);
	for (int k2 = 0; k2 < RECHT__MAX; k2++)
		if (db_int(res, 0, 7 + (size_t)k2))
			s->rechte |= 1u << k2;
	s->gruppen = gruppen_mask(db_str(res, 0, 10));
	s->locked_until = db_str(res, 0, 11);
	return s;
}

/* The Sachbearbeiter named in the URL, or a finished 404/5xx answer (returns NULL). */
static sb *sb_from_path(req *r)
{
	int dberr;
	sb *s = sb_load(r, r->path_arg, false, &dberr);
	if (dberr)
		db_fail(r);
	else if (!s)
		page_error(r, 404, not_found_msg);
	return s;
}

/* ---------- the form (create and edit) ---------- */

typedef struct sb_form {
	const char *vorname, *name, *email;
	unsigned gruppen, rechte;
	bool terms;
	long long version; /* -1: not posted */
} sb_form;

static void sb_form_read(req *r, sb_form *f, bool create, unsigned available)
{
	memset(f, 0, sizeof *f);
	f->vorname = form_get(r, "vorname");
	f->name = form_get(r, "name");
	f->email = form_get(r, "email");
	if (!valid_text(f->vorname, 100))
		form_error(r, "vorname", f->vorname && *f->vorname ? "Der Vorname darf höchstens 100 Zeichen lang sein und "
								      "keine Steuerzeichen enthalten."
								    : "Bitte geben Sie den Vornamen ein.");
	if (!valid_text(f->name, 100))
		form_error(r, "name", f->name && *f->name ? "Der Name darf höchstens 100 Zeichen lang sein und keine "
							     "Steuerzeichen enthalten."
							   : "Bitte geben Sie den Namen ein.");
	if (!f->email || !*f->email)
		form_error(r, "email", "Bitte geben Sie die E-Mail-Adresse ein.");
	else if (!mail_addr_ok(f->email))
		form_error(r, "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@organisation.de).");
	const char *vals[32];
	size_t n = form_all(r, "gruppe", vals, ARRAY_LEN(vals));
	for (size_t i = 0; i < n; i++) {
		int g = gruppe_parse(vals[i]);
		if (g < 0)
			form_error(r, "gruppe", "Unbekanntes Gruppenpostfach.");
		else
			f->gruppen |= 1u << g;
	}
	if (!f->gruppen)
		form_error(r, "gruppe", "Bitte wählen Sie mindestens ein Gruppenpostfach aus.");
	n = form_all(r, "recht", vals, ARRAY_LEN(vals));
	for (size_t i = 0; i < n; i++) {
		int k = recht_parse(vals[i]);
		if (k < 0)
			form_error(r, "recht", "Unbekanntes Recht.");
		else if (k < RECHT__MAX && !(available & (1u << k)))
			form_error(r, "recht", arena_printf(r->a, "Das Recht „%s“ steht Ihrer Organisation nicht zur "
								  "Verfügung.", recht_label[k]));
		else if (k < RECHT__MAX)
			f->rechte |= 1u << k;
	}
	for (int k = 0; k < RECHT__MAX; k++)
		if ((f->rechte & (1u << k)) && recht_requires[k] >= 0 && !(f->rechte & (1u << recht_requires[k])))
			form_error(r, "recht", arena_printf(r->a, "Das Recht „%s“ setzt das Recht „%s“ voraus.", recht_label[k],
							    recht_label[recht_requires[k]]));
	if (create) {
		f->terms = str_eq(form_get(r, "nutzungsbedingungen"), "1");
		if (!f->terms)
			form_error(r, "nutzungsbedingungen", "Bitte bestätigen Sie, dass die Nutzungsbedingungen dem "
							     "Beschäftigten bekannt sind.");
	}
	long long v;
	const char *vs = form_get(r, "version");
	f->version = vs && parse_int(vs, 0, 1LL << 40, &v) == 0 ? v : -1;
}

static void fieldset_error(req *r, sbuf *b, const char *field)
{
	const char *err = form_error_for(r, field);
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-%s-fehler\">%s</p>", field, err);
}

static void checkbox(sbuf *b, const char *name, const char *id, const char *value, const char *label, bool checked,
		     bool disabled, const char *info, const char *describedby)
{
	h_printf(b, "<div class=\"checkbox\"><input type=\"checkbox\" id=\"%s\" name=\"%s\" value=\"%s\"%s%s", id, name,
		 value, checked ? " checked" : "", disabled ? " disabled" : "");
	if (describedby)
		h_printf(b, " aria-describedby=\"%s\"", describedby);
	h_printf(b, "><label for=\"%s\">%s</label>", id, label);
	if (info)
		h_printf(b, "<details class=\"info\"><summary><span class=\"visually-hidden\">Info zu diesem Recht</span>i"
			    "</summary><p>%s</p></details>",
			 info);
	h_raw(b, "</div>");
}

/* Renders the group and rights fieldsets. editable=false shows them read-only (details). */
static void gruppen_rechte(req *r, sbuf *b, unsigned gruppen, unsigned rechte, unsigned available, bool editable)
{
	const char *gerr = editable ? form_error_for(r, "gruppe") : NULL;
	h_printf(b, "<fieldset class=\"fieldset%s\"", gerr ? " has-error" : "");
	if (gerr)
		h_raw(b, " aria-describedby=\"f-gruppe-fehler\"");
	h_raw(b, "><legend>Berechtigungen für Gruppenpostfächer</legend>");
	h_raw(b, "<p class=\"hint\">Bitte wählen Sie hier mindestens ein Gruppenpostfach aus, auf das der Sachbearbeiter "
		 "zugreifen kann.*</p>");
	if (editable)
		fieldset_error(r, b, "gruppe");
	h_raw(b, "<div class=\"inline-options\">");
	for (int g = 0; g < GRUPPE__MAX; g++) {
		char id[32];
		snprintf(id, sizeof id, "f-gruppe-%d", g);
		checkbox(b, "gruppe", id, gruppe_name[g], gruppe_name[g], gruppen & (1u << g), !editable, NULL,
			 g == 0 && editable ? "f-gruppe-fehler" : NULL);
	}
	h_raw(b, "</div></fieldset>");
	const char *rerr = editable ? form_error_for(r, "recht") : NULL;
	h_printf(b, "<fieldset class=\"fieldset%s\"><legend>Rechtevergabe</legend>", rerr ? " has-error" : "");
	h_raw(b, "<p class=\"hint\">Bitte wählen Sie hier die Berechtigungen des Sachbearbeiters aus.</p>");
	if (editable)
		fieldset_error(r, b, "recht");
	checkbox(b, "recht", "f-recht-postfach", "postfach", recht_base_label, true, true, recht_base_info, NULL);
	for (int k = 0; k < RECHT__MAX; k++) {
		if (!(available & (1u << k)))
			continue; /* §1.7: switched-off rights are not shown */
		char id[48];
		snprintf(id, sizeof id, "f-recht-%s", recht_key[k]);
		/* the prerequisite's info names its dependants only where they are offered */
		bool dependants = false;
		for (int d = 0; d < RECHT__MAX; d++)
			dependants = dependants || (recht_requires[d] == k && (available & (1u << d)));
		checkbox(b, "recht", id, recht_key[k], recht_label[k], rechte & (1u << k), !editable,
			 recht_requires[k] < 0 && !dependants ? recht_info_alone[k] : recht_info[k], NULL);
	}
	h_raw(b, "</fieldset>");
}

static unsigned form_mask_or(req *r, const char *field, unsigned fallback, bool is_gruppe)
{
	const char *vals[32];
	size_t n = form_all(r, field, vals, ARRAY_LEN(vals));
	if (!n && !r->nerrors)
		return fallback;
	unsigned m = 0;
	for (size_t i = 0; i < n; i++) {
		int v = is_gruppe ? gruppe_parse(vals[i]) : recht_parse(vals[i]);
		if (v >= 0 && v < (is_gruppe ? GRUPPE__MAX : RECHT__MAX))
			m |= 1u << v;
	}
	return m;
}

static void account_fields(req *r, sbuf *b, const char *vorname, const char *name, const char *email)
{
	h_raw(b, "<h2>Account-Daten</h2><div class=\"field-row\">");
	form_input(r, b, "vorname", "Vorname", "text", vorname, "off", true);
	form_input(r, b, "name", "Name", "text", name, "off", true);
	h_raw(b, "</div><div class=\"field-row\">");
	h_printf(b, "<div class=\"field\"><span class=\"label\" id=\"l-mitglied\">Mitglied</span>"
		    "<p class=\"readonly\" aria-labelledby=\"l-mitglied\">%s</p></div>",
		 r->me->org_line ? r->me->org_line : "");
	form_input(r, b, "email", "E-Mail-Adresse", "email", email, "off", true);
	h_raw(b, "</div>");
}

/* ---------- create ---------- */

static void create_render(req *r)
{
	unsigned avail = rechte_available(org_switched_off(r));
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddStringToObject(o, "titel", "Neuen Sachbearbeiter anlegen");
		cJSON_AddStringToObject(o, "mitglied", r->me->org_line ? r->me->org_line : "");
		cJSON *g = cJSON_AddArrayToObject(o, "gruppen");
		for (int i = 0; i < GRUPPE__MAX; i++)
			cJSON_AddItemToArray(g, cJSON_CreateString(gruppe_name[i]));
		cJSON *rc = cJSON_AddArrayToObject(o, "rechte");
		cJSON_AddItemToArray(rc, cJSON_CreateString("postfach"));
		for (int k = 0; k < RECHT__MAX; k++)
			if (avail & (1u << k))
				cJSON_AddItemToArray(rc, cJSON_CreateString(recht_key[k]));
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b = page_buf(r);
	h_raw(&b, "<div class=\"card\"><h1>Neuen Sachbearbeiter anlegen</h1>"
		  "<p class=\"lead\">Sie können hier manuell neue Sachbearbeiter für das Portal Meine Versorgung anlegen.</p>"
		  "<p class=\"required-note\">Mit * gekennzeichnete Felder sind Pflichtfelder</p>");
	form_open(r, &b, "/sachbearbeiter/neu", false);
	account_fields(r, &b, form_get(r, "vorname"), form_get(r, "name"), form_get(r, "email"));
	gruppen_rechte(r, &b, form_mask_or(r, "gruppe", 0, true), form_mask_or(r, "recht", 0, false), avail, true);
	const char *terr = form_error_for(r, "nutzungsbedingungen");
	h_printf(&b, "<div class=\"checkbox%s\"><input type=\"checkbox\" id=\"f-nutzungsbedingungen\" "
		     "name=\"nutzungsbedingungen\" value=\"1\" required aria-required=\"true\"",
		 terr ? " has-error" : "");
	if (str_eq(form_get(r, "nutzungsbedingungen"), "1"))
		h_raw(&b, " checked");
	if (terr)
		h_raw(&b, " aria-invalid=\"true\" aria-describedby=\"f-nutzungsbedingungen-fehler\"");
	h_raw(&b, "><label for=\"f-nutzungsbedingungen\">Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten "
		  "bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.*</label></div>");
	if (terr)
		h_printf(&b, "<p class=\"error\" id=\"f-nutzungsbedingungen-fehler\">%s</p>", terr);
	h_raw(&b, "<p class=\"hint\">Die Nutzungsbedingungen finden Sie in der Fußzeile des Portals "
		  "(<a href=\"/nutzungsbedingungen\">Nutzungsbedingungen</a>).</p>"
		  "<div class=\"actions\"><a class=\"btn secondary\" href=\"/sachbearbeiter\">Abbrechen</a>"
		  "<button type=\"submit\" class=\"btn\">Anlegen</button></div>");
	form_close(&b);
	h_raw(&b, "<div class=\"alert info\" role=\"note\"><p>Hinweis: Möchten Sie das Portal „Meine Versorgung“ ebenfalls "
		  "fachlich nutzen, legen Sie bitte auch für sich ein eigenes Nutzerkonto an. Ihr Administratoren-Konto dient "
		  "Ihnen ausschließlich zur Nutzerverwaltung.</p></div></div>");
	page_send(r, r->status ? r->status : 200, "Neuen Sachbearbeiter anlegen", &b);
}

void users_new_get(req *r)
{
	create_render(r);
}

static int save_gruppen(long long account_id, unsigned gruppen)
{
	if (db_exec("DELETE FROM account_gruppe WHERE account_id = ?", DBARGS(DI(account_id)), NULL, NULL) != 0)
		return -1;
	for (int g = 0; g < GRUPPE__MAX; g++)
		if ((gruppen & (1u << g)) &&
		    db_exec("INSERT INTO account_gruppe (account_id, typ) VALUES (?, ?)", DBARGS(DI(account_id), DI(g)), NULL,
			    NULL) != 0)
			return -1;
	return 0;
}

static int queue_password_mail(req *r, long long id, const char *status, const char *email, const char *vorname,
			       const char *name)
{
	bool activation = strcmp(status, "angelegt") == 0;
	char token[TOKEN_CHARS + 1], minutes[24];
	if (link_create(id, activation ? "aktivierung" : "reset", token) != 0)
		return -1;
	snprintf(minutes, sizeof minutes, "%ld", (cfg.link_ttl_s + 59) / 60);
	tpl_slot slots[] = {{"vorname", vorname}, {"name", name}, {"link", link_url(r->a, "/passwort-setzen", token)},
			    {"minutes", minutes}};
	return mail_queue(email, activation ? "passwort-festlegen.txt" : "passwort-zuruecksetzen.txt", slots,
			  ARRAY_LEN(slots));
}

struct create_ctx {
	req *r;
	sb_form *f;
	char kennung[KENNUNG_LEN + 1];
	int dup_email;
};

static int create_tx(void *p)
{
	struct create_ctx *c = p;
	req *r = c->r;
	sb_form *f = c->f;
	c->dup_email = 0;
	long long id;
	if (account_insert('S', r->me->org_id, f->vorname, f->name, f->email, NULL, NULL, c->kennung, &id) != 0) {
		if (db_last_error() == DB_ERR_DUP) {
			c->dup_email = 1;
			return 1;
		}
		return DB_TX_FAIL;
	}
	if (db_exec("UPDATE account SET recht_anspruchsberechtigte = ?, recht_kontaktdaten = ?, recht_formulare = ? "
		    "WHERE id = ?",
		    DBARGS(DI(!!(f->rechte & 1)), DI(!!(f->rechte & 2)), DI(!!(f->rechte & 4)), DI(id)), NULL, NULL) != 0 ||
	    save_gruppen(id, f->gruppen) != 0 || queue_password_mail(r, id, "angelegt", f->email, f->vorname, f->name) != 0)
		return DB_TX_FAIL;
	audit(&r->who, "sb_created", c->kennung,
	      arena_printf(r->a, "Name: %s %s; E-Mail: %s; Gruppen: %s; Rechte: %s", f->vorname, f->name, f->email,
			   gruppen_text(r, f->gruppen), rechte_text(r, f->rechte)));
	return 0;
}

void users_new_post(req *r)
{
	unsigned avail = rechte_available(org_switched_off(r));
	sb_form f;
	sb_form_read(r, &f, true, avail);
	if (r->nerrors) {
		form_errors_send(r, 422, create_render);
		return;
	}
	struct create_ctx c = {.r = r, .f = &f};
	int rc = db_tx(create_tx, &c);
	if (c.dup_email) {
		form_error(r, "email", "Diese E-Mail-Adresse ist bereits einem anderen Sachbearbeiter Ihrer Organisation "
				       "zugeordnet. Jede Person erhält ein eigenes Nutzerkonto mit eigener E-Mail-Adresse.");
		form_errors_send(r, 422, create_render);
		return;
	}
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (r->want_json)
		cJSON_AddStringToObject(json_obj(r), "nutzerkennung", c.kennung);
	redirect(r, arena_printf(r->a, "/sachbearbeiter/%s?angelegt=1", c.kennung));
}

/* ---------- overview ---------- */

static const long page_sizes[] = {10, 20, 50, 100};

/* Case-insensitive prefix match of s against label (ASCII + German umlauts folded). */
static bool label_prefix(const char *label, const char *s)
{
	size_t n = strlen(s);
	if (n > strlen(label))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)label[i], c = (unsigned char)s[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (i > 0 && (unsigned char)label[i - 1] == 0xC3) {
			if (a >= 0x80 && a <= 0x9E)
				a = (unsigned char)(a + 0x20);
			if (c >= 0x80 && c <= 0x9E)
				c = (unsigned char)(c + 0x20);
		}
		if (a != c)
			return false;
	}
	return true;
}

enum pager_kind { PG_FIRST, PG_PREV, PG_NEXT, PG_LAST };

static void pager_link(sbuf *b, const char *base, long long page, long long size, enum pager_kind kind, bool on)
{
	static const char *const labels[] = {"Erste Seite", "Vorherige Seite", "Nächste Seite", "Letzte Seite"};
	if (on)
		h_printf(b, "<li><a href=\"%s&amp;seite=%lld&amp;pro_seite=%lld\" aria-label=\"%s\">", base, page, size,
			 labels[kind]);
	else /* not a link: shown for orientation, hidden from assistive technology */
		h_raw(b, "<li><span class=\"pager-off\" aria-hidden=\"true\">");
	switch (kind) {
	case PG_FIRST: h_raw(b, "|&lt;"); break;
	case PG_PREV: h_raw(b, "&lt;"); break;
	case PG_NEXT: h_raw(b, "&gt;"); break;
	case PG_LAST: h_raw(b, "&gt;|"); break;
	}
	if (on)
		h_raw(b, "</a></li>");
	else
		h_raw(b, "</span></li>");
}

void users_list(req *r)
{
	const char *f_name = form_get(r, "name"), *f_vorname = form_get(r, "vorname"), *f_kennung = form_get(r, "kennung"),
		   *f_gruppe = form_get(r, "gruppe"), *f_status = form_get(r, "status");
	long long size = 20, page = 1;
	const char *ps = form_get(r, "pro_seite");
	if (ps && parse_int(ps, 1, 1000, &size) != 0)
		size = 20;
	bool size_ok = false;
	for (size_t i = 0; i < ARRAY_LEN(page_sizes); i++)
		size_ok = size_ok || page_sizes[i] == size;
	if (!size_ok)
		size = 20;
	const char *pg = form_get(r, "seite");
	if (pg && parse_int(pg, 1, 1000000000, &page) != 0)
		page = 1;
	char *kennung_up = arena_strdup(r->a, f_kennung ? f_kennung : "");
	str_upper_ascii(kennung_up);
	/* group and status filters: prefix over the labels -> bit sets (0 = no filter) */
	long long gmask = 0, smask = 0;
	bool gfilter = f_gruppe && *f_gruppe, sfilter = f_status && *f_status;
	for (int g = 0; gfilter && g < GRUPPE__MAX; g++)
		if (label_prefix(gruppe_name[g], f_gruppe) || label_prefix(gruppe_slug[g], f_gruppe))
			gmask |= 1LL << g;
	static const char *const states[] = {"Aktiv", "Angelegt", "Gesperrt"};
	for (int i = 0; sfilter && i < 3; i++)
		if (label_prefix(states[i], f_status))
			smask |= 1LL << i;
	bool impossible = (gfilter && !gmask) || (sfilter && !smask);
	if (!gfilter)
		gmask = 0;
	if (!sfilter)
		smask = 0;
	/* an empty filter is a constant the optimiser removes ("" = ""), not a LIKE '%' per row */
	const char *fn = f_name ? f_name : "", *fv = f_vorname ? f_vorname : "";
	db_param where[] = {
		DI(r->me->org_id), DS(fn), DS(sql_like_prefix(r->a, fn)), DS(fv), DS(sql_like_prefix(r->a, fv)),
		DS(kennung_up), DS(sql_like_prefix(r->a, kennung_up)), DI(gmask), DI(gmask), DI(smask), DI(smask),
	};
	long long total = 0;
	bool unfiltered = !*fn && !*fv && !*kennung_up && !gfilter && !sfilter;
	if (unfiltered) {
		db_res *cnt = db_query(r->a, "SELECT sb_anzahl FROM organisation WHERE id = ?", DBARGS(DI(r->me->org_id)));
		if (!cnt || cnt->nrows != 1) {
			db_fail(r);
			return;
		}
		total = db_int(cnt, 0, 0);
	} else if (!impossible) {
		/* the group filter is a correlated subquery per candidate row (a primary-key lookup), never a
		 * semi-join that would materialise the group table of all organisations */
		db_res *cnt = db_query(r->a,
			"SELECT COUNT(*) FROM account a WHERE a.org_id = ? AND a.rolle = 'S' "
			"AND (? = '' OR a.name LIKE ?) AND (? = '' OR a.vorname LIKE ?) AND (? = '' OR a.kennung LIKE ?) "
			"AND (? = 0 OR (SELECT COUNT(*) FROM account_gruppe g WHERE g.account_id = a.id "
			"AND (? & (1 << g.typ)) <> 0) > 0) "
			"AND (? = 0 OR (? & CASE a.status WHEN 'aktiv' THEN 1 WHEN 'angelegt' THEN 2 ELSE 4 END) <> 0)",
			where, ARRAY_LEN(where));
		if (!cnt) {
			db_fail(r);
			return;
		}
		total = db_int(cnt, 0, 0);
	}
	long long pages = total ? (total + size - 1) / size : 1;
	if (page > pages)
		page = pages;
	db_res *rows = NULL;
	if (total) {
		db_param q[ARRAY_LEN(where) + 2];
		memcpy(q, where, sizeof where);
		q[ARRAY_LEN(where)] = DI(size);
		q[ARRAY_LEN(where) + 1] = DI((page - 1) * size);
		/* ids of the page from the covering index first, then 20 rows with their groups */
		rows = db_query(r->a,
			"SELECT a.name, a.vorname, a.kennung, a.status, a.locked_until > NOW(), "
			"(SELECT GROUP_CONCAT(typ ORDER BY typ) FROM account_gruppe g WHERE g.account_id = a.id) "
			"FROM (SELECT a.id FROM account a WHERE a.org_id = ? AND a.rolle = 'S' "
			"AND (? = '' OR a.name LIKE ?) AND (? = '' OR a.vorname LIKE ?) AND (? = '' OR a.kennung LIKE ?) "
			"AND (? = 0 OR (SELECT COUNT(*) FROM account_gruppe g WHERE g.account_id = a.id "
			"AND (? & (1 << g.typ)) <> 0) > 0) "
			"AND (? = 0 OR (? & CASE a.status WHEN 'aktiv' THEN 1 WHEN 'angelegt' THEN 2 ELSE 4 END) <> 0) "
			"ORDER BY a.name, a.vorname, a.kennung LIMIT ? OFFSET ?) page JOIN account a ON a.id = page.id "
			"ORDER BY a.name, a.vorname, a.kennung",
			q, ARRAY_LEN(q));
		if (!rows) {
			db_fail(r);
			return;
		}
	}
	size_t nrows = rows ? rows->nrows : 0;
	long long first = total ? (page - 1) * size + 1 : 0, last = total ? first + (long long)nrows - 1 : 0;
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON *arr = cJSON_AddArrayToObject(o, "sachbearbeiter");
		for (size_t i = 0; i < nrows; i++) {
			cJSON *u = cJSON_CreateObject();
			cJSON_AddStringToObject(u, "name", db_str(rows, i, 0));
			cJSON_AddStringToObject(u, "vorname", db_str(rows, i, 1));
			cJSON_AddStringToObject(u, "nutzerkennung", db_str(rows, i, 2));
			cJSON *g = cJSON_AddArrayToObject(u, "gruppen");
			unsigned m = gruppen_mask(db_str(rows, i, 5));
			for (int k = 0; k < GRUPPE__MAX; k++)
				if (m & (1u << k))
					cJSON_AddItemToArray(g, cJSON_CreateString(gruppe_name[k]));
			cJSON_AddStringToObject(u, "status", status_label(db_str(rows, i, 3)));
			cJSON_AddBoolToObject(u, "voruebergehend_gesperrt", db_int(rows, i, 4) == 1);
			cJSON_AddItemToArray(arr, u);
		}
		cJSON_AddNumberToObject(o, "gesamt", (double)total);
		cJSON_AddNumberToObject(o, "seite", (double)page);
		cJSON_AddNumberToObject(o, "seiten", (double)pages);
		cJSON_AddNumberToObject(o, "pro_seite", (double)size);
		json_send(r, 200);
		return;
	}
	/* the query string of the current filters, for paging links */
	sbuf qs = page_buf(r);
	sbuf_adds(&qs, "/sachbearbeiter?name=");
	url_encode(&qs, f_name ? f_name : "");
	sbuf_adds(&qs, "&vorname=");
	url_encode(&qs, f_vorname ? f_vorname : "");
	sbuf_adds(&qs, "&kennung=");
	url_encode(&qs, f_kennung ? f_kennung : "");
	sbuf_adds(&qs, "&gruppe=");
	url_encode(&qs, f_gruppe ? f_gruppe : "");
	sbuf_adds(&qs, "&status=");
	url_encode(&qs, f_status ? f_status : "");
	sbuf b = page_buf(r);
	h_raw(&b, "<div class=\"card\"><h1>Übersicht: Sachbearbeiter</h1>"
		  "<p class=\"lead\">Sie können hier Sachbearbeiter Ihres Mitglieds für das Portal Meine Versorgung "
		  "verwalten.</p><p><a href=\"/protokoll\">Änderungsprotokoll anzeigen</a></p>");
	h_raw(&b, "<form class=\"filter\" method=\"get\" action=\"/sachbearbeiter\" role=\"search\" "
		  "aria-label=\"Sachbearbeiter filtern\"><div class=\"field-row\">");
	static const struct {
		const char *name, *label;
	} filters[] = {{"name", "Name"}, {"vorname", "Vorname"}, {"kennung", "Nutzerkennung"}, {"gruppe", "Gruppe"},
		       {"status", "Benutzerstatus"}};
	const char *fvals[] = {f_name, f_vorname, f_kennung, f_gruppe, f_status};
	for (size_t i = 0; i < ARRAY_LEN(filters); i++)
		h_printf(&b, "<div class=\"field\"><label for=\"filter-%s\">%s</label><input id=\"filter-%s\" name=\"%s\" "
			     "type=\"text\" value=\"%s\"></div>",
			 filters[i].name, filters[i].label, filters[i].name, filters[i].name, fvals[i] ? fvals[i] : "");
	h_printf(&b, "<input type=\"hidden\" name=\"pro_seite\" value=\"%lld\"></div><div class=\"actions left\">"
		     "<button type=\"submit\" class=\"btn\">Filtern</button>"
		     "<a class=\"btn secondary\" href=\"/sachbearbeiter\">Filter zurücksetzen</a></div></form>",
		 size);
	h_raw(&b, "<div class=\"table-wrap\" role=\"region\" aria-label=\"Sachbearbeiter\" tabindex=\"0\">"
		  "<table class=\"list\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Vorname</th>"
		  "<th scope=\"col\">Nutzerkennung</th><th scope=\"col\">Gruppe</th><th scope=\"col\">Benutzerstatus</th>"
		  "</tr></thead><tbody>");
	for (size_t i = 0; i < nrows; i++) {
		const char *status = status_label(db_str(rows, i, 3));
		h_printf(&b, "<tr><td><a href=\"/sachbearbeiter/%s\">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>%s%s</td></tr>",
			 db_str(rows, i, 2), db_str(rows, i, 0), db_str(rows, i, 1), db_str(rows, i, 2),
			 gruppen_text(r, gruppen_mask(db_str(rows, i, 5))), status,
			 db_int(rows, i, 4) == 1 ? " (vorübergehend gesperrt)" : "");
	}
	if (!nrows)
		h_raw(&b, "<tr><td colspan=\"5\">Keine Sachbearbeiter gefunden.</td></tr>");
	h_raw(&b, "</tbody></table></div>");
	/* pager: Elemente pro Seite, "1 - 20 von 57", |< < > >| */
	h_raw(&b, "<div class=\"pager\"><form method=\"get\" action=\"/sachbearbeiter\">");
	const char *hidden_names[] = {"name", "vorname", "kennung", "gruppe", "status"};
	for (size_t i = 0; i < ARRAY_LEN(hidden_names); i++)
		if (fvals[i] && *fvals[i])
			h_printf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", hidden_names[i], fvals[i]);
	h_raw(&b, "<label for=\"pro-seite\">Elemente pro Seite:</label> <select id=\"pro-seite\" name=\"pro_seite\">");
	for (size_t i = 0; i < ARRAY_LEN(page_sizes); i++)
		h_printf(&b, "<option value=\"%ld\"%s>%ld</option>", page_sizes[i], page_sizes[i] == size ? " selected" : "",
			 page_sizes[i]);
	h_raw(&b, "</select> <button type=\"submit\" class=\"btn secondary\">Anzeigen</button></form>");
	h_printf(&b, "<p aria-live=\"polite\">%lld - %lld von %lld</p><nav aria-label=\"Seiten\"><ul>", first, last, total);
	pager_link(&b, qs.data, 1, size, PG_FIRST, page > 1);
	pager_link(&b, qs.data, page - 1, size, PG_PREV, page > 1);
	pager_link(&b, qs.data, page + 1, size, PG_NEXT, page < pages);
	pager_link(&b, qs.data, pages, size, PG_LAST, page < pages);
	h_raw(&b, "</ul></nav></div></div>");
	page_send(r, 200, "Übersicht: Sachbearbeiter", &b);
}

/* ---------- details ---------- */

static const char *notice_text(const char *ok)
{
	static const struct {
		const char *key, *text;
	} notices[] = {
		{"gespeichert", "Die Änderungen wurden gespeichert. Eine Benachrichtigung über die Änderung der Daten an den "
				"Nutzer erfolgt nicht. Bitte informieren Sie den Nutzer über die Änderungen."},
		{"gespeichert-email", "Die Änderungen wurden gespeichert. Eine Benachrichtigung über die Änderung der Daten "
				      "an den Nutzer erfolgt nicht. Links zum Festlegen des Passwortes, die an die bisherige "
				      "E-Mail-Adresse gesendet wurden, sind jetzt ungültig; über „E-Mail für neues Passwort "
				      "versenden“ erhält der Nutzer bei Bedarf einen neuen Link an die neue Adresse."},
		{"gesperrt", "Der Benutzer wurde gesperrt. Alle seine Sitzungen wurden beendet."},
		{"entsperrt", "Der Benutzer wurde entsperrt."},
		{"aktivierung", "Eine neue E-Mail zum Festlegen des Passwortes wurde versendet. Der vorherige Link ist "
				"damit ungültig."},
		{"reset", "Eine E-Mail mit einem Link zum Festlegen eines neuen Passwortes wurde versendet."},
	};
	for (size_t i = 0; ok && i < ARRAY_LEN(notices); i++)
		if (strcmp(ok, notices[i].key) == 0)
			return notices[i].text;
	return NULL;
}

static void action_form(req *r, sbuf *b, const sb *s, const char *action, const char *label, const char *cls,
			bool disabled, const char *why_id)
{
	h_printf(b, "<form method=\"post\" action=\"/sachbearbeiter/%s/%s\"><input type=\"hidden\" name=\"csrf\" "
		    "value=\"%s\"><button type=\"submit\" class=\"%s\"%s",
		 s->kennung, action, r->csrf, cls, disabled ? " disabled" : "");
	if (why_id)
		h_printf(b, " aria-describedby=\"%s\"", why_id);
	h_printf(b, ">%s</button></form>", label);
}

static void details_json(req *r, const sb *s, unsigned avail)
{
	cJSON *o = json_obj(r);
	cJSON_AddStringToObject(o, "nutzerkennung", s->kennung);
	cJSON_AddStringToObject(o, "vorname", s->vorname);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "email", s->email);
	cJSON_AddStringToObject(o, "mitglied", r->me->org_line ? r->me->org_line : "");
	cJSON_AddStringToObject(o, "status", status_label(s->status));
	if (s->locked_until)
		cJSON_AddStringToObject(o, "voruebergehend_gesperrt_bis", s->locked_until);
	else
		cJSON_AddNullToObject(o, "voruebergehend_gesperrt_bis");
	cJSON *g = cJSON_AddArrayToObject(o, "gruppen");
	for (int i = 0; i < GRUPPE__MAX; i++)
		if (s->gruppen & (1u << i))
			cJSON_AddItemToArray(g, cJSON_CreateString(gruppe_name[i]));
	cJSON *rc = cJSON_AddArrayToObject(o, "rechte");
	cJSON_AddItemToArray(rc, cJSON_CreateString("postfach"));
	for (int k = 0; k < RECHT__MAX; k++)
		if ((s->rechte & (1u << k)) && (avail & (1u << k)))
			cJSON_AddItemToArray(rc, cJSON_CreateString(recht_key[k]));
	cJSON_AddNumberToObject(o, "version", (double)s->version);
}

void users_show(req *r)
{
	sb *s = sb_from_path(r);
	if (!s)
		return;
	unsigned avail = rechte_available(org_switched_off(r));
	if (r->want_json) {
		details_json(r, s, avail);
		json_send(r, 200);
		return;
	}
	bool locked = strcmp(s->status, "gesperrt") == 0;
	sbuf b = page_buf(r);
	h_printf(&b, "<div class=\"card\"><div class=\"title-row\"><h1>Sachbearbeiterdetails</h1>"
		     "<a class=\"btn secondary\" href=\"/sachbearbeiter/%s/bearbeiten\">Bearbeiten</a></div>",
		 s->kennung);
	const char *notice = notice_text(form_get(r, "ok"));
	if (notice)
		alert_box(&b, "success", notice);
	h_raw(&b, "<h2>Account-Daten</h2><dl class=\"data wide\">");
	char *status_text = arena_strdup(r->a, status_label(s->status));
	str_upper_ascii(status_text);
	h_printf(&b, "<dt>Vorname</dt><dd>%s</dd><dt>Name</dt><dd>%s</dd><dt>Mitglied</dt><dd>%s</dd>"
		     "<dt>E-Mail-Adresse</dt><dd>%s</dd><dt>Benutzerstatus</dt><dd><span class=\"status-badge status-%s\">%s</span>",
		 s->vorname, s->name, r->me->org_line ? r->me->org_line : "", s->email, s->status, status_text);
	if (s->locked_until)
		h_printf(&b, " <span class=\"warning-text\">(vorübergehend gesperrt bis %s)</span>", s->locked_until);
	h_printf(&b, "</dd><dt>Nutzerkennung</dt><dd>%s</dd></dl>", s->kennung);
	gruppen_rechte(r, &b, s->gruppen, s->rechte, avail, false);
	h_raw(&b, "<div class=\"actions left\">");
	if (locked)
		action_form(r, &b, s, "entsperren", "Benutzer entsperren", "btn", false, NULL);
	else
		action_form(r, &b, s, "sperren", "Benutzer sperren", "btn danger", false, NULL);
	action_form(r, &b, s, "passwort-email", "E-Mail für neues Passwort versenden", "btn secondary", locked,
		    locked ? "hinweis-gesperrt" : NULL);
	h_raw(&b, "</div>");
	if (locked)
		h_raw(&b, "<p class=\"hint\" id=\"hinweis-gesperrt\">Solange der Benutzer gesperrt ist, kann keine E-Mail für "
			  "ein neues Passwort versendet werden.</p>");
	if (s->locked_until)
		h_printf(&b, "<div class=\"alert warning\" role=\"note\"><p>Der Nutzer hat sich durch wiederholte Fehleingabe "
			     "seiner Anmeldedaten vorübergehend selbst gesperrt. Diese Sperre können Sie nicht aufheben; sie "
			     "endet automatisch am %s.</p></div>",
			 s->locked_until);
	h_raw(&b, "<p><a href=\"/sachbearbeiter\">Zurück zur Übersicht</a></p>");
	if (str_eq(form_get(r, "angelegt"), "1"))
		h_printf(&b, "<dialog class=\"modal success\" open aria-labelledby=\"dlg-anlage-titel\">"
			     "<h2 id=\"dlg-anlage-titel\">ANLAGE ERFOLGREICH</h2>"
			     "<p>Der Sachbearbeiter-Account wurde erfolgreich angelegt. Bitte teilen Sie %s %s die Nutzerkennung "
			     "separat mit. %s %s erhält in Kürze automatisch eine E-Mail zum erstmaligen Setzen des Passwortes.</p>"
			     "<p>Nutzerkennung: <strong>%s</strong></p>"
			     "<p>Bitte fordern Sie den Beschäftigten auf, sein Nutzerkonto innerhalb der nächsten %ld Minuten "
			     "zu aktivieren.</p>"
			     "<form method=\"dialog\" class=\"actions\"><button type=\"submit\" class=\"btn\">Bestätigen</button>"
			     "</form></dialog>",
			 s->vorname, s->name, s->vorname, s->name, s->kennung, (cfg.link_ttl_s + 59) / 60);
	h_raw(&b, "</div>");
	page_send(r, 200, "Sachbearbeiterdetails", &b);
}

/* ---------- edit ---------- */

static sb *edit_target;

static void edit_render(req *r)
{
	sb *s = edit_target;
	unsigned avail = rechte_available(org_switched_off(r));
	if (r->want_json) {
		details_json(r, s, avail);
		json_send(r, r->status ? r->status : 200);
		return;
	}
	bool posted = strcmp(r->method, "POST") == 0 && r->status != 409;
	sbuf b = page_buf(r);
	h_raw(&b, "<div class=\"card\"><h1>Sachbearbeiterdetails ändern</h1>"
		  "<p class=\"required-note\">Mit * gekennzeichnete Felder sind Pflichtfelder</p>");
	if (r->status == 409)
		alert_box(&b, "error", conflict_msg);
	form_open(r, &b, arena_printf(r->a, "/sachbearbeiter/%s/bearbeiten", s->kennung), false);
	h_printf(&b, "<input type=\"hidden\" name=\"version\" value=\"%lld\">", s->version);
	account_fields(r, &b, posted ? form_get(r, "vorname") : s->vorname, posted ? form_get(r, "name") : s->name,
		       posted ? form_get(r, "email") : s->email);
	char *status_text = arena_strdup(r->a, status_label(s->status));
	str_upper_ascii(status_text);
	h_printf(&b, "<dl class=\"data\"><dt>Benutzerstatus</dt><dd>%s</dd><dt>Nutzerkennung</dt><dd>%s</dd></dl>",
		 status_text, s->kennung);
	gruppen_rechte(r, &b, posted ? form_mask_or(r, "gruppe", 0, true) : s->gruppen,
		       posted ? form_mask_or(r, "recht", 0, false) : s->rechte, avail, true);
	h_printf(&b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/sachbearbeiter/%s\">Abbrechen</a>"
		     "<button type=\"submit\" class=\"btn\">Speichern</button></div>",
		 s->kennung);
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, "Sachbearbeiterdetails ändern", &b);
}

void users_edit_get(req *r)
{
	edit_target = sb_from_path(r);
	if (edit_target)
		edit_render(r);
}

struct edit_ctx {
	req *r;
	sb_form *f;
	unsigned avail;
	int outcome; /* 0 saved, 1 conflict, 2 gone, 3 duplicate e-mail */
	bool email_changed;
	sb *fresh;
};

static void diff_add(sbuf *d, const char *what, const char *old, const char *new)
{
	if (str_eq(old, new))
		return;
	if (d->len)
		sbuf_adds(d, "; ");
	sbuf_printf(d, "%s: %s → %s", what, old, new);
}

static int edit_tx(void *p)
{
	struct edit_ctx *c = p;
	req *r = c->r;
	sb_form *f = c->f;
	int dberr;
	sb *cur = sb_load(r, edit_target->kennung, true, &dberr);
	if (dberr)
		return DB_TX_FAIL;
	if (!cur) {
		c->outcome = 2;
		return 1;
	}
	c->fresh = cur;
	if (f->version >= 0 && f->version != cur->version) {
		c->outcome = 1;
		return 1;
	}
	/* rights the organisation may not grant keep their stored value (§1.7: they stop taking effect) */
	unsigned rechte = (cur->rechte & ~c->avail) | (f->rechte & c->avail);
	if (db_exec("UPDATE account SET vorname = ?, name = ?, email = ?, recht_anspruchsberechtigte = ?, "
		    "recht_kontaktdaten = ?, recht_formulare = ?, version = version + 1, updated_at = NOW() WHERE id = ?",
		    DBARGS(DS(f->vorname), DS(f->name), DS(f->email), DI(!!(rechte & 1)), DI(!!(rechte & 2)),
			   DI(!!(rechte & 4)), DI(cur->id)),
		    NULL, NULL) != 0) {
		if (db_last_error() == DB_ERR_DUP) {
			c->outcome = 3;
			return 1;
		}
		return DB_TX_FAIL;
	}
	if (save_gruppen(cur->id, f->gruppen) != 0)
		return DB_TX_FAIL;
	/* links already mailed to the old address must not work any more */
	c->email_changed = !str_eq(cur->email, f->email);
	if (c->email_changed && db_exec("UPDATE link_token SET used_at = NOW() WHERE account_id = ? AND used_at IS NULL "
					"AND zweck IN ('aktivierung', 'reset')",
					DBARGS(DI(cur->id)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	sbuf d = page_buf(r);
	diff_add(&d, "Vorname", cur->vorname, f->vorname);
	diff_add(&d, "Name", cur->name, f->name);
	diff_add(&d, "E-Mail", cur->email, f->email);
	diff_add(&d, "Gruppen", gruppen_text(r, cur->gruppen), gruppen_text(r, f->gruppen));
	diff_add(&d, "Rechte", rechte_text(r, cur->rechte), rechte_text(r, rechte));
	audit(&r->who, "sb_updated", cur->kennung, d.len ? d.data : "keine Änderung");
	c->outcome = 0;
	return 0;
}

void users_edit_post(req *r)
{
	edit_target = sb_from_path(r);
	if (!edit_target)
		return;
	unsigned avail = rechte_available(org_switched_off(r));
	sb_form f;
	sb_form_read(r, &f, false, avail);
	if (r->nerrors) {
		form_errors_send(r, 422, edit_render);
		return;
	}
	struct edit_ctx c = {.r = r, .f = &f, .avail = avail};
	int rc = db_tx(edit_tx, &c);
	if (rc < 0) {
		db_fail(r);
		return;
	}
	switch (c.outcome) {
	case 0:
		redirect(r, arena_printf(r->a, "/sachbearbeiter/%s?ok=%s", edit_target->kennung,
					 c.email_changed ? "gespeichert-email" : "gespeichert"));
		return;
	case 1:
		edit_target = c.fresh; /* show what is stored now */
		form_error(r, "_", conflict_msg);
		form_errors_send(r, 409, edit_render);
		return;
	case 2:
		page_error(r, 404, not_found_msg);
		return;
	default:
		form_error(r, "email", "Diese E-Mail-Adresse ist bereits einem anderen Sachbearbeiter Ihrer Organisation "
				       "zugeordnet.");
		form_errors_send(r, 422, edit_render);
		return;
	}
}

/* ---------- lock, unlock, password mail ---------- */

struct state_ctx {
	req *r;
	const char *action; /* "sperren", "entsperren", "passwort-email" */
	int outcome;        /* 0 done, 1 nothing to do, 2 gone, 3 rate limited, 4 locked (no mail) */
	const char *done;   /* notice key */
};

static int state_tx(void *p)
{
	struct state_ctx *c = p;
	req *r = c->r;
	int dberr;
	sb *s = sb_load(r, r->path_arg, true, &dberr);
	if (dberr)
		return DB_TX_FAIL;
	if (!s) {
		c->outcome = 2;
		return 1;
	}
	if (strcmp(c->action, "sperren") == 0) {
		if (strcmp(s->status, "gesperrt") == 0) {
			c->outcome = 1;
			return 0;
		}
		if (db_exec("UPDATE account SET status_vor_sperre = status, status = 'gesperrt', version = version + 1, "
			    "updated_at = NOW() WHERE id = ?",
			    DBARGS(DI(s->id)), NULL, NULL) != 0 ||
		    session_end_all(s->id) != 0)
			return DB_TX_FAIL;
		audit(&r->who, "sb_locked", s->kennung, arena_printf(r->a, "Benutzerstatus: %s → Gesperrt", status_label(s->status)));
		c->done = "gesperrt";
	} else if (strcmp(c->action, "entsperren") == 0) {
		if (strcmp(s->status, "gesperrt") != 0) {
			c->outcome = 1;
			return 0;
		}
		db_res *prev = db_query(r->a, "SELECT COALESCE(status_vor_sperre, IF(password_hash IS NULL, 'angelegt', 'aktiv')) "
					      "FROM account WHERE id = ?",
					DBARGS(DI(s->id)));
		if (!prev || prev->nrows != 1)
			return DB_TX_FAIL;
		const char *back = db_str(prev, 0, 0);
		if (db_exec("UPDATE account SET status = ?, status_vor_sperre = NULL, version = version + 1, "
			    "updated_at = NOW() WHERE id = ?",
			    DBARGS(DS(back), DI(s->id)), NULL, NULL) != 0)
			return DB_TX_FAIL;
		audit(&r->who, "sb_unlocked", s->kennung, arena_printf(r->a, "Benutzerstatus: Gesperrt → %s", status_label(back)));
		c->done = "entsperrt";
	} else {
		if (strcmp(s->status, "gesperrt") == 0) {
			c->outcome = 4;
			return 0;
		}
		char bucket[64];
		snprintf(bucket, sizeof bucket, "adminmail:%lld", s->id);
		int ok = rate_hit(&r->who, bucket, cfg.reset_mail_limit, cfg.rate_window_s);
		if (ok < 0)
			return DB_TX_FAIL;
		if (!ok) {
			c->outcome = 3;
			return 0;
		}
		if (queue_password_mail(r, s->id, s->status, s->email, s->vorname, s->name) != 0)
			return DB_TX_FAIL;
		bool activation = strcmp(s->status, "angelegt") == 0;
		audit(&r->who, "sb_password_mail", s->kennung, activation ? "neuer Aktivierungslink" : "Link zum Zurücksetzen");
		c->done = activation ? "aktivierung" : "reset";
	}
	c->outcome = 0;
	return 0;
}

static void state_change(req *r, const char *action)
{
	struct state_ctx c = {.r = r, .action = action};
	int rc = db_tx(state_tx, &c);
	if (rc < 0) {
		db_fail(r);
		return;
	}
	switch (c.outcome) {
	case 0:
		redirect(r, arena_printf(r->a, "/sachbearbeiter/%s?ok=%s", r->path_arg, c.done));
		return;
	case 1:
		redirect(r, arena_printf(r->a, "/sachbearbeiter/%s", r->path_arg));
		return;
	case 2:
		page_error(r, 404, not_found_msg);
		return;
	case 3:
		page_error(r, 429, "Für diesen Benutzer wurden in kurzer Zeit zu viele E-Mails angefordert. Bitte versuchen "
				   "Sie es später erneut.");
		return;
	default:
		page_error(r, 409, "Der Benutzer ist gesperrt. Bitte entsperren Sie ihn, bevor Sie eine E-Mail für ein "
				   "neues Passwort versenden.");
		return;
	}
}

void users_lock(req *r)
{
	state_change(r, "sperren");
}

void users_unlock(req *r)
{
	state_change(r, "entsperren");
}

void users_password_mail(req *r)
{
	state_change(r, "passwort-email");
}

/* ---------- change log ---------- */

#define LOG_PAGE 50

static void log_filter_html(sbuf *b, const char *who)
{
	h_raw(b, "<div class=\"card\"><h1>Änderungsprotokoll</h1><p class=\"lead\">Alle Änderungen an den Nutzerkonten "
		 "Ihrer Organisation: wer, wann, was (alte → neue Werte). Zeiten in UTC.</p>"
		 "<form class=\"filter\" method=\"get\" action=\"/protokoll\" role=\"search\" aria-label=\"Protokoll filtern\">"
		 "<div class=\"field-row\"><div class=\"field\"><label for=\"filter-kennung\">Nutzerkennung</label>");
	h_printf(b, "<input id=\"filter-kennung\" name=\"kennung\" type=\"text\" value=\"%s\"></div></div>"
		    "<div class=\"actions left\"><button type=\"submit\" class=\"btn\">Filtern</button>"
		    "<a class=\"btn secondary\" href=\"/protokoll\">Filter zurücksetzen</a></div></form>",
		 who ? who : "");
}

static void log_table_html(sbuf *b, const audit_entry *e, long long n)
{
	h_raw(b, "<div class=\"table-wrap\" role=\"region\" aria-label=\"Änderungsprotokoll\" tabindex=\"0\">"
		 "<table class=\"list\"><thead><tr><th scope=\"col\">Zeitpunkt (UTC)</th><th scope=\"col\">Wer</th>"
		 "<th scope=\"col\">Aktion</th><th scope=\"col\">Betroffen</th><th scope=\"col\">Änderung</th></tr></thead><tbody>");
	for (long long i = 0; i < n; i++)
		h_printf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", e[i].zeit, e[i].wer,
			 audit_event_label(e[i].ereignis), e[i].betroffen, e[i].aenderung);
	if (!n)
		h_raw(b, "<tr><td colspan=\"5\">Keine Einträge.</td></tr>");
	h_raw(b, "</tbody></table></div>");
}

void users_log(req *r)
{
	const char *who = form_get(r, "kennung");
	long long page = 1;
	const char *pg = form_get(r, "seite");
	if (pg && parse_int(pg, 1, 1000000, &page) != 0)
		page = 1;
	audit_entry *e;
	long long n = audit_list(r->a, r->me->org_id, AUDIT_ACCOUNTS, who, LOG_PAGE + 1, (page - 1) * LOG_PAGE, &e);
	if (n < 0) {
		db_fail(r);
		return;
	}
	bool more = n > LOG_PAGE;
	if (more)
		n = LOG_PAGE;
	if (r->want_json) {
		cJSON *arr = cJSON_AddArrayToObject(json_obj(r), "eintraege");
		for (long long i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, audit_entry_json(&e[i], "zeit_utc"));
		cJSON_AddNumberToObject(json_obj(r), "seite", (double)page);
		cJSON_AddBoolToObject(json_obj(r), "weitere", more);
		json_send(r, 200);
		return;
	}
	sbuf b = page_buf(r);
	log_filter_html(&b, who);
	log_table_html(&b, e, n);
	h_raw(&b, "<nav class=\"pager\" aria-label=\"Seiten\"><ul>");
	if (page > 1)
		h_printf(&b, "<li><a href=\"%s\">Neuere Einträge</a></li>",
			 url_printf(r->a, "/protokoll?kennung=%s&seite=%lld", who ? who : "", page - 1));
	if (more)
		h_printf(&b, "<li><a href=\"%s\">Ältere Einträge</a></li>",
			 url_printf(r->a, "/protokoll?kennung=%s&seite=%lld", who ? who : "", page + 1));
	h_raw(&b, "</ul></nav></div>");
	page_send(r, 200, "Änderungsprotokoll", &b);
}
