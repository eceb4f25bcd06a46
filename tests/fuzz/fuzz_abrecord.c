/* libFuzzer driver: one line of the person import (abrecord_parse) on arbitrary bytes — broken
 * JSON and UTF-8, NULs, deep nesting, huge numbers, every field with every type. */
#include "abrecord.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena a;
	arena_init(&a);
	struct ab_record r;
	char err[400];
	if (abrecord_parse(&a, (const char *)data, size, &r, err, sizeof err) == 0) {
		/* a record that passed holds what the writer relies on */
		if (!abrecord_nr_ok(r.nr) || !r.name || !r.vorname || strlen(r.geburtsdatum) != 10 || !r.kanonisch)
			__builtin_trap();
		for (size_t i = 0; i < r.nperioden; i++)
			if (r.perioden[i].regelstunden <= 0 || r.perioden[i].stunden > r.perioden[i].regelstunden)
				__builtin_trap();
	} else if (!err[0] || strlen(err) >= sizeof err)
		__builtin_trap();
	arena_reset(&a);
	return 0;
}
