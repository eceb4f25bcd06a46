/* response.h — the buffered response: status, headers, cookies, JSON, redirects, and the bytes
 * that go back to the web server. Nothing is sent before the handler is done. */
#ifndef MV_RESPONSE_H
#define MV_RESPONSE_H
#include "request.h"

void resp_header(req *r, const char *name, const char *value);
void resp_cookie(req *r, const char *name, const char *value, long max_age_s); /* max_age <0: delete */
const char *cookie_name(const req *r, const char *base); /* "__Host-" prefix under TLS */

cJSON *json_obj(req *r);                     /* r->json, created on first use */
void json_send(req *r, int status);          /* sends r->json plus "csrf" */
void json_errors_send(req *r, int status);   /* {"errors":{field: message}} from r->errors */
void redirect(req *r, const char *location); /* 303; JSON: {"ok":true,"next":…} */
/* A document as download (Content-Disposition: attachment, RFC 6266 with an ASCII fallback name). */
void resp_attachment(req *r, const char *name, const char *ctype, const char *data, size_t len);

/* The head of the response as FastCGI wants it: status, headers incl. the security headers and
 * the blank line; r->body follows (unless HEAD). */
void resp_head(req *r, sbuf *out);

#endif
