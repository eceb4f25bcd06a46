/* page_auth.c — handbook §1.1–§1.5: login with password and e-mailed TAN, logout and
 * keep-alive, "Passwort vergessen", setting a password from a link, retrieving the
 * Nutzerkennung. Failed logins never tell whether the Nutzerkennung exists. */
#include "app.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include "policy.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char login_failed_msg[] =
	"Die Anmeldung ist fehlgeschlagen. Bitte prüfen Sie Nutzerkennung und Passwort. Nach mehreren "
	"Fehlversuchen wird das Nutzerkonto vorübergehend gesperrt.";
static const char link_invalid_msg[] =
	"Dieser Link ist abgelaufen oder wurde bereits verwendet. Bitte wenden Sie sich an die "
	"Portal-Administratoren der Kassen.";

void db_fail(req *r)
{
	if (db_last_error() == DB_ERR_GONE)
		page_error(r, 503, "Der Dienst ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einigen "
				   "Minuten erneut.");
	else
		page_error(r, 500, "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.");
}

static const char *reason_text(const char *grund)
{
	static const struct {
		const char *key, *text;
	} reasons[] = {
		{"inaktiv", "Sie wurden aufgrund von Inaktivität abgemeldet. Bitte melden Sie sich erneut an, um das "
			    "Portal wieder zu benutzen."},
		{"abgemeldet", "Sie wurden erfolgreich abgemeldet."},
		{"beendet", "Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an."},
		{"passwort-geaendert", "Ihr Passwort wurde geändert. Sie wurden von allen Sitzungen abgemeldet. Bitte "
				       "melden Sie sich mit Ihrem neuen Passwort an."},
		{"passwort-gesetzt", "Ihr Passwort wurde gespeichert. Sie können sich jetzt mit Ihrer Nutzerkennung "
				     "und Ihrem Passwort anmelden."},
		{"tan-abgelaufen", "Die TAN ist abgelaufen. Bitte geben Sie Nutzerkennung und Passwort erneut ein, um "
				   "eine neue TAN zu erhalten."},
		{"tan-gesperrt", "Die TAN wurde zu oft falsch eingegeben. Bitte geben Sie Nutzerkennung und Passwort "
				 "erneut ein, um eine neue TAN zu erhalten."},
	};
	for (size_t i = 0; grund && i < ARRAY_LEN(reasons); i++)
		if (strcmp(grund, reasons[i].key) == 0)
			return reasons[i].text;
	return NULL;
}

static void required_note(sbuf *b)
{
	h_raw(b, "<p class=\"required-note\">Mit * gekennzeichnete Felder sind Pflichtfelder</p>");
}

/* ---------------- login ---------------- */

static void login_render(req *r)
{
	const char *grund = form_get(r, "grund");
	const char *reason = reason_text(grund);
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddStringToObject(o, "titel", "Anmelden");
		if (reason)
			cJSON_AddStringToObject(o, "hinweis", reason);
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_raw(&b, "<div class=\"card narrow\"><h1>Willkommen im Portal Meine Versorgung</h1>"
		  "<p class=\"lead\">Bitte melden Sie sich mit Ihren Zugangsdaten an.</p>");
	if (reason && !r->nerrors)
		alert_box(&b, strcmp(grund, "abgemeldet") == 0 || strcmp(grund, "passwort-geaendert") == 0 ||
				      strcmp(grund, "passwort-gesetzt") == 0 ? "success" : "info",
			  reason);
	required_note(&b);
	form_open(r, &b, "/anmelden", false);
	form_input(r, &b, "kennung", "Nutzerkennung oder Identifikationsnummer/PNR", "text", form_get(r, "kennung"),
		   "username", true);
	form_input(r, &b, "passwort", "Passwort", "password", NULL, "current-password", true);
	h_raw(&b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/passwort-vergessen\">Passwort vergessen</a>"
		  "<button type=\"submit\" class=\"btn\">Anmelden</button></div>");
	form_close(&b);
	h_raw(&b, "<h2>Registrieren</h2><p>Ihre Registrierung nehmen die Portal-Administratoren der Kassen vor. "
		  "Dazu legen diese einen individuellen Zugang mit Ihrem Namen und Ihrer dienstlichen E-Mail-Adresse an.</p>"
		  "<h2>Nutzerkennung vergessen?</h2><p>Sollten Sie Ihre Nutzerkennung vergessen haben, wenden Sie sich "
		  "bitte direkt an die Portal-Administratoren der Kassen.</p></div>");
	page_send(r, r->status ? r->status : 200, "Anmelden", &b);
	sbuf_free(&b);
}

void auth_login_get(req *r)
{
	if (r->sess && strcmp(r->sess->stage, "voll") == 0) {
		redirect(r, "/");
		return;
	}
	login_render(r);
}

struct login_ctx {
	req *r;
	long long account_id;
	const char *kennung, *email, *vorname, *name;
	char token[TOKEN_CHARS + 1];
	char tan[7];
	long long session_id;
	int outcome; /* 0 TAN sent, 1 too many TAN mails, 2 locked meanwhile */
};

static int login_tx(void *p)
{
	struct login_ctx *c = p;
	req *r = c->r;
	c->outcome = 0;
	/* the lock may have started while the password was being checked (parallel attempts) */
	db_res *acc = db_query(r->a, "SELECT status = 'aktiv' AND (locked_until IS NULL OR locked_until <= NOW()) "
				     "FROM account WHERE id = ? FOR UPDATE",
			       DBARGS(DI(c->account_id)));
	if (!acc)
		return DB_TX_FAIL;
	if (acc->nrows != 1 || db_int(acc, 0, 0) != 1) {
		c->outcome = 2;
		return 0;
	}
	char bucket[64];
	snprintf(bucket, sizeof bucket, "tanmail:%lld", c->account_id);
	int allowed = rate_hit(r, bucket, cfg.tan_mail_limit, cfg.rate_window_s);
	if (allowed < 0)
		return DB_TX_FAIL;
	if (!allowed) {
		c->outcome = 1;
		return 0; /* commit the counted hit */
	}
	/* a new login attempt voids every older attempt and its TAN */
	if (db_exec("DELETE FROM session WHERE account_id = ? AND stage = 'tan'", DBARGS(DI(c->account_id)), NULL,
		    NULL) != 0)
		return DB_TX_FAIL;
	if (session_insert(r, c->token, c->account_id, "tan", &c->session_id) != 0)
		return DB_TX_FAIL;
	char bound[64];
	snprintf(bound, sizeof bound, "%lld:%s", c->session_id, c->tan);
	unsigned char h[HASH_BYTES];
	secret_hash("tan", bound, strlen(bound), h);
	if (db_exec("INSERT INTO tan (session_id, tan_hash, expires_at, tries) VALUES (?, ?, NOW() + INTERVAL ? SECOND, 0)",
		    DBARGS(DI(c->session_id), DB(h, sizeof h), DI(cfg.tan_ttl_s)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	char minutes[24];
	snprintf(minutes, sizeof minutes, "%ld", (cfg.tan_ttl_s + 59) / 60);
	tpl_slot slots[] = {{"tan", c->tan}, {"minutes", minutes}};
	if (mail_queue(c->email, "tan.txt", slots, ARRAY_LEN(slots)) != 0)
		return DB_TX_FAIL;
	return 0;
}

struct fail_ctx {
	req *r;
	long long account_id;
	const char *kennung;
};

static int fail_tx(void *p)
{
	struct fail_ctx *c = p;
	return login_failure(c->r, c->account_id, c->kennung) < 0 ? DB_TX_FAIL : 0;
}

void auth_login_post(req *r)
{
	const char *kennung_in = form_get(r, "kennung");
	const char *pw = form_get_raw(r, "passwort");
	if (!kennung_in || !*kennung_in)
		form_error(r, "kennung", "Bitte geben Sie Ihre Nutzerkennung ein.");
	if (!pw || !*pw)
		form_error(r, "passwort", "Bitte geben Sie Ihr Passwort ein.");
	if (r->nerrors) {
		form_errors_send(r, 422, login_render);
		return;
	}
	char *kennung = arena_strdup(r->a, kennung_in);
	bool well_formed = kennung_normalize(kennung);
	db_res *acc = NULL;
	if (well_formed) {
		acc = db_query(r->a,
			       "SELECT id, status, password_hash, locked_until > NOW(), email, vorname, name "
			       "FROM account WHERE kennung = ?",
			       DBARGS(DS(kennung)));
		if (!acc) {
			db_fail(r);
			return;
		}
	}
	size_t pwlen = strlen(pw);
	if (!acc || acc->nrows == 0 || !db_str(acc, 0, 2)) {
		pw_dummy_verify(pw, pwlen); /* same cost as a real check: no timing oracle */
		log_event("login_failed", NULL, NULL, "unknown or inactive id");
		form_error(r, "_", login_failed_msg);
		form_errors_send(r, 422, login_render);
		return;
	}
	long long id = db_int(acc, 0, 0);
	const char *status = db_str(acc, 0, 1);
	bool locked = db_int(acc, 0, 3) == 1;
	int ok = pw_verify(db_str(acc, 0, 2), pw, pwlen);
	if (ok < 0) {
		log_error("password verification failed (resources)");
		page_error(r, 503, "Der Dienst ist vorübergehend ausgelastet. Bitte versuchen Sie es gleich noch einmal.");
		return;
	}
	if (locked || strcmp(status, "aktiv") != 0) {
		/* attempts during a lock do not extend it; locked accounts answer like wrong passwords */
		log_event("login_refused", kennung, NULL, locked ? "self-locked" : status);
		form_error(r, "_", login_failed_msg);
		form_errors_send(r, 422, login_render);
		return;
	}
	if (!ok) {
		struct fail_ctx fc = {r, id, kennung};
		if (db_tx(fail_tx, &fc) != 0) {
			db_fail(r);
			return;
		}
		audit_self(r, id, "login_failed", "wrong password");
		form_error(r, "_", login_failed_msg);
		form_errors_send(r, 422, login_render);
		return;
	}
	struct login_ctx c = {.r = r, .account_id = id, .kennung = kennung, .email = db_str(acc, 0, 4),
			      .vorname = db_str(acc, 0, 5), .name = db_str(acc, 0, 6)};
	secret_token(c.token);
	secret_tan(c.tan);
	int rc = db_tx(login_tx, &c);
	sodium_memzero(c.tan, sizeof c.tan);
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome == 2) {
		log_event("login_refused", kennung, NULL, "locked during the check");
		form_error(r, "_", login_failed_msg);
		form_errors_send(r, 422, login_render);
		return;
	}
	if (c.outcome == 1) {
		audit_self(r, id, "tan_mail_limited", "");
		form_error(r, "_", "Es wurden zu viele TANs angefordert. Bitte warten Sie einige Minuten und versuchen "
				   "Sie es dann erneut.");
		form_errors_send(r, 429, login_render);
		return;
	}
	session_cookie_set(r, c.token);
	audit_self(r, id, "login_password_ok", "tan sent");
	redirect(r, "/anmelden/tan");
}

/* ---------------- TAN ---------------- */

static void tan_render(req *r)
{
	if (r->want_json) {
		cJSON_AddStringToObject(json_obj(r), "titel", "TAN eingeben");
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_raw(&b, "<div class=\"card narrow\"><h1>Willkommen im Portal Meine Versorgung</h1>"
		  "<p class=\"lead\">Es wurde eine TAN zum Anmelden an Ihre E-Mail-Adresse gesendet.</p>");
	h_printf(&b, "<p>Bitte beachten Sie, dass die TAN eine Gültigkeitsdauer von lediglich %ld Minuten aufweist. "
		     "Bei Überschreitung sind Nutzerkennung und Passwort erneut einzugeben, um eine neue TAN zu erhalten.</p>",
		 (cfg.tan_ttl_s + 59) / 60);
	required_note(&b);
	form_open(r, &b, "/anmelden/tan", false);
	const char *err = form_error_for(r, "tan");
	h_printf(&b, "<div class=\"field%s\"><label for=\"f-tan\">TAN*</label>"
		     "<input id=\"f-tan\" name=\"tan\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
		     "maxlength=\"6\" required aria-required=\"true\"",
		 err ? " has-error" : "");
	if (err)
		h_raw(&b, " aria-invalid=\"true\" aria-describedby=\"f-tan-fehler\"");
	h_raw(&b, ">");
	if (err)
		h_printf(&b, "<p class=\"error\" id=\"f-tan-fehler\">%s</p>", err);
	h_raw(&b, "</div><div class=\"actions\"><a class=\"btn secondary\" href=\"/anmelden\">Abbrechen</a>"
		  "<button type=\"submit\" class=\"btn\">Bestätigen</button></div>");
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, "TAN eingeben", &b);
	sbuf_free(&b);
}

void auth_tan_get(req *r)
{
	tan_render(r);
}

struct tan_ctx {
	req *r;
	const char *tan;
	char token[TOKEN_CHARS + 1];
	int outcome; /* 0 ok, 1 wrong (retry), 2 expired/gone, 3 too many tries or locked, 4 done meanwhile */
	int tries_left;
};

static int tan_tx(void *p)
{
	struct tan_ctx *c = p;
	req *r = c->r;
	long long sid = r->sess->id, aid = r->me->id;
	/* lock the attempt first: a second, simultaneous post of the same TAN (double click) waits
	 * here and then finds the session already logged in, which it must leave alone */
	db_res *st = db_query(r->a, "SELECT stage FROM session WHERE id = ? FOR UPDATE", DBARGS(DI(sid)));
	if (!st)
		return DB_TX_FAIL;
	if (st->nrows == 1 && strcmp(db_str(st, 0, 0), "voll") == 0) {
		c->outcome = 4;
		return 0;
	}
	db_res *t = db_query(r->a, "SELECT tan_hash, expires_at > NOW(), tries FROM tan WHERE session_id = ? FOR UPDATE",
			     DBARGS(DI(sid)));
	if (!t)
		return DB_TX_FAIL;
	if (t->nrows == 0 || db_int(t, 0, 1) != 1) {
		c->outcome = 2;
		return db_exec("DELETE FROM session WHERE id = ? AND stage = 'tan'", DBARGS(DI(sid)), NULL, NULL) ? DB_TX_FAIL
														     : 0;
	}
	unsigned char h[HASH_BYTES];
	char bound[64];
	snprintf(bound, sizeof bound, "%lld:%s", sid, c->tan);
	secret_hash("tan", bound, strlen(bound), h);
	const db_cell *stored = db_get(t, 0, 0);
	bool match = strlen(c->tan) == 6 && strspn(c->tan, "0123456789") == 6 && stored->len == HASH_BYTES &&
		     sodium_memcmp(stored->s, h, HASH_BYTES) == 0;
	if (match) {
		c->outcome = 0;
		if (db_exec("DELETE FROM tan WHERE session_id = ?", DBARGS(DI(sid)), NULL, NULL) ||
		    session_upgrade(sid, c->token) ||
		    db_exec("UPDATE account SET failed_logins = 0 WHERE id = ?", DBARGS(DI(aid)), NULL, NULL))
			return DB_TX_FAIL;
		return 0;
	}
	long long tries = db_int(t, 0, 2) + 1;
	int locked = login_failure(r, aid, r->me->kennung);
	if (locked < 0)
		return DB_TX_FAIL;
	if (tries >= cfg.tan_max_tries || locked) {
		c->outcome = 3;
		return db_exec("DELETE FROM session WHERE id = ?", DBARGS(DI(sid)), NULL, NULL) ? DB_TX_FAIL : 0;
	}
	c->outcome = 1;
	c->tries_left = (int)(cfg.tan_max_tries - tries);
	return db_exec("UPDATE tan SET tries = ? WHERE session_id = ?", DBARGS(DI(tries), DI(sid)), NULL, NULL) ? DB_TX_FAIL : 0;
}

void auth_tan_post(req *r)
{
	const char *tan = form_get(r, "tan");
	if (!tan || !*tan) {
		form_error(r, "tan", "Bitte geben Sie die TAN ein.");
		form_errors_send(r, 422, tan_render);
		return;
	}
	struct tan_ctx c = {.r = r, .tan = tan};
	secret_token(c.token);
	if (db_tx(tan_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	switch (c.outcome) {
	case 0:
		session_cookie_set(r, c.token);
		audit(r, "login_ok", r->me->kennung, "");
		redirect(r, "/");
		return;
	case 1:
		audit(r, "tan_failed", r->me->kennung, "");
		form_error(r, "tan", c.tries_left == 1 ? "Die TAN ist nicht korrekt. Sie haben noch einen Versuch."
						       : "Die TAN ist nicht korrekt. Bitte prüfen Sie Ihre Eingabe.");
		form_errors_send(r, 422, tan_render);
		return;
	case 2:
		session_clear_cookie(r);
		redirect(r, "/anmelden?grund=tan-abgelaufen");
		return;
	case 4:
		/* the same TAN was posted twice at once; the other request logged in and set the cookie */
		redirect(r, "/");
		return;
	default:
		audit(r, "tan_failed", r->me->kennung, "attempt ended");
		session_clear_cookie(r);
		redirect(r, "/anmelden?grund=tan-gesperrt");
		return;
	}
}

/* ---------------- logout, keep-alive ---------------- */

void auth_logout_post(req *r)
{
	if (r->sess) {
		if (db_exec("DELETE FROM session WHERE id = ?", DBARGS(DI(r->sess->id)), NULL, NULL) != 0) {
			db_fail(r);
			return;
		}
		audit(r, "logout", r->me->kennung, "");
	}
	session_clear_cookie(r);
	r->sess = NULL;
	r->me = NULL;
	if (r->pre_cookie)
		secret_csrf(r->pre_cookie, r->csrf);
	redirect(r, "/anmelden?grund=abgemeldet");
}

void auth_keepalive_post(req *r)
{
	/* the idle clock restarts here in any case (session_load writes it at most every
	 * idle_timeout_s / 60 seconds) */
	if (db_exec("UPDATE session SET last_seen = NOW() WHERE id = ?", DBARGS(DI(r->sess->id)), NULL, NULL) != 0) {
		db_fail(r);
		return;
	}
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddBoolToObject(o, "ok", 1);
		cJSON_AddNumberToObject(o, "idle_timeout_s", (double)cfg.idle_timeout_s);
		json_send(r, 200);
		return;
	}
	redirect(r, "/");
}

/* ---------------- forgot password ---------------- */

static void forgot_render(req *r)
{
	bool sent = str_eq(form_get(r, "gesendet"), "1");
	static const char sent_msg[] =
		"Wenn die Nutzerkennung zu einem aktiven Nutzerkonto gehört, erhalten Sie in Kürze eine E-Mail mit "
		"einem Link zur Neuvergabe Ihres Passwortes. Der Link ist 60 Minuten gültig.";
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddStringToObject(o, "titel", "Passwort zurücksetzen");
		if (sent)
			cJSON_AddStringToObject(o, "hinweis", sent_msg);
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_raw(&b, "<div class=\"card narrow\"><h1>Passwort zurücksetzen</h1>");
	if (sent) {
		alert_box(&b, "success", sent_msg);
		h_raw(&b, "<p><a href=\"/anmelden\">Zur Anmeldung</a></p></div>");
		page_send(r, 200, "Passwort zurücksetzen", &b);
		sbuf_free(&b);
		return;
	}
	h_raw(&b, "<p class=\"lead\">Sie können unter Angabe Ihrer Nutzerkennung die Zurücksetzung Ihres Passwortes "
		  "anfordern.</p>");
	required_note(&b);
	form_open(r, &b, "/passwort-vergessen", false);
	form_input(r, &b, "kennung", "Nutzerkennung", "text", form_get(r, "kennung"), "username", true);
	h_raw(&b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/anmelden\">Abbrechen</a>"
		  "<button type=\"submit\" class=\"btn\">Bestätigen</button></div>");
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, "Passwort zurücksetzen", &b);
	sbuf_free(&b);
}

void auth_forgot_get(req *r)
{
	forgot_render(r);
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
	int ip_ok = rate_hit(r, bucket, 30, cfg.rate_window_s);
	if (ip_ok < 0)
		return DB_TX_FAIL;
	db_res *acc = db_query(r->a, "SELECT id, email, vorname, name FROM account WHERE kennung = ? AND status = 'aktiv'",
			       DBARGS(DS(c->kennung)));
	if (!acc)
		return DB_TX_FAIL;
	if (!ip_ok || acc->nrows == 0)
		return 0;
	long long id = db_int(acc, 0, 0);
	snprintf(bucket, sizeof bucket, "resetmail:%lld", id);
	int ok = rate_hit(r, bucket, cfg.reset_mail_limit, cfg.rate_window_s);
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
	tpl_slot slots[] = {{"vorname", db_str(acc, 0, 2)}, {"name", db_str(acc, 0, 3)},
			    {"link", link_url(r, "/passwort-setzen", token)}, {"minutes", minutes}};
	sodium_memzero(token, sizeof token);
	return mail_queue(db_str(acc, 0, 1), "passwort-zuruecksetzen.txt", slots, ARRAY_LEN(slots)) ? DB_TX_FAIL : 0;
}

void auth_forgot_post(req *r)
{
	const char *in = form_get(r, "kennung");
	if (!in || !*in) {
		form_error(r, "kennung", "Bitte geben Sie Ihre Nutzerkennung ein.");
		form_errors_send(r, 422, forgot_render);
		return;
	}
	char *kennung = arena_strdup(r->a, in);
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

/* Looks up a live link token from ?token= or the form; NULL if unknown, used or expired. */
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
		"FOR UPDATE" :
		"SET STATEMENT wsrep_sync_wait = 1 FOR "
		"SELECT lt.id, lt.zweck, a.id, a.kennung, a.vorname, a.name, a.email, a.status, a.rolle, "
		"a.history_salt, a.history_ops, a.history_mem_kib, lt.tries, DATE_FORMAT(a.geburtsdatum, '%Y-%m-%d'), o.pnr "
		"FROM link_token lt JOIN account a ON a.id = lt.account_id LEFT JOIN organisation o ON o.id = a.org_id "
		"WHERE lt.token_hash = ? AND lt.used_at IS NULL AND lt.expires_at > NOW() AND lt.zweck IN (?, ?)",
		DBARGS(DB(h, sizeof h), DS(zweck1), DS(zweck2)));
	if (!res) {
		*dberr = 1;
		return NULL;
	}
	if (res->nrows == 0)
		return NULL;
	link_info *li = arena_alloc(r->a, sizeof *li);
	li->id = db_int(res, 0, 0);
	li->zweck = (char *)db_str(res, 0, 1);
	li->account_id = db_int(res, 0, 2);
	li->kennung = (char *)db_str(res, 0, 3);
	li->vorname = (char *)db_str(res, 0, 4);
	li->name = (char *)db_str(res, 0, 5);
	li->email = (char *)db_str(res, 0, 6);
	li->status = (char *)db_str(res, 0, 7);
	li->rolle = (char *)db_str(res, 0, 8);
	li->salt = db_get(res, 0, 9);
	li->hist_ops = db_int(res, 0, 10);
	li->hist_mem = db_int(res, 0, 11);
	li->tries = db_int(res, 0, 12);
	li->geburtsdatum = (char *)db_str(res, 0, 13);
	li->pnr = (char *)db_str(res, 0, 14);
	return li;
}

/* Unknown-token lookups are counted per address: guessing is rate-limited (ASVS 6.4.1). */
static bool link_guard(req *r)
{
	char bucket[96];
	snprintf(bucket, sizeof bucket, "link-miss:%s", r->remote ? r->remote : "");
	int ok = rate_hit(r, bucket, 60, cfg.rate_window_s);
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

static void policy_hint(sbuf *b)
{
	h_raw(b, "<div class=\"hint\" id=\"passwort-regeln\"><p>Ihr Passwort muss folgende Eigenschaften aufweisen:</p><ul>"
		 "<li>Länge zwischen 12 und 128 Zeichen</li>"
		 "<li>Mindestens ein Buchstabe, eine Ziffer und ein Sonderzeichen enthalten</li>"
		 "<li>Zuvor noch nicht für dieses Nutzerkonto genutzt worden sein</li>"
		 "<li>Nicht zu gebräuchlich sein und weder Ihre Nutzerkennung, Ihren Namen noch „Versorgung“ enthalten</li>"
		 "</ul></div>");
}

static link_info *current_link;

static void setpw_render(req *r)
{
	link_info *li = current_link;
	bool activation = strcmp(li->zweck, "aktivierung") == 0;
	const char *title = activation ? "Passwort festlegen" : "Neues Passwort festlegen";
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddStringToObject(o, "titel", title);
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_printf(&b, "<div class=\"card narrow\"><h1>%s</h1>", title);
	h_printf(&b, "<p class=\"lead\">Bitte vergeben Sie ein Passwort für das Nutzerkonto von %s %s.</p>", li->vorname,
		 li->name);
	policy_hint(&b);
	required_note(&b);
	form_open(r, &b, arena_printf(r->a, "/passwort-setzen?token=%s", form_get(r, "token")), false);
	form_input(r, &b, "passwort", "Neues Passwort", "password", NULL, "new-password", true);
	form_input(r, &b, "passwort_wiederholung", "Neues Passwort bestätigen", "password", NULL, "new-password", true);
	h_raw(&b, "<div class=\"actions\"><button type=\"submit\" class=\"btn\">Passwort speichern</button></div>");
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, title, &b);
	sbuf_free(&b);
}

void auth_setpw_get(req *r)
{
	int dberr;
	link_info *li = link_lookup(r, "aktivierung", "reset", false, &dberr);
	if (dberr) {
		db_fail(r);
		return;
	}
	if (!li) {
		link_dead(r);
		return;
	}
	current_link = li;
	setpw_render(r);
}

/* Checks policy and confirmation; computes hash and history fingerprint. 0 ok, 1 errors set, -1 resources. */
int newpw_prepare(req *r, struct newpw *n, const char *kennung, const char *vorname, const char *name,
		  const db_cell *salt, long long ops, long long mem)
{
	if (!n->pw || !*n->pw) {
		form_error(r, n->field, "Bitte geben Sie ein neues Passwort ein.");
		return 1;
	}
	size_t len = strlen(n->pw);
	unsigned v = policy_check(n->pw, len, kennung, vorname, name);
	if (v) {
		sbuf msg;
		sbuf_init(&msg);
		policy_describe(v, &msg);
		form_error(r, n->field, arena_strdup(r->a, msg.data));
		sbuf_free(&msg);
		return 1;
	}
	if (!n->confirm || strcmp(n->pw, n->confirm) != 0) {
		form_error(r, n->confirm_field, "Die beiden Passwörter stimmen nicht überein.");
		return 1;
	}
	if (!salt || salt->len != 16)
		return -1;
	if (pw_fingerprint(n->pw, len, (const unsigned char *)salt->s, ops, mem, n->fingerprint) != 0 ||
	    pw_hash(n->pw, len, n->hash) != 0)
		return -1;
	return 0;
}

/* Inside a transaction: 1 if the fingerprint is in the history. */
int newpw_in_history(req *r, long long account_id, const unsigned char fp[HASH_BYTES])
{
	db_res *h = db_query(r->a, "SELECT fingerprint FROM password_history WHERE account_id = ?", DBARGS(DI(account_id)));
	if (!h)
		return -1;
	int found = 0;
	for (size_t i = 0; i < h->nrows; i++) {
		const db_cell *c = db_get(h, i, 0);
		if (c->len == HASH_BYTES && sodium_memcmp(c->s, fp, HASH_BYTES) == 0)
			found = 1; /* no early exit: same work for every history length position */
	}
	return found;
}

/* Inside a transaction: stores the new password, history entry, ends all sessions, notice mail. */
int newpw_store(req *r, long long account_id, const struct newpw *n, const char *email, const char *vorname,
		const char *name)
{
	if (db_exec("UPDATE account SET password_hash = ?, password_changed_at = NOW(), "
		    "status = IF(status = 'angelegt', 'aktiv', status), "
		    "status_vor_sperre = IF(status_vor_sperre = 'angelegt', 'aktiv', status_vor_sperre), "
		    "version = version + 1, updated_at = NOW() "
		    "WHERE id = ?",
		    DBARGS(DS(n->hash), DI(account_id)), NULL, NULL) != 0)
		return -1;
	if (db_exec("INSERT INTO password_history (account_id, fingerprint) VALUES (?, ?)",
		    DBARGS(DI(account_id), DB(n->fingerprint, HASH_BYTES)), NULL, NULL) != 0)
		return -1;
	if (session_end_all(account_id) != 0)
		return -1;
	db_res *now = db_query(r->a, "SELECT DATE_FORMAT(NOW(), '%d.%m.%Y um %H:%i Uhr (UTC)')", DBNOARGS);
	if (!now)
		return -1;
	tpl_slot slots[] = {{"vorname", vorname}, {"name", name}, {"zeit", db_str(now, 0, 0)}};
	return mail_queue(email, "passwort-geaendert.txt", slots, ARRAY_LEN(slots));
}

struct setpw_ctx {
	req *r;
	struct newpw *n;
	int outcome; /* 0 ok, 1 link dead, 2 in history */
};

static int setpw_tx(void *p)
{
	struct setpw_ctx *c = p;
	req *r = c->r;
	int dberr;
	link_info *li = link_lookup(r, "aktivierung", "reset", true, &dberr);
	if (dberr)
		return DB_TX_FAIL;
	if (!li || li->account_id != current_link->account_id) {
		c->outcome = 1;
		return 0;
	}
	int hist = newpw_in_history(r, li->account_id, c->n->fingerprint);
	if (hist < 0)
		return DB_TX_FAIL;
	if (hist) {
		c->outcome = 2;
		return 0;
	}
	c->outcome = 0;
	if (db_exec("UPDATE link_token SET used_at = NOW() WHERE id = ?", DBARGS(DI(li->id)), NULL, NULL) != 0 ||
	    newpw_store(r, li->account_id, c->n, li->email, li->vorname, li->name) != 0)
		return DB_TX_FAIL;
	if (strcmp(li->zweck, "aktivierung") == 0 && strcmp(li->rolle, "X") == 0) {
		/* handbook §1.1: the second mail brings the link to retrieve the Nutzerkennung */
		char token[TOKEN_CHARS + 1], minutes[24];
		if (link_create(li->account_id, "kennung", token) != 0)
			return DB_TX_FAIL;
		snprintf(minutes, sizeof minutes, "%ld", (cfg.link_ttl_s + 59) / 60);
		tpl_slot slots[] = {{"vorname", li->vorname}, {"name", li->name},
				    {"link", link_url(r, "/nutzerkennung", token)}, {"minutes", minutes}};
		if (mail_queue(li->email, "nutzerkennung-abrufen.txt", slots, ARRAY_LEN(slots)) != 0)
			return DB_TX_FAIL;
	}
	return 0;
}

void auth_setpw_post(req *r)
{
	int dberr;
	link_info *li = link_lookup(r, "aktivierung", "reset", false, &dberr);
	if (dberr) {
		db_fail(r);
		return;
	}
	if (!li) {
		link_dead(r);
		return;
	}
	current_link = li;
	struct newpw n = {.pw = form_get_raw(r, "passwort"), .confirm = form_get_raw(r, "passwort_wiederholung"),
			  .field = "passwort", .confirm_field = "passwort_wiederholung"};
	int prep = newpw_prepare(r, &n, li->kennung, li->vorname, li->name, li->salt, li->hist_ops, li->hist_mem);
	if (prep < 0) {
		page_error(r, 503, "Der Dienst ist vorübergehend ausgelastet. Bitte versuchen Sie es gleich noch einmal.");
		return;
	}
	if (prep > 0) {
		form_errors_send(r, 422, setpw_render);
		return;
	}
	struct setpw_ctx c = {r, &n, 0};
	int rc = db_tx(setpw_tx, &c);
	sodium_memzero(&n, sizeof n);
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome == 1) {
		link_dead(r);
		return;
	}
	if (c.outcome == 2) {
		form_error(r, "passwort", "Dieses Passwort wurde für dieses Nutzerkonto bereits verwendet. Bitte wählen "
					  "Sie ein anderes Passwort.");
		form_errors_send(r, 422, setpw_render);
		return;
	}
	audit_self(r, li->account_id, strcmp(li->zweck, "aktivierung") == 0 ? "account_activated" : "password_reset", "");
	if (r->sess && r->me && r->me->id == li->account_id)
		session_clear_cookie(r);
	redirect(r, "/anmelden?grund=passwort-gesetzt");
}

/* Nutzerkennung retrieval (§1.1 step 2). */

static void kennung_render(req *r)
{
	if (r->want_json) {
		cJSON_AddStringToObject(json_obj(r), "titel", "Nutzerkennung abrufen");
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_raw(&b, "<div class=\"card narrow\"><h1>Nutzerkennung abrufen</h1>"
		  "<p class=\"lead\">Zum Abruf der Nutzerkennung ist die Eingabe folgender Daten erforderlich.</p>");
	required_note(&b);
	form_open(r, &b, arena_printf(r->a, "/nutzerkennung?token=%s", form_get(r, "token")), false);
	form_input(r, &b, "vorname", "Vorname", "text", form_get(r, "vorname"), "given-name", true);
	form_input(r, &b, "name", "Name", "text", form_get(r, "name"), "family-name", true);
	form_input(r, &b, "geburtsdatum", "Geburtsdatum (TT.MM.JJJJ)", "text", form_get(r, "geburtsdatum"), "bday", true);
	form_input(r, &b, "mitgliedsnummer", "Mitgliedsnummer", "text", form_get(r, "mitgliedsnummer"), "off", true);
	h_raw(&b, "<div class=\"actions\"><button type=\"submit\" class=\"btn\">Nutzerkennung anzeigen</button></div>");
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, "Nutzerkennung abrufen", &b);
	sbuf_free(&b);
}

void auth_kennung_get(req *r)
{
	int dberr;
	link_info *li = link_lookup(r, "kennung", "kennung", false, &dberr);
	if (dberr) {
		db_fail(r);
		return;
	}
	if (!li) {
		link_dead(r);
		return;
	}
	kennung_render(r);
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
	int outcome; /* 0 shown, 1 wrong, 2 dead */
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
		c->outcome = 2;
		return 0;
	}
	bool match = same_name(c->vorname, li->vorname) && same_name(c->name, li->name) && li->geburtsdatum &&
		     strcmp(c->datum, li->geburtsdatum) == 0 && li->pnr && strcmp(c->pnr, li->pnr) == 0;
	if (match) {
		c->outcome = 0;
		snprintf(c->kennung, sizeof c->kennung, "%s", li->kennung);
		return db_exec("UPDATE link_token SET used_at = NOW() WHERE id = ?", DBARGS(DI(li->id)), NULL, NULL) ? DB_TX_FAIL : 0;
	}
	long long tries = li->tries + 1;
	c->left = cfg.kennung_link_max_tries - tries;
	c->outcome = c->left > 0 ? 1 : 2;
	return db_exec("UPDATE link_token SET tries = ?, used_at = IF(? >= ?, NOW(), NULL) WHERE id = ?",
		       DBARGS(DI(tries), DI(tries), DI(cfg.kennung_link_max_tries), DI(li->id)), NULL, NULL) ? DB_TX_FAIL : 0;
}

void auth_kennung_post(req *r)
{
	int dberr;
	link_info *li = link_lookup(r, "kennung", "kennung", false, &dberr);
	if (dberr) {
		db_fail(r);
		return;
	}
	if (!li) {
		link_dead(r);
		return;
	}
	struct kennung_ctx c = {.r = r, .vorname = form_get(r, "vorname"), .name = form_get(r, "name"),
				.pnr = form_get(r, "mitgliedsnummer")};
	char datum[11];
	if (!c.vorname || !*c.vorname)
		form_error(r, "vorname", "Bitte geben Sie Ihren Vornamen ein.");
	if (!c.name || !*c.name)
		form_error(r, "name", "Bitte geben Sie Ihren Namen ein.");
	if (!parse_date(form_get(r, "geburtsdatum"), datum))
		form_error(r, "geburtsdatum", "Bitte geben Sie Ihr Geburtsdatum im Format TT.MM.JJJJ ein.");
	if (!c.pnr || !*c.pnr)
		form_error(r, "mitgliedsnummer", "Bitte geben Sie die Mitgliedsnummer Ihrer Organisation ein.");
	if (r->nerrors) {
		form_errors_send(r, 422, kennung_render);
		return;
	}
	c.datum = datum;
	if (db_tx(kennung_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome == 2) {
		audit_self(r, li->account_id, "kennung_link_exhausted", "");
		page_error(r, 410, "Die Angaben stimmten zu oft nicht überein oder der Link ist nicht mehr gültig. Bitte "
				   "wenden Sie sich an die Portal-Administratoren der Kassen.");
		return;
	}
	if (c.outcome == 1) {
		audit_self(r, li->account_id, "kennung_retrieval_failed", "");
		form_error(r, "_", c.left == 1 ? "Die Angaben stimmen nicht mit den hinterlegten Daten überein. Sie haben "
						 "noch einen Versuch."
					       : arena_printf(r->a, "Die Angaben stimmen nicht mit den hinterlegten Daten "
								    "überein. Verbleibende Versuche: %lld.", c.left));
		form_errors_send(r, 422, kennung_render);
		return;
	}
	audit_self(r, li->account_id, "kennung_retrieved", "");
	if (r->want_json) {
		cJSON_AddStringToObject(json_obj(r), "nutzerkennung", c.kennung);
		json_send(r, 200);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_printf(&b, "<div class=\"card narrow\"><h1>Ihre Nutzerkennung</h1>"
		     "<p class=\"lead\">Ihre persönliche Nutzerkennung lautet:</p><p class=\"kennung\"><strong>%s</strong></p>"
		     "<p>Bitte notieren Sie sich Ihre Nutzerkennung. Sie benötigen sie zusammen mit Ihrem Passwort für die "
		     "Anmeldung. Dieser Link ist jetzt verbraucht.</p>"
		     "<p><a class=\"btn\" href=\"/anmelden\">Zur Anmeldung</a></p></div>",
		 c.kennung);
	page_send(r, 200, "Ihre Nutzerkennung", &b);
	sbuf_free(&b);
}
