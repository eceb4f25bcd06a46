/* page_static.c — the footer's static pages: the operator's legal pages (legal_dir), else the shipped
 * html/pages/<slug>.html; read and checked for "[…]" placeholders by the master before it forks. */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "config.h"
#include "form.h"
#include "layout.h"
#include "log.h"
#include "response.h"
#include "session.h"
#include "html.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *path, *file, *title;
} pages[] = {
	{"/impressum", "impressum.html", "Impressum"},
	{"/datenschutz", "datenschutz.html", "Datenschutz"},
	{"/nutzungsbedingungen", "nutzungsbedingungen.html", "Nutzungsbedingungen"},
	{"/barrierefreiheit", "barrierefreiheit.html", "Barrierefreiheit"},
};

/* The pages as loaded by static_pages_load (the master's copy, inherited by every worker). */
static char *texts[ARRAY_LEN(pages)];

/* Where page i is read from: legal_dir/<file> when legal_dir is set and holds that file, else the shipped
 * html_dir/pages/<file>. */
static void page_file(size_t i, char *out, size_t n)
{
	if (*cfg.legal_dir) {
		snprintf(out, n, "%s/%s", cfg.legal_dir, pages[i].file);
		if (access(out, F_OK) == 0)
			return;
	}
	snprintf(out, n, "%s/pages/%s", cfg.html_dir, pages[i].file);
}

/* One page read into *text; false (logged at level) if it is missing or still holds a placeholder. */
static bool page_read(size_t i, enum log_level level, char **text)
{
	char path[1024];
	page_file(i, path, sizeof path);
	*text = file_read_all(path);
	if (!*text) {
		log_msg(level, "legal page %s: cannot read %s", pages[i].title, path);
		return false;
	}
	size_t len = 0, count = 0;
	const char *first = placeholder_find(*text, &len);
	if (!first)
		return true;
	for (const char *p = first; p; count++) {
		size_t l;
		p = placeholder_find(p + 1, &l);
	}
	char more[48] = "";
	if (count > 1)
		snprintf(more, sizeof more, " and %zu more", count - 1);
	log_msg(level, "legal page %s (%s) still holds the placeholder \"%.*s\"%s", pages[i].title, path, (int)len,
		first, more);
	return false;
}

int static_pages_load(bool production)
{
	char *fresh[ARRAY_LEN(pages)] = {0};
	bool ok = true;
	for (size_t i = 0; i < ARRAY_LEN(pages); i++)
		ok &= page_read(i, production ? LOG_ERROR : LOG_WARN, &fresh[i]);
	if (!ok && production) {
		log_error("production mode (dev_mode = 0) needs the fund's own legal pages without \"[…]\" placeholders: "
			  "set legal_dir to the directory of its impressum.html, datenschutz.html, barrierefreiheit.html "
			  "and nutzungsbedingungen.html");
		for (size_t i = 0; i < ARRAY_LEN(pages); i++)
			free(fresh[i]);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_LEN(pages); i++) {
		free(texts[i]);
		texts[i] = fresh[i];
	}
	return 0;
}

void static_page(req *r)
{
	for (size_t i = 0; i < ARRAY_LEN(pages); i++) {
		if (strcmp(r->path, pages[i].path) != 0)
			continue;
		const char *text = texts[i];
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
		sbuf_adds(&b, text); /* trusted HTML of the operator (legal_dir) or of the release, not user data */
		h_raw(&b, "</div>");
		page_send(r, 200, pages[i].title, &b);
		return;
	}
	page_error(r, 404, "Die angeforderte Seite gibt es nicht.");
}
