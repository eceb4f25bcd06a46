/* pager.c — the one pager of every list (pager.h). Links that lead nowhere are kept as marks for
 * orientation, hidden from assistive technology; each link is named by its aria-label. */
#include "pager.h"
#include "html.h"
#include "util.h"

const long long pager_sizes[4] = {10, 20, 50, 100};

long long pager_size(const char *pro_seite)
{
	long long size;
	if (!pro_seite || parse_int(pro_seite, 1, 1000, &size) != 0)
		return PAGER_SIZE_DEFAULT;
	for (size_t i = 0; i < ARRAY_LEN(pager_sizes); i++)
		if (pager_sizes[i] == size)
			return size;
	return PAGER_SIZE_DEFAULT;
}

long long pager_page(const char *seite)
{
	long long page;
	return seite && parse_int(seite, 1, 1000000000, &page) == 0 ? page : 1;
}

long long pager_pages(long long total, long long size)
{
	return total > 0 && size > 0 ? (total + size - 1) / size : 1;
}

enum pager_kind { PG_FIRST, PG_PREV, PG_NEXT, PG_LAST };

static void pager_link(req *r, sbuf *b, const pager *p, long long page, enum pager_kind kind, bool on)
{
	static const char *const labels[] = {"Erste Seite", "Vorherige Seite", "Nächste Seite", "Letzte Seite"};
	static const char *const glyphs[] = {"|<", "<", ">", ">|"}; /* escaped by h_printf */
	if (on)
		h_printf(b, "<li><a href=\"%s\" aria-label=\"%s\">%s</a></li>", p->url(r, p->view, page), labels[kind],
			 glyphs[kind]);
	else
		h_printf(b, "<li><span class=\"pager-off\" aria-hidden=\"true\">%s</span></li>", glyphs[kind]);
}

static void pager_size_form(req *r, sbuf *b, const pager *p)
{
	h_printf(b, "<form method=\"get\" action=\"%s\">", p->action);
	if (p->hidden)
		p->hidden(r, b, p->view);
	h_raw(b, "<label for=\"pro-seite\">Elemente pro Seite:</label> <select id=\"pro-seite\" name=\"pro_seite\">");
	for (size_t i = 0; i < ARRAY_LEN(pager_sizes); i++)
		h_printf(b, "<option value=\"%lld\"%s>%lld</option>", pager_sizes[i],
			 pager_sizes[i] == p->size ? " selected" : "", pager_sizes[i]);
	h_raw(b, "</select> <button type=\"submit\" class=\"btn secondary\">Anzeigen</button></form>");
}

void pager_html(req *r, sbuf *b, const pager *p)
{
	bool capped = p->cap > 0 && p->total >= p->cap;
	long long pages = pager_pages(p->total, p->size);
	long long first = p->shown ? (p->page - 1) * p->size + 1 : 0, last = p->shown ? first + (long long)p->shown - 1 : 0;
	bool back = p->page > 1, more = p->page < pages || (capped && (long long)p->shown == p->size);
	h_raw(b, "<div class=\"pager\">");
	if (p->action)
		pager_size_form(r, b, p);
	if (capped)
		h_printf(b, "<p aria-live=\"polite\">%lld - %lld von mehr als %lld</p>", first, last, p->cap - 1);
	else
		h_printf(b, "<p aria-live=\"polite\">%lld - %lld von %lld</p>", first, last, p->total);
	h_raw(b, "<nav aria-label=\"Seiten\"><ul>");
	pager_link(r, b, p, 1, PG_FIRST, back);
	pager_link(r, b, p, p->page - 1, PG_PREV, back);
	pager_link(r, b, p, p->page + 1, PG_NEXT, more);
	pager_link(r, b, p, pages, PG_LAST, more && !capped);
	h_raw(b, "</ul></nav></div>");
}

void pager_log_html(sbuf *b, const char *back_label, const char *back_url, const char *older_url)
{
	h_raw(b, "<nav class=\"pager\" aria-label=\"Seiten\"><ul>");
	if (back_url)
		h_printf(b, "<li><a href=\"%s\">%s</a></li>", back_url, back_label);
	if (older_url)
		h_printf(b, "<li><a href=\"%s\">Ältere Einträge</a></li>", older_url);
	h_raw(b, "</ul></nav>");
}
