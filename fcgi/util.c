/* util.c — allocation, arena, string buffer and string helpers. */
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <time.h>

void mv_oom(void)
{
	static const char msg[] = "fatal: out of memory\n";
	ssize_t r = write(2, msg, sizeof msg - 1);
	(void)r;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		mv_oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		mv_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		mv_oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		mv_oom();
	return p;
}

/* ---- arena ---- */

struct arena_chunk {
	arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK 16384

void arena_init(arena *a)
{
	a->head = NULL;
	a->total = 0;
}

/* n bytes of a, 16-byte aligned, not zeroed (the string buffers, which write before they read). */
static void *arena_take(arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n)
		mv_oom();
#ifdef MV_ARENA_DEBUG
	arena_chunk *c = xmalloc(sizeof *c + need);
	c->used = c->cap = need;
	c->next = a->head;
	a->head = c;
	a->total += need;
	return c->data;
#else
	arena_chunk *c = a->head;
	if (!c || c->cap - c->used < need) {
		size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		c = xmalloc(sizeof *c + cap);
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->total += need;
	return p;
#endif
}

void *arena_alloc(arena *a, size_t n)
{
	void *p = arena_take(a, n);
	memset(p, 0, (n + 15) & ~(size_t)15);
	return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	char *p = arena_take(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(arena *a, const char *s)
{
	return arena_strndup(a, s ? s : "", s ? strlen(s) : 0);
}

char *arena_printf(arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		mv_oom();
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void arena_reset(arena *a)
{
	arena_chunk *c = a->head;
	while (c) {
		arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

/* ---- sbuf ---- */

void sbuf_init(sbuf *b)
{
	*b = (sbuf){0};
}

sbuf sbuf_in(arena *a)
{
	return (sbuf){.a = a};
}

void sbuf_free(sbuf *b)
{
	if (!b->a)
		free(b->data);
	*b = (sbuf){.a = b->a};
}

void sbuf_reset(sbuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static void sbuf_grow(sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1) {
		if (cap > SIZE_MAX / 2)
			mv_oom();
		cap *= 2;
	}
	if (b->a) {
		char *p = arena_take(b->a, cap); /* the old block stays until the arena is reset */
		if (b->len)
			memcpy(p, b->data, b->len + 1);
		b->data = p;
	} else
		b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void sbuf_reserve(sbuf *b, size_t extra)
{
	sbuf_grow(b, extra);
}

void sbuf_adds(sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_addc(sbuf *b, char c)
{
	sbuf_add(b, &c, 1);
}

void sbuf_vprintf(sbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0)
		mv_oom();
	sbuf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
}

void sbuf_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* ---- strings ---- */

bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool str_starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

char *str_trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

void str_upper_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* ASCII letters only, case-insensitive: does s start with the lower-case word w? */
static bool starts_ci(const char *s, const char *w)
{
	for (; *w; s++, w++)
		if (!*s || (*s | 0x20) != *w)
			return false;
	return true;
}

static bool ascii_alnum(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* A top-level domain that mail programs link ("beispiel.de"), right after a dot at s. */
static bool link_tld_at(const char *s)
{
	static const char *const tlds[] = {"com", "net", "org", "de", "eu", "info", "biz", "io", "co", "me", "ly",
					   "ru", "cn", "app", "xyz", "online", "site", "top", "shop", "link", "click",
					   "at", "ch", "nl", "uk", "fr", "it", "es", "pl", "tk", "to", "cc", "tv", "ws",
					   "gl", "gd", "gle", "page", "dev", "onion"};
	for (size_t i = 0; i < ARRAY_LEN(tlds); i++) {
		size_t n = strlen(tlds[i]);
		if (starts_ci(s, tlds[i]) && !ascii_alnum(s[n]) && ((unsigned char)s[n] < 0x80))
			return true;
	}
	return false;
}

/* The dot at p belongs to an e-mail address ("@" before it in the same word): a header look-alike
 * such as "Bcc: x@beispiel.de" stays ordinary text (SECURITY.md #40), only links are refused. */
static bool in_mail_address(const char *s, const char *p)
{
	while (p > s && p[-1] != ' ' && p[-1] != '@')
		p--;
	return p > s && p[-1] == '@';
}

enum name_issue name_check(const char *s)
{
	static const char *const schemes[] = {"http:", "https:", "ftp:", "mailto:", "file:", "javascript:", "data:"};
	for (const char *p = s; p && *p; p++) {
		const unsigned char *u = (const unsigned char *)p;
		if ((u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9)) || (u[0] == 0xC2 && u[1] == 0x85))
			return NAME_SEPARATOR;
	}
	for (const char *p = s; p && *p; p++) {
		bool word_start = p == s || !ascii_alnum(p[-1]);
		if (starts_ci(p, "://") || (word_start && starts_ci(p, "www.")))
			return NAME_URL;
		for (size_t i = 0; word_start && i < ARRAY_LEN(schemes); i++)
			if (starts_ci(p, schemes[i]))
				return NAME_URL;
		if (*p == '.' && p > s && ascii_alnum(p[-1]) && link_tld_at(p + 1) && !in_mail_address(s, p))
			return NAME_URL;
	}
	return NAME_OK;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t len;
		unsigned cp;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else
			return false;
		if ((size_t)(end - p) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += len;
	}
	return true;
}

size_t utf8_count(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/* ---- folding and stemming for matching (filters, FAQ search) ---- */

unsigned utf8_decode(const unsigned char *s, size_t n, size_t *i)
{
	unsigned c = s[*i];
	size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (len == 1 || *i + len > n) {
		(*i)++;
		return c < 0x80 ? c : UTF8_INVALID;
	}
	unsigned cp = c & (0x7F >> len);
	for (size_t k = 1; k < len; k++) {
		if ((s[*i + k] & 0xC0) != 0x80) {
			(*i)++;
			return UTF8_INVALID;
		}
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	}
	*i += len;
	return cp;
}

/* The folded form of a Latin letter (U+00C0–U+017F, U+1E9E), or NULL to keep the character;
 * with digraphs ä ö ü are ae oe ue, else a o u. */
static const char *fold_latin(unsigned cp, bool digraphs)
{
	/* U+00C0–U+00FF; "" for × and ÷, kept */
	static const char *const latin1[64] = {
		"a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "oe", "", "o", "u", "u", "u", "ue", "y", "th", "ss",
		"a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "oe", "", "o", "u", "u", "u", "ue", "y", "th", "y",
	};
	/* U+0100–U+017F, one base letter each; '2' marks Ĳ ĳ and Œ œ */
	static const char ext_a[] = "aaaaaaccccccccdd" "ddeeeeeeeeeegggg" "gggghhhhiiiiiiii" "ii22jjkkklllllll"
				    "lllnnnnnnnnnoooo" "oo22rrrrrrssssss" "ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs";
	static const char letters[] = "acdeghijklnorstuwyz";
	static const char *const one[] = {"a", "c", "d", "e", "g", "h", "i", "j", "k", "l", "n", "o", "r", "s",
					  "t", "u", "w", "y", "z"};
	if (cp >= 0xC0 && cp <= 0xFF) {
		const char *f = latin1[cp - 0xC0];
		if (!digraphs && (cp & 0xDF) >= 0xC4 && f[1] == 'e' && (cp & 0xDF) != 0xC6)
			return f[0] == 'a' ? "a" : f[0] == 'o' ? "o" : "u"; /* ä ö ü, not æ */
		return *f ? f : NULL;
	}
	if (cp == 0x1E9E)
		return "ss";
	if (cp < 0x100 || cp > 0x17F)
		return NULL;
	char base = ext_a[cp - 0x100];
	if (base == '2')
		return cp < 0x140 ? "ij" : "oe";
	const char *at = strchr(letters, base);
	return at ? one[at - letters] : NULL;
}

/* The lower case of a Greek or Cyrillic capital (same UTF-8 length), else cp. */
static unsigned lower_greek_cyrillic(unsigned cp)
{
	if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50;
	return cp;
}

static size_t fold_mode(const char *s, size_t n, char *out, bool digraphs)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t start = i;
		unsigned cp = utf8_decode(p, n, &i);
		const char *f = cp >= 0x80 && cp != UTF8_INVALID ? fold_latin(cp, digraphs) : NULL;
		unsigned low = cp >= 0x80 && cp != UTF8_INVALID ? lower_greek_cyrillic(cp) : cp;
		if (cp >= 'A' && cp <= 'Z')
			out[o++] = (char)(cp + 32);
		else if (f)
			for (; *f; f++)
				out[o++] = *f;
		else if (low != cp) { /* two bytes before and after */
			out[o++] = (char)(0xC0 | (low >> 6));
			out[o++] = (char)(0x80 | (low & 0x3F));
		} else
			while (start < i)
				out[o++] = (char)p[start++];
	}
	out[o] = '\0';
	return o;
}

size_t text_fold(const char *s, size_t n, char *out)
{
	return fold_mode(s, n, out, true);
}

char *str_fold(arena *a, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *out = arena_alloc(a, n + 1);
	text_fold(s ? s : "", n, out);
	return out;
}

char *str_match_key(arena *a, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *out = arena_alloc(a, 2 * n + 2);
	size_t k = fold_mode(s ? s : "", n, out, true);
	size_t m = fold_mode(s ? s : "", n, out + k + 1, false);
	if (m == k && memcmp(out, out + k + 1, k) == 0)
		out[k] = '\0';
	else
		out[k] = MATCH_KEY_SEP;
	return out;
}

size_t text_trigrams(const char *s, char tag, char out[][TRIGRAM_BYTES], size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), count = 0, at[3] = {0}, seen = 0; /* starts of the last three characters */
	for (size_t i = 0; i < n && count < max;) {
		if (p[i] == (unsigned char)MATCH_KEY_SEP) { /* no trigram across the two forms of a key */
			seen = 0;
			i++;
			continue;
		}
		at[0] = at[1], at[1] = at[2], at[2] = i;
		utf8_decode(p, n, &i);
		if (++seen < 3)
			continue;
		char g[TRIGRAM_BYTES];
		g[0] = tag;
		memcpy(g + 1, s + at[0], i - at[0]);
		g[1 + i - at[0]] = '\0';
		bool dup = false;
		for (size_t k = 0; k < count && !dup; k++)
			dup = strcmp(out[k], g) == 0;
		if (!dup)
			memcpy(out[count++], g, sizeof g);
	}
	return count;
}

size_t trigrams_drop(char g[][TRIGRAM_BYTES], size_t n, const char *common, char tag)
{
	char c[8][TRIGRAM_BYTES];
	size_t nc = text_trigrams(common, tag, c, ARRAY_LEN(c)), kept = 0;
	for (size_t i = 0; i < n; i++) {
		bool drop = false;
		for (size_t k = 0; k < nc && !drop; k++)
			drop = strcmp(g[i], c[k]) == 0;
		if (!drop && kept != i)
			memcpy(g[kept], g[i], TRIGRAM_BYTES);
		kept += !drop;
	}
	return kept;
}

static bool ends_with(const char *w, size_t n, const char *suffix, size_t min_stem)
{
	size_t k = strlen(suffix);
	return n >= k + min_stem && memcmp(w + n - k, suffix, k) == 0;
}

/* The length of w without the first suffix of list it ends with (keeping min_stem bytes), or n. */
static size_t strip_one(const char *w, size_t n, const char *const *list, size_t count, size_t min_stem)
{
	for (size_t k = 0; k < count; k++)
		if (ends_with(w, n, list[k], min_stem) && !(list[k][0] == 's' && !list[k][1] && w[n - 2] == 's'))
			return n - strlen(list[k]);
	return n;
}

/* Without the "ge" of a weak participle: gesperr → sperr, abgemeld → abmeld (separable prefix). */
static size_t strip_ge(char *w, size_t n)
{
	static const char *const separable[] = {"", "ab", "an", "auf", "aus", "bei", "durch", "ein", "fest", "frei",
						"her", "hin", "los", "mit", "nach", "um", "vor", "weg", "zu", "zurueck",
						"zusammen"};
	for (size_t k = 0; k < ARRAY_LEN(separable); k++) {
		size_t p = strlen(separable[k]);
		if (n >= p + 2 + 3 && memcmp(w, separable[k], p) == 0 && w[p] == 'g' && w[p + 1] == 'e') {
			memmove(w + p, w + p + 2, n - p - 2);
			return n - 2;
		}
	}
	return n;
}

size_t word_stem(char *w, size_t n)
{
	static const char *const derived[] = {"ungen", "heiten", "keiten", "innen", "ung", "heit", "keit"};
	static const char *const inflected[] = {"ern", "em", "en", "er", "es", "e", "s"};
	static const char *const verbal[] = {"et", "t"};
	static const char *const er[] = {"er"};
	size_t d = strip_one(w, n, derived, ARRAY_LEN(derived), 3);
	size_t m = strip_one(w, d, inflected, ARRAY_LEN(inflected), 3);
	size_t v = d == n ? strip_one(w, m, verbal, ARRAY_LEN(verbal), 3) : m;
	if (v < m) { /* a weak participle ends in -t or -et: gesperrt(e), abgemeldet, geändert */
		m = strip_ge(w, v);
		if (m < v) /* ge…ert of a verb in -ern: geändert → änd */
			m = strip_one(w, m, er, 1, 3);
	}
	size_t o = 0; /* umlauts as their base vowels: Postfächer → postfach, gültig → gultig */
	for (size_t i = 0; i < m; i++) {
		w[o++] = w[i];
		if ((w[i] == 'a' || w[i] == 'o' || w[i] == 'u') && i + 1 < m && w[i + 1] == 'e')
			i++;
	}
	w[o] = '\0';
	return o;
}

/* Whether a character belongs to a word: ASCII letters and digits, and letters from U+00C0 on
 * (not × ÷, general punctuation and symbols U+2000–U+2BFF, CJK punctuation U+3000–U+303F). */
static bool word_char(unsigned cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' && (cp | 32) <= 'z');
	return cp != UTF8_INVALID && cp >= 0xC0 && cp != 0xD7 && cp != 0xF7 && !(cp >= 0x2000 && cp <= 0x2BFF) &&
	       !(cp >= 0x3000 && cp <= 0x303F);
}

size_t text_word(const char *s, size_t *pos, size_t *start)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = *pos, len = 0;
	while (i < n) {
		size_t at = i;
		if (word_char(utf8_decode(p, n, &i))) {
			*start = at;
			len = i - at;
			break;
		}
	}
	while (len && i < n) {
		size_t at = i;
		if (!word_char(utf8_decode(p, n, &i))) {
			i = at;
			break;
		}
		len = i - *start;
	}
	*pos = i;
	return len;
}

char *text_stems(arena *a, const char *s)
{
	sbuf b = sbuf_in(a);
	char *w = arena_alloc(a, strlen(s) + 1);
	size_t pos = 0, start = 0, len;
	while ((len = text_word(s, &pos, &start))) {
		size_t n = word_stem(w, fold_mode(s + start, len, w, true));
		sbuf_addc(&b, ' ');
		sbuf_add(&b, w, n);
	}
	return b.data ? b.data : arena_strdup(a, "");
}

/* U+0080–U+009F: two bytes in UTF-8, C2 80 … C2 9F. */
static bool c1_at(const char *s, size_t n, size_t i)
{
	return (unsigned char)s[i] == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
	       (unsigned char)s[i + 1] <= 0x9F;
}

bool str_has_ctl_but(const char *s, size_t n, const char *allowed)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && (c == 0 || !strchr(allowed, c))) || c == 0x7F || c1_at(s, n, i))
			return true;
	}
	return false;
}

bool str_has_ctl(const char *s, size_t n)
{
	return str_has_ctl_but(s, n, "\t");
}

/* The length of the valid UTF-8 sequence at p (at most end - p bytes), 0 if none starts there. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	size_t len = *p < 0x80 ? 1 : *p >= 0xC2 && *p <= 0xDF ? 2 : *p >= 0xE0 && *p <= 0xEF ? 3
		   : *p >= 0xF0 && *p <= 0xF4 ? 4 : 0;
	return len && (size_t)(end - p) >= len && utf8_valid((const char *)p, len) ? len : 0;
}

void str_escape_ctl(sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + strlen((const char *)p);
	while (p < end) {
		size_t len = utf8_seq(p, end);
		if (*p == '\\')
			sbuf_adds(out, "\\\\");
		else if (len == 0 || *p < 0x20 || *p == 0x7F)
			sbuf_printf(out, "\\x%02x", *p); /* control characters and bytes that are not UTF-8 */
		else if (c1_at((const char *)p, 2, 0))
			sbuf_printf(out, "\\u%04x", (unsigned)p[1]);
		else
			sbuf_add(out, (const char *)p, len);
		p += len ? len : 1;
	}
}

char *utf8_clip(arena *a, const char *s, size_t maxchars)
{
	sbuf b = sbuf_in(a);
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + strlen((const char *)p);
	for (size_t chars = 0; p < end && chars < maxchars; chars++) {
		size_t len = utf8_seq(p, end);
		if (len)
			sbuf_add(&b, (const char *)p, len);
		else
			sbuf_addc(&b, '?');
		p += len ? len : 1;
	}
	return b.data ? b.data : arena_strdup(a, "");
}

int parse_int(const char *s, long long min, long long max, long long *out)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- validation ---- */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool parse_date(const char *in, char out[11])
{
	int d, m, y, n = 0;
	if (!in)
		return false;
	if (sscanf(in, "%2d.%2d.%4d%n", &d, &m, &y, &n) == 3 && (size_t)n == strlen(in) && strlen(in) == 10) {
	} else if (sscanf(in, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && (size_t)n == strlen(in) && strlen(in) == 10) {
	} else
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1)
		return false;
	int max = mdays[m - 1] + (m == 2 && leap(y));
	if (d > max)
		return false;
	snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
	return true;
}

const char *placeholder_find(const char *s, size_t *len)
{
	for (const char *open = strchr(s, '['); open; open = strchr(open + 1, '[')) {
		size_t n = strcspn(open + 1, "[]<>\n\r");
		bool letter = false;
		for (size_t i = 1; i <= n; i++) {
			unsigned char c = (unsigned char)open[i];
			letter |= ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
		}
		unsigned char before = open > s ? (unsigned char)open[-1] : ' ';
		bool in_word = ((before | 0x20) >= 'a' && (before | 0x20) <= 'z') || (before >= '0' && before <= '9');
		if (open[n + 1] == ']' && n >= 1 && n <= 300 && letter && !in_word) {
			*len = n + 2;
			return open;
		}
	}
	return NULL;
}

int write_all(int fd, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

char *file_read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	sbuf b;
	sbuf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sbuf_add(&b, chunk, n);
	bool ok = !ferror(f);
	fclose(f);
	if (!ok) {
		sbuf_free(&b);
		return NULL;
	}
	if (!b.data)
		sbuf_adds(&b, "");
	return b.data;
}

/* ---- times ---- */

/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

long date_days(int y, int m, int d)
{
	return (long)days_from_civil(y, m, d);
}

/* The inverse of days_from_civil (H. Hinnant's civil_from_days). */
void date_civil(long days, int *y, int *m, int *d)
{
	long long z = (long long)days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

bool parse_date_days(const char *in, long *days)
{
	char iso[11];
	if (!parse_date(in, iso))
		return false;
	*days = date_days(atoi(iso), atoi(iso + 5), atoi(iso + 8));
	return true;
}

void date_iso(long days, char out[11])
{
	int y, m, d;
	date_civil(days, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", (y % 10000 + 10000) % 10000, m, d);
}

long today_berlin(long long now_utc)
{
	long long local = now_utc + berlin_offset_s(now_utc);
	return (long)(local >= 0 ? local / 86400 : -((-local + 86399) / 86400));
}

/* 01:00 UTC of the last Sunday of a month of 31 days (March, October). */
static long long last_sunday_0100_utc(long long y, int m)
{
	long long d31 = days_from_civil(y, m, 31);
	long long wd = ((d31 + 4) % 7 + 7) % 7; /* 0 = Sunday: 1970-01-01 was a Thursday */
	return (d31 - wd) * 86400 + 3600;
}

bool utc_parse(const char *s, long long *t)
{
	int y, mo, d, h, mi, se, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19 ||
	    (s[19] && s[19] != '.'))
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 ||
	    se > 59 || h < 0 || mi < 0 || se < 0)
		return false;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return true;
}

int berlin_offset_s(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return 3600;
	long long y = tm.tm_year + 1900LL;
	return t >= last_sunday_0100_utc(y, 3) && t < last_sunday_0100_utc(y, 10) ? 7200 : 3600;
}

void time_berlin(long long t, enum time_style style, char out[32])
{
	time_t local = (time_t)(t + berlin_offset_s(t));
	struct tm tm;
	if (!gmtime_r(&local, &tm)) {
		out[0] = '\0';
		return;
	}
	static const char *const sep[] = {[TIME_MINUTES] = " ", [TIME_SECONDS] = " ", [TIME_UHR] = ", ",
					   [TIME_UM_UHR] = " um "};
	int n = snprintf(out, 32, "%02d.%02d.%04d%s%02d:%02d", tm.tm_mday, tm.tm_mon + 1, (tm.tm_year + 1900) % 10000,
			 sep[style], tm.tm_hour, tm.tm_min);
	if (n < 0 || n >= 32)
		return;
	if (style == TIME_SECONDS)
		snprintf(out + n, 32 - (size_t)n, ":%02d", tm.tm_sec);
	else if (style == TIME_UHR || style == TIME_UM_UHR)
		snprintf(out + n, 32 - (size_t)n, " Uhr");
}

char *time_de(arena *a, const char *utc, enum time_style style)
{
	long long t;
	char buf[32];
	if (!utc_parse(utc, &t))
		return arena_strdup(a, "");
	time_berlin(t, style, buf);
	return arena_strdup(a, buf);
}

bool valid_text(const char *s, size_t maxchars)
{
	if (!s || !*s)
		return false;
	size_t n = strlen(s);
	if (str_has_ctl_but(s, n, ""))
		return false; /* no tabs or line breaks in single-line values either */
	return utf8_valid(s, n) && utf8_count(s, n) <= maxchars;
}

char *sql_like_prefix(arena *a, const char *s)
{
	sbuf b;
	sbuf_init(&b);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '%' || *s == '_')
			sbuf_addc(&b, '\\');
		sbuf_addc(&b, *s);
	}
	sbuf_addc(&b, '%');
	char *out = arena_strdup(a, b.data);
	sbuf_free(&b);
	return out;
}

char *sql_like_anywhere(arena *a, const char *s)
{
	return arena_printf(a, "%%%s", sql_like_prefix(a, s));
}

size_t filter_grams_pick(arena *a, const char *f, char tag, const char *common, char out[FILTER_GRAMS][TRIGRAM_BYTES])
{
	enum { SEEN = 128 };
	char(*g)[TRIGRAM_BYTES] = arena_alloc(a, SEEN * sizeof *g);
	size_t n = text_trigrams(f ? f : "", tag, g, SEEN), k = 0;
	if (common)
		n = trigrams_drop(g, n, common, tag);
	for (; k < FILTER_GRAMS && k < n; k++)
		memcpy(out[k], g[n <= FILTER_GRAMS ? k : k * (n - 1) / (FILTER_GRAMS - 1)], TRIGRAM_BYTES);
	return k;
}

char *size_mb(arena *a, long long bytes)
{
	long long tenths = bytes * 10 / 1048576; /* rounded down: a limit is never overstated */
	if (tenths % 10 == 0)
		return arena_printf(a, "%lld MB", tenths / 10);
	return arena_printf(a, "%lld,%lld MB", tenths / 10, tenths % 10);
}

/* ---- e-mail addresses (mail.c, abrecord.c) ---- */

bool mail_addr_ok(const char *a)
{
	if (!a)
		return false;
	size_t n = strlen(a);
	if (n < 3 || n > 254)
		return false;
	const char *at = strrchr(a, '@');
	if (!at || at == a || !at[1] || !strchr(at + 1, '.') || at[strlen(at) - 1] == '.')
		return false;
	for (const char *p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7F || c == '"' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
		    c == ';' || c == ':' || c == '\\' || c == '[' || c == ']' || (c == '@' && p != at))
			return false;
	}
	return true;
}
