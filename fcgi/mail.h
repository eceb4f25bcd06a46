/* mail.h — queueing mails into the outbox (inside the caller's transaction) and building the
 * RFC 5322 message the mailer sends. */
#ifndef MV_MAIL_H
#define MV_MAIL_H
#include "html.h"
#include "util.h"

/* Renders html/mail/<tpl> (first line "Betreff: …") with slots and inserts it into the outbox.
 * Refuses (returns -1) an address or subject with CR/LF. 0 ok. */
int mail_queue(const char *to, const char *tpl, const tpl_slot *slots, size_t nslots);

/* Seals a body for the outbox / opens it again (malloc'd; mail_open: NULL if tampered). */
char *mail_seal(const char *body);
char *mail_open(const char *stored);

/* Builds the full message (headers + quoted-printable body, CRLF line ends) into out. */
void mail_build(sbuf *out, long long id, const char *from, const char *to, const char *subject, const char *body);
/* RFC 2047 encoded-word for non-ASCII header text (B encoding, UTF-8). */
void mail_header_encode(sbuf *out, const char *text);
void mail_qp_encode(sbuf *out, const char *text);
/* The address partly masked for a mail to someone else: "ma***@example.org" (the first one or
 * two characters of the local part, the domain in full). */
char *mail_addr_mask(arena *a, const char *addr);

#include <signal.h>
/* Body of the mailer process (mailer.c): outbox → SMTP until *stop is set. */
int mailer_run(volatile sig_atomic_t *stop);

#endif
