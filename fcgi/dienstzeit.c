/* dienstzeit.c — the ruhegehaltfähige Dienstzeit of a Lebenslauf (DOMAIN.md §2).
 *
 * Why fractions: a period's ruhegehaltfähige days are days × Stunden ÷ Regelstunden × factor,
 * unrounded (1,826 × 30/41 = 1,336.0975…), and only the sum ÷ 365 is rounded half up
 * (§ 14 Abs. 1 BeamtVG). In binary floating point a sum that is exactly 12.665 years may come out
 * as 12.66499… and round down. So every amount is an exact fraction of 128-bit integers; Umfang
 * counts in hundredths of an hour (DOMAIN.md §3: two decimals), the factors are fractions. */
#include "dienstzeit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct zeitart_info zeitart_info[ZEITART__MAX] = {
	[ZA_VORB] = {"VORB", "Vorbereitungsdienst (Beamter auf Widerruf)", "§ 6", 1, 1, 0, false},
	[ZA_BEAMT] = {"BEAMT", "Dienstzeit im Beamtenverhältnis", "§ 6", 1, 1, 0, false},
	[ZA_BDF] = {"BDF", "begrenzte Dienstfähigkeit", "§ 6", 1, 1, 0, false},
	[ZA_ATZ] = {"ATZ", "Altersteilzeit", "§ 6", 9, 10, 0, false}, /* Umfang: the share worked before it */
	[ZA_URLOI] = {"URLOI", "Beurlaubung im öffentlichen Interesse", "§ 6", 1, 1, 0, false},
	[ZA_URLOB] = {"URLOB", "Beurlaubung ohne Dienstbezüge", "§ 6", 0, 1, 0, false},
	[ZA_EZ] = {"EZ", "Elternzeit", "§ 6", 0, 1, 0, false},
	[ZA_WEHR] = {"WEHR", "Wehr- oder Zivildienst", "§§ 8, 9", 1, 1, 0, true},
	[ZA_ANGOD] = {"ANGOD", "Arbeitnehmer im öffentlichen Dienst vor der Berufung", "§ 10", 1, 1, 0, true},
	[ZA_AUSB] = {"AUSB", "Ausbildung (Fach-/Hochschule)", "§ 12", 1, 1, 1095, true},
	[ZA_SONST] = {"SONST", "sonstige Zeiten (z. B. Rechtsanwalt, Ausland)", "§ 11", 1, 2, 3650, true},
	[ZA_ZUR] = {"ZUR", "Zurechnungszeit (Dienstunfähigkeit)", "§ 13", 2, 3, 0, false},
};

const char *const anerkennung_key[ANERKENNUNG__MAX] = {"gesetzlich", "entschieden", "offen"};
const char anerkennung_offen_hinweis[] = "noch nicht entschieden";
const char dienstzeit_hinweis[] = "unverbindlich — maßgeblich ist die Festsetzung durch die Kasse";

int zeitart_parse(const char *key)
{
	for (int z = 0; key && z < ZEITART__MAX; z++)
		if (strcmp(key, zeitart_info[z].key) == 0)
			return z;
	return -1;
}

int anerkennung_parse(const char *key)
{
	for (int a = 0; key && a < ANERKENNUNG__MAX; a++)
		if (strcmp(key, anerkennung_key[a]) == 0)
			return a;
	return -1;
}

long dienstzeit_ab_17(long geburtsdatum)
{
	int y, m, d;
	date_civil(geburtsdatum, &y, &m, &d);
	if (m == 2 && d == 29) /* year + 17 is never a leap year */
		return date_days(y + 17, 3, 1);
	return date_days(y + 17, m, d);
}

/* ---- exact fractions ---- */

typedef __int128 i128;
struct bruch {
	i128 n, d; /* n/d, n >= 0, d > 0, in lowest terms */
};

/* Denominators stay below 2^80, so that no product below overflows (amounts are at most the
 * 73,414 days of 1900–2100). A real Lebenslauf never comes near (its denominators are Regelstunden
 * × 30); should a hostile one get there, both addends are first rounded down to a multiple of
 * 10^-12 day — exact still to far more places than a rounding to hundredths can see. */
#define BRUCH_NENNER_MAX ((i128)1 << 80)
#define BRUCH_RASTER ((i128)1000000000000)

static i128 ggt(i128 a, i128 b)
{
	while (b) {
		i128 r = a % b;
		a = b;
		b = r;
	}
	return a;
}

static struct bruch bruch(i128 n, i128 d)
{
	i128 g = ggt(n, d);
	return (struct bruch){n / g, d / g};
}

static struct bruch bruch_gerastert(struct bruch a)
{
	i128 ganz = a.n / a.d, rest = a.n % a.d; /* rest × 10^12 < 2^80 × 10^12 fits */
	return bruch(ganz * BRUCH_RASTER + rest * BRUCH_RASTER / a.d, BRUCH_RASTER);
}

static struct bruch bruch_plus(struct bruch a, struct bruch b)
{
	i128 kgv;
	if (__builtin_mul_overflow(a.d / ggt(a.d, b.d), b.d, &kgv) || kgv > BRUCH_NENNER_MAX) {
		a = bruch_gerastert(a);
		b = bruch_gerastert(b);
		kgv = a.d / ggt(a.d, b.d) * b.d;
	}
	return bruch(a.n * (kgv / a.d) + b.n * (kgv / b.d), kgv);
}

/* n/d × 100 rounded half up */
static long bruch_hundertstel(struct bruch a)
{
	return (long)((200 * a.n + a.d) / (2 * a.d));
}

static double bruch_double(struct bruch a)
{
	return (double)((long double)a.n / (long double)a.d);
}

/* ---- input ---- */

static bool datum_gueltig(long tag)
{
	return tag >= date_days(1900, 1, 1) && tag <= date_days(2100, 12, 31);
}

/* Stunden or Regelstunden: a number from 0 to 168 (the hours of a week) */
static bool stunden_gueltig(double stunden)
{
	return isfinite(stunden) && stunden >= 0 && stunden <= 168;
}

/* in hundredths of an hour: two decimals count (DOMAIN.md §3) */
static long stunden_hundertstel(double stunden)
{
	return (long)(stunden * 100 + 0.5);
}

static bool periode_gueltig(const struct periode *p)
{
	if ((unsigned)p->art >= ZEITART__MAX || (unsigned)p->anerkennung >= ANERKENNUNG__MAX)
		return false;
	if (!datum_gueltig(p->beginn) || (p->ende != ENDE_LAUFEND && (!datum_gueltig(p->ende) || p->ende < p->beginn)))
		return false;
	if (!stunden_gueltig(p->stunden) || !stunden_gueltig(p->regelstunden))
		return false;
	long s = stunden_hundertstel(p->stunden), r = stunden_hundertstel(p->regelstunden);
	return r > 0 && s <= r;
}

static int nach_beginn(const void *a, const void *b)
{
	long x = (*(const struct periode *const *)a)->beginn, y = (*(const struct periode *const *)b)->beginn;
	return (x > y) - (x < y);
}

/* folge[] = the periods in the order of beginn; -1 if one is invalid or two overlap */
static int perioden_ordnen(const struct periode *p, size_t n, const struct periode **folge)
{
	for (size_t i = 0; i < n; i++) {
		if (!periode_gueltig(&p[i]))
			return -1;
		folge[i] = &p[i];
	}
	qsort(folge, n, sizeof *folge, nach_beginn);
	for (size_t i = 1; i < n; i++)
		if (folge[i - 1]->ende == ENDE_LAUFEND || folge[i]->beginn <= folge[i - 1]->ende)
			return -1;
	return 0;
}

/* ---- the derivation ---- */

/* Calendar days of p as of heute, and those before the 17th birthday where only later ones count. */
static void periode_tage(const struct periode *p, long ab_17, long heute, struct periode_ergebnis *e)
{
	long ende = p->ende == ENDE_LAUFEND ? heute : p->ende;
	e->tage = ende >= p->beginn ? ende - p->beginn + 1 : 0;
	e->tage_vor_17 = 0;
	if (zeitart_info[p->art].ab_17 && e->tage > 0 && p->beginn < ab_17)
		e->tage_vor_17 = (ende < ab_17 ? ende : ab_17 - 1) - p->beginn + 1;
}

/* days × (Stunden ÷ Regelstunden) × factor, exactly */
static struct bruch periode_wert(const struct periode *p, long tage)
{
	const struct zeitart_info *z = &zeitart_info[p->art];
	return bruch((i128)tage * stunden_hundertstel(p->stunden) * z->faktor_zaehler,
		     (i128)stunden_hundertstel(p->regelstunden) * z->faktor_nenner);
}

/* wert, limited to what the cap leaves after verbraucht (the Zeitart's days so far); verbraucht grows */
static struct bruch kappen(struct bruch wert, int cap, struct bruch *verbraucht, bool *gekappt)
{
	struct bruch danach = bruch_plus(*verbraucht, wert);
	if (danach.n > (i128)cap * danach.d) {
		wert = bruch((i128)cap * verbraucht->d - verbraucht->n, verbraucht->d);
		danach = bruch(cap, 1);
		*gekappt = true;
	}
	*verbraucht = danach;
	return wert;
}

/* The periods' results in the order of beginn (the caps are consumed in it); returns the sum. */
static struct bruch perioden_werten(const struct periode *p, const struct periode *const *folge, size_t n,
				    long ab_17, long heute, struct periode_ergebnis *out, bool *offen)
{
	struct bruch summe = {0, 1}, verbraucht[ZEITART__MAX];
	for (int z = 0; z < ZEITART__MAX; z++)
		verbraucht[z] = summe;
	for (size_t k = 0; k < n; k++) {
		const struct periode *q = folge[k];
		struct periode_ergebnis *e = &out[q - p];
		memset(e, 0, sizeof *e);
		periode_tage(q, ab_17, heute, e);
		if (q->anerkennung == AN_OFFEN) {
			e->offen = *offen = true;
			continue;
		}
		struct bruch wert = periode_wert(q, e->tage - e->tage_vor_17);
		if (zeitart_info[q->art].hoechstens_tage)
			wert = kappen(wert, zeitart_info[q->art].hoechstens_tage, &verbraucht[q->art], &e->gekappt);
		e->rgf_tage = bruch_double(wert);
		e->rgf_hundertstel = bruch_hundertstel(wert);
		summe = bruch_plus(summe, wert);
	}
	return summe;
}

/* Years = days ÷ 365 and the Satz = years × 1.79375 %, each rounded half up to two decimals
 * (§ 14 Abs. 1 BeamtVG: the Satz from the rounded years), in integers: no tie is misjudged. */
static void summe_runden(struct bruch tage, struct dienstzeit_summe *sum)
{
	i128 jahre = (200 * tage.n + 365 * tage.d) / (730 * tage.d);
	i128 satz = (jahre * 179375 + 50000) / 100000;
	sum->rgf_tage = bruch_double(tage);
	sum->jahre_hundertstel = (long)jahre;
	sum->satz_hundertstel = satz > 7175 ? 7175 : (long)satz;
	sum->jahre = (double)sum->jahre_hundertstel / 100;
	sum->satz = (double)sum->satz_hundertstel / 100;
}

int dienstzeit_berechnen(const struct periode *p, size_t n, long geburtsdatum, long heute,
			 struct periode_ergebnis *out, struct dienstzeit_summe *sum)
{
	if (!datum_gueltig(geburtsdatum) || !datum_gueltig(heute))
		return -1;
	const struct periode **folge = xmalloc((n + 1) * sizeof *folge);
	int rc = perioden_ordnen(p, n, folge);
	if (rc == 0) {
		memset(sum, 0, sizeof *sum);
		struct bruch tage =
			perioden_werten(p, folge, n, dienstzeit_ab_17(geburtsdatum), heute, out, &sum->offen);
		summe_runden(tage, sum);
	}
	free(folge);
	return rc;
}

/* ---- German numbers ---- */

/* hundertstel as "1.336,10" (thousands with '.', decimal comma), then einheit; digits by hand (a
 * Lebenslauf of 40 periods formats 40 of them per page view, snprintf cost 5 % of that page) */
static void zahl_de(long hundertstel, const char *einheit, char out[DZ_ZAHL_MAX])
{
	unsigned long v = hundertstel < 0 ? 0UL - (unsigned long)hundertstel : (unsigned long)hundertstel;
	char ziffern[24];
	int n = 0;
	for (unsigned long g = v / 100; n == 0 || g; g /= 10) /* the whole part, last digit first */
		ziffern[n++] = (char)('0' + g % 10);
	size_t o = 0;
	if (hundertstel < 0)
		out[o++] = '-';
	for (int i = n - 1; i >= 0; i--) {
		out[o++] = ziffern[i];
		if (i > 0 && i % 3 == 0)
			out[o++] = '.';
	}
	out[o++] = ',';
	out[o++] = (char)('0' + v % 100 / 10);
	out[o++] = (char)('0' + v % 10);
	size_t e = strlen(einheit);
	if (e > DZ_ZAHL_MAX - 1 - o)
		e = DZ_ZAHL_MAX - 1 - o;
	memcpy(out + o, einheit, e);
	out[o + e] = '\0';
}

void dienstzeit_format_tage(long hundertstel, char out[DZ_ZAHL_MAX])
{
	zahl_de(hundertstel, "", out);
}

void dienstzeit_format_jahre(long hundertstel, char out[DZ_ZAHL_MAX])
{
	zahl_de(hundertstel, "", out);
}

void dienstzeit_format_satz(long hundertstel, char out[DZ_ZAHL_MAX])
{
	zahl_de(hundertstel, " %", out);
}
