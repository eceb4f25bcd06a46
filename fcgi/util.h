/* util.h — request arena, growable string buffer, small string helpers.
 * Out-of-memory is fatal (abort), so no caller checks for NULL. */
#ifndef MV_UTIL_H
#define MV_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>

#define MV_NORETURN __attribute__((noreturn))
#define MV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

MV_NORETURN void mv_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Arena: bump allocator in chunks; arena_reset frees everything at once.
 * Built with -DMV_ARENA_DEBUG every allocation is its own malloc so ASan sees overflows. */
typedef struct arena_chunk arena_chunk;
typedef struct arena {
	arena_chunk *head;
	size_t total;
} arena;

void arena_init(arena *a);
void *arena_alloc(arena *a, size_t n);          /* zeroed, 16-byte aligned */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) MV_PRINTF(2, 3);
void arena_reset(arena *a);

/* Growable byte buffer, always NUL-terminated: on the heap (sbuf_init, freed with sbuf_free), or
 * in an arena (sbuf_in: freed with the arena, never by hand — page bodies live there). */
typedef struct sbuf {
	char *data;
	size_t len, cap;
	arena *a; /* NULL: heap */
} sbuf;

void sbuf_init(sbuf *b);
sbuf sbuf_in(arena *a);
void sbuf_free(sbuf *b);
void sbuf_reset(sbuf *b);
void sbuf_add(sbuf *b, const char *s, size_t n);
void sbuf_adds(sbuf *b, const char *s);
void sbuf_addc(sbuf *b, char c);
void sbuf_printf(sbuf *b, const char *fmt, ...) MV_PRINTF(2, 3);
void sbuf_vprintf(sbuf *b, const char *fmt, va_list ap) MV_PRINTF(2, 0);

/* Strings */
bool str_eq(const char *a, const char *b);          /* NULL-safe */
bool str_starts(const char *s, const char *prefix);
char *str_trim(char *s);                            /* in place, ASCII blanks */
void str_upper_ascii(char *s);
bool utf8_valid(const char *s, size_t n);
size_t utf8_count(const char *s, size_t n);         /* code points; s must be valid */
/* Folding for matching: ASCII lower case; ä/Ä → ae, ö/Ö → oe, ü/Ü → ue, ß/ẞ → ss; other Latin
 * letters (U+00C0–U+017F) to their base letters (é → e, ç → c, ø → o, æ → ae, œ → oe, ł → l);
 * Greek and Cyrillic capitals to lower case; everything else unchanged. The result is never longer than the input: text_fold writes at most
 * n + 1 bytes to out and returns the length; str_fold allocates in a (NULL folds as ""). */
size_t text_fold(const char *s, size_t n, char *out);
char *str_fold(arena *a, const char *s);
/* The key a filter matches against: str_fold of s, and if folding ä ö ü to a o u gives something
 * else, that too after MATCH_KEY_SEP ("Müller" → "mueller\x1fmuller"), so that "Mueller" and
 * "Muller" both occur in it, and no filter (which never holds a control character) spans both. */
#define MATCH_KEY_SEP '\x1f'
char *str_match_key(arena *a, const char *s);
/* The distinct trigrams (three characters, none across MATCH_KEY_SEP) of s, each behind the byte
 * tag, NUL-terminated, into out (at most max); returns how many. */
#define TRIGRAM_BYTES 16
size_t text_trigrams(const char *s, char tag, char out[][TRIGRAM_BYTES], size_t max);
/* Removes from g[0..n) the trigrams of common (up to ten characters; the same tag), keeping the
 * order; returns how many remain. */
size_t trigrams_drop(char g[][TRIGRAM_BYTES], size_t n, const char *common, char tag);
/* The stem of a folded German word, in place (NUL-terminated; returns the new length): one
 * derivational suffix (-ung, -ungen, -heit, -keit, -innen …), one inflection (-e, -en, -er,
 * -es, -em, -ern, -s), else a verb ending (-t, -et) whose weak participle loses its "ge", also
 * after a separable prefix (gesperrt → sperr, abgemeldet → abmeld, geändert → aend); stems keep
 * at least three bytes; then ae/oe/ue become a/o/u (Postfächer → postfach, gültig → gultig). */
size_t word_stem(char *w, size_t n);
/* The next word of s from *pos on (letters and digits; „ “ – … separate): returns its length (0:
 * none left), its start in *start, and moves *pos past it. */
size_t text_word(const char *s, size_t *pos, size_t *start);
/* The stems (str_fold, word_stem) of the words of s in order, each behind a blank:
 * "Ich wurde abgemeldet." → " ich wurd abmeld"; allocated in a. */
char *text_stems(arena *a, const char *s);
bool str_has_ctl(const char *s, size_t n);          /* control chars (except \t) or NUL */
bool parse_date(const char *in, char out[11]);      /* TT.MM.JJJJ or JJJJ-MM-TT -> JJJJ-MM-TT */
bool valid_text(const char *s, size_t maxchars);   /* 1..max chars, valid UTF-8, no control characters */
/* A LIKE pattern matching strings that start with s (\\ % _ escaped); allocated in a. */
char *sql_like_prefix(arena *a, const char *s);
int parse_int(const char *s, long long min, long long max, long long *out); /* 0 ok */

#endif
