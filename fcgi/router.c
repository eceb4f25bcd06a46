/* router.c — route matching as a pure function of table, method and path. */
#include "router.h"
#include <string.h>

/* Matches path against pattern; the {} segment (at most one) is returned through arg. */
static bool pattern_match(const char *pattern, const char *path, const char **arg, size_t *arg_len)
{
	while (*pattern && *path) {
		if (pattern[0] == '{' && pattern[1] == '}') {
			size_t n = strcspn(path, "/");
			if (n == 0)
				return false;
			*arg = path;
			*arg_len = n;
			path += n;
			pattern += 2;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

enum route_result route_match_path(const route *table, size_t n, const char *method, const char *path,
				   route_match *m)
{
	*m = (route_match){0};
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	bool known = false;
	for (size_t i = 0; i < n; i++) {
		const char *arg = NULL;
		size_t arg_len = 0;
		if (!pattern_match(table[i].pattern, path, &arg, &arg_len))
			continue;
		known = true;
		m->get = m->get || strcmp(table[i].method, "GET") == 0;
		m->post = m->post || strcmp(table[i].method, "POST") == 0;
		if (!m->route && strcmp(table[i].method, method) == 0) {
			m->route = &table[i];
			m->arg = arg;
			m->arg_len = arg_len;
		}
	}
	return m->route ? ROUTE_FOUND : known ? ROUTE_WRONG_METHOD : ROUTE_NOT_FOUND;
}

bool route_declared(const route *table, size_t n, const char *method, const char *pattern)
{
	for (size_t i = 0; i < n; i++) {
		const char *t = table[i].pattern; /* the first two bytes sort out most rows without a call */
		if (t[0] != pattern[0] || (t[0] && t[1] != pattern[1]))
			continue;
		if (strcmp(t, pattern) == 0 && strcmp(table[i].method, method) == 0)
			return true;
	}
	return false;
}
