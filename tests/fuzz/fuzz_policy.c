/* libFuzzer driver: the password policy on arbitrary bytes (NULs, broken UTF-8). */
#include "policy.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned v = policy_check((const char *)data, size, "X201-ABCDEFGH1234", "Kim", "Mustermensch");
	sbuf b;
	sbuf_init(&b);
	policy_describe(v, &b);
	sbuf_free(&b);
	return 0;
}
