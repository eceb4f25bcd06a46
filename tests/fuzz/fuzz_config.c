/* libFuzzer driver: configuration lines (key = value) through config_set. */
#include "config.h"
#include "util.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[512];
	if (size >= sizeof line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	char *eq = strchr(line, '=');
	if (!eq)
		return 0;
	*eq = '\0';
	char err[256];
	config_set(str_trim(line), str_trim(eq + 1), err, sizeof err);
	return 0;
}
