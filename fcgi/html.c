/* html.c — escaping writer and {{slot}} templates. */
#include "html.h"
#include "config.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bytes the writer escapes, with what it writes for them. */
static const char *const escapes[256] = {['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
					 ['\''] = "&#39;"};

void h_textn(sbuf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = escapes[(unsigned char)s[i]];
		if (!rep)
			continue;
		sbuf_add(b, s + start, i - start);
		sbuf_adds(b, rep);
		start = i + 1;
	}
	sbuf_add(b, s + start, n - start);
}

/* h_textn for a C string in one pass (no strlen first): most arguments are short. */
void h_text(sbuf *b, const char *s)
{
	if (!s)
		return;
	const char *start = s;
	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		if (!c)
			break;
		const char *rep = escapes[c];
		if (!rep)
			continue;
		sbuf_add(b, start, (size_t)(s - start));
		sbuf_adds(b, rep);
		start = s + 1;
	}
	sbuf_add(b, start, (size_t)(s - start));
}

void h_raw(sbuf *b, const char *literal)
{
	sbuf_adds(b, literal);
}

/* Appends v in decimal, after a '-' when neg (no snprintf: a page with a time line prints a few
 * hundred numbers, and snprintf cost a fifth of the person page's own CPU). */
static void put_decimal(sbuf *b, unsigned long long v, bool neg)
{
	char num[24];
	size_t i = sizeof num;
	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10));
	if (neg)
		num[--i] = '-';
	sbuf_add(b, num + i, sizeof num - i);
}

static void put_signed(sbuf *b, long long v)
{
	put_decimal(b, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0);
}

/* Appends one number conversion (after '%' and its length modifiers) to b. */
static void put_number(sbuf *b, char conv, int longs, bool size_t_len, va_list *ap)
{
	if (conv == 'd' || conv == 'i') {
		if (size_t_len)
			abort();
		if (longs == 0)
			put_signed(b, va_arg(*ap, int));
		else if (longs == 1)
			put_signed(b, va_arg(*ap, long));
		else
			put_signed(b, va_arg(*ap, long long));
	} else if (conv == 'u') {
		if (size_t_len)
			put_decimal(b, va_arg(*ap, size_t), false);
		else if (longs == 0)
			put_decimal(b, va_arg(*ap, unsigned), false);
		else if (longs == 1)
			put_decimal(b, va_arg(*ap, unsigned long), false);
		else
			put_decimal(b, va_arg(*ap, unsigned long long), false);
	} else
		abort(); /* unsupported conversion: a programming error */
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

/* ---- column labels of table cells ---- */

#define TABLE_COLS_MAX 32

typedef struct col_labels {
	sbuf text;                   /* the labels one after the other, escaped for an attribute */
	size_t at[TABLE_COLS_MAX + 1]; /* label i is text.data[at[i] .. at[i + 1]) */
	size_t n;
} col_labels;

/* The tag that starts at p ("<td", "<th", "<tr": the name followed by a blank or '>'). */
static bool tag_is(const char *p, const char *name)
{
	size_t n = strlen(name);
	return strncmp(p, name, n) == 0 && (p[n] == '>' || p[n] == ' ');
}

/* The '>' that ends the tag starting at p (quoted attribute values may hold '>'), or NULL. */
static const char *tag_end(const char *p)
{
	char quote = 0;
	for (; *p; p++)
		if (quote)
			quote = *p == quote ? 0 : quote;
		else if (*p == '"' || *p == '\'')
			quote = *p;
		else if (*p == '>')
			return p;
	return NULL;
}

/* The text of the <th> cells between p and end, tags left out, blanks folded. */
static void labels_read(col_labels *L, const char *p, const char *end)
{
	while (L->n < TABLE_COLS_MAX && (p = strstr(p, "<th")) && p < end) {
		const char *gt = tag_is(p, "<th") ? tag_end(p) : NULL;
		const char *close = gt ? strstr(gt, "</th>") : NULL;
		if (!close || close > end) {
			p += 3;
			continue;
		}
		L->at[L->n] = L->text.len;
		bool in_tag = false, blank = false;
		for (const char *c = gt + 1; c < close; c++) {
			if (*c == '<' || *c == '>') {
				in_tag = *c == '<';
				continue;
			}
			if (in_tag)
				continue;
			bool ws = *c == ' ' || *c == '\n' || *c == '\t' || *c == '\r';
			if (!ws && blank && L->text.len > L->at[L->n])
				sbuf_addc(&L->text, ' ');
			blank = ws;
			if (ws)
				continue;
			if (*c == '"')
				sbuf_adds(&L->text, "&quot;");
			else
				sbuf_addc(&L->text, *c);
		}
		L->at[++L->n] = L->text.len;
		p = close + 5;
	}
}

/* The number of columns a <td ...> tag spans (its colspan, 1 without one; at most 1000, as HTML
 * clamps it — so that counting columns can never overflow). Searched within the tag only: a search
 * to the end of the page for every cell made a long table quadratic (a Lebenslauf of 40 periods
 * spent a third of its page's CPU here). */
static long td_span(const char *tag, const char *gt)
{
	const char *cs = memmem(tag, (size_t)(gt - tag), " colspan=\"", 10);
	if (!cs)
		return 1;
	long span = strtol(cs + 10, NULL, 10);
	return span < 1 ? 1 : span > 1000 ? 1000 : span;
}

/* Copies the body of one table (from p up to its end) with the labels; returns where it stopped. */
static const char *labels_apply(sbuf *out, const col_labels *L, const char *p)
{
	const char *end = strstr(p, "</table>");
	if (!end)
		end = p + strlen(p);
	long col = 0;
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			break;
		sbuf_add(out, p, (size_t)(lt - p));
		p = lt;
		const char *gt = tag_is(p, "<td") || tag_is(p, "<tr") ? tag_end(p) : NULL;
		if (!gt || gt > end) {
			sbuf_addc(out, '<');
			p++;
			continue;
		}
		if (p[2] == 'r')
			col = 0;
		else {
			long span = td_span(p, gt);
			bool has = memmem(p, (size_t)(gt - p), "data-label=", 11) != NULL;
			if (span == 1 && !has && col >= 0 && (size_t)col < L->n) {
				sbuf_adds(out, "<td data-label=\"");
				sbuf_add(out, L->text.data + L->at[col], L->at[col + 1] - L->at[col]);
				sbuf_addc(out, '"');
				p += 3;
			}
			col += span;
		}
		sbuf_add(out, p, (size_t)(gt + 1 - p));
		p = gt + 1;
	}
	sbuf_add(out, p, (size_t)(end - p));
	return end;
}

bool h_table_labels_needed(const char *html)
{
	for (const char *t = html; (t = strstr(t, "<table")); t += 6) {
		const char *gt = strchr(t, '>');
		if (!gt || !memmem(t, (size_t)(gt - t), " data-labels=\"css\"", 18))
			return true;
	}
	return false;
}

void h_table_labels(sbuf *out, const char *html)
{
	const char *p = html;
	const char *table;
	while ((table = strstr(p, "<table"))) {
		const char *head = strstr(table, "<thead"), *head_end = head ? strstr(head, "</thead>") : NULL;
		const char *table_end = strstr(table, "</table>"), *tag_gt = strchr(table, '>');
		bool css = tag_gt && memmem(table, (size_t)(tag_gt - table), " data-labels=\"css\"", 18);
		if (!head_end || !table_end || head_end > table_end || css) { /* css: its style sheet names the columns */
			size_t upto = (size_t)((table_end ? table_end : table + 6) - p);
			sbuf_add(out, p, upto);
			p += upto;
			continue;
		}
		col_labels L = {.text = {0}};
		sbuf_init(&L.text);
		labels_read(&L, head, head_end);
		if (!L.text.data)
			sbuf_adds(&L.text, "");
		head_end += 8;
		sbuf_add(out, p, (size_t)(head_end - p));
		p = labels_apply(out, &L, head_end);
		sbuf_free(&L.text);
	}
	sbuf_adds(out, p);
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
