/* message_parts.h — what the organisations' mailbox and the Kasse's messages share: a message's
 * documents (loaded, listed, as JSON) and the body of the message form (subject, text, documents,
 * buttons, the message a reply answers). The recipient and the pages around them are each side's. */
#ifndef MV_MESSAGE_PARTS_H
#define MV_MESSAGE_PARTS_H

#include "request.h"
#include <cjson/cJSON.h>

/* The documents of one message, in upload order. */
struct document_item {
	long long id, size;
	const char *name, *type; /* name: as offered for download (document_name) */
};
struct documents {
	struct document_item *items;
	size_t n;
};
bool documents_load(req *r, long long message_id, struct documents *out); /* false on a database error */
/* Whose download route the links take: /anhang/{id} (members) or /kasse/anhang/{id}. */
enum documents_route { DOCS_MEMBER, DOCS_KASSE };
/* "Anhänge" with a download link each; nothing without documents. */
void documents_html(req *r, sbuf *b, const struct documents *d, enum documents_route via);
void documents_json(cJSON *o, const struct documents *d); /* "anhaenge": [{id, dateiname, typ, groesse}] */

/* The check of a message form's documents (field "anhang": PDF, PNG, JPEG): each document
 * refused is an error at "anhang"; false after a 413 was answered (too large: nothing is stored). */
bool documents_check(req *r);

/* The body of a message form: subject and text as declared fields. */
struct message_body {
	const char *betreff, *nachricht;
};
/* The message a reply answers, shown below the form (escaped on output like everything). */
struct quoted_message {
	const char *betreff, *absender, *datum, *text;
};
void message_body_prefill(req *r, struct message_body *in);
size_t message_body_read(req *r, struct message_body *in); /* the number of errors */
/* A reply drawn without a subject sent proposes the original's, with "AW: " once. */
void message_body_reply(req *r, struct message_body *in, const struct quoted_message *reply);
/* Subject, text, documents, Abbrechen (to cancel_url) and Senden, the form's end, and the
 * message answered below it (reply may be NULL). */
void message_body_html(req *r, sbuf *b, const struct message_body *in, const char *cancel_url,
		       const struct quoted_message *reply);

#endif
