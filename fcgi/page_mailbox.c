/* page_mailbox.c — the Sachbearbeiter's mailboxes (handbook introduction, SPEC §8): the personal
 * mailbox and one per assigned group, folders "Posteingang" (from the Kasse) and "Gesendet" (to
 * the Kasse), messages with PDF/PNG/JPEG documents, read state per user, replies, downloads.
 * Access is checked on every request against the current group membership. */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "form.h"
#include "layout.h"
#include "message_parts.h"
#include "response.h"
#include "session.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "pager.h"
#include "log.h"
#include "mail.h"
#include "messages.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BOX_PERSONAL = -1 }; /* a mailbox is BOX_PERSONAL or a group (enum gruppe) */
#define COUNT_CAP 101       /* lists count at most this many rows ("mehr als 100"): flat cost */
#define NO_MAILBOX "Dieses Postfach gibt es nicht oder Sie haben keinen Zugriff darauf."
#define NO_MESSAGE "Diese Nachricht gibt es nicht."
#define NO_DOCUMENT "Dieses Dokument gibt es nicht."

/* ---------- mailboxes ---------- */

static const char *box_slug(int box)
{
	return box == BOX_PERSONAL ? "persoenlich" : gruppe_slug[box];
}

static const char *box_title(req *r, int box)
{
	return box == BOX_PERSONAL ? "Persönliches Postfach" : arena_printf(r->a, "Gruppenpostfach %s", gruppe_name[box]);
}

/* "persoenlich" or the slug of a group in mygroups. */
static bool box_from_slug(const char *slug, unsigned mygroups, int *box)
{
	if (!slug)
		return false;
	if (strcmp(slug, "persoenlich") == 0) {
		*box = BOX_PERSONAL;
		return true;
	}
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (strcmp(slug, gruppe_slug[g]) == 0) {
			*box = g;
			return (mygroups & (1u << g)) != 0;
		}
	return false;
}

/* The current user's groups (membership is read per request: removal takes effect at once).
 * false on a database error. */
static bool my_groups(req *r, unsigned *mask)
{
	db_res *g = db_query(r->a, "SELECT typ FROM account_gruppe WHERE account_id = ?", DBARGS(DI(r->me->id)));
	if (!g)
		return false;
	*mask = 0;
	for (size_t i = 0; i < g->nrows; i++) {
		long long t = db_int(g, i, 0);
		if (t >= 0 && t < GRUPPE__MAX)
			*mask |= 1u << t;
	}
	return true;
}

/* The mailbox named by the path, or false after answering (database error or 404). */
static bool box_from_path(req *r, unsigned *groups, int *box)
{
	if (!my_groups(r, groups)) {
		db_fail(r);
		return false;
	}
	if (!box_from_slug(r->path_arg, *groups, box)) {
		page_error(r, 404, NO_MAILBOX);
		return false;
	}
	return true;
}

/* Unread messages in a mailbox for this user, counted up to COUNT_CAP; -1 on a database error.
 * Group queries need no "konto_id IS NULL": a message lies either in a group mailbox or in a
 * personal one, and without it the index (org_id, gruppe, ordner, id) serves the query in order
 * (no index intersection). */
static long long unread_count(req *r, int box)
{
	db_res *c = box == BOX_PERSONAL ?
		db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 FROM nachricht n LEFT JOIN nachricht_gelesen g "
			       "ON g.nachricht_id = n.id AND g.konto_id = ? WHERE n.konto_id = ? AND n.ordner = 'eingang' "
			       "AND g.konto_id IS NULL LIMIT 101) x",
			 DBARGS(DI(r->me->id), DI(r->me->id))) :
		db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 FROM nachricht n LEFT JOIN nachricht_gelesen g "
			       "ON g.nachricht_id = n.id AND g.konto_id = ? WHERE n.org_id = ? AND n.gruppe = ? "
			       "AND n.ordner = 'eingang' AND g.konto_id IS NULL LIMIT 101) x",
			 DBARGS(DI(r->me->id), DI(r->me->org_id), DI(box)));
	return c ? db_int(c, 0, 0) : -1;
}

static void count_text(sbuf *b, long long n)
{
	if (n >= COUNT_CAP)
		h_printf(b, "mehr als %d", COUNT_CAP - 1);
	else
		h_printf(b, "%lld", n);
}

/* ---------- overview of the mailboxes ---------- */

struct overview_box {
	int box;
	const char *title;
	long long unread; /* up to COUNT_CAP */
};

struct overview_view {
	struct overview_box boxes[GRUPPE__MAX + 1]; /* the personal mailbox first, then the groups */
	int n;
};

static void overview_html(req *r, sbuf *b, const void *view)
{
	const struct overview_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Postfach</h1><p class=\"lead\">Ihr persönliches Postfach und die "
		 "Gruppenpostfächer, auf die Sie Zugriff haben.</p><ul class=\"mailboxes\">");
	for (int i = 0; i < v->n; i++) {
		const struct overview_box *o = &v->boxes[i];
		h_printf(b, "<li><a href=\"%s\">%s</a> – ", url_printf(r->a, "/postfach/%s", box_slug(o->box)), o->title);
		if (o->unread) {
			h_raw(b, "<strong>");
			count_text(b, o->unread);
			h_raw(b, " ungelesen</strong>");
		} else
			h_raw(b, "keine ungelesenen Nachrichten");
		h_raw(b, "</li>");
	}
	h_raw(b, "</ul></div>");
}

static void overview_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct overview_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "postfaecher");
	for (int i = 0; i < v->n; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "postfach", box_slug(v->boxes[i].box));
		cJSON_AddStringToObject(m, "titel", v->boxes[i].title);
		cJSON_AddNumberToObject(m, "ungelesen", (double)v->boxes[i].unread);
		cJSON_AddItemToArray(arr, m);
	}
}

static const page_kind overview_page = {"Postfach", overview_html, overview_json, NULL};

void mailbox_overview(req *r)
{
	unsigned groups;
	if (!my_groups(r, &groups)) {
		db_fail(r);
		return;
	}
	struct overview_view *v = arena_alloc(r->a, sizeof *v);
	for (int box = BOX_PERSONAL; box < GRUPPE__MAX; box++) {
		if (box != BOX_PERSONAL && !(groups & (1u << box)))
			continue;
		long long unread = unread_count(r, box);
		if (unread < 0) {
			db_fail(r);
			return;
		}
		v->boxes[v->n++] = (struct overview_box){box, box_title(r, box), unread};
	}
	page_render(r, 200, &overview_page, v);
}

/* ---------- list of one mailbox ---------- */

/* The list's query: folder, paging, and the note after sending. Never an error: what is not
 * understood falls back to the first page of 20 in the Posteingang. */
struct list_query {
	const char *ordner, *seite, *pro_seite, *ok;
};

static const form_field list_fields[] = {
	{"ordner", "Ordner", FT_TEXT, 0, 0, NULL, NULL, NULL, NULL, offsetof(struct list_query, ordner)},
	{"seite", "Seite", FT_NUMERIC, 0, 0, NULL, NULL, NULL, NULL, offsetof(struct list_query, seite)},
	{"pro_seite", "Elemente pro Seite", FT_NUMERIC, 0, 0, NULL, NULL, NULL, NULL,
	 offsetof(struct list_query, pro_seite)},
	{"ok", "Hinweis", FT_TEXT, 0, 0, NULL, NULL, NULL, NULL, offsetof(struct list_query, ok)},
};

struct list_row {
	long long id, documents;
	const char *datum, *absender, *betreff;
	bool read;                /* by this user */
	const char *first_opened; /* "Vorname Name", or "" */
};

struct list_view {
	int box;
	const char *title;
	bool sent, just_sent;
	long long page, size, total, pages; /* total up to COUNT_CAP */
	struct list_row *rows;
	size_t nrows;
};

static const char *list_ordner(const struct list_view *v)
{
	return v->sent ? "gesendet" : "eingang";
}

static void list_query_read(req *r, struct list_view *v)
{
	struct list_query q;
	form_read(r, list_fields, ARRAY_LEN(list_fields), &q);
	v->sent = str_eq(q.ordner, "gesendet");
	v->just_sent = str_eq(q.ok, "gesendet");
	v->page = pager_page(q.seite);
	v->size = pager_size(q.pro_seite);
}

/* Messages in the folder, up to COUNT_CAP; the page is moved back onto the last one.
 * A group mailbox is read through its index (org_id, gruppe, ordner, id), named: left to
 * itself, MariaDB weighs it against (org_id, ordner, id) with index dives on every execution
 * and, for a large mailbox, picked a range scan of the latter that filters gruppe row by row:
 * 20-30 % more server CPU per list for 100,000 messages than for 100 (make bench); with the
 * index named, both cost the same. */
static bool list_count(req *r, struct list_view *v)
{
	db_res *cnt = v->box == BOX_PERSONAL ?
		db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 FROM nachricht WHERE konto_id = ? AND ordner = ? LIMIT 101) x",
			 DBARGS(DI(r->me->id), DS(list_ordner(v)))) :
		db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 FROM nachricht FORCE INDEX (ix_nachricht_gruppe) "
			       "WHERE org_id = ? AND gruppe = ? AND ordner = ? LIMIT 101) x",
			 DBARGS(DI(r->me->org_id), DI(v->box), DS(list_ordner(v))));
	if (!cnt)
		return false;
	v->total = db_int(cnt, 0, 0);
	v->pages = v->total ? (v->total + v->size - 1) / v->size : 1;
	if (v->page > v->pages && v->total < COUNT_CAP)
		v->page = v->pages;
	return true;
}

static db_res *list_query_rows(req *r, const struct list_view *v)
{
	long long offset = (v->page - 1) * v->size;
	if (v->box == BOX_PERSONAL)
		return db_query(r->a,
				"SELECT n.id, n.erstellt, n.absender, n.betreff, n.anhaenge, "
				"g.konto_id IS NOT NULL, COALESCE(CONCAT(f.vorname, ' ', f.name), '') "
				"FROM nachricht n LEFT JOIN nachricht_gelesen g ON g.nachricht_id = n.id AND g.konto_id = ? "
				"LEFT JOIN account f ON f.id = n.zuerst_gelesen_von "
				"WHERE n.konto_id = ? AND n.ordner = ? ORDER BY n.id DESC LIMIT ? OFFSET ?",
				DBARGS(DI(r->me->id), DI(r->me->id), DS(list_ordner(v)), DI(v->size), DI(offset)));
	return db_query(r->a,
			"SELECT n.id, n.erstellt, n.absender, n.betreff, n.anhaenge, "
			"g.konto_id IS NOT NULL, COALESCE(CONCAT(f.vorname, ' ', f.name), '') "
			"FROM nachricht n FORCE INDEX (ix_nachricht_gruppe) "
			"LEFT JOIN nachricht_gelesen g ON g.nachricht_id = n.id AND g.konto_id = ? "
			"LEFT JOIN account f ON f.id = n.zuerst_gelesen_von "
			"WHERE n.org_id = ? AND n.gruppe = ? AND n.ordner = ? "
			"ORDER BY n.id DESC LIMIT ? OFFSET ?",
			DBARGS(DI(r->me->id), DI(r->me->org_id), DI(v->box), DS(list_ordner(v)), DI(v->size), DI(offset)));
}

static bool list_load(req *r, struct list_view *v)
{
	enum { COL_ID, COL_DATUM, COL_ABSENDER, COL_BETREFF, COL_ANHAENGE, COL_GELESEN, COL_ZUERST };
	db_res *rows = list_query_rows(r, v);
	if (!rows)
		return false;
	v->nrows = rows->nrows;
	v->rows = arena_alloc(r->a, (rows->nrows ? rows->nrows : 1) * sizeof *v->rows);
	for (size_t i = 0; i < rows->nrows; i++)
		v->rows[i] = (struct list_row){
			.id = db_int(rows, i, COL_ID), .documents = db_int(rows, i, COL_ANHAENGE),
			.datum = time_de(r->a, db_str(rows, i, COL_DATUM), TIME_MINUTES), .absender = db_str(rows, i, COL_ABSENDER),
			.betreff = db_str(rows, i, COL_BETREFF), .read = db_int(rows, i, COL_GELESEN) == 1,
			.first_opened = db_str(rows, i, COL_ZUERST)};
	return true;
}

static void list_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct list_view *v = view;
	cJSON_AddStringToObject(o, "postfach", box_slug(v->box));
	cJSON_AddStringToObject(o, "ordner", v->sent ? "Gesendet" : "Posteingang");
	cJSON *arr = cJSON_AddArrayToObject(o, "nachrichten");
	for (size_t i = 0; i < v->nrows; i++) {
		const struct list_row *row = &v->rows[i];
		cJSON *m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "id", (double)row->id);
		cJSON_AddStringToObject(m, "datum", row->datum);
		cJSON_AddStringToObject(m, "absender", row->absender);
		if (v->sent)
			cJSON_AddStringToObject(m, "empfaenger", kasse_name);
		cJSON_AddStringToObject(m, "betreff", row->betreff);
		cJSON_AddNumberToObject(m, "anhaenge", (double)row->documents);
		cJSON_AddBoolToObject(m, "gelesen", v->sent || row->read);
		if (*row->first_opened)
			cJSON_AddStringToObject(m, "zuerst_geoeffnet_von", row->first_opened);
		cJSON_AddItemToArray(arr, m);
	}
	cJSON_AddNumberToObject(o, "gesamt", (double)v->total);
	cJSON_AddBoolToObject(o, "gesamt_gekappt", v->total >= COUNT_CAP);
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
	cJSON_AddNumberToObject(o, "pro_seite", (double)v->size);
}

/* Title, "Neue Nachricht", the note after sending and the folder tabs. */
static void list_head_html(req *r, sbuf *b, const struct list_view *v)
{
	const char *slug = box_slug(v->box);
	h_printf(b, "<div class=\"card\"><div class=\"title-row\"><h1>%s</h1><a class=\"btn\" href=\"%s\">Neue Nachricht</a></div>",
		 v->title, url_printf(r->a, "/postfach/%s/neu", slug));
	if (v->just_sent)
		alert_box(b, "success", "Ihre Nachricht wurde an die Kasse gesendet.");
	h_printf(b, "<nav class=\"tabs\" aria-label=\"Ordner\"><ul><li><a href=\"%s\"", url_printf(r->a, "/postfach/%s", slug));
	if (!v->sent)
		h_raw(b, " aria-current=\"page\"");
	h_printf(b, ">Posteingang</a></li><li><a href=\"%s\"", url_printf(r->a, "/postfach/%s?ordner=gesendet", slug));
	if (v->sent)
		h_raw(b, " aria-current=\"page\"");
	h_raw(b, ">Gesendet</a></li></ul></nav>");
}

/* Posteingang: who sent it (the Kasse) and, in a group mailbox, which colleague opened it first.
 * Gesendet: whom it went to (the Kasse) and, in a group mailbox, which colleague sent it. */
static void list_table_html(req *r, sbuf *b, const struct list_view *v)
{
	bool group = v->box != BOX_PERSONAL;
	const char *cols[] = {"Datum", v->sent ? "Empfänger" : "Absender", "Betreff", "Anhang",
			      v->sent ? "Gesendet von" : "Zuerst geöffnet von"};
	table_open(b, "Nachrichten", NULL, cols, group ? 5 : 4);
	for (size_t i = 0; i < v->nrows; i++) {
		const struct list_row *row = &v->rows[i];
		bool unread = !v->sent && !row->read;
		const char *docs = row->documents ? arena_printf(r->a, "%lld %s", row->documents,
								  row->documents == 1 ? "Dokument" : "Dokumente")
						  : "";
		if (unread)
			h_raw(b, "<tr class=\"unread\">");
		else
			h_raw(b, "<tr>");
		h_printf(b, "<td>%s</td><td>%s</td><td><a href=\"%s\">%s%s</a></td><td>%s</td>", row->datum,
			 v->sent ? kasse_name : row->absender, url_printf(r->a, "/nachricht/%lld", row->id), row->betreff,
			 unread ? " (ungelesen)" : "", docs);
		if (group)
			h_printf(b, "<td>%s</td>", v->sent ? row->absender : row->first_opened);
		h_raw(b, "</tr>");
	}
	if (!v->nrows)
		h_printf(b, "<tr><td colspan=\"%d\">Keine Nachrichten.</td></tr>", group ? 5 : 4);
	table_close(b);
}

static const char *list_page_url(req *r, const void *view, long long page)
{
	const struct list_view *v = view;
	return url_printf(r->a, "/postfach/%s?ordner=%s&seite=%lld&pro_seite=%lld", box_slug(v->box), list_ordner(v), page,
			  v->size);
}

static void list_hidden_html(req *r, sbuf *b, const void *view)
{
	(void)r;
	h_printf(b, "<input type=\"hidden\" name=\"ordner\" value=\"%s\">", list_ordner(view));
}

static void list_html(req *r, sbuf *b, const void *view)
{
	const struct list_view *v = view;
	list_head_html(r, b, v);
	list_table_html(r, b, v);
	pager_html(r, b, &(pager){.page = v->page, .size = v->size, .total = v->total, .cap = COUNT_CAP, .shown = v->nrows,
				  .action = url_printf(r->a, "/postfach/%s", box_slug(v->box)), .hidden = list_hidden_html,
				  .url = list_page_url, .view = v});
	h_raw(b, "<p><a href=\"/postfach\">Alle Postfächer</a></p></div>");
}

static const char *list_title(const void *view)
{
	return ((const struct list_view *)view)->title;
}

static const page_kind list_page = {"Postfach", list_html, list_json, list_title};

void mailbox_list(req *r)
{
	unsigned groups;
	struct list_view *v = arena_alloc(r->a, sizeof *v);
	if (!box_from_path(r, &groups, &v->box))
		return;
	v->title = box_title(r, v->box);
	list_query_read(r, v);
	if (!list_count(r, v) || !list_load(r, v)) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &list_page, v);
}

/* ---------- one message ---------- */

struct message {
	long long id;
	int box;
	bool incoming; /* Posteingang (from the Kasse), else Gesendet */
	const char *absender, *betreff, *text, *datum;
	const char *first_opened; /* "Vorname Name am TT.MM.JJJJ HH:MM", or "" */
};

/* Whether the user may see a message of org_id in box: their personal mailbox, or a group
 * mailbox of their organisation they are assigned to. */
static bool message_visible(req *r, long long org_id, bool personal, long long owner, long long g, unsigned groups)
{
	if (org_id != r->me->org_id)
		return false;
	if (personal)
		return owner == r->me->id;
	return g >= 0 && g < GRUPPE__MAX && (groups & (1u << g));
}

/* A message the user may see; LOOKUP_NONE for everything else (a 404 either way). */
static enum lookup message_load(req *r, long long id, unsigned groups, struct message *out)
{
	enum { COL_ID, COL_GRUPPE, COL_KONTO, COL_ORDNER, COL_ABSENDER, COL_BETREFF, COL_TEXT, COL_DATUM, COL_ORG,
	       COL_ZUERST, COL_ZUERST_AM };
	db_res *m = db_query(r->a,
			     "SELECT n.id, n.gruppe, n.konto_id, n.ordner, n.absender, n.betreff, n.text, "
			     "n.erstellt, n.org_id, CONCAT(f.vorname, ' ', f.name), n.zuerst_gelesen_am "
			     "FROM nachricht n LEFT JOIN account f ON f.id = n.zuerst_gelesen_von WHERE n.id = ?",
			     DBARGS(DI(id)));
	if (!m)
		return LOOKUP_DB_ERROR;
	if (m->nrows != 1)
		return LOOKUP_NONE;
	bool personal = db_str(m, 0, COL_KONTO) != NULL;
	if (!message_visible(r, db_int(m, 0, COL_ORG), personal, personal ? db_int(m, 0, COL_KONTO) : 0,
			     db_int(m, 0, COL_GRUPPE), groups))
		return LOOKUP_NONE;
	*out = (struct message){
		.id = db_int(m, 0, COL_ID), .box = personal ? BOX_PERSONAL : (int)db_int(m, 0, COL_GRUPPE),
		.incoming = strcmp(db_str(m, 0, COL_ORDNER), "eingang") == 0, .absender = db_str(m, 0, COL_ABSENDER),
		.betreff = db_str(m, 0, COL_BETREFF), .text = db_str(m, 0, COL_TEXT),
		.datum = time_de(r->a, db_str(m, 0, COL_DATUM), TIME_MINUTES),
		.first_opened = db_str(m, 0, COL_ZUERST) ? arena_printf(r->a, "%s am %s", db_str(m, 0, COL_ZUERST),
								      time_de(r->a, db_str(m, 0, COL_ZUERST_AM), TIME_MINUTES))
							  : ""};
	return LOOKUP_FOUND;
}

struct message_view {
	struct message msg;
	struct documents docs;
};

/* Read state per user; the first colleague who opens a group message is remembered. */
static bool message_mark_read(req *r, const struct message *m)
{
	if (db_exec("INSERT IGNORE INTO nachricht_gelesen (konto_id, nachricht_id, gelesen_am) VALUES (?, ?, NOW())",
		    DBARGS(DI(r->me->id), DI(m->id)), NULL, NULL) != 0)
		return false;
	return m->box == BOX_PERSONAL ||
	       db_exec("UPDATE nachricht SET zuerst_gelesen_von = ?, zuerst_gelesen_am = NOW() "
		       "WHERE id = ? AND zuerst_gelesen_von IS NULL",
		       DBARGS(DI(r->me->id), DI(m->id)), NULL, NULL) == 0;
}

static void message_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct message_view *v = view;
	const struct message *m = &v->msg;
	cJSON_AddNumberToObject(o, "id", (double)m->id);
	cJSON_AddStringToObject(o, "postfach", box_slug(m->box));
	cJSON_AddStringToObject(o, "ordner", m->incoming ? "Posteingang" : "Gesendet");
	cJSON_AddStringToObject(o, "absender", m->absender);
	if (!m->incoming)
		cJSON_AddStringToObject(o, "empfaenger", kasse_name);
	cJSON_AddStringToObject(o, "betreff", m->betreff);
	cJSON_AddStringToObject(o, "text", m->text);
	cJSON_AddStringToObject(o, "datum", m->datum);
	documents_json(o, &v->docs);
}

static const char *message_title(const void *view)
{
	const char *betreff = ((const struct message_view *)view)->msg.betreff;
	return betreff ? betreff : "";
}

static void message_html(req *r, sbuf *b, const void *view)
{
	const struct message_view *v = view;
	const struct message *m = &v->msg;
	const char *slug = box_slug(m->box);
	h_printf(b, "<div class=\"card\"><h1>%s</h1><dl class=\"data\"><dt>Postfach</dt><dd>%s – %s</dd>"
		    "<dt>Absender</dt><dd>%s</dd>",
		 message_title(v), box_title(r, m->box), m->incoming ? "Posteingang" : "Gesendet", m->absender);
	if (!m->incoming)
		h_printf(b, "<dt>Empfänger</dt><dd>%s</dd>", kasse_name);
	h_printf(b, "<dt>Datum</dt><dd>%s</dd>", m->datum);
	if (m->box != BOX_PERSONAL && m->incoming && *m->first_opened)
		h_printf(b, "<dt>Zuerst geöffnet von</dt><dd>%s</dd>", m->first_opened);
	h_printf(b, "</dl><div class=\"message-text\">%s</div>", m->text);
	documents_html(r, b, &v->docs, DOCS_MEMBER);
	h_raw(b, "<div class=\"actions left\">");
	if (m->incoming)
		h_printf(b, "<a class=\"btn\" href=\"%s\">Antworten</a>",
			 url_printf(r->a, "/postfach/%s/neu?antwort=%lld", slug, m->id));
	h_printf(b, "<a class=\"btn secondary\" href=\"%s\">Zurück</a></div></div>",
		 m->incoming ? url_printf(r->a, "/postfach/%s", slug) : url_printf(r->a, "/postfach/%s?ordner=gesendet", slug));
}

static const page_kind message_page = {"Nachricht", message_html, message_json, message_title};

void message_show(req *r)
{
	unsigned groups;
	long long id;
	struct message_view *v = arena_alloc(r->a, sizeof *v);
	if (!my_groups(r, &groups)) {
		db_fail(r);
		return;
	}
	if (lookup_answered(r, path_id(r, &id), NO_MESSAGE) ||
	    lookup_answered(r, message_load(r, id, groups, &v->msg), NO_MESSAGE))
		return;
	/* a HEAD (link checkers, prefetching) reads nothing: it marks nothing read */
	if ((v->msg.incoming && !r->is_head && !message_mark_read(r, &v->msg)) || !documents_load(r, v->msg.id, &v->docs)) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &message_page, v);
}

/* ---------- download of a document ---------- */

/* The ASCII fallback of a file name: umlauts spelt out, other characters as "_". */
struct document {
	const char *name, *type;
};

/* The access decision and the metadata of a document, without its content: the document's
 * message decides access. Another organisation's id costs what a missing one costs (no read of
 * up to 10 MB, no size or existence told by the time of the answer). */
static enum lookup document_find(req *r, long long id, unsigned groups, struct document *out)
{
	enum { COL_ORG, COL_KONTO, COL_GRUPPE, COL_NAME, COL_TYPE };
	db_res *a = db_query(r->a,
			     "SELECT n.org_id, n.konto_id, n.gruppe, a.dateiname, a.typ FROM anhang a "
			     "JOIN nachricht n ON n.id = a.nachricht_id WHERE a.id = ?",
			     DBARGS(DI(id)));
	if (!a)
		return LOOKUP_DB_ERROR;
	if (a->nrows != 1)
		return LOOKUP_NONE;
	bool personal = db_str(a, 0, COL_KONTO) != NULL;
	if (!message_visible(r, db_int(a, 0, COL_ORG), personal, personal ? db_int(a, 0, COL_KONTO) : 0,
			     personal ? -1 : db_int(a, 0, COL_GRUPPE), groups))
		return LOOKUP_NONE;
	*out = (struct document){db_str(a, 0, COL_NAME), db_str(a, 0, COL_TYPE)};
	return LOOKUP_FOUND;
}

void attachment_download(req *r)
{
	unsigned groups;
	long long id;
	struct document d = {0};
	if (!my_groups(r, &groups)) {
		db_fail(r);
		return;
	}
	if (lookup_answered(r, path_id(r, &id), NO_DOCUMENT) ||
	    lookup_answered(r, document_find(r, id, groups, &d), NO_DOCUMENT))
		return;
	/* only now, access granted, the content */
	db_res *c = db_query(r->a, "SELECT daten FROM anhang WHERE id = ?", DBARGS(DI(id)));
	if (!c || c->nrows != 1) {
		lookup_answered(r, c ? LOOKUP_NONE : LOOKUP_DB_ERROR, NO_DOCUMENT); /* deleted in between */
		return;
	}
	const db_cell *data = db_get(c, 0, 0);
	/* d.type: one of three types checked by content at upload */
	resp_attachment(r, document_name(r->a, d.name, d.type), d.type, data->s, data->len);
}

/* ---------- new message and reply ---------- */

struct compose_view {
	int box;
	bool has_reply;
	struct message reply; /* the message answered, if has_reply */
	struct quoted_message quoted; /* the same, as the form shows it */
	struct message_body in;
};

/* The mailbox from the path and the message answered (?antwort= / field antwort), which must lie
 * in that mailbox; false after answering. */
static bool compose_setup(req *r, struct compose_view *v)
{
	unsigned groups;
	if (!box_from_path(r, &groups, &v->box))
		return false;
	const char *antwort = form_get(r, "antwort");
	if (!antwort || !*antwort)
		return true;
	long long id;
	enum lookup l = parse_int(antwort, 1, 1LL << 62, &id) == 0 ? message_load(r, id, groups, &v->reply) : LOOKUP_NONE;
	if (l == LOOKUP_FOUND && v->reply.box != v->box)
		l = LOOKUP_NONE;
	v->has_reply = l == LOOKUP_FOUND;
	if (v->has_reply)
		v->quoted = (struct quoted_message){v->reply.betreff, v->reply.absender, v->reply.datum, v->reply.text};
	return !lookup_answered(r, l, NO_MESSAGE);
}

static const char *compose_title(const void *view)
{
	return ((const struct compose_view *)view)->has_reply ? "Antworten" : "Neue Nachricht";
}

static void compose_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct compose_view *v = view;
	cJSON_AddStringToObject(o, "titel", compose_title(v));
	cJSON_AddStringToObject(o, "postfach", box_slug(v->box));
	cJSON_AddNumberToObject(o, "max_dokumente", (double)cfg.upload_max_files);
	cJSON_AddNumberToObject(o, "max_bytes_je_dokument", (double)cfg.upload_max_bytes);
	if (v->has_reply) {
		cJSON *m = cJSON_AddObjectToObject(o, "antwort_auf");
		cJSON_AddNumberToObject(m, "id", (double)v->reply.id);
		cJSON_AddStringToObject(m, "betreff", v->reply.betreff);
		cJSON_AddStringToObject(m, "absender", v->reply.absender);
		cJSON_AddStringToObject(m, "datum", v->reply.datum);
		cJSON_AddStringToObject(m, "text", v->reply.text);
	}
}

/* The message answered, beneath the reply form: read-only, as the message page shows it. */
static const struct quoted_message *compose_quoted(const struct compose_view *v)
{
	return v->has_reply ? &v->quoted : NULL;
}

static void compose_html(req *r, sbuf *b, const void *view)
{
	const struct compose_view *v = view;
	const char *slug = box_slug(v->box);
	h_printf(b, "<div class=\"card\"><h1>%s</h1><p class=\"lead\">Nachricht an die Kasse aus dem Postfach „%s“.</p>",
		 compose_title(v), box_title(r, v->box));
	required_note(b);
	form_open(r, b, url_printf(r->a, "/postfach/%s/neu", slug), true);
	if (v->has_reply)
		h_printf(b, "<input type=\"hidden\" name=\"antwort\" value=\"%lld\">", v->reply.id);
	message_body_html(r, b, &v->in, url_printf(r->a, "/postfach/%s", slug), compose_quoted(v));
	h_raw(b, "</div>");
}

static const page_kind compose_page = {"Neue Nachricht", compose_html, compose_json, compose_title};

/* The form drawn (again): a reply without a subject given proposes "AW: " and the original's. */
static void compose_show(req *r, int status, struct compose_view *v)
{
	message_body_reply(r, &v->in, compose_quoted(v));
	page_render(r, status, &compose_page, v);
}

void mailbox_new_get(req *r)
{
	struct compose_view *v = arena_alloc(r->a, sizeof *v);
	if (!compose_setup(r, v))
		return;
	message_body_prefill(r, &v->in);
	compose_show(r, 200, v);
}

static bool compose_store(req *r, const struct compose_view *v, long long *id)
{
	bool personal = v->box == BOX_PERSONAL;
	struct message_new m = {
		.org_id = r->me->org_id, .gruppe = personal ? -1 : v->box, .konto_id = personal ? r->me->id : 0,
		.ordner = "gesendet", .absender = arena_printf(r->a, "%s %s", r->me->vorname, r->me->name),
		.absender_konto_id = r->me->id, .betreff = v->in.betreff, .text = v->in.nachricht,
		.antwort_auf = v->has_reply ? v->reply.id : 0, .files = r->uploads.items, .nfiles = r->uploads.n};
	return message_store_tx(r->a, &m, id) == 0;
}

void mailbox_new_post(req *r)
{
	struct compose_view *v = arena_alloc(r->a, sizeof *v);
	if (!compose_setup(r, v))
		return;
	message_body_read(r, &v->in);
	if (!documents_check(r))
		return;
	if (r->nerrors) {
		compose_show(r, 422, v);
		return;
	}
	long long id;
	if (!compose_store(r, v, &id)) {
		db_fail(r);
		return;
	}
	log_event("message_sent", r->me->kennung, box_slug(v->box), arena_printf(r->a, "id=%lld", id));
	if (r->want_json)
		cJSON_AddNumberToObject(json_obj(r), "id", (double)id);
	redirect(r, url_printf(r->a, "/postfach/%s?ordner=gesendet&ok=gesendet", box_slug(v->box)));
}
