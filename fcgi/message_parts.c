/* message_parts.c — a message's documents and the message form's body, for the mailbox
 * (page_mailbox.c) and the Kasse (page_kasse_nachrichten.c) alike. */
#include "message_parts.h"
#include "config.h"
#include "db.h"
#include "form.h"
#include "html.h"
#include "http.h"
#include "layout.h"
#include "messages.h"
#include "response.h"
#include <stddef.h>
#include <string.h>

/* ---------- a message's documents ---------- */

bool documents_load(req *r, long long message_id, struct documents *out)
{
	enum { COL_ID, COL_NAME, COL_TYPE, COL_SIZE };
	db_res *res = db_query(r->a, "SELECT id, dateiname, typ, groesse FROM anhang WHERE nachricht_id = ? ORDER BY id",
			       DBARGS(DI(message_id)));
	if (!res)
		return false;
	out->n = res->nrows;
	out->items = arena_alloc(r->a, (res->nrows ? res->nrows : 1) * sizeof *out->items);
	for (size_t i = 0; i < res->nrows; i++)
		out->items[i] = (struct document_item){db_int(res, i, COL_ID), db_int(res, i, COL_SIZE),
						       document_name(r->a, db_str(res, i, COL_NAME), db_str(res, i, COL_TYPE)),
						       db_str(res, i, COL_TYPE)};
	return true;
}

static const char *document_kind(const char *type)
{
	return strcmp(type, "application/pdf") == 0 ? "PDF" : strcmp(type, "image/png") == 0 ? "PNG" : "JPEG";
}

void documents_html(req *r, sbuf *b, const struct documents *d, enum documents_route via)
{
	if (!d->n)
		return;
	h_raw(b, "<h2>Anhänge</h2><ul class=\"attachments\">");
	for (size_t i = 0; i < d->n; i++) {
		const struct document_item *it = &d->items[i];
		const char *url = via == DOCS_KASSE ? url_printf(r->a, "/kasse/anhang/%lld", it->id)
						      : url_printf(r->a, "/anhang/%lld", it->id);
		h_printf(b, "<li><a href=\"%s\" download>%s</a> (%s, %lld KB)</li>", url, it->name,
			 document_kind(it->type), (it->size + 1023) / 1024);
	}
	h_raw(b, "</ul>");
}

void documents_json(cJSON *o, const struct documents *d)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "anhaenge");
	for (size_t i = 0; i < d->n; i++) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddNumberToObject(a, "id", (double)d->items[i].id);
		cJSON_AddStringToObject(a, "dateiname", d->items[i].name);
		cJSON_AddStringToObject(a, "typ", d->items[i].type);
		cJSON_AddNumberToObject(a, "groesse", (double)d->items[i].size);
		cJSON_AddItemToArray(arr, a);
	}
}

/* ---------- the message form's body ---------- */

static void documents_field_html(req *r, sbuf *b)
{
	const char *err = form_error_for(r, "anhang");
	h_printf(b, "<div class=\"field%s\"><label for=\"f-anhang\">Dokumente (PDF, PNG, JPEG)</label>"
		    "<input id=\"f-anhang\" name=\"anhang\" type=\"file\" multiple accept=\".pdf,.png,.jpg,.jpeg,"
		    "application/pdf,image/png,image/jpeg\" aria-describedby=\"f-anhang-hinweis%s\">"
		    "<p class=\"hint\" id=\"f-anhang-hinweis\">Höchstens %ld Dokumente, je Dokument höchstens %s.</p>",
		 err ? " has-error" : "", err ? " f-anhang-fehler" : "", cfg.upload_max_files, size_mb(r->a, cfg.upload_max_bytes));
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-anhang-fehler\">%s</p>", err);
	h_raw(b, "</div>");
}

bool documents_check(req *r)
{
	size_t total = 0;
	for (size_t i = 0; i < r->uploads.n; i++) {
		const upload *u = &r->uploads.items[i];
		total += u->len;
		const char *why = upload_check(r->a, u);
		if (why && (long long)u->len > cfg.upload_max_bytes) {
			page_error(r, 413, why);
			return false;
		}
		if (why)
			form_error(r, "anhang", why);
	}
	if ((long long)total > cfg.upload_max_total_bytes) {
		page_error(r, 413, "Die Dokumente sind zusammen zu groß.");
		return false;
	}
	return true;
}

static const form_field message_body_fields[] = {
	{"betreff", "Betreff", FT_TEXT, FF_REQUIRED | FF_KEEP, 255, check_line, "Bitte geben Sie einen Betreff ein.",
	 "Der Betreff darf höchstens 255 Zeichen lang sein.", "off", offsetof(struct message_body, betreff)},
	{"nachricht", "Nachricht", FT_TEXTAREA, FF_REQUIRED | FF_RAW | FF_KEEP, 20000, NULL,
	 "Bitte geben Sie eine Nachricht ein.", "Die Nachricht darf höchstens 20.000 Zeichen lang sein.", NULL,
	 offsetof(struct message_body, nachricht)},
};
enum { MB_BETREFF, MB_NACHRICHT };

void message_body_prefill(req *r, struct message_body *in)
{
	form_prefill(r, message_body_fields, ARRAY_LEN(message_body_fields), in);
}

size_t message_body_read(req *r, struct message_body *in)
{
	return form_read_text(r, message_body_fields, ARRAY_LEN(message_body_fields), in);
}

void message_body_reply(req *r, struct message_body *in, const struct quoted_message *reply)
{
	if (!reply || form_get_raw(r, "betreff"))
		return;
	in->betreff = str_starts(reply->betreff, "AW: ") ? reply->betreff : arena_printf(r->a, "AW: %s", reply->betreff);
}

void message_body_html(req *r, sbuf *b, const struct message_body *in, const char *cancel_url,
		       const struct quoted_message *reply)
{
	form_fields(r, b, &message_body_fields[MB_BETREFF], 1, in);
	form_textarea(r, b, &message_body_fields[MB_NACHRICHT], in->nachricht, 10);
	documents_field_html(r, b);
	h_printf(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"%s\">Abbrechen</a>"
		    "<button type=\"submit\" class=\"btn\">Senden</button></div>",
		 cancel_url);
	form_close(b);
	if (reply)
		h_printf(b, "<section class=\"quoted-message\" aria-labelledby=\"antwort-auf\"><h2 id=\"antwort-auf\">"
			    "Nachricht, auf die Sie antworten</h2><dl class=\"data\"><dt>Betreff</dt><dd>%s</dd>"
			    "<dt>Absender</dt><dd>%s</dd><dt>Datum</dt><dd>%s</dd></dl><div class=\"message-text\">%s</div>"
			    "</section>",
			 reply->betreff, reply->absender, reply->datum, reply->text);
}

