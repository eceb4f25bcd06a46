/* libFuzzer driver: Cookie header parsing. */
#include "http.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena a;
	arena_init(&a);
	char *s = arena_strndup(&a, (const char *)data, size); /* headers arrive NUL-terminated */
	param_list l = {0};
	http_limits lim = {50, 64, 1024};
	http_parse_cookies(&a, s, &lim, &l);
	for (size_t i = 0; i < l.n; i++)
		if (strlen(l.items[i].value) != l.items[i].len)
			__builtin_trap();
	arena_reset(&a);
	return 0;
}
