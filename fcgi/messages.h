/* messages.h — storing messages (web and mvctl). */
#ifndef MV_MESSAGES_H
#define MV_MESSAGES_H
#include "util.h"
#include "http.h"
#include "audit.h"

/* The Kasse: sender of every message into a mailbox, recipient of every message from one. */
extern const char kasse_name[];

struct message_new {
	long long org_id;
	int gruppe;          /* group mailbox, or -1 */
	long long konto_id;  /* personal mailbox owner, or 0 */
	const char *ordner;  /* "eingang" (from the Kasse) or "gesendet" (to the Kasse) */
	const char *absender;
	long long absender_konto_id; /* 0 for the Kasse */
	const char *betreff, *text;
	long long antwort_auf;       /* 0 */
	const upload *files;
	size_t nfiles;
};

/* German message if a document is refused (empty, too large, not PDF/PNG/JPEG), else NULL. */
const char *upload_check(arena *a, const upload *u);
/* Inside a transaction: message, documents, and for incoming mail the notification. */
int message_store(arena *a, const struct message_new *m, long long *id_out);
/* The same in a transaction of its own (retried whole on deadlock). */
int message_store_tx(arena *a, const struct message_new *m, long long *id_out);

/* The fund's messages into an organisation's mailbox: `mvctl message send` and the pages under
 * /kasse/nachrichten call these, so both check the same and write the same audit row. */
enum kasse_to { KT_OK, KT_NO_ORG, KT_BAD_GROUP, KT_NO_SB, KT_DB_ERROR };
/* The mailbox named by PNR and a group slug or a Sachbearbeiter's Nutzerkennung (exactly one
 * of gruppe, kennung) into m (org_id, gruppe, konto_id) and *target (the slug or the normalised
 * Nutzerkennung, for the audit row). */
enum kasse_to kasse_recipient(arena *a, const char *pnr, const char *gruppe, const char *kennung,
			      struct message_new *m, const char **target);
enum kasse_send { KS_OK, KS_BAD_DOCUMENT, KS_DB_ERROR };
/* From the Kasse into the mailbox in m (org_id, gruppe/konto_id, betreff, text, files,
 * antwort_auf): each document checked (*why: upload_check's message), message, documents and
 * notification in one transaction, then the audit row "message_from_kasse" at target. */
enum kasse_send kasse_message_send(const actor *who, struct message_new *m, const char *target, long long *id,
				   const char **why);

#endif
