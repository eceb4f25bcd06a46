/* http.c — parsing of query strings, form bodies and cookies. */
#include "http.h"
#include <string.h>

static const char *const err_names[HTTP_ERR__MAX] = {
	"ok", "too many parameters", "name or value too long", "bad parameter name", "bad encoding",
};

const char *http_parse_err_str(enum http_parse_err e)
{
	return (e >= 0 && e < HTTP_ERR__MAX) ? err_names[e] : "unknown";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *url_decode(arena *a, const char *s, size_t n, bool plus_space, size_t *outlen)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return NULL;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return NULL;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+' && plus_space) {
			out[o++] = ' ';
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* Values may hold tabs and line breaks (text areas) but no NUL or other control characters. */
static bool value_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F)
			return false;
	}
	return utf8_valid(s, n);
}

static void list_push(arena *a, param_list *l, const char *name, const char *value, size_t len,
		      enum param_src src)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		param *items = arena_alloc(a, cap * sizeof *items);
		if (l->n)
			memcpy(items, l->items, l->n * sizeof *items);
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = (param){name, value, len, src};
}

enum http_parse_err http_parse_urlencoded(arena *a, const char *s, size_t n, enum param_src src,
					  const http_limits *lim, param_list *list)
{
	size_t i = 0, count = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			if (++count > lim->max_params)
				return HTTP_ERR_TOO_MANY;
			const char *eq = memchr(s + i, '=', end - i);
			size_t name_raw = eq ? (size_t)(eq - (s + i)) : end - i;
			const char *vstart = eq ? eq + 1 : s + end;
			size_t vraw = eq ? (size_t)(s + end - vstart) : 0;
			if (name_raw > lim->max_name * 3 || vraw > lim->max_value * 3)
				return HTTP_ERR_TOO_LONG;
			size_t nlen, vlen;
			char *name = url_decode(a, s + i, name_raw, true, &nlen);
			char *value = url_decode(a, vstart, vraw, true, &vlen);
			if (!name || !value)
				return HTTP_ERR_BAD_ENCODING;
			if (nlen > lim->max_name || vlen > lim->max_value)
				return HTTP_ERR_TOO_LONG;
			if (!name_ok(name, nlen))
				return HTTP_ERR_BAD_NAME;
			if (!value_ok(value, vlen))
				return HTTP_ERR_BAD_ENCODING;
			list_push(a, list, name, value, vlen, src);
		}
		i = end + 1;
	}
	return HTTP_OK;
}

enum http_parse_err http_parse_cookies(arena *a, const char *s, const http_limits *lim, param_list *list)
{
	size_t count = 0;
	const char *p = s;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (eq) {
			size_t nlen = (size_t)(eq - p);
			size_t vlen = len - nlen - 1;
			while (nlen && p[nlen - 1] == ' ')
				nlen--;
			if (++count > lim->max_params)
				return HTTP_ERR_TOO_MANY;
			if (name_ok(p, nlen) && vlen <= lim->max_value && value_ok(eq + 1, vlen))
				list_push(a, list, arena_strndup(a, p, nlen), arena_strndup(a, eq + 1, vlen), vlen,
					  SRC_COOKIE);
		}
		p = end ? end + 1 : NULL;
	}
	return HTTP_OK;
}

static bool src_match(enum param_src have, enum param_src want)
{
	if (want == SRC__MAX)
		return have == SRC_QUERY || have == SRC_BODY;
	return have == want;
}

const param *params_find(const param_list *l, const char *name, enum param_src src)
{
	for (size_t i = 0; i < l->n; i++)
		if (src_match(l->items[i].src, src) && strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

size_t params_count(const param_list *l, const char *name, enum param_src src)
{
	size_t c = 0;
	for (size_t i = 0; i < l->n; i++)
		if (src_match(l->items[i].src, src) && strcmp(l->items[i].name, name) == 0)
			c++;
	return c;
}
