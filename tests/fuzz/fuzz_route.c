/* libFuzzer driver: route matching. The input is "METHOD PATH" (split at the first space) matched
 * against a table shaped like the portal's (literal routes before patterns, {} segments, GET and
 * POST on one path). Checks: a found route's method and pattern really match the input, the
 * captured segment lies inside the path and holds no '/', and a miss is consistent with a scan. */
#include "router.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void none(req *r)
{
	(void)r;
}

static const route table[] = {
	{"GET", "/", none, 0, 0, "home"},
	{"GET", "/sachbearbeiter/neu", none, 0, 0, "new"},
	{"GET", "/sachbearbeiter", none, 0, 0, "list"},
	{"GET", "/sachbearbeiter/{}", none, 0, 0, "show"},
	{"GET", "/sachbearbeiter/{}/bearbeiten", none, 0, 0, "edit"},
	{"POST", "/sachbearbeiter/{}/bearbeiten", none, 0, 0, "edit"},
	{"POST", "/sachbearbeiter/{}/sperren", none, 0, 0, "lock"},
	{"GET", "/postfach/{}", none, 0, 0, "box"},
	{"GET", "/postfach/{}/neu", none, 0, 0, "compose"},
	{"POST", "/postfach/{}/neu", none, 0, 0, "compose"},
	{"GET", "/anhang/{}", none, 0, 0, "download"},
};

/* Reference matcher: pattern against path, written differently (segment by segment). */
static bool ref_match(const char *pattern, const char *path)
{
	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		size_t pl = strcspn(pattern, "/"), sl = strcspn(path, "/");
		if (pl == 2 && strncmp(pattern, "{}", 2) == 0) {
			if (sl == 0)
				return false;
		} else if (pl != sl || strncmp(pattern, path, pl) != 0)
			return false;
		pattern += pl;
		path += sl;
	}
	return *pattern == '\0' && *path == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = strndup((const char *)data, size);
	char *sp = strchr(in, ' ');
	const char *method = sp ? (*sp = '\0', in) : "GET";
	const char *path = sp ? sp + 1 : in;
	route_match m;
	enum route_result res = route_match_path(table, sizeof table / sizeof table[0], method, path, &m);
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	bool any = false, exact = false;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (ref_match(table[i].pattern, path)) {
			any = true;
			exact = exact || strcmp(table[i].method, want) == 0;
		}
	if ((res == ROUTE_FOUND) != exact || (res == ROUTE_NOT_FOUND) == any)
		__builtin_trap();
	if (res == ROUTE_FOUND) {
		if (strcmp(m.route->method, want) != 0 || !ref_match(m.route->pattern, path))
			__builtin_trap();
		bool has_arg = strstr(m.route->pattern, "{}") != NULL;
		if (has_arg != (m.arg != NULL))
			__builtin_trap();
		if (m.arg && (m.arg < path || m.arg + m.arg_len > path + strlen(path) || m.arg_len == 0 ||
			      memchr(m.arg, '/', m.arg_len)))
			__builtin_trap();
	}
	free(in);
	return 0;
}
