/* page_links.c — handbook §1.1 and §1.4: the flows of mailed single-use links: "Passwort
 * vergessen", setting a password from a link (activation or reset), retrieving the
 * Nutzerkennung. Unknown tokens are rate-limited per address. */
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
#include "log.h"
#include "mail.h"
#include "password.h"
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char link_invalid_msg[] =
	"Dieser Link ist abgelaufen oder wurde bereits verwendet. Bitte wenden Sie sich an die "
	"Portal-Administratoren der Kassen.";

/* ---------------- forgot password ---------------- */

struct forgot_form {
	const char *kennung;
};

static const form_field forgot_fields[] = {
	{"kennung", "Nutzerkennung", FT_TEXT, FF_REQUIRED | FF_KEEP, 0, NULL, "Bitte geben Sie Ihre Nutzerkennung ein.",
	 NULL, "username", offsetof(struct forgot_form, kennung)},
};

struct forgot_view {
	bool sent; /* "?gesendet=1": the request was taken */
	const struct forgot_form *in;
};

static const char forgot_sent_msg[] =
	"Wenn die Nutzerkennung zu einem aktiven Nutzerkonto gehört, erhalten Sie in Kürze eine E-Mail mit "
	"einem Link zur Neuvergabe Ihres Passwortes. Der Link ist 60 Minuten gültig.";

static void forgot_html(req *r, sbuf *b, const void *view)
{
	const struct forgot_view *v = view;
	h_raw(b, "<div class=\"card narrow\"><h1>Passwort zurücksetzen</h1>");
	if (v->sent) {
		alert_box(b, "success", forgot_sent_msg);
		h_raw(b, "<p><a href=\"/anmelden\">Zur Anmeldung</a></p></div>");
		return;
	}
	h_raw(b, "<p class=\"lead\">Sie können unter Angabe Ihrer Nutzerkennung die Zurücksetzung Ihres Passwortes "
		 "anfordern.</p>");
	required_note(b);
	form_open(r, b, "/passwort-vergessen", false);
	form_fields(r, b, forgot_fields, ARRAY_LEN(forgot_fields), v->in);
	h_raw(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/anmelden\">Abbrechen</a>"
		 "<button type=\"submit\" class=\"btn\">Bestätigen</button></div>");
	form_close(b);
	h_raw(b, "</div>");
}

static void forgot_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct forgot_view *v = view;
	cJSON_AddStringToObject(o, "titel", "Passwort zurücksetzen");
	if (v->sent)
		cJSON_AddStringToObject(o, "hinweis", forgot_sent_msg);
}

static const page_kind forgot_page = {"Passwort zurücksetzen", forgot_html, forgot_json, NULL};

void auth_forgot_get(req *r)
{
	struct forgot_form prefill = {form_get(r, "kennung")};
	struct forgot_view v = {str_eq(form_get(r, "gesendet"), "1"), &prefill};
	page_render(r, 200, &forgot_page, &v);
}

struct forgot_ctx {
	req *r;
	const char *kennung;
};

static int forgot_tx(void *p)
{
	struct forgot_ctx *c = p;
	req *r = c->r;
	char bucket[96];
	snprintf(bucket, sizeof bucket, "forgot-ip:%s", r->remote ? r->remote : "");
	int ip_ok = rate_hit(bucket, 30, cfg.rate_window_s);
	if (ip_ok < 0)
		return DB_TX_FAIL;
	enum { ID, EMAIL, VORNAME, NAME };
	db_res *acc = db_query(r->a, "SELECT id, email, vorname, name FROM account WHERE kennung = ? AND status = 'aktiv'",
			       DBARGS(DS(c->kennung)));
	if (!acc)
		return DB_TX_FAIL;
	if (!ip_ok || acc->nrows == 0)
		return 0;
	long long id = db_int(acc, 0, ID);
	snprintf(bucket, sizeof bucket, "resetmail:%lld", id);
	int ok = rate_hit(bucket, cfg.reset_mail_limit, cfg.rate_window_s);
	if (ok < 0)
		return DB_TX_FAIL;
	if (!ok) {
		log_event("reset_mail_limited", c->kennung, NULL, "");
		return 0;
	}
	char token[TOKEN_CHARS + 1];
	if (link_create(id, "reset", token) != 0)
		return DB_TX_FAIL;
	char minutes[24];
	snprintf(minutes, sizeof minutes, "%ld", (cfg.link_ttl_s + 59) / 60);
	tpl_slot slots[] = {{"vorname", db_str(acc, 0, VORNAME)}, {"name", db_str(acc, 0, NAME)},
			    {"link", link_url(r->a, "/passwort-setzen", token)}, {"minutes", minutes}};
	sodium_memzero(token, sizeof token);
	return mail_queue(db_str(acc, 0, EMAIL), "passwort-zuruecksetzen.txt", slots, ARRAY_LEN(slots)) ? DB_TX_FAIL : 0;
}

void auth_forgot_post(req *r)
{
	struct forgot_form in;
	if (form_read(r, forgot_fields, ARRAY_LEN(forgot_fields), &in)) {
		struct forgot_view v = {false, &in};
		page_render(r, 422, &forgot_page, &v);
		return;
	}
	char *kennung = arena_strdup(r->a, in.kennung);
	if (kennung_normalize(kennung)) {
		struct forgot_ctx c = {r, kennung};
		if (db_tx(forgot_tx, &c) != 0) {
			db_fail(r);
			return;
		}
	}
	log_event("password_reset_requested", NULL, NULL, "");
	redirect(r, "/passwort-vergessen?gesendet=1");
}

/* ---------------- links: set password, retrieve Nutzerkennung ---------------- */

typedef struct link_info {
	long long id, account_id;
	char *zweck, *kennung, *vorname, *name, *email, *status, *rolle, *geburtsdatum, *pnr;
	const db_cell *salt;
	long long hist_ops, hist_mem, tries;
} link_info;

/* Looks up a live link token from ?token= or the form; NULL if unknown, used or expired, or while
 * the account is gesperrt (no link sets a password then). */
static link_info *link_lookup(req *r, const char *zweck1, const char *zweck2, bool for_update, int *dberr)
{
	*dberr = 0;
	const char *token = form_get(r, "token");
	if (!token || strlen(token) != TOKEN_CHARS)
		return NULL;
	unsigned char h[HASH_BYTES];
	secret_hash("link", token, strlen(token), h);
	/* a link mailed by another host a moment ago: wait for the cluster's commits (see session_load) */
	db_res *res = db_query(r->a, for_update ?
		"SET STATEMENT wsrep_sync_wait = 1 FOR "
		"SELECT lt.id, lt.zweck, a.id, a.kennung, a.vorname, a.name, a.email, a.status, a.rolle, "
		"a.history_salt, a.history_ops, a.history_mem_kib, lt.tries, DATE_FORMAT(a.geburtsdatum, '%Y-%m-%d'), o.pnr "
		"FROM link_token lt JOIN account a ON a.id = lt.account_id LEFT JOIN organisation o ON o.id = a.org_id "
		"WHERE lt.token_hash = ? AND lt.used_at IS NULL AND lt.expires_at > NOW() AND lt.zweck IN (?, ?) "
		"AND a.status <> 'gesperrt' FOR UPDATE" :
		"SET STATEMENT wsrep_sync_wait = 1 FOR "
		"SELECT lt.id, lt.zweck, a.id, a.kennung, a.vorname, a.name, a.email, a.status, a.rolle, "
		"a.history_salt, a.history_ops, a.history_mem_kib, lt.tries, DATE_FORMAT(a.geburtsdatum, '%Y-%m-%d'), o.pnr "
		"FROM link_token lt JOIN account a ON a.id = lt.account_id LEFT JOIN organisation o ON o.id = a.org_id "
		"WHERE lt.token_hash = ? AND lt.used_at IS NULL AND lt.expires_at > NOW() AND lt.zweck IN (?, ?) "
		"AND a.status <> 'gesperrt'",
		DBARGS(DB(h, sizeof h), DS(zweck1), DS(zweck2)));
	if (!res) {
		*dberr = 1;
		return NULL;
	}
	if (res->nrows == 0)
		return NULL;
	enum { LT_ID, LT_ZWECK, A_ID, A_KENNUNG, A_VORNAME, A_NAME, A_EMAIL, A_STATUS, A_ROLLE, A_SALT, A_OPS,
	       A_MEM, LT_TRIES, A_GEBURTSDATUM, O_PNR };
	link_info *li = arena_alloc(r->a, sizeof *li);
	*li = (link_info){.id = db_int(res, 0, LT_ID), .account_id = db_int(res, 0, A_ID),
			  .zweck = (char *)db_str(res, 0, LT_ZWECK), .kennung = (char *)db_str(res, 0, A_KENNUNG),
			  .vorname = (char *)db_str(res, 0, A_VORNAME), .name = (char *)db_str(res, 0, A_NAME),
			  .email = (char *)db_str(res, 0, A_EMAIL), .status = (char *)db_str(res, 0, A_STATUS),
			  .rolle = (char *)db_str(res, 0, A_ROLLE), .geburtsdatum = (char *)db_str(res, 0, A_GEBURTSDATUM),
			  .pnr = (char *)db_str(res, 0, O_PNR), .salt = db_get(res, 0, A_SALT),
			  .hist_ops = db_int(res, 0, A_OPS), .hist_mem = db_int(res, 0, A_MEM),
			  .tries = db_int(res, 0, LT_TRIES)};
	return li;
}

/* Unknown-token lookups are counted per address: guessing is rate-limited (ASVS 6.4.1). */
static bool link_guard(req *r)
{
	char bucket[96];
	snprintf(bucket, sizeof bucket, "link-miss:%s", r->remote ? r->remote : "");
	int ok = rate_hit(bucket, 60, cfg.rate_window_s);
	return ok != 0;
}

static void link_dead(req *r)
{
	if (!link_guard(r)) {
		page_error(r, 429, "Zu viele ungültige Links in kurzer Zeit. Bitte warten Sie einige Minuten.");
		return;
	}
	/* a Sachbearbeiter gets a new link from the administrator of their organisation (§3) */
	const char *token = form_get(r, "token");
	if (token && strlen(token) == TOKEN_CHARS) {
		unsigned char h[HASH_BYTES];
		secret_hash("link", token, strlen(token), h);
		db_res *who = db_query(r->a, "SELECT a.rolle FROM link_token lt JOIN account a ON a.id = lt.account_id "
					     "WHERE lt.token_hash = ?",
				       DBARGS(DB(h, sizeof h)));
		if (who && who->nrows == 1 && str_eq(db_str(who, 0, 0), "S")) {
			page_error(r, 410, "Dieser Link ist abgelaufen oder wurde bereits verwendet. Bitte wenden Sie sich an "
					   "den Administrator Ihrer Organisation; er kann Ihnen eine neue E-Mail senden.");
			return;
		}
	}
	page_error(r, 410, link_invalid_msg);
}

/* The live link of the request's token, or NULL after answering (database error, dead link). */
static link_info *live_link(req *r, const char *zweck1, const char *zweck2)
{
	int dberr;
	link_info *li = link_lookup(r, zweck1, zweck2, false, &dberr);
	if (dberr)
		db_fail(r);
	else if (!li)
		link_dead(r);
	return li;
}

static void policy_hint(sbuf *b)
{
	h_raw(b, "<div class=\"hint\" id=\"passwort-regeln\"><p>Ihr Passwort muss folgende Eigenschaften aufweisen:</p><ul>"
		 "<li>Länge zwischen 12 und 128 Zeichen</li>"
		 "<li>Mindestens ein Buchstabe, eine Ziffer und ein Sonderzeichen enthalten</li>"
		 "<li>Zuvor noch nicht für dieses Nutzerkonto genutzt worden sein</li>"
		 "<li>Nicht zu gebräuchlich sein und weder Ihre Nutzerkennung, Ihren Namen noch „Versorgung“ enthalten</li>"
		 "</ul></div>");
}

struct setpw_form {
	const char *passwort, *passwort_wiederholung;
};

static const form_field setpw_fields[] = {
	{"passwort", "Neues Passwort", FT_PASSWORD, FF_RAW, 0, NULL, NULL, NULL, "new-password",
	 offsetof(struct setpw_form, passwort)},
	{"passwort_wiederholung", "Neues Passwort bestätigen", FT_PASSWORD, FF_RAW, 0, NULL, NULL, NULL, "new-password",
	 offsetof(struct setpw_form, passwort_wiederholung)},
};

static const char *setpw_title(const void *view)
{
	const link_info *li = view;
	return strcmp(li->zweck, "aktivierung") == 0 ? "Passwort festlegen" : "Neues Passwort festlegen";
}

static void setpw_html(req *r, sbuf *b, const void *view)
{
	const link_info *li = view;
	h_printf(b, "<div class=\"card narrow\"><h1>%s</h1>", setpw_title(li));
	h_printf(b, "<p class=\"lead\">Bitte vergeben Sie ein Passwort für das Nutzerkonto von %s %s.</p>", li->vorname,
		 li->name);
	policy_hint(b);
	required_note(b);
	form_open(r, b, url_printf(r->a, "/passwort-setzen?token=%s", form_get(r, "token")), false);
	/* both are required: the policy check names what is missing */
	for (size_t i = 0; i < ARRAY_LEN(setpw_fields); i++)
		form_input(r, b, setpw_fields[i].name, setpw_fields[i].label, "password", NULL, "new-password", true);
	h_raw(b, "<div class=\"actions\"><button type=\"submit\" class=\"btn\">Passwort speichern</button></div>");
	form_close(b);
	h_raw(b, "</div>");
}

static const page_kind setpw_page = {NULL, setpw_html, NULL, setpw_title};

void auth_setpw_get(req *r)
{
	link_info *li = live_link(r, "aktivierung", "reset");
	if (!li)
		return;
	page_render(r, 200, &setpw_page, li);
}

static pw_owner link_owner(const link_info *li)
{
	return (pw_owner){li->account_id, li->kennung, li->vorname, li->name, li->email, li->salt, li->hist_ops,
			  li->hist_mem};
}

struct setpw_ctx {
	req *r;
	long long account_id; /* of the link as first looked up */
	newpw *n;
	enum { SETPW_DONE, SETPW_LINK_DEAD, SETPW_REUSED } outcome;
};

static int setpw_tx(void *p)
{
	struct setpw_ctx *c = p;
	req *r = c->r;
	int dberr;
	link_info *li = link_lookup(r, "aktivierung", "reset", true, &dberr);
	if (dberr)
		return DB_TX_FAIL;
	if (!li || li->account_id != c->account_id) {
		c->outcome = SETPW_LINK_DEAD;
		return 0;
	}
	pw_owner owner = link_owner(li);
	int saved = newpw_save(&r->who, &owner, c->n);
	if (saved < 0)
		return DB_TX_FAIL;
	if (saved == 1) {
		c->outcome = SETPW_REUSED;
		return 0;
	}
	c->outcome = SETPW_DONE;
	if (db_exec("UPDATE link_token SET used_at = NOW() WHERE id = ?", DBARGS(DI(li->id)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	if (strcmp(li->zweck, "aktivierung") == 0 && role_parse(li->rolle) == ROLE_ADMIN) {
		/* handbook §1.1: the second mail brings the link to retrieve the Nutzerkennung */
		char token[TOKEN_CHARS + 1], minutes[24];
		if (link_create(li->account_id, "kennung", token) != 0)
			return DB_TX_FAIL;
		snprintf(minutes, sizeof minutes, "%ld", (cfg.link_ttl_s + 59) / 60);
		tpl_slot slots[] = {{"vorname", li->vorname}, {"name", li->name},
				    {"link", link_url(r->a, "/nutzerkennung", token)}, {"minutes", minutes}};
		if (mail_queue(li->email, "nutzerkennung-abrufen.txt", slots, ARRAY_LEN(slots)) != 0)
			return DB_TX_FAIL;
	}
	return 0;
}

void auth_setpw_post(req *r)
{
	link_info *li = live_link(r, "aktivierung", "reset");
	if (!li)
		return;
	struct setpw_form in;
	form_read(r, setpw_fields, ARRAY_LEN(setpw_fields), &in);
	newpw n = {.pw = in.passwort, .confirm = in.passwort_wiederholung};
	pw_owner owner = link_owner(li);
	const char *msg, *confirm_msg; /* every refusal at once, each at its field */
	if (!newpw_check(r->a, &n, &owner, &msg, &confirm_msg)) {
		if (msg)
			form_error(r, "passwort", msg);
		if (confirm_msg)
			form_error(r, "passwort_wiederholung", confirm_msg);
		page_render(r, 422, &setpw_page, li);
		return;
	}
	if (newpw_hash(&n, &owner) != 0) {
		page_error(r, 503, "Der Dienst ist vorübergehend ausgelastet. Bitte versuchen Sie es gleich noch einmal.");
		return;
	}
	struct setpw_ctx c = {r, li->account_id, &n, SETPW_DONE};
	int rc = db_tx(setpw_tx, &c);
	sodium_memzero(&n, sizeof n);
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome == SETPW_LINK_DEAD) {
		link_dead(r);
		return;
	}
	if (c.outcome == SETPW_REUSED) {
		form_error(r, "passwort", newpw_reused_msg);
		page_render(r, 422, &setpw_page, li);
		return;
	}
	audit_self(&r->who, li->account_id, strcmp(li->zweck, "aktivierung") == 0 ? "account_activated" : "password_reset", "");
	if (r->sess && r->me && r->me->id == li->account_id)
		session_clear_cookie(r);
	redirect(r, "/anmelden?grund=passwort-gesetzt");
}

/* Nutzerkennung retrieval (§1.1 step 2). */

struct kennung_form {
	const char *vorname, *name, *geburtsdatum, *mitgliedsnummer;
};

static const form_field kennung_fields[] = {
	{"vorname", "Vorname", FT_TEXT, FF_REQUIRED | FF_KEEP, 0, NULL, "Bitte geben Sie Ihren Vornamen ein.", NULL,
	 "given-name", offsetof(struct kennung_form, vorname)},
	{"name", "Name", FT_TEXT, FF_REQUIRED | FF_KEEP, 0, NULL, "Bitte geben Sie Ihren Namen ein.", NULL, "family-name",
	 offsetof(struct kennung_form, name)},
	{"geburtsdatum", "Geburtsdatum (TT.MM.JJJJ)", FT_DATE, FF_REQUIRED | FF_KEEP, 0, check_date,
	 "Bitte geben Sie Ihr Geburtsdatum im Format TT.MM.JJJJ ein.", NULL, "bday",
	 offsetof(struct kennung_form, geburtsdatum)},
	{"mitgliedsnummer", "Mitgliedsnummer", FT_TEXT, FF_REQUIRED | FF_KEEP, 0, NULL,
	 "Bitte geben Sie die Mitgliedsnummer Ihrer Organisation ein.", NULL, "off",
	 offsetof(struct kennung_form, mitgliedsnummer)},
};

static void kennung_html(req *r, sbuf *b, const void *view)
{
	(void)view;
	/* what was typed is shown again as typed (the date not normalised) */
	struct kennung_form typed = {form_get(r, "vorname"), form_get(r, "name"), form_get(r, "geburtsdatum"),
				     form_get(r, "mitgliedsnummer")};
	h_raw(b, "<div class=\"card narrow\"><h1>Nutzerkennung abrufen</h1>"
		 "<p class=\"lead\">Zum Abruf der Nutzerkennung ist die Eingabe folgender Daten erforderlich.</p>");
	required_note(b);
	form_open(r, b, url_printf(r->a, "/nutzerkennung?token=%s", form_get(r, "token")), false);
	form_fields(r, b, kennung_fields, ARRAY_LEN(kennung_fields), &typed);
	h_raw(b, "<div class=\"actions\"><button type=\"submit\" class=\"btn\">Nutzerkennung anzeigen</button></div>");
	form_close(b);
	h_raw(b, "</div>");
}

static const page_kind kennung_page = {"Nutzerkennung abrufen", kennung_html, NULL, NULL};

static void kennung_shown_html(req *r, sbuf *b, const void *view)
{
	(void)r;
	h_printf(b, "<div class=\"card narrow\"><h1>Ihre Nutzerkennung</h1>"
		    "<p class=\"lead\">Ihre persönliche Nutzerkennung lautet:</p><p class=\"kennung\"><strong>%s</strong></p>"
		    "<p>Bitte notieren Sie sich Ihre Nutzerkennung. Sie benötigen sie zusammen mit Ihrem Passwort für die "
		    "Anmeldung. Dieser Link ist jetzt verbraucht.</p>"
		    "<p><a class=\"btn\" href=\"/anmelden\">Zur Anmeldung</a></p></div>",
		 (const char *)view);
}

static void kennung_shown_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	cJSON_AddStringToObject(o, "nutzerkennung", view);
}

static const page_kind kennung_shown_page = {"Ihre Nutzerkennung", kennung_shown_html, kennung_shown_json, NULL};

void auth_kennung_get(req *r)
{
	link_info *li = live_link(r, "kennung", "kennung");
	if (!li)
		return;
	page_render(r, 200, &kennung_page, NULL);
}

/* Case-insensitive for ASCII and German capitals, blanks around ignored. */
static bool same_name(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	for (size_t i = 0; i < la; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (i > 0 && (unsigned char)a[i - 1] == 0xC3) {
			if (x >= 0x80 && x <= 0x9E)
				x = (unsigned char)(x + 0x20);
			if (y >= 0x80 && y <= 0x9E)
				y = (unsigned char)(y + 0x20);
		}
		if (x != y)
			return false;
	}
	return true;
}

struct kennung_ctx {
	req *r;
	const char *vorname, *name, *datum, *pnr;
	enum { KENNUNG_SHOWN, KENNUNG_WRONG, KENNUNG_LINK_DEAD } outcome;
	long long left;
	char kennung[KENNUNG_LEN + 1];
};

static int kennung_tx(void *p)
{
	struct kennung_ctx *c = p;
	req *r = c->r;
	int dberr;
	link_info *li = link_lookup(r, "kennung", "kennung", true, &dberr);
	if (dberr)
		return DB_TX_FAIL;
	if (!li) {
		c->outcome = KENNUNG_LINK_DEAD;
		return 0;
	}
	bool match = same_name(c->vorname, li->vorname) && same_name(c->name, li->name) && li->geburtsdatum &&
		     strcmp(c->datum, li->geburtsdatum) == 0 && li->pnr && strcmp(c->pnr, li->pnr) == 0;
	if (match) {
		c->outcome = KENNUNG_SHOWN;
		snprintf(c->kennung, sizeof c->kennung, "%s", li->kennung);
		return db_exec("UPDATE link_token SET used_at = NOW() WHERE id = ?", DBARGS(DI(li->id)), NULL, NULL) ? DB_TX_FAIL : 0;
	}
	long long tries = li->tries + 1;
	c->left = cfg.kennung_link_max_tries - tries;
	c->outcome = c->left > 0 ? KENNUNG_WRONG : KENNUNG_LINK_DEAD;
	return db_exec("UPDATE link_token SET tries = ?, used_at = IF(? >= ?, NOW(), NULL) WHERE id = ?",
		       DBARGS(DI(tries), DI(tries), DI(cfg.kennung_link_max_tries), DI(li->id)), NULL, NULL) ? DB_TX_FAIL : 0;
}

void auth_kennung_post(req *r)
{
	link_info *li = live_link(r, "kennung", "kennung");
	if (!li)
		return;
	struct kennung_form in;
	if (form_read(r, kennung_fields, ARRAY_LEN(kennung_fields), &in)) {
		page_render(r, 422, &kennung_page, NULL);
		return;
	}
	struct kennung_ctx c = {.r = r, .vorname = in.vorname, .name = in.name, .datum = in.geburtsdatum,
				.pnr = in.mitgliedsnummer};
	if (db_tx(kennung_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome == KENNUNG_LINK_DEAD) {
		audit_self(&r->who, li->account_id, "kennung_link_exhausted", "");
		page_error(r, 410, "Die Angaben stimmten zu oft nicht überein oder der Link ist nicht mehr gültig. Bitte "
				   "wenden Sie sich an die Portal-Administratoren der Kassen.");
		return;
	}
	if (c.outcome == KENNUNG_WRONG) {
		audit_self(&r->who, li->account_id, "kennung_retrieval_failed", "");
		form_error(r, "_", c.left == 1 ? "Die Angaben stimmen nicht mit den hinterlegten Daten überein. Sie haben "
						 "noch einen Versuch."
					       : arena_printf(r->a, "Die Angaben stimmen nicht mit den hinterlegten Daten "
								    "überein. Verbleibende Versuche: %lld.", c.left));
		page_render(r, 422, &kennung_page, NULL);
		return;
	}
	audit_self(&r->who, li->account_id, "kennung_retrieved", "");
	page_render(r, 200, &kennung_shown_page, c.kennung);
}
