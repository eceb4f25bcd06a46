/* unit_tests.c — tests of the pure C parts: input parser, escaping writer, templates,
 * password policy, Nutzerkennung and TAN generation, tokens, config parsing, dates. */
#include "config.h"
#include "html.h"
#include "http.h"
#include "policy.h"
#include "router.h"
#include "secret.h"
#include "util.h"
#include <sodium.h>
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
	sbuf_reset(&b);
	url_encode(&b, "a b&c/ä");
	CHECK(strcmp(b.data, "a%20b%26c%2F%C3%A4") == 0);
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
	arena_reset(&la);
}

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
	test_urlencoded();
	test_cookies();
	test_request_params();
	test_multipart();
	test_escaping();
	test_url_printf();
	test_router();
	test_templates();
	test_policy();
	test_ids_and_secrets();
	test_pw_gate();
	test_dates_and_text();
	test_fold();
	test_stem();
	test_config();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
