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
void sbuf_reserve(sbuf *b, size_t extra); /* room for extra more bytes and the NUL */
/* Inline: the page writers append a few thousand pieces per page. */
static inline void sbuf_add(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		sbuf_reserve(b, n);
	if (n)
		__builtin_memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}
void sbuf_adds(sbuf *b, const char *s);
void sbuf_addc(sbuf *b, char c);
void sbuf_printf(sbuf *b, const char *fmt, ...) MV_PRINTF(2, 3);
void sbuf_vprintf(sbuf *b, const char *fmt, va_list ap) MV_PRINTF(2, 0);

/* Strings */
bool str_eq(const char *a, const char *b);          /* NULL-safe */
bool str_starts(const char *s, const char *prefix);
char *str_trim(char *s);                            /* in place, ASCII blanks */
void str_upper_ascii(char *s);
/* The code point at s[*i] (advancing *i past it), or UTF8_INVALID for a stray byte (advancing by one). */
#define UTF8_INVALID 0xFFFFFFFFu
unsigned utf8_decode(const unsigned char *s, size_t n, size_t *i);
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
/* What a person's name may not hold beyond valid_text (issue 11): a line or paragraph separator
 * (U+2028, U+2029, U+0085) or something a mail program turns into a link ("https://", "www.",
 * "mailto:", a domain such as "beispiel.de" outside an e-mail address). The name greets its owner
 * in official mails. */
enum name_issue { NAME_OK, NAME_SEPARATOR, NAME_URL };
enum name_issue name_check(const char *s);
/* Control characters in s[0..n): C0 (U+0000–U+001F) other than those in `allowed` (NUL always
 * counts), DEL, and C1 (U+0080–U+009F: CSI, NEL … act on terminals like ESC sequences). */
bool str_has_ctl_but(const char *s, size_t n, const char *allowed);
/* s for a log line or a terminal: backslash doubled, C0 controls and DEL as \xNN, C1 controls as
 * \u00NN, bytes that are not UTF-8 as \xNN; everything else as it is. One line, nothing acts. */
void str_escape_ctl(sbuf *out, const char *s);
/* s cut to at most maxchars characters at a character boundary, each byte that is not UTF-8 as '?'
 * (what fits a VARCHAR(maxchars) column of utf8mb4); in a. */
char *utf8_clip(arena *a, const char *s, size_t maxchars);
bool parse_date(const char *in, char out[11]);      /* TT.MM.JJJJ or JJJJ-MM-TT -> JJJJ-MM-TT */
/* Dates as day numbers: days since 1970-01-01 in the proleptic Gregorian calendar (negative
 * before), so that periods are compared and counted as integers. date_days does not check its
 * arguments (m 1–12, d 1–31). */
long date_days(int y, int m, int d);
void date_civil(long days, int *y, int *m, int *d);
bool parse_date_days(const char *in, long *days);   /* what parse_date accepts → day number */
void date_iso(long days, char out[11]);             /* → "JJJJ-MM-TT" */
long today_berlin(long long now_utc);               /* the Berlin calendar day at the UTC instant */
bool valid_text(const char *s, size_t maxchars);   /* 1..max chars, valid UTF-8, no control characters */
/* A LIKE pattern matching strings that start with s (\\ % _ escaped); allocated in a. */
char *sql_like_prefix(arena *a, const char *s);
/* A LIKE pattern matching strings that hold s anywhere (\\ % _ escaped); allocated in a. */
char *sql_like_anywhere(arena *a, const char *s);
/* The trigrams a list filter asks its postings for (the overviews of Sachbearbeiter and
 * Anspruchsberechtigte): of the folded filter f (behind tag), leaving out those of common (NULL:
 * none), at most FILTER_GRAMS — the first, the last and evenly between; each one a hit must hold,
 * the LIKE on the folded key checks the rest. Into out; returns how many. */
#define FILTER_GRAMS 4
size_t filter_grams_pick(arena *a, const char *f, char tag, const char *common, char out[FILTER_GRAMS][TRIGRAM_BYTES]);
int parse_int(const char *s, long long min, long long max, long long *out); /* 0 ok */
/* A size limit as users read it: "10 MB", "2,5 MB" (1 MB = 1,048,576 bytes; tenths rounded down). */
char *size_mb(arena *a, long long bytes);

/* The first "[…]" placeholder in s: '[' (not right after an ASCII letter or digit), 1 to 300 bytes holding a
 * letter (ASCII or any UTF-8 character) and none of "[]<>" or a line break, ']' ("[Telefonnummer der Kasse]";
 * not "[1]", "a[i]" or "[<b>x</b>]"). NULL if none; *len is its length in bytes. */
const char *placeholder_find(const char *s, size_t *len);
/* The whole file, NUL-terminated, on the heap (free it); NULL if it cannot be read. */
char *file_read_all(const char *path);
int write_all(int fd, const char *data, size_t len); /* every byte, EINTR retried: 0, or -1 */

/* Times: the database stores UTC; a person reads German local time (Europe/Berlin), computed by
 * the EU rule in code (no tz database): MESZ (UTC+2) from the last Sunday of March 01:00 UTC to
 * the last Sunday of October 01:00 UTC, MEZ (UTC+1) otherwise — Germany's rule since 1996. */
bool utc_parse(const char *s, long long *t); /* "JJJJ-MM-TT HH:MM:SS" (a fraction ignored) → seconds since 1970 */
int berlin_offset_s(long long t);            /* 3600 or 7200 at the UTC instant t */
/* How a time is written for a person (the German forms of the handbook): */
enum time_style {
	TIME_MINUTES, /* 03.12.2026 18:03 */
	TIME_SECONDS, /* 03.12.2026 18:03:05 */
	TIME_UHR,     /* 03.12.2026, 18:03 Uhr */
	TIME_UM_UHR,  /* 03.12.2026 um 18:03 Uhr */
};
/* The Berlin local time of the UTC instant t, written in style into out[32]. */
void time_berlin(long long t, enum time_style style, char out[32]);
/* The same for a UTC time as MariaDB gives it (see utc_parse), in a; "" if utc is NULL or no time.
 * E.g. time_de(a, "2026-12-03 17:03:05", TIME_MINUTES) → "03.12.2026 18:03". */
char *time_de(arena *a, const char *utc, enum time_style style);

bool mail_addr_ok(const char *addr); /* plausible e-mail address, no CR/LF/space/quotes */

#endif
