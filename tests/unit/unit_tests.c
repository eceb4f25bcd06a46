/* unit_tests.c — tests of the pure C parts: input parser, escaping writer, templates,
 * password policy, Nutzerkennung and TAN generation, tokens, config parsing, dates, the
 * ruhegehaltfähige Dienstzeit. */
#include "abrecord.h"
#include "config.h"
#include "dienstzeit.h"
#include "html.h"
#include "http.h"
#include "log.h"
#include "policy.h"
#include "router.h"
#include "secret.h"
#include "util.h"
#include <sodium.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static int passed, failed;

#define CHECK(cond)                                                                                    \
	do {                                                                                           \
		if (cond)                                                                              \
			passed++;                                                                      \
		else {                                                                                 \
			failed++;                                                                      \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                \
		}                                                                                      \
	} while (0)

static const http_limits lim = {200, 64, 16384};

static void test_urlencoded(void)
{
	arena a;
	arena_init(&a);
	param_list l = {0};
	CHECK(http_parse_urlencoded(&a, "a=1&b=h%C3%A4llo+welt&c=&d", 26, SRC_BODY, &lim, &l) == HTTP_OK);
	CHECK(l.n == 4);
	CHECK(strcmp(params_find(&l, "b", SRC__MAX)->value, "hällo welt") == 0);
	CHECK(strcmp(params_find(&l, "c", SRC__MAX)->value, "") == 0);
	CHECK(params_find(&l, "d", SRC__MAX)->len == 0);
	CHECK(params_find(&l, "x", SRC__MAX) == NULL);
	CHECK(params_find(&l, "a", SRC_COOKIE) == NULL);
	param_list l2 = {0};
	CHECK(http_parse_urlencoded(&a, "p=a%00b", 7, SRC_BODY, &lim, &l2) == HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_urlencoded(&a, "p=%FF%FE", 8, SRC_BODY, &lim, &l2) == HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_urlencoded(&a, "p=%4", 4, SRC_BODY, &lim, &l2) == HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_urlencoded(&a, "p=%zz", 5, SRC_BODY, &lim, &l2) == HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_urlencoded(&a, "p=%01", 5, SRC_BODY, &lim, &l2) == HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_urlencoded(&a, "a%3Cb=1", 7, SRC_BODY, &lim, &l2) == HTTP_ERR_BAD_NAME);
	param_list l3 = {0};
	CHECK(http_parse_urlencoded(&a, "t=line1%0D%0Aline2%09x", 22, SRC_BODY, &lim, &l3) == HTTP_OK);
	/* limits */
	http_limits small = {2, 8, 4};
	param_list l4 = {0};
	CHECK(http_parse_urlencoded(&a, "a=1&b=2&c=3", 11, SRC_BODY, &small, &l4) == HTTP_ERR_TOO_MANY);
	CHECK(http_parse_urlencoded(&a, "a=12345", 7, SRC_BODY, &small, &l4) == HTTP_ERR_TOO_LONG);
	CHECK(http_parse_urlencoded(&a, "abcdefghi=1", 11, SRC_BODY, &small, &l4) == HTTP_ERR_TOO_LONG);
	/* repeated fields are all kept, in order */
	param_list l5 = {0};
	CHECK(http_parse_urlencoded(&a, "gruppe=a&gruppe=b", 17, SRC_BODY, &lim, &l5) == HTTP_OK);
	CHECK(params_count(&l5, "gruppe", SRC__MAX) == 2);
	arena_reset(&a);
}

static void test_multipart(void)
{
	arena a;
	arena_init(&a);
	const char ct[] = "multipart/form-data; boundary=----XyZ";
	const char body[] = "------XyZ\r\nContent-Disposition: form-data; name=\"betreff\"\r\n\r\nHallo Welt\r\n"
			    "------XyZ\r\nContent-Disposition: form-data; name=\"anhang\"; filename=\"C:\\tmp\\..\\Bescheid.pdf\"\r\n"
			    "Content-Type: text/html\r\n\r\n%PDF-1.4 x\r\n"
			    "------XyZ\r\nContent-Disposition: form-data; name=\"anhang\"; filename=\"\"\r\n"
			    "Content-Type: application/octet-stream\r\n\r\n\r\n"
			    "------XyZ--\r\n";
	param_list l = {0};
	upload_list f = {0};
	CHECK(http_parse_multipart(&a, body, sizeof body - 1, ct, &lim, 10, &l, &f) == HTTP_OK);
	CHECK(l.n == 1 && strcmp(params_find(&l, "betreff", SRC__MAX)->value, "Hallo Welt") == 0);
	CHECK(f.n == 1); /* the empty "no file chosen" part is skipped */
	CHECK(f.n == 1 && strcmp(f.items[0].filename, "Bescheid.pdf") == 0 && f.items[0].len == 10);
	CHECK(f.n == 1 && strcmp(upload_sniff(f.items[0].data, f.items[0].len), "application/pdf") == 0);
	upload_list f2 = {0};
	param_list l2 = {0};
	CHECK(http_parse_multipart(&a, body, sizeof body - 1, ct, &lim, 0, &l2, &f2) == HTTP_ERR_TOO_MANY);
	CHECK(http_parse_multipart(&a, body, sizeof body - 1, "multipart/form-data", &lim, 10, &l2, &f2) ==
	      HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_multipart(&a, body, 40, ct, &lim, 10, &l2, &f2) == HTTP_ERR_BAD_ENCODING); /* cut off */
	CHECK(upload_sniff("\x89PNG\r\n\x1a\nxx", 10) && strcmp(upload_sniff("\x89PNG\r\n\x1a\nxx", 10), "image/png") == 0);
	CHECK(upload_sniff("\xFF\xD8\xFFxx", 5) && strcmp(upload_sniff("\xFF\xD8\xFFxx", 5), "image/jpeg") == 0);
	CHECK(upload_sniff("<html>%PDF-", 11) == NULL);
	CHECK(upload_sniff("<svg", 4) == NULL);
	CHECK(strcmp(upload_filename(&a, "../../etc/passwd", 16), "passwd") == 0);
	CHECK(strcmp(upload_filename(&a, "..", 2), "Dokument") == 0);
	CHECK(strcmp(upload_filename(&a, ".htaccess", 9), "htaccess") == 0);
	CHECK(strcmp(upload_filename(&a, "a\r\nb.pdf", 8), "ab.pdf") == 0);
	CHECK(strcmp(upload_filename(&a, "Übersicht März.pdf", strlen("Übersicht März.pdf")), "Übersicht März.pdf") == 0);
	arena_reset(&a);
}

/* Issue 11 item 2: the stored and offered name ends in the detected type's extension; controls and
 * Unicode format characters (bidirectional overrides, zero-width characters …) are removed. */
static void test_document_names(void)
{
	arena a;
	arena_init(&a);
	const char *pdf = "application/pdf", *png = "image/png", *jpg = "image/jpeg";
	CHECK(strcmp(document_name(&a, "Bescheid.pdf", pdf), "Bescheid.pdf") == 0);
	CHECK(strcmp(document_name(&a, "BESCHEID.PDF", pdf), "BESCHEID.PDF") == 0);
	CHECK(strcmp(document_name(&a, "Bescheid.pdf.html", pdf), "Bescheid.pdf.html.pdf") == 0);
	CHECK(strcmp(document_name(&a, "run.bat", pdf), "run.bat.pdf") == 0);
	CHECK(strcmp(document_name(&a, "Bescheid", pdf), "Bescheid.pdf") == 0);
	CHECK(strcmp(document_name(&a, "Bescheid.pdf.", pdf), "Bescheid.pdf") == 0);
	CHECK(strcmp(document_name(&a, "Bescheid.pdf . ", pdf), "Bescheid.pdf") == 0);
	/* U+202E RIGHT-TO-LEFT OVERRIDE: "Rechnung<U+202E>fdp.hta" reads "Rechnungath.pdf" */
	CHECK(strcmp(document_name(&a, "Rechnung\xE2\x80\xAE" "fdp.hta", pdf), "Rechnungfdp.hta.pdf") == 0);
	/* isolates, marks, zero-width characters, soft hyphen, BOM, Arabic letter mark, word joiner, tags */
	CHECK(strcmp(document_name(&a, "a\xE2\x81\xA6" "b\xE2\x81\xA9" "c\xE2\x80\x8F" "d\xE2\x80\x8B" "e\xC2\xAD"
					   "f\xEF\xBB\xBF" "g\xD8\x9C" "h\xE2\x81\xA0" "i\xF3\xA0\x80\x81" ".pdf", pdf),
		     "abcdefghi.pdf") == 0);
	/* controls: C0, DEL, C1 (U+0085, U+009B), line and paragraph separators */
	CHECK(strcmp(document_name(&a, "a\tb\x7F" "c\xC2\x85" "d\xC2\x9B" "e\xE2\x80\xA8" "f\xE2\x80\xA9.png", png),
		     "abcdef.png") == 0);
	CHECK(strcmp(document_name(&a, "\xE2\x80\x8B.htaccess", pdf), "htaccess.pdf") == 0);
	CHECK(strcmp(document_name(&a, "", pdf), "Dokument.pdf") == 0);
	CHECK(strcmp(document_name(&a, NULL, png), "Dokument.png") == 0);
	CHECK(strcmp(document_name(&a, "\xE2\x80\xAE", jpg), "Dokument.jpg") == 0);
	CHECK(strcmp(document_name(&a, "..", pdf), "Dokument.pdf") == 0);
	CHECK(strcmp(document_name(&a, "\xC3\x28.pdf", pdf), "Dokument.pdf") == 0); /* not UTF-8 */
	CHECK(strcmp(document_name(&a, "Foto.JPEG", jpg), "Foto.JPEG") == 0);
	CHECK(strcmp(document_name(&a, "Foto.jpg", jpg), "Foto.jpg") == 0);
	CHECK(strcmp(document_name(&a, "Foto.png", jpg), "Foto.png.jpg") == 0);
	CHECK(strcmp(document_name(&a, "Scan.pdf", png), "Scan.pdf.png") == 0);
	CHECK(strcmp(document_name(&a, ".pdf", pdf), "pdf.pdf") == 0);
	CHECK(strcmp(document_name(&a, "a/b\\c.pdf", pdf), "a_b_c.pdf") == 0);
	CHECK(strcmp(document_name(&a, "Übersicht März.pdf", pdf), "Übersicht März.pdf") == 0);
	CHECK(strcmp(document_name(&a, "Foto \"1\".jpg", jpg), "Foto 1.jpg") == 0);
	CHECK(strcmp(document_ext(pdf), ".pdf") == 0 && strcmp(document_ext(png), ".png") == 0 &&
	      strcmp(document_ext(jpg), ".jpg") == 0 && strcmp(document_ext("text/html"), "") == 0);
	/* the names of refused files in error messages lose the same characters */
	CHECK(strcmp(upload_filename(&a, "Rechnung\xE2\x80\xAE" "fdp.hta", 18), "Rechnungfdp.hta") == 0);
	CHECK(strcmp(upload_filename(&a, "x\xC2\x85y.pdf", 8), "xy.pdf") == 0);
	arena_reset(&a);
}

/* Folding for the filters: case, umlauts as digraphs, other Latin letters to their base letter. */
static void test_fold(void)
{
	arena a;
	arena_init(&a);
	static const char *const cases[][2] = {
		{"Müller", "mueller"}, {"MÜLLER", "mueller"}, {"Mueller", "mueller"}, {"Größe", "groesse"},
		{"ÄRGER", "aerger"}, {"Öl", "oel"}, {"Straße", "strasse"}, {"STRAẞE", "strasse"}, {"José", "jose"},
		{"Çelik Ñandú", "celik nandu"}, {"Łukasz Øre Åsa", "lukasz ore asa"}, {"Œuvre Æsop", "oeuvre aesop"},
		{"Ĳssel Şahin Dvořák", "ijssel sahin dvorak"}, {"S201-DEMO47950906", "s201-demo47950906"},
		{"5 × 3 ÷ 2", "5 × 3 ÷ 2"}, {"ΔΈΛΤΑ Жуков Ёлка", "δΈλτα жуков ёлка"}, {"„Zitat“", "„zitat“"}, {"", ""},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *got = str_fold(&a, cases[i][0]);
		if (strcmp(got, cases[i][1]) != 0)
			fprintf(stderr, "fold %s: %s\n", cases[i][0], got);
		CHECK(strcmp(got, cases[i][1]) == 0);
		CHECK(strlen(got) <= strlen(cases[i][0]));
	}
	CHECK(strcmp(str_fold(&a, NULL), "") == 0);
	char out[8];
	CHECK(text_fold("\xC3" "A", 2, out) == 2 && strcmp(out, "\xC3" "a") == 0); /* a stray byte is kept */
	CHECK(text_fold("ä", 1, out) == 1 && (unsigned char)out[0] == 0xC3);       /* a cut character too */
	/* the filter key: both foldings of umlauts when they differ */
	CHECK(strcmp(str_match_key(&a, "Müller"), "mueller\x1fmuller") == 0);
	CHECK(strcmp(str_match_key(&a, "Groß-Schäfer"), "gross-schaefer\x1fgross-schafer") == 0);
	CHECK(strcmp(str_match_key(&a, "Meier"), "meier") == 0);
	CHECK(strcmp(str_match_key(&a, "José Æsop"), "jose aesop") == 0);
	CHECK(strcmp(str_match_key(&a, NULL), "") == 0);
	/* trigrams: distinct, tagged, whole characters, none across the key's two forms */
	char g[8][TRIGRAM_BYTES];
	CHECK(text_trigrams("mueller\x1fmuller", 'n', g, 8) == 7); /* lle, ler once */
	CHECK(strcmp(g[0], "nmue") == 0 && strcmp(g[3], "nlle") == 0 && strcmp(g[4], "nler") == 0 &&
	      strcmp(g[5], "nmul") == 0 && strcmp(g[6], "null") == 0);
	CHECK(text_trigrams("aaaaa", 'v', g, 8) == 1 && strcmp(g[0], "vaaa") == 0);
	CHECK(text_trigrams("ab", 'v', g, 8) == 0 && text_trigrams("", 'v', g, 8) == 0);
	CHECK(text_trigrams("δέλτα", 'n', g, 8) == 3 && strcmp(g[1], "nέλτ") == 0);
	CHECK(text_trigrams("S201-ABCDEF", 'k', g, 2) == 2 && strcmp(g[1], "k201") == 0);
	CHECK(text_trigrams("S201-A201B", 'k', g, 8) == 7); /* S20 201 01- 1-A -A2 A20 01B: 201 once */
	CHECK(trigrams_drop(g, 7, "S201-", 'k') == 4 && strcmp(g[0], "k1-A") == 0 && strcmp(g[3], "k01B") == 0);
	arena_reset(&a);
}

/* Stemming for the FAQ search: word forms of one word share a stem (after folding). */
static void test_stem(void)
{
	arena a;
	arena_init(&a);
	static const char *const groups[][5] = {
		{"abmeld", "Abmelden", "abgemeldet", "Abmeldung", "abmeldet"},
		{"anmeld", "anmelden", "angemeldet", "Anmeldung", "Anmeldungen"},
		{"sperr", "gesperrt", "sperren", "Sperrung", "gesperrte"},
		{"passwor", "Passwort", "Passwörter", "Passworts", "PASSWORT"},
		{"postfach", "Postfach", "Postfächer", "Postfächern", "postfach"},
		{"gultig", "gültig", "Gültig", "gultig", "GÜLTIG"},
		{"anleg", "angelegt", "anlegen", "angelegte", "anlegt"},
		{"festleg", "festgelegt", "festlegen", "Festlegung", "festlegt"},
		{"and", "ändern", "geändert", "Änderung", "Änderungen"},
		{"vergess", "vergessen", "vergessen", "Vergessen", "VERGESSEN"},
		{"dokumen", "Dokument", "Dokumente", "Dokumenten", "Dokuments"},
		{"kolleg", "Kollege", "Kollegen", "Kolleginnen", "kollege"},
	};
	for (size_t i = 0; i < ARRAY_LEN(groups); i++)
		for (size_t k = 1; k < 5; k++) {
			char *w = str_fold(&a, groups[i][k]);
			size_t n = word_stem(w, strlen(w));
			if (strcmp(w, groups[i][0]) != 0)
				fprintf(stderr, "stem %s: %s\n", groups[i][k], w);
			CHECK(strcmp(w, groups[i][0]) == 0 && n == strlen(w));
		}
	/* words and their stems in a text: punctuation, quotes and dashes separate */
	CHECK(strcmp(text_stems(&a, "Sie werden „automatisch“ abgemeldet – Ihr Passwort (12 Zeichen)."),
		     " sie werd automatisch abmeld ihr passwor 12 zeich") == 0);
	CHECK(strcmp(text_stems(&a, "E-Mail: Straße×2"), " e mail strass 2") == 0);
	CHECK(strcmp(text_stems(&a, " … "), "") == 0 && strcmp(text_stems(&a, ""), "") == 0);
	size_t pos = 0, start = 0;
	CHECK(text_word("„Ab“", &pos, &start) == 2 && start == 3 && pos == 5);
	CHECK(text_word("„Ab“", &pos, &start) == 0);
	/* short words and stems stay: at least three letters */
	static const char *const kept[][2] = {{"tan", "tan"}, {"mib", "mib"}, {"ab", "ab"}, {"tage", "tag"},
					      {"postf", "postf"}, {"gelten", "gel"}, {"gebiet", "gebi"}, {"prozess", "prozess"},
					      {"angebot", "angebo"}, {"", ""}};
	for (size_t i = 0; i < ARRAY_LEN(kept); i++) {
		char *w = arena_strdup(&a, kept[i][0]);
		word_stem(w, strlen(w));
		if (strcmp(w, kept[i][1]) != 0)
			fprintf(stderr, "stem %s: %s\n", kept[i][0], w);
		CHECK(strcmp(w, kept[i][1]) == 0);
	}
	arena_reset(&a);
}

static void test_cookies(void)
{
	arena a;
	arena_init(&a);
	param_list l = {0};
	CHECK(http_parse_cookies(&a, "mv_sid=abc; mv_pre=def;other=1; bad name=2; x=\x01", &lim, &l) == HTTP_OK);
	CHECK(strcmp(params_find(&l, "mv_sid", SRC_COOKIE)->value, "abc") == 0);
	CHECK(strcmp(params_find(&l, "mv_pre", SRC_COOKIE)->value, "def") == 0);
	CHECK(strcmp(params_find(&l, "other", SRC_COOKIE)->value, "1") == 0);
	CHECK(params_find(&l, "x", SRC_COOKIE) == NULL);
	CHECK(params_find(&l, "mv_sid", SRC__MAX) == NULL); /* cookies are not form fields */
	arena_reset(&a);
}

struct mem_reader {
	const char *p;
	size_t n;
};

static int mem_read(void *ctx, char *buf, int n)
{
	struct mem_reader *m = ctx;
	size_t k = m->n < (size_t)n ? m->n : (size_t)n;
	memcpy(buf, m->p, k);
	m->p += k;
	m->n -= k;
	return (int)k;
}

static void test_request_params(void)
{
	arena a;
	arena_init(&a);
	char *env[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/suche?q=a+b&seite=2", "HTTP_COOKIE=mv_sid=abc",
		       "HTTP_ACCEPT=application/json", "HTTPS=on", "CONTENT_LENGTH=9",
		       "CONTENT_TYPE=application/x-www-form-urlencoded", "REQUEST_URI=/zweite", NULL};
	http_head h;
	param_list l = {0};
	CHECK(http_parse_head(&a, env, &lim, &h, &l) == HTTP_HEAD_OK);
	CHECK(strcmp(h.path, "/suche") == 0 && strcmp(h.query, "q=a+b&seite=2") == 0); /* first REQUEST_URI */
	CHECK(h.https && h.want_json && !h.is_head);
	CHECK(strcmp(params_find(&l, "q", SRC_QUERY)->value, "a b") == 0);
	CHECK(strcmp(params_find(&l, "mv_sid", SRC_COOKIE)->value, "abc") == 0);
	CHECK(http_env_get(env, "REQUEST") == NULL && http_env_get(env, "HTTPS")[0] == 'o');
	struct mem_reader m = {"csrf=x&q=yz", 11};
	char *body;
	size_t blen;
	CHECK(http_read_body(&a, h.content_length, 100, mem_read, &m, &body, &blen) == 0 && blen == 9);
	bool mp;
	enum http_parse_err e;
	CHECK(http_parse_body(&a, body, blen, h.content_type, false, &lim, 10, &l, NULL, &mp, &e) == 0);
	CHECK(http_repeated_field(&l, NULL, 0) && strcmp(http_repeated_field(&l, NULL, 0), "q") == 0);
	const char *rep[] = {"q"};
	CHECK(http_repeated_field(&l, rep, 1) == NULL);
	struct mem_reader m2 = {"abc", 3};
	CHECK(http_read_body(&a, "4", 100, mem_read, &m2, &body, &blen) == 400);
	CHECK(http_read_body(&a, "x", 100, mem_read, &m2, &body, &blen) == 400);
	CHECK(http_read_body(&a, "101", 100, mem_read, &m2, &body, &blen) == 413);
	struct mem_reader m3 = {"0123456789", 10};
	CHECK(http_read_body(&a, NULL, 9, mem_read, &m3, &body, &blen) == 413);
	CHECK(http_parse_body(&a, "a=1", 3, "text/plain", true, &lim, 10, &l, NULL, &mp, &e) == 415 && e == HTTP_OK);
	CHECK(http_parse_body(&a, "--b\r\n", 5, "multipart/form-data; boundary=b", false, &lim, 10, &l, NULL, &mp, &e) ==
	      415);
	CHECK(http_parse_body(&a, "a=%zz", 5, "application/x-www-form-urlencoded", false, &lim, 10, &l, NULL, &mp, &e) ==
		      400 &&
	      !mp && e == HTTP_ERR_BAD_ENCODING);
	param_list l2 = {0};
	char *bad[] = {"REQUEST_METHOD=GET", "REQUEST_URI=suche", NULL};
	CHECK(http_parse_head(&a, bad, &lim, &h, &l2) == HTTP_HEAD_BAD_REQUEST && strcmp(h.path, "/") == 0);
	char *badq[] = {"REQUEST_METHOD=HEAD", "REQUEST_URI=/a?b=%00", "HTTP_COOKIE=c=1", NULL};
	CHECK(http_parse_head(&a, badq, &lim, &h, &l2) == HTTP_HEAD_BAD_QUERY && strcmp(h.path, "/a") == 0 && h.is_head);
	arena_reset(&a);
}

static void test_escaping(void)
{
	sbuf b;
	sbuf_init(&b);
	h_text(&b, "\"><svg onload=alert(1)> & 'x' </script>");
	CHECK(strcmp(b.data, "&quot;&gt;&lt;svg onload=alert(1)&gt; &amp; &#39;x&#39; &lt;/script&gt;") == 0);
	sbuf_reset(&b);
	h_printf(&b, "<p title=\"%s\">%d %s</p>", "a\"b", 42, "<i>");
	CHECK(strcmp(b.data, "<p title=\"a&quot;b\">42 &lt;i&gt;</p>") == 0);
	sbuf_reset(&b);
	h_printf(&b, "%ld|%lld|%zu|%u|100%%", 7L, -3LL, (size_t)9, 5u);
	CHECK(strcmp(b.data, "7|-3|9|5|100%") == 0);
	sbuf_reset(&b); /* the writer's own digits against printf's, at the edges of every width */
	h_printf(&b, "%d|%d|%d|%ld|%ld|%lld|%lld|%u|%lu|%llu|%zu|%d", 0, INT_MIN, INT_MAX, LONG_MIN, LONG_MAX, LLONG_MIN,
		 LLONG_MAX, UINT_MAX, ULONG_MAX, ULLONG_MAX, (size_t)SIZE_MAX, -7);
	char want[256];
	snprintf(want, sizeof want, "%d|%d|%d|%ld|%ld|%lld|%lld|%u|%lu|%llu|%zu|%d", 0, INT_MIN, INT_MAX, LONG_MIN, LONG_MAX,
		 LLONG_MIN, LLONG_MAX, UINT_MAX, ULONG_MAX, ULLONG_MAX, (size_t)SIZE_MAX, -7);
	CHECK(strcmp(b.data, want) == 0);
	sbuf_reset(&b);
	url_encode(&b, "a b&c/ä");
	CHECK(strcmp(b.data, "a%20b%26c%2F%C3%A4") == 0);
	sbuf_free(&b);
}

static void test_table_labels(void)
{
	sbuf b;
	sbuf_init(&b);
	/* every cell names its column; a spanning cell and tables without a head stay as they are */
	h_table_labels(&b, "<p>x</p><table class=\"list\"><thead><tr><th scope=\"col\">Name</th>"
			   "<th scope=\"col\">Datum <span>(UTC)</span>\n </th><th>A &amp; \"B\"</th></tr></thead>"
			   "<tbody><tr class=\"unread\"><td><a href=\"/x?a=1&amp;b=2\">K&lt;1&gt;</a></td>"
			   "<td>1.1.</td><td class=\"c\">3</td></tr><tr><td colspan=\"3\">Keine.</td></tr>"
			   "<tr><td colspan=\"2\">ab</td><td>c</td></tr></tbody></table>"
			   "<table><tr><td>ohne Kopf</td></tr></table><td>");
	CHECK(strcmp(b.data, "<p>x</p><table class=\"list\"><thead><tr><th scope=\"col\">Name</th>"
			     "<th scope=\"col\">Datum <span>(UTC)</span>\n </th><th>A &amp; \"B\"</th></tr></thead>"
			     "<tbody><tr class=\"unread\"><td data-label=\"Name\"><a href=\"/x?a=1&amp;b=2\">K&lt;1&gt;</a>"
			     "</td><td data-label=\"Datum (UTC)\">1.1.</td><td data-label=\"A &amp; &quot;B&quot;\" class=\"c\">3"
			     "</td></tr><tr><td colspan=\"3\">Keine.</td></tr>"
			     "<tr><td colspan=\"2\">ab</td><td data-label=\"A &amp; &quot;B&quot;\">c</td></tr></tbody></table>"
			     "<table><tr><td>ohne Kopf</td></tr></table><td>") == 0);
	/* more cells than columns, a cell that has a label, unfinished markup: copied, never cut */
	const char *odd[] = {"<table><thead><th>A</th></thead><tr><td>1</td><td>2</td><td data-label=\"x\">3</td></table>",
			     "<table><thead><th>A", "<table><thead><th>A</th></thead><tr><td", "<table", "",
			     "<table><thead><th title=\">\">A</th></thead><tr><td>1</td></tr></table>"};
	const char *want[] = {"<table><thead><th>A</th></thead><tr><td data-label=\"A\">1</td><td>2</td>"
			      "<td data-label=\"x\">3</td></table>",
			      "<table><thead><th>A", "<table><thead><th>A</th></thead><tr><td", "<table", "",
			      "<table><thead><th title=\">\">A</th></thead><tr><td data-label=\"A\">1</td></tr></table>"};
	for (size_t i = 0; i < ARRAY_LEN(odd); i++) {
		sbuf_reset(&b);
		h_table_labels(&b, odd[i]);
		CHECK(b.data && strcmp(b.data, want[i]) == 0);
	}
	/* a table whose style sheet names its columns (data-labels="css") is copied as it is; the next
	 * table is labelled again */
	const char css[] = "<table class=\"list\" data-labels=\"css\"><thead><tr><th>A</th></tr></thead><tbody><tr>"
			   "<td>1</td></tr></tbody></table><table><thead><tr><th>B</th></tr></thead><tr><td>2</td></tr></table>";
	sbuf_reset(&b);
	h_table_labels(&b, css);
	CHECK(b.data && strcmp(b.data, "<table class=\"list\" data-labels=\"css\"><thead><tr><th>A</th></tr></thead><tbody>"
				       "<tr><td>1</td></tr></tbody></table><table><thead><tr><th>B</th></tr></thead><tr>"
				       "<td data-label=\"B\">2</td></tr></table>") == 0);
	/* the page writer skips the copy only when every table is named by the style sheet */
	CHECK(h_table_labels_needed(css) && h_table_labels_needed("<table><tr><td>x</td></tr></table>"));
	CHECK(!h_table_labels_needed("<p>kein Tisch</p>"));
	CHECK(!h_table_labels_needed("<table class=\"list lebenslauf\" data-labels=\"css\"><thead><tr><th>A</th></tr>"
				     "</thead><tr><td>1</td></tr></table><p>x</p><table data-labels=\"css\"></table>"));
	/* a huge colspan counts as 1000 columns (as HTML clamps it): no overflow over several cells */
	const char huge[] = "<table><thead><th>A</th></thead><tr><td colspan=\"9223372036854775807\">1</td>"
			    "<td colspan=\"9223372036854775807\">2</td><td>3</td></tr></table>";
	sbuf_reset(&b);
	h_table_labels(&b, huge);
	CHECK(b.data && strcmp(b.data, huge) == 0);
	sbuf_free(&b);
}

static void test_url_printf(void)
{
	arena a;
	arena_init(&a);
	/* every %s argument is one component: it cannot add a segment, a parameter or a fragment */
	CHECK(strcmp(url_printf(&a, "/x?token=%s&seite=%lld", "a/b?c=d&e#f g", 3LL),
		     "/x?token=a%2Fb%3Fc%3Dd%26e%23f%20g&seite=3") == 0);
	CHECK(strcmp(url_printf(&a, "/sachbearbeiter/%s", "S201-ABC"), "/sachbearbeiter/S201-ABC") == 0);
	CHECK(strcmp(url_printf(&a, "/p/%s", "ä\"<"), "/p/%C3%A4%22%3C") == 0);
	CHECK(strcmp(url_printf(&a, "/leer/%s", ""), "/leer/") == 0);
	sbuf b = sbuf_in(&a); /* arena-backed buffers grow and are never freed by hand */
	for (int i = 0; i < 1000; i++)
		sbuf_adds(&b, "0123456789");
	CHECK(b.len == 10000 && b.data[9999] == '9' && b.data[10000] == '\0');
	arena_reset(&a);
}

static void h_none(req *r)
{
	(void)r;
}

static void test_router(void)
{
	static const route t[] = {
		{"GET", "/", h_none, 0, 0, "home"},
		{"GET", "/sachbearbeiter/neu", h_none, 0, 0, "new"},
		{"GET", "/sachbearbeiter", h_none, 0, 0, "list"},
		{"GET", "/sachbearbeiter/{}", h_none, 0, 0, "show"},
		{"POST", "/sachbearbeiter/{}/sperren", h_none, 0, 0, "lock"},
		{"GET", "/postfach/{}/neu", h_none, 0, 0, "compose"},
		{"POST", "/postfach/{}/neu", h_none, 0, 0, "compose_post"},
	};
	size_t n = ARRAY_LEN(t);
	route_match m;
	CHECK(route_match_path(t, n, "GET", "/", &m) == ROUTE_FOUND && strcmp(m.route->name, "home") == 0 && !m.arg);
	/* a literal route listed first wins over the pattern */
	CHECK(route_match_path(t, n, "GET", "/sachbearbeiter/neu", &m) == ROUTE_FOUND && strcmp(m.route->name, "new") == 0);
	CHECK(route_match_path(t, n, "GET", "/sachbearbeiter/S201-X", &m) == ROUTE_FOUND &&
	      strcmp(m.route->name, "show") == 0 && m.arg_len == 6 && strncmp(m.arg, "S201-X", 6) == 0);
	CHECK(route_match_path(t, n, "HEAD", "/sachbearbeiter", &m) == ROUTE_FOUND && strcmp(m.route->name, "list") == 0);
	CHECK(route_match_path(t, n, "POST", "/sachbearbeiter/K/sperren", &m) == ROUTE_FOUND && m.arg_len == 1);
	/* known path, other method: 405 with the methods for Allow */
	CHECK(route_match_path(t, n, "GET", "/sachbearbeiter/K/sperren", &m) == ROUTE_WRONG_METHOD && !m.get && m.post);
	CHECK(route_match_path(t, n, "DELETE", "/postfach/beihilfe/neu", &m) == ROUTE_WRONG_METHOD && m.get && m.post);
	CHECK(route_match_path(t, n, "POST", "/postfach/beihilfe/neu", &m) == ROUTE_FOUND &&
	      strcmp(m.route->name, "compose_post") == 0);
	/* {} is one non-empty segment; no prefix, suffix or extra slash matches */
	CHECK(route_match_path(t, n, "GET", "/sachbearbeiter/", &m) == ROUTE_NOT_FOUND);
	CHECK(route_match_path(t, n, "GET", "/sachbearbeiter//sperren", &m) == ROUTE_NOT_FOUND);
	CHECK(route_match_path(t, n, "GET", "/sachbearbeiter/a/b", &m) == ROUTE_NOT_FOUND);
	CHECK(route_match_path(t, n, "GET", "/sachbearbeiterx", &m) == ROUTE_NOT_FOUND);
	CHECK(route_match_path(t, n, "GET", "", &m) == ROUTE_NOT_FOUND);
	CHECK(route_match_path(t, n, "GET", "//", &m) == ROUTE_NOT_FOUND);
	CHECK(route_declared(t, n, "GET", "/sachbearbeiter/{}") && !route_declared(t, n, "POST", "/sachbearbeiter"));
}

static void test_templates(void)
{
	sbuf b;
	sbuf_init(&b);
	tpl_slot s[] = {{"name", "<b>"}, {"raw", "<i>ok</i>"}};
	CHECK(tpl_render(&b, "Hallo {{name}} {{{raw}}}!", TPL_HTML, s, 2) == 0);
	CHECK(strcmp(b.data, "Hallo &lt;b&gt; <i>ok</i>!") == 0);
	sbuf_reset(&b);
	CHECK(tpl_render(&b, "{{name}}", TPL_TEXT, s, 2) == 0);
	CHECK(strcmp(b.data, "<b>") == 0);
	sbuf_reset(&b);
	CHECK(tpl_render(&b, "{{missing}}", TPL_HTML, s, 2) == -1);
	CHECK(tpl_render(&b, "{{unclosed", TPL_HTML, s, 2) == -1);
	sbuf_free(&b);
}

static unsigned pol(const char *pw)
{
	return policy_check(pw, strlen(pw), "X201-ABCDEFGH1234", "Kim", "Mustermensch");
}

static void test_policy(void)
{
	CHECK(pol("Tr0cken-Brot!") == 0);
	CHECK(pol("Kurz-1!abcd") & (1u << PW_LENGTH));           /* 11 characters */
	CHECK(pol("Kurz-1!abcde") == 0);                          /* 12 */
	char long128[129], long129[130];
	memset(long128, 'q', 128);
	memcpy(long128, "A1!", 3);
	long128[128] = '\0';
	memset(long129, 'q', 129);
	memcpy(long129, "A1!", 3);
	long129[129] = '\0';
	CHECK(pol(long128) == 0);
	CHECK(pol(long129) & (1u << PW_LENGTH));
	CHECK(pol("Ä1!ÖÜßäöüxyz") == 0);                         /* 12 characters, more bytes */
	CHECK(pol("ÄÖÜ1!äöü") & (1u << PW_LENGTH));              /* 8 characters, 14 bytes */
	CHECK(pol("nurbuchstabenhier") & (1u << PW_DIGIT));
	CHECK(pol("nurbuchstabenhier") & (1u << PW_SPECIAL));
	CHECK(pol("1234567890123!") & (1u << PW_LETTER));
	CHECK(pol("ßßßßßßßßßßß1!") & (1u << PW_COMMON));         /* one letter repeated */
	CHECK((pol("ßüöäxyzqwvr1!") & (1u << PW_LETTER)) == 0);  /* umlauts and ß are letters */
	CHECK(pol("Passwort2024!") & (1u << PW_COMMON));
	CHECK(pol("!!Sommer123456") & (1u << PW_COMMON));
	CHECK(pol("passwortpasswort1!") & (1u << PW_COMMON));
	CHECK(pol("xX201-ABCDEFGH1234!") & (1u << PW_KENNUNG));
	CHECK(pol("abcdefgh1234-Zebra") & (1u << PW_KENNUNG));   /* the random part, lower case */
	CHECK(pol("Mustermensch-99!") & (1u << PW_NAME));
	CHECK(pol("mUSTERmensch-99!") & (1u << PW_NAME));
	CHECK(pol("Meine-Versorgung-1") & (1u << PW_PORTAL));
	const char nul[] = "Abcdefgh\0ijk1!";
	CHECK(policy_check(nul, sizeof nul - 1, NULL, NULL, NULL) & (1u << PW_CONTROL));
	CHECK(pol("Zeile\nUmbruch-12") & (1u << PW_CONTROL));
	/* no case folding or truncation: the policy sees every character */
	sbuf d;
	sbuf_init(&d);
	policy_describe(pol("abc"), &d);
	CHECK(strstr(d.data, "zwischen 12 und 128 Zeichen") != NULL);
	CHECK(strstr(d.data, "Ziffer") != NULL);
	sbuf_free(&d);
}

static void test_ids_and_secrets(void)
{
	char k[KENNUNG_LEN + 1], k2[KENNUNG_LEN + 1];
	kennung_generate('S', "201", k);
	kennung_generate('S', "201", k2);
	CHECK(strlen(k) == 17 && strncmp(k, "S201-", 5) == 0);
	CHECK(strcmp(k, k2) != 0);
	char in[40] = "  s201-demo47950906 ";
	CHECK(kennung_normalize(in) && strcmp(in, "S201-DEMO47950906") == 0);
	char bad[40] = "S201_DEMO47950906";
	CHECK(!kennung_normalize(bad));
	char bad2[40] = "Q201-DEMO47950906";
	CHECK(!kennung_normalize(bad2));
	/* TANs: six digits, leading zeros kept, spread over the range */
	int low = 0;
	for (int i = 0; i < 2000; i++) {
		char t[7];
		secret_tan(t);
		CHECK(strlen(t) == 6 && strspn(t, "0123456789") == 6);
		if (t[0] == '0')
			low++;
	}
	CHECK(low > 100 && low < 350); /* ~10 % start with 0 */
	char t1[TOKEN_CHARS + 1], t2[TOKEN_CHARS + 1];
	secret_token(t1);
	secret_token(t2);
	CHECK(strlen(t1) == 43 && strcmp(t1, t2) != 0);
	unsigned char h1[HASH_BYTES], h2[HASH_BYTES];
	secret_hash("link", t1, strlen(t1), h1);
	secret_hash("tan", t1, strlen(t1), h2);
	CHECK(memcmp(h1, h2, HASH_BYTES) != 0); /* purposes are separate domains */
	char c1[TOKEN_CHARS + 1], c2[TOKEN_CHARS + 1];
	secret_csrf(t1, c1);
	secret_csrf(t2, c2);
	CHECK(secret_equal(c1, c1) && !secret_equal(c1, c2) && !secret_equal(c1, "x") && !secret_equal(NULL, c1));
	/* argon2id hash and verify (small parameters for speed) */
	cfg.argon_ops = 1;
	cfg.argon_mem_kib = 64;
	char hash[PWHASH_MAX];
	CHECK(pw_hash("Richtig-Passwort1", 17, hash) == 0);
	CHECK(pw_verify(hash, "Richtig-Passwort1", 17) == 1);
	CHECK(pw_verify(hash, "richtig-Passwort1", 17) == 0);  /* no case folding */
	CHECK(pw_verify(hash, "Richtig-Passwort", 16) == 0);   /* no truncation */
	CHECK(pw_verify("$argon2id$garbage", "x", 1) == -1);   /* malformed: error, not "wrong" */
	unsigned char salt[16] = {1, 2, 3}, f1[HASH_BYTES], f2[HASH_BYTES], f3[HASH_BYTES];
	CHECK(pw_fingerprint("A", 1, salt, 1, 64, f1) == 0 && pw_fingerprint("A", 1, salt, 1, 64, f2) == 0);
	CHECK(pw_fingerprint("B", 1, salt, 1, 64, f3) == 0);
	CHECK(memcmp(f1, f2, HASH_BYTES) == 0 && memcmp(f1, f3, HASH_BYTES) != 0);
}

/* The argon2id gate: children killed in the middle of a hash hold gate slots; their robust
 * mutexes must come free, or the hash below waits for ever (and the alarm ends the run). */
static void test_pw_gate(void)
{
	CHECK(pw_gate_init() == 0);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.argon_ops = 3;
	cfg.argon_mem_kib = 32768;
	pid_t kids[64];
	long n = cpus + 1 < 64 ? cpus + 1 : 64;
	for (long i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char h[PWHASH_MAX];
			for (;;)
				(void)pw_hash("Gate-Passwort1", 14, h);
		}
	}
	usleep(150000);
	for (long i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	cfg.argon_ops = 1;
	cfg.argon_mem_kib = 64;
	alarm(20);
	char hash[PWHASH_MAX];
	for (long i = 0; i <= cpus; i++) /* every slot taken once more */
		CHECK(pw_hash("Gate-Passwort1", 14, hash) == 0 && pw_verify(hash, "Gate-Passwort1", 14) == 1);
	alarm(0);
}

static void test_config(void)
{
	char err[256];
	CHECK(config_set("tan_ttl_s", "300", err, sizeof err) == 0 && cfg.tan_ttl_s == 300);
	CHECK(config_set("tan_ttl_s", "abc", err, sizeof err) == -1);
	CHECK(config_set("tan_ttl_s", "0", err, sizeof err) == -1);
	CHECK(config_set("no_such_key", "1", err, sizeof err) == -1);
	CHECK(config_set("base_url", "https://portal.example", err, sizeof err) == 0);
	/* a config file with a secret must not be readable by others */
	char path[] = "/tmp/mv-unit-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "# test\nsecret_key = %s\ntan_ttl_s = 120\n",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	fclose(f);
	chmod(path, 0644);
	CHECK(config_load(path, err, sizeof err) == -1 && strstr(err, "chmod 600"));
	chmod(path, 0600);
	CHECK(config_load(path, err, sizeof err) == 0 && cfg.tan_ttl_s == 120);
	setenv("MV_TAN_TTL_S", "42", 1);
	CHECK(config_load(path, err, sizeof err) == 0 && cfg.tan_ttl_s == 42);
	unsetenv("MV_TAN_TTL_S");
	FILE *g = fopen(path, "w");
	fprintf(g, "secret_key = tooshort\n");
	fclose(g);
	CHECK(config_load(path, err, sizeof err) == -1);
	/* a refused load (a SIGHUP reload) leaves the previous configuration whole, not half reset */
	CHECK(cfg.tan_ttl_s == 42 && strcmp(cfg.secret_key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff") == 0);
	g = fopen(path, "w");
	fprintf(g, "tan_ttl_s = 77\nbase_url = https://neu.example\nno_such_key = 1\n");
	fclose(g);
	CHECK(config_load(path, err, sizeof err) == -1);
	CHECK(cfg.tan_ttl_s == 42 && strcmp(cfg.base_url, "http://127.0.0.1:8080") == 0);
	unlink(path);

	/* db_nodes: the Galera fail-over list */
	db_node nodes[DB_NODES_MAX];
	CHECK(db_nodes_parse("", nodes, DB_NODES_MAX) == 0);
	CHECK(db_nodes_parse(NULL, nodes, DB_NODES_MAX) == 0);
	CHECK(db_nodes_parse("10.0.0.1:3307, db2 ,/run/mysqld/mysqld.sock", nodes, DB_NODES_MAX) == 3);
	CHECK(strcmp(nodes[0].host, "10.0.0.1") == 0 && nodes[0].port == 3307 && !*nodes[0].socket);
	CHECK(strcmp(nodes[1].host, "db2") == 0 && nodes[1].port == 3306);
	CHECK(strcmp(nodes[2].socket, "/run/mysqld/mysqld.sock") == 0 && !*nodes[2].host);
	CHECK(db_nodes_parse("a:1,,b:2", nodes, DB_NODES_MAX) == -1);
	CHECK(db_nodes_parse("a:0", nodes, DB_NODES_MAX) == -1);
	CHECK(db_nodes_parse("a:70000", NULL, 0) == -1);
	CHECK(db_nodes_parse("a:x", NULL, 0) == -1);
	CHECK(db_nodes_parse(":3306", NULL, 0) == -1);
	CHECK(db_nodes_parse("a b:1", NULL, 0) == -1);
	CHECK(db_nodes_parse("a:1,b:2", NULL, 0) == 2);
	CHECK(db_nodes_parse("a:1,b:2", nodes, 1) == -1);
	CHECK(config_set("db_nodes", "", err, sizeof err) == 0);
}

static void test_dates_and_text(void)
{
	char d[11];
	CHECK(parse_date("01.02.1980", d) && strcmp(d, "1980-02-01") == 0);
	CHECK(parse_date("1980-02-01", d) && strcmp(d, "1980-02-01") == 0);
	CHECK(parse_date("29.02.2000", d));
	CHECK(!parse_date("29.02.1999", d));
	CHECK(!parse_date("31.04.1980", d));
	CHECK(!parse_date("1.2.1980", d));
	CHECK(!parse_date("01.02.1980x", d));
	CHECK(!parse_date("", d));
	CHECK(utf8_valid("Mäuserast", strlen("Mäuserast")));
	CHECK(!utf8_valid("\xC3\x28", 2));
	CHECK(!utf8_valid("\xED\xA0\x80", 3)); /* surrogate */
	CHECK(!utf8_valid("\xC0\xAF", 2));     /* overlong */
	CHECK(utf8_count("Mäuserast", strlen("Mäuserast")) == 9);
	arena la;
	arena_init(&la);
	CHECK(strcmp(sql_like_prefix(&la, "50%_a\\b"), "50\\%\\_a\\\\b%") == 0);
	CHECK(strcmp(sql_like_prefix(&la, ""), "%") == 0);
	/* sizes as users read them (issue 11 item 16: "MB", not "MiB") */
	CHECK(strcmp(size_mb(&la, 10485760), "10 MB") == 0);
	CHECK(strcmp(size_mb(&la, 26214400), "25 MB") == 0);
	CHECK(strcmp(size_mb(&la, 2621440), "2,5 MB") == 0);
	CHECK(strcmp(size_mb(&la, 10485759), "9,9 MB") == 0); /* never more than the limit */
	CHECK(strcmp(size_mb(&la, 0), "0 MB") == 0);
	arena_reset(&la);
}

/* UTC as stored → Europe/Berlin as read: winter, summer, both switch instants, far future. */
static bool de_is(const char *utc, enum time_style fmt, const char *want)
{
	arena la;
	arena_init(&la);
	char *got = time_de(&la, utc, fmt);
	bool ok = strcmp(got, want) == 0;
	if (!ok)
		fprintf(stderr, "time_de(%s, %d) = \"%s\", want \"%s\"\n", utc ? utc : "NULL", (int)fmt, got, want);
	arena_reset(&la);
	return ok;
}

static void test_local_times(void)
{
	const enum time_style m = TIME_MINUTES, s = TIME_SECONDS;
	CHECK(de_is("2026-12-03 17:03:05", m, "03.12.2026 18:03"));     /* winter: MEZ, UTC+1 */
	CHECK(de_is("2026-12-03 17:03:05", s, "03.12.2026 18:03:05"));
	CHECK(de_is("2026-07-15 12:00:00", m, "15.07.2026 14:00"));     /* summer: MESZ, UTC+2 */
	CHECK(de_is("2026-12-31 23:30:00", m, "01.01.2027 00:30"));     /* over the year's end */
	CHECK(de_is("2024-02-29 23:00:00", m, "01.03.2024 00:00"));     /* over a leap day */
	/* 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC */
	CHECK(de_is("2026-03-29 00:59:59", s, "29.03.2026 01:59:59"));
	CHECK(de_is("2026-03-29 01:00:00", s, "29.03.2026 03:00:00"));
	CHECK(de_is("2026-10-25 00:59:59", s, "25.10.2026 02:59:59"));
	CHECK(de_is("2026-10-25 01:00:00", s, "25.10.2026 02:00:00"));
	/* 2027: 28 March, 31 October (the 31st itself a Sunday) */
	CHECK(de_is("2027-03-28 01:00:00", s, "28.03.2027 03:00:00"));
	CHECK(de_is("2027-10-31 00:59:59", s, "31.10.2027 02:59:59"));
	CHECK(de_is("2027-10-31 01:00:00", s, "31.10.2027 02:00:00"));
	/* far future: 2400 (a leap year divisible by 400): 26 March, 29 October */
	CHECK(de_is("2400-03-26 00:59:59", s, "26.03.2400 01:59:59"));
	CHECK(de_is("2400-03-26 01:00:00", s, "26.03.2400 03:00:00"));
	CHECK(de_is("2400-10-29 00:59:59", s, "29.10.2400 02:59:59"));
	CHECK(de_is("2400-10-29 01:00:00", s, "29.10.2400 02:00:00"));
	CHECK(de_is("2099-12-31 23:59:59", TIME_UHR, "01.01.2100, 00:59 Uhr"));
	CHECK(de_is("2026-07-15 12:00:00", TIME_UM_UHR, "15.07.2026 um 14:00 Uhr"));
	CHECK(de_is("2026-12-03 17:03:05.123456", m, "03.12.2026 18:03")); /* a fraction is ignored */
	CHECK(de_is(NULL, m, "") && de_is("", m, "") && de_is("03.12.2026 17:03", m, ""));
	CHECK(de_is("2026-02-29 10:00:00", m, "") && de_is("2026-12-03 24:00:00", m, ""));
	CHECK(de_is("2026-12-03 17:03:05x", m, ""));
	long long t;
	CHECK(utc_parse("1970-01-01 00:00:00", &t) && t == 0);
	CHECK(utc_parse("2026-12-03 17:03:05", &t) && t == 1796317385LL);
	CHECK(berlin_offset_s(t) == 3600 && berlin_offset_s(t - 150 * 86400) == 7200);
}

static bool placeholder_is(const char *s, const char *want)
{
	size_t len = 0;
	const char *p = placeholder_find(s, &len);
	return want ? p && len == strlen(want) && strncmp(p, want, len) == 0 : p == NULL;
}

static void test_placeholders(void)
{
	CHECK(placeholder_is("<dd>[Telefonnummer der Kasse]</dd>", "[Telefonnummer der Kasse]"));
	CHECK(placeholder_is("<p>[Frist]</p> und [zwei Jahre]", "[Frist]"));
	CHECK(placeholder_is("[Übergang]", "[Übergang]"));
	CHECK(placeholder_is("Fußnote [1], Liste a[0] und dann [Name, Funktion]", "[Name, Funktion]"));
	CHECK(placeholder_is("[[Doppelt]]", "[Doppelt]"));
	CHECK(placeholder_is("Keine Platzhalter: (Frist), [1], [], [ ], a[i]", NULL));
	CHECK(placeholder_is("[offen <b>fett</b>]", NULL));
	CHECK(placeholder_is("[über\nzwei Zeilen]", NULL));
	CHECK(placeholder_is("[nie geschlossen", NULL));
	char longer[400];
	memset(longer, 'x', sizeof longer);
	longer[0] = '[';
	longer[sizeof longer - 2] = ']';
	longer[sizeof longer - 1] = '\0';
	CHECK(placeholder_is(longer, NULL)); /* more than 300 bytes: prose, not a placeholder */
}

/* Names greet their owner in official mails: no separators, nothing a mail program links (issue 11). */
static void test_name_check(void)
{
	const char *ok[] = {"Max", "Müller-Lüdenscheidt", "Dr. med. Anna", "O'Hara", "van der Berg", "J.R.R.", "St. Martin",
			    "Anne-Marie", "Schmidt (geb. Meier)", "Müller.dé", "Hwww", "Kim Bcc: evil",
			    "Bcc: evil@example.org"};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++)
		CHECK(name_check(ok[i]) == NAME_OK);
	const char *url[] = {"https://evil.example", "http://x", "Max www.evil.example", "WWW.EVIL", "ftp://x", "x://y",
			     "mailto:a@b", "HTTPS:evil", "evil.com", "Klick evil.de/x", "Müller.DE", "bit.ly", "mailto:a@b.org",
			     "javascript:alert(1)"};
	for (size_t i = 0; i < ARRAY_LEN(url); i++)
		CHECK(name_check(url[i]) == NAME_URL);
	CHECK(name_check("Zeile\xE2\x80\xA8zwei") == NAME_SEPARATOR);
	CHECK(name_check("Absatz\xE2\x80\xA9") == NAME_SEPARATOR);
	CHECK(name_check("\xC2\x85x") == NAME_SEPARATOR);
}

/* Issue 11 item 5: C1 controls (U+0080–U+009F) are refused like C0 controls and escaped in the log
 * and on the terminal. */
static const char *escaped(arena *a, const char *s)
{
	sbuf b = sbuf_in(a);
	log_escape(&b, s);
	return b.data ? b.data : "";
}

static void test_c1_controls(void)
{
	arena a;
	arena_init(&a);
	param_list l = {0};
	CHECK(http_parse_urlencoded(&a, "p=a%C2%9Bb", 10, SRC_BODY, &lim, &l) == HTTP_ERR_BAD_ENCODING); /* CSI */
	CHECK(http_parse_urlencoded(&a, "p=%C2%85", 8, SRC_BODY, &lim, &l) == HTTP_ERR_BAD_ENCODING);    /* NEL */
	CHECK(http_parse_urlencoded(&a, "p=%C2%80", 8, SRC_BODY, &lim, &l) == HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_urlencoded(&a, "p=%C2%9F", 8, SRC_BODY, &lim, &l) == HTTP_ERR_BAD_ENCODING);
	CHECK(http_parse_urlencoded(&a, "p=%C2%A0%C2%A9%C3%A4", 20, SRC_BODY, &lim, &l) == HTTP_OK); /* NBSP, ©, ä */
	CHECK(http_parse_urlencoded(&a, "p=%7F", 5, SRC_BODY, &lim, &l) == HTTP_ERR_BAD_ENCODING);
	param_list c = {0};
	CHECK(http_parse_cookies(&a, "x=a\xC2\x9B" "b; y=1", &lim, &c) == HTTP_OK);
	CHECK(params_find(&c, "x", SRC_COOKIE) == NULL && params_find(&c, "y", SRC_COOKIE) != NULL);
	const char ct[] = "multipart/form-data; boundary=B";
	const char mp[] = "--B\r\nContent-Disposition: form-data; name=\"betreff\"\r\n\r\nA\xC2\x9B" "2J\r\n--B--\r\n";
	param_list l2 = {0};
	upload_list f = {0};
	CHECK(http_parse_multipart(&a, mp, sizeof mp - 1, ct, &lim, 10, &l2, &f) == HTTP_ERR_BAD_ENCODING);
	CHECK(!valid_text("Anna\xC2\x85" "Berta", 100));
	CHECK(!valid_text("\xC2\x9B" "31m", 100));
	CHECK(valid_text("Anna\xC2\xA0" "Berta", 100));
	CHECK(str_has_ctl("a\xC2\x9B", 3) && str_has_ctl("a\x1b", 2) && !str_has_ctl("a\tä", 4));
	CHECK(str_has_ctl_but("a\nb", 3, "") && !str_has_ctl_but("a\nb", 3, "\n") && str_has_ctl_but("a\0b", 3, "\n"));
	CHECK(strcmp(upload_filename(&a, "Besch\xC2\x9B" "eid\xC2\x85.pdf", 16), "Bescheid.pdf") == 0);
	CHECK(strcmp(upload_filename(&a, "\xC2\xA9 Stadt.pdf", 12), "\xC2\xA9 Stadt.pdf") == 0);
	/* the log's (and the terminal's) escaping */
	CHECK(strcmp(escaped(&a, "a\xC2\x9B" "31mb"), "a\\u009b31mb") == 0);
	CHECK(strcmp(escaped(&a, "x\xC2\x85y\xC2\x80\xC2\x9F"), "x\\u0085y\\u0080\\u009f") == 0);
	CHECK(strcmp(escaped(&a, "\x1b[2J\r\n\x7f"), "\\x1b[2J\\x0d\\x0a\\x7f") == 0);
	CHECK(strcmp(escaped(&a, "a\\b"), "a\\\\b") == 0);
	CHECK(strcmp(escaped(&a, "\x9B\xFFz\xC2"), "\\x9b\\xffz\\xc2") == 0); /* not UTF-8: bytes escaped */
	CHECK(strcmp(escaped(&a, "Mäuserast © €"), "Mäuserast © €") == 0);
	CHECK(strcmp(escaped(&a, ""), "") == 0);
	arena_reset(&a);
}

/* Issue 11 item 6: the CSRF token of an upload is found among the text fields ahead of its documents,
 * in whatever part of the body has arrived. */
static void test_multipart_field(void)
{
	arena a;
	arena_init(&a);
	const char ct[] = "multipart/form-data; boundary=B";
	const char ok[] = "--B\r\nContent-Disposition: form-data; name=\"betreff\"\r\n\r\nHallo\r\n"
			  "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n"
			  "--B\r\nContent-Disposition: form-data; name=\"anhang\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--B--\r\n";
	const char *v = NULL;
	CHECK(http_multipart_field(&a, ok, sizeof ok - 1, ct, "csrf", &v) == HTTP_SCAN_FOUND && strcmp(v, "tok123") == 0);
	size_t found_at = 0;
	for (size_t n = 0; n < sizeof ok - 1; n++) { /* every prefix: more, until the token's part is complete */
		enum http_scan sc = http_multipart_field(&a, ok, n, ct, "csrf", &v);
		CHECK(sc != HTTP_SCAN_ABSENT);
		if (sc == HTTP_SCAN_FOUND && !found_at)
			found_at = n;
	}
	CHECK(found_at == (size_t)(strstr(ok, "tok123") - ok) + 11); /* the value and "\r\n--B" arrived */
	const char late[] = "--B\r\nContent-Disposition: form-data; name=\"anhang\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n"
			    "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n--B--\r\n";
	CHECK(http_multipart_field(&a, late, sizeof late - 1, ct, "csrf", &v) == HTTP_SCAN_ABSENT);
	CHECK(http_multipart_field(&a, late, 60, ct, "csrf", &v) == HTTP_SCAN_MORE); /* headers not complete */
	const char none[] = "--B\r\nContent-Disposition: form-data; name=\"betreff\"\r\n\r\nHallo\r\n--B--\r\n";
	CHECK(http_multipart_field(&a, none, sizeof none - 1, ct, "csrf", &v) == HTTP_SCAN_ABSENT);
	const char preamble[] = "ignored\r\n--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nX\r\n--B--\r\n";
	CHECK(http_multipart_field(&a, preamble, sizeof preamble - 1, ct, "csrf", &v) == HTTP_SCAN_FOUND &&
	      strcmp(v, "X") == 0);
	CHECK(http_multipart_field(&a, ok, sizeof ok - 1, "multipart/form-data", "csrf", &v) == HTTP_SCAN_ABSENT);
	CHECK(http_multipart_field(&a, "--B\r\nX", 6, ct, "csrf", &v) == HTTP_SCAN_MORE);
	CHECK(http_multipart_field(&a, "--B\r\n\r\n\r\nx\r\n--B", 16, ct, "csrf", &v) == HTTP_SCAN_ABSENT); /* no name */
	CHECK(http_multipart_field(&a, "--Bxx", 5, ct, "csrf", &v) == HTTP_SCAN_ABSENT);
	/* the parser still reads the same body whole */
	param_list l = {0};
	upload_list f = {0};
	CHECK(http_parse_multipart(&a, ok, sizeof ok - 1, ct, &lim, 10, &l, &f) == HTTP_OK && l.n == 2 && f.n == 1);
	arena_reset(&a);
}

/* Issue 11 item 8: text cut to a column's characters, never inside one. */
static void test_utf8_clip(void)
{
	arena a;
	arena_init(&a);
	CHECK(strcmp(utf8_clip(&a, "abcdef", 4), "abcd") == 0);
	CHECK(strcmp(utf8_clip(&a, "ab", 4), "ab") == 0);
	CHECK(strcmp(utf8_clip(&a, "äöüß", 3), "äöü") == 0);
	CHECK(strcmp(utf8_clip(&a, "a😀b", 2), "a😀") == 0);
	CHECK(strcmp(utf8_clip(&a, "a\xFF\xC3xb", 10), "a??xb") == 0); /* not UTF-8: '?' each */
	CHECK(strcmp(utf8_clip(&a, "", 5), "") == 0 && strcmp(utf8_clip(&a, "abc", 0), "") == 0);
	char long_path[400];
	memset(long_path, 'x', sizeof long_path - 1);
	long_path[sizeof long_path - 1] = '\0';
	memcpy(long_path + 198, "ä", 2);
	const char *c = utf8_clip(&a, long_path, 200);
	CHECK(utf8_count(c, strlen(c)) == 200 && utf8_valid(c, strlen(c)) && strlen(c) == 201);
	arena_reset(&a);
}

/* Issue 11 item 17: the idle warning follows the idle timeout unless it is set; an explicit pair
 * that does not fit stays an error. */
static void test_idle_warning(void)
{
	char err[256];
	static const struct {
		const char *timeout, *warning;
		long want; /* 0: refused */
	} cases[] = {
		{NULL, NULL, 540}, {"300", NULL, 240}, {"120", NULL, 60}, {"61", NULL, 1}, {"60", NULL, 30},
		{"4", NULL, 2}, {"2", NULL, 1}, {"300", "100", 100}, {NULL, "30", 30}, {"300", "300", 0},
		{"300", "540", 0}, {NULL, "600", 0}, {"4", "2", 2},
	};
	setenv("MV_SECRET_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (cases[i].timeout)
			setenv("MV_IDLE_TIMEOUT_S", cases[i].timeout, 1);
		if (cases[i].warning)
			setenv("MV_IDLE_WARNING_S", cases[i].warning, 1);
		int rc = config_load(NULL, err, sizeof err);
		if (cases[i].want)
			CHECK(rc == 0 && cfg.idle_warning_s == cases[i].want);
		else
			CHECK(rc == -1 && strstr(err, "idle_warning_s") && strstr(err, "idle_timeout_s"));
		unsetenv("MV_IDLE_TIMEOUT_S");
		unsetenv("MV_IDLE_WARNING_S");
	}
	CHECK(config_set("idle_warning_s", "0", err, sizeof err) == -1);
	CHECK(config_load(NULL, err, sizeof err) == 0 && cfg.idle_timeout_s == 600 && cfg.idle_warning_s == 540);
	unsetenv("MV_SECRET_KEY");
}

/* ---- the ruhegehaltfähige Dienstzeit (DOMAIN.md §2) ---- */

static long tag(const char *iso)
{
	long d = 0;
	if (!parse_date_days(iso, &d))
		fprintf(stderr, "bad test date %s\n", iso);
	return d;
}

/* A period; ende NULL: ongoing. */
static struct periode per(const char *beginn, const char *ende, enum zeitart art, double stunden, double regel)
{
	return (struct periode){tag(beginn), ende ? tag(ende) : ENDE_LAUFEND, art, stunden, regel, AN_GESETZLICH};
}

static struct periode_ergebnis erg[16];
static struct dienstzeit_summe summe;

static int rechne(const struct periode *p, size_t n, const char *geboren, const char *heute)
{
	return dienstzeit_berechnen(p, n, tag(geboren), tag(heute), erg, &summe);
}

static void test_day_numbers(void)
{
	char iso[11];
	int y, m, d;
	CHECK(date_days(1970, 1, 1) == 0 && date_days(1969, 12, 31) == -1 && date_days(2000, 3, 1) == 11017);
	CHECK(tag("29.02.2000") == tag("2000-02-29") && tag("2000-03-01") - tag("2000-02-28") == 2);
	long x;
	CHECK(!parse_date_days("29.02.2001", &x) && !parse_date_days("1899-12-31", &x));
	bool roundtrip = true;
	for (long k = date_days(1900, 1, 1); k <= date_days(2100, 12, 31); k++) {
		date_civil(k, &y, &m, &d);
		roundtrip &= date_days(y, m, d) == k;
	}
	CHECK(roundtrip);
	date_iso(tag("29.02.2000"), iso);
	CHECK(strcmp(iso, "2000-02-29") == 0);
	date_iso(-25203, iso);
	CHECK(strcmp(iso, "1900-12-31") == 0);
	long long t;
	CHECK(utc_parse("2026-12-31 22:59:59", &t) && today_berlin(t) == tag("2026-12-31"));
	CHECK(utc_parse("2026-12-31 23:00:00", &t) && today_berlin(t) == tag("2027-01-01")); /* MEZ */
	CHECK(utc_parse("2026-07-15 21:59:59", &t) && today_berlin(t) == tag("2026-07-15"));
	CHECK(utc_parse("2026-07-15 22:00:00", &t) && today_berlin(t) == tag("2026-07-16")); /* MESZ */
}

static void test_zeitart_catalogue(void)
{
	static const char *const keys[ZEITART__MAX] = {"VORB", "BEAMT", "BDF", "ATZ", "URLOI", "URLOB",
							"EZ", "WEHR", "ANGOD", "AUSB", "SONST", "ZUR"};
	for (int z = 0; z < ZEITART__MAX; z++)
		CHECK(zeitart_parse(keys[z]) == z && strcmp(zeitart_info[z].key, keys[z]) == 0);
	CHECK(zeitart_parse("beamt") == -1 && zeitart_parse("") == -1 && zeitart_parse(NULL) == -1);
	CHECK(strcmp(zeitart_info[ZA_BEAMT].bezeichnung, "Dienstzeit im Beamtenverhältnis") == 0);
	CHECK(strcmp(zeitart_info[ZA_SONST].bezeichnung, "sonstige Zeiten (z. B. Rechtsanwalt, Ausland)") == 0);
	CHECK(strcmp(zeitart_info[ZA_WEHR].gesetz, "§§ 8, 9") == 0);
	CHECK(anerkennung_parse("gesetzlich") == AN_GESETZLICH && anerkennung_parse("entschieden") == AN_ENTSCHIEDEN);
	CHECK(anerkennung_parse("offen") == AN_OFFEN && anerkennung_parse("Offen") == -1 && anerkennung_parse(NULL) == -1);
}

/* 2001 (365 days) in full: each Zeitart's factor, in hundredths of a day. */
static void test_dienstzeit_factors(void)
{
	static const long want[ZEITART__MAX] = {
		[ZA_VORB] = 36500, [ZA_BEAMT] = 36500, [ZA_BDF] = 36500, [ZA_ATZ] = 32850,
		[ZA_URLOI] = 36500, [ZA_URLOB] = 0,    [ZA_EZ] = 0,      [ZA_WEHR] = 36500,
		[ZA_ANGOD] = 36500, [ZA_AUSB] = 36500, [ZA_SONST] = 18250, [ZA_ZUR] = 24333,
	};
	for (int z = 0; z < ZEITART__MAX; z++) {
		struct periode p = per("2001-01-01", "2001-12-31", (enum zeitart)z, 1, 1);
		CHECK(rechne(&p, 1, "1970-05-05", "2026-01-01") == 0);
		CHECK(erg[0].tage == 365 && erg[0].tage_vor_17 == 0 && !erg[0].gekappt && !erg[0].offen);
		CHECK(erg[0].rgf_hundertstel == want[z]);
		if (erg[0].rgf_hundertstel != want[z])
			fprintf(stderr, "  %s: %ld, want %ld\n", zeitart_info[z].key, erg[0].rgf_hundertstel, want[z]);
	}
	/* the factor applies to the Umfang: Altersteilzeit 0.9 × 30/41 of 2020 (366 days) */
	struct periode atz = per("2020-01-01", "2020-12-31", ZA_ATZ, 30, 41);
	CHECK(rechne(&atz, 1, "1960-01-01", "2026-01-01") == 0 && erg[0].rgf_hundertstel == 24102); /* 241.0243… */
	struct periode zur = per("2030-01-01", "2030-01-02", ZA_ZUR, 19.5, 39);
	CHECK(rechne(&zur, 1, "1980-01-01", "2026-01-01") == 0 && erg[0].rgf_hundertstel == 67); /* 2 × ½ × ⅔ */
	CHECK(fabs(erg[0].rgf_tage - 2.0 / 3) < 1e-12);
}

static void test_dienstzeit_caps(void)
{
	/* AUSB: at most 1,095 days; one period of 1,096 is cut */
	struct periode p[4] = {per("1994-08-01", "1997-07-31", ZA_AUSB, 1, 1)};
	CHECK(rechne(p, 1, "1975-04-12", "2026-01-01") == 0 && erg[0].tage == 1096);
	CHECK(erg[0].rgf_hundertstel == 109500 && erg[0].gekappt && summe.jahre_hundertstel == 300);
	/* consumed in the order of beginn, whatever the order given: 731 + 364 (cut) + 0 (cut) */
	p[0] = per("1995-10-01", "1995-12-31", ZA_AUSB, 1, 1);
	p[1] = per("1993-10-01", "1994-09-30", ZA_AUSB, 1, 1);
	p[2] = per("1990-10-01", "1992-09-30", ZA_AUSB, 1, 1);
	p[3] = per("1992-10-01", "1993-09-30", ZA_BEAMT, 1, 1); /* another Zeitart: no cap */
	CHECK(rechne(p, 4, "1970-01-01", "2026-01-01") == 0);
	CHECK(erg[2].rgf_hundertstel == 73100 && !erg[2].gekappt);
	CHECK(erg[1].tage == 365 && erg[1].rgf_hundertstel == 36400 && erg[1].gekappt);
	CHECK(erg[0].tage == 92 && erg[0].rgf_hundertstel == 0 && erg[0].gekappt);
	CHECK(erg[3].rgf_hundertstel == 36500 && !erg[3].gekappt);
	CHECK(summe.rgf_tage == 1095 + 365);
	/* the cap meets a fraction: 365 × ⅓ then the rest of 1,095 exactly: 3,00 years */
	p[0] = per("1990-01-01", "1990-12-31", ZA_AUSB, 1, 3);
	p[1] = per("1991-01-01", "1994-12-31", ZA_AUSB, 1, 1);
	CHECK(rechne(p, 2, "1970-01-01", "2026-01-01") == 0);
	CHECK(erg[0].rgf_hundertstel == 12167 && erg[1].rgf_hundertstel == 97333 && erg[1].gekappt);
	CHECK(summe.rgf_tage == 1095 && summe.jahre_hundertstel == 300);
	/* SONST: factor ½, at most 3,650 days; reached inside the second period (1,826 + 1,824 of 2,009) */
	p[0] = per("1990-01-01", "1999-12-31", ZA_SONST, 1, 1);
	p[1] = per("2000-01-01", "2010-12-31", ZA_SONST, 1, 1);
	p[2] = per("2011-01-01", "2011-12-31", ZA_SONST, 1, 1);
	CHECK(rechne(p, 3, "1970-01-01", "2026-01-01") == 0);
	CHECK(erg[0].rgf_hundertstel == 182600 && !erg[0].gekappt);
	CHECK(erg[1].tage == 4018 && erg[1].rgf_hundertstel == 182400 && erg[1].gekappt);
	CHECK(erg[2].rgf_hundertstel == 0 && erg[2].gekappt && summe.rgf_tage == 3650 && summe.jahre_hundertstel == 1000);
	/* an offen period consumes nothing of the cap */
	p[0] = per("1990-01-01", "1992-12-31", ZA_AUSB, 1, 1);
	p[0].anerkennung = AN_OFFEN;
	p[1] = per("1993-01-01", "1995-12-31", ZA_AUSB, 1, 1);
	CHECK(rechne(p, 2, "1970-01-01", "2026-01-01") == 0);
	CHECK(erg[0].offen && erg[0].rgf_hundertstel == 0 && erg[1].rgf_hundertstel == 109500 && !erg[1].gekappt);
}

static void test_dienstzeit_17th_birthday(void)
{
	/* born 15.06.1980: from 15.06.1997 on (the birthday counts) */
	CHECK(dienstzeit_ab_17(tag("1980-06-15")) == tag("1997-06-15"));
	struct periode p[2] = {per("1997-01-01", "1997-12-31", ZA_WEHR, 1, 1)};
	CHECK(rechne(p, 1, "1980-06-15", "2026-01-01") == 0);
	CHECK(erg[0].tage == 365 && erg[0].tage_vor_17 == 165 && erg[0].rgf_hundertstel == 20000); /* partly before */
	p[0] = per("1997-06-15", "1997-06-30", ZA_WEHR, 1, 1); /* starts on the birthday */
	CHECK(rechne(p, 1, "1980-06-15", "2026-01-01") == 0 && erg[0].tage_vor_17 == 0 && erg[0].rgf_hundertstel == 1600);
	p[0] = per("1997-07-01", "1997-07-31", ZA_WEHR, 1, 1); /* starts after */
	CHECK(rechne(p, 1, "1980-06-15", "2026-01-01") == 0 && erg[0].tage_vor_17 == 0 && erg[0].rgf_hundertstel == 3100);
	p[0] = per("1997-06-01", "1997-06-14", ZA_WEHR, 1, 1); /* ends the day before: nothing */
	CHECK(rechne(p, 1, "1980-06-15", "2026-01-01") == 0 && erg[0].tage_vor_17 == 14 && erg[0].rgf_hundertstel == 0);
	p[0] = per("1997-06-01", "1997-06-15", ZA_WEHR, 1, 1); /* ends on the birthday: that day */
	CHECK(rechne(p, 1, "1980-06-15", "2026-01-01") == 0 && erg[0].rgf_hundertstel == 100);
	/* 5.–24.06.1997: 10 days count for WEHR ANGOD AUSB SONST (½), all 20 for the others */
	static const long want[ZEITART__MAX] = {
		[ZA_VORB] = 2000, [ZA_BEAMT] = 2000, [ZA_BDF] = 2000, [ZA_ATZ] = 1800,  [ZA_URLOI] = 2000,
		[ZA_WEHR] = 1000, [ZA_ANGOD] = 1000, [ZA_AUSB] = 1000, [ZA_SONST] = 500, [ZA_ZUR] = 1333,
	};
	for (int z = 0; z < ZEITART__MAX; z++) {
		p[0] = per("1997-06-05", "1997-06-24", (enum zeitart)z, 1, 1);
		CHECK(rechne(p, 1, "1980-06-15", "2026-01-01") == 0 && erg[0].rgf_hundertstel == want[z]);
		CHECK(erg[0].tage_vor_17 == (zeitart_info[z].ab_17 ? 10 : 0));
	}
	/* born on 29 February: the 17th birthday is 1 March (no 29 February 17 years later) */
	CHECK(dienstzeit_ab_17(tag("2000-02-29")) == tag("2017-03-01"));
	CHECK(dienstzeit_ab_17(tag("1996-02-29")) == tag("2013-03-01"));
	CHECK(dienstzeit_ab_17(tag("2000-02-28")) == tag("2017-02-28"));
	CHECK(dienstzeit_ab_17(tag("2000-03-01")) == tag("2017-03-01"));
	p[0] = per("2017-02-01", "2017-03-31", ZA_AUSB, 1, 1);
	CHECK(rechne(p, 1, "2000-02-29", "2026-01-01") == 0);
	CHECK(erg[0].tage == 59 && erg[0].tage_vor_17 == 28 && erg[0].rgf_hundertstel == 3100);
	p[0] = per("2017-02-28", "2017-02-28", ZA_AUSB, 1, 1);
	CHECK(rechne(p, 1, "2000-02-29", "2026-01-01") == 0 && erg[0].rgf_hundertstel == 0);
	p[0] = per("2017-03-01", "2017-03-01", ZA_AUSB, 1, 1);
	CHECK(rechne(p, 1, "2000-02-29", "2026-01-01") == 0 && erg[0].rgf_hundertstel == 100);
	/* an ongoing period from before the birthday */
	p[0] = per("2016-01-01", NULL, ZA_ANGOD, 1, 1);
	CHECK(rechne(p, 1, "2000-02-29", "2017-03-10") == 0 && erg[0].tage == 435 && erg[0].rgf_hundertstel == 1000);
}

static void test_dienstzeit_ongoing_and_offen(void)
{
	struct periode p[3] = {per("2020-01-01", NULL, ZA_BEAMT, 1, 1)};
	CHECK(rechne(p, 1, "1990-01-01", "2020-12-31") == 0 && erg[0].tage == 366 && erg[0].rgf_hundertstel == 36600);
	CHECK(rechne(p, 1, "1990-01-01", "2020-01-01") == 0 && erg[0].tage == 1);
	CHECK(rechne(p, 1, "1990-01-01", "2019-12-31") == 0 && erg[0].tage == 0 && summe.rgf_tage == 0); /* not begun */
	p[0] = per("2020-01-01", NULL, ZA_BEAMT, 20, 40);
	CHECK(rechne(p, 1, "1990-01-01", "2020-12-31") == 0 && erg[0].rgf_hundertstel == 18300);
	/* a period with ende counts in full, even one reaching past heute */
	p[0] = per("2020-01-01", "2020-12-31", ZA_BEAMT, 1, 1);
	CHECK(rechne(p, 1, "1990-01-01", "2020-06-30") == 0 && erg[0].tage == 366);
	/* offen: its days are shown, it counts 0 and is marked; the sum says so */
	p[0] = per("2001-01-01", "2001-12-31", ZA_BEAMT, 1, 1);
	p[1] = per("2002-01-01", "2002-12-31", ZA_ANGOD, 1, 1);
	p[1].anerkennung = AN_OFFEN;
	p[2] = per("2003-01-01", NULL, ZA_BEAMT, 1, 1);
	p[2].anerkennung = AN_ENTSCHIEDEN;
	CHECK(rechne(p, 3, "1980-01-01", "2003-12-31") == 0);
	CHECK(!erg[0].offen && erg[1].offen && erg[1].tage == 365 && erg[1].rgf_tage == 0 && erg[1].rgf_hundertstel == 0);
	CHECK(!erg[2].offen && erg[2].rgf_hundertstel == 36500 && summe.offen && summe.jahre_hundertstel == 200);
	CHECK(rechne(p, 1, "1980-01-01", "2003-12-31") == 0 && !summe.offen);
	CHECK(strcmp(anerkennung_offen_hinweis, "noch nicht entschieden") == 0);
}

/* DOMAIN.md §2's worked example, exactly */
static void test_dienstzeit_example(void)
{
	struct periode p[3] = {
		per("2001-08-01", "2010-07-31", ZA_BEAMT, 41, 41),
		per("2010-08-01", "2015-07-31", ZA_BEAMT, 30, 41),
		per("2015-08-01", "2016-07-31", ZA_EZ, 1, 1),
	};
	CHECK(rechne(p, 3, "1975-04-12", "2026-05-01") == 0);
	CHECK(erg[0].tage == 3287 && erg[0].rgf_hundertstel == 328700);
	CHECK(erg[1].tage == 1826 && erg[1].rgf_hundertstel == 133610 && fabs(erg[1].rgf_tage - 1826.0 * 30 / 41) < 1e-9);
	CHECK(erg[2].tage == 366 && erg[2].rgf_hundertstel == 0);
	CHECK(fabs(summe.rgf_tage - (3287 + 1826.0 * 30 / 41)) < 1e-9);
	CHECK(summe.jahre_hundertstel == 1267 && summe.satz_hundertstel == 2273 && summe.jahre == 12.67 && summe.satz == 22.73);
	char t[DZ_ZAHL_MAX], j[DZ_ZAHL_MAX], s[DZ_ZAHL_MAX];
	dienstzeit_format_tage(erg[1].rgf_hundertstel, t);
	dienstzeit_format_jahre(summe.jahre_hundertstel, j);
	dienstzeit_format_satz(summe.satz_hundertstel, s);
	CHECK(strcmp(t, "1.336,10") == 0 && strcmp(j, "12,67") == 0 && strcmp(s, "22,73 %") == 0);
}

/* Full days from 2000-01-01 plus `teil` days at [1, 40] right after. */
static int rechne_tage(long voll, long teil, double stunden)
{
	long b = tag("2000-01-01");
	struct periode p[2] = {
		{b, b + voll - 1, ZA_BEAMT, 1, 1, AN_GESETZLICH},
		{b + voll, b + voll + teil - 1, ZA_BEAMT, stunden, 40, AN_GESETZLICH},
	};
	return dienstzeit_berechnen(p, teil ? 2 : 1, tag("1970-01-01"), tag("2026-01-01"), erg, &summe);
}

static void test_dienstzeit_rounding(void)
{
	/* exact ties round up: 366 + 33/40 days = 1.005 years (a double gives 1.00499…), 12.665 years */
	CHECK(rechne_tage(366, 33, 1) == 0 && summe.jahre_hundertstel == 101);
	CHECK(rechne_tage(366, 32, 1) == 0 && summe.jahre_hundertstel == 100);
	CHECK(rechne_tage(432, 21, 1) == 0 && summe.jahre_hundertstel == 119); /* 1.185 */
	CHECK(rechne_tage(4622, 29, 1) == 0 && summe.jahre_hundertstel == 1267);
	CHECK(rechne_tage(4622, 29, 0.99) == 0 && summe.jahre_hundertstel == 1266); /* just below */
	/* a period's days: 1 × 1/8 = 0.125 → 0,13 */
	struct periode p = per("2001-01-01", "2001-01-01", ZA_BEAMT, 5, 40);
	CHECK(rechne(&p, 1, "1970-01-01", "2026-01-01") == 0 && erg[0].rgf_hundertstel == 13);
	/* the Satz from the rounded years, half up: 0.80 years × 1.79375 = 1.435 → 1,44 % */
	CHECK(rechne_tage(292, 0, 1) == 0 && summe.jahre_hundertstel == 80 && summe.satz_hundertstel == 144);
	/* at most 71.75 %: 40 years reach it exactly, 45 do not exceed it */
	CHECK(rechne_tage(14600, 0, 1) == 0 && summe.jahre_hundertstel == 4000 && summe.satz_hundertstel == 7175);
	CHECK(rechne_tage(14599, 0, 1) == 0 && summe.jahre_hundertstel == 4000 && summe.satz_hundertstel == 7175);
	CHECK(rechne_tage(14597, 0, 1) == 0 && summe.jahre_hundertstel == 3999 && summe.satz_hundertstel == 7173);
	CHECK(rechne_tage(16425, 0, 1) == 0 && summe.jahre_hundertstel == 4500 && summe.satz_hundertstel == 7175);
	CHECK(summe.satz == 71.75 && summe.jahre == 45);
	/* many different Regelstunden: denominators past 2^80 are rounded to 10^-12 day, no overflow */
	static const double regel[12] = {40.01, 40.03, 40.07, 40.09, 40.13, 40.19,
					 40.21, 40.27, 40.39, 40.49, 40.51, 40.57};
	struct periode viele[12];
	double erwartet = 0;
	for (int i = 0; i < 12; i++) {
		long b = tag("2000-01-01") + 1000L * i;
		viele[i] = (struct periode){b, b + 999, ZA_ZUR, 39.99, regel[i], AN_GESETZLICH};
		erwartet += 1000 * 3999.0 / (regel[i] * 100) * 2 / 3;
	}
	CHECK(dienstzeit_berechnen(viele, 12, tag("1970-01-01"), tag("2040-01-01"), erg, &summe) == 0);
	CHECK(fabs(summe.rgf_tage - erwartet) < 1e-6 && summe.jahre_hundertstel == (long)(erwartet / 365 * 100 + 0.5));
}

static void test_dienstzeit_invalid(void)
{
	struct periode p[2] = {per("2001-01-01", "2001-12-31", ZA_BEAMT, 1, 1), per("2001-12-31", "2002-12-31", ZA_BEAMT, 1, 1)};
	CHECK(rechne(p, 2, "1970-01-01", "2026-01-01") == -1); /* overlap by one day */
	p[1].beginn = tag("2002-01-01");
	CHECK(rechne(p, 2, "1970-01-01", "2026-01-01") == 0); /* adjacent */
	p[0].ende = ENDE_LAUFEND;
	CHECK(rechne(p, 2, "1970-01-01", "2026-01-01") == -1); /* an ongoing period before another */
	p[0] = per("2001-01-01", "2000-12-31", ZA_BEAMT, 1, 1);
	CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == -1); /* ende before beginn */
	p[0] = per("2001-01-01", "2001-01-01", ZA_BEAMT, 1, 1);
	CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == 0 && erg[0].tage == 1); /* one day */
	static const double bad[][2] = {{1, 0}, {0, 0}, {-1, 41}, {42, 41}, {1, 169}, {1, 0.004}};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		p[0] = per("2001-01-01", "2001-12-31", ZA_BEAMT, bad[i][0], bad[i][1]);
		CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == -1);
	}
	p[0] = per("2001-01-01", "2001-12-31", ZA_BEAMT, NAN, 41);
	CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == -1);
	p[0] = per("2001-01-01", "2001-12-31", ZA_BEAMT, 0, 41); /* no hours: valid, counts 0 */
	CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == 0 && erg[0].rgf_hundertstel == 0);
	p[0] = per("2001-01-01", "2001-12-31", (enum zeitart)ZEITART__MAX, 1, 1);
	CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == -1);
	p[0] = per("2001-01-01", "2001-12-31", ZA_BEAMT, 1, 1);
	p[0].anerkennung = (enum anerkennung)ANERKENNUNG__MAX;
	CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == -1);
	p[0] = per("2001-01-01", "2001-12-31", ZA_BEAMT, 1, 1);
	p[0].beginn = date_days(1899, 12, 31);
	CHECK(rechne(p, 1, "1970-01-01", "2026-01-01") == -1);
	CHECK(dienstzeit_berechnen(p, 0, date_days(1899, 1, 1), tag("2026-01-01"), erg, &summe) == -1);
	CHECK(dienstzeit_berechnen(NULL, 0, tag("1970-01-01"), tag("2026-01-01"), erg, &summe) == 0);
	CHECK(summe.rgf_tage == 0 && summe.jahre_hundertstel == 0 && summe.satz_hundertstel == 0 && !summe.offen);
}

static bool zahl_ist(long hundertstel, int art, const char *want)
{
	char out[DZ_ZAHL_MAX];
	if (art == 0)
		dienstzeit_format_tage(hundertstel, out);
	else if (art == 1)
		dienstzeit_format_jahre(hundertstel, out);
	else
		dienstzeit_format_satz(hundertstel, out);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  format %ld: \"%s\", want \"%s\"\n", hundertstel, out, want);
	return strcmp(out, want) == 0;
}

static void test_dienstzeit_format(void)
{
	CHECK(zahl_ist(0, 0, "0,00") && zahl_ist(5, 0, "0,05") && zahl_ist(99999, 0, "999,99"));
	CHECK(zahl_ist(100000, 0, "1.000,00") && zahl_ist(123456789, 0, "1.234.567,89"));
	CHECK(zahl_ist(-133610, 0, "-1.336,10") && zahl_ist(1267, 1, "12,67") && zahl_ist(7175, 2, "71,75 %"));
	CHECK(zahl_ist(LONG_MIN, 0, "-92.233.720.368.547.758,08"));
}

static void test_dienstzeit(void)
{
	test_day_numbers();
	test_zeitart_catalogue();
	test_dienstzeit_factors();
	test_dienstzeit_caps();
	test_dienstzeit_17th_birthday();
	test_dienstzeit_ongoing_and_offen();
	test_dienstzeit_example();
	test_dienstzeit_rounding();
	test_dienstzeit_invalid();
	test_dienstzeit_format();
}

/* ---- abrecord: one line of the person import ---- */

static int ab_parse(arena *a, const char *line, struct ab_record *r, char *err)
{
	return abrecord_parse(a, line, strlen(line), r, err, 400);
}

#define AB_HEAD "{\"pnr\":\"78970\",\"nr\":\"A-1\",\"art\":\"aktiv\",\"name\":\"Muster\",\"vorname\":\"Erika\",\"geburtsdatum\":\"1975-04-12\""

/* line is refused with a message containing want */
static void ab_refused(arena *a, const char *line, const char *want)
{
	struct ab_record r;
	char err[400] = "";
	int rc = ab_parse(a, line, &r, err);
	CHECK(rc == -1);
	if (!strstr(err, want)) {
		failed++;
		fprintf(stderr, "FAIL abrecord: \"%s\" not in \"%s\" (line %s)\n", want, err, line);
	} else
		passed++;
}

static void test_abrecord(void)
{
	arena a;
	arena_init(&a);
	struct ab_record r;
	char err[400];
	const char *full = AB_HEAD ",\"titel\":\"Dr.\",\"anschrift\":{\"strasse\":\"Hauptstr. 1\",\"plz\":\"48143\",\"ort\":\"Münster\"},"
			   "\"telefon\":\"0251 1234\",\"email\":\"e@example.org\",\"dienst\":{\"verhaeltnis\":\"lebenszeit\","
			   "\"besoldungsgruppe\":\"A10\",\"stufe\":6,\"umfang\":[30.25,41]},\"lebenslauf\":["
			   "{\"beginn\":\"1994-08-01\",\"ende\":\"1997-07-31\",\"zeitart\":\"AUSB\",\"anerkennung\":\"entschieden\"},"
			   "{\"beginn\":\"2001-08-01\",\"ende\":null,\"zeitart\":\"BEAMT\",\"umfang\":[30,41],\"anerkennung\":\"gesetzlich\"}]}";
	CHECK(ab_parse(&a, full, &r, err) == 0);
	CHECK(str_eq(r.nr, "A-1") && r.art == AB_AKTIV && str_eq(r.geburtsdatum, "1975-04-12"));
	CHECK(str_eq(r.land, "DE") && str_eq(r.plz, "48143") && str_eq(r.ort, "Münster"));
	CHECK(r.stufe == 6 && r.stunden == 3025 && r.regelstunden == 4100 && str_eq(r.besoldungsgruppe, "A10"));
	CHECK(r.nperioden == 2 && r.perioden[0].zeitart == ZA_AUSB && r.perioden[0].stunden == 100 &&
	      r.perioden[0].anerkennung == AN_ENTSCHIEDEN && str_eq(r.perioden[1].ende, "") && r.perioden[1].stunden == 3000);
	CHECK(r.geburtsname == NULL && r.versorgung_art == NULL);
	/* the hash follows the canonical text: same record, other spacing → same; other value → other */
	unsigned char h1[AB_HASH_BYTES];
	memcpy(h1, r.inhalt, sizeof h1);
	CHECK(ab_parse(&a, AB_HEAD " , \"titel\" : \"Dr.\"}", &r, err) == 0);
	unsigned char h2[AB_HASH_BYTES];
	memcpy(h2, r.inhalt, sizeof h2);
	CHECK(ab_parse(&a, AB_HEAD ",\"titel\":\"Dr.\"}", &r, err) == 0 && memcmp(h2, r.inhalt, sizeof h2) == 0);
	CHECK(memcmp(h1, h2, sizeof h1) != 0);
	CHECK(ab_parse(&a, AB_HEAD ",\"titel\":\"Prof.\"}", &r, err) == 0 && memcmp(h2, r.inhalt, sizeof h2) != 0);
	/* pensioners, survivors */
	CHECK(ab_parse(&a, "{\"pnr\":\"1\",\"nr\":\"R-1\",\"art\":\"hinterbliebene\",\"name\":\"A\",\"vorname\":\"B\","
			   "\"geburtsdatum\":\"1950-01-01\",\"lebenslauf\":[],\"versorgung\":{\"art\":\"witwengeld\","
			   "\"beginn\":\"2020-01-01\",\"bezug_nr\":\"R-0\"}}", &r, err) == 0);
	CHECK(r.art == AB_HINTERBLIEBENE && str_eq(r.bezug_nr, "R-0") && r.nperioden == 0);
	/* refusals, each with its German message */
	ab_refused(&a, AB_HEAD, "Ungültiges JSON");
	ab_refused(&a, AB_HEAD "} x", "weiterer Text");
	ab_refused(&a, "\"text\"", "kein JSON-Objekt");
	ab_refused(&a, "{\"name\":\"M\xc3\"}", "UTF-8");
	ab_refused(&a, AB_HEAD ",\"hobby\":1}", "Unbekanntes Feld „hobby“");
	ab_refused(&a, AB_HEAD ",\"name\":\"X\"}", "Feld „name“ doppelt");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A-1\",\"art\":\"aktiv\",\"name\":\"M\",\"geburtsdatum\":\"1975-04-12\"}",
		   "Pflichtfeld „vorname“ fehlt");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"a_1\",\"art\":\"aktiv\"}", "Ungültige Personennummer „a_1“");
	ab_refused(&a, "{\"pnr\":\"P1\",\"nr\":\"A\",\"art\":\"aktiv\"}", "Ungültige PNR");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"x\"}", "Unbekannter Wert „x“ in „art“");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"aktiv\",\"name\":\"M\",\"vorname\":\"E\",\"geburtsdatum\":\"1899-12-31\"}",
		   "Ungültiges Datum „1899-12-31“ in „geburtsdatum“");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"aktiv\",\"name\":\"M\",\"vorname\":\"E\",\"geburtsdatum\":\"2101-01-01\"}",
		   "Ungültiges Datum");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"aktiv\",\"name\":\"M\",\"vorname\":\"E\",\"geburtsdatum\":\"1975-4-12\"}",
		   "Ungültiges Datum");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"aktiv\",\"name\":7}", "Feld „name“ muss Text sein");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"aktiv\",\"name\":\"A\\u202eB\"}", "Feld „name“");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"aktiv\",\"name\":\"A\\nB\"}", "Feld „name“");
	ab_refused(&a, AB_HEAD ",\"anschrift\":{\"plz\":\"123\"}}", "PLZ „123“: in Deutschland genau fünf Ziffern");
	ab_refused(&a, AB_HEAD ",\"anschrift\":{\"land\":\"Deutschland\"}}", "Land „Deutschland“");
	ab_refused(&a, AB_HEAD ",\"anschrift\":{\"hausnr\":\"1\"}}", "Unbekanntes Feld „hausnr“ in „anschrift“");
	ab_refused(&a, AB_HEAD ",\"telefon\":\"0251-ABC\"}", "Telefonnummer");
	ab_refused(&a, AB_HEAD ",\"email\":\"a b@example.org\"}", "E-Mail-Adresse");
	ab_refused(&a, AB_HEAD ",\"dienst\":{\"besoldungsgruppe\":\"B3\",\"stufe\":1}}", "nur in den Besoldungsgruppen A und R, nicht in B3");
	ab_refused(&a, AB_HEAD ",\"dienst\":{\"besoldungsgruppe\":\"W2\",\"stufe\":1}}", "nicht in W2");
	ab_refused(&a, AB_HEAD ",\"dienst\":{\"besoldungsgruppe\":\"A1\"}}", "Unbekannte Besoldungsgruppe „A1“");
	ab_refused(&a, AB_HEAD ",\"dienst\":{\"besoldungsgruppe\":\"R11\"}}", "Unbekannte Besoldungsgruppe");
	ab_refused(&a, AB_HEAD ",\"dienst\":{\"besoldungsgruppe\":\"A9\",\"stufe\":9}}", "von 1 bis 8");
	ab_refused(&a, AB_HEAD ",\"dienst\":{\"umfang\":[30.125,41]}}", "Stunden, Regelstunden");
	ab_refused(&a, AB_HEAD ",\"dienst\":{\"umfang\":[30]}}", "Stunden, Regelstunden");
	ab_refused(&a, AB_HEAD ",\"versorgung\":{\"art\":\"ruhegehalt\"}}", "„versorgung“ gibt es nicht für aktive");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"ruhestand\",\"name\":\"M\",\"vorname\":\"E\",\"geburtsdatum\":\"1950-01-01\","
		       "\"dienst\":{}}", "„dienst“ gibt es nur für aktive Personen (art „ruhestand“)");
	ab_refused(&a, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"ruhestand\",\"name\":\"M\",\"vorname\":\"E\",\"geburtsdatum\":\"1950-01-01\","
		       "\"lebenslauf\":[{\"beginn\":\"1970-01-01\",\"zeitart\":\"BEAMT\",\"anerkennung\":\"offen\"}]}",
		   "Einen Lebenslauf gibt es nur für aktive Personen (art „ruhestand“)");
#define LL(x) AB_HEAD ",\"lebenslauf\":[{\"beginn\":\"2001-08-01\",\"ende\":\"2010-07-31\",\"zeitart\":\"BEAMT\",\"anerkennung\":\"gesetzlich\"}," x "]}"
	ab_refused(&a, LL("{\"beginn\":\"2011-01-01\",\"zeitart\":\"XYZ\",\"anerkennung\":\"offen\"}"),
		   "Unbekannte Zeitart „XYZ“ im Lebenslauf (Eintrag 2).");
	ab_refused(&a, LL("{\"beginn\":\"2011-01-01\",\"zeitart\":\"EZ\",\"anerkennung\":\"vielleicht\"}"),
		   "Unbekannte Anerkennung „vielleicht“ im Lebenslauf (Eintrag 2)");
	ab_refused(&a, LL("{\"beginn\":\"2011-01-01\",\"zeitart\":\"EZ\"}"), "Pflichtfeld „anerkennung“ fehlt im Lebenslauf (Eintrag 2)");
	ab_refused(&a, LL("{\"beginn\":\"2011-01-01\",\"ende\":\"2010-12-31\",\"zeitart\":\"EZ\",\"anerkennung\":\"offen\"}"),
		   "Ende vor Beginn im Lebenslauf (Eintrag 2)");
	ab_refused(&a, LL("{\"beginn\":\"2010-07-31\",\"zeitart\":\"EZ\",\"anerkennung\":\"offen\"}"),
		   "Die Einträge 1 (2001-08-01 bis 2010-07-31) und 2 (2010-07-31 bis laufend) im Lebenslauf überschneiden sich.");
	/* an ongoing period earlier in the file overlaps every later one, whatever the order in the file */
	ab_refused(&a, AB_HEAD ",\"lebenslauf\":[{\"beginn\":\"2020-01-01\",\"zeitart\":\"BEAMT\",\"anerkennung\":\"offen\"},"
		       "{\"beginn\":\"1990-01-01\",\"zeitart\":\"AUSB\",\"anerkennung\":\"offen\"}]}",
		   "Die Einträge 1 (2020-01-01 bis laufend) und 2 (1990-01-01 bis laufend)");
	ab_refused(&a, LL("{\"beginn\":\"2011-01-01\",\"zeitart\":\"EZ\",\"anerkennung\":\"offen\",\"umfang\":[42,41]}"),
		   "im Lebenslauf (Eintrag 2) muss [Stunden, Regelstunden]");
	ab_refused(&a, LL("{\"beginn\":\"2011-01-01\",\"zeitart\":\"EZ\",\"anerkennung\":\"offen\",\"bemerkung\":\"x\"}"),
		   "Unbekanntes Feld „bemerkung“ im Lebenslauf (Eintrag 2)");
	/* adjacent periods are fine */
	CHECK(ab_parse(&a, LL("{\"beginn\":\"2010-08-01\",\"zeitart\":\"EZ\",\"anerkennung\":\"offen\"}"), &r, err) == 0);
#undef LL
	CHECK(abrecord_nr_ok("A-0001234") && abrecord_nr_ok("12345678901234567890") && !abrecord_nr_ok("123456789012345678901") &&
	      !abrecord_nr_ok("") && !abrecord_nr_ok("A 1"));
	CHECK(abrecord_text_ok("Müller-Lüdenscheidt", 100) && !abrecord_text_ok("A\xe2\x80\x8f", 100) && !abrecord_text_ok("", 100));
	char d[16];
	abrecord_decimal(3025, d);
	CHECK(strcmp(d, "30.25") == 0);
	abrecord_decimal(100, d);
	CHECK(strcmp(d, "1.00") == 0);
	/* dates are checked by hand now (no sscanf): leap years, month lengths, the range */
	static const struct {
		const char *d;
		bool ok;
	} dates[] = {{"2000-02-29", true},  {"2024-02-29", true},  {"1900-02-28", true},  {"2100-12-31", true},
		     {"1900-01-01", true},  {"1900-02-29", false}, {"2100-02-29", false}, {"2023-02-29", false},
		     {"2020-04-31", false}, {"2020-13-01", false}, {"2020-00-10", false}, {"2020-01-00", false},
		     {"2020-01-32", false}, {"2020-1-011", false}, {"2020/01/01", false}, {"2020-01-01 ", false}};
	for (size_t i = 0; i < ARRAY_LEN(dates); i++) {
		char line[200];
		snprintf(line, sizeof line, "{\"pnr\":\"1\",\"nr\":\"A\",\"art\":\"aktiv\",\"name\":\"M\",\"vorname\":\"E\","
			 "\"geburtsdatum\":\"%s\"}", dates[i].d);
		bool ok = ab_parse(&a, line, &r, err) == 0;
		CHECK(ok == dates[i].ok && (!ok || strcmp(r.geburtsdatum, dates[i].d) == 0));
		if (ok != dates[i].ok)
			fprintf(stderr, "FAIL abrecord date %s\n", dates[i].d);
	}
	/* abrecord_check: the same verdicts and messages, no canonical form and hash */
	CHECK(abrecord_check(&a, full, strlen(full), &r, err, sizeof err) == 0 && r.nperioden == 2 && r.kanonisch == NULL);
	char err2[400] = "";
	CHECK(abrecord_check(&a, AB_HEAD ",\"hobby\":1}", strlen(AB_HEAD ",\"hobby\":1}"), &r, err2, sizeof err2) == -1 &&
	      strstr(err2, "Unbekanntes Feld „hobby“"));
	arena_reset(&a);
}

/* write_all: every byte through a pipe; -1 once the reader is gone or for a bad descriptor. */
static void test_write_all(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	const char text[] = "Meine Versorgung\n";
	CHECK(write_all(fds[1], text, sizeof text - 1) == 0);
	CHECK(write_all(fds[1], text, 0) == 0);
	char got[64] = {0};
	CHECK(read(fds[0], got, sizeof got) == (ssize_t)(sizeof text - 1));
	CHECK(strcmp(got, text) == 0);
	close(fds[0]);
	void (*before)(int) = signal(SIGPIPE, SIG_IGN);
	CHECK(write_all(fds[1], text, sizeof text - 1) == -1); /* EPIPE */
	signal(SIGPIPE, before);
	close(fds[1]);
	CHECK(write_all(-1, text, 1) == -1);
}

#include "unit_meldung.c"

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	char err[256];
	setenv("MV_SECRET_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
	if (config_load(NULL, err, sizeof err) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return 1;
	}
	unsetenv("MV_SECRET_KEY");
	test_write_all();
	test_urlencoded();
	test_cookies();
	test_request_params();
	test_multipart();
	test_document_names();
	test_escaping();
	test_table_labels();
	test_url_printf();
	test_router();
	test_templates();
	test_policy();
	test_ids_and_secrets();
	test_pw_gate();
	test_dates_and_text();
	test_local_times();
	test_placeholders();
	test_name_check();
	test_fold();
	test_stem();
	test_config();
	test_c1_controls();
	test_multipart_field();
	test_utf8_clip();
	test_idle_warning();
	test_dienstzeit();
	test_meldung();
	test_abrecord();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
