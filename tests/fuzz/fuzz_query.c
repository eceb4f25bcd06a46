/* libFuzzer driver: query strings the way requests carry them. The input is a REQUEST_URI;
 * http_parse_head splits it into path and query and parses the query with
 * http_parse_urlencoded(SRC_QUERY) — the same parser as form bodies (fuzz_urlencoded), here
 * behind the split and with the production limits (config defaults). */
#include "http.h"
#include <stdint.h>
#include <string.h>

static bool name_chars(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena a;
	arena_init(&a);
	/* FastCGI params reach us as C strings: "REQUEST_URI=" + the input (up to a NUL) */
	char *uri_param = arena_printf(&a, "REQUEST_URI=%s", arena_strndup(&a, (const char *)data, size));
	const char *uri = uri_param + strlen("REQUEST_URI=");
	char *env[] = {"REQUEST_METHOD=GET", uri_param, NULL};
	http_limits lim = {200, 64, 98304}; /* max_params, name, max_field_bytes defaults */
	http_head h;
	param_list l = {0};
	enum http_head_err e = http_parse_head(&a, env, &lim, &h, &l);
	if (e == HTTP_HEAD_BAD_REQUEST) {
		if (uri[0] == '/' || strcmp(h.path, "/") != 0)
			__builtin_trap();
	} else {
		size_t pl = strlen(h.path);
		if (h.path[0] != '/' || strchr(h.path, '?') || strncmp(h.path, uri, pl) != 0)
			__builtin_trap();
		if (uri[pl] == '?' ? h.query != uri + pl + 1 : (uri[pl] != '\0' || *h.query))
			__builtin_trap();
	}
	if (e == HTTP_HEAD_OK) {
		for (size_t i = 0; i < l.n; i++) {
			const param *p = &l.items[i];
			if (p->src != SRC_QUERY || !name_chars(p->name) || strlen(p->name) > lim.max_name ||
			    p->len > lim.max_value || strlen(p->value) != p->len || !utf8_valid(p->value, p->len))
				__builtin_trap();
			if (params_find(&l, p->name, SRC_QUERY) == NULL || params_count(&l, p->name, SRC__MAX) == 0)
				__builtin_trap();
		}
		if (l.n > lim.max_params)
			__builtin_trap();
	}
	arena_reset(&a);
	return 0;
}
