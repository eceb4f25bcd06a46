/* libFuzzer driver: multipart/form-data bodies (http_parse_multipart, upload names, sniffing). */
#include "http.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena a;
	arena_init(&a);
	param_list l = {0};
	upload_list f = {0};
	http_limits lim = {50, 64, 1024};
	if (http_parse_multipart(&a, (const char *)data, size, "multipart/form-data; boundary=XyZ", &lim, 5, &l, &f) ==
	    HTTP_OK) {
		for (size_t i = 0; i < f.n; i++) {
			const char *fn = f.items[i].filename;
			if (!*fn || strchr(fn, '/') || strchr(fn, '\\') || strchr(fn, '"') || fn[0] == '.')
				__builtin_trap();
			if (f.items[i].data < (const char *)data || f.items[i].data + f.items[i].len > (const char *)data + size)
				__builtin_trap();
			upload_sniff(f.items[i].data, f.items[i].len);
		}
	}
	arena_reset(&a);
	return 0;
}
