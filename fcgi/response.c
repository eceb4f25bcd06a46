/* response.c — headers, cookies, JSON answers, redirects; the security headers every answer
 * carries; the bytes of the finished response. */
#include "response.h"
#include "html.h"
#include "util.h"
#include <stdlib.h>
#include <string.h>

void resp_header(req *r, const char *name, const char *value)
{
	/* header values are ours, but never let a line break through */
	if (strpbrk(name, "\r\n") || strpbrk(value, "\r\n"))
		abort();
	sbuf_adds(&r->head, name); /* "%s: %s\r\n" without printf: a dozen headers on every answer */
	sbuf_add(&r->head, ": ", 2);
	sbuf_adds(&r->head, value);
	sbuf_add(&r->head, "\r\n", 2);
}

const char *cookie_name(const req *r, const char *base)
{
	return r->https ? arena_printf(r->a, "__Host-%s", base) : base;
}

void resp_cookie(req *r, const char *name, const char *value, long max_age_s)
{
	char *c = arena_printf(r->a, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", cookie_name(r, name),
			       max_age_s < 0 ? "" : value, r->https ? "; Secure" : "");
	if (max_age_s < 0)
		c = arena_printf(r->a, "%s; Max-Age=0", c);
	else if (max_age_s > 0)
		c = arena_printf(r->a, "%s; Max-Age=%ld", c, max_age_s);
	resp_header(r, "Set-Cookie", c);
}

cJSON *json_obj(req *r)
{
	if (!r->json) {
		r->json = cJSON_CreateObject();
		if (!r->json)
			mv_oom();
	}
	return r->json;
}

void json_send(req *r, int status)
{
	cJSON *o = json_obj(r);
	cJSON_DeleteItemFromObject(o, "csrf");
	cJSON_AddStringToObject(o, "csrf", r->csrf);
	char *text = cJSON_PrintUnformatted(o);
	if (!text)
		mv_oom();
	sbuf_reset(&r->body);
	sbuf_adds(&r->body, text);
	free(text);
	r->status = status;
	r->ctype = "application/json; charset=utf-8";
	r->responded = true;
}

void json_errors_send(req *r, int status)
{
	cJSON_Delete(r->json);
	r->json = NULL;
	cJSON *errs = cJSON_AddObjectToObject(json_obj(r), "errors");
	for (size_t i = 0; i < r->nerrors; i++)
		cJSON_AddStringToObject(errs, r->errors[i].field, r->errors[i].message);
	json_send(r, status);
}

void redirect(req *r, const char *location)
{
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddBoolToObject(o, "ok", 1);
		cJSON_AddStringToObject(o, "next", location);
		json_send(r, 200);
		return;
	}
	resp_header(r, "Location", location);
	sbuf_reset(&r->body);
	r->status = 303;
	r->ctype = "text/plain; charset=utf-8";
	r->responded = true;
}

static const char *status_text(int s)
{
	switch (s) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void security_headers(req *r)
{
	resp_header(r, "Content-Security-Policy",
		    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
	resp_header(r, "X-Content-Type-Options", "nosniff");
	resp_header(r, "X-Frame-Options", "DENY");
	resp_header(r, "Referrer-Policy", "no-referrer");
	resp_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	resp_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	resp_header(r, "Cache-Control", "no-store");
}

void resp_head(req *r, sbuf *out)
{
	security_headers(r);
	sbuf_printf(out, "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", r->status,
		    status_text(r->status), r->ctype ? r->ctype : "text/plain; charset=utf-8", r->body.len);
	sbuf_add(out, r->head.data ? r->head.data : "", r->head.len);
	sbuf_adds(out, "\r\n");
}

/* Downloads (mailbox and Meldung documents). */
static void ascii_name(sbuf *b, const char *name)
{
	static const struct {
		const char *utf8, *ascii;
	} translit[] = {{"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"Ä", "Ae"}, {"Ö", "Oe"}, {"Ü", "Ue"}, {"ß", "ss"}};
	for (const char *p = name; *p;) {
		unsigned char c = (unsigned char)*p;
		size_t k = 0;
		while (k < ARRAY_LEN(translit) && !str_starts(p, translit[k].utf8))
			k++;
		if (k < ARRAY_LEN(translit)) {
			sbuf_adds(b, translit[k].ascii);
			p += strlen(translit[k].utf8);
			continue;
		}
		if (c >= 0x80) { /* one "_" per other non-ASCII character */
			p++;
			while ((*p & 0xC0) == 0x80)
				p++;
			sbuf_addc(b, '_');
			continue;
		}
		sbuf_addc(b, c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? (char)c : '_');
		p++;
	}
}

/* RFC 6266: an ASCII fallback and the UTF-8 name. */
static const char *disposition(req *r, const char *name)
{
	sbuf b = sbuf_in(r->a);
	sbuf_adds(&b, "attachment; filename=\"");
	ascii_name(&b, name);
	sbuf_adds(&b, "\"; filename*=UTF-8''");
	sbuf_adds(&b, url_printf(r->a, "%s", name));
	return b.data;
}

void resp_attachment(req *r, const char *name, const char *ctype, const char *data, size_t len)
{
	sbuf_reset(&r->body);
	sbuf_add(&r->body, data, len);
	resp_header(r, "Content-Disposition", disposition(r, name));
	r->ctype = ctype;
	r->status = 200;
	r->responded = true;
}
