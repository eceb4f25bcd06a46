/* password.h — new passwords: policy and confirmation, the hash and the history fingerprint,
 * the history check and storage (shared by the mailed-link flow and "Einstellungen"). */
#ifndef MV_PASSWORD_H
#define MV_PASSWORD_H
#include "audit.h"
#include "db.h"
#include "secret.h"

/* Whose password it is: the names the policy refuses, the history's salt and cost. */
typedef struct pw_owner {
	long long account_id;
	const char *kennung, *vorname, *name, *email;
	const db_cell *salt;
	long long ops, mem_kib;
} pw_owner;

typedef struct newpw {
	const char *pw, *confirm;
	unsigned char fingerprint[HASH_BYTES];
	char hash[PWHASH_MAX];
} newpw;

/* Policy and confirmation, every failing rule at once: *pw_message (all the rules the new password
 * breaks) and *confirm_message (the confirmation) are set where refused, else NULL. true: both fine. */
bool newpw_check(arena *a, const newpw *n, const pw_owner *o, const char **pw_message,
		 const char **confirm_message);
/* After newpw_check: the hash and the history fingerprint. 0, or -1 (hashing failed: memory). */
int newpw_hash(newpw *n, const pw_owner *o);
/* Inside a transaction: 1 if the fingerprint is in the history, 0 if not, -1 on a db error. */
int newpw_in_history(arena *a, long long account_id, const unsigned char fp[HASH_BYTES]);
/* Inside a transaction: hash, history, ends all sessions, voids every outstanding link, notice mail
 * (also to the previous address within email_change_window_days after an address change, with an
 * audit row by who). 0 ok, -1 db error. */
int newpw_store(const actor *who, const pw_owner *o, const newpw *n);

/* Inside a transaction: newpw_store unless the password is in the history.
 * 0 stored, 1 used before (nothing written), -1 db error. */
int newpw_save(const actor *who, const pw_owner *o, const newpw *n);

extern const char newpw_reused_msg[];

#endif
