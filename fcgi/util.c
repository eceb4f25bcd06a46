/* util.c — allocation, arena, string buffer and string helpers. */
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>

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

void *arena_alloc(arena *a, size_t n)
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
	memset(c->data, 0, need);
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
	memset(p, 0, need);
	return p;
#endif
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
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
		char *p = arena_alloc(b->a, cap); /* the old block stays until the arena is reset */
		if (b->len)
			memcpy(p, b->data, b->len + 1);
		b->data = p;
	} else
		b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void sbuf_add(sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
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

#define NOT_UTF8 0xFFFFFFFFu

/* The code point at s[*i] (advancing *i past it), or NOT_UTF8 for a stray byte (advancing by one). */
static unsigned utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned c = s[*i];
	size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (len == 1 || *i + len > n) {
		(*i)++;
		return c < 0x80 ? c : NOT_UTF8;
	}
	unsigned cp = c & (0x7F >> len);
	for (size_t k = 1; k < len; k++) {
		if ((s[*i + k] & 0xC0) != 0x80) {
			(*i)++;
			return NOT_UTF8;
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
		unsigned cp = utf8_next(p, n, &i);
		const char *f = cp >= 0x80 && cp != NOT_UTF8 ? fold_latin(cp, digraphs) : NULL;
		unsigned low = cp >= 0x80 && cp != NOT_UTF8 ? lower_greek_cyrillic(cp) : cp;
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
		utf8_next(p, n, &i);
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
	return cp != NOT_UTF8 && cp >= 0xC0 && cp != 0xD7 && cp != 0xF7 && !(cp >= 0x2000 && cp <= 0x2BFF) &&
	       !(cp >= 0x3000 && cp <= 0x303F);
}

size_t text_word(const char *s, size_t *pos, size_t *start)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = *pos, len = 0;
	while (i < n) {
		size_t at = i;
		if (word_char(utf8_next(p, n, &i))) {
			*start = at;
			len = i - at;
			break;
		}
	}
	while (len && i < n) {
		size_t at = i;
		if (!word_char(utf8_next(p, n, &i))) {
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

bool str_has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return true;
	}
	return false;
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

bool valid_text(const char *s, size_t maxchars)
{
	if (!s || !*s)
		return false;
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
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
