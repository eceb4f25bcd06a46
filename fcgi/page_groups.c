/* page_groups.c — handbook §6 for administrators: "Übersicht: Gruppen" (the six group mailboxes
 * of the organisation, their notification address and assigned Sachbearbeiter) and
 * "Gruppendetails" where the notification address is set or removed. */
#include "app.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include <stdio.h>
#include <string.h>

#define NAMES_SHOWN 100 /* per group; a very large organisation gets "und N weitere" */

struct group_view {
	const char *email;
	db_res *names;
	long long total;
};

/* Loads address and members of one group of the administrator's organisation. 0 ok, -1 db error. */
static int group_load(req *r, int g, struct group_view *v)
{
	db_res *e = db_query(r->a, "SELECT email FROM org_gruppe WHERE org_id = ? AND typ = ?",
			     DBARGS(DI(r->me->org_id), DI(g)));
	v->names = db_query(r->a,
			    "SELECT a.vorname, a.name, a.kennung, a.status FROM account_gruppe ag "
			    "JOIN account a ON a.id = ag.account_id WHERE ag.typ = ? AND a.org_id = ? AND a.rolle = 'S' "
			    "ORDER BY a.vorname, a.name, a.id LIMIT " "101",
			    DBARGS(DI(g), DI(r->me->org_id)));
	db_res *cnt = db_query(r->a,
			       "SELECT COUNT(*) FROM account_gruppe ag JOIN account a ON a.id = ag.account_id "
			       "WHERE ag.typ = ? AND a.org_id = ? AND a.rolle = 'S'",
			       DBARGS(DI(g), DI(r->me->org_id)));
	if (!e || !v->names || !cnt)
		return -1;
	v->email = e->nrows == 1 ? db_str(e, 0, 0) : NULL;
	v->total = db_int(cnt, 0, 0);
	return 0;
}

static size_t shown(const struct group_view *v)
{
	return v->names->nrows > NAMES_SHOWN ? NAMES_SHOWN : v->names->nrows;
}

static void names_html(sbuf *b, const struct group_view *v)
{
	if (v->total == 0) {
		h_raw(b, "<span class=\"warning-text\"><span aria-hidden=\"true\">⚠</span> Keine Sachbearbeiter "
			 "zugeordnet.</span>");
		return;
	}
	for (size_t i = 0; i < shown(v); i++)
		h_printf(b, "%s%s %s", i ? ", " : "", db_str(v->names, i, 0), db_str(v->names, i, 1));
	if (v->total > (long long)shown(v))
		h_printf(b, " und %lld weitere", v->total - (long long)shown(v));
}

static cJSON *group_json(cJSON *o, const struct group_view *v, int g)
{
	cJSON_AddStringToObject(o, "gruppentyp", gruppe_name[g]);
	cJSON_AddStringToObject(o, "slug", gruppe_slug[g]);
	if (v->email)
		cJSON_AddStringToObject(o, "email", v->email);
	else
		cJSON_AddNullToObject(o, "email");
	cJSON *names = cJSON_AddArrayToObject(o, "sachbearbeiter");
	char buf[256];
	for (size_t i = 0; i < shown(v); i++) {
		snprintf(buf, sizeof buf, "%s %s", db_str(v->names, i, 0), db_str(v->names, i, 1));
		cJSON_AddItemToArray(names, cJSON_CreateString(buf));
	}
	cJSON_AddNumberToObject(o, "anzahl", (double)v->total);
	return o;
}

void groups_list(req *r)
{
	struct group_view v[GRUPPE__MAX];
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (group_load(r, g, &v[g]) != 0) {
			db_fail(r);
			return;
		}
	if (r->want_json) {
		cJSON *arr = cJSON_AddArrayToObject(json_obj(r), "gruppen");
		for (int g = 0; g < GRUPPE__MAX; g++)
			cJSON_AddItemToArray(arr, group_json(cJSON_CreateObject(), &v[g], g));
		json_send(r, 200);
		return;
	}
	sbuf b;
	sbuf_init(&b);
	h_raw(&b, "<div class=\"card\"><h1>Übersicht: Gruppen</h1>"
		  "<p class=\"lead\">Bitte stellen Sie sicher, dass jedem Gruppenpostfach Nutzer zugeordnet sind.</p>"
		  "<div class=\"table-wrap\" role=\"region\" aria-label=\"Gruppenpostfächer\" tabindex=\"0\">"
		  "<table class=\"list\"><thead><tr><th scope=\"col\">Gruppentyp</th><th scope=\"col\">E-Mail-Adresse</th>"
		  "<th scope=\"col\">Sachbearbeiter</th></tr></thead><tbody>");
	for (int g = 0; g < GRUPPE__MAX; g++) {
		h_printf(&b, "<tr><td><a href=\"/gruppen/%s\">%s</a></td><td>%s</td><td>", gruppe_slug[g], gruppe_name[g],
			 v[g].email ? v[g].email : "");
		names_html(&b, &v[g]);
		h_raw(&b, "</td></tr>");
	}
	h_raw(&b, "</tbody></table></div><p class=\"hint\">Mit einem Klick auf eine Zeile der Übersicht kann eine "
		  "E-Mail-Adresse in den Gruppendetails hinterlegt werden. An die hinterlegte E-Mail-Adresse erfolgt eine "
		  "Benachrichtigung über den Eingang einer Nachricht im Gruppenpostfach des Portals „Meine Versorgung“.</p>"
		  "</div>");
	page_send(r, 200, "Übersicht: Gruppen", &b);
	sbuf_free(&b);
}

static int group_from_path(req *r)
{
	int g = r->path_arg ? gruppe_parse(r->path_arg) : -1;
	if (g < 0 || strcmp(r->path_arg, gruppe_slug[g]) != 0)
		page_error(r, 404, "Dieses Gruppenpostfach gibt es nicht.");
	return g >= 0 && strcmp(r->path_arg, gruppe_slug[g]) == 0 ? g : -1;
}

static int detail_group;

static void detail_render(req *r)
{
	int g = detail_group;
	struct group_view v;
	if (group_load(r, g, &v) != 0) {
		db_fail(r);
		return;
	}
	if (r->want_json) {
		group_json(json_obj(r), &v, g);
		json_send(r, r->status ? r->status : 200);
		return;
	}
	bool posted = strcmp(r->method, "POST") == 0;
	sbuf b;
	sbuf_init(&b);
	h_printf(&b, "<div class=\"card\"><h1>Gruppendetails</h1><dl class=\"data\"><dt>Gruppentyp</dt><dd>%s</dd>"
		     "<dt>Sachbearbeiter</dt><dd>",
		 gruppe_name[g]);
	names_html(&b, &v);
	h_raw(&b, "</dd></dl><p>An die hier hinterlegte E-Mail-Adresse erfolgt eine Benachrichtigung über den Eingang einer "
		  "Nachricht im Gruppenpostfach. Die Benachrichtigung enthält keine Inhalte der Nachricht. Lassen Sie das "
		  "Feld leer, um die Benachrichtigung abzuschalten.</p>");
	form_open(r, &b, arena_printf(r->a, "/gruppen/%s", gruppe_slug[g]), false);
	form_input(r, &b, "email", "E-Mail-Adresse", "email", posted ? form_get(r, "email") : v.email, "email", false);
	h_raw(&b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/gruppen\">Abbrechen</a>"
		  "<button type=\"submit\" class=\"btn\">Speichern</button></div>");
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, "Gruppendetails", &b);
	sbuf_free(&b);
}

void groups_show(req *r)
{
	detail_group = group_from_path(r);
	if (detail_group >= 0)
		detail_render(r);
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
		audit(r, "group_email_changed", gruppe_name[c->g],
		      arena_printf(r->a, "E-Mail-Adresse: %s → %s", *before ? before : "(keine)", c->email ? c->email : "(keine)"));
	return 0;
}

void groups_save(req *r)
{
	detail_group = group_from_path(r);
	if (detail_group < 0)
		return;
	const char *email = form_get(r, "email");
	if (email && *email && !mail_addr_ok(email)) {
		form_error(r, "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein oder lassen Sie das Feld leer.");
		form_errors_send(r, 422, detail_render);
		return;
	}
	struct email_ctx c = {r, detail_group, email && *email ? email : NULL};
	if (db_tx(email_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	redirect(r, "/gruppen");
}
