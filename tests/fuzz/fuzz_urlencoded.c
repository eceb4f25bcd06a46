/* libFuzzer driver: query strings and form bodies (http_parse_urlencoded). */
#include "http.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena a;
	arena_init(&a);
	param_list l = {0};
	http_limits lim = {50, 64, 1024};
	if (http_parse_urlencoded(&a, (const char *)data, size, SRC_BODY, &lim, &l) == HTTP_OK) {
		for (size_t i = 0; i < l.n; i++) {
			/* every accepted value is NUL-free valid UTF-8 of the stated length */
			if (!utf8_valid(l.items[i].value, l.items[i].len) || l.items[i].value[l.items[i].len] != '\0')
				__builtin_trap();
			params_count(&l, l.items[i].name, SRC__MAX);
		}
	}
	arena_reset(&a);
	return 0;
}
