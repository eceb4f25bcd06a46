/* audit.h — who acts (the actor every service takes) and the audit log: rows, labels, JSON. */
#ifndef MV_AUDIT_H
#define MV_AUDIT_H
#include "util.h"
#include <cjson/cJSON.h>

/* Who acts, for services and the audit log: a logged-in account, nobody (a login attempt, a
 * mailed link) or the command line. Services allocate their results in a. */
typedef struct actor {
	arena *a;
	const char *kennung;  /* NULL: nobody logged in; "mvctl": the command line */
	long long account_id; /* 0 unless logged in */
	long long org_id;     /* 0: the Kasse or nobody */
	const char *remote;   /* client address, or "mvctl (Benutzer …)" */
} actor;

/* One audit row as stored; the caller's organisation unless org_id is given (audit_org). */
void audit(const actor *who, const char *event, const char *target, const char *detail);
void audit_org(const actor *who, long long org_id, const char *event, const char *target, const char *detail);
/* An event of an account itself (login, activation, self-lock): actor and target are that account. */
void audit_self(const actor *who, long long account_id, const char *event, const char *detail);
/* The same for an account whose organisation and Nutzerkennung the caller already has. */
void audit_account(const actor *who, long long org_id, const char *kennung, const char *event, const char *detail);

const char *audit_event_label(const char *event); /* "sb_locked" → "Benutzer gesperrt" */

typedef struct audit_entry {
	const char *zeit, *wer, *ereignis, *betroffen, *aenderung;
	const char *utc; /* the stored time "JJJJ-MM-TT HH:MM:SS" (UTC), for time_de */
} audit_entry;

enum audit_scope { AUDIT_ACCOUNTS, AUDIT_ALL }; /* the page shows account changes; mvctl everything */

/* Entries of an organisation, optionally of one target Nutzerkennung (upper-cased here):
 * AUDIT_ACCOUNTS newest first with German-written UTC times in zeit (JSON "zeit_utc"), AUDIT_ALL oldest
 * first with ISO UTC times; both with the stored UTC time in utc.
 * Returns the number of rows (up to limit), -1 on a database error. */
long long audit_list(arena *a, long long org_id, enum audit_scope scope, const char *kennung, long long limit,
		     long long offset, audit_entry **out);
/* A stored detail as the logs show it: rights by their labels (the row keeps the keys). */
const char *audit_detail_shown(arena *a, const char *event, const char *detail);
cJSON *audit_entry_json(const audit_entry *e, const char *time_key);

#endif
