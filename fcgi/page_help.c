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
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SEARCH_WORDS 5     /* words of a query used */
#define SEARCH_WORD_MAX 40 /* bytes kept of each */

/* ---------- FAQ ---------- */

struct faq_entry {
	const char *anker, *abschnitt, *frage, *antwort;
};

struct faq_view {
	struct faq_entry *entries;
	size_t n;
};

static bool faq_load(req *r, struct faq_view *v)
{
	enum { COL_ANKER, COL_ABSCHNITT, COL_FRAGE, COL_ANTWORT };
	db_res *f = db_query(r->a, "SELECT anker, abschnitt, frage, antwort FROM faq ORDER BY reihenfolge, id", DBNOARGS);
	if (!f)
		return false;
	v->n = f->nrows;
	v->entries = arena_alloc(r->a, (f->nrows ? f->nrows : 1) * sizeof *v->entries);
	for (size_t i = 0; i < f->nrows; i++)
		v->entries[i] = (struct faq_entry){db_str(f, i, COL_ANKER), db_str(f, i, COL_ABSCHNITT),
						   db_str(f, i, COL_FRAGE), db_str(f, i, COL_ANTWORT)};
	return true;
}

static void faq_html(req *r, sbuf *b, const void *view)
{
	(void)r;
	const struct faq_view *v = view;
	h_raw(b, "<div class=\"card prose\"><h1>FAQ – Häufig gestellte Fragen</h1><p>Hier finden Sie Antworten auf "
		 "häufige Fragen zum Portal „Meine Versorgung“. Über das Suchfeld „Suchen...“ in der Kopfleiste können Sie "
		 "die Fragen durchsuchen.</p>");
	const char *section = "";
	for (size_t i = 0; i < v->n; i++) {
		const struct faq_entry *e = &v->entries[i];
		if (strcmp(section, e->abschnitt) != 0) {
			section = e->abschnitt;
			h_printf(b, "<h2>%s</h2>", section);
		}
		h_printf(b, "<h3 id=\"%s\">%s</h3><p>%s</p>", e->anker, e->frage, e->antwort);
	}
	h_raw(b, "</div>");
}

static void faq_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct faq_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "fragen");
	for (size_t i = 0; i < v->n; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "anker", v->entries[i].anker);
		cJSON_AddStringToObject(e, "abschnitt", v->entries[i].abschnitt);
		cJSON_AddStringToObject(e, "frage", v->entries[i].frage);
		cJSON_AddStringToObject(e, "antwort", v->entries[i].antwort);
		cJSON_AddItemToArray(arr, e);
	}
}

static const page_kind faq_page_kind = {"FAQ – Häufig gestellte Fragen", faq_html, faq_json, NULL};

void faq_page(req *r)
{
	struct faq_view *v = arena_alloc(r->a, sizeof *v);
	if (!faq_load(r, v)) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &faq_page_kind, v);
}

/* ---------- search ---------- */

struct search_query {
	const char *q;
};

static const form_field search_fields[] = {
	{"q", "Suchbegriffe", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, "off", offsetof(struct search_query, q)},
};

struct search_hit {
	const char *frage, *auszug, *link;
};

struct search_view {
	const char *q; /* as typed, "" if none */
	char *words[SEARCH_WORDS];
	size_t nwords;
	struct search_hit *hits;
	size_t nhits;
};

static bool is_word_byte(char c)
{
	return (unsigned char)c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* Splits the query into at most SEARCH_WORDS words of letters and digits (UTF-8 bytes count as
 * letters). */
static size_t search_words(req *r, const char *q, char **words, size_t max)
{
	size_t n = 0;
	const char *p = q;
	while (*p && n < max) {
		while (*p && !is_word_byte(*p))
			p++;
		const char *s = p;
		while (is_word_byte(*p))
			p++;
		if (p > s)
			words[n++] = arena_strndup(r->a, s, (size_t)(p - s) > SEARCH_WORD_MAX ? SEARCH_WORD_MAX : (size_t)(p - s));
	}
	return n;
}

/* An excerpt of the answer around the first word found (ASCII case folded), about 160 bytes,
 * cut at blanks, never inside a UTF-8 character. */
static char *snippet(req *r, const char *text, char *const *words, size_t nwords)
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

/* Full text: every word as a prefix that must occur ("+wort*"). Words under three letters are
 * below InnoDB's token size and are left to the LIKE search. NULL if no word is long enough or
 * on a database error (the LIKE search then answers). */
static db_res *faq_fulltext(req *r, char *const *words, size_t n)
{
	sbuf bq = sbuf_in(r->a);
	for (size_t i = 0; i < n; i++)
		if (utf8_count(words[i], strlen(words[i])) >= 3)
			sbuf_printf(&bq, "%s+%s*", bq.len ? " " : "", words[i]);
	if (!bq.len)
		return NULL;
	return db_query(r->a,
			"SELECT anker, frage, antwort FROM faq WHERE MATCH (frage, antwort) AGAINST (? IN BOOLEAN MODE) "
			"ORDER BY MATCH (frage, antwort) AGAINST (? IN BOOLEAN MODE) DESC, reihenfolge LIMIT 20",
			DBARGS(DS(bq.data), DS(bq.data)));
}

/* Every word somewhere in question or answer (collation: case and umlauts folded). */
static db_res *faq_like(req *r, char *const *words, size_t n)
{
	const char *lk[SEARCH_WORDS];
	for (size_t i = 0; i < SEARCH_WORDS; i++)
		lk[i] = i < n ? sql_like_prefix(r->a, arena_printf(r->a, "%%%s", words[i])) : "";
	return db_query(r->a,
			"SELECT anker, frage, antwort FROM faq WHERE "
			"(? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) "
			"AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) "
			"AND (? = '' OR CONCAT(frage, ' ', antwort) LIKE ?) ORDER BY reihenfolge LIMIT 20",
			DBARGS(DS(lk[0]), DS(lk[0]), DS(lk[1]), DS(lk[1]), DS(lk[2]), DS(lk[2]), DS(lk[3]), DS(lk[3]),
			       DS(lk[4]), DS(lk[4])));
}

/* The hits for the view's words (none without words). false on a database error. */
static bool search_load(req *r, struct search_view *v)
{
	enum { COL_ANKER, COL_FRAGE, COL_ANTWORT };
	if (!v->nwords)
		return true;
	db_res *hits = faq_fulltext(r, v->words, v->nwords);
	if (!hits || hits->nrows == 0)
		hits = faq_like(r, v->words, v->nwords);
	if (!hits)
		return false;
	v->nhits = hits->nrows;
	v->hits = arena_alloc(r->a, (hits->nrows ? hits->nrows : 1) * sizeof *v->hits);
	for (size_t i = 0; i < hits->nrows; i++)
		v->hits[i] = (struct search_hit){db_str(hits, i, COL_FRAGE),
						 snippet(r, db_str(hits, i, COL_ANTWORT), v->words, v->nwords),
						 url_printf(r->a, "/faq#%s", db_str(hits, i, COL_ANKER))};
	return true;
}

static void search_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct search_view *v = view;
	cJSON_AddStringToObject(o, "q", v->q);
	cJSON *arr = cJSON_AddArrayToObject(o, "treffer");
	for (size_t i = 0; i < v->nhits; i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "frage", v->hits[i].frage);
		cJSON_AddStringToObject(t, "auszug", v->hits[i].auszug);
		cJSON_AddStringToObject(t, "link", v->hits[i].link);
		cJSON_AddItemToArray(arr, t);
	}
}

static void search_html(req *r, sbuf *b, const void *view)
{
	(void)r;
	const struct search_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Suche</h1>"
		 "<form class=\"filter\" method=\"get\" action=\"/suche\" role=\"search\" aria-label=\"FAQ durchsuchen\">"
		 "<div class=\"field\"><label for=\"suche-seite\">Suchbegriffe</label>");
	h_printf(b, "<input id=\"suche-seite\" type=\"search\" name=\"q\" value=\"%s\"></div>"
		    "<div class=\"actions left\"><button type=\"submit\" class=\"btn\">Suchen</button></div></form>",
		 v->q);
	if (!v->nwords)
		h_raw(b, "<p>Bitte geben Sie einen oder mehrere Suchbegriffe ein, zum Beispiel „TAN“, „Passwort“ oder "
			 "„Postfach“.</p>");
	else if (!v->nhits)
		h_printf(b, "<p role=\"status\">Keine Treffer für „%s“. Versuchen Sie es mit anderen oder weniger Suchbegriffen, "
			    "zum Beispiel „TAN“, „Passwort“ oder „Postfach“, oder lesen Sie die <a href=\"/faq\">FAQ</a>.</p>",
			 v->q);
	else {
		h_printf(b, "<p role=\"status\">%zu Treffer für „%s“ in den häufig gestellten Fragen:</p><ol class=\"results\">",
			 v->nhits, v->q);
		for (size_t i = 0; i < v->nhits; i++)
			h_printf(b, "<li><a href=\"%s\">%s</a><p>%s</p></li>", v->hits[i].link, v->hits[i].frage,
				 v->hits[i].auszug);
		h_raw(b, "</ol>");
	}
	h_raw(b, "</div>");
}

static const page_kind search_page_kind = {"Suche", search_html, search_json, NULL};

void search_page(req *r)
{
	struct search_query in;
	form_read(r, search_fields, ARRAY_LEN(search_fields), &in); /* no checks: never an error */
	struct search_view *v = arena_alloc(r->a, sizeof *v);
	v->q = in.q ? in.q : "";
	v->nwords = search_words(r, v->q, v->words, SEARCH_WORDS);
	if (!search_load(r, v)) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &search_page_kind, v);
}

/* ---------- Feedback and Support ---------- */

struct contact_form {
	const char *betreff, *nachricht;
	const char *rueckruf; /* Support only; required when not logged in */
};

static const form_field contact_fields[] = {
	{"betreff", "Betreff", FT_TEXT, FF_REQUIRED | FF_KEEP, 200, check_line, "Bitte geben Sie einen Betreff ein.",
	 "Der Betreff darf höchstens 200 Zeichen lang sein.", "off", offsetof(struct contact_form, betreff)},
	{"nachricht", "Nachricht", FT_TEXTAREA, FF_REQUIRED | FF_RAW | FF_KEEP, 5000, NULL,
	 "Bitte geben Sie eine Nachricht ein.", "Die Nachricht darf höchstens 5.000 Zeichen lang sein.", NULL,
	 offsetof(struct contact_form, nachricht)},
	{"rueckruf", "Rückrufnummer oder E-Mail-Adresse für Rückfragen", FT_TEXT, FF_KEEP, 200, check_line,
	 "Bitte geben Sie eine Telefonnummer oder E-Mail-Adresse an, unter der wir Sie erreichen können.",
	 "Die Angabe für Rückfragen darf höchstens 200 Zeichen lang sein.", "email",
	 offsetof(struct contact_form, rueckruf)},
};
enum { F_BETREFF, F_NACHRICHT, F_RUECKRUF, FEEDBACK_FIELDS = F_RUECKRUF, SUPPORT_FIELDS };

struct contact_view {
	bool support;
	bool done; /* after sending: the thanks instead of the form */
	struct contact_form in;
};

static bool is_support(req *r)
{
	return str_starts(r->path, "/support");
}

static const char *contact_title(const void *view)
{
	return ((const struct contact_view *)view)->support ? "Support" : "Feedback";
}

static void contact_done_html(sbuf *b, bool support)
{
	alert_box(b, "success", support ? "Vielen Dank. Ihre Anfrage wurde an den Support von Meine Versorgung "
					  "weitergeleitet. Wir melden uns so bald wie möglich bei Ihnen."
					: "Vielen Dank für Ihr Feedback. Es wurde an das Team von Meine Versorgung "
					  "weitergeleitet.");
	h_raw(b, "<p><a href=\"/\">Zur Startseite</a></p></div>");
}

static void contact_html(req *r, sbuf *b, const void *view)
{
	const struct contact_view *v = view;
	h_printf(b, "<div class=\"card narrow\"><h1>%s</h1>", contact_title(v));
	if (v->done) {
		contact_done_html(b, v->support);
		return;
	}
	if (v->support)
		h_raw(b, "<p class=\"lead\">Benötigen Sie technische Unterstützung? Beschreiben Sie bitte Ihr Anliegen. "
			 "Geben Sie niemals Ihr Passwort oder eine TAN an.</p>");
	else
		h_raw(b, "<p class=\"lead\">Wir freuen uns über Ihre Rückmeldung zum Portal „Meine Versorgung“.</p>");
	required_note(b);
	form_open(r, b, v->support ? "/support" : "/feedback", false);
	form_fields(r, b, &contact_fields[F_BETREFF], 1, &v->in);
	form_textarea(r, b, &contact_fields[F_NACHRICHT], v->in.nachricht, 8);
	if (v->support) {
		const form_field *f = &contact_fields[F_RUECKRUF];
		form_input(r, b, f->name, f->label, "text", v->in.rueckruf, f->autocomplete, !r->me);
	}
	h_printf(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"%s\">Abbrechen</a>"
		    "<button type=\"submit\" class=\"btn\">Absenden</button></div>",
		 r->me ? "/" : "/anmelden");
	form_close(b);
	h_raw(b, "</div>");
}

static const page_kind contact_page = {"Feedback", contact_html, NULL, contact_title};

void contact_get(req *r)
{
	struct contact_view *v = arena_alloc(r->a, sizeof *v);
	v->support = is_support(r);
	v->done = str_eq(form_get(r, "ok"), "1") && strcmp(r->method, "GET") == 0;
	form_prefill(r, contact_fields, v->support ? SUPPORT_FIELDS : FEEDBACK_FIELDS, &v->in);
	page_render(r, 200, &contact_page, v);
}

struct contact_ctx {
	req *r;
	bool support;
	const struct contact_form *in;
	bool limited; /* refused: too many in the rate window */
};

/* Who sent it, for the mail to the team. */
static const char *contact_sender(req *r)
{
	if (!r->me)
		return "nicht angemeldet";
	return arena_printf(r->a, "%s %s (%s, %s)%s%s", r->me->vorname, r->me->name, r->me->kennung, r->me->email,
			    r->me->org_line ? ", " : "", r->me->org_line ? r->me->org_line : "");
}

static int contact_tx(void *p)
{
	struct contact_ctx *c = p;
	req *r = c->r;
	const struct contact_form *in = c->in;
	char bucket[96];
	snprintf(bucket, sizeof bucket, "rueckmeldung:%s", r->me ? r->me->kennung : r->remote ? r->remote : "");
	int allowed = rate_hit(bucket, 5, cfg.rate_window_s);
	if (allowed < 0)
		return DB_TX_FAIL;
	c->limited = !allowed;
	if (c->limited)
		return 0;
	unsigned long long id = 0;
	if (db_exec("INSERT INTO rueckmeldung (art, betreff, nachricht, rueckruf, konto_id, org_id, erstellt) "
		    "VALUES (?, ?, ?, ?, ?, ?, NOW())",
		    DBARGS(DS(c->support ? "support" : "feedback"), DS(in->betreff), DS(in->nachricht), DSZ(in->rueckruf),
			   r->me ? DI(r->me->id) : DNULL, r->me && r->me->org_id ? DI(r->me->org_id) : DNULL),
		    NULL, &id) != 0)
		return DB_TX_FAIL;
	tpl_slot slots[] = {{"art", c->support ? "Support" : "Feedback"},
			    {"nummer", arena_printf(r->a, "%llu", id)},
			    {"absender", contact_sender(r)},
			    {"rueckruf", in->rueckruf ? in->rueckruf : "-"},
			    {"betreff", in->betreff},
			    {"nachricht", in->nachricht}};
	return mail_queue(c->support ? cfg.support_email : cfg.feedback_email, "rueckmeldung.txt", slots,
			  ARRAY_LEN(slots)) ? DB_TX_FAIL : 0;
}

void contact_post(req *r)
{
	struct contact_view *v = arena_alloc(r->a, sizeof *v);
	v->support = is_support(r);
	form_read_text(r, contact_fields, v->support ? SUPPORT_FIELDS : FEEDBACK_FIELDS, &v->in);
	if (v->support && !r->me && !v->in.rueckruf)
		form_error(r, "rueckruf", contact_fields[F_RUECKRUF].missing);
	if (r->nerrors) {
		page_render(r, 422, &contact_page, v);
		return;
	}
	struct contact_ctx c = {.r = r, .support = v->support, .in = &v->in};
	if (db_tx(contact_tx, &c) != 0) {
		db_fail(r);
		return;
	}
	if (c.limited) {
		page_error(r, 429, "Sie haben in kurzer Zeit bereits mehrere Nachrichten gesendet. Bitte versuchen Sie es später "
				   "erneut.");
		return;
	}
	log_event(v->support ? "support_request" : "feedback", r->me ? r->me->kennung : NULL, NULL, "");
	redirect(r, v->support ? "/support?ok=1" : "/feedback?ok=1");
}
