/* dienstzeit.h — the ruhegehaltfähige Dienstzeit of a Lebenslauf (DOMAIN.md §2): the Zeitart
 * catalogue, the days of each period, the caps, the 17th birthday, years and the voraussichtliche
 * Ruhegehaltssatz. Pure: no database, no request, no clock ("heute" is an argument). Every figure
 * is unverbindlich — maßgeblich ist die Festsetzung durch die Kasse.
 *
 * Dates are day numbers (util.h: date_days, parse_date_days, today_berlin). Amounts are computed
 * as exact fractions, so that rounding half up decides correctly at a tie such as 12,665 years;
 * what a page shows comes as whole hundredths ("_hundertstel") already rounded. */
#ifndef MV_DIENSTZEIT_H
#define MV_DIENSTZEIT_H
#include "util.h"
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum zeitart { ZA_VORB, ZA_BEAMT, ZA_BDF, ZA_ATZ, ZA_URLOI, ZA_URLOB, ZA_EZ, ZA_WEHR, ZA_ANGOD, ZA_AUSB,
	       ZA_SONST, ZA_ZUR, ZEITART__MAX };

struct zeitart_info {
	const char *key;         /* "BEAMT" (import format, database) */
	const char *bezeichnung; /* "Dienstzeit im Beamtenverhältnis" */
	const char *gesetz;      /* "§ 6" (BeamtVG) */
	int faktor_zaehler, faktor_nenner; /* the factor as a fraction: ATZ 9/10, ZUR 2/3 */
	int hoechstens_tage;     /* cap on the ruhegehaltfähige days of this Zeitart in all; 0 = none */
	bool ab_17;              /* only days from the 17th birthday on count */
};
extern const struct zeitart_info zeitart_info[ZEITART__MAX];
int zeitart_parse(const char *key); /* exact key ("BEAMT"); -1 unknown */

enum anerkennung { AN_GESETZLICH, AN_ENTSCHIEDEN, AN_OFFEN, ANERKENNUNG__MAX };
extern const char *const anerkennung_key[ANERKENNUNG__MAX]; /* "gesetzlich", "entschieden", "offen" */
int anerkennung_parse(const char *key);                   /* exact key; -1 unknown */
extern const char anerkennung_offen_hinweis[];             /* "noch nicht entschieden" */
extern const char dienstzeit_hinweis[];                    /* the "unverbindlich" note */

#define ENDE_LAUFEND LONG_MAX /* periode.ende of an ongoing period: counts up to heute */

struct periode {
	long beginn, ende;        /* day numbers, both inclusive; ende may be ENDE_LAUFEND */
	enum zeitart art;
	double stunden, regelstunden; /* Umfang [Stunden, Regelstunden]; [1, 1] = full; two decimals count */
	enum anerkennung anerkennung;
};

struct periode_ergebnis {
	long tage;            /* calendar days beginn..ende inclusive (ongoing: ..heute; 0 if it starts later) */
	long tage_vor_17;     /* of those, days before the 17th birthday that do not count (WEHR ANGOD AUSB SONST) */
	double rgf_tage;      /* ruhegehaltfähige days, unrounded (0 if offen) */
	long rgf_hundertstel; /* the same in hundredths, rounded half up: 133610 = 1.336,10 days */
	bool offen;           /* anerkennung offen: counts 0, shown "noch nicht entschieden" */
	bool gekappt;         /* cut (possibly to 0) by the cap of its Zeitart */
};

struct dienstzeit_summe {
	double rgf_tage;        /* the unrounded sum of the periods' ruhegehaltfähige days */
	long jahre_hundertstel; /* rgf_tage ÷ 365, rounded half up to two decimals: 1267 = 12,67 years */
	long satz_hundertstel;  /* years × 1.79375 %, rounded half up, at most 7175: 2273 = 22,73 % */
	double jahre, satz;     /* the same two as numbers (12.67, 22.73) for JSON */
	bool offen;             /* some period is offen: the figure may still grow */
};

/* The ruhegehaltfähige Dienstzeit of the n periods p (any order; caps are consumed in the order of
 * beginn) of a person born on geburtsdatum, as of heute. out[i] belongs to p[i]. Returns 0, or -1
 * (out and sum unspecified) for input the import must refuse: an unknown Zeitart or Anerkennung, a
 * date outside 1900–2100, ende before beginn, overlapping periods (an ongoing one overlaps every
 * later one), Regelstunden not above 0 or above 168, Stunden below 0 or above the Regelstunden
 * (an Umfang is a share of full time), a value that is not a number. Allocates only a
 * temporary index, freed before it returns. */
int dienstzeit_berechnen(const struct periode *p, size_t n, long geburtsdatum, long heute,
			 struct periode_ergebnis *out, struct dienstzeit_summe *sum);

/* The first day that counts for WEHR, ANGOD, AUSB, SONST: the 17th birthday (it counts itself);
 * for a birthday on 29 February the 1st of March (§ 187 Abs. 2, § 188 Abs. 2 BGB: the year of
 * life is completed at the end of 28 February in a year without 29 February). */
long dienstzeit_ab_17(long geburtsdatum);

/* German number forms for pages, from hundredths (never allocate; out holds at least
 * DZ_ZAHL_MAX bytes): tage "1.336,10", jahre "12,67", satz "22,73 %". */
#define DZ_ZAHL_MAX 32
void dienstzeit_format_tage(long hundertstel, char out[DZ_ZAHL_MAX]);
void dienstzeit_format_jahre(long hundertstel, char out[DZ_ZAHL_MAX]);
void dienstzeit_format_satz(long hundertstel, char out[DZ_ZAHL_MAX]);

#endif
