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

char *mail_addr_mask(arena *a, const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at)
		return arena_strdup(a, "***");
	size_t local = (size_t)(at - addr), keep = 0;
	size_t chars = utf8_count(addr, local) > 3 ? 2 : 1; /* whole characters, never half of one */
	for (size_t seen = 0; keep < local && seen < chars; seen++)
		do
			keep++;
		while (keep < local && ((unsigned char)addr[keep] & 0xC0) == 0x80);
	return arena_printf(a, "%.*s***%s", (int)keep, addr, at);
}

/* Mail bodies carry TANs and link tokens: in the outbox they are sealed with a key derived from
 * secret_key (XSalsa20-Poly1305), so a database reader or a backup holds no usable secret, and
 * the mailer empties the body once the mail is sent. Format: "s1:" + base64(nonce || box). */
static void outbox_key(unsigned char key[crypto_secretbox_KEYBYTES])
{
	crypto_generichash(key, crypto_secretbox_KEYBYTES, (const unsigned char *)"outbox-body", 11, cfg.key,
			   sizeof cfg.key);
}

char *mail_seal(const char *body)
{
	size_t n = strlen(body), boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	unsigned char *box = xmalloc(boxlen), key[crypto_secretbox_KEYBYTES];
	outbox_key(key);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)body, n, box, key);
	sodium_memzero(key, sizeof key);
	size_t b64 = sodium_base64_ENCODED_LEN(boxlen, sodium_base64_VARIANT_ORIGINAL);
	char *out = xmalloc(3 + b64);
	memcpy(out, "s1:", 3);
	sodium_bin2base64(out + 3, b64, box, boxlen, sodium_base64_VARIANT_ORIGINAL);
	free(box);
	return out;
}

char *mail_open(const char *stored)
{
	if (!str_starts(stored, "s1:"))
		return xstrdup(stored); /* written before sealing existed */
	size_t len = strlen(stored + 3), boxlen = 0;
	unsigned char *box = xmalloc(len), key[crypto_secretbox_KEYBYTES];
	if (sodium_base642bin(box, len, stored + 3, len, NULL, &boxlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
		free(box);
		return NULL;
	}
	size_t n = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	char *out = xmalloc(n + 1);
	outbox_key(key);
	int rc = crypto_secretbox_open_easy((unsigned char *)out, box + crypto_secretbox_NONCEBYTES,
					    boxlen - crypto_secretbox_NONCEBYTES, box, key);
	sodium_memzero(key, sizeof key);
	free(box);
	if (rc != 0) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
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
	char *sealed = mail_seal(body);
	rc = db_exec("INSERT INTO outbox (to_addr, subject, body) VALUES (?, ?, ?)",
		     DBARGS(DS(to), DS(subject), DS(sealed)), NULL, NULL);
	free(sealed);
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
