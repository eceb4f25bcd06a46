/* html.h — the one escaping writer and the template engine.
 * Every byte of HTML that can contain request or database data goes through h_text/h_printf;
 * h_raw takes trusted literal markup only (grep for h_raw to audit). */
#ifndef MV_HTML_H
#define MV_HTML_H
#include "util.h"

void h_text(sbuf *b, const char *s);                 /* escapes & < > " ' */
void h_textn(sbuf *b, const char *s, size_t n);
/* printf with a literal format: %s arguments are HTML-escaped; numbers as usual.
 * Supported: %s %d %i %u %ld %lu %lld %llu %zu %%. Anything else aborts (a bug). */
void h_printf(sbuf *b, const char *fmt, ...) MV_PRINTF(2, 3);
void h_raw(sbuf *b, const char *literal);            /* trusted literal markup */
void url_encode(sbuf *b, const char *s);             /* RFC 3986 unreserved kept */
/* A URL from a literal format: every %s argument is percent-encoded (a path segment or query
 * value can never add a '/', '?', '&' or '#'), numbers as in h_printf. Every URL that carries
 * data is built here, then written into markup with h_printf like any other text. */
char *url_printf(arena *a, const char *fmt, ...) MV_PRINTF(2, 3);

/* Copies the markup html into out, giving every <td> of a table with a <thead> the attribute
 * data-label="…" with the text of its column's <th> (tags left out): on narrow screens the rows
 * are stacked and each cell shows its column's name (CSS td[data-label]::before). A cell that
 * spans several columns, or already has a data-label, is left as it is; a table whose tag carries
 * data-labels="css" (its columns named by the style sheet, for long tables) is copied as it is. */
void h_table_labels(sbuf *out, const char *html);
/* false when h_table_labels would copy html as it is: no table, or every table data-labels="css". */
bool h_table_labels_needed(const char *html);

/* Templates: files with {{name}} (escaped) and {{{name}}} (raw, trusted markup) slots. */
typedef struct tpl_slot {
	const char *name;
	const char *value;
} tpl_slot;

enum tpl_mode { TPL_HTML, TPL_TEXT };

/* Loads (and caches per process) html_dir/name; NULL if missing. */
const char *tpl_get(const char *name);
void tpl_clear_cache(void);
/* Renders src into out. In TPL_TEXT mode nothing is escaped (mail bodies).
 * Returns 0, or -1 if the template names a slot not given or is malformed. */
int tpl_render(sbuf *out, const char *src, enum tpl_mode mode, const tpl_slot *slots, size_t nslots);

#endif
