/* web.c — the request path: FastCGI params and body through the one parser (with limits), the
 * session, the route table's checks (404/405, login, role, CSRF — once, here), the handler, the
 * buffered response. Everything allocated for a request lives in its arena. */
#include "config.h"
#include "db.h"
#include "domain.h"
#include "form.h"
#include "layout.h"
#include "pages.h"
#include "log.h"
#include "response.h"
#include "session.h"
#include <fcgiapp.h>
#include <string.h>
#include <time.h>

static const char *const repeatable_fields[] = {"gruppe", "recht"};

void request_set_actor(req *r)
{
	r->who = (actor){.a = r->a, .remote = r->remote};
	if (r->me)
		r->who = (actor){r->a, r->me->kennung, r->me->id, r->me->org_id, r->remote};
}

/* Cross-site requests: Sec-Fetch-Site and Origin must name us (the CSRF token is checked too). */
static bool origin_ok(const req *r)
{
	const char *site = r->sec_fetch_site;
	if (site && *site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return false;
	/* Under "Referrer-Policy: no-referrer" browsers send "Origin: null" with our own form posts,
	 * together with "Sec-Fetch-Site: same-origin" — which a cross-site page cannot forge. */
	if (r->origin && strcmp(r->origin, "null") == 0)
		return str_eq(site, "same-origin");
	if (r->origin && *r->origin) {
		/* cfg.base_url is scheme://host[:port] with an optional path */
		const char *host = strstr(cfg.base_url, "://");
		size_t n = host ? (size_t)(strchrnul(host + 3, '/') - cfg.base_url) : strlen(cfg.base_url);
		if (strlen(r->origin) != n || strncmp(r->origin, cfg.base_url, n) != 0)
			return false;
	}
	return true;
}

/* The token from the body or the X-CSRF-Token header, never from the query string (a URL leaks into
 * logs, history and Referer). */
static bool csrf_ok(req *r)
{
	const param *p = params_find(&r->params, "csrf", SRC_BODY);
	const char *token = p ? p->value : r->csrf_header;
	return origin_ok(r) && r->csrf[0] && token && secret_equal(token, r->csrf);
}

static void csrf_refused(req *r)
{
	log_event("csrf_refused", r->me ? r->me->kennung : NULL, r->path, "");
	page_error(r, 403, "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die "
			   "Seite neu und versuchen Sie es noch einmal.");
}

static void not_routed(req *r, enum route_result res, const route_match *m)
{
	if (res == ROUTE_NOT_FOUND) {
		page_error(r, 404, "Die angeforderte Seite gibt es nicht.");
		return;
	}
	resp_header(r, "Allow", m->get && m->post ? "GET, HEAD, POST" : m->get ? "GET, HEAD" : "POST");
	page_error(r, 405, "Diese Aktion ist auf dieser Seite nicht möglich.");
}

/* Whether me may use a route with these flags: its role (K routes by the K account's kind, the
 * organisations' routes never to K) and the rights in effect. */
static bool role_ok(const account *me, unsigned flags)
{
	if (!(flags & (R_WHO | R_AB | R_KONTAKT | R_FORM)))
		return true; /* a public page or one of every account's: me may be NULL */
	bool member = me->role == ROLE_ADMIN || me->role == ROLE_SB;
	if (((flags & R_ADMIN) && me->role != ROLE_ADMIN) || ((flags & R_SB) && me->role != ROLE_SB) ||
	    ((flags & R_MEMBER) && !member))
		return false;
	if ((flags & (R_PORTALADMIN | R_FACH)) &&
	    !(me->role == ROLE_KASSE && (((flags & R_PORTALADMIN) && me->kasse_rolle == KR_PORTALADMIN) ||
					 ((flags & R_FACH) && me->kasse_rolle == KR_FACH))))
		return false;
	return !(((flags & R_AB) && !(me->rechte & 1u << R_ANSPRUCHSBERECHTIGTE)) ||
		 ((flags & R_KONTAKT) && !(me->rechte & 1u << R_KONTAKTDATEN)) ||
		 ((flags & R_FORM) && !(me->rechte & 1u << R_FORMULARE)));
}

/* Login and role first: an expired session leads back to the login page, not to a CSRF error. */
static bool access_ok(req *r, unsigned flags)
{
	const char *msg = NULL, *to = "/anmelden";
	if ((flags & R_LOGIN) && !logged_in(r)) {
		msg = "Bitte melden Sie sich an.";
		to = r->session_expired ? "/anmelden?grund=inaktiv" : r->session_ended ? "/anmelden?grund=beendet" : to;
	} else if ((flags & R_TANSTAGE) && !(r->sess && r->sess->stage == STAGE_TAN))
		msg = "Bitte melden Sie sich zuerst mit Nutzerkennung und Passwort an.";
	if (msg) {
		if (r->want_json)
			page_error(r, 401, msg);
		else
			redirect(r, to);
		return false;
	}
	if (!role_ok(r->me, flags)) {
		audit(&r->who, "access_denied", r->path, "");
		page_error(r, 403, "Sie haben keine Berechtigung für diese Seite.");
		return false;
	}
	return true;
}

static void dispatch(req *r)
{
	route_match m;
	enum route_result res = route_match_path(routes, routes_count, r->method, r->path, &m);
	if (res != ROUTE_FOUND) {
		not_routed(r, res, &m);
		return;
	}
	r->route = m.route;
	r->path_arg = m.arg ? arena_strndup(r->a, m.arg, m.arg_len) : NULL;
	log_set_context(m.route->name, r->remote);
	if (!access_ok(r, m.route->flags))
		return;
	if (strcmp(m.route->method, "POST") == 0 && !(m.route->flags & R_NO_CSRF) && !csrf_ok(r)) {
		csrf_refused(r);
		return;
	}
	m.route->handler(r);
}

static void parse_error(req *r, int status)
{
	if (status == 413)
		page_error(r, 413, arena_printf(r->a, "Die gesendeten Daten sind zu groß. Dokumente dürfen höchstens %s "
						      "groß sein, alle Dokumente einer Nachricht zusammen höchstens %s.",
						size_mb(r->a, cfg.upload_max_bytes), size_mb(r->a, cfg.upload_max_total_bytes)));
	else if (status == 415)
		page_error(r, 415, "Dieses Datenformat wird nicht unterstützt.");
	else
		page_error(r, 400, "Die Anfrage enthält ungültige Daten (zum Beispiel unzulässige Zeichen oder "
				   "doppelte Felder).");
}

/* The body as http_read_body reads it: first the bytes multipart_gate read ahead, then the stream. */
struct ahead {
	FCGX_Stream *in;
	const char *buf;
	size_t n, pos;
};

static int ahead_read(void *ctx, char *buf, int n)
{
	struct ahead *ah = ctx;
	if (ah->pos == ah->n)
		return FCGX_GetStr(buf, n, ah->in);
	size_t k = ah->n - ah->pos < (size_t)n ? ah->n - ah->pos : (size_t)n;
	memcpy(buf, ah->buf + ah->pos, k);
	ah->pos += k;
	return (int)k;
}

enum { AHEAD_MAX = 1 << 20 }; /* the text fields before the first document */

/* The CSRF token of a multipart body without X-CSRF-Token: a text field before the first document
 * (the portal's forms send it first), read ahead into ah up to AHEAD_MAX bytes. */
static bool multipart_token_ok(req *r, long long declared, struct ahead *ah)
{
	size_t cap = declared >= 0 && declared < AHEAD_MAX ? (size_t)declared : AHEAD_MAX;
	char *buf = arena_alloc(r->a, cap + 1);
	size_t got = 0;
	enum http_scan sc = HTTP_SCAN_MORE;
	const char *token = NULL;
	while (sc == HTTP_SCAN_MORE && got < cap) {
		int k = FCGX_GetStr(buf + got, (int)(cap - got > 65536 ? 65536 : cap - got), ah->in);
		if (k <= 0)
			break;
		got += (size_t)k;
		sc = http_multipart_field(r->a, buf, got, r->content_type, "csrf", &token);
	}
	*ah = (struct ahead){ah->in, buf, got, 0};
	return sc == HTTP_SCAN_FOUND && secret_equal(token, r->csrf);
}

/* Documents (up to 26 MiB) are read only for a request that may send them: login, role, origin and
 * CSRF token come first, the token from X-CSRF-Token or from the text fields ahead of the documents.
 * 0: read on (ah holds what was read ahead); 1: answered. */
static int multipart_gate(req *r, const route_match *m, const http_head *h, size_t limit, struct ahead *ah)
{
	long long declared = -1;
	if (h->content_length && *h->content_length &&
	    (parse_int(h->content_length, 0, (long long)1 << 40, &declared) != 0 || declared > (long long)limit))
		return 0; /* http_read_body answers 400 or 413 without reading */
	if (!access_ok(r, m->route->flags))
		return 1;
	bool ok = origin_ok(r) && r->csrf[0] &&
		  (r->csrf_header ? secret_equal(r->csrf_header, r->csrf) : multipart_token_ok(r, declared, ah));
	if (!ok)
		csrf_refused(r);
	return ok ? 0 : 1;
}

/* The POST body by the limits of its route (documents: all of a message plus 1 MiB of text; a body
 * without documents on such a route: the text). -1: already answered. */
static int read_body(FCGX_Request *fr, req *r, const http_head *h, const http_limits *lim)
{
	route_match m;
	bool docs_route = route_match_path(routes, routes_count, r->method, r->path, &m) == ROUTE_FOUND &&
			  (m.route->flags & R_MULTIPART);
	bool docs = docs_route && r->content_type && str_starts(r->content_type, "multipart/form-data");
	size_t limit = docs ? (size_t)cfg.upload_max_total_bytes + AHEAD_MAX : docs_route ? (size_t)AHEAD_MAX
		     : m.route && m.route->max_body ? m.route->max_body : (size_t)cfg.max_body_bytes;
	struct ahead ah = {fr->in, NULL, 0, 0};
	if (docs && multipart_gate(r, &m, h, limit, &ah))
		return -1;
	char *body = NULL;
	size_t blen = 0;
	int st = http_read_body(r->a, h->content_length, limit, ahead_read, &ah, &body, &blen);
	if (st)
		return st;
	bool multipart;
	enum http_parse_err e;
	st = http_parse_body(r->a, body, blen, r->content_type, docs, lim, (size_t)cfg.upload_max_files, &r->params,
			     &r->uploads, &multipart, &e);
	if (st && e != HTTP_OK)
		log_info("bad %s body: %s", multipart ? "multipart" : "request", http_parse_err_str(e));
	return st && multipart && e == HTTP_ERR_TOO_MANY ? 1 : st;
}

static void copy_head(req *r, const http_head *h)
{
	r->method = h->method;
	r->path = h->path;
	r->query = h->query;
	r->remote = h->remote;
	r->content_type = h->content_type;
	r->accept = h->accept;
	r->origin = h->origin;
	r->sec_fetch_site = h->sec_fetch_site;
	r->csrf_header = h->csrf_header;
	r->https = h->https;
	r->want_json = h->want_json;
	r->is_head = h->is_head;
}

/* The anonymous CSRF token lives in its own cookie until a session exists. */
static void anonymous_csrf(req *r)
{
	if (!r->pre_cookie) {
		char tok[TOKEN_CHARS + 1];
		secret_token(tok);
		r->pre_cookie = arena_strdup(r->a, tok);
		resp_cookie(r, "mv_pre", tok, 0);
	}
	secret_csrf(r->pre_cookie, r->csrf);
}

static void handle(FCGX_Request *fr, req *r)
{
	http_head h;
	http_limits lim = {(size_t)cfg.max_params, 64, (size_t)cfg.max_field_bytes};
	enum http_head_err he = http_parse_head(r->a, fr->envp, &lim, &h, &r->params);
	copy_head(r, &h);
	request_set_actor(r);
	if (he == HTTP_HEAD_BAD_REQUEST) {
		page_error(r, 400, "Ungültige Anfrage.");
		return;
	}
	log_set_context(r->path, r->remote);
	if (he != HTTP_HEAD_OK) {
		parse_error(r, 400);
		return;
	}
	if (status_answer(r, fr->envp))
		return;
	r->sid_cookie = cookie_get(r, cookie_name(r, "mv_sid"));
	r->pre_cookie = cookie_get(r, cookie_name(r, "mv_pre"));
	if (session_load(r) != 0) {
		page_error(r, 503, "Der Dienst ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einigen "
				   "Minuten erneut.");
		return;
	}
	request_set_actor(r);
	if (!r->sess)
		anonymous_csrf(r);
	int st = strcmp(r->method, "POST") == 0 ? read_body(fr, r, &h, &lim) : 0;
	if (st < 0)
		return; /* answered before the body was read */
	if (st == 1)
		page_error(r, 413, arena_printf(r->a, "Sie können höchstens %ld Dokumente mit einer Nachricht senden.",
						cfg.upload_max_files));
	else if (st)
		parse_error(r, st);
	else if (http_repeated_field(&r->params, repeatable_fields, ARRAY_LEN(repeatable_fields)))
		parse_error(r, 400); /* single-valued fields must not repeat (parameter pollution) */
	else
		dispatch(r);
}

int worker_handle_fcgi(void *fcgx_request)
{
	FCGX_Request *fr = fcgx_request;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	arena a;
	arena_init(&a);
	req *r = arena_alloc(&a, sizeof *r);
	r->a = &a;
	sbuf_init(&r->head);
	sbuf_init(&r->body);
	handle(fr, r);
	if (!r->responded)
		page_error(r, 500, "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.");
	sbuf head = sbuf_in(&a);
	resp_head(r, &head);
	FCGX_PutStr(head.data, (int)head.len, fr->out);
	if (!r->is_head && r->body.len)
		FCGX_PutStr(r->body.data, (int)r->body.len, fr->out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	status_observe(r, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	cJSON_Delete(r->json);
	sbuf_free(&r->head);
	sbuf_free(&r->body);
	arena_reset(&a);
	log_set_context(NULL, NULL);
	return 0;
}

void worker_init(void)
{
	/* warm the dummy hash so the first unknown-ID login costs what later ones cost */
	pw_dummy_verify("x", 1);
	db_connect();
}
