/* http.c — parsing of query strings, form bodies and cookies. */
#include "http.h"
#include <string.h>
#include <strings.h>

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

/* Values may hold tabs and line breaks (text areas) but no NUL or other control characters
 * (C0, DEL, C1). */
static bool value_ok(const char *s, size_t n)
{
	return !str_has_ctl_but(s, n, "\t\r\n") && utf8_valid(s, n);
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

/* ---- multipart/form-data ---- */

static const char *memmem_s(const char *hay, size_t hn, const char *needle, size_t nn)
{
	return nn <= hn ? memmem(hay, hn, needle, nn) : NULL;
}

/* boundary=... from the Content-Type header, quoted or not; NULL if missing or invalid */
static char *boundary_of(arena *a, const char *ct)
{
	const char *b = ct ? strstr(ct, "boundary=") : NULL;
	if (!b)
		return NULL;
	b += 9;
	size_t n;
	if (*b == '"') {
		b++;
		const char *e = strchr(b, '"');
		if (!e)
			return NULL;
		n = (size_t)(e - b);
	} else
		n = strcspn(b, "; \t");
	if (n == 0 || n > 70)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] > 0x7E)
			return NULL;
	return arena_strndup(a, b, n);
}

/* Value of a parameter (name="..." or filename="...") inside a Content-Disposition line. */
static const char *disposition_param(arena *a, const char *line, size_t n, const char *key, size_t *outlen)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 2 <= n; i++) {
		if ((i == 0 || line[i - 1] == ' ' || line[i - 1] == ';') && memcmp(line + i, key, kl) == 0 &&
		    line[i + kl] == '=' && line[i + kl + 1] == '"') {
			const char *v = line + i + kl + 2;
			const char *e = memchr(v, '"', n - (size_t)(v - line));
			if (!e)
				return NULL;
			*outlen = (size_t)(e - v);
			return arena_strndup(a, v, *outlen);
		}
	}
	return NULL;
}

/* Characters a file name must not carry: controls (C0, DEL, C1), the line and paragraph
 * separators and the format characters of Unicode (category Cf: bidirectional overrides and
 * isolates such as U+202E, zero-width characters, the soft hyphen, word joiners, tags …), which
 * make a name read otherwise than it ends ("Rechnung<U+202E>fdp.hta" shows as "Rechnungath.pdf"). */
static bool name_unwanted(unsigned cp)
{
	static const unsigned ranges[][2] = {
		{0x00, 0x1F}, {0x7F, 0x9F}, {0xAD, 0xAD}, {0x600, 0x605}, {0x61C, 0x61C}, {0x6DD, 0x6DD},
		{0x70F, 0x70F}, {0x890, 0x891}, {0x8E2, 0x8E2}, {0x180E, 0x180E}, {0x200B, 0x200F},
		{0x2028, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB},
		{0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
		{0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
	};
	for (size_t i = 0; i < ARRAY_LEN(ranges); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return true;
	return false;
}

/* s[0..n) (valid UTF-8) without unwanted characters and quotes, path separators as "_", without
 * leading dots and blanks (no hidden files, no "..") and trailing ones (which Windows drops, so
 * "x.pdf." would be saved as "x.pdf"); "" if nothing is left. */
static char *name_clean(arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0, next = 0; i < n; i = next) {
		unsigned cp = utf8_decode((const unsigned char *)s, n, &next);
		size_t len = next - i;
		if (name_unwanted(cp) || cp == '"')
			continue;
		if (cp == '/' || cp == '\\')
			out[o++] = '_';
		else
			for (size_t k = 0; k < len; k++)
				out[o++] = s[i + k];
	}
	size_t start = 0;
	while (start < o && (out[start] == '.' || out[start] == ' '))
		start++;
	while (o > start && (out[o - 1] == '.' || out[o - 1] == ' '))
		o--;
	out[o] = '\0';
	return out + start;
}

char *upload_filename(arena *a, const char *raw, size_t n)
{
	/* the last path component only, whatever the browser's platform */
	size_t start = 0;
	for (size_t i = 0; i < n; i++)
		if (raw[i] == '/' || raw[i] == '\\')
			start = i + 1;
	char *out = utf8_valid(raw + start, n - start) ? name_clean(a, raw + start, n - start) : "";
	if (utf8_count(out, strlen(out)) > 200 || !*out)
		return arena_strdup(a, "Dokument");
	return out;
}

const char *document_ext(const char *type)
{
	return str_eq(type, "application/pdf") ? ".pdf" : str_eq(type, "image/png") ? ".png"
		: str_eq(type, "image/jpeg") ? ".jpg" : "";
}

/* Whether name ends in ext, case-insensitively (".jpeg" counts for ".jpg"). */
static bool name_has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	if (n > e && strcasecmp(name + n - e, ext) == 0)
		return true;
	return strcmp(ext, ".jpg") == 0 && n > 5 && strcasecmp(name + n - 5, ".jpeg") == 0;
}

char *document_name(arena *a, const char *name, const char *type)
{
	const char *ext = document_ext(type);
	char *clean = name && utf8_valid(name, strlen(name)) ? name_clean(a, name, strlen(name)) : "";
	if (!*clean)
		return arena_printf(a, "Dokument%s", ext);
	if (!*ext || name_has_ext(clean, ext))
		return clean;
	return arena_printf(a, "%s%s", clean, ext);
}

const char *upload_sniff(const char *d, size_t n)
{
	if (n >= 5 && memcmp(d, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && memcmp(d, "\xFF\xD8\xFF", 3) == 0)
		return "image/jpeg";
	return NULL;
}

/* A part's headers [p, hend): only Content-Disposition matters (the declared Content-Type is not
 * trusted): its name and filename (NULL when absent). */
static void part_headers(arena *a, const char *p, const char *hend, const char **name, size_t *nlen,
			 const char **fname, size_t *flen)
{
	for (const char *h = p; h < hend;) {
		const char *eol = memmem_s(h, (size_t)(hend - h), "\r\n", 2);
		size_t ll = eol ? (size_t)(eol - h) : (size_t)(hend - h);
		if (ll >= 20 && strncasecmp(h, "content-disposition:", 20) == 0) {
			*name = disposition_param(a, h, ll, "name", nlen);
			*fname = disposition_param(a, h, ll, "filename", flen);
		}
		h += ll + 2;
	}
}

/* Where the parts of a multipart body start: just after the first "--boundary" (a preamble may come
 * before "\r\n--boundary"); NULL if it is not (yet) among the n bytes. */
static const char *parts_start(const char *body, size_t n, const char *boundary, const char *delim)
{
	size_t bl = strlen(boundary), dl = bl + 4;
	if (n >= bl + 2 && body[0] == '-' && body[1] == '-' && memcmp(body + 2, boundary, bl) == 0)
		return body + 2 + bl;
	const char *f = memmem_s(body, n, delim, dl);
	return f ? f + dl : NULL;
}

enum http_scan http_multipart_field(arena *a, const char *body, size_t n, const char *content_type, const char *field,
				    const char **value)
{
	char *boundary = boundary_of(a, content_type);
	if (!boundary)
		return HTTP_SCAN_ABSENT;
	char *delim = arena_printf(a, "\r\n--%s", boundary);
	size_t dl = strlen(delim);
	const char *p = parts_start(body, n, boundary, delim), *end = body + n;
	if (!p)
		return HTTP_SCAN_MORE;
	for (;;) {
		if (end - p < 2)
			return HTTP_SCAN_MORE;
		if (p[0] != '\r' || p[1] != '\n') /* "--": the body ended without the field; else malformed */
			return HTTP_SCAN_ABSENT;
		p += 2;
		const char *hend = memmem_s(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hend || hend - p > 2048)
			return !hend && end - p <= 2048 ? HTTP_SCAN_MORE : HTTP_SCAN_ABSENT;
		const char *name = NULL, *fname = NULL;
		size_t nlen = 0, flen = 0;
		part_headers(a, p, hend, &name, &nlen, &fname, &flen);
		if (!name || fname) /* a document before the field */
			return HTTP_SCAN_ABSENT;
		const char *next = memmem_s(hend + 4, (size_t)(end - hend - 4), delim, dl);
		if (!next)
			return HTTP_SCAN_MORE;
		if (strcmp(name, field) == 0) {
			*value = arena_strndup(a, hend + 4, (size_t)(next - hend - 4));
			return HTTP_SCAN_FOUND;
		}
		p = next + dl;
	}
}

enum http_parse_err http_parse_multipart(arena *a, const char *body, size_t n, const char *content_type,
					 const http_limits *lim, size_t max_files, param_list *list, upload_list *files)
{
	char *boundary = boundary_of(a, content_type);
	if (!boundary)
		return HTTP_ERR_BAD_ENCODING;
	char *delim = arena_printf(a, "\r\n--%s", boundary); /* every boundary after the first */
	size_t dl = strlen(delim);
	const char *p = parts_start(body, n, boundary, delim);
	if (!p)
		return HTTP_ERR_BAD_ENCODING;
	const char *end = body + n;
	size_t parts = 0;
	for (;;) {
		/* after a boundary: "--" ends the body, "\r\n" starts a part */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return HTTP_OK;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return HTTP_ERR_BAD_ENCODING;
		p += 2;
		if (++parts > lim->max_params)
			return HTTP_ERR_TOO_MANY;
		const char *hend = memmem_s(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hend || hend - p > 2048)
			return HTTP_ERR_BAD_ENCODING;
		const char *next = memmem_s(hend + 4, (size_t)(end - hend - 4), delim, dl);
		if (!next)
			return HTTP_ERR_BAD_ENCODING;
		const char *data = hend + 4;
		size_t dlen = (size_t)(next - data);
		const char *name = NULL, *fname = NULL;
		size_t nlen = 0, flen = 0;
		part_headers(a, p, hend, &name, &nlen, &fname, &flen);
		bool has_filename = fname != NULL;
		if (!name || !name_ok(name, nlen) || nlen > lim->max_name)
			return HTTP_ERR_BAD_NAME;
		if (has_filename) {
			if (!(flen == 0 && dlen == 0)) { /* an empty part means "no file chosen" */
				if (files->n >= max_files)
					return HTTP_ERR_TOO_MANY;
				if (files->n == files->cap) {
					size_t cap = files->cap ? files->cap * 2 : 4;
					upload *items = arena_alloc(a, cap * sizeof *items);
					if (files->n)
						memcpy(items, files->items, files->n * sizeof *items);
					files->items = items;
					files->cap = cap;
				}
				files->items[files->n++] = (upload){name, upload_filename(a, fname, flen), data, dlen};
			}
		} else {
			if (dlen > lim->max_value)
				return HTTP_ERR_TOO_LONG;
			if (!value_ok(data, dlen))
				return HTTP_ERR_BAD_ENCODING;
			list_push(a, list, name, arena_strndup(a, data, dlen), dlen, SRC_BODY);
		}
		p = next + dl;
	}
}

/* ---- the FastCGI params of one request ---- */

const char *http_env_get(char *const *env, const char *name)
{
	if (!env || !name)
		return NULL;
	size_t n = strlen(name);
	for (char *const *p = env; *p; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

enum http_head_err http_parse_head(arena *a, char *const *env, const http_limits *lim, http_head *h,
				   param_list *list)
{
	*h = (http_head){0};
	h->method = http_env_get(env, "REQUEST_METHOD");
	h->uri = http_env_get(env, "REQUEST_URI");
	h->remote = http_env_get(env, "REMOTE_ADDR");
	h->content_type = http_env_get(env, "CONTENT_TYPE");
	h->content_length = http_env_get(env, "CONTENT_LENGTH");
	h->accept = http_env_get(env, "HTTP_ACCEPT");
	h->origin = http_env_get(env, "HTTP_ORIGIN");
	h->sec_fetch_site = http_env_get(env, "HTTP_SEC_FETCH_SITE");
	h->csrf_header = http_env_get(env, "HTTP_X_CSRF_TOKEN");
	h->cookie = http_env_get(env, "HTTP_COOKIE");
	const char *https = http_env_get(env, "HTTPS");
	h->https = https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0);
	h->want_json = h->accept && strstr(h->accept, "application/json") != NULL;
	if (!h->method || !h->uri || h->uri[0] != '/') {
		h->path = "/";
		return HTTP_HEAD_BAD_REQUEST;
	}
	h->is_head = strcmp(h->method, "HEAD") == 0;
	const char *q = strchr(h->uri, '?');
	h->path = q ? arena_strndup(a, h->uri, (size_t)(q - h->uri)) : h->uri;
	h->query = q ? q + 1 : "";
	if (http_parse_urlencoded(a, h->query, strlen(h->query), SRC_QUERY, lim, list) != HTTP_OK)
		return HTTP_HEAD_BAD_QUERY;
	if (h->cookie && strlen(h->cookie) < 8192)
		http_parse_cookies(a, h->cookie, lim, list);
	return HTTP_HEAD_OK;
}

int http_read_body(arena *a, const char *content_length, size_t limit, http_read_fn rd, void *ctx, char **body,
		   size_t *len)
{
	long long declared = -1;
	if (content_length && *content_length && parse_int(content_length, 0, (long long)1 << 40, &declared) != 0)
		return 400;
	if (declared > (long long)limit)
		return 413;
	size_t cap = declared >= 0 ? (size_t)declared : limit + 1;
	char *buf = arena_alloc(a, cap + 1);
	size_t got = 0;
	while (got < cap) {
		int n = rd(ctx, buf + got, (int)(cap - got > 65536 ? 65536 : cap - got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got > limit)
		return 413;
	if (declared >= 0 && got != (size_t)declared)
		return 400;
	buf[got] = '\0';
	*body = buf;
	*len = got;
	return 0;
}

int http_parse_body(arena *a, const char *body, size_t n, const char *content_type, bool multipart_ok,
		    const http_limits *lim, size_t max_files, param_list *list, upload_list *files, bool *multipart,
		    enum http_parse_err *err)
{
	*multipart = false;
	*err = HTTP_OK;
	if (!n)
		return 0;
	if (content_type && str_starts(content_type, "multipart/form-data") && multipart_ok) {
		*multipart = true;
		*err = http_parse_multipart(a, body, n, content_type, lim, max_files, list, files);
		return *err == HTTP_OK ? 0 : *err == HTTP_ERR_TOO_LONG || *err == HTTP_ERR_TOO_MANY ? 413 : 400;
	}
	if (!content_type || !str_starts(content_type, "application/x-www-form-urlencoded"))
		return 415;
	*err = http_parse_urlencoded(a, body, n, SRC_BODY, lim, list);
	return *err == HTTP_OK ? 0 : *err == HTTP_ERR_TOO_LONG || *err == HTTP_ERR_TOO_MANY ? 413 : 400;
}

const char *http_repeated_field(const param_list *l, const char *const *repeatable, size_t nrepeatable)
{
	for (size_t i = 0; i < l->n; i++) {
		const param *p = &l->items[i];
		if (p->src == SRC_COOKIE)
			continue;
		bool rep = false;
		for (size_t k = 0; k < nrepeatable; k++)
			rep = rep || strcmp(p->name, repeatable[k]) == 0;
		if (!rep && params_count(l, p->name, SRC__MAX) > 1)
			return p->name;
	}
	return NULL;
}
