/* page_help.c — handbook §7 and SPEC §5, §9: the FAQ from the database, the header search over
 * it (word forms matched: the stems of query and FAQ words, see text_stems), and the
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
#include <stdlib.h>
#include <string.h>

#define SEARCH_WORDS 5     /* words of a query used */
#define SEARCH_WORD_MAX 40 /* bytes kept of each */
#define SEARCH_HITS 20     /* hits shown */

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
	char *stems[SEARCH_WORDS]; /* the query's words as stems, each behind a blank (" abmeld") */
	size_t nwords;
	struct search_hit *hits;
	size_t nhits;
};

/* The stems of the query's first SEARCH_WORDS words (text_stems: folded, word forms removed), each
 * at most SEARCH_WORD_MAX bytes, each behind a blank. */
static size_t search_words(req *r, const char *q, char **stems, size_t max)
{
	char *all = text_stems(r->a, q);
	size_t n = 0;
	for (char *w = all; *w && n < max;) {
		size_t len = strcspn(w + 1, " ") + 1, keep = len > SEARCH_WORD_MAX ? SEARCH_WORD_MAX : len;
		while (keep < len && ((unsigned char)w[keep] & 0xC0) == 0x80)
			keep--; /* never inside a UTF-8 character */
		stems[n++] = arena_strndup(r->a, w, keep);
		w += len;
	}
	return n;
}

/* An excerpt of the answer around byte `at` (the first word found), about 160 bytes, cut at
 * blanks, never inside a UTF-8 character. */
static char *snippet(req *r, const char *text, size_t at)
{
	size_t len = strlen(text);
	size_t start = at > 60 ? at - 60 : 0, end = start + 160 < len ? start + 160 : len;
	while (start > 0 && text[start - 1] != ' ')
		start--;
	while (end < len && text[end] != ' ')
		end++;
	return arena_printf(r->a, "%s%.*s%s", start ? "… " : "", (int)(end - start), text + start, end < len ? " …" : "");
}

/* Where stem w (" abmeld") occurs in the stems of a text: at the start of one of its words, or
 * (anywhere) inside one ("kenn" in " nutzerkenn"); NULL if not. */
static const char *stem_find(const char *stems, const char *w, bool anywhere)
{
	return strstr(stems, anywhere ? w + 1 : w);
}

/* The byte offset in text of the word whose stem is at `hit` (its blank, or inside it) in its stems. */
static size_t word_offset(const char *text, const char *stems, const char *hit)
{
	size_t k = 0, pos = 0, start = 0;
	for (const char *p = stems; p <= hit; p++)
		k += *p == ' '; /* the blank before word k is the (k+1)th */
	for (size_t i = 0; i < k; i++)
		if (!text_word(text, &pos, &start))
			break;
	return start;
}

/* One FAQ entry against the query: 0 unless every word occurs; a word in the question counts 2,
 * in the answer 1. *at: where the first word found in the answer is (0 if none). */
static int faq_score(const struct search_view *v, const char *frage_stems, const char *antwort,
		     const char *antwort_stems, bool anywhere, size_t *at)
{
	int score = 0;
	const char *first = NULL;
	for (size_t w = 0; w < v->nwords; w++) {
		const char *f = stem_find(frage_stems, v->stems[w], anywhere);
		const char *a = stem_find(antwort_stems, v->stems[w], anywhere);
		if (!f && !a)
			return 0;
		score += (f ? 2 : 0) + (a ? 1 : 0);
		if (a && (!first || a < first))
			first = a;
	}
	*at = first ? word_offset(antwort, antwort_stems, first) : 0;
	return score;
}

struct scored {
	size_t row, at;
	int score;
};

static int scored_cmp(const void *x, const void *y)
{
	const struct scored *a = x, *b = y;
	return a->score != b->score ? b->score - a->score : a->row < b->row ? -1 : a->row > b->row;
}

/* The entries every word of the query occurs in, best first: as a word's start (Abmelden →
 * abgemeldet, Postf → Postfach), else anywhere inside a word (kennung → Nutzerkennung). */
static size_t faq_rank(req *r, const struct search_view *v, const db_res *f, struct scored *out)
{
	enum { COL_ANKER, COL_FRAGE, COL_ANTWORT, COL_SUCH_FRAGE, COL_SUCH_ANTWORT };
	size_t n = 0;
	for (int anywhere = 0; anywhere < 2 && !n; anywhere++)
		for (size_t i = 0; i < f->nrows; i++) {
			const char *sf = db_str(f, i, COL_SUCH_FRAGE), *sa = db_str(f, i, COL_SUCH_ANTWORT);
			if (!sf || !sa) { /* not stemmed by `migrate` yet */
				sf = text_stems(r->a, db_str(f, i, COL_FRAGE));
				sa = text_stems(r->a, db_str(f, i, COL_ANTWORT));
			}
			size_t at;
			int score = faq_score(v, sf, db_str(f, i, COL_ANTWORT), sa, anywhere, &at);
			if (score)
				out[n++] = (struct scored){i, at, score};
		}
	qsort(out, n, sizeof *out, scored_cmp);
	return n < SEARCH_HITS ? n : SEARCH_HITS;
}

/* The hits for the view's words (none without words): the FAQ's entries with the stems of their
 * words (faq.such_frage, such_antwort), matched here. false on a database error. */
static bool search_load(req *r, struct search_view *v)
{
	enum { COL_ANKER, COL_FRAGE, COL_ANTWORT };
	if (!v->nwords)
		return true;
	db_res *f = db_query(r->a, "SELECT anker, frage, antwort, such_frage, such_antwort FROM faq ORDER BY reihenfolge, id",
			     DBNOARGS);
	if (!f)
		return false;
	struct scored *best = arena_alloc(r->a, (f->nrows + 1) * sizeof *best);
	v->nhits = faq_rank(r, v, f, best);
	v->hits = arena_alloc(r->a, (v->nhits + 1) * sizeof *v->hits);
	for (size_t i = 0; i < v->nhits; i++) {
		size_t row = best[i].row;
		v->hits[i] = (struct search_hit){db_str(f, row, COL_FRAGE), snippet(r, db_str(f, row, COL_ANTWORT), best[i].at),
						 url_printf(r->a, "/faq#%s", db_str(f, row, COL_ANKER))};
	}
	return true;
}

int faq_stems_fill(void)
{
	enum { COL_ID, COL_FRAGE, COL_ANTWORT };
	arena a;
	arena_init(&a);
	db_res *f = db_query(&a, "SELECT id, frage, antwort FROM faq", DBNOARGS);
	int rc = f ? 0 : -1;
	for (size_t i = 0; f && i < f->nrows && rc == 0; i++)
		rc = db_exec("UPDATE faq SET such_frage = ?, such_antwort = ? WHERE id = ?",
			     DBARGS(DS(text_stems(&a, db_str(f, i, COL_FRAGE))), DS(text_stems(&a, db_str(f, i, COL_ANTWORT))),
				    DI(db_int(f, i, COL_ID))),
			     NULL, NULL);
	arena_reset(&a);
	return rc;
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
	v->nwords = search_words(r, v->q, v->stems, SEARCH_WORDS);
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
