/* page_groups.c — handbook §6 for administrators: "Übersicht: Gruppen" (the six group mailboxes
 * of the organisation, their notification address and assigned Sachbearbeiter) and
 * "Gruppendetails" where the notification address is set or removed.
 * The model of the page shape: field table in, view struct out, HTML or JSON from the view. */
#include "pages.h"
#include "audit.h"
#include "domain.h"
#include "form.h"
#include "html.h"
#include "layout.h"
#include "response.h"
#include "db.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define NAMES_SHOWN 100 /* per group; a very large organisation gets "und N weitere" */

/* ---- input ---- */

struct group_form {
	const char *email; /* NULL: no notification */
};

static const form_field group_fields[] = {
	{"email", "E-Mail-Adresse", FT_EMAIL, FF_KEEP, 254, check_email, NULL,
	 "Bitte geben Sie eine gültige E-Mail-Adresse ein oder lassen Sie das Feld leer.", "email",
	 offsetof(struct group_form, email)},
};

/* ---- view ---- */

struct group_view {
	int g;
	const char *email;
	const char *names[NAMES_SHOWN]; /* "Vorname Name" */
	size_t shown;
	long long total;
	const struct group_form *in; /* what was posted (shown again after an error), or NULL */
};

struct groups_view {
	struct group_view groups[GRUPPE__MAX];
};

/* Loads address and members of one group of the administrator's organisation. 0 ok, -1 db error. */
static int group_load(req *r, int g, struct group_view *v)
{
	enum { VORNAME, NAME };
	db_res *e = db_query(r->a, "SELECT email FROM org_gruppe WHERE org_id = ? AND typ = ?",
			     DBARGS(DI(r->me->org_id), DI(g)));
	db_res *names = db_query(r->a,
			    "SELECT a.vorname, a.name FROM account_gruppe ag "
			    "JOIN account a ON a.id = ag.account_id WHERE ag.typ = ? AND a.org_id = ? AND a.rolle = 'S' "
			    "ORDER BY a.vorname, a.name, a.id LIMIT " "100",
			    DBARGS(DI(g), DI(r->me->org_id)));
	db_res *cnt = db_query(r->a,
			       "SELECT COUNT(*) FROM account_gruppe ag JOIN account a ON a.id = ag.account_id "
			       "WHERE ag.typ = ? AND a.org_id = ? AND a.rolle = 'S'",
			       DBARGS(DI(g), DI(r->me->org_id)));
	if (!e || !names || !cnt)
		return -1;
	*v = (struct group_view){.g = g, .email = e->nrows == 1 ? db_str(e, 0, 0) : NULL, .total = db_int(cnt, 0, 0)};
	for (size_t i = 0; i < names->nrows && i < NAMES_SHOWN; i++)
		v->names[v->shown++] = arena_printf(r->a, "%s %s", db_str(names, i, VORNAME), db_str(names, i, NAME));
	return 0;
}

/* ---- rendering ---- */

static void names_html(sbuf *b, const struct group_view *v)
{
	if (v->total == 0) {
		h_raw(b, "<span class=\"warning-text\"><span aria-hidden=\"true\">⚠</span> Keine Sachbearbeiter "
			 "zugeordnet.</span>");
		return;
	}
	for (size_t i = 0; i < v->shown; i++)
		h_printf(b, "%s%s", i ? ", " : "", v->names[i]);
	if (v->total > (long long)v->shown)
		h_printf(b, " und %lld weitere", v->total - (long long)v->shown);
}

static cJSON *group_json(cJSON *o, const struct group_view *v)
{
	cJSON_AddStringToObject(o, "gruppentyp", gruppe_name[v->g]);
	cJSON_AddStringToObject(o, "slug", gruppe_slug[v->g]);
	if (v->email)
		cJSON_AddStringToObject(o, "email", v->email);
	else
		cJSON_AddNullToObject(o, "email");
	cJSON *names = cJSON_AddArrayToObject(o, "sachbearbeiter");
	for (size_t i = 0; i < v->shown; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(v->names[i]));
	cJSON_AddNumberToObject(o, "anzahl", (double)v->total);
	return o;
}

static void groups_html(req *r, sbuf *b, const void *view)
{
	const struct groups_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Übersicht: Gruppen</h1><p class=\"lead\">Bitte stellen Sie sicher, dass jedem Gruppenpostfach Nutzer zugeordnet sind.</p>");
	table_open(b, "Gruppenpostfächer", NULL, TABLE_COLS("Gruppentyp", "E-Mail-Adresse", "Sachbearbeiter"));
	for (int g = 0; g < GRUPPE__MAX; g++) {
		const struct group_view *gv = &v->groups[g];
		h_printf(b, "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>",
			 url_printf(r->a, "/gruppen/%s", gruppe_slug[g]), gruppe_name[g], gv->email ? gv->email : "");
		names_html(b, gv);
		h_raw(b, "</td></tr>");
	}
	table_close(b);
	h_raw(b, "<p class=\"hint\">Mit einem Klick auf eine Zeile der Übersicht kann eine "
		 "E-Mail-Adresse in den Gruppendetails hinterlegt werden. An die hinterlegte E-Mail-Adresse erfolgt eine "
		 "Benachrichtigung über den Eingang einer Nachricht im Gruppenpostfach des Portals „Meine Versorgung“.</p>"
		 "</div>");
}

static void groups_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct groups_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "gruppen");
	for (int g = 0; g < GRUPPE__MAX; g++)
		cJSON_AddItemToArray(arr, group_json(cJSON_CreateObject(), &v->groups[g]));
}

static void detail_html(req *r, sbuf *b, const void *view)
{
	const struct group_view *v = view;
	h_printf(b, "<div class=\"card\"><h1>Gruppendetails</h1><dl class=\"data\"><dt>Gruppentyp</dt><dd>%s</dd>"
		    "<dt>Sachbearbeiter</dt><dd>",
		 gruppe_name[v->g]);
	names_html(b, v);
	h_raw(b, "</dd></dl><p>An die hier hinterlegte E-Mail-Adresse erfolgt eine Benachrichtigung über den Eingang einer "
		 "Nachricht im Gruppenpostfach. Die Benachrichtigung enthält keine Inhalte der Nachricht. Lassen Sie das "
		 "Feld leer, um die Benachrichtigung abzuschalten.</p>");
	form_open(r, b, url_printf(r->a, "/gruppen/%s", gruppe_slug[v->g]), false);
	struct group_form current = {v->email};
	form_fields(r, b, group_fields, ARRAY_LEN(group_fields), v->in ? v->in : &current);
	h_raw(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/gruppen\">Abbrechen</a>"
		 "<button type=\"submit\" class=\"btn\">Speichern</button></div>");
	form_close(b);
	h_raw(b, "</div>");
}

static void detail_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	group_json(o, view);
}

static const page_kind groups_page = {"Übersicht: Gruppen", groups_html, groups_json, NULL};
static const page_kind detail_page = {"Gruppendetails", detail_html, detail_json, NULL};

/* ---- handlers ---- */

void groups_list(req *r)
{
	struct groups_view *v = arena_alloc(r->a, sizeof *v);
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (group_load(r, g, &v->groups[g]) != 0) {
			db_fail(r);
			return;
		}
	page_render(r, 200, &groups_page, v);
}

/* The group named by the path's slug (exactly as written), or -1 after a 404. */
static int group_from_path(req *r)
{
	int g = r->path_arg ? gruppe_parse(r->path_arg) : -1;
	if (g >= 0 && strcmp(r->path_arg, gruppe_slug[g]) == 0)
		return g;
	page_error(r, 404, "Dieses Gruppenpostfach gibt es nicht.");
	return -1;
}

static void detail_show(req *r, int status, int g, const struct group_form *in)
{
	struct group_view *v = arena_alloc(r->a, sizeof *v);
	if (group_load(r, g, v) != 0) {
		db_fail(r);
		return;
	}
	v->in = in;
	page_render(r, status, &detail_page, v);
}

void groups_show(req *r)
{
	int g = group_from_path(r);
	if (g >= 0)
		detail_show(r, 200, g, NULL);
}

struct email_ctx {
	req *r;
	int g;
	const char *email; /* NULL removes */
};

static int email_tx(void *p)
{
	struct email_ctx *c = p;
	req *r = c->r;
	db_res *old = db_query(r->a, "SELECT email FROM org_gruppe WHERE org_id = ? AND typ = ? FOR UPDATE",
			       DBARGS(DI(r->me->org_id), DI(c->g)));
	if (!old)
		return DB_TX_FAIL;
	const char *before = old->nrows == 1 && db_str(old, 0, 0) ? db_str(old, 0, 0) : "";
	if (db_exec("INSERT INTO org_gruppe (org_id, typ, email) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE email = ?",
		    DBARGS(DI(r->me->org_id), DI(c->g), DSZ(c->email), DSZ(c->email)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	if (strcmp(before, c->email ? c->email : "") != 0)
		audit(&r->who, "group_email_changed", gruppe_name[c->g],
		      arena_printf(r->a, "E-Mail-Adresse: %s → %s", *before ? before : "(keine)", c->email ? c->email : "(keine)"));
	return 0;
}

void groups_save(req *r)
{
	int g = group_from_path(r);
	if (g < 0)
		return;
	struct group_form in;
	if (form_read(r, group_fields, ARRAY_LEN(group_fields), &in)) {
		detail_show(r, 422, g, &in);
		return;
	}
	struct email_ctx c = {r, g, in.email};
	if (db_tx(email_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	redirect(r, "/gruppen");
}
