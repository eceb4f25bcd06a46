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
bool str_has_ctl(const char *s, size_t n);          /* control chars (except \t) or NUL */
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
bool valid_text(const char *s, size_t maxchars);   /* 1..max chars, valid UTF-8, no control characters */
/* A LIKE pattern matching strings that start with s (\\ % _ escaped); allocated in a. */
char *sql_like_prefix(arena *a, const char *s);
int parse_int(const char *s, long long min, long long max, long long *out); /* 0 ok */

#endif
