/* web.c — one request from FastCGI to the buffered response: parse with limits, dispatch
 * through the route table (404/405/login/role/CSRF once), render layout or JSON, security
 * headers, send. Everything allocated for the request lives in its arena. */
#include "app.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "log.h"
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const repeatable_fields[] = {"gruppe", "recht"};

/* ---------- input ---------- */

const char *form_get_raw(req *r, const char *name)
{
	const param *p = params_find(&r->params, name, SRC__MAX);
	return p ? p->value : NULL;
}

const char *form_get(req *r, const char *name)
{
	const char *v = form_get_raw(r, name);
	if (!v)
		return NULL;
	return str_trim(arena_strdup(r->a, v));
}

size_t form_all(req *r, const char *name, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->params.n && n < max; i++) {
		const param *p = &r->params.items[i];
		if (p->src != SRC_COOKIE && strcmp(p->name, name) == 0)
			out[n++] = p->value;
	}
	return n;
}

const char *cookie_get(req *r, const char *name)
{
	const param *p = params_find(&r->params, name, SRC_COOKIE);
	return p ? p->value : NULL;
}

void form_error(req *r, const char *field, const char *message)
{
	for (size_t i = 0; i < r->nerrors; i++)
		if (strcmp(r->errors[i].field, field) == 0)
			return; /* first message per field wins */
	if (r->nerrors < ARRAY_LEN(r->errors))
		r->errors[r->nerrors++] = (field_error){field, message};
}

const char *form_error_for(req *r, const char *field)
{
	for (size_t i = 0; i < r->nerrors; i++)
		if (strcmp(r->errors[i].field, field) == 0)
			return r->errors[i].message;
	return NULL;
}

/* ---------- output ---------- */

void resp_header(req *r, const char *name, const char *value)
{
	/* header values are ours, but never let a line break through */
	if (strpbrk(name, "\r\n") || strpbrk(value, "\r\n"))
		abort();
	sbuf_printf(&r->head, "%s: %s\r\n", name, value);
}

const char *cookie_name(req *r, const char *base)
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

static void header_markup(req *r, sbuf *b)
{
	/* the FAQ search is in every header: it helps those who cannot log in, too */
	h_raw(b, "<div class=\"header-tools\">");
	if (route_exists("GET", "/suche"))
		h_raw(b, "<form class=\"search\" method=\"get\" action=\"/suche\" role=\"search\">"
			 "<label for=\"suche-q\" class=\"visually-hidden\">Suchen</label>"
			 "<input id=\"suche-q\" type=\"search\" name=\"q\" placeholder=\"Suchen...\"></form>");
	if (!r->me || !r->sess || strcmp(r->sess->stage, "voll") != 0) {
		h_raw(b, "</div>");
		return;
	}
	if (r->me->org_line)
		h_printf(b, "<p class=\"org-line\">%s</p>", r->me->org_line);
	h_raw(b, "<a class=\"icon-link\" href=\"/\"><svg aria-hidden=\"true\" viewBox=\"0 0 24 24\" width=\"24\" "
		 "height=\"24\"><path d=\"M3 11 12 3l9 8v10h-6v-6H9v6H3z\" fill=\"currentColor\"/></svg>"
		 "<span class=\"visually-hidden\">Startseite</span></a>");
	h_printf(b, "<details class=\"user-menu\"><summary><svg aria-hidden=\"true\" viewBox=\"0 0 24 24\" "
		    "width=\"24\" height=\"24\"><circle cx=\"12\" cy=\"8\" r=\"4\" fill=\"currentColor\"/>"
		    "<path d=\"M4 21c0-4 4-7 8-7s8 3 8 7z\" fill=\"currentColor\"/></svg>"
		    "<span class=\"visually-hidden\">Nutzermenü von </span>%s %s</summary><ul>"
		    "<li><a href=\"/einstellungen\">Einstellungen</a></li>"
		    "<li><a href=\"/mitgliederdaten\">Mitgliederdaten</a></li>"
		    "<li><form method=\"post\" action=\"/abmelden\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		    "<button type=\"submit\" class=\"linklike\">Abmelden</button></form></li></ul></details>",
		 r->me->vorname, r->me->name, r->csrf);
	h_raw(b, "</div>");
	if (strcmp(r->me->rolle, "S") == 0 && route_exists("GET", "/postfach")) {
		h_raw(b, "<nav class=\"admin-nav\" aria-label=\"Bereiche\"><ul><li><a href=\"/postfach\"");
		if (str_starts(r->path, "/postfach") || str_starts(r->path, "/nachricht"))
			h_raw(b, " aria-current=\"page\"");
		h_raw(b, ">Postfach</a></li></ul></nav>");
	}
	if (strcmp(r->me->rolle, "X") == 0) {
		static const struct {
			const char *path, *label;
		} nav[] = {
			{"/sachbearbeiter/neu", "Sachbearbeiter anlegen"},
			{"/sachbearbeiter", "Sachbearbeiter verwalten"},
			{"/gruppen", "Übersicht: Gruppen"},
		};
		sbuf items;
		sbuf_init(&items);
		for (size_t i = 0; i < ARRAY_LEN(nav); i++) {
			if (!route_exists("GET", nav[i].path))
				continue;
			h_printf(&items, "<li><a href=\"%s\"", nav[i].path);
			if (strcmp(r->path, nav[i].path) == 0)
				h_raw(&items, " aria-current=\"page\"");
			h_printf(&items, ">%s</a></li>", nav[i].label);
		}
		if (items.len) {
			h_raw(b, "<nav class=\"admin-nav\" aria-label=\"Verwaltung\"><ul>");
			sbuf_add(b, items.data, items.len);
			h_raw(b, "</ul></nav>");
		}
		sbuf_free(&items);
	}
}

static void footer_markup(req *r, sbuf *b)
{
	static const struct {
		const char *path, *label;
	} links[] = {
		{"/faq", "FAQ"},
		{"/feedback", "Feedback"},
		{"/barrierefreiheit", "Barrierefreiheit"},
		{"/nutzungsbedingungen", "Nutzungsbedingungen"},
		{"/datenschutz", "Datenschutz"},
		{"/impressum", "Impressum"},
		{"/support", "Support"},
	};
	bool logged_in = r->sess && strcmp(r->sess->stage, "voll") == 0;
	h_raw(b, "<nav aria-label=\"Fußzeile\"><ul>");
	for (size_t i = 0; i < ARRAY_LEN(links); i++)
		/* feedback needs a login (support does not): no link that only leads to the login page */
		if (route_exists("GET", links[i].path) && (logged_in || strcmp(links[i].path, "/feedback") != 0))
			h_printf(b, "<li><a href=\"%s\">%s</a></li>", links[i].path, links[i].label);
	h_raw(b, "</ul></nav>");
}

static const char dialogs_markup[] =
	"<dialog id=\"dlg-warnung\" class=\"modal\" aria-labelledby=\"dlg-warnung-titel\">"
	"<h2 id=\"dlg-warnung-titel\">Ihre Sitzung läuft bald ab</h2>"
	"<p>Um Ihre Sitzung aktiv zu halten, genügt eine Aktion wie ein Klick, eine Mausbewegung oder eine "
	"Tastatureingabe. Wenn keine Aktivität erfolgt, werden Sie automatisch abgemeldet und ungespeicherte "
	"Eingaben gehen möglicherweise verloren.</p>"
	"<div class=\"actions\"><button type=\"button\" class=\"btn\" id=\"btn-noch-hier\">Ich bin noch hier</button></div>"
	"</dialog>"
	"<dialog id=\"dlg-abgelaufen\" class=\"modal\" aria-labelledby=\"dlg-abgelaufen-titel\">"
	"<h2 id=\"dlg-abgelaufen-titel\">Inaktivität festgestellt</h2>"
	"<p>Sie wurden aufgrund von Inaktivität abgemeldet. Bitte melden Sie sich erneut an, um das Portal "
	"wieder zu benutzen.</p>"
	"<div class=\"actions\"><button type=\"button\" class=\"btn\" id=\"btn-abgelaufen-ok\">Bestätigen</button></div>"
	"</dialog>";

void page_send(req *r, int status, const char *title, sbuf *content)
{
	if (r->want_json) {
		cJSON *o = json_obj(r);
		if (!cJSON_GetObjectItem(o, "titel"))
			cJSON_AddStringToObject(o, "titel", title);
		json_send(r, status);
		return;
	}
	const char *layout = tpl_get("layout.html");
	sbuf header, footer;
	sbuf_init(&header);
	sbuf_init(&footer);
	header_markup(r, &header);
	footer_markup(r, &footer);
	bool logged_in = r->sess && strcmp(r->sess->stage, "voll") == 0;
	char idle[24] = "", warn[24] = "";
	if (logged_in) {
		snprintf(idle, sizeof idle, "%ld", cfg.idle_timeout_s);
		snprintf(warn, sizeof warn, "%ld", cfg.idle_warning_s);
	}
	tpl_slot slots[] = {
		{"title", title},
		{"csrf", r->csrf},
		{"idle_timeout", idle},
		{"idle_warning", warn},
		{"header", header.data ? header.data : ""},
		{"content", content && content->data ? content->data : ""},
		{"footer", footer.data ? footer.data : ""},
		{"dialogs", logged_in ? dialogs_markup : ""},
	};
	sbuf_reset(&r->body);
	if (!layout || tpl_render(&r->body, layout, TPL_HTML, slots, ARRAY_LEN(slots)) != 0) {
		sbuf_reset(&r->body);
		sbuf_adds(&r->body, "<!DOCTYPE html><html lang=\"de\"><title>Fehler</title><p>Interner Fehler.</p></html>");
		status = 500;
	}
	sbuf_free(&header);
	sbuf_free(&footer);
	r->status = status;
	r->ctype = "text/html; charset=utf-8";
	r->responded = true;
}

void page_error(req *r, int status, const char *message)
{
	if (r->want_json) {
		cJSON_Delete(r->json);
		r->json = NULL;
		cJSON *errs = cJSON_AddObjectToObject(json_obj(r), "errors");
		cJSON_AddStringToObject(errs, "_", message);
		json_send(r, status);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_printf(&b, "<div class=\"card\"><h1>%s</h1><div class=\"alert error\" role=\"alert\"><p>%s</p></div>"
		     "<p><a href=\"/\">Zur Startseite</a></p></div>",
		 status == 404 ? "Seite nicht gefunden" : status >= 500 ? "Technischer Fehler" : "Hinweis", message);
	page_send(r, status, status == 404 ? "Seite nicht gefunden" : "Hinweis", &b);
	sbuf_free(&b);
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

void form_errors_send(req *r, int status, void (*render)(req *r))
{
	if (r->want_json) {
		cJSON_Delete(r->json);
		r->json = NULL;
		cJSON *errs = cJSON_AddObjectToObject(json_obj(r), "errors");
		for (size_t i = 0; i < r->nerrors; i++)
			cJSON_AddStringToObject(errs, r->errors[i].field, r->errors[i].message);
		json_send(r, status);
		return;
	}
	r->status = status;
	render(r);
}

void form_open(req *r, sbuf *b, const char *action, bool multipart)
{
	h_printf(b, "<form method=\"post\" action=\"%s\"", action);
	if (multipart)
		h_raw(b, " enctype=\"multipart/form-data\"");
	h_raw(b, " novalidate>");
	h_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->csrf);
	if (r->nerrors) {
		h_raw(b, "<div class=\"alert error\" role=\"alert\" id=\"fehler-zusammenfassung\" tabindex=\"-1\">"
			 "<p>Bitte korrigieren Sie die markierten Eingaben.</p><ul>");
		for (size_t i = 0; i < r->nerrors; i++)
			if (strcmp(r->errors[i].field, "_") == 0)
				h_printf(b, "<li>%s</li>", r->errors[i].message);
			else
				h_printf(b, "<li><a href=\"#f-%s\">%s</a></li>", r->errors[i].field, r->errors[i].message);
		h_raw(b, "</ul></div>");
	}
}

void form_close(sbuf *b)
{
	h_raw(b, "</form>");
}

void form_input(req *r, sbuf *b, const char *name, const char *label, const char *type, const char *value,
		const char *autocomplete, bool required)
{
	const char *err = form_error_for(r, name);
	h_printf(b, "<div class=\"field%s\"><label for=\"f-%s\">%s%s</label>", err ? " has-error" : "", name, label,
		 required ? "*" : "");
	h_printf(b, "<input id=\"f-%s\" name=\"%s\" type=\"%s\" value=\"%s\" autocomplete=\"%s\"", name, name, type,
		 value ? value : "", autocomplete);
	if (required)
		h_raw(b, " required aria-required=\"true\"");
	if (err)
		h_printf(b, " aria-invalid=\"true\" aria-describedby=\"f-%s-fehler\">"
			    "<p class=\"error\" id=\"f-%s-fehler\">%s</p></div>",
			 name, name, err);
	else
		h_raw(b, "></div>");
}

void alert_box(sbuf *b, const char *kind, const char *text)
{
	h_printf(b, "<div class=\"alert %s\" role=\"%s\"><p>%s</p></div>", kind,
		 strcmp(kind, "error") == 0 ? "alert" : "status", text);
}

static void audit_insert(req *r, long long org_id, const char *actor, const char *event, const char *target,
			 const char *detail)
{
	log_event(event, actor, target, ""); /* the detail (names, addresses) stays in the table */
	db_exec("INSERT INTO audit_log (at, org_id, actor, event, target, remote, detail) "
		"VALUES (NOW(), ?, ?, ?, ?, ?, ?)",
		DBARGS(org_id ? DI(org_id) : DNULL, DSZ(actor), DS(event), DSZ(target), DSZ(r ? r->remote : NULL),
		       DSZ(detail)),
		NULL, NULL);
}

void audit_org(req *r, long long org_id, const char *event, const char *target, const char *detail)
{
	const char *actor = r && r->me ? r->me->kennung : r && r->remote && str_starts(r->remote, "mvctl") ? "mvctl" : NULL;
	audit_insert(r, org_id, actor, event, target, detail);
}

void audit(req *r, const char *event, const char *target, const char *detail)
{
	audit_org(r, r && r->me ? r->me->org_id : 0, event, target, detail);
}

void audit_self(req *r, long long account_id, const char *event, const char *detail)
{
	db_res *a = db_query(r->a, "SELECT kennung, COALESCE(org_id, 0) FROM account WHERE id = ?", DBARGS(DI(account_id)));
	if (!a || a->nrows != 1)
		return;
	audit_insert(r, db_int(a, 0, 1), db_str(a, 0, 0), event, db_str(a, 0, 0), detail);
}

/* ---------- dispatch ---------- */

static bool pattern_match(req *r, const char *pattern, const char *path, bool capture)
{
	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			const char *end = strchr(path, '/');
			size_t n = end ? (size_t)(end - path) : strlen(path);
			if (n == 0)
				return false;
			if (capture)
				r->path_arg = arena_strndup(r->a, path, n);
			path += n;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

bool route_exists(const char *method, const char *path)
{
	for (size_t i = 0; i < routes_count; i++)
		if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].pattern, path) == 0)
			return true;
	return false;
}

static bool origin_ok(req *r)
{
	if (r->sec_fetch_site && *r->sec_fetch_site && strcmp(r->sec_fetch_site, "same-origin") != 0 &&
	    strcmp(r->sec_fetch_site, "none") != 0)
		return false;
	/* Under "Referrer-Policy: no-referrer" browsers send "Origin: null" with our own form posts,
	 * together with "Sec-Fetch-Site: same-origin" — which a cross-site page cannot forge. */
	if (r->origin && strcmp(r->origin, "null") == 0)
		return r->sec_fetch_site && strcmp(r->sec_fetch_site, "same-origin") == 0;
	if (r->origin && *r->origin) {
		/* cfg.base_url is scheme://host[:port] with an optional path */
		const char *host = strstr(cfg.base_url, "://");
		size_t n = host ? (size_t)(strchrnul(host + 3, '/') - cfg.base_url) : strlen(cfg.base_url);
		if (strlen(r->origin) != n || strncmp(r->origin, cfg.base_url, n) != 0)
			return false;
	}
	return true;
}

static void dispatch(req *r)
{
	const route *match = NULL;
	bool path_known = false;
	const char *method = r->is_head ? "GET" : r->method;
	for (size_t i = 0; i < routes_count; i++) {
		if (!pattern_match(r, routes[i].pattern, r->path, false))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, method) == 0) {
			match = &routes[i];
			pattern_match(r, routes[i].pattern, r->path, true);
			break;
		}
	}
	if (!match) {
		if (path_known) {
			bool get = false, postm = false;
			for (size_t i = 0; i < routes_count; i++)
				if (pattern_match(r, routes[i].pattern, r->path, false)) {
					get = get || strcmp(routes[i].method, "GET") == 0;
					postm = postm || strcmp(routes[i].method, "POST") == 0;
				}
			resp_header(r, "Allow", get && postm ? "GET, HEAD, POST" : get ? "GET, HEAD" : "POST");
			page_error(r, 405, "Diese Aktion ist auf dieser Seite nicht möglich.");
		} else
			page_error(r, 404, "Die angeforderte Seite gibt es nicht.");
		return;
	}
	r->route = match;
	log_set_context(match->name, r->remote);
	/* login and role first: an expired session leads back to the login page, not to a CSRF error */
	bool post = strcmp(match->method, "POST") == 0;
	bool full = r->sess && strcmp(r->sess->stage, "voll") == 0;
	if ((match->flags & R_LOGIN) && !full) {
		if (r->want_json) {
			page_error(r, 401, "Bitte melden Sie sich an.");
			return;
		}
		redirect(r, r->session_expired ? "/anmelden?grund=inaktiv" : r->session_ended ? "/anmelden?grund=beendet" : "/anmelden");
		return;
	}
	if ((match->flags & R_TANSTAGE) && !(r->sess && strcmp(r->sess->stage, "tan") == 0)) {
		if (r->want_json) {
			page_error(r, 401, "Bitte melden Sie sich zuerst mit Nutzerkennung und Passwort an.");
			return;
		}
		redirect(r, "/anmelden");
		return;
	}
	if (((match->flags & R_ADMIN) && strcmp(r->me->rolle, "X") != 0) ||
	    ((match->flags & R_SB) && strcmp(r->me->rolle, "S") != 0)) {
		audit(r, "access_denied", r->path, "");
		page_error(r, 403, "Sie haben keine Berechtigung für diese Seite.");
		return;
	}
	if (post && !(match->flags & R_NO_CSRF)) {
		const char *token = form_get_raw(r, "csrf");
		if (!token)
			token = r->csrf_header;
		if (!origin_ok(r) || !r->csrf[0] || !token || !secret_equal(token, r->csrf)) {
			log_event("csrf_refused", r->me ? r->me->kennung : NULL, r->path, "");
			page_error(r, 403, "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die "
					   "Seite neu und versuchen Sie es noch einmal.");
			return;
		}
	}
	match->handler(r);
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

/* FCGX_GetStr as the body reader of http_read_body */
static int fcgi_read(void *stream, char *buf, int n)
{
	return FCGX_GetStr(buf, n, stream);
}

static void parse_error(req *r, int status)
{
	if (status == 413)
		page_error(r, 413, arena_printf(r->a, "Die gesendeten Daten sind zu groß. Dokumente dürfen höchstens %ld MiB "
						      "groß sein, alle Dokumente einer Nachricht zusammen höchstens %ld MiB.",
						cfg.upload_max_bytes / 1048576, cfg.upload_max_total_bytes / 1048576));
	else if (status == 415)
		page_error(r, 415, "Dieses Datenformat wird nicht unterstützt.");
	else
		page_error(r, 400, "Die Anfrage enthält ungültige Daten (zum Beispiel unzulässige Zeichen oder "
				   "doppelte Felder).");
}

static const route *route_for_limits(req *r)
{
	const char *method = r->is_head ? "GET" : r->method;
	for (size_t i = 0; i < routes_count; i++)
		if (strcmp(routes[i].method, method) == 0 && pattern_match(r, routes[i].pattern, r->path, false))
			return &routes[i];
	return NULL;
}

static void handle(FCGX_Request *fr, req *r)
{
	http_head h;
	http_limits lim = {(size_t)cfg.max_params, 64, (size_t)cfg.max_field_bytes};
	enum http_head_err he = http_parse_head(r->a, fr->envp, &lim, &h, &r->params);
	r->method = h.method;
	r->path = h.path;
	r->query = h.query;
	r->remote = h.remote;
	r->content_type = h.content_type;
	r->accept = h.accept;
	r->origin = h.origin;
	r->sec_fetch_site = h.sec_fetch_site;
	r->csrf_header = h.csrf_header;
	r->https = h.https;
	r->want_json = h.want_json;
	r->is_head = h.is_head;
	if (he == HTTP_HEAD_BAD_REQUEST) {
		page_error(r, 400, "Ungültige Anfrage.");
		return;
	}
	log_set_context(r->path, r->remote);
	if (he != HTTP_HEAD_OK) {
		parse_error(r, 400);
		return;
	}
	r->sid_cookie = cookie_get(r, cookie_name(r, "mv_sid"));
	r->pre_cookie = cookie_get(r, cookie_name(r, "mv_pre"));
	if (session_load(r) != 0) {
		page_error(r, 503, "Der Dienst ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einigen "
				   "Minuten erneut.");
		return;
	}
	if (!r->sess) {
		if (!r->pre_cookie) {
			char tok[TOKEN_CHARS + 1];
			secret_token(tok);
			r->pre_cookie = arena_strdup(r->a, tok);
			resp_cookie(r, "mv_pre", tok, 0);
		}
		secret_csrf(r->pre_cookie, r->csrf);
	}
	if (strcmp(r->method, "POST") == 0) {
		const route *rt = route_for_limits(r);
		/* multipart routes: all documents of a message plus 1 MiB for the text fields */
		size_t limit = rt && (rt->flags & R_MULTIPART) ? (size_t)cfg.upload_max_total_bytes + (1u << 20)
				: rt && rt->max_body ? rt->max_body : (size_t)cfg.max_body_bytes;
		char *body = NULL;
		size_t blen = 0;
		int st = http_read_body(r->a, h.content_length, limit, fcgi_read, fr->in, &body, &blen);
		if (st) {
			parse_error(r, st);
			return;
		}
		bool multipart;
		enum http_parse_err e;
		st = http_parse_body(r->a, body, blen, r->content_type, rt && (rt->flags & R_MULTIPART), &lim,
				     (size_t)cfg.upload_max_files, &r->params, &r->uploads, &multipart, &e);
		if (st) {
			if (e != HTTP_OK && multipart)
				log_info("bad multipart body: %s", http_parse_err_str(e));
			else if (e != HTTP_OK)
				log_info("bad request body: %s", http_parse_err_str(e));
			if (multipart && e == HTTP_ERR_TOO_MANY)
				page_error(r, 413, arena_printf(r->a, "Sie können höchstens %ld Dokumente mit einer "
								      "Nachricht senden.", cfg.upload_max_files));
			else
				parse_error(r, st);
			return;
		}
	}
	/* single-valued fields must not repeat (parameter pollution) */
	if (http_repeated_field(&r->params, repeatable_fields, ARRAY_LEN(repeatable_fields))) {
		parse_error(r, 400);
		return;
	}
	dispatch(r);
}

static void send_response(FCGX_Request *fr, req *r)
{
	security_headers(r);
	sbuf out;
	sbuf_init(&out);
	sbuf_printf(&out, "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", r->status,
		    status_text(r->status), r->ctype ? r->ctype : "text/plain; charset=utf-8", r->body.len);
	sbuf_add(&out, r->head.data ? r->head.data : "", r->head.len);
	sbuf_adds(&out, "\r\n");
	FCGX_PutStr(out.data, (int)out.len, fr->out);
	if (!r->is_head && r->body.len)
		FCGX_PutStr(r->body.data, (int)r->body.len, fr->out);
	sbuf_free(&out);
}

int worker_handle_fcgi(void *fcgx_request)
{
	FCGX_Request *fr = fcgx_request;
	arena a;
	arena_init(&a);
	req *r = arena_alloc(&a, sizeof *r);
	r->a = &a;
	sbuf_init(&r->head);
	sbuf_init(&r->body);
	handle(fr, r);
	if (!r->responded)
		page_error(r, 500, "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.");
	if (r->status >= 500)
		log_warn("answered %d", r->status);
	send_response(fr, r);
	cJSON_Delete(r->json);
	sbuf_free(&r->head);
	sbuf_free(&r->body);
	arena_reset(&a);
	log_set_context(NULL, NULL);
	return 0;
}
