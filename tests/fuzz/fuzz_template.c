/* libFuzzer driver: template rendering and the escaping writer. The rendered HTML must
 * never contain a raw '<' that came from a slot value. The column labels of table cells
 * (h_table_labels) on the rendered markup: never shorter than its input, never a read past it. */
#include "html.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena a;
	arena_init(&a);
	size_t half = size / 2;
	char *tpl = arena_strndup(&a, (const char *)data, half);
	char *val = arena_strndup(&a, (const char *)data + half, size - half);
	tpl_slot slots[] = {{"a", val}, {"b", "x"}};
	sbuf out;
	sbuf_init(&out);
	tpl_render(&out, tpl, TPL_HTML, slots, 2);
	sbuf labelled;
	sbuf_init(&labelled);
	h_table_labels(&labelled, out.data ? out.data : "");
	if (labelled.len < out.len)
		__builtin_trap();
	sbuf_free(&labelled);
	sbuf esc;
	sbuf_init(&esc);
	h_text(&esc, val);
	if (esc.data && (strchr(esc.data, '<') || strchr(esc.data, '"') || strchr(esc.data, '\'')))
		__builtin_trap();
	sbuf_free(&out);
	sbuf_free(&esc);
	arena_reset(&a);
	return 0;
}
