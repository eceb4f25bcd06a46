/* session.c — server-side sessions: a random 256-bit token in the cookie, only its keyed hash
 * in the database; idle and absolute timeouts enforced here on every request. */
#include "session.h"
#include "response.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include <stdio.h>
#include <string.h>

static void set_session_cookie(req *r, const char *token)
{
	resp_cookie(r, "mv_sid", token, 0);
	r->sid_cookie = arena_strdup(r->a, token);
	secret_csrf(r->sid_cookie, r->csrf);
}

void session_clear_cookie(req *r)
{
	resp_cookie(r, "mv_sid", "", -1);
	r->sid_cookie = NULL;
}

/* The columns of the session lookup. */
enum { S_ID, S_STAGE, A_ID, A_KENNUNG, A_ROLLE, A_VORNAME, A_NAME, A_EMAIL, A_STATUS, A_ORG, S_IDLE, S_AGE,
       O_NAME, O_BEREICH, O_PNR, O_ABR, A_RECHTE, A_KASSE_ROLLE };

static db_res *session_query(req *r)
{
	unsigned char h[HASH_BYTES];
	secret_hash("session", r->sid_cookie, strlen(r->sid_cookie), h);
	/* the first read of a request waits until this node has applied every commit of the cluster
	 * (Galera; a no-op on a single MariaDB): a session or change made through another host a
	 * moment ago is seen here, and so by every later statement of this request */
	return db_query(r->a,
		"SET STATEMENT wsrep_sync_wait = 1 FOR "
		"SELECT s.id, s.stage, a.id, a.kennung, a.rolle, a.vorname, a.name, a.email, a.status, "
		"COALESCE(a.org_id, 0), TIMESTAMPDIFF(SECOND, s.last_seen, NOW()), "
		"TIMESTAMPDIFF(SECOND, s.created_at, NOW()), o.name, o.bereich, o.pnr, o.abr, "
		/* the rights in effect (bits as enum recht): granted, not switched off for the
		 * organisation (§1.7), and their prerequisite in effect too */
		"IF(a.rolle = 'S', (a.recht_anspruchsberechtigte AND NOT o.aus_anspruchsberechtigte) "
		"| ((a.recht_kontaktdaten AND NOT o.aus_kontaktdaten AND a.recht_anspruchsberechtigte "
		"AND NOT o.aus_anspruchsberechtigte) << 1) | ((a.recht_formulare AND NOT o.aus_formulare "
		"AND a.recht_anspruchsberechtigte AND NOT o.aus_anspruchsberechtigte) << 2), 0), a.kasse_rolle "
		"FROM session s JOIN account a ON a.id = s.account_id "
		"LEFT JOIN organisation o ON o.id = a.org_id WHERE s.token_hash = ?",
		DBARGS(DB(h, sizeof h)));
}

/* The row's account as the request's "me". */
static account *account_of(req *r, const db_res *res)
{
	account *me = arena_alloc(r->a, sizeof *me);
	*me = (account){.id = db_int(res, 0, A_ID), .org_id = db_int(res, 0, A_ORG),
			.role = role_parse(db_str(res, 0, A_ROLLE)), .kennung = (char *)db_str(res, 0, A_KENNUNG),
			.vorname = (char *)db_str(res, 0, A_VORNAME), .name = (char *)db_str(res, 0, A_NAME),
			.email = (char *)db_str(res, 0, A_EMAIL), .status = (char *)db_str(res, 0, A_STATUS),
			.rechte = (unsigned)db_int(res, 0, A_RECHTE),
			.kasse_rolle = kasse_rolle_parse(db_str(res, 0, A_KASSE_ROLLE))};
	if (db_str(res, 0, O_NAME))
		me->org_line = arena_printf(r->a, "%s (%s) (PNR: %s, Abr: %s)", db_str(res, 0, O_NAME),
					    db_str(res, 0, O_BEREICH), db_str(res, 0, O_PNR), db_str(res, 0, O_ABR));
	return me;
}

/* An expired session (idle or absolute: "Inaktivität") or one whose account is no longer active
 * (locked meanwhile) ends here. */
static void session_drop(req *r, const db_res *res, bool expired, bool full, long long idle)
{
	db_exec("DELETE FROM session WHERE id = ?", DBARGS(DI(db_int(res, 0, S_ID))), NULL, NULL);
	if (expired)
		r->session_expired = true;
	else
		r->session_ended = true;
	session_clear_cookie(r);
	if (expired && full)
		log_event("session_expired", db_str(res, 0, A_KENNUNG), NULL,
			  idle >= cfg.idle_timeout_s ? "idle" : "absolute");
}

int session_load(req *r)
{
	if (!r->sid_cookie)
		return 0;
	if (strlen(r->sid_cookie) != TOKEN_CHARS) {
		session_clear_cookie(r);
		return 0;
	}
	db_res *res = session_query(r);
	if (!res)
		return -1;
	if (res->nrows == 0) {
		/* unknown token: leave the cookie alone — a parallel request (double click on the TAN
		 * form) may have just replaced it, and clearing it here would log the browser out */
		r->session_ended = true;
		r->sid_cookie = NULL;
		return 0;
	}
	enum stage stage = stage_parse(db_str(res, 0, S_STAGE));
	long long idle = db_int(res, 0, S_IDLE), age = db_int(res, 0, S_AGE);
	bool full = stage == STAGE_FULL;
	bool expired = full ? (idle >= cfg.idle_timeout_s || age >= cfg.session_max_s) : age >= cfg.tan_ttl_s + 60;
	if (expired || strcmp(db_str(res, 0, A_STATUS), "aktiv") != 0) {
		session_drop(r, res, expired, full, idle);
		return 0;
	}
	session *s = arena_alloc(r->a, sizeof *s);
	*s = (session){.id = db_int(res, 0, S_ID), .stage = stage};
	r->sess = s;
	r->me = account_of(r, res);
	secret_csrf(r->sid_cookie, r->csrf);
	/* The idle clock restarts with every request. Writing it at most every 1/60 of the idle
	 * timeout (10 s of 10 min) spares a commit per request and costs at most that much precision. */
	long long touch_every = cfg.idle_timeout_s / 60;
	if (full && idle >= touch_every &&
	    db_exec("UPDATE session SET last_seen = NOW() WHERE id = ?", DBARGS(DI(s->id)), NULL, NULL) != 0)
		return -1;
	return 0;
}

/* DB part of creating a session; the cookie is set after the transaction commits. */
int session_insert(const actor *who, const char *token, long long account_id, enum stage stage,
		   long long *session_id)
{
	unsigned char h[HASH_BYTES];
	secret_hash("session", token, strlen(token), h);
	unsigned long long id = 0;
	if (db_exec("INSERT INTO session (token_hash, account_id, stage, created_at, last_seen, remote) "
		    "VALUES (?, ?, ?, NOW(), NOW(), ?)",
		    DBARGS(DB(h, sizeof h), DI(account_id), DS(stage == STAGE_FULL ? "voll" : "tan"), DSZ(who->remote)), NULL, &id) != 0)
		return -1;
	*session_id = (long long)id;
	return 0;
}

void session_cookie_set(req *r, const char *token)
{
	set_session_cookie(r, token);
}

/* Login completed: the session gets a new token (never keep the pre-TAN one) and stage. */
int session_upgrade(long long session_id, const char *token)
{
	unsigned char h[HASH_BYTES];
	secret_hash("session", token, strlen(token), h);
	return db_exec("UPDATE session SET token_hash = ?, stage = 'voll', created_at = NOW(), last_seen = NOW() "
		       "WHERE id = ?",
		       DBARGS(DB(h, sizeof h), DI(session_id)), NULL, NULL);
}


enum role role_parse(const char *db_rolle)
{
	return str_eq(db_rolle, "X") ? ROLE_ADMIN : str_eq(db_rolle, "S") ? ROLE_SB : str_eq(db_rolle, "K") ? ROLE_KASSE
													    : ROLE_NONE;
}

enum kasse_rolle kasse_rolle_parse(const char *db_kasse_rolle)
{
	return str_eq(db_kasse_rolle, "portaladmin") ? KR_PORTALADMIN : str_eq(db_kasse_rolle, "fach") ? KR_FACH : KR_NONE;
}

enum stage stage_parse(const char *db_stage)
{
	return str_eq(db_stage, "voll") ? STAGE_FULL : str_eq(db_stage, "tan") ? STAGE_TAN : STAGE_NONE;
}
