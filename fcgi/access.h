/* access.h — what the access flows share: rate limits, single-use mailed links, failed-login
 * counting with self-lock, and creating accounts. */
#ifndef MV_ACCESS_H
#define MV_ACCESS_H
#include "audit.h"
#include "secret.h"

/* Counts one hit in a fixed window; 1 = allowed, 0 = over the limit, -1 = db error. */
int rate_hit(const char *what, long limit, long window_s);
/* Voids every outstanding mailed link of the account (password change, lock, new link, new
 * address); inside a transaction. 0 ok, -1 db error. */
int links_void(long long account_id);
/* New single-use link token for account (every older unused link of the account dies). */
int link_create(long long account_id, const char *zweck, char token_out[TOKEN_CHARS + 1]);
/* The link as mailed: always the configured base URL, never the request's Host. */
char *link_url(arena *a, const char *path, const char *token);
/* The mail "Passwort festlegen" to a new account with a fresh activation link, queued (outbox:
 * inside the caller's transaction). 0 ok, -1 on a database error. */
int setpw_mail_queue(arena *a, long long account_id, const char *vorname, const char *name, const char *email);
/* Records one failed login; locks the account when the threshold is reached.
 * 1 if this failure locked it, 0 otherwise, -1 on a database error. */
int login_failure(const actor *who, long long account_id);

/* Ends every session of an account (password change, lock); inside a transaction. */
int session_end_all(long long account_id);

/* Whom the owner of an account turns to when something happened that they did not expect:
 * a Sachbearbeiter ('S') to their organisation's administrator or the Kasse's support, an
 * administrator to the Portal-Administratoren der Kassen. */
const char *account_contact(arena *a, const char *rolle);

/* An account's e-mail address changed; called inside the transaction of the change, after it. */
typedef struct email_change {
	long long account_id, org_id;
	const char *kennung, *vorname, *name; /* as before the change */
	const char *old_email, *new_email;
	const char *by; /* who changed it, as the mail names them */
} email_change;
/* Voids the account's outstanding links. If a password was ever set: keeps the previous address
 * (the earliest within email_change_window_days) and the time on the account, and queues the
 * notice "E-Mail-Adresse geändert" to the previous address (and to an earlier one kept), with an
 * audit row. 1 when a notice was queued, 0 when none was (never activated), -1 on a db error. */
int email_change_notify(const actor *who, const email_change *c);

enum account_role_code { ACCOUNT_X = 'X', ACCOUNT_S = 'S', ACCOUNT_K = 'K' };
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
