/* page_mailbox.c — the Sachbearbeiter's mailboxes (handbook introduction, SPEC §8): the personal
 * mailbox and one per assigned group, folders "Posteingang" (from the Kasse) and "Gesendet" (to
 * the Kasse), messages with PDF/PNG/JPEG documents, read state per user, replies, downloads.
 * Access is checked on every request against the current group membership. */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "form.h"
#include "layout.h"
#include "response.h"
#include "session.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include "messages.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOX_PERSONAL (-1)
#define COUNT_CAP 101 /* lists count at most this many rows ("mehr als 100"): flat cost */

/* "persoenlich" or a group slug the user belongs to; -2 if not allowed / unknown */
static int box_parse(req *r, const char *slug, unsigned mygroups)
{
	if (!slug)
		return -2;
	if (strcmp(slug, "persoenlich") == 0)
		return BOX_PERSONAL;
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (strcmp(slug, gruppe_slug[g]) == 0)
			return (mygroups & (1u << g)) ? g : -2;
	(void)r;
	return -2;
}

static const char *box_slug(int box)
{
	return box == BOX_PERSONAL ? "persoenlich" : gruppe_slug[box];
}

static const char *box_title(req *r, int box)
{
	return box == BOX_PERSONAL ? "Persönliches Postfach" : arena_printf(r->a, "Gruppenpostfach %s", gruppe_name[box]);
}

/* the current user's groups (membership is read per request: removal takes effect at once) */
static int my_groups(req *r, unsigned *mask)
{
	db_res *g = db_query(r->a, "SELECT typ FROM account_gruppe WHERE account_id = ?", DBARGS(DI(r->me->id)));
	if (!g)
		return -1;
	*mask = 0;
	for (size_t i = 0; i < g->nrows; i++) {
		long long t = db_int(g, i, 0);
		if (t >= 0 && t < GRUPPE__MAX)
			*mask |= 1u << t;
	}
	return 0;
}

/* unread messages in a mailbox for this user, counted up to COUNT_CAP. Group queries need no
 * "konto_id IS NULL": a message lies either in a group mailbox or in a personal one, and without
 * it the index (org_id, gruppe, ordner, id) serves the query in order (no index intersection). */
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

void mailbox_overview(req *r)
{
	unsigned groups;
	if (my_groups(r, &groups) != 0) {
		db_fail(r);
		return;
	}
	int boxes[GRUPPE__MAX + 1], nbox = 0;
	boxes[nbox++] = BOX_PERSONAL;
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (groups & (1u << g))
			boxes[nbox++] = g;
	long long unread[GRUPPE__MAX + 1];
	for (int i = 0; i < nbox; i++)
		if ((unread[i] = unread_count(r, boxes[i])) < 0) {
			db_fail(r);
			return;
		}
	if (r->want_json) {
		cJSON *arr = cJSON_AddArrayToObject(json_obj(r), "postfaecher");
		for (int i = 0; i < nbox; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "postfach", box_slug(boxes[i]));
			cJSON_AddStringToObject(o, "titel", box_title(r, boxes[i]));
			cJSON_AddNumberToObject(o, "ungelesen", (double)unread[i]);
			cJSON_AddItemToArray(arr, o);
		}
		json_send(r, 200);
		return;
	}
	sbuf b = page_buf(r);
	h_raw(&b, "<div class=\"card\"><h1>Postfach</h1><p class=\"lead\">Ihr persönliches Postfach und die "
		  "Gruppenpostfächer, auf die Sie Zugriff haben.</p><ul class=\"mailboxes\">");
	for (int i = 0; i < nbox; i++) {
		h_printf(&b, "<li><a href=\"/postfach/%s\">%s</a> – ", box_slug(boxes[i]), box_title(r, boxes[i]));
		if (unread[i]) {
			h_raw(&b, "<strong>");
			count_text(&b, unread[i]);
			h_raw(&b, " ungelesen</strong>");
		} else
			h_raw(&b, "keine ungelesenen Nachrichten");
		h_raw(&b, "</li>");
	}
	h_raw(&b, "</ul></div>");
	page_send(r, 200, "Postfach", &b);
}

/* ---------- list of one mailbox ---------- */

void mailbox_list(req *r)
{
	unsigned groups;
	if (my_groups(r, &groups) != 0) {
		db_fail(r);
		return;
	}
	int box = box_parse(r, r->path_arg, groups);
	if (box == -2) {
		page_error(r, 404, "Dieses Postfach gibt es nicht oder Sie haben keinen Zugriff darauf.");
		return;
	}
	bool sent = str_eq(form_get(r, "ordner"), "gesendet");
	const char *ordner = sent ? "gesendet" : "eingang";
	long long page = 1, size = 20;
	const char *pg = form_get(r, "seite"), *ps = form_get(r, "pro_seite");
	if (pg && parse_int(pg, 1, 1000000, &page) != 0)
		page = 1;
	if (ps && (parse_int(ps, 10, 100, &size) != 0 || (size != 10 && size != 20 && size != 50 && size != 100)))
		size = 20; /* "Elemente pro Seite" as in the overview: 10, 20, 50, 100 */
	/* A group mailbox is read through its index (org_id, gruppe, ordner, id), named: left to
	 * itself, MariaDB weighs it against (org_id, ordner, id) with index dives on every execution
	 * and, for a large mailbox, picked a range scan of the latter that filters gruppe row by row:
	 * 20-30 % more server CPU per list for 100,000 messages than for 100 (make bench); with the
	 * index named, both cost the same. */
	db_res *cnt = box == BOX_PERSONAL ?
		db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 FROM nachricht WHERE konto_id = ? AND ordner = ? LIMIT 101) x",
			 DBARGS(DI(r->me->id), DS(ordner))) :
		db_query(r->a, "SELECT COUNT(*) FROM (SELECT 1 FROM nachricht FORCE INDEX (ix_nachricht_gruppe) "
			       "WHERE org_id = ? AND gruppe = ? AND ordner = ? LIMIT 101) x",
			 DBARGS(DI(r->me->org_id), DI(box), DS(ordner)));
	if (!cnt) {
		db_fail(r);
		return;
	}
	long long total = db_int(cnt, 0, 0);
	long long pages = total ? (total + size - 1) / size : 1;
	if (page > pages && total < COUNT_CAP)
		page = pages;
	db_res *rows = box == BOX_PERSONAL ?
		db_query(r->a,
			 "SELECT n.id, DATE_FORMAT(n.erstellt, '%d.%m.%Y %H:%i'), n.absender, n.betreff, n.anhaenge, "
			 "g.konto_id IS NOT NULL, COALESCE(CONCAT(f.vorname, ' ', f.name), '') "
			 "FROM nachricht n LEFT JOIN nachricht_gelesen g ON g.nachricht_id = n.id AND g.konto_id = ? "
			 "LEFT JOIN account f ON f.id = n.zuerst_gelesen_von "
			 "WHERE n.konto_id = ? AND n.ordner = ? ORDER BY n.id DESC LIMIT ? OFFSET ?",
			 DBARGS(DI(r->me->id), DI(r->me->id), DS(ordner), DI(size), DI((page - 1) * size))) :
		db_query(r->a,
			 "SELECT n.id, DATE_FORMAT(n.erstellt, '%d.%m.%Y %H:%i'), n.absender, n.betreff, n.anhaenge, "
			 "g.konto_id IS NOT NULL, COALESCE(CONCAT(f.vorname, ' ', f.name), '') "
			 "FROM nachricht n FORCE INDEX (ix_nachricht_gruppe) "
			 "LEFT JOIN nachricht_gelesen g ON g.nachricht_id = n.id AND g.konto_id = ? "
			 "LEFT JOIN account f ON f.id = n.zuerst_gelesen_von "
			 "WHERE n.org_id = ? AND n.gruppe = ? AND n.ordner = ? "
			 "ORDER BY n.id DESC LIMIT ? OFFSET ?",
			 DBARGS(DI(r->me->id), DI(r->me->org_id), DI(box), DS(ordner), DI(size), DI((page - 1) * size)));
	if (!rows) {
		db_fail(r);
		return;
	}
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddStringToObject(o, "postfach", box_slug(box));
		cJSON_AddStringToObject(o, "ordner", sent ? "Gesendet" : "Posteingang");
		cJSON *arr = cJSON_AddArrayToObject(o, "nachrichten");
		for (size_t i = 0; i < rows->nrows; i++) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddNumberToObject(m, "id", (double)db_int(rows, i, 0));
			cJSON_AddStringToObject(m, "datum", db_str(rows, i, 1));
			cJSON_AddStringToObject(m, "absender", db_str(rows, i, 2));
			cJSON_AddStringToObject(m, "betreff", db_str(rows, i, 3));
			cJSON_AddNumberToObject(m, "anhaenge", (double)db_int(rows, i, 4));
			cJSON_AddBoolToObject(m, "gelesen", sent || db_int(rows, i, 5) == 1);
			if (*db_str(rows, i, 6))
				cJSON_AddStringToObject(m, "zuerst_geoeffnet_von", db_str(rows, i, 6));
			cJSON_AddItemToArray(arr, m);
		}
		cJSON_AddNumberToObject(o, "gesamt", (double)total);
		cJSON_AddBoolToObject(o, "gesamt_gekappt", total >= COUNT_CAP);
		cJSON_AddNumberToObject(o, "seite", (double)page);
		cJSON_AddNumberToObject(o, "pro_seite", (double)size);
		json_send(r, 200);
		return;
	}
	sbuf b = page_buf(r);
	h_printf(&b, "<div class=\"card\"><div class=\"title-row\"><h1>%s</h1>"
		     "<a class=\"btn\" href=\"/postfach/%s/neu\">Neue Nachricht</a></div>",
		 box_title(r, box), box_slug(box));
	if (str_eq(form_get(r, "ok"), "gesendet"))
		alert_box(&b, "success", "Ihre Nachricht wurde an die Kasse gesendet.");
	h_printf(&b, "<nav class=\"tabs\" aria-label=\"Ordner\"><ul><li><a href=\"/postfach/%s\"", box_slug(box));
	if (!sent)
		h_raw(&b, " aria-current=\"page\"");
	h_printf(&b, ">Posteingang</a></li><li><a href=\"/postfach/%s?ordner=gesendet\"", box_slug(box));
	if (sent)
		h_raw(&b, " aria-current=\"page\"");
	h_raw(&b, ">Gesendet</a></li></ul></nav>");
	h_raw(&b, "<div class=\"table-wrap\" role=\"region\" aria-label=\"Nachrichten\" tabindex=\"0\"><table class=\"list\">"
		  "<thead><tr><th scope=\"col\">Datum (UTC)</th><th scope=\"col\">Absender</th><th scope=\"col\">Betreff</th>"
		  "<th scope=\"col\">Anhang</th>");
	if (box != BOX_PERSONAL && !sent)
		h_raw(&b, "<th scope=\"col\">Zuerst geöffnet von</th>");
	h_raw(&b, "</tr></thead><tbody>");
	for (size_t i = 0; i < rows->nrows; i++) {
		bool unread = !sent && db_int(rows, i, 5) != 1;
		if (unread)
			h_raw(&b, "<tr class=\"unread\">");
		else
			h_raw(&b, "<tr>");
		h_printf(&b, "<td>%s</td><td>%s</td><td><a href=\"/nachricht/%lld\">%s%s</a></td><td>%s</td>",
			 db_str(rows, i, 1), db_str(rows, i, 2), db_int(rows, i, 0), db_str(rows, i, 3),
			 unread ? " (ungelesen)" : "", db_int(rows, i, 4) ? arena_printf(r->a, "%lld %s", db_int(rows, i, 4), db_int(rows, i, 4) == 1 ? "Dokument" : "Dokumente") : "");
		if (box != BOX_PERSONAL && !sent)
			h_printf(&b, "<td>%s</td>", db_str(rows, i, 6));
		h_raw(&b, "</tr>");
	}
	if (!rows->nrows)
		h_raw(&b, "<tr><td colspan=\"5\">Keine Nachrichten.</td></tr>");
	h_raw(&b, "</tbody></table></div><div class=\"pager\">");
	long long first = total ? (page - 1) * size + 1 : 0, last = first ? first + (long long)rows->nrows - 1 : 0;
	h_printf(&b, "<p>%lld - %lld von ", first, last);
	count_text(&b, total);
	h_raw(&b, "</p>");
	h_printf(&b, "<form method=\"get\" action=\"/postfach/%s\"><input type=\"hidden\" name=\"ordner\" value=\"%s\">"
		     "<label for=\"pro-seite\">Elemente pro Seite:</label> <select id=\"pro-seite\" name=\"pro_seite\">",
		 box_slug(box), ordner);
	static const long sizes[] = {10, 20, 50, 100};
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		h_printf(&b, "<option value=\"%ld\"", sizes[i]);
		if (sizes[i] == size)
			h_raw(&b, " selected");
		h_printf(&b, ">%ld</option>", sizes[i]);
	}
	h_raw(&b, "</select> <button type=\"submit\" class=\"btn secondary\">Anzeigen</button></form><nav aria-label=\"Seiten\"><ul>");
	if (page > 1) {
		h_printf(&b, "<li><a href=\"/postfach/%s?ordner=%s&amp;pro_seite=%lld\" aria-label=\"Erste Seite\">|&lt;</a></li>",
			 box_slug(box), ordner, size);
		h_printf(&b, "<li><a href=\"/postfach/%s?ordner=%s&amp;seite=%lld&amp;pro_seite=%lld\" "
			     "aria-label=\"Vorherige Seite\">&lt;</a></li>",
			 box_slug(box), ordner, page - 1, size);
	}
	if ((long long)rows->nrows == size && (page < pages || total >= COUNT_CAP))
		h_printf(&b, "<li><a href=\"/postfach/%s?ordner=%s&amp;seite=%lld&amp;pro_seite=%lld\" "
			     "aria-label=\"Nächste Seite\">&gt;</a></li>",
			 box_slug(box), ordner, page + 1, size);
	if (page < pages && total < COUNT_CAP)
		h_printf(&b, "<li><a href=\"/postfach/%s?ordner=%s&amp;seite=%lld&amp;pro_seite=%lld\" "
			     "aria-label=\"Letzte Seite\">&gt;|</a></li>",
			 box_slug(box), ordner, pages, size);
	h_raw(&b, "</ul></nav></div><p><a href=\"/postfach\">Alle Postfächer</a></p></div>");
	page_send(r, 200, box_title(r, box), &b);
}

/* ---------- one message ---------- */

/* A message the user may see: in their personal mailbox or in a group mailbox of their
 * organisation they are assigned to. NULL if not (404 for everything else). */
static db_res *message_load(req *r, long long id, unsigned groups)
{
	db_res *m = db_query(r->a,
			     "SELECT n.id, n.gruppe, n.konto_id, n.ordner, n.absender, n.betreff, n.text, "
			     "DATE_FORMAT(n.erstellt, '%d.%m.%Y %H:%i'), n.org_id, "
			     "COALESCE(CONCAT(f.vorname, ' ', f.name, ' am ', DATE_FORMAT(n.zuerst_gelesen_am, '%d.%m.%Y %H:%i')), '') "
			     "FROM nachricht n LEFT JOIN account f ON f.id = n.zuerst_gelesen_von WHERE n.id = ?",
			     DBARGS(DI(id)));
	if (!m || m->nrows != 1)
		return m ? NULL : (db_res *)-1;
	if (db_int(m, 0, 8) != r->me->org_id)
		return NULL;
	if (db_str(m, 0, 2))
		return db_int(m, 0, 2) == r->me->id ? m : NULL;
	long long g = db_int(m, 0, 1);
	return g >= 0 && g < GRUPPE__MAX && (groups & (1u << g)) ? m : NULL;
}

static int box_of(const db_res *m)
{
	return db_str(m, 0, 2) ? BOX_PERSONAL : (int)db_int(m, 0, 1);
}

void message_show(req *r)
{
	unsigned groups;
	long long id;
	if (my_groups(r, &groups) != 0) {
		db_fail(r);
		return;
	}
	if (parse_int(r->path_arg, 1, 1LL << 62, &id) != 0) {
		page_error(r, 404, "Diese Nachricht gibt es nicht.");
		return;
	}
	db_res *m = message_load(r, id, groups);
	if (m == (db_res *)-1) {
		db_fail(r);
		return;
	}
	if (!m) {
		page_error(r, 404, "Diese Nachricht gibt es nicht.");
		return;
	}
	int box = box_of(m);
	bool incoming = strcmp(db_str(m, 0, 3), "eingang") == 0;
	if (incoming) {
		/* read state per user; the first colleague who opens a group message is remembered */
		if (db_exec("INSERT IGNORE INTO nachricht_gelesen (konto_id, nachricht_id, gelesen_am) VALUES (?, ?, NOW())",
			    DBARGS(DI(r->me->id), DI(id)), NULL, NULL) != 0 ||
		    (box != BOX_PERSONAL &&
		     db_exec("UPDATE nachricht SET zuerst_gelesen_von = ?, zuerst_gelesen_am = NOW() "
			     "WHERE id = ? AND zuerst_gelesen_von IS NULL",
			     DBARGS(DI(r->me->id), DI(id)), NULL, NULL) != 0)) {
			db_fail(r);
			return;
		}
	}
	db_res *att = db_query(r->a, "SELECT id, dateiname, typ, groesse FROM anhang WHERE nachricht_id = ? ORDER BY id",
			       DBARGS(DI(id)));
	if (!att) {
		db_fail(r);
		return;
	}
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddNumberToObject(o, "id", (double)id);
		cJSON_AddStringToObject(o, "postfach", box_slug(box));
		cJSON_AddStringToObject(o, "ordner", incoming ? "Posteingang" : "Gesendet");
		cJSON_AddStringToObject(o, "absender", db_str(m, 0, 4));
		cJSON_AddStringToObject(o, "betreff", db_str(m, 0, 5));
		cJSON_AddStringToObject(o, "text", db_str(m, 0, 6));
		cJSON_AddStringToObject(o, "datum", db_str(m, 0, 7));
		cJSON *arr = cJSON_AddArrayToObject(o, "anhaenge");
		for (size_t i = 0; i < att->nrows; i++) {
			cJSON *a = cJSON_CreateObject();
			cJSON_AddNumberToObject(a, "id", (double)db_int(att, i, 0));
			cJSON_AddStringToObject(a, "dateiname", db_str(att, i, 1));
			cJSON_AddStringToObject(a, "typ", db_str(att, i, 2));
			cJSON_AddNumberToObject(a, "groesse", (double)db_int(att, i, 3));
			cJSON_AddItemToArray(arr, a);
		}
		json_send(r, 200);
		return;
	}
	const char *betreff = db_str(m, 0, 5) ? db_str(m, 0, 5) : "";
	sbuf b = page_buf(r);
	h_printf(&b, "<div class=\"card\"><h1>%s</h1><dl class=\"data\"><dt>Postfach</dt><dd>%s – %s</dd>"
		     "<dt>Absender</dt><dd>%s</dd><dt>Datum (UTC)</dt><dd>%s</dd>",
		 betreff, box_title(r, box), incoming ? "Posteingang" : "Gesendet", db_str(m, 0, 4), db_str(m, 0, 7));
	if (box != BOX_PERSONAL && incoming && *db_str(m, 0, 9))
		h_printf(&b, "<dt>Zuerst geöffnet von</dt><dd>%s</dd>", db_str(m, 0, 9));
	h_printf(&b, "</dl><div class=\"message-text\">%s</div>", db_str(m, 0, 6));
	if (att->nrows) {
		h_raw(&b, "<h2>Anhänge</h2><ul class=\"attachments\">");
		for (size_t i = 0; i < att->nrows; i++)
			h_printf(&b, "<li><a href=\"/anhang/%lld\" download>%s</a> (%s, %lld KB)</li>", db_int(att, i, 0),
				 db_str(att, i, 1), strcmp(db_str(att, i, 2), "application/pdf") == 0 ? "PDF" :
						    strcmp(db_str(att, i, 2), "image/png") == 0 ? "PNG" : "JPEG",
				 (db_int(att, i, 3) + 1023) / 1024);
		h_raw(&b, "</ul>");
	}
	h_raw(&b, "<div class=\"actions left\">");
	if (incoming)
		h_printf(&b, "<a class=\"btn\" href=\"/postfach/%s/neu?antwort=%lld\">Antworten</a>", box_slug(box), id);
	h_printf(&b, "<a class=\"btn secondary\" href=\"/postfach/%s%s\">Zurück</a></div></div>", box_slug(box),
		 incoming ? "" : "?ordner=gesendet");
	page_send(r, 200, betreff, &b);
}

/* RFC 6266: an ASCII fallback and the UTF-8 name */
static char *disposition(req *r, const char *name)
{
	sbuf b = page_buf(r);
	sbuf_adds(&b, "attachment; filename=\"");
	static const struct {
		const char *utf8, *ascii;
	} translit[] = {{"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"Ä", "Ae"}, {"Ö", "Oe"}, {"Ü", "Ue"}, {"ß", "ss"}};
	for (const char *p = name; *p;) {
		unsigned char c = (unsigned char)*p;
		size_t k = 0;
		while (k < ARRAY_LEN(translit) && !str_starts(p, translit[k].utf8))
			k++;
		if (k < ARRAY_LEN(translit)) {
			sbuf_adds(&b, translit[k].ascii);
			p += strlen(translit[k].utf8);
			continue;
		}
		if (c >= 0x80) { /* one "_" per other non-ASCII character */
			p++;
			while ((*p & 0xC0) == 0x80)
				p++;
			sbuf_addc(&b, '_');
			continue;
		}
		sbuf_addc(&b, c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? (char)c : '_');
		p++;
	}
	sbuf_adds(&b, "\"; filename*=UTF-8''");
	url_encode(&b, name);
	char *s = arena_strdup(r->a, b.data);
	return s;
}

void attachment_download(req *r)
{
	unsigned groups;
	long long id;
	if (my_groups(r, &groups) != 0) {
		db_fail(r);
		return;
	}
	if (parse_int(r->path_arg, 1, 1LL << 62, &id) != 0) {
		page_error(r, 404, "Dieses Dokument gibt es nicht.");
		return;
	}
	db_res *a = db_query(r->a, "SELECT nachricht_id, dateiname, typ, daten FROM anhang WHERE id = ?", DBARGS(DI(id)));
	if (!a) {
		db_fail(r);
		return;
	}
	db_res *m = a->nrows == 1 ? message_load(r, db_int(a, 0, 0), groups) : NULL;
	if (m == (db_res *)-1) {
		db_fail(r);
		return;
	}
	if (!m) {
		page_error(r, 404, "Dieses Dokument gibt es nicht.");
		return;
	}
	const db_cell *data = db_get(a, 0, 3);
	sbuf_reset(&r->body);
	sbuf_add(&r->body, data->s, data->len);
	resp_header(r, "Content-Disposition", disposition(r, db_str(a, 0, 1)));
	r->ctype = db_str(a, 0, 2); /* one of three types checked by content at upload */
	r->status = 200;
	r->responded = true;
}

/* ---------- new message and reply ---------- */

static int compose_box;
static db_res *compose_reply;

static void compose_render(req *r)
{
	int box = compose_box;
	const char *betreff = form_get(r, "betreff");
	if (!betreff && compose_reply) {
		const char *orig = db_str(compose_reply, 0, 5);
		betreff = str_starts(orig, "AW: ") ? orig : arena_printf(r->a, "AW: %s", orig);
	}
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddStringToObject(o, "titel", "Neue Nachricht");
		cJSON_AddStringToObject(o, "postfach", box_slug(box));
		cJSON_AddNumberToObject(o, "max_dokumente", (double)cfg.upload_max_files);
		cJSON_AddNumberToObject(o, "max_bytes_je_dokument", (double)cfg.upload_max_bytes);
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b = page_buf(r);
	h_printf(&b, "<div class=\"card\"><h1>%s</h1><p class=\"lead\">Nachricht an die Kasse aus dem Postfach „%s“.</p>"
		     "<p class=\"required-note\">Mit * gekennzeichnete Felder sind Pflichtfelder</p>",
		 compose_reply ? "Antworten" : "Neue Nachricht", box_title(r, box));
	form_open(r, &b, arena_printf(r->a, "/postfach/%s/neu", box_slug(box)), true);
	if (compose_reply)
		h_printf(&b, "<input type=\"hidden\" name=\"antwort\" value=\"%lld\">", db_int(compose_reply, 0, 0));
	form_input(r, &b, "betreff", "Betreff", "text", betreff, "off", true);
	const char *terr = form_error_for(r, "nachricht");
	h_printf(&b, "<div class=\"field%s\"><label for=\"f-nachricht\">Nachricht*</label><textarea id=\"f-nachricht\" "
		     "name=\"nachricht\" rows=\"10\" required aria-required=\"true\"",
		 terr ? " has-error" : "");
	if (terr)
		h_raw(&b, " aria-invalid=\"true\" aria-describedby=\"f-nachricht-fehler\"");
	h_printf(&b, ">%s</textarea>", form_get_raw(r, "nachricht") ? form_get_raw(r, "nachricht") : "");
	if (terr)
		h_printf(&b, "<p class=\"error\" id=\"f-nachricht-fehler\">%s</p>", terr);
	h_raw(&b, "</div>");
	const char *aerr = form_error_for(r, "anhang");
	h_printf(&b, "<div class=\"field%s\"><label for=\"f-anhang\">Dokumente (PDF, PNG, JPEG)</label>"
		     "<input id=\"f-anhang\" name=\"anhang\" type=\"file\" multiple accept=\".pdf,.png,.jpg,.jpeg,"
		     "application/pdf,image/png,image/jpeg\" aria-describedby=\"f-anhang-hinweis%s\">"
		     "<p class=\"hint\" id=\"f-anhang-hinweis\">Höchstens %ld Dokumente, je Dokument höchstens %ld MiB.</p>",
		 aerr ? " has-error" : "", aerr ? " f-anhang-fehler" : "", cfg.upload_max_files, cfg.upload_max_bytes / 1048576);
	if (aerr)
		h_printf(&b, "<p class=\"error\" id=\"f-anhang-fehler\">%s</p>", aerr);
	h_printf(&b, "</div><div class=\"actions\"><a class=\"btn secondary\" href=\"/postfach/%s\">Abbrechen</a>"
		     "<button type=\"submit\" class=\"btn\">Senden</button></div>",
		 box_slug(box));
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, "Neue Nachricht", &b);
}

/* Box from the URL and the message answered (?antwort= / field antwort); 0 ok, else answered. */
static int compose_setup(req *r, unsigned *groups)
{
	compose_reply = NULL;
	if (my_groups(r, groups) != 0) {
		db_fail(r);
		return -1;
	}
	compose_box = box_parse(r, r->path_arg, *groups);
	if (compose_box == -2) {
		page_error(r, 404, "Dieses Postfach gibt es nicht oder Sie haben keinen Zugriff darauf.");
		return -1;
	}
	const char *ant = form_get(r, "antwort");
	long long aid;
	if (ant && *ant) {
		db_res *m = parse_int(ant, 1, 1LL << 62, &aid) == 0 ? message_load(r, aid, *groups) : NULL;
		if (m == (db_res *)-1) {
			db_fail(r);
			return -1;
		}
		if (!m || box_of(m) != compose_box) {
			page_error(r, 404, "Diese Nachricht gibt es nicht.");
			return -1;
		}
		compose_reply = m;
	}
	return 0;
}

void mailbox_new_get(req *r)
{
	unsigned groups;
	if (compose_setup(r, &groups) == 0)
		compose_render(r);
}

void mailbox_new_post(req *r)
{
	unsigned groups;
	if (compose_setup(r, &groups) != 0)
		return;
	const char *betreff = form_get(r, "betreff");
	const char *text = form_get_raw(r, "nachricht");
	if (!valid_text(betreff, 255))
		form_error(r, "betreff", betreff && *betreff ? "Der Betreff darf höchstens 255 Zeichen lang sein."
							     : "Bitte geben Sie einen Betreff ein.");
	if (!text || !*str_trim(arena_strdup(r->a, text)))
		form_error(r, "nachricht", "Bitte geben Sie eine Nachricht ein.");
	else if (utf8_count(text, strlen(text)) > 20000)
		form_error(r, "nachricht", "Die Nachricht darf höchstens 20.000 Zeichen lang sein.");
	size_t total = 0;
	for (size_t i = 0; i < r->uploads.n; i++) {
		const upload *u = &r->uploads.items[i];
		total += u->len;
		const char *why = upload_check(r->a, u);
		if (why && (long long)u->len > cfg.upload_max_bytes) {
			page_error(r, 413, why); /* nothing of the message is stored */
			return;
		}
		if (why)
			form_error(r, "anhang", why);
	}
	if ((long long)total > cfg.upload_max_total_bytes) {
		page_error(r, 413, "Die Dokumente sind zusammen zu groß.");
		return;
	}
	if (r->nerrors) {
		form_errors_send(r, 422, compose_render);
		return;
	}
	long long id;
	struct message_new m = {
		.org_id = r->me->org_id, .gruppe = compose_box == BOX_PERSONAL ? -1 : compose_box,
		.konto_id = compose_box == BOX_PERSONAL ? r->me->id : 0, .ordner = "gesendet",
		.absender = arena_printf(r->a, "%s %s", r->me->vorname, r->me->name), .absender_konto_id = r->me->id,
		.betreff = betreff, .text = text, .antwort_auf = compose_reply ? db_int(compose_reply, 0, 0) : 0,
		.files = r->uploads.items, .nfiles = r->uploads.n};
	if (message_store_tx(r->a, &m, &id) != 0) {
		db_fail(r);
		return;
	}
	log_event("message_sent", r->me->kennung, box_slug(compose_box), arena_printf(r->a, "id=%lld", id));
	if (r->want_json)
		cJSON_AddNumberToObject(json_obj(r), "id", (double)id);
	redirect(r, arena_printf(r->a, "/postfach/%s?ordner=gesendet&ok=gesendet", box_slug(compose_box)));
}
