/* policy.h — the password policy (handbook §1.1 + SECURITY.md): pure, unit-tested. */
#ifndef MV_POLICY_H
#define MV_POLICY_H
#include "util.h"

enum policy_rule {
	PW_LENGTH, PW_LETTER, PW_DIGIT, PW_SPECIAL, PW_CONTROL, PW_COMMON, PW_KENNUNG, PW_NAME, PW_PORTAL,
	PW_RULE__MAX
};

extern const char *const policy_messages[PW_RULE__MAX];

/* Returns a bit set of violated rules (1u << rule); 0 = acceptable.
 * kennung, vorname, name may be NULL. pw need not be NUL-free: len is authoritative. */
unsigned policy_check(const char *pw, size_t len, const char *kennung, const char *vorname, const char *name);
/* Joins the messages of the violated rules with spaces into out. */
void policy_describe(unsigned violations, sbuf *out);

#endif
