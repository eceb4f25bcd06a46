/* libFuzzer driver: one line of the person import (abrecord_parse) on arbitrary bytes — broken
 * JSON and UTF-8, NULs, deep nesting, huge numbers, every field with every type. The import's
 * first pass validates with abrecord_check, its second writes with abrecord_parse: both must give
 * the same verdict and the same message for every line. */
#include "abrecord.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arena a;
	arena_init(&a);
	struct ab_record r;
	char err[400], err2[400];
	struct ab_record r2;
	int checked = abrecord_check(&a, (const char *)data, size, &r2, err2, sizeof err2);
	int parsed = abrecord_parse(&a, (const char *)data, size, &r, err, sizeof err);
	if (checked != parsed || (parsed != 0 && strcmp(err, err2) != 0))
		__builtin_trap();
	if (parsed == 0) {
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
