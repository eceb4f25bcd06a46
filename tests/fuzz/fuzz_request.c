/* libFuzzer driver: the FastCGI params handling of web.c's handle(), without libfcgi and the
 * database — http_parse_head (REQUEST_METHOD, REQUEST_URI, QUERY split, CONTENT_TYPE,
 * CONTENT_LENGTH, HTTP_COOKIE, HTTP_ORIGIN, HTTP_SEC_FETCH_SITE, HTTP_ACCEPT, HTTPS …),
 * http_read_body, http_multipart_field (the CSRF token ahead of the documents), http_parse_body and
 * http_repeated_field, in the worker's order.
 *
 * Input: params as "NAME=value" lines ('\n'-separated, a NUL inside ends the C string as in
 * libfcgi's envp), an empty line, then the body (read in short pieces like FCGX_GetStr).
 * The one multipart route (POST /postfach/{}/neu) is recognised as in routes.c; the limits are
 * scaled down so that the fuzzer reaches every refusal with inputs of a few KiB. */
#include "http.h"
#include <stdint.h>
#include <string.h>

#define MAX_PARAMS 64

struct reader {
	const char *p;
	size_t n;
	unsigned step;
};

static int read_piece(void *ctx, char *buf, int n)
{
	struct reader *r = ctx;
	size_t k = r->n < (size_t)n ? r->n : (size_t)n;
	if (k > r->step) /* FastCGI delivers a body in records: short reads */
		k = r->step;
	memcpy(buf, r->p, k);
	r->p += k;
	r->n -= k;
	return (int)k;
}

static bool multipart_route(const char *path)
{
	const char *pre = "/postfach/";
	if (strncmp(path, pre, strlen(pre)) != 0)
		return false;
	const char *seg = path + strlen(pre), *slash = strchr(seg, '/');
	return slash && slash > seg && strcmp(slash, "/neu") == 0;
}

static const char *const repeatable_fields[] = {"gruppe", "recht"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	arena a;
	arena_init(&a);
	/* params up to the first empty line */
	char *env[MAX_PARAMS + 1];
	size_t nenv = 0, i = 0;
	while (i < size && in[i] != '\n' && nenv < MAX_PARAMS) {
		const char *nl = memchr(in + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (in + i)) : size - i;
		env[nenv++] = arena_strndup(&a, in + i, len);
		i += len + (nl ? 1 : 0);
	}
	env[nenv] = NULL;
	if (i < size && in[i] == '\n')
		i++;
	const char *body_in = in + i;
	size_t body_n = size - i;

	http_limits lim = {50, 64, 1024};
	http_head h;
	param_list l = {0};
	upload_list f = {0};
	enum http_head_err he = http_parse_head(&a, env, &lim, &h, &l);
	if (!h.path || h.path[0] != '/')
		__builtin_trap();
	if (he != HTTP_HEAD_OK)
		goto out;
	if (strchr(h.path, '?') || (h.is_head && strcmp(h.method, "HEAD") != 0))
		__builtin_trap();
	for (size_t k = 0; k < l.n; k++)
		if (l.items[k].src == SRC_BODY || strlen(l.items[k].value) != l.items[k].len ||
		    !utf8_valid(l.items[k].value, l.items[k].len))
			__builtin_trap();
	if (strcmp(h.method, "POST") == 0) {
		bool mp_ok = multipart_route(h.path);
		size_t limit = mp_ok ? 3072 : 2048;
		struct reader rd = {body_in, body_n, 1 + (body_n % 997)};
		char *body = NULL;
		size_t blen = 0;
		int st = http_read_body(&a, h.content_length, limit, read_piece, &rd, &body, &blen);
		if (st && st != 400 && st != 413)
			__builtin_trap();
		if (st)
			goto out;
		if (blen > limit || body[blen] != '\0' || (blen && memcmp(body, body_in, blen) != 0))
			__builtin_trap();
		if (mp_ok && blen) {
			/* web.c's multipart gate looks for the CSRF token in what has arrived so far: what a
			 * prefix decides, the whole body decides alike */
			const char *v1 = NULL, *v2 = NULL;
			enum http_scan s1 = http_multipart_field(&a, body, blen / 2, h.content_type, "csrf", &v1);
			enum http_scan s2 = http_multipart_field(&a, body, blen, h.content_type, "csrf", &v2);
			if (s1 != HTTP_SCAN_MORE && (s1 != s2 || (s1 == HTTP_SCAN_FOUND && strcmp(v1, v2) != 0)))
				__builtin_trap();
			if (s2 == HTTP_SCAN_FOUND && (!v2 || !memmem(body, blen, v2, strlen(v2))))
				__builtin_trap();
		}
		bool multipart;
		enum http_parse_err e;
		st = http_parse_body(&a, body, blen, h.content_type, mp_ok, &lim, 3, &l, &f, &multipart, &e);
		if ((st == 0) != (e == HTTP_OK) && st != 415)
			__builtin_trap();
		if (multipart && !mp_ok)
			__builtin_trap();
		if (st)
			goto out;
		for (size_t k = 0; k < f.n; k++)
			if (f.items[k].data < body || f.items[k].data + f.items[k].len > body + blen || !*f.items[k].filename)
				__builtin_trap();
		if (f.n > 3)
			__builtin_trap();
	}
	const char *dup = http_repeated_field(&l, repeatable_fields, 2);
	if (dup && params_count(&l, dup, SRC__MAX) < 2)
		__builtin_trap();
out:
	arena_reset(&a);
	return 0;
}
