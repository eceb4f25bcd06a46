/* meldung.c — the six Beamtenformulare as declared tables, their one validator, and the status
 * graph of a Meldung (SPEC §14, DOMAIN.md §4). */
#include "meldung.h"
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- statuses ---- */

const char *const meldung_status_key[MELDUNG_STATUS__MAX] = {
	"entwurf", "eingereicht", "in_bearbeitung", "rueckfrage", "erledigt", "abgelehnt", "zurueckgezogen"};
const char *const meldung_status_label[MELDUNG_STATUS__MAX] = {
	"Entwurf", "Eingereicht", "In Bearbeitung", "Rückfrage", "Erledigt", "Abgelehnt", "Zurückgezogen"};

int meldung_status_parse(const char *key)
{
	for (int s = 0; key && s < MELDUNG_STATUS__MAX; s++)
		if (strcmp(key, meldung_status_key[s]) == 0)
			return s;
	return -1;
}

/* The graph of SPEC §14: every allowed move with the side that makes it. */
static const struct {
	enum meldung_status von, nach;
	enum meldung_seite wer;
} uebergaenge[] = {
	{MS_ENTWURF, MS_EINGEREICHT, SEITE_ORGANISATION},
	{MS_EINGEREICHT, MS_ZURUECKGEZOGEN, SEITE_ORGANISATION},
	{MS_EINGEREICHT, MS_IN_BEARBEITUNG, SEITE_KASSE},
	{MS_EINGEREICHT, MS_ABGELEHNT, SEITE_KASSE},
	{MS_IN_BEARBEITUNG, MS_RUECKFRAGE, SEITE_KASSE},
	{MS_IN_BEARBEITUNG, MS_ERLEDIGT, SEITE_KASSE},
	{MS_IN_BEARBEITUNG, MS_ABGELEHNT, SEITE_KASSE},
	{MS_RUECKFRAGE, MS_EINGEREICHT, SEITE_ORGANISATION},
};

bool meldung_uebergang(int von, int nach, enum meldung_seite wer)
{
	for (size_t i = 0; i < sizeof uebergaenge / sizeof uebergaenge[0]; i++)
		if ((int)uebergaenge[i].von == von && (int)uebergaenge[i].nach == nach && uebergaenge[i].wer == wer)
			return true;
	return false;
}

bool meldung_abgeschlossen(int status)
{
	return status == MS_ERLEDIGT || status == MS_ABGELEHNT || status == MS_ZURUECKGEZOGEN;
}

/* ---- the forms ---- */

static const struct auswahl umfang_arten[] = {
	{"teilzeit", "Teilzeit"},
	{"teilzeit_familie", "Teilzeit aus familiären Gründen"},
	{"altersteilzeit_teilzeit", "Altersteilzeit im Teilzeitmodell"},
	{"altersteilzeit_block", "Altersteilzeit im Blockmodell"},
	{"begrenzte_dienstfaehigkeit", "Begrenzte Dienstfähigkeit"},
	{"vollzeit", "Rückkehr zur Vollzeit"},
	{NULL, NULL}};
static const struct auswahl urlaub_arten[] = {
	{"elternzeit", "Elternzeit"},
	{"ohne_bezuege", "Beurlaubung ohne Dienstbezüge"},
	{"oeffentliches_interesse", "Beurlaubung im öffentlichen Interesse"},
	{NULL, NULL}};
static const struct auswahl ernennung_anlaesse[] = {
	{"befoerderung", "Beförderung"},
	{"lebenszeit", "Ernennung zum Beamten auf Lebenszeit"},
	{"aufstieg", "Aufstieg in die nächsthöhere Laufbahngruppe"},
	{"stufe", "Aufstieg in eine höhere Erfahrungsstufe"},
	{NULL, NULL}};
static const struct auswahl abgang_arten[] = {
	{"versetzung", "Versetzung"}, {"abordnung", "Abordnung"}, {"entlassung", "Entlassung"}, {"tod", "Tod"},
	{NULL, NULL}};
static const struct auswahl versorgung_gruende[] = {
	{"altersgrenze", "Erreichen der Altersgrenze"},
	{"antrag", "Ruhestand auf Antrag"},
	{"dienstunfaehigkeit", "Dienstunfähigkeit"},
	{"ablauf_amtszeit", "Ablauf der Amtszeit"},
	{"einstweiliger_ruhestand", "Einstweiliger Ruhestand"},
	{NULL, NULL}};
static const struct auswahl ja_nein[] = {{"ja", "Ja"}, {"nein", "Nein"}, {NULL, NULL}};
static const struct auswahl auskunft_varianten[] = {
	{"altersgrenze", "Ruhestand mit Erreichen der Altersgrenze"},
	{"dienstunfaehigkeit", "Ruhestand wegen Dienstunfähigkeit"},
	{NULL, NULL}};
static const struct auswahl auskunft_anlaesse[] = {
	{"55plus", "Vollendung des 55. Lebensjahres"},
	{"erkrankung", "Erkrankung"},
	{"altersteilzeit", "Altersteilzeit"},
	{"wahlbeamte", "Wahlbeamtin/Wahlbeamter"},
	{"sonstiges", "Sonstiger Anlass"},
	{NULL, NULL}};

#define IMMER {.immer = true}
#define NIE {.immer = false}
#define WENN(feld, ...) {.wenn_feld = (feld), .wenn_werte = {__VA_ARGS__, NULL}}

const struct formular_info formular_info[FORMULAR__MAX] = {
	[F_BESCHAEFTIGUNGSUMFANG] = {"beschaeftigungsumfang", "Änderung des Beschäftigungsumfangs", "Verfügung", IMMER,
		{{"art", "Art der Änderung", FELD_AUSWAHL, IMMER, umfang_arten, NULL, NULL},
		 {"wirksam_ab", "Wirksam ab", FELD_DATUM, IMMER, NULL, NULL, NULL},
		 {"bis", "Befristet bis", FELD_DATUM, NIE, NULL, NULL, "Leer lassen, wenn die Änderung unbefristet gilt."},
		 {"stunden", "Wöchentliche Arbeitszeit (Stunden)", FELD_STUNDEN, IMMER, NULL, NULL, NULL},
		 {"regelstunden", "Regelmäßige wöchentliche Arbeitszeit (Stunden)", FELD_STUNDEN, IMMER, NULL, "41", NULL}},
		5},
	[F_BEURLAUBUNG] = {"beurlaubung", "Beurlaubung / Elternzeit", "Verfügung", IMMER,
		{{"art", "Art der Beurlaubung", FELD_AUSWAHL, IMMER, urlaub_arten, NULL, NULL},
		 {"beginn", "Beginn", FELD_DATUM, IMMER, NULL, NULL, NULL},
		 {"ende", "Ende", FELD_DATUM, IMMER, NULL, NULL, NULL},
		 {"kind_geburtsdatum", "Geburtsdatum des Kindes", FELD_DATUM, WENN("art", "elternzeit"), NULL, NULL,
		  "Nur bei Elternzeit."},
		 {"stunden_teilzeit", "Teilzeit während der Beurlaubung (Stunden)", FELD_STUNDEN, NIE, NULL, NULL,
		  "Nur wenn während der Beurlaubung Teilzeit geleistet wird."}},
		5},
	[F_ERNENNUNG] = {"ernennung", "Ernennung / Beförderung", "Urkunde", IMMER,
		{{"anlass", "Anlass", FELD_AUSWAHL, IMMER, ernennung_anlaesse, NULL, NULL},
		 {"wirksam_ab", "Wirksam ab", FELD_DATUM, IMMER, NULL, NULL, NULL},
		 {"amtsbezeichnung", "Amtsbezeichnung", FELD_TEXT, IMMER, NULL, NULL, NULL},
		 {"besoldungsgruppe", "Besoldungsgruppe", FELD_BESOLDUNG, IMMER, NULL, NULL, "Zum Beispiel A10, B3, W2 oder R1."},
		 {"stufe", "Erfahrungsstufe", FELD_STUFE, NIE, NULL, NULL, "Nur bei den Besoldungsordnungen A und R (1 bis 8)."}},
		5},
	[F_ABGANG] = {"abgang", "Versetzung, Abordnung, Entlassung, Tod", "Verfügung",
		WENN("art", "versetzung", "abordnung", "entlassung"),
		{{"art", "Art", FELD_AUSWAHL, IMMER, abgang_arten, NULL, NULL},
		 {"wirksam_ab", "Wirksam ab", FELD_DATUM, IMMER, NULL, NULL, NULL},
		 {"bis", "Abordnung bis", FELD_DATUM, NIE, NULL, NULL, "Nur bei Abordnung."},
		 {"neuer_dienstherr", "Neuer Dienstherr", FELD_TEXT, WENN("art", "versetzung", "abordnung"), NULL, NULL,
		  "Bei Versetzung und Abordnung."}},
		4},
	[F_VERSORGUNGSFALL] = {"versorgungsfall", "Anzeige des Versorgungsfalls", "Verfügung", IMMER,
		{{"grund", "Grund", FELD_AUSWAHL, IMMER, versorgung_gruende, NULL, NULL},
		 {"beginn", "Beginn des Ruhestands", FELD_DATUM, IMMER, NULL, NULL, NULL},
		 {"dienstunfall", "Beruht der Versorgungsfall auf einem Dienstunfall?", FELD_AUSWAHL, IMMER, ja_nein, NULL,
		  NULL}},
		3},
	[F_VERSORGUNGSAUSKUNFT] = {"versorgungsauskunft", "Antrag auf Versorgungsauskunft", "Anlage", NIE,
		{{"variante", "Variante", FELD_AUSWAHL, IMMER, auskunft_varianten, NULL, NULL},
		 {"stichtag", "Stichtag", FELD_DATUM, NIE, NULL, NULL, "Leer lassen für den frühestmöglichen Zeitpunkt."},
		 {"anlass", "Anlass", FELD_AUSWAHL, IMMER, auskunft_anlaesse, NULL, NULL}},
		3},
};

int formular_parse(const char *key)
{
	for (int f = 0; key && f < FORMULAR__MAX; f++)
		if (strcmp(key, formular_info[f].key) == 0)
			return f;
	return -1;
}

int formular_feld_index(int f, const char *key)
{
	for (size_t i = 0; f >= 0 && f < FORMULAR__MAX && i < formular_info[f].nfelder; i++)
		if (strcmp(formular_info[f].felder[i].key, key) == 0)
			return (int)i;
	return -1;
}

const char *formular_wert_label(const struct formular_feld *fe, const char *v)
{
	for (const struct auswahl *a = fe->werte; a && a->key && v; a++)
		if (strcmp(a->key, v) == 0)
			return a->label;
	return v;
}

char besoldung_ordnung(const char *g)
{
	static const struct {
		char ordnung;
		int von, bis;
	} ordnungen[] = {{'A', 2, 16}, {'B', 1, 11}, {'W', 1, 3}, {'R', 1, 10}};
	if (!g || !g[0] || !g[1] || strlen(g) > 3 || g[1] == '0')
		return 0;
	int n = 0;
	for (const char *p = g + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (*p - '0');
	}
	for (size_t i = 0; i < sizeof ordnungen / sizeof ordnungen[0]; i++)
		if (g[0] == ordnungen[i].ordnung)
			return n >= ordnungen[i].von && n <= ordnungen[i].bis ? g[0] : 0;
	return 0;
}

/* ---- the validator ---- */

static void fehler(struct formular_pruefung *out, const char *feld, const char *text)
{
	for (size_t i = 0; i < out->nfehler; i++)
		if (strcmp(out->fehler[i].feld, feld) == 0)
			return; /* the first message per field wins */
	if (out->nfehler < sizeof out->fehler / sizeof out->fehler[0])
		out->fehler[out->nfehler++] = (struct feld_meldung){feld, text};
}

static bool hat_fehler(const struct formular_pruefung *out, const char *feld)
{
	for (size_t i = 0; i < out->nfehler; i++)
		if (strcmp(out->fehler[i].feld, feld) == 0)
			return true;
	return false;
}

/* Hours: 0–99.99 with at most two decimals, comma or point. Normalised into buf ("20.5"). */
static bool stunden_lesen(const char *v, char buf[8])
{
	size_t n = strlen(v), i = 0, ganz = 0, nach = 0;
	char out[8];
	size_t o = 0;
	while (i < n && v[i] >= '0' && v[i] <= '9' && ganz < 2)
		out[o++] = v[i++], ganz++;
	if (ganz == 0)
		return false;
	if (i < n && (v[i] == ',' || v[i] == '.')) {
		out[o++] = '.';
		i++;
		while (i < n && v[i] >= '0' && v[i] <= '9' && nach < 2)
			out[o++] = v[i++], nach++;
		if (nach == 0)
			return false;
	}
	if (i != n)
		return false;
	out[o] = 0;
	memcpy(buf, out, o + 1);
	return true;
}

/* Hundredths of an hour of a normalised value ("20.5" → 2050). */
static long stunden_hundertstel(const char *v)
{
	long ganz = strtol(v, NULL, 10);
	const char *p = strchr(v, '.');
	long h = 0;
	if (p)
		h = (p[1] - '0') * 10 + (p[2] ? p[2] - '0' : 0);
	return ganz * 100 + h;
}

static const char *feld_lesen(const struct formular_feld *fe, const char *v, char buf[16],
			      struct formular_pruefung *out)
{
	bool ok = true;
	switch (fe->typ) {
	case FELD_AUSWAHL:
		ok = formular_wert_label(fe, v) != v;
		break;
	case FELD_DATUM: {
		long d;
		ok = parse_date(v, buf) && parse_date_days(buf, &d) && d >= date_days(1900, 1, 1) &&
		     d <= date_days(2100, 12, 31);
		return ok ? buf : (fehler(out, fe->key, "Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ)."), NULL);
	}
	case FELD_STUNDEN:
		ok = stunden_lesen(v, buf);
		return ok ? buf
			  : (fehler(out, fe->key, "Bitte geben Sie die Stunden als Zahl mit höchstens zwei "
						  "Nachkommastellen ein (zum Beispiel 20,5)."),
			     NULL);
	case FELD_TEXT:
		ok = valid_text(v, 200);
		break;
	case FELD_BESOLDUNG:
		ok = besoldung_ordnung(v) != 0;
		break;
	case FELD_STUFE:
		ok = v[0] >= '1' && v[0] <= '8' && !v[1];
		break;
	}
	if (!ok)
		fehler(out, fe->key, fe->typ == FELD_AUSWAHL     ? "Bitte wählen Sie einen der angebotenen Werte."
				     : fe->typ == FELD_BESOLDUNG ? "Bitte geben Sie eine gültige Besoldungsgruppe ein "
								   "(A2–A16, B1–B11, W1–W3, R1–R10)."
				     : fe->typ == FELD_STUFE     ? "Bitte geben Sie eine Erfahrungsstufe von 1 bis 8 ein."
								 : "Bitte geben Sie höchstens 200 Zeichen in einer Zeile ein.");
	return ok ? v : NULL;
}

/* The normalised value of field key of form f in out, or NULL. */
static const char *wert(int f, const struct formular_pruefung *out, const char *key)
{
	int i = formular_feld_index(f, key);
	return i >= 0 ? out->werte[i] : NULL;
}

static bool wert_ist(int f, const struct formular_pruefung *out, const char *key, const char *v)
{
	const char *w = wert(f, out, key);
	return w && strcmp(w, v) == 0;
}

static bool pflicht_gilt(int f, const struct feld_pflicht *p, const struct formular_pruefung *out)
{
	if (p->immer)
		return true;
	for (size_t i = 0; p->wenn_feld && i < 4 && p->wenn_werte[i]; i++)
		if (wert_ist(f, out, p->wenn_feld, p->wenn_werte[i]))
			return true;
	return false;
}

/* a ≤ b for two dates (JJJJ-MM-TT compare as text); true when either is missing. */
static bool nicht_vor(const char *a, const char *b)
{
	return !a || !b || strcmp(a, b) <= 0;
}

static void regeln_umfang(struct formular_pruefung *out)
{
	const int f = F_BESCHAEFTIGUNGSUMFANG;
	const char *st = wert(f, out, "stunden"), *rs = wert(f, out, "regelstunden");
	if (!nicht_vor(wert(f, out, "wirksam_ab"), wert(f, out, "bis")))
		fehler(out, "bis", "Das Ende darf nicht vor dem Beginn („Wirksam ab“) liegen.");
	if (rs && stunden_hundertstel(rs) == 0)
		fehler(out, "regelstunden", "Die regelmäßige Arbeitszeit muss größer als 0 sein.");
	if (!st || !rs || stunden_hundertstel(rs) == 0)
		return;
	long s = stunden_hundertstel(st), r = stunden_hundertstel(rs);
	if (wert_ist(f, out, "art", "vollzeit")) {
		if (s != r)
			fehler(out, "stunden", "Bei Rückkehr zur Vollzeit entspricht die Arbeitszeit der regelmäßigen Arbeitszeit.");
	} else if (s <= 0 || s >= r)
		fehler(out, "stunden", "Die Arbeitszeit muss größer als 0 und kleiner als die regelmäßige Arbeitszeit sein.");
}

static void regeln_beurlaubung(struct formular_pruefung *out)
{
	const int f = F_BEURLAUBUNG;
	const char *beginn = wert(f, out, "beginn"), *ende = wert(f, out, "ende"), *kind = wert(f, out, "kind_geburtsdatum");
	if (!nicht_vor(beginn, ende))
		fehler(out, "ende", "Das Ende darf nicht vor dem Beginn liegen.");
	if (!wert_ist(f, out, "art", "elternzeit")) {
		if (kind)
			fehler(out, "kind_geburtsdatum", "Das Geburtsdatum des Kindes wird nur bei Elternzeit angegeben.");
		return;
	}
	if (!kind)
		return;
	if (!nicht_vor(kind, beginn))
		fehler(out, "beginn", "Die Elternzeit kann frühestens mit der Geburt des Kindes beginnen.");
	long geboren, letzter;
	if (ende && parse_date_days(kind, &geboren) && parse_date_days(ende, &letzter)) {
		int y, m, d;
		date_civil(geboren, &y, &m, &d);
		if (letzter >= date_days(y + 8, m, d)) /* ends at the latest the day before the 8th birthday */
			fehler(out, "ende", "Die Elternzeit endet spätestens mit dem Tag vor dem 8. Geburtstag des Kindes.");
	}
}

static void regeln_ernennung(struct formular_pruefung *out)
{
	const int f = F_ERNENNUNG;
	const char *gruppe = wert(f, out, "besoldungsgruppe");
	char ordnung = gruppe ? besoldung_ordnung(gruppe) : 0;
	if ((ordnung == 'A' || ordnung == 'R') && !wert(f, out, "stufe"))
		fehler(out, "stufe", "Bei den Besoldungsordnungen A und R ist die Erfahrungsstufe anzugeben.");
	if ((ordnung == 'B' || ordnung == 'W') && wert(f, out, "stufe"))
		fehler(out, "stufe", "Die Besoldungsordnungen B und W haben keine Erfahrungsstufen.");
}

static void regeln_abgang(struct formular_pruefung *out)
{
	const int f = F_ABGANG;
	if (wert(f, out, "bis") && !wert_ist(f, out, "art", "abordnung"))
		fehler(out, "bis", "Ein Ende wird nur bei einer Abordnung angegeben.");
	else if (!nicht_vor(wert(f, out, "wirksam_ab"), wert(f, out, "bis")))
		fehler(out, "bis", "Das Ende darf nicht vor dem Beginn („Wirksam ab“) liegen.");
}

/* A Versorgungsfall reported less than three months ahead is taken, with a visible warning. */
static void regeln_versorgungsfall(struct formular_pruefung *out, long heute)
{
	long beginn;
	int y, m, d;
	const char *b = wert(F_VERSORGUNGSFALL, out, "beginn");
	if (!b || !parse_date_days(b, &beginn))
		return;
	date_civil(heute, &y, &m, &d);
	m += 3;
	if (m > 12)
		m -= 12, y++;
	long frist = date_days(y, m, 1) + d - 1; /* the same day three months on (past a month's end: beyond) */
	if (beginn < frist)
		out->hinweise[out->nhinweise++] = (struct feld_meldung){
			"beginn", "Der Beginn liegt weniger als drei Monate in der Zukunft – bitte frühzeitig melden."};
}

static void regeln(int f, struct formular_pruefung *out, long heute)
{
	switch (f) {
	case F_BESCHAEFTIGUNGSUMFANG: regeln_umfang(out); break;
	case F_BEURLAUBUNG: regeln_beurlaubung(out); break;
	case F_ERNENNUNG: regeln_ernennung(out); break;
	case F_ABGANG: regeln_abgang(out); break;
	case F_VERSORGUNGSFALL: regeln_versorgungsfall(out, heute); break;
	default: break;
	}
}

size_t formular_pruefen(int f, const char *const werte[], size_t anlagen, long heute, bool entwurf,
			struct formular_pruefung *out)
{
	memset(out, 0, sizeof *out);
	if (f < 0 || f >= FORMULAR__MAX)
		return 0;
	const struct formular_info *fi = &formular_info[f];
	for (size_t i = 0; i < fi->nfelder; i++)
		if (werte[i] && werte[i][0])
			out->werte[i] = feld_lesen(&fi->felder[i], werte[i], out->puffer[i], out);
	if (entwurf)
		return out->nfehler;
	for (size_t i = 0; i < fi->nfelder; i++) {
		const struct formular_feld *fe = &fi->felder[i];
		if (!out->werte[i] && !hat_fehler(out, fe->key) && pflicht_gilt(f, &fe->pflicht, out))
			fehler(out, fe->key, fe->typ == FELD_AUSWAHL ? "Bitte wählen Sie einen Wert aus."
								  : "Bitte füllen Sie dieses Pflichtfeld aus.");
	}
	regeln(f, out, heute);
	if (anlagen == 0 && fi->anlage_label && pflicht_gilt(f, &fi->anlage_pflicht, out))
		fehler(out, "anlage", strcmp(fi->anlage_label, "Urkunde") == 0
					      ? "Bitte fügen Sie die Urkunde als PDF-Dokument bei."
					      : "Bitte fügen Sie die Verfügung als PDF-Dokument bei.");
	return out->nfehler;
}
