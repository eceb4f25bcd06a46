/* page_auth.c — handbook §1.2–§1.3: login with password and e-mailed TAN, logout and
 * keep-alive. Failed logins never tell whether the Nutzerkennung exists. */
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
#include "metrics.h"
#include "policy.h"
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char login_failed_msg[] =
	"Die Anmeldung ist fehlgeschlagen. Bitte prüfen Sie Nutzerkennung und Passwort. Nach mehreren "
	"Fehlversuchen wird das Nutzerkonto vorübergehend gesperrt.";

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

/* ---------------- login ---------------- */

struct login_form {
	const char *kennung, *passwort;
};

static const form_field login_fields[] = {
	{"kennung", "Nutzerkennung oder Identifikationsnummer/PNR", FT_TEXT, FF_REQUIRED | FF_KEEP, 0, NULL,
	 "Bitte geben Sie Ihre Nutzerkennung ein.", NULL, "username", offsetof(struct login_form, kennung)},
	{"passwort", "Passwort", FT_PASSWORD, FF_REQUIRED | FF_RAW, 0, NULL, "Bitte geben Sie Ihr Passwort ein.", NULL,
	 "current-password", offsetof(struct login_form, passwort)},
};

struct login_view {
	const char *grund, *reason; /* why the login page is shown again ("?grund="), its text */
	const struct login_form *in;
};

static void login_html(req *r, sbuf *b, const void *view)
{
	const struct login_view *v = view;
	h_raw(b, "<div class=\"card narrow\"><h1>Willkommen im Portal Meine Versorgung</h1>"
		 "<p class=\"lead\">Bitte melden Sie sich mit Ihren Zugangsdaten an.</p>");
	if (v->reason && !r->nerrors)
		alert_box(b, strcmp(v->grund, "abgemeldet") == 0 || strcmp(v->grund, "passwort-geaendert") == 0 ||
				     strcmp(v->grund, "passwort-gesetzt") == 0 ? "success" : "info",
			  v->reason);
	required_note(b);
	form_open(r, b, "/anmelden", false);
	form_fields(r, b, login_fields, ARRAY_LEN(login_fields), v->in);
	/* handbook §1.2: "Passwort vergessen" and "Registrieren" side by side, then "Anmelden"; nobody registers
	 * themselves, so "Registrieren" leads to how a registration happens (§1.1, below the form) */
	h_raw(b, "<div class=\"actions login-actions\"><div class=\"actions-group\">"
		 "<a class=\"btn secondary\" href=\"/passwort-vergessen\">Passwort vergessen</a>"
		 "<a class=\"btn secondary\" href=\"#registrieren\">Registrieren</a></div>"
		 "<button type=\"submit\" class=\"btn\">Anmelden</button></div>");
	form_close(b);
	h_raw(b, "<section id=\"registrieren\" class=\"jump-target\" aria-labelledby=\"registrieren-titel\">"
		 "<h2 id=\"registrieren-titel\">Registrieren</h2><p>Ihre Registrierung nehmen die Portal-Administratoren der "
		 "Kassen vor. Dazu legen diese einen individuellen Zugang mit Ihrem Namen und Ihrer dienstlichen "
		 "E-Mail-Adresse an. Sachbearbeiter erhalten ihren Zugang von den Administratoren ihrer Organisation.</p>"
		 "<p>Im Anschluss erhalten Sie eine E-Mail mit einem Link zum Festlegen Ihres Passwortes "
		 "(<a href=\"/faq#faq-registrierung\">mehr dazu in den FAQ</a>).</p></section>"
		 "<h2>Nutzerkennung vergessen?</h2><p>Sollten Sie Ihre Nutzerkennung vergessen haben, wenden Sie sich "
		 "bitte direkt an die Portal-Administratoren der Kassen.</p></div>");
}

static void login_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct login_view *v = view;
	cJSON_AddStringToObject(o, "titel", "Anmelden");
	if (v->reason)
		cJSON_AddStringToObject(o, "hinweis", v->reason);
}

static const page_kind login_page = {"Anmelden", login_html, login_json, NULL};

static void login_show(req *r, int status, const struct login_form *in)
{
	struct login_view v = {.grund = form_get(r, "grund"), .in = in};
	v.reason = reason_text(v.grund);
	page_render(r, status, &login_page, &v);
}

/* The login form again with the one message that never tells which part was wrong. */
static void login_refused(req *r, const struct login_form *in, int status, const char *message)
{
	metrics_login(LOGIN_PASSWORD_REFUSED);
	form_error(r, "_", message);
	login_show(r, status, in);
}

void auth_login_get(req *r)
{
	if (logged_in(r)) {
		redirect(r, "/");
		return;
	}
	struct login_form prefill = {form_get(r, "kennung"), NULL};
	login_show(r, 200, &prefill);
}

struct login_ctx {
	req *r;
	long long account_id, org_id;
	const char *kennung, *email, *vorname, *name;
	char token[TOKEN_CHARS + 1];
	char tan[7];
	long long session_id;
	enum { TAN_SENT, TAN_MAILS_LIMITED, LOCKED_MEANWHILE } outcome;
};

static int login_tx(void *p)
{
	struct login_ctx *c = p;
	req *r = c->r;
	c->outcome = TAN_SENT;
	/* the lock may have started while the password was being checked (parallel attempts) */
	db_res *acc = db_query(r->a, "SELECT status = 'aktiv' AND (locked_until IS NULL OR locked_until <= NOW()) "
				     "FROM account WHERE id = ? FOR UPDATE",
			       DBARGS(DI(c->account_id)));
	if (!acc)
		return DB_TX_FAIL;
	if (acc->nrows != 1 || db_int(acc, 0, 0) != 1) {
		c->outcome = LOCKED_MEANWHILE;
		return 0;
	}
	char bucket[64];
	snprintf(bucket, sizeof bucket, "tanmail:%lld", c->account_id);
	int allowed = rate_hit(bucket, cfg.tan_mail_limit, cfg.rate_window_s);
	if (allowed < 0)
		return DB_TX_FAIL;
	if (!allowed) {
		c->outcome = TAN_MAILS_LIMITED;
		return 0; /* commit the counted hit */
	}
	/* a new login attempt voids every older attempt and its TAN */
	if (db_exec("DELETE FROM session WHERE account_id = ? AND stage = 'tan'", DBARGS(DI(c->account_id)), NULL,
		    NULL) != 0)
		return DB_TX_FAIL;
	if (session_insert(&r->who, c->token, c->account_id, STAGE_TAN, &c->session_id) != 0)
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
	audit_account(&r->who, c->org_id, c->kennung, "login_password_ok", "tan sent");
	return 0;
}

/* The account of a login attempt: NULL if unknown or without a password (answered alike). */
struct login_account {
	long long id, org_id;
	const char *status, *hash, *email, *vorname, *name;
	bool locked;
};

struct fail_ctx {
	req *r;
	const struct login_account *acc;
	const char *kennung;
};

static int fail_tx(void *p)
{
	struct fail_ctx *c = p;
	if (login_failure(&c->r->who, c->acc->id) < 0)
		return DB_TX_FAIL;
	audit_account(&c->r->who, c->acc->org_id, c->kennung, "login_failed", "wrong password");
	return 0;
}

static int login_account_load(req *r, const char *kennung, struct login_account **out)
{
	enum { ID, STATUS, HASH, LOCKED, EMAIL, VORNAME, NAME, ORG };
	*out = NULL;
	db_res *acc = db_query(r->a,
			       "SELECT id, status, password_hash, locked_until > NOW(), email, vorname, name, "
			       "COALESCE(org_id, 0) FROM account WHERE kennung = ?",
			       DBARGS(DS(kennung)));
	if (!acc)
		return -1;
	if (acc->nrows == 0 || !db_str(acc, 0, HASH))
		return 0;
	struct login_account *a = arena_alloc(r->a, sizeof *a);
	*a = (struct login_account){db_int(acc, 0, ID), db_int(acc, 0, ORG), db_str(acc, 0, STATUS), db_str(acc, 0, HASH),
				    db_str(acc, 0, EMAIL), db_str(acc, 0, VORNAME), db_str(acc, 0, NAME),
				    db_int(acc, 0, LOCKED) == 1};
	*out = a;
	return 0;
}

/* Password correct: a session in the TAN stage and the TAN mail, in one transaction. */
static void login_start_tan(req *r, const struct login_form *in, const struct login_account *acc, const char *kennung)
{
	struct login_ctx c = {.r = r, .account_id = acc->id, .org_id = acc->org_id, .kennung = kennung, .email = acc->email,
			      .vorname = acc->vorname, .name = acc->name};
	secret_token(c.token);
	secret_tan(c.tan);
	int rc = db_tx(login_tx, &c);
	sodium_memzero(c.tan, sizeof c.tan);
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome == LOCKED_MEANWHILE) {
		log_event("login_refused", kennung, NULL, "locked during the check");
		login_refused(r, in, 422, login_failed_msg);
		return;
	}
	if (c.outcome == TAN_MAILS_LIMITED) {
		audit_self(&r->who, acc->id, "tan_mail_limited", "");
		login_refused(r, in, 429, "Es wurden zu viele TANs angefordert. Bitte warten Sie einige Minuten und "
					  "versuchen Sie es dann erneut.");
		return;
	}
	metrics_login(LOGIN_PASSWORD_OK);
	metrics_tan_mail_queued();
	session_cookie_set(r, c.token);
	redirect(r, "/anmelden/tan");
}

/* Every login attempt costs an argon2id (unknown IDs too): a budget per client address keeps one
 * address from burning the CPU or spraying passwords across accounts. Generous (offices share one
 * NAT address); counted before the hash. 1 within the budget, 0 over it (answered), -1 answered 503. */
static int login_budget(req *r, const struct login_form *in)
{
	char bucket[96];
	snprintf(bucket, sizeof bucket, "login-ip:%s", r->who.remote ? r->who.remote : "");
	int ok = rate_hit(bucket, cfg.login_ip_limit, cfg.login_ip_window_s);
	if (ok < 0) {
		db_fail(r);
		return -1;
	}
	if (!ok) {
		log_event("login_throttled", NULL, NULL, "too many attempts from this address");
		resp_header(r, "Retry-After", arena_printf(r->a, "%ld", cfg.login_ip_window_s));
		login_refused(r, in, 429, "Von Ihrer Adresse aus gab es in kurzer Zeit zu viele Anmeldeversuche. Bitte "
					  "warten Sie einige Minuten und versuchen Sie es dann erneut.");
	}
	return ok;
}

void auth_login_post(req *r)
{
	struct login_form in;
	if (form_read(r, login_fields, ARRAY_LEN(login_fields), &in)) {
		login_show(r, 422, &in);
		return;
	}
	if (login_budget(r, &in) != 1)
		return;
	char *kennung = arena_strdup(r->a, in.kennung);
	struct login_account *acc = NULL;
	if (kennung_normalize(kennung) && login_account_load(r, kennung, &acc) != 0) {
		db_fail(r);
		return;
	}
	size_t pwlen = strlen(in.passwort);
	if (!acc) {
		pw_dummy_verify(in.passwort, pwlen); /* same cost as a real check: no timing oracle */
		log_event("login_failed", NULL, NULL, "unknown or inactive id");
		login_refused(r, &in, 422, login_failed_msg);
		return;
	}
	int ok = pw_verify(acc->hash, in.passwort, pwlen);
	if (ok < 0) {
		log_error("password verification failed (resources)");
		page_error(r, 503, "Der Dienst ist vorübergehend ausgelastet. Bitte versuchen Sie es gleich noch einmal.");
		return;
	}
	if (acc->locked || strcmp(acc->status, "aktiv") != 0) {
		/* attempts during a lock do not extend it; locked accounts answer like wrong passwords */
		log_event("login_refused", kennung, NULL, acc->locked ? "self-locked" : acc->status);
		login_refused(r, &in, 422, login_failed_msg);
		return;
	}
	if (!ok) {
		struct fail_ctx fc = {r, acc, kennung};
		if (db_tx(fail_tx, &fc) != 0) {
			db_fail(r);
			return;
		}
		login_refused(r, &in, 422, login_failed_msg);
		return;
	}
	login_start_tan(r, &in, acc, kennung);
}

/* ---------------- TAN ---------------- */

static void tan_html(req *r, sbuf *b, const void *view)
{
	(void)view;
	h_raw(b, "<div class=\"card narrow\"><h1>Willkommen im Portal Meine Versorgung</h1>"
		  "<p class=\"lead\">Es wurde eine TAN zum Anmelden an Ihre E-Mail-Adresse gesendet.</p>");
	h_printf(b, "<p>Bitte beachten Sie, dass die TAN eine Gültigkeitsdauer von lediglich %ld Minuten aufweist. "
		     "Bei Überschreitung sind Nutzerkennung und Passwort erneut einzugeben, um eine neue TAN zu erhalten.</p>",
		 (cfg.tan_ttl_s + 59) / 60);
	required_note(b);
	form_open(r, b, "/anmelden/tan", false);
	const char *err = form_error_for(r, "tan");
	h_printf(b, "<div class=\"field%s\"><label for=\"f-tan\">TAN*</label>"
		     "<input id=\"f-tan\" name=\"tan\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
		     "maxlength=\"6\" required aria-required=\"true\"",
		 err ? " has-error" : "");
	if (err)
		h_raw(b, " aria-invalid=\"true\" aria-describedby=\"f-tan-fehler\"");
	h_raw(b, ">");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-tan-fehler\">%s</p>", err);
	h_raw(b, "</div><div class=\"actions\"><a class=\"btn secondary\" href=\"/anmelden\">Abbrechen</a>"
		  "<button type=\"submit\" class=\"btn\">Bestätigen</button></div>");
	form_close(b);
	h_raw(b, "</div>");
}

static const page_kind tan_page = {"TAN eingeben", tan_html, NULL, NULL};

void auth_tan_get(req *r)
{
	page_render(r, 200, &tan_page, NULL);
}

struct tan_ctx {
	req *r;
	const char *tan;
	char token[TOKEN_CHARS + 1];
	enum tan_outcome { TAN_OK, TAN_WRONG, TAN_EXPIRED, TAN_ENDED, TAN_DONE_MEANWHILE } outcome;
	/* TAN_ENDED: too many tries or the account locked itself */
	int tries_left;
};

/* The attempt and its TAN, locked together: a second, simultaneous post of the same TAN (double
 * click) waits here and then finds the session already logged in, which it must leave alone. */
static db_res *tan_attempt_lock(req *r, long long sid)
{
	return db_query(r->a,
			"SELECT s.stage, t.tan_hash, t.expires_at > NOW(), t.tries, a.failed_logins "
			"FROM session s JOIN account a ON a.id = s.account_id "
			"LEFT JOIN tan t ON t.session_id = s.id WHERE s.id = ? FOR UPDATE",
			DBARGS(DI(sid)));
}

static int tan_accept(struct tan_ctx *c, long long sid, bool failures_counted)
{
	req *r = c->r;
	c->outcome = TAN_OK;
	if (db_exec("DELETE FROM tan WHERE session_id = ?", DBARGS(DI(sid)), NULL, NULL) || session_upgrade(sid, c->token))
		return DB_TX_FAIL;
	if (failures_counted &&
	    db_exec("UPDATE account SET failed_logins = 0 WHERE id = ?", DBARGS(DI(r->me->id)), NULL, NULL))
		return DB_TX_FAIL;
	audit(&r->who, "login_ok", r->me->kennung, "");
	return 0;
}

static int tan_tx(void *p)
{
	enum { STAGE, HASH, VALID, TRIES, FAILED };
	struct tan_ctx *c = p;
	req *r = c->r;
	long long sid = r->sess->id, aid = r->me->id;
	db_res *t = tan_attempt_lock(r, sid);
	if (!t)
		return DB_TX_FAIL;
	if (t->nrows == 1 && strcmp(db_str(t, 0, STAGE), "voll") == 0) {
		c->outcome = TAN_DONE_MEANWHILE;
		return 0;
	}
	if (t->nrows == 0 || !db_str(t, 0, HASH) || db_int(t, 0, VALID) != 1) {
		c->outcome = TAN_EXPIRED;
		return db_exec("DELETE FROM session WHERE id = ? AND stage = 'tan'", DBARGS(DI(sid)), NULL, NULL) ? DB_TX_FAIL
														     : 0;
	}
	unsigned char h[HASH_BYTES];
	char bound[64];
	snprintf(bound, sizeof bound, "%lld:%s", sid, c->tan);
	secret_hash("tan", bound, strlen(bound), h);
	const db_cell *stored = db_get(t, 0, HASH);
	bool match = strlen(c->tan) == 6 && strspn(c->tan, "0123456789") == 6 && stored->len == HASH_BYTES &&
		     sodium_memcmp(stored->s, h, HASH_BYTES) == 0;
	if (match)
		return tan_accept(c, sid, db_int(t, 0, FAILED) != 0);
	long long tries = db_int(t, 0, TRIES) + 1;
	int locked = login_failure(&r->who, aid);
	if (locked < 0)
		return DB_TX_FAIL;
	if (tries >= cfg.tan_max_tries || locked) {
		c->outcome = TAN_ENDED;
		return db_exec("DELETE FROM session WHERE id = ?", DBARGS(DI(sid)), NULL, NULL) ? DB_TX_FAIL : 0;
	}
	c->outcome = TAN_WRONG;
	c->tries_left = (int)(cfg.tan_max_tries - tries);
	return db_exec("UPDATE tan SET tries = ? WHERE session_id = ?", DBARGS(DI(tries), DI(sid)), NULL, NULL) ? DB_TX_FAIL : 0;
}

void auth_tan_post(req *r)
{
	const char *tan = form_get(r, "tan");
	if (!tan || !*tan) {
		form_error(r, "tan", "Bitte geben Sie die TAN ein.");
		page_render(r, 422, &tan_page, NULL);
		return;
	}
	struct tan_ctx c = {.r = r, .tan = tan};
	secret_token(c.token);
	if (db_tx(tan_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	if (c.outcome != TAN_DONE_MEANWHILE) /* the other of two identical posts counted it */
		metrics_login(c.outcome == TAN_OK ? LOGIN_TAN_OK : LOGIN_TAN_REFUSED);
	switch (c.outcome) {
	case TAN_OK:
		session_cookie_set(r, c.token);
		redirect(r, "/");
		return;
	case TAN_WRONG:
		audit(&r->who, "tan_failed", r->me->kennung, "");
		form_error(r, "tan", c.tries_left == 1 ? "Die TAN ist nicht korrekt. Sie haben noch einen Versuch."
						       : "Die TAN ist nicht korrekt. Bitte prüfen Sie Ihre Eingabe.");
		page_render(r, 422, &tan_page, NULL);
		return;
	case TAN_EXPIRED:
		session_clear_cookie(r);
		redirect(r, "/anmelden?grund=tan-abgelaufen");
		return;
	case TAN_DONE_MEANWHILE:
		/* the same TAN was posted twice at once; the other request logged in and set the cookie */
		redirect(r, "/");
		return;
	case TAN_ENDED:
	default:
		audit(&r->who, "tan_failed", r->me->kennung, "attempt ended");
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
		audit(&r->who, "logout", r->me->kennung, "");
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

