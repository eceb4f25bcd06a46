/* mail.c — outbox insert and message formatting. Header values never carry CR/LF: addresses
 * are validated, subjects are RFC 2047-encoded from a single line. */
#include "mail.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool mail_addr_ok(const char *a)
{
	if (!a)
		return false;
	size_t n = strlen(a);
	if (n < 3 || n > 254)
		return false;
	const char *at = strrchr(a, '@');
	if (!at || at == a || !at[1] || !strchr(at + 1, '.') || at[strlen(at) - 1] == '.')
		return false;
	for (const char *p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7F || c == '"' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
		    c == ';' || c == ':' || c == '\\' || c == '[' || c == ']' || (c == '@' && p != at))
			return false;
	}
	return true;
}

int mail_queue(const char *to, const char *tpl, const tpl_slot *slots, size_t nslots)
{
	if (!mail_addr_ok(to)) {
		log_warn("mail to an invalid address refused (template %s)", tpl);
		return -1;
	}
	char name[128];
	snprintf(name, sizeof name, "mail/%s", tpl);
	const char *src = tpl_get(name);
	if (!src)
		return -1;
	sbuf text;
	sbuf_init(&text);
	int rc = -1;
	if (tpl_render(&text, src, TPL_TEXT, slots, nslots) != 0 || !str_starts(text.data, "Betreff: "))
		goto out;
	char *nl = strchr(text.data, '\n');
	if (!nl)
		goto out;
	*nl = '\0';
	const char *subject = text.data + strlen("Betreff: ");
	const char *body = nl + 1;
	while (*body == '\n' || *body == '\r')
		body++;
	if (strpbrk(subject, "\r\n"))
		goto out;
	rc = db_exec("INSERT INTO outbox (to_addr, subject, body) VALUES (?, ?, ?)",
		     DBARGS(DS(to), DS(subject), DS(body)), NULL, NULL);
out:
	sbuf_free(&text);
	return rc;
}

void mail_header_encode(sbuf *out, const char *text)
{
	bool ascii = true;
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\n')
			ascii = false;
	if (ascii && strlen(text) < 900) {
		sbuf_adds(out, text);
		return;
	}
	/* encoded-words of at most 45 input bytes each, split on UTF-8 character boundaries */
	size_t n = strlen(text), i = 0;
	bool first = true;
	while (i < n) {
		size_t chunk = n - i > 45 ? 45 : n - i;
		while (i + chunk < n && ((unsigned char)text[i + chunk] & 0xC0) == 0x80)
			chunk--;
		char tmp[128];
		unsigned char raw[48];
		size_t k = 0;
		for (size_t j = 0; j < chunk; j++) {
			char c = text[i + j];
			raw[k++] = (unsigned char)(c == '\r' || c == '\n' ? ' ' : c);
		}
		sodium_bin2base64(tmp, sizeof tmp, raw, k, sodium_base64_VARIANT_ORIGINAL);
		if (!first)
			sbuf_adds(out, "\r\n ");
		sbuf_printf(out, "=?UTF-8?B?%s?=", tmp);
		first = false;
		i += chunk;
	}
}

void mail_qp_encode(sbuf *out, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\r')
			continue;
		if (c == '\n') {
			/* trailing blanks before a line end must be encoded */
			if (out->len && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t')) {
				char last = out->data[out->len - 1];
				out->len--;
				sbuf_printf(out, "=%c%c", hex[(unsigned char)last >> 4], hex[(unsigned char)last & 15]);
			}
			sbuf_adds(out, "\r\n");
			col = 0;
			continue;
		}
		char enc[4];
		size_t w;
		if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') {
			enc[0] = (char)c;
			w = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			w = 3;
		}
		if (col + w > 75) {
			sbuf_adds(out, "=\r\n");
			col = 0;
		}
		/* a dot at the start of a line is safe (libesmtp dot-stuffs), keep as is */
		sbuf_add(out, enc, w);
		col += w;
	}
	sbuf_adds(out, "\r\n");
}

void mail_build(sbuf *out, long long id, const char *from, const char *to, const char *subject, const char *body)
{
	char date[64], host[128] = "meineversorgung";
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	const char *at = strrchr(from, '@');
	if (at && strlen(at + 1) < sizeof host)
		snprintf(host, sizeof host, "%s", at + 1);
	sbuf_printf(out, "From: Meine Versorgung <%s>\r\nTo: %s\r\nSubject: ", from, to);
	mail_header_encode(out, subject);
	/* Message-ID derives from the outbox row: a resend after a crash carries the same id */
	sbuf_printf(out, "\r\nDate: %s\r\nMessage-ID: <outbox-%lld@%s>\r\nMIME-Version: 1.0\r\n"
			 "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
			 "Auto-Submitted: auto-generated\r\n\r\n",
		    date, id, host);
	mail_qp_encode(out, body);
}
