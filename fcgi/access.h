/* access.h — what the access flows share: rate limits, single-use mailed links, failed-login
 * counting with self-lock, and creating accounts. */
#ifndef MV_ACCESS_H
#define MV_ACCESS_H
#include "audit.h"
#include "secret.h"

/* Counts one hit in a fixed window; 1 = allowed, 0 = over the limit, -1 = db error. */
int rate_hit(const char *what, long limit, long window_s);
/* New single-use link token for account (older unused ones of that purpose die). */
int link_create(long long account_id, const char *zweck, char token_out[TOKEN_CHARS + 1]);
/* The link as mailed: always the configured base URL, never the request's Host. */
char *link_url(arena *a, const char *path, const char *token);
/* Records one failed login; locks the account when the threshold is reached.
 * 1 if this failure locked it, 0 otherwise, -1 on a database error. */
int login_failure(const actor *who, long long account_id);

/* Ends every session of an account (password change, lock); inside a transaction. */
int session_end_all(long long account_id);

enum account_role_code { ACCOUNT_X = 'X', ACCOUNT_S = 'S' };
/* Inserts an account in state angelegt; in a transaction. 0 ok, -1 db error (DB_ERR_DUP: e-mail taken). */
int account_insert(enum account_role_code role, long long org_id, const char *vorname, const char *name,
		   const char *email, const char *geburtsdatum, const char *fixed_kennung,
		   char kennung_out[KENNUNG_LEN + 1], long long *id_out);
/* The overview's filter keys (migration 009): account.such_name and such_vorname hold
 * account_key of name and vorname — str_match_key, cut to ACCOUNT_KEY_CHARS characters — and a
 * Sachbearbeiter's trigrams of both and of the Nutzerkennung are rows of account_such. */
#define ACCOUNT_KEY_CHARS 250
const char *account_key(arena *a, const char *name);
/* Stores the keys anew, and the trigrams (grams_org_id: its organisation; 0: none, not a
 * Sachbearbeiter). Every write of vorname or name calls it (account_insert does); in a
 * transaction. 0 ok, -1 on a database error. */
int account_keys_store(arena *a, long long account_id, long long grams_org_id, const char *kennung,
		       const char *vorname, const char *name);
/* The keys of accounts that have none yet — rows older than migration 009; `migrate` runs it
 * after the SQL files. 0 ok, -1 on a database error. */
int account_keys_fill(void);

#endif
