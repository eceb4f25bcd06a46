/* session.h — server-side sessions: a random token in the cookie, its keyed hash in the database,
 * idle and absolute timeouts checked on every request. */
#ifndef MV_SESSION_H
#define MV_SESSION_H
#include "request.h"

int session_load(req *r); /* 0 ok (maybe anonymous), -1 db error */
/* DB part of a new session (inside a transaction); the cookie is set after the commit. */
int session_insert(const actor *who, const char *token, long long account_id, enum stage stage,
		   long long *session_id);
void session_cookie_set(req *r, const char *token);
void session_clear_cookie(req *r);
int session_upgrade(long long session_id, const char *token); /* login complete: new token, stage voll */

#endif
