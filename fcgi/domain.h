/* domain.h — the fixed vocabulary of the handbook: the six group mailboxes, the rights of a
 * Sachbearbeiter and their dependencies, the account states. Parallel tables sized by __MAX. */
#ifndef MV_DOMAIN_H
#define MV_DOMAIN_H
#include "util.h"
#include <stdbool.h>

enum gruppe { G_BEIHILFE, G_BEAMTENVERSORGUNG, G_FINANZIERUNG, G_MITGLIEDER_RECHT, G_GESCHAEFTSLEITUNG,
	      G_ADMINISTRATION, GRUPPE__MAX };

extern const char *const gruppe_name[GRUPPE__MAX]; /* "Mitglieder/Recht" */
extern const char *const gruppe_slug[GRUPPE__MAX]; /* "mitglieder-recht" */
int gruppe_parse(const char *s);                  /* name or slug, case-insensitive; -1 unknown */

/* Rights beyond the base right "postfach" (always granted). */
enum recht { R_ANSPRUCHSBERECHTIGTE, R_KONTAKTDATEN, R_FORMULARE, RECHT__MAX };

extern const char *const recht_key[RECHT__MAX];   /* "kontaktdaten" */
extern const char *const recht_label[RECHT__MAX]; /* handbook label */
extern const int recht_requires[RECHT__MAX];      /* prerequisite right or -1 */
/* The text of right k's "i" info field: what it allows, its prerequisite, and the rights it is the
 * prerequisite of — only those the organisation offers (available: a rechte_available mask). */
const char *recht_info_text(arena *a, int k, unsigned available);
extern const char recht_base_label[];
extern const char recht_base_info[];
int recht_parse(const char *s);                   /* key; -1 unknown ("postfach" → RECHT__MAX) */

/* Rights an organisation may grant: not switched off (§1.7) and prerequisite available. */
unsigned rechte_available(unsigned switched_off);

const char *status_label(const char *db_status); /* "aktiv" → "Aktiv" */

#endif
