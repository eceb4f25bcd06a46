/* layout.c — the page shell: header with search and user menu, the role's navigation, footer
 * links, the inactivity dialogs; error pages; form markup. Links appear only for routes that
 * exist (no dead links). */
#include "layout.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "response.h"
#include <stdio.h>
#include <string.h>

typedef struct nav_link {
	const char *path, *label;
} nav_link;

static const nav_link admin_nav[] = {
	{"/sachbearbeiter/neu", "Sachbearbeiter anlegen"},
	{"/sachbearbeiter", "Sachbearbeiter verwalten"},
	{"/gruppen", "Übersicht: Gruppen"},
};

const kasse_area kasse_areas[] = {
	{"/kasse/organisationen", "Organisationen", "Mitglieder anlegen, ihre Administratoren und Funktionseinschränkungen",
	 KR_PORTALADMIN},
	{"/kasse/nutzerkennung", "Nutzerkennung suchen", "vergessene Nutzerkennungen nachschlagen (§1.4)", KR_PORTALADMIN},
	{"/kasse/protokoll", "Protokoll", "Änderungen und Zugriffe auf personenbezogene Daten aller Organisationen",
	 KR_PORTALADMIN},
	{"/kasse/rueckmeldungen", "Feedback und Support", "Rückmeldungen und Supportanfragen aus dem Portal",
	 KR_PORTALADMIN},
	{"/kasse/nachrichten", "Nachrichten", "alles, was die Organisationen geschickt haben, und neue Nachrichten",
	 KR_FACH},
	{"/kasse/meldungen", "Meldungen", "die eingereichten Beamtenformulare aller Organisationen", KR_FACH},
	{"/kasse/anspruchsberechtigte", "Anspruchsberechtigte", "die Daten aller Organisationen, nur lesend", KR_FACH},
};
const size_t kasse_areas_count = ARRAY_LEN(kasse_areas);

static const nav_link footer_links[] = {
	{"/faq", "FAQ"},
	{"/feedback", "Feedback"},
	{"/barrierefreiheit", "Barrierefreiheit"},
	{"/nutzungsbedingungen", "Nutzungsbedingungen"},
	{"/datenschutz", "Datenschutz"},
	{"/impressum", "Impressum"},
	{"/support", "Support"},
};

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

static void user_menu(req *r, sbuf *b)
{
	if (r->me->org_line)
		h_printf(b, "<p class=\"org-line\">%s</p>", r->me->org_line);
	h_raw(b, "<a class=\"icon-link\" href=\"/\"><svg aria-hidden=\"true\" viewBox=\"0 0 24 24\" width=\"24\" "
		 "height=\"24\"><path d=\"M3 11 12 3l9 8v10h-6v-6H9v6H3z\" fill=\"currentColor\"/></svg>"
		 "<span class=\"visually-hidden\">Startseite</span></a>");
	h_printf(b, "<details class=\"user-menu\"><summary><svg aria-hidden=\"true\" viewBox=\"0 0 24 24\" "
		    "width=\"24\" height=\"24\"><circle cx=\"12\" cy=\"8\" r=\"4\" fill=\"currentColor\"/>"
		    "<path d=\"M4 21c0-4 4-7 8-7s8 3 8 7z\" fill=\"currentColor\"/></svg>"
		    "<span class=\"visually-hidden\">Nutzermenü von </span>%s %s</summary><ul>"
		    "<li><a href=\"/einstellungen\">Einstellungen</a></li>",
		 r->me->vorname, r->me->name);
	if (r->me->role != ROLE_KASSE) /* the Kasse's accounts belong to no organisation */
		h_raw(b, "<li><a href=\"/mitgliederdaten\">Mitgliederdaten</a></li>");
	h_printf(b, "<li><form method=\"post\" action=\"/abmelden\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		    "<button type=\"submit\" class=\"linklike\">Abmelden</button></form></li></ul></details>",
		 r->csrf);
}

/* The Sachbearbeiter's areas: the mailbox always, a business area only with its right in effect. */
static void sb_nav(req *r, sbuf *b)
{
	bool ab = (r->me->rechte & 1u << R_ANSPRUCHSBERECHTIGTE) && route_exists("GET", "/anspruchsberechtigte");
	if (!route_exists("GET", "/postfach"))
		return;
	h_raw(b, "<nav class=\"admin-nav\" aria-label=\"Bereiche\"><ul><li><a href=\"/postfach\"");
	if (str_starts(r->path, "/postfach") || str_starts(r->path, "/nachricht"))
		h_raw(b, " aria-current=\"page\"");
	h_raw(b, ">Postfach</a></li>");
	if (ab) {
		h_raw(b, "<li><a href=\"/anspruchsberechtigte\"");
		if (str_starts(r->path, "/anspruchsberechtigte"))
			h_raw(b, " aria-current=\"page\"");
		h_raw(b, ">Anspruchsberechtigte</a></li>");
	}
	if ((r->me->rechte & 1u << R_FORMULARE) && route_exists("GET", "/formulare")) {
		h_raw(b, "<li><a href=\"/formulare\"");
		if (str_starts(r->path, "/formulare") || str_starts(r->path, "/formular-anlage"))
			h_raw(b, " aria-current=\"page\"");
		h_raw(b, ">Meldungen</a></li>");
	}
	h_raw(b, "</ul></nav>");
}

/* One item of a navigation, current when the path is its page or below it. */
static void nav_item(req *r, sbuf *b, const char *path, const char *label)
{
	size_t n = strlen(path);
	h_printf(b, "<li><a href=\"%s\"", path);
	if (strncmp(r->path, path, n) == 0 && (r->path[n] == '\0' || r->path[n] == '/'))
		h_raw(b, " aria-current=\"page\"");
	h_printf(b, ">%s</a></li>", label);
}

static void nav_wrap(sbuf *b, const char *label, const sbuf *items)
{
	if (!items->len)
		return;
	h_printf(b, "<nav class=\"admin-nav\" aria-label=\"%s\"><ul>", label);
	sbuf_add(b, items->data, items->len);
	h_raw(b, "</ul></nav>");
}

static void admin_navigation(req *r, sbuf *b)
{
	sbuf items = sbuf_in(r->a);
	for (size_t i = 0; i < ARRAY_LEN(admin_nav); i++) {
		if (!route_exists("GET", admin_nav[i].path))
			continue;
		h_printf(&items, "<li><a href=\"%s\"", admin_nav[i].path);
		if (strcmp(r->path, admin_nav[i].path) == 0)
			h_raw(&items, " aria-current=\"page\"");
		h_printf(&items, ">%s</a></li>", admin_nav[i].label);
	}
	nav_wrap(b, "Verwaltung", &items);
}

static void kasse_navigation(req *r, sbuf *b)
{
	sbuf items = sbuf_in(r->a);
	for (size_t i = 0; i < kasse_areas_count; i++)
		if (kasse_areas[i].rolle == r->me->kasse_rolle && route_exists("GET", kasse_areas[i].path))
			nav_item(r, &items, kasse_areas[i].path, kasse_areas[i].label);
	nav_wrap(b, "Bereiche der Kasse", &items);
}

static void header_markup(req *r, sbuf *b)
{
	/* the FAQ search is in every header: it helps those who cannot log in, too */
	h_raw(b, "<div class=\"header-tools\">");
	if (route_exists("GET", "/suche"))
		h_raw(b, "<form class=\"search\" method=\"get\" action=\"/suche\" role=\"search\">"
			 "<label for=\"suche-q\" class=\"visually-hidden\">Suchen</label>"
			 "<input id=\"suche-q\" type=\"search\" name=\"q\" placeholder=\"Suchen...\"></form>");
	if (!r->me || !logged_in(r)) {
		h_raw(b, "</div>");
		return;
	}
	user_menu(r, b);
	h_raw(b, "</div>");
	if (r->me->role == ROLE_SB)
		sb_nav(r, b);
	if (r->me->role == ROLE_ADMIN)
		admin_navigation(r, b);
	if (r->me->role == ROLE_KASSE)
		kasse_navigation(r, b);
}

static void footer_markup(req *r, sbuf *b)
{
	h_raw(b, "<nav aria-label=\"Fußzeile\"><ul>");
	for (size_t i = 0; i < ARRAY_LEN(footer_links); i++)
		/* feedback needs an organisation's login (support does not): no link that only leads to the login page
		 * or to a refusal (the Kasse receives feedback, it does not send it) */
		if (route_exists("GET", footer_links[i].path) &&
		    (strcmp(footer_links[i].path, "/feedback") != 0 || (logged_in(r) && r->me->role != ROLE_KASSE)))
			h_printf(b, "<li><a href=\"%s\">%s</a></li>", footer_links[i].path, footer_links[i].label);
	h_raw(b, "</ul></nav>");
}

sbuf page_buf(req *r)
{
	return sbuf_in(r->a);
}

static void page_html(req *r, int status, const char *title, const sbuf *content)
{
	sbuf header = sbuf_in(r->a), footer = sbuf_in(r->a);
	header_markup(r, &header);
	footer_markup(r, &footer);
	const char *body = content && content->data ? content->data : "";
	if (h_table_labels_needed(body)) { /* every cell names its column for the stacked rows of narrow screens */
		sbuf labelled = sbuf_in(r->a);
		h_table_labels(&labelled, body);
		body = labelled.data;
	}
	char idle[24] = "", warn[24] = "";
	if (logged_in(r)) {
		snprintf(idle, sizeof idle, "%ld", cfg.idle_timeout_s);
		snprintf(warn, sizeof warn, "%ld", cfg.idle_warning_s);
	}
	tpl_slot slots[] = {
		{"title", title},
		{"csrf", r->csrf},
		{"idle_timeout", idle},
		{"idle_warning", warn},
		{"header", header.data ? header.data : ""},
		{"content", body},
		{"footer", footer.data ? footer.data : ""},
		{"dialogs", logged_in(r) ? dialogs_markup : ""},
	};
	const char *layout = tpl_get("layout.html");
	sbuf_reset(&r->body);
	if (!layout || tpl_render(&r->body, layout, TPL_HTML, slots, ARRAY_LEN(slots)) != 0) {
		sbuf_reset(&r->body);
		sbuf_adds(&r->body, "<!DOCTYPE html><html lang=\"de\"><title>Fehler</title><p>Interner Fehler.</p></html>");
		status = 500;
	}
	r->status = status;
	r->ctype = "text/html; charset=utf-8";
	r->responded = true;
}

void page_send(req *r, int status, const char *title, const sbuf *content)
{
	if (!r->want_json) {
		page_html(r, status, title, content);
		return;
	}
	cJSON *o = json_obj(r);
	if (!cJSON_GetObjectItem(o, "titel"))
		cJSON_AddStringToObject(o, "titel", title);
	json_send(r, status);
}

void page_render(req *r, int status, const page_kind *k, const void *view)
{
	if (r->want_json && r->nerrors) {
		json_errors_send(r, status);
		return;
	}
	const char *title = k->title_for ? k->title_for(view) : k->title;
	if (r->want_json && k->json) {
		k->json(r, json_obj(r), view);
		json_send(r, status);
		return;
	}
	if (r->want_json) {
		page_send(r, status, title, NULL);
		return;
	}
	sbuf b = page_buf(r);
	k->html(r, &b, view);
	page_send(r, status, title, &b);
}

void page_error(req *r, int status, const char *message)
{
	if (r->want_json) {
		r->nerrors = 0;
		form_error(r, "_", message);
		json_errors_send(r, status);
		return;
	}
	sbuf b = page_buf(r);
	const char *title = status == 404 ? "Seite nicht gefunden" : status >= 500 ? "Technischer Fehler" : "Hinweis";
	h_printf(&b, "<div class=\"card\"><h1>%s</h1><div class=\"alert error\" role=\"alert\"><p>%s</p></div>"
		     "<p><a href=\"/\">Zur Startseite</a></p></div>",
		 title, message);
	page_send(r, status, status == 404 ? "Seite nicht gefunden" : "Hinweis", &b);
}

void db_fail(req *r)
{
	if (db_last_error() == DB_ERR_GONE)
		page_error(r, 503, "Der Dienst ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einigen "
				   "Minuten erneut.");
	else
		page_error(r, 500, "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.");
}

bool lookup_answered(req *r, enum lookup l, const char *not_found)
{
	if (l == LOOKUP_DB_ERROR)
		db_fail(r);
	else if (l == LOOKUP_NONE)
		page_error(r, 404, not_found);
	return l != LOOKUP_FOUND;
}

enum lookup path_id(req *r, long long *id)
{
	return parse_int(r->path_arg, 1, 1LL << 62, id) == 0 ? LOOKUP_FOUND : LOOKUP_NONE;
}

static void error_summary(req *r, sbuf *b)
{
	bool marked = false; /* only errors at a field mark it; "_" (e.g. a refused login) marks none */
	for (size_t i = 0; i < r->nerrors; i++)
		marked = marked || strcmp(r->errors[i].field, "_") != 0;
	h_raw(b, "<div class=\"alert error\" role=\"alert\" id=\"fehler-zusammenfassung\" tabindex=\"-1\">");
	if (marked)
		h_raw(b, "<p>Bitte korrigieren Sie die markierten Eingaben.</p>");
	h_raw(b, "<ul>");
	for (size_t i = 0; i < r->nerrors; i++)
		if (strcmp(r->errors[i].field, "_") == 0)
			h_printf(b, "<li>%s</li>", r->errors[i].message);
		else
			h_printf(b, "<li><a href=\"#f-%s\">%s</a></li>", r->errors[i].field, r->errors[i].message);
	h_raw(b, "</ul></div>");
}

void form_open(req *r, sbuf *b, const char *action, bool multipart)
{
	h_printf(b, "<form method=\"post\" action=\"%s\"", action);
	if (multipart)
		h_raw(b, " enctype=\"multipart/form-data\"");
	h_raw(b, " novalidate>");
	h_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->csrf);
	if (r->nerrors)
		error_summary(r, b);
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

static const char *input_type(enum field_type t)
{
	switch (t) {
	case FT_EMAIL: return "email";
	case FT_PASSWORD: return "password";
	default: return "text";
	}
}

void form_fields(req *r, sbuf *b, const form_field *fields, size_t n, const void *in)
{
	for (size_t i = 0; i < n; i++) {
		const form_field *f = &fields[i];
		const char *v = in && f->type != FT_PASSWORD ? form_value(f, in) : NULL;
		form_input(r, b, f->name, f->label, input_type(f->type), v, f->autocomplete ? f->autocomplete : "off",
			   f->flags & FF_REQUIRED);
	}
}

void alert_box(sbuf *b, const char *kind, const char *text)
{
	h_printf(b, "<div class=\"alert %s\" role=\"%s\"><p>%s</p></div>", kind,
		 strcmp(kind, "error") == 0 ? "alert" : "status", text);
}

void required_note(sbuf *b)
{
	h_raw(b, "<p class=\"required-note\">Mit * gekennzeichnete Felder sind Pflichtfelder</p>");
}

/* Appended for the message forms (page_mailbox.c, page_help.c). */
void form_textarea(req *r, sbuf *b, const form_field *f, const char *value, int rows)
{
	const char *err = form_error_for(r, f->name);
	bool required = f->flags & FF_REQUIRED;
	h_printf(b, "<div class=\"field%s\"><label for=\"f-%s\">%s%s</label><textarea id=\"f-%s\" name=\"%s\" rows=\"%d\"",
		 err ? " has-error" : "", f->name, f->label, required ? "*" : "", f->name, f->name, rows);
	if (required)
		h_raw(b, " required aria-required=\"true\"");
	if (err)
		h_printf(b, " aria-invalid=\"true\" aria-describedby=\"f-%s-fehler\"", f->name);
	h_printf(b, ">%s</textarea>", value ? value : "");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-%s-fehler\">%s</p>", f->name, err);
	h_raw(b, "</div>");
}

void table_open(sbuf *b, const char *label, const char *variant, const char *const *cols, size_t n)
{
	h_printf(b, "<div class=\"table-wrap\" role=\"region\" aria-label=\"%s\" tabindex=\"0\">", label);
	if (variant)
		h_printf(b, "<table class=\"list %s\" data-labels=\"css\">", variant);
	else
		h_raw(b, "<table class=\"list\">");
	h_raw(b, "<thead><tr>");
	for (size_t i = 0; i < n; i++)
		if (cols[i])
			h_printf(b, "<th scope=\"col\">%s</th>", cols[i]);
		else
			h_raw(b, "<th scope=\"col\"><span class=\"visually-hidden\">Aktion</span></th>");
	h_raw(b, "</tr></thead><tbody>");
}

void table_close(sbuf *b)
{
	h_raw(b, "</tbody></table></div>");
}

void filter_input(req *r, sbuf *b, const form_field *f, const char *value)
{
	const char *err = form_error_for(r, f->name);
	if (err)
		value = form_get(r, f->name);
	h_printf(b, "<div class=\"field%s\"><label for=\"filter-%s\">%s</label><input id=\"filter-%s\" name=\"%s\" "
		    "type=\"text\" autocomplete=\"off\" value=\"%s\"",
		 err ? " has-error" : "", f->name, f->label, f->name, f->name, value ? value : "");
	if (f->type == FT_DATE)
		h_raw(b, " placeholder=\"TT.MM.JJJJ\"");
	if (err)
		h_printf(b, " aria-invalid=\"true\" aria-describedby=\"filter-%s-fehler\"><p class=\"error\" "
			    "id=\"filter-%s-fehler\">%s</p></div>",
			 f->name, f->name, err);
	else
		h_raw(b, "></div>");
}

void form_hidden_fields(sbuf *b, const form_field *fields, size_t n, const void *in)
{
	for (size_t i = 0; i < n; i++) {
		const char *value = form_value(&fields[i], in);
		if (value)
			h_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", fields[i].name, value);
	}
}
