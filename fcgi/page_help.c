/* page_help.c — handbook §7 and SPEC §5, §9: the FAQ from the database, the header search over
 * it (MariaDB full-text index, with a LIKE fallback for short or partial words), and the
 * "Feedback" and "Support" forms, stored and forwarded by mail through the outbox. */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "form.h"
#include "layout.h"
#include "response.h"
#include "session.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include <stdio.h>
#include <string.h>

/* ---------- FAQ ---------- */

void faq_page(req *r)
{
	db_res *f = db_query(r->a, "SELECT anker, abschnitt, frage, antwort FROM faq ORDER BY reihenfolge, id", DBNOARGS);
	if (!f) {
		db_fail(r);
		return;
	}
	if (r->want_json) {
		cJSON *arr = cJSON_AddArrayToObject(json_obj(r), "fragen");
		for (size_t i = 0; i < f->nrows; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "anker", db_str(f, i, 0));
			cJSON_AddStringToObject(o, "abschnitt", db_str(f, i, 1));
			cJSON_AddStringToObject(o, "frage", db_str(f, i, 2));
			cJSON_AddStringToObject(o, "antwort", db_str(f, i, 3));
			cJSON_AddItemToArray(arr, o);
		}
		json_send(r, 200);
		return;
	}
	sbuf b = page_buf(r);
	h_raw(&b, "<div class=\"card prose\"><h1>FAQ – Häufig gestellte Fragen</h1><p>Hier finden Sie Antworten auf "
		  "häufige Fragen zum Portal „Meine Versorgung“. Über das Suchfeld „Suchen...“ in der Kopfleiste können Sie "
		  "die Fragen durchsuchen.</p>");
	const char *section = "";
	for (size_t i = 0; i < f->nrows; i++) {
		if (strcmp(section, db_str(f, i, 1)) != 0) {
			section = db_str(f, i, 1);
			h_printf(&b, "<h2>%s</h2>", section);
		}
		h_printf(&b, "<h3 id=\"%s\">%s</h3><p>%s</p>", db_str(f, i, 0), db_str(f, i, 2), db_str(f, i, 3));
	}
	h_raw(&b, "</div>");
	page_send(r, 200, "FAQ – Häufig gestellte Fragen", &b);
}

/* Splits the query into at most 5 words of letters and digits (UTF-8 bytes count as letters). */
static size_t search_words(req *r, const char *q, char **words, size_t max)
{
	size_t n = 0;
	const char *p = q;
	while (*p && n < max) {
		while (*p && !((unsigned char)*p >= 0x80 || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z')))
			p++;
		const char *s = p;
		while ((unsigned char)*p >= 0x80 || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z'))
			p++;
		if (p > s)
			words[n++] = arena_strndup(r->a, s, (size_t)(p - s) > 40 ? 40 : (size_t)(p - s));
	}
	return n;
}

/* An excerpt of the answer around the first word found (ASCII case folded), about 160 bytes,
 * cut at blanks, never inside a UTF-8 character. */
static char *snippet(req *r, const char *text, char **words, size_t nwords)
{
	size_t len = strlen(text), at = 0;
	for (size_t w = 0; w < nwords && !at; w++) {
		const char *hit = strcasestr(text, words[w]);
		if (hit)
			at = (size_t)(hit - text);
	}
	size_t start = at > 60 ? at - 60 : 0, end = start + 160 < len ? start + 160 : len;
	while (start > 0 && text[start - 1] != ' ')
		start--;
	while (end < len && text[end] != ' ')
		end++;
	return arena_printf(r->a, "%s%.*s%s", start ? "… " : "", (int)(end - start), text + start, end < len ? " …" : "");
}

void search_page(req *r)
{
	const char *q = form_get(r, "q");
	if (!q)
		q = "";
	char *words[5];
	size_t n = search_words(r, q, words, ARRAY_LEN(words));
	db_res *hits = NULL;
	if (n) {
		/* full text first: every word as a prefix that must occur ("+wort*"); words under three
		 * letters are below InnoDB's token size and are left to the LIKE search below */
		sbuf bq = page_buf(r);
		for (size_t i = 0; i < n; i++)
			if (utf8_count(words[i], strlen(words[i])) >= 3)
				sbuf_printf(&bq, "%s+%s*", bq.len ? " " : "", words[i]);
		if (bq.len)
			hits = db_query(r->a,
					"SELECT anker, frage, antwort FROM faq WHERE MATCH (frage, antwort) AGAINST (? IN BOOLEAN MODE) "
					"ORDER BY MATCH (frage, antwort) AGAINST (? IN BOOLEAN MODE) DESC, reihenfolge LIMIT 20",
					DBARGS(DS(bq.data), DS(bq.data)));
		if (!hits || hits->nrows == 0) {
			/* every word somewhere in question or answer (collation: case and umlauts folded) */
			const char *lk[5];
			for (size_t i = 0; i < 5; i++)
				lk[i] = i < n ? sql_like_prefix(r->a, arena_printf(r->a, "%%%s", words[i])) : "";
			hits = db_query(r->a,
					"SELECT anker, frage, antwort FROM faq WHERE "
					"(? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) "
					"AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) "
					"AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) ORDER BY reihenfolge LIMIT 20",
					DBARGS(DS(lk[0]), DS(lk[0]), DS(lk[1]), DS(lk[1]), DS(lk[2]), DS(lk[2]), DS(lk[3]), DS(lk[3]),
					       DS(lk[4]), DS(lk[4])));
		}
		if (!hits) {
			db_fail(r);
			return;
		}
	}
	size_t nh = hits ? hits->nrows : 0;
	if (r->want_json) {
		cJSON *o = json_obj(r);
		cJSON_AddStringToObject(o, "q", q);
		cJSON *arr = cJSON_AddArrayToObject(o, "treffer");
		for (size_t i = 0; i < nh; i++) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "frage", db_str(hits, i, 1));
			cJSON_AddStringToObject(t, "auszug", snippet(r, db_str(hits, i, 2), words, n));
			cJSON_AddStringToObject(t, "link", arena_printf(r->a, "/faq#%s", db_str(hits, i, 0)));
			cJSON_AddItemToArray(arr, t);
		}
		json_send(r, 200);
		return;
	}
	sbuf b = page_buf(r);
	h_raw(&b, "<div class=\"card\"><h1>Suche</h1>"
		  "<form class=\"filter\" method=\"get\" action=\"/suche\" role=\"search\" aria-label=\"FAQ durchsuchen\">"
		  "<div class=\"field\"><label for=\"suche-seite\">Suchbegriffe</label>");
	h_printf(&b, "<input id=\"suche-seite\" type=\"search\" name=\"q\" value=\"%s\"></div>"
		     "<div class=\"actions left\"><button type=\"submit\" class=\"btn\">Suchen</button></div></form>",
		 q);
	if (!n)
		h_raw(&b, "<p>Bitte geben Sie einen oder mehrere Suchbegriffe ein, zum Beispiel „TAN“, „Passwort“ oder "
			  "„Postfach“.</p>");
	else if (!nh)
		h_printf(&b, "<p role=\"status\">Keine Treffer für „%s“. Versuchen Sie es mit anderen oder weniger Suchbegriffen, "
			     "zum Beispiel „TAN“, „Passwort“ oder „Postfach“, oder lesen Sie die <a href=\"/faq\">FAQ</a>.</p>",
			 q);
	else {
		h_printf(&b, "<p role=\"status\">%zu %s für „%s“ in den häufig gestellten Fragen:</p><ol class=\"results\">", nh,
			 nh == 1 ? "Treffer" : "Treffer", q);
		for (size_t i = 0; i < nh; i++)
			h_printf(&b, "<li><a href=\"/faq#%s\">%s</a><p>%s</p></li>", db_str(hits, i, 0), db_str(hits, i, 1),
				 snippet(r, db_str(hits, i, 2), words, n));
		h_raw(&b, "</ol>");
	}
	h_raw(&b, "</div>");
	page_send(r, 200, "Suche", &b);
}

/* ---------- Feedback and Support ---------- */

static bool is_support(req *r)
{
	return str_starts(r->path, "/support");
}

static void contact_render(req *r)
{
	bool support = is_support(r);
	const char *title = support ? "Support" : "Feedback";
	const char *path = support ? "/support" : "/feedback";
	bool done = str_eq(form_get(r, "ok"), "1") && strcmp(r->method, "GET") == 0;
	if (r->want_json) {
		cJSON_AddStringToObject(json_obj(r), "titel", title);
		json_send(r, r->status ? r->status : 200);
		return;
	}
	sbuf b = page_buf(r);
	h_printf(&b, "<div class=\"card narrow\"><h1>%s</h1>", title);
	if (done) {
		alert_box(&b, "success", support ? "Vielen Dank. Ihre Anfrage wurde an den Support von Meine Versorgung "
						   "weitergeleitet. Wir melden uns so bald wie möglich bei Ihnen."
						 : "Vielen Dank für Ihr Feedback. Es wurde an das Team von Meine Versorgung "
						   "weitergeleitet.");
		h_raw(&b, "<p><a href=\"/\">Zur Startseite</a></p></div>");
		page_send(r, 200, title, &b);
		return;
	}
	if (support)
		h_raw(&b, "<p class=\"lead\">Benötigen Sie technische Unterstützung? Beschreiben Sie bitte Ihr Anliegen. "
			  "Geben Sie niemals Ihr Passwort oder eine TAN an.</p>");
	else
		h_raw(&b, "<p class=\"lead\">Wir freuen uns über Ihre Rückmeldung zum Portal „Meine Versorgung“.</p>");
	h_raw(&b, "<p class=\"required-note\">Mit * gekennzeichnete Felder sind Pflichtfelder</p>");
	form_open(r, &b, path, false);
	form_input(r, &b, "betreff", "Betreff", "text", form_get(r, "betreff"), "off", true);
	const char *err = form_error_for(r, "nachricht");
	h_printf(&b, "<div class=\"field%s\"><label for=\"f-nachricht\">Nachricht*</label><textarea id=\"f-nachricht\" "
		     "name=\"nachricht\" rows=\"8\" required aria-required=\"true\"",
		 err ? " has-error" : "");
	if (err)
		h_raw(&b, " aria-invalid=\"true\" aria-describedby=\"f-nachricht-fehler\"");
	h_printf(&b, ">%s</textarea>", form_get_raw(r, "nachricht") ? form_get_raw(r, "nachricht") : "");
	if (err)
		h_printf(&b, "<p class=\"error\" id=\"f-nachricht-fehler\">%s</p>", err);
	h_raw(&b, "</div>");
	if (support)
		form_input(r, &b, "rueckruf", "Rückrufnummer oder E-Mail-Adresse für Rückfragen", "text",
			   form_get(r, "rueckruf"), "email", !r->me);
	h_printf(&b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"%s\">Abbrechen</a>"
		     "<button type=\"submit\" class=\"btn\">Absenden</button></div>",
		 r->me ? "/" : "/anmelden");
	form_close(&b);
	h_raw(&b, "</div>");
	page_send(r, r->status ? r->status : 200, title, &b);
}

void contact_get(req *r)
{
	contact_render(r);
}

struct contact_ctx {
	req *r;
	const char *art, *betreff, *nachricht, *rueckruf;
	int limited;
};

static int contact_tx(void *p)
{
	struct contact_ctx *c = p;
	req *r = c->r;
	char bucket[96];
	snprintf(bucket, sizeof bucket, "rueckmeldung:%s", r->me ? r->me->kennung : r->remote ? r->remote : "");
	int ok = rate_hit(&r->who, bucket, 5, cfg.rate_window_s);
	if (ok < 0)
		return DB_TX_FAIL;
	if (!ok) {
		c->limited = 1;
		return 0;
	}
	unsigned long long id = 0;
	if (db_exec("INSERT INTO rueckmeldung (art, betreff, nachricht, rueckruf, konto_id, org_id, erstellt) "
		    "VALUES (?, ?, ?, ?, ?, ?, NOW())",
		    DBARGS(DS(c->art), DS(c->betreff), DS(c->nachricht), DSZ(c->rueckruf), r->me ? DI(r->me->id) : DNULL,
			   r->me && r->me->org_id ? DI(r->me->org_id) : DNULL),
		    NULL, &id) != 0)
		return DB_TX_FAIL;
	const char *from = r->me ? arena_printf(r->a, "%s %s (%s, %s)%s%s", r->me->vorname, r->me->name, r->me->kennung,
						r->me->email, r->me->org_line ? ", " : "", r->me->org_line ? r->me->org_line : "")
				 : "nicht angemeldet";
	tpl_slot slots[] = {{"art", strcmp(c->art, "support") == 0 ? "Support" : "Feedback"},
			    {"nummer", arena_printf(r->a, "%llu", id)},
			    {"absender", from},
			    {"rueckruf", c->rueckruf ? c->rueckruf : "-"},
			    {"betreff", c->betreff},
			    {"nachricht", c->nachricht}};
	return mail_queue(strcmp(c->art, "support") == 0 ? cfg.support_email : cfg.feedback_email, "rueckmeldung.txt",
			  slots, ARRAY_LEN(slots)) ? DB_TX_FAIL : 0;
}

void contact_post(req *r)
{
	bool support = is_support(r);
	struct contact_ctx c = {.r = r, .art = support ? "support" : "feedback", .betreff = form_get(r, "betreff"),
				.nachricht = form_get_raw(r, "nachricht"), .rueckruf = form_get(r, "rueckruf")};
	if (!valid_text(c.betreff, 200))
		form_error(r, "betreff", c.betreff && *c.betreff ? "Der Betreff darf höchstens 200 Zeichen lang sein."
								 : "Bitte geben Sie einen Betreff ein.");
	if (!c.nachricht || !*str_trim(arena_strdup(r->a, c.nachricht)))
		form_error(r, "nachricht", "Bitte geben Sie eine Nachricht ein.");
	else if (utf8_count(c.nachricht, strlen(c.nachricht)) > 5000)
		form_error(r, "nachricht", "Die Nachricht darf höchstens 5.000 Zeichen lang sein.");
	if (!support || (c.rueckruf && !*c.rueckruf))
		c.rueckruf = NULL; /* only support asks for a callback address */
	if (support && !r->me && !c.rueckruf)
		form_error(r, "rueckruf", "Bitte geben Sie eine Telefonnummer oder E-Mail-Adresse an, unter der wir Sie "
					  "erreichen können.");
	else if (c.rueckruf && !valid_text(c.rueckruf, 200))
		form_error(r, "rueckruf", "Die Angabe für Rückfragen darf höchstens 200 Zeichen lang sein.");
	if (r->nerrors) {
		form_errors_send(r, 422, contact_render);
		return;
	}
	if (db_tx(contact_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	if (c.limited) {
		page_error(r, 429, "Sie haben in kurzer Zeit bereits mehrere Nachrichten gesendet. Bitte versuchen Sie es später "
				   "erneut.");
		return;
	}
	log_event(support ? "support_request" : "feedback", r->me ? r->me->kennung : NULL, NULL, "");
	redirect(r, support ? "/support?ok=1" : "/feedback?ok=1");
}
