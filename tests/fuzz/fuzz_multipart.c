/* libFuzzer driver: multipart/form-data bodies (http_parse_multipart, upload names, sniffing, document names). */
#include "http.h"
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <stdbool.h>

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
			/* the name stored and offered ends in the detected type's extension */
			const char *type = upload_sniff(f.items[i].data, f.items[i].len), *ext = document_ext(type);
			const char *dn = document_name(&a, fn, type);
			size_t dl = strlen(dn), el = strlen(ext);
			bool ends = dl > el && (strcasecmp(dn + dl - el, ext) == 0 ||
						(strcmp(ext, ".jpg") == 0 && dl > 5 && strcasecmp(dn + dl - 5, ".jpeg") == 0));
			if (!ends || strchr(dn, '/') || dn[0] == '.')
				__builtin_trap();
		}
	}
	arena_reset(&a);
	return 0;
}
