/* messages.h — storing messages (web and mvctl). */
#ifndef MV_MESSAGES_H
#define MV_MESSAGES_H
#include "util.h"
#include "http.h"

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

#endif
