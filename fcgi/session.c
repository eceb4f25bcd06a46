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

int session_load(req *r)
{
	if (!r->sid_cookie)
		return 0;
	if (strlen(r->sid_cookie) != TOKEN_CHARS) {
		session_clear_cookie(r);
		return 0;
	}
	unsigned char h[HASH_BYTES];
	secret_hash("session", r->sid_cookie, strlen(r->sid_cookie), h);
	/* the first read of a request waits until this node has applied every commit of the cluster
	 * (Galera; a no-op on a single MariaDB): a session or change made through another host a
	 * moment ago is seen here, and so by every later statement of this request */
	db_res *res = db_query(r->a,
		"SET STATEMENT wsrep_sync_wait = 1 FOR "
		"SELECT s.id, s.stage, a.id, a.kennung, a.rolle, a.vorname, a.name, a.email, a.status, "
		"COALESCE(a.org_id, 0), TIMESTAMPDIFF(SECOND, s.last_seen, NOW()), "
		"TIMESTAMPDIFF(SECOND, s.created_at, NOW()), o.name, o.bereich, o.pnr, o.abr "
		"FROM session s JOIN account a ON a.id = s.account_id "
		"LEFT JOIN organisation o ON o.id = a.org_id WHERE s.token_hash = ?",
		DBARGS(DB(h, sizeof h)));
	if (!res)
		return -1;
	if (res->nrows == 0) {
		/* unknown token: leave the cookie alone — a parallel request (double click on the TAN
		 * form) may have just replaced it, and clearing it here would log the browser out */
		r->session_ended = true;
		r->sid_cookie = NULL;
		return 0;
	}
	enum stage stage = stage_parse(db_str(res, 0, 1));
	long long idle = db_int(res, 0, 10), age = db_int(res, 0, 11);
	bool full = stage == STAGE_FULL;
	bool expired = full ? (idle >= cfg.idle_timeout_s || age >= cfg.session_max_s)
			    : age >= cfg.tan_ttl_s + 60;
	if (expired || strcmp(db_str(res, 0, 8), "aktiv") != 0) {
		db_exec("DELETE FROM session WHERE id = ?", DBARGS(DI(db_int(res, 0, 0))), NULL, NULL);
		if (expired)
			r->session_expired = true; /* idle or absolute timeout: "Inaktivität" */
		else
			r->session_ended = true;   /* locked meanwhile */
		session_clear_cookie(r);
		if (expired && full)
			log_event("session_expired", db_str(res, 0, 3), NULL, idle >= cfg.idle_timeout_s ? "idle" : "absolute");
		return 0;
	}
	session *s = arena_alloc(r->a, sizeof *s);
	s->id = db_int(res, 0, 0);
	s->stage = stage;
	account *me = arena_alloc(r->a, sizeof *me);
	me->id = db_int(res, 0, 2);
	me->kennung = (char *)db_str(res, 0, 3);
	me->role = role_parse(db_str(res, 0, 4));
	me->vorname = (char *)db_str(res, 0, 5);
	me->name = (char *)db_str(res, 0, 6);
	me->email = (char *)db_str(res, 0, 7);
	me->status = (char *)db_str(res, 0, 8);
	me->org_id = db_int(res, 0, 9);
	if (db_str(res, 0, 12))
		me->org_line = arena_printf(r->a, "%s (%s) (PNR: %s, Abr: %s)", db_str(res, 0, 12), db_str(res, 0, 13),
					    db_str(res, 0, 14), db_str(res, 0, 15));
	r->sess = s;
	r->me = me;
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
	return str_eq(db_rolle, "X") ? ROLE_ADMIN : str_eq(db_rolle, "S") ? ROLE_SB : ROLE_NONE;
}

enum stage stage_parse(const char *db_stage)
{
	return str_eq(db_stage, "voll") ? STAGE_FULL : str_eq(db_stage, "tan") ? STAGE_TAN : STAGE_NONE;
}
