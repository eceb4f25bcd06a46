/* page_static.c — the footer's static pages, read from html/pages/<slug>.html. */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "form.h"
#include "layout.h"
#include "response.h"
#include "session.h"
#include "html.h"
#include <string.h>

static const struct {
	const char *path, *file, *title;
} pages[] = {
	{"/impressum", "pages/impressum.html", "Impressum"},
	{"/datenschutz", "pages/datenschutz.html", "Datenschutz"},
	{"/nutzungsbedingungen", "pages/nutzungsbedingungen.html", "Nutzungsbedingungen"},
	{"/barrierefreiheit", "pages/barrierefreiheit.html", "Barrierefreiheit"},
};

void static_page(req *r)
{
	for (size_t i = 0; i < ARRAY_LEN(pages); i++) {
		if (strcmp(r->path, pages[i].path) != 0)
			continue;
		const char *text = tpl_get(pages[i].file);
		if (!text)
			break;
		if (r->want_json) {
			cJSON *o = json_obj(r);
			cJSON_AddStringToObject(o, "titel", pages[i].title);
			cJSON_AddStringToObject(o, "html", text);
			json_send(r, 200);
			return;
		}
		sbuf b = page_buf(r);
		h_raw(&b, "<div class=\"card prose\">");
		sbuf_adds(&b, text); /* trusted file from the release, not user data */
		h_raw(&b, "</div>");
		page_send(r, 200, pages[i].title, &b);
		return;
	}
	page_error(r, 404, "Die angeforderte Seite gibt es nicht.");
}
