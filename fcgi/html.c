/* html.c — escaping writer and {{slot}} templates. */
#include "html.h"
#include "config.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void h_textn(sbuf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		sbuf_add(b, s + start, i - start);
		sbuf_adds(b, rep);
		start = i + 1;
	}
	sbuf_add(b, s + start, n - start);
}

void h_text(sbuf *b, const char *s)
{
	if (s)
		h_textn(b, s, strlen(s));
}

void h_raw(sbuf *b, const char *literal)
{
	sbuf_adds(b, literal);
}

/* Appends one number conversion (after '%' and its length modifiers) to b. */
static void put_number(sbuf *b, char conv, int longs, bool size_t_len, va_list *ap)
{
	char num[32];
	if (conv == 'd' || conv == 'i') {
		if (size_t_len)
			abort();
		if (longs == 0)
			snprintf(num, sizeof num, "%d", va_arg(*ap, int));
		else if (longs == 1)
			snprintf(num, sizeof num, "%ld", va_arg(*ap, long));
		else
			snprintf(num, sizeof num, "%lld", va_arg(*ap, long long));
	} else if (conv == 'u') {
		if (size_t_len)
			snprintf(num, sizeof num, "%zu", va_arg(*ap, size_t));
		else if (longs == 0)
			snprintf(num, sizeof num, "%u", va_arg(*ap, unsigned));
		else if (longs == 1)
			snprintf(num, sizeof num, "%lu", va_arg(*ap, unsigned long));
		else
			snprintf(num, sizeof num, "%llu", va_arg(*ap, unsigned long long));
	} else
		abort(); /* unsupported conversion: a programming error */
	sbuf_adds(b, num);
}

/* The one formatter of the escaping writers: the literal format is copied as it is, every %s
 * argument goes through escape, numbers are printed as usual. */
static void format_escaped(sbuf *b, void (*escape)(sbuf *, const char *), const char *fmt, va_list *ap)
{
	const char *p = fmt;
	while (*p) {
		const char *pct = strchr(p, '%');
		if (!pct) {
			sbuf_adds(b, p);
			return;
		}
		sbuf_add(b, p, (size_t)(pct - p));
		p = pct + 1;
		if (*p == '%') {
			sbuf_addc(b, '%');
			p++;
			continue;
		}
		int longs = 0;
		bool size_t_len = false;
		for (; *p == 'l'; p++)
			longs++;
		if (*p == 'z') {
			size_t_len = true;
			p++;
		}
		char conv = *p++;
		if (conv == 's') {
			if (longs || size_t_len)
				abort();
			escape(b, va_arg(*ap, const char *));
		} else
			put_number(b, conv, longs, size_t_len, ap);
	}
}

void h_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format_escaped(b, h_text, fmt, &ap);
	va_end(ap);
}

char *url_printf(arena *a, const char *fmt, ...)
{
	sbuf b = sbuf_in(a);
	va_list ap;
	va_start(ap, fmt);
	format_escaped(&b, url_encode, fmt, &ap);
	va_end(ap);
	return b.data ? b.data : arena_strdup(a, "");
}

void url_encode(sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' || c == '.' || c == '~') {
			sbuf_addc(b, (char)c);
		} else {
			char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
			sbuf_add(b, enc, 3);
		}
	}
}

/* ---- templates ---- */

struct tpl_entry {
	char *name;
	char *text;
};
static struct tpl_entry tpl_cache[64];
static size_t tpl_count;

void tpl_clear_cache(void)
{
	for (size_t i = 0; i < tpl_count; i++) {
		free(tpl_cache[i].name);
		free(tpl_cache[i].text);
	}
	tpl_count = 0;
}

const char *tpl_get(const char *name)
{
	for (size_t i = 0; i < tpl_count; i++)
		if (strcmp(tpl_cache[i].name, name) == 0)
			return tpl_cache[i].text;
	if (strstr(name, "..") || tpl_count == ARRAY_LEN(tpl_cache))
		return NULL;
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", cfg.html_dir, name);
	char *text = file_read_all(path);
	if (!text) {
		log_error("template %s missing", name);
		return NULL;
	}
	tpl_cache[tpl_count].name = xstrdup(name);
	tpl_cache[tpl_count].text = text;
	return tpl_cache[tpl_count++].text;
}

int tpl_render(sbuf *out, const char *src, enum tpl_mode mode, const tpl_slot *slots, size_t nslots)
{
	const char *p = src;
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			sbuf_adds(out, p);
			return 0;
		}
		sbuf_add(out, p, (size_t)(open - p));
		bool raw = open[2] == '{';
		const char *name = open + (raw ? 3 : 2);
		const char *close = strstr(name, raw ? "}}}" : "}}");
		if (!close)
			return -1;
		size_t nlen = (size_t)(close - name);
		const tpl_slot *slot = NULL;
		for (size_t i = 0; i < nslots; i++)
			if (strlen(slots[i].name) == nlen && memcmp(slots[i].name, name, nlen) == 0) {
				slot = &slots[i];
				break;
			}
		if (!slot) {
			log_error("template slot '%.*s' not supplied", (int)(nlen > 64 ? 64 : nlen), name);
			return -1;
		}
		const char *v = slot->value ? slot->value : "";
		if (raw || mode == TPL_TEXT)
			sbuf_adds(out, v);
		else
			h_text(out, v);
		p = close + (raw ? 3 : 2);
	}
	return 0;
}
