/* orgs.h — what the Kasse's portal administrators do, for `mvctl` and the /kasse/ pages alike
 * (SPEC §11, §15): organisations and their Funktionseinschränkungen, administrators (create,
 * change name and e-mail), the Nutzerkennung look-up, and the audit log and access log of all
 * organisations. Each change is one transaction with its audit row (and its mail: the outbox),
 * written as who acts: "mvctl" or the logged-in K account. */
#ifndef MV_ORGS_H
#define MV_ORGS_H
#include "audit.h"
#include "secret.h"
#include <stdbool.h>

/* What a change returns besides 0 and DB_TX_FAIL (-1). */
enum orgs_result { ORGS_NOT_FOUND = 1, ORGS_EXISTS = 2 };

/* ---- organisations ---- */

struct org_new {
	const char *name, *bereich, *pnr, *abr;
};
/* A new organisation of our Kasse with the audit row "org_added": 0, ORGS_EXISTS if the PNR is
 * taken, DB_TX_FAIL on a database error. */
int org_add(actor *who, const struct org_new *org, unsigned long long *id_out);

/* "Name (Bereich) (PNR: 1, Abr: 2)", as the handbook writes an organisation. */
const char *org_line(arena *a, const char *name, const char *bereich, const char *pnr, const char *abr);

/* A right's bit in the masks below is 1 << its enum recht (domain.h). Switches the rights in off
 * off and those in on on, with the audit row "org_restricted" ("ausgeschaltet: …; eingeschaltet:
 * …"): 0, ORGS_NOT_FOUND, DB_TX_FAIL. */
int org_restrict(actor *who, const char *pnr, unsigned off, unsigned on);
/* The rights (space-separated keys, as in the audit row) of a mask, each followed by a blank but
 * the last of all rights. */
const char *org_rights_words(arena *a, unsigned mask);

typedef struct org_info {
	long long id;
	const char *name, *bereich, *pnr, *abr;
	unsigned switched_off; /* rights switched off (§1.7) */
} org_info;
/* The organisation with this PNR in our Kasse: 1 found, 0 none, -1 database error. */
int org_find(arena *a, const char *pnr, org_info *out);

/* ---- administrators ---- */

struct person_new {
	const char *vorname, *name, *email, *geburtsdatum; /* geburtsdatum JJJJ-MM-TT */
};
/* A new administrator of the organisation with the "Passwort festlegen" mail (outbox) and the audit
 * row "admin_added": 0, ORGS_NOT_FOUND (no such PNR), ORGS_EXISTS (the address is taken in the
 * organisation), DB_TX_FAIL. */
int admin_add(actor *who, const char *pnr, const struct person_new *p, char kennung_out[KENNUNG_LEN + 1]);

/* Changes what is given (NULL: unchanged) of administrator kennung (upper case), with the audit
 * row "admin_updated" and, for a changed address, email_change_notify (the previous address is
 * told, links mailed there die): 0, ORGS_NOT_FOUND, ORGS_EXISTS, DB_TX_FAIL. */
int admin_update(actor *who, const char *kennung, const char *vorname, const char *name, const char *email);
/* "Feld: alt → neu; " into d when new_value is given and differs from the stored one. */
void change_note(sbuf *d, const char *label, const char *old_value, const char *new_value);

/* ---- the Nutzerkennung look-up (handbook §1.4) ---- */

typedef struct user_hit {
	const char *kennung, *rolle, *vorname, *name, *email, *status;
	const char *org_name, *mitglied; /* the organisation's name and org_line, or NULL for the Kasse's accounts */
} user_hit;
/* Accounts whose name or first name starts with name, with exactly this address, of the
 * organisation pnr (each NULL: any), by name; up to limit. Rows, or -1 on a database error. */
long long user_find(arena *a, const char *name, const char *email, const char *pnr, long long limit, user_hit **out);
/* A hit as JSON, the same in `mvctl user find --json` and on the Kasse's page: nutzerkennung,
 * rolle, vorname, name, email, status and, for an organisation's account, mitglied. */
cJSON *user_hit_json(const user_hit *h);

/* ---- the logs of all organisations ---- */

typedef struct audit_filter {
	long long org_id;           /* 0: all */
	const char *kennung;        /* actor or target (upper case); NULL: anyone */
	const char *event;          /* NULL: every event */
	const char *von, *bis;      /* JJJJ-MM-TT, both days included; NULL: open */
	long long before_id;        /* keyset: entries older than this id; 0: the newest */
} audit_filter;

typedef struct audit_row {
	long long id;
	const char *utc, *pnr; /* pnr NULL: no organisation (the Kasse's own accounts) */
	audit_entry e;
} audit_row;
/* The audit log of every organisation, newest first, up to limit: rows, or -1. */
long long audit_search(arena *a, const audit_filter *f, long long limit, audit_row **out);

typedef struct zugriff_row {
	long long id;
	const char *utc, *pnr, *wer, *wer_name, *person_nr, *aktion, *aktenzeichen; /* aktenzeichen may be NULL */
} zugriff_row;
/* The access log of personal data (ab_zugriff) with the same filters (kennung: who; event:
 * "ansehen" or "aendern"), newest first: rows, or -1. */
long long zugriff_search(arena *a, const audit_filter *f, long long limit, zugriff_row **out);

#endif
