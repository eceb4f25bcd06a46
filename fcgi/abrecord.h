/* abrecord.h — one line of the Kasse's import (DOMAIN.md §1, §3): a JSON object parsed and
 * validated into a typed record, or a German message saying what is wrong. Pure: no database, no
 * request; the command (cli_ab.c) adds the line number, checks the pnr against the organisations
 * and writes. */
#ifndef MV_ABRECORD_H
#define MV_ABRECORD_H
#include "util.h"
#include <stdbool.h>
#include <stddef.h>

enum ab_art { AB_AKTIV, AB_RUHESTAND, AB_HINTERBLIEBENE, AB_AUSGESCHIEDEN, AB_ART__MAX };
extern const char *const ab_art_key[AB_ART__MAX]; /* "aktiv", "ruhestand", … */

enum { AB_TEXT_MAX = 100, AB_PERIODEN_MAX = 200, AB_HASH_BYTES = 16 };

/* One Lebenslauf period: dates "JJJJ-MM-TT" (ende "" = ongoing), Umfang in hundredths. */
struct ab_periode {
	char beginn[11], ende[11];
	int zeitart;      /* enum zeitart (dienstzeit.h) */
	int anerkennung;  /* enum anerkennung */
	long stunden, regelstunden; /* hundredths: [30, 41] = 3000, 4100 */
	const char *dienstherr;     /* NULL: none */
};

/* Every text is NULL when absent or null; dates "JJJJ-MM-TT". Stunden in hundredths (-1: none). */
struct ab_record {
	const char *pnr, *nr, *name, *vorname, *geburtsname, *titel;
	enum ab_art art;
	char geburtsdatum[11];
	const char *familienstand, *familienstand_seit;
	const char *strasse, *plz, *ort, *land, *telefon, *email;
	const char *verhaeltnis, *amtsbezeichnung, *besoldungsgruppe, *eintritt, *ruhestand_voraussichtlich;
	int stufe;                         /* 0: none */
	long stunden, regelstunden;        /* dienst.umfang in hundredths; -1: none */
	const char *versorgung_art, *versorgung_beginn, *bezug_nr;
	struct ab_periode *perioden;
	size_t nperioden;
	const char *kanonisch;             /* cJSON_PrintUnformatted of the parsed line */
	unsigned char inhalt[AB_HASH_BYTES]; /* generic hash (BLAKE2b, 16 bytes) of kanonisch */
};

/* Parses and validates line[0..n) (need not be NUL-terminated; valid UTF-8 is checked here too)
 * into *out, allocating in a. Returns 0, or -1 with a German message (no line number, ending in
 * a full stop) in err. */
int abrecord_parse(arena *a, const char *line, size_t n, struct ab_record *out, char *err, size_t errlen);
/* The same checks without kanonisch and inhalt (the import's validation pass, which writes nothing). */
int abrecord_check(arena *a, const char *line, size_t n, struct ab_record *out, char *err, size_t errlen);

/* A person number as the Kasse writes it: [A-Z0-9-]{1,20}. */
bool abrecord_nr_ok(const char *s);
/* Text for a person's field: valid UTF-8, 1..max characters, no control characters, no line or
 * paragraph separator and no bidirectional formatting character (they reorder what a clerk
 * reads). */
bool abrecord_text_ok(const char *s, size_t max);
/* "1234" hundredths → "12.34" (out holds 16 bytes). */
void abrecord_decimal(long hundertstel, char out[16]);

#endif
