/* abrecord.c — one line of the Kasse's import parsed and validated (see abrecord.h). Every
 * refusal is a German sentence naming the field (and the Lebenslauf entry, 1-based). */
#include "abrecord.h"
#include "dienstzeit.h"
#include <cjson/cJSON.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ab_art_key[AB_ART__MAX] = {"aktiv", "ruhestand", "hinterbliebene", "ausgeschieden"};
static const char *const art_keys[] = {"aktiv", "ruhestand", "hinterbliebene", "ausgeschieden", NULL};

static const char *const familienstand_keys[] = {"ledig", "verheiratet", "verwitwet", "geschieden",
						 "eingetragene Lebenspartnerschaft", NULL};
static const char *const verhaeltnis_keys[] = {"widerruf", "probe", "lebenszeit", "zeit", NULL};
static const char *const versorgung_keys[] = {"ruhegehalt", "witwengeld", "waisengeld", NULL};

static const char *const top_keys[] = {"pnr", "nr", "art", "name", "vorname", "geburtsname", "titel", "geburtsdatum",
				       "familienstand", "familienstand_seit", "anschrift", "telefon", "email", "dienst",
				       "versorgung", "lebenslauf", NULL};
static const char *const anschrift_keys[] = {"strasse", "plz", "ort", "land", NULL};
static const char *const dienst_keys[] = {"verhaeltnis", "amtsbezeichnung", "besoldungsgruppe", "stufe", "umfang",
					  "eintritt", "ruhestand_voraussichtlich", NULL};
static const char *const versorgung_obj_keys[] = {"art", "beginn", "bezug_nr", NULL};
static const char *const periode_keys[] = {"beginn", "ende", "zeitart", "umfang", "dienstherr", "anerkennung", NULL};

/* The parse in progress: where messages go, and the part of the record being read ("" top level,
 * " in „anschrift“", " im Lebenslauf (Eintrag 3)"). */
struct ctx {
	arena *a;
	char *err;
	size_t errlen;
	char where[64];
};

static int fail(struct ctx *c, const char *fmt, ...) MV_PRINTF(2, 3);
static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A value for a message: at most 40 characters, bytes that are not UTF-8 as '?'. */
static const char *shown(struct ctx *c, const char *v)
{
	return utf8_clip(c->a, v ? v : "", 40);
}

static int key_index(const char *const *keys, const char *k)
{
	for (int i = 0; keys[i]; i++)
		if (strcmp(keys[i], k) == 0)
			return i;
	return -1;
}

/* Every member of obj is one of keys, none twice. */
static int keys_check(struct ctx *c, const cJSON *obj, const char *const *keys)
{
	unsigned long long seen = 0;
	for (const cJSON *m = obj->child; m; m = m->next) {
		int i = m->string ? key_index(keys, m->string) : -1;
		if (i < 0)
			return fail(c, "Unbekanntes Feld „%s“%s.", shown(c, m->string), c->where);
		if (seen & (1ULL << i))
			return fail(c, "Feld „%s“ doppelt%s.", m->string, c->where);
		seen |= 1ULL << i;
	}
	return 0;
}

/* obj[key] as a string: *out NULL when absent or null. */
static int get_string(struct ctx *c, const cJSON *obj, const char *key, bool required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return fail(c, "Pflichtfeld „%s“ fehlt%s.", key, c->where);
		return 0;
	}
	if (!cJSON_IsString(v))
		return fail(c, "Feld „%s“ muss Text sein%s.", key, c->where);
	*out = arena_strdup(c->a, v->valuestring);
	return 0;
}

static int get_text(struct ctx *c, const cJSON *obj, const char *key, size_t max, bool required, const char **out)
{
	if (get_string(c, obj, key, required, out) != 0)
		return -1;
	if (*out && !abrecord_text_ok(*out, max))
		return fail(c, "Feld „%s“%s: leer, länger als %zu Zeichen oder mit Steuer- oder Formatzeichen.", key,
			    c->where, max);
	return 0;
}

static int get_enum(struct ctx *c, const cJSON *obj, const char *key, const char *const *keys, bool required,
		    const char **out)
{
	if (get_string(c, obj, key, required, out) != 0)
		return -1;
	if (*out && key_index(keys, *out) < 0)
		return fail(c, "Unbekannter Wert „%s“ in „%s“%s.", shown(c, *out), key, c->where);
	return 0;
}

/* "JJJJ-MM-TT" exactly, a real day, 1900–2100. */
static bool iso_date_ok(const char *s, long *days)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return false;
	*days = date_days(y, m, d); /* by hand: the import checks millions of dates (parse_date's sscanf) */
	return true;
}

static int get_date(struct ctx *c, const cJSON *obj, const char *key, bool required, const char **out, long *days)
{
	long d;
	if (get_string(c, obj, key, required, out) != 0)
		return -1;
	if (*out && !iso_date_ok(*out, &d))
		return fail(c, "Ungültiges Datum „%s“ in „%s“%s (JJJJ-MM-TT, 1900 bis 2100).", shown(c, *out), key,
			    c->where);
	if (days)
		*days = *out ? d : 0;
	return 0;
}

/* A number with at most two decimals in [0, 999.99] as hundredths; -1 if it is none. */
static long hundredths(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return -1;
	double x = v->valuedouble * 100.0;
	if (x < 0 || x > 99999.5)
		return -1;
	long r = (long)(x + 0.5);
	double d = x - (double)r;
	return d > 1e-6 || d < -1e-6 ? -1 : r;
}

/* obj[key] as [Stunden, Regelstunden]: Regelstunden above 0 and at most 168, Stunden at most the
 * Regelstunden. Absent or null: *st = *rs = dflt. */
static int get_umfang(struct ctx *c, const cJSON *obj, const char *key, long dflt, long *st, long *rs)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*st = *rs = dflt;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2) {
		*st = hundredths(cJSON_GetArrayItem(v, 0));
		*rs = hundredths(cJSON_GetArrayItem(v, 1));
		if (*st >= 0 && *rs > 0 && *rs <= 16800 && *st <= *rs)
			return 0;
	}
	return fail(c,
		    "„%s“%s muss [Stunden, Regelstunden] sein (Zahlen mit höchstens zwei Nachkommastellen, "
		    "Regelstunden über 0 und höchstens 168, Stunden nicht über den Regelstunden).",
		    key, c->where);
}

bool abrecord_nr_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= 20 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

bool abrecord_text_ok(const char *s, size_t max)
{
	if (!valid_text(s, max))
		return false;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned cp = utf8_decode((const unsigned char *)s, n, &i);
		if (cp == 0x2028 || cp == 0x2029 || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
		    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF)
			return false;
	}
	return true;
}

void abrecord_decimal(long h, char out[16])
{
	snprintf(out, 16, "%d.%02d", (int)(h / 100 % 100000), (int)(h % 100));
}

/* Stammdaten: everything at the top level but anschrift, dienst, versorgung, lebenslauf. */
static int read_stamm(struct ctx *c, const cJSON *o, struct ab_record *r)
{
	const char *art, *gd;
	if (get_string(c, o, "pnr", true, &r->pnr) != 0 || get_string(c, o, "nr", true, &r->nr) != 0)
		return -1;
	size_t pl = strlen(r->pnr);
	if (pl < 1 || pl > 20 || strspn(r->pnr, "0123456789") != pl)
		return fail(c, "Ungültige PNR „%s“ (nur Ziffern, höchstens 20).", shown(c, r->pnr));
	if (!abrecord_nr_ok(r->nr))
		return fail(c, "Ungültige Personennummer „%s“ (A–Z, 0–9 und „-“, höchstens 20 Zeichen).", shown(c, r->nr));
	if (get_enum(c, o, "art", art_keys, true, &art) != 0)
		return -1;
	r->art = (enum ab_art)key_index(art_keys, art);
	if (get_text(c, o, "name", AB_TEXT_MAX, true, &r->name) != 0 ||
	    get_text(c, o, "vorname", AB_TEXT_MAX, true, &r->vorname) != 0 ||
	    get_text(c, o, "geburtsname", AB_TEXT_MAX, false, &r->geburtsname) != 0 ||
	    get_text(c, o, "titel", 50, false, &r->titel) != 0 || get_date(c, o, "geburtsdatum", true, &gd, NULL) != 0 ||
	    get_enum(c, o, "familienstand", familienstand_keys, false, &r->familienstand) != 0 ||
	    get_date(c, o, "familienstand_seit", false, &r->familienstand_seit, NULL) != 0)
		return -1;
	memcpy(r->geburtsdatum, gd, 11);
	return 0;
}

static bool phone_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 40 && strspn(s, "0123456789 +-/()") == n && strpbrk(s, "0123456789");
}

static int read_kontakt(struct ctx *c, const cJSON *o, struct ab_record *r)
{
	if (get_string(c, o, "telefon", false, &r->telefon) != 0 || get_string(c, o, "email", false, &r->email) != 0)
		return -1;
	if (r->telefon && !phone_ok(r->telefon))
		return fail(c, "Telefonnummer „%s“: nur Ziffern, Leerzeichen und + - / ( ), höchstens 40 Zeichen.",
			    shown(c, r->telefon));
	if (r->email && (!mail_addr_ok(r->email) || !utf8_valid(r->email, strlen(r->email))))
		return fail(c, "Ungültige E-Mail-Adresse „%s“.", shown(c, r->email));
	const cJSON *an = cJSON_GetObjectItemCaseSensitive(o, "anschrift");
	if (!an || cJSON_IsNull(an))
		return 0;
	if (!cJSON_IsObject(an))
		return fail(c, "Feld „anschrift“ muss ein Objekt sein.");
	snprintf(c->where, sizeof c->where, " in „anschrift“");
	if (keys_check(c, an, anschrift_keys) != 0 || get_text(c, an, "strasse", AB_TEXT_MAX, false, &r->strasse) != 0 ||
	    get_string(c, an, "plz", false, &r->plz) != 0 || get_text(c, an, "ort", AB_TEXT_MAX, false, &r->ort) != 0 ||
	    get_string(c, an, "land", false, &r->land) != 0)
		return -1;
	c->where[0] = '\0';
	if (!r->land)
		r->land = "DE";
	if (strlen(r->land) != 2 || strspn(r->land, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 2)
		return fail(c, "Land „%s“: zwei Großbuchstaben nach ISO 3166 (z. B. DE).", shown(c, r->land));
	size_t pl = r->plz ? strlen(r->plz) : 0;
	if (r->plz && strcmp(r->land, "DE") == 0 && (pl != 5 || strspn(r->plz, "0123456789") != 5))
		return fail(c, "PLZ „%s“: in Deutschland genau fünf Ziffern.", shown(c, r->plz));
	if (r->plz && (pl < 1 || pl > 10 || strspn(r->plz, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -") != pl))
		return fail(c, "PLZ „%s“: höchstens zehn Ziffern, Großbuchstaben, Leerzeichen oder „-“.", shown(c, r->plz));
	return 0;
}

/* A2–A16, B1–B11, W1–W3, R1–R10. */
static bool besoldung_ok(const char *s)
{
	static const struct {
		char g;
		int max, min;
	} groups[] = {{'A', 16, 2}, {'B', 11, 1}, {'W', 3, 1}, {'R', 10, 1}};
	size_t n = strlen(s);
	if (n < 2 || n > 3 || strspn(s + 1, "0123456789") != n - 1 || s[1] == '0')
		return false;
	int num = atoi(s + 1);
	for (size_t i = 0; i < ARRAY_LEN(groups); i++)
		if (s[0] == groups[i].g)
			return num >= groups[i].min && num <= groups[i].max;
	return false;
}

static int read_stufe(struct ctx *c, const cJSON *d, struct ab_record *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, "stufe");
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 8 || v->valuedouble != (double)(int)v->valuedouble)
		return fail(c, "„stufe“ in „dienst“ muss eine ganze Zahl von 1 bis 8 sein.");
	if (!r->besoldungsgruppe)
		return fail(c, "„stufe“ in „dienst“ ohne Besoldungsgruppe.");
	if (r->besoldungsgruppe[0] != 'A' && r->besoldungsgruppe[0] != 'R')
		return fail(c, "Eine Stufe gibt es nur in den Besoldungsgruppen A und R, nicht in %s.", r->besoldungsgruppe);
	r->stufe = (int)v->valuedouble;
	return 0;
}

static int read_dienst(struct ctx *c, const cJSON *o, struct ab_record *r)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "dienst");
	r->stunden = r->regelstunden = -1;
	if (!d || cJSON_IsNull(d))
		return 0;
	if (r->art != AB_AKTIV)
		return fail(c, "„dienst“ gibt es nur für aktive Personen (art „%s“).", ab_art_key[r->art]);
	if (!cJSON_IsObject(d))
		return fail(c, "Feld „dienst“ muss ein Objekt sein.");
	snprintf(c->where, sizeof c->where, " in „dienst“");
	if (keys_check(c, d, dienst_keys) != 0 || get_enum(c, d, "verhaeltnis", verhaeltnis_keys, false, &r->verhaeltnis) != 0 ||
	    get_text(c, d, "amtsbezeichnung", AB_TEXT_MAX, false, &r->amtsbezeichnung) != 0 ||
	    get_string(c, d, "besoldungsgruppe", false, &r->besoldungsgruppe) != 0)
		return -1;
	if (r->besoldungsgruppe && !besoldung_ok(r->besoldungsgruppe))
		return fail(c, "Unbekannte Besoldungsgruppe „%s“ (A2–A16, B1–B11, W1–W3, R1–R10).",
			    shown(c, r->besoldungsgruppe));
	if (read_stufe(c, d, r) != 0 || get_umfang(c, d, "umfang", -1, &r->stunden, &r->regelstunden) != 0 ||
	    get_date(c, d, "eintritt", false, &r->eintritt, NULL) != 0 ||
	    get_date(c, d, "ruhestand_voraussichtlich", false, &r->ruhestand_voraussichtlich, NULL) != 0)
		return -1;
	c->where[0] = '\0';
	return 0;
}

static int read_versorgung(struct ctx *c, const cJSON *o, struct ab_record *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "versorgung");
	if (!v || cJSON_IsNull(v))
		return 0;
	if (r->art == AB_AKTIV)
		return fail(c, "„versorgung“ gibt es nicht für aktive Personen.");
	if (!cJSON_IsObject(v))
		return fail(c, "Feld „versorgung“ muss ein Objekt sein.");
	snprintf(c->where, sizeof c->where, " in „versorgung“");
	if (keys_check(c, v, versorgung_obj_keys) != 0 ||
	    get_enum(c, v, "art", versorgung_keys, false, &r->versorgung_art) != 0 ||
	    get_date(c, v, "beginn", false, &r->versorgung_beginn, NULL) != 0 ||
	    get_string(c, v, "bezug_nr", false, &r->bezug_nr) != 0)
		return -1;
	if (r->bezug_nr && !abrecord_nr_ok(r->bezug_nr))
		return fail(c, "Ungültige Personennummer „%s“ in „bezug_nr“.", shown(c, r->bezug_nr));
	c->where[0] = '\0';
	return 0;
}

/* One period (entry k, 1-based) into *p, its days into *b, *e (ongoing: ENDE_LAUFEND). */
static int read_periode(struct ctx *c, const cJSON *v, size_t k, struct ab_periode *p, long *b, long *e)
{
	const char *beginn, *ende, *za, *an;
	snprintf(c->where, sizeof c->where, " im Lebenslauf (Eintrag %zu)", k);
	if (!cJSON_IsObject(v))
		return fail(c, "Eintrag %zu im Lebenslauf muss ein Objekt sein.", k);
	if (keys_check(c, v, periode_keys) != 0 || get_date(c, v, "beginn", true, &beginn, b) != 0 ||
	    get_date(c, v, "ende", false, &ende, e) != 0 || get_string(c, v, "zeitart", true, &za) != 0 ||
	    get_string(c, v, "anerkennung", true, &an) != 0)
		return -1;
	if ((p->zeitart = zeitart_parse(za)) < 0)
		return fail(c, "Unbekannte Zeitart „%s“%s.", shown(c, za), c->where);
	if ((p->anerkennung = anerkennung_parse(an)) < 0)
		return fail(c, "Unbekannte Anerkennung „%s“%s (gesetzlich, entschieden, offen).", shown(c, an), c->where);
	if (!ende)
		*e = ENDE_LAUFEND;
	else if (*e < *b)
		return fail(c, "Ende vor Beginn%s.", c->where);
	if (get_umfang(c, v, "umfang", 100, &p->stunden, &p->regelstunden) != 0 ||
	    get_text(c, v, "dienstherr", 200, false, &p->dienstherr) != 0)
		return -1;
	memcpy(p->beginn, beginn, sizeof p->beginn); /* both checked: "JJJJ-MM-TT" */
	memcpy(p->ende, ende ? ende : "", ende ? sizeof p->ende : 1);
	return 0;
}

/* No two periods overlap (an ongoing one overlaps every later one); the message names both. */
static int overlap_check(struct ctx *c, const struct ab_periode *p, const long *b, const long *e, size_t n)
{
	size_t *ix = arena_alloc(c->a, (n + 1) * sizeof *ix);
	for (size_t i = 0; i < n; i++) { /* insertion sort by beginn: n ≤ AB_PERIODEN_MAX */
		size_t j = i;
		for (; j > 0 && b[ix[j - 1]] > b[i]; j--)
			ix[j] = ix[j - 1];
		ix[j] = i;
	}
	for (size_t k = 1; k < n; k++) {
		size_t i = ix[k - 1], j = ix[k];
		if (e[i] >= b[j]) {
			size_t x = i < j ? i : j, y = i < j ? j : i;
			return fail(c, "Die Einträge %zu (%s bis %s) und %zu (%s bis %s) im Lebenslauf überschneiden sich.",
				    x + 1, p[x].beginn, p[x].ende[0] ? p[x].ende : "laufend", y + 1, p[y].beginn,
				    p[y].ende[0] ? p[y].ende : "laufend");
		}
	}
	return 0;
}

static int read_lebenslauf(struct ctx *c, const cJSON *o, struct ab_record *r)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "lebenslauf");
	if (!l || cJSON_IsNull(l))
		return 0;
	if (!cJSON_IsArray(l))
		return fail(c, "Feld „lebenslauf“ muss eine Liste sein.");
	size_t n = (size_t)cJSON_GetArraySize(l);
	if (n && r->art != AB_AKTIV)
		return fail(c, "Einen Lebenslauf gibt es nur für aktive Personen (art „%s“).", ab_art_key[r->art]);
	if (n > AB_PERIODEN_MAX)
		return fail(c, "Lebenslauf mit mehr als %d Einträgen.", AB_PERIODEN_MAX);
	r->perioden = arena_alloc(c->a, (n + 1) * sizeof *r->perioden);
	long *b = arena_alloc(c->a, (n + 1) * sizeof *b), *e = arena_alloc(c->a, (n + 1) * sizeof *e);
	size_t k = 0;
	for (const cJSON *v = l->child; v; v = v->next, k++)
		if (read_periode(c, v, k + 1, &r->perioden[k], &b[k], &e[k]) != 0)
			return -1;
	c->where[0] = '\0';
	r->nperioden = n;
	return overlap_check(c, r->perioden, b, e, n);
}

static int read_all(struct ctx *c, const cJSON *o, struct ab_record *r)
{
	if (!cJSON_IsObject(o))
		return fail(c, "Die Zeile ist kein JSON-Objekt.");
	if (keys_check(c, o, top_keys) != 0 || read_stamm(c, o, r) != 0 || read_kontakt(c, o, r) != 0 ||
	    read_dienst(c, o, r) != 0 || read_versorgung(c, o, r) != 0 || read_lebenslauf(c, o, r) != 0)
		return -1;
	return 0;
}

static int parse(arena *a, const char *line, size_t n, struct ab_record *out, char *err, size_t errlen, bool hash)
{
	struct ctx c = {.a = a, .err = err, .errlen = errlen};
	memset(out, 0, sizeof *out);
	if (!utf8_valid(line, n) || memchr(line, '\0', n))
		return fail(&c, "Die Zeile ist kein gültiges UTF-8.");
	const char *end = NULL;
	cJSON *o = cJSON_ParseWithLengthOpts(line, n, &end, false);
	if (!o)
		return fail(&c, "Ungültiges JSON (Zeile abgeschnitten oder fehlerhaft).");
	while (end && end < line + n && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	int rc = end != line + n ? fail(&c, "Nach dem JSON-Objekt folgt weiterer Text.") : read_all(&c, o, out);
	if (rc == 0 && hash) {
		char *canon = cJSON_PrintUnformatted(o);
		out->kanonisch = arena_strdup(a, canon ? canon : "");
		free(canon);
		crypto_generichash(out->inhalt, AB_HASH_BYTES, (const unsigned char *)out->kanonisch,
				   strlen(out->kanonisch), NULL, 0);
	}
	cJSON_Delete(o);
	return rc;
}

int abrecord_parse(arena *a, const char *line, size_t n, struct ab_record *out, char *err, size_t errlen)
{
	return parse(a, line, n, out, err, errlen, true);
}

int abrecord_check(arena *a, const char *line, size_t n, struct ab_record *out, char *err, size_t errlen)
{
	return parse(a, line, n, out, err, errlen, false);
}
