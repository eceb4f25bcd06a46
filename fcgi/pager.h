/* pager.h — the one pager of every list: numbered lists in the overview's shape (handbook §4:
 * "Elemente pro Seite: 20  1 - 20 von 57  |< < > >|") and lists paged by key (newest, older). */
#ifndef MV_PAGER_H
#define MV_PAGER_H
#include "request.h"

#define PAGER_SIZE_DEFAULT 20
extern const long long pager_sizes[4]; /* the choices of "Elemente pro Seite" */

/* The size asked for if it is one of pager_sizes, else PAGER_SIZE_DEFAULT. */
long long pager_size(const char *pro_seite);
/* The page asked for; 1 when absent or not a page number. */
long long pager_page(const char *seite);
/* The number of pages for total rows (at least 1). */
long long pager_pages(long long total, long long size);

/* A numbered list's place. A list counted only up to cap rows (cap > 0) says "von mehr als
 * cap - 1" once it reaches it; its last page is unknown then, and "next" stays while pages are full. */
typedef struct pager {
	long long page, size, total, cap;
	size_t shown;                                                  /* rows on this page */
	const char *action;                                            /* "Elemente pro Seite" form; NULL: fixed size */
	void (*hidden)(req *r, sbuf *b, const void *view);             /* that form's filters (may be NULL) */
	const char *(*url)(req *r, const void *view, long long page); /* a page with the current filters */
	const void *view;
} pager;
void pager_html(req *r, sbuf *b, const pager *p);

/* A log newest first, paged back in time: back_label ("Neuere Einträge" one page back,
 * "Neueste Einträge" to the start of a list paged by key) at back_url (NULL: on the newest), and
 * "Ältere Einträge" at older_url (NULL: there are none). */
void pager_log_html(sbuf *b, const char *back_label, const char *back_url, const char *older_url);

#endif
