/* meldung.h — the Beamtenformulare as data (SPEC §14, DOMAIN.md §4): the six forms with their
 * declared fields (key, German label, type, required, allowed values), one validator with the
 * cross-field rules, the statuses of a Meldung and the transitions each side may make. Pure: no
 * database, no request, no clock ("heute" is an argument). The pages render and read the forms
 * from these tables; nothing here knows HTML. */
#ifndef MV_MELDUNG_H
#define MV_MELDUNG_H
#include <stdbool.h>
#include <stddef.h>

/* ---- statuses ---- */

enum meldung_status { MS_ENTWURF, MS_EINGEREICHT, MS_IN_BEARBEITUNG, MS_RUECKFRAGE, MS_ERLEDIGT, MS_ABGELEHNT,
		      MS_ZURUECKGEZOGEN, MELDUNG_STATUS__MAX };
extern const char *const meldung_status_key[MELDUNG_STATUS__MAX];   /* "in_bearbeitung" */
extern const char *const meldung_status_label[MELDUNG_STATUS__MAX]; /* "In Bearbeitung" */
int meldung_status_parse(const char *key);                         /* exact key; -1 unknown */

enum meldung_seite { SEITE_ORGANISATION, SEITE_KASSE };
/* Whether side wer may move a Meldung from status von to status nach (SPEC §14; no other moves). */
bool meldung_uebergang(int von, int nach, enum meldung_seite wer);
/* erledigt, abgelehnt, zurückgezogen: nothing follows; the retention period starts. */
bool meldung_abgeschlossen(int status);

/* ---- forms ---- */

enum formular { F_BESCHAEFTIGUNGSUMFANG, F_BEURLAUBUNG, F_ERNENNUNG, F_ABGANG, F_VERSORGUNGSFALL,
		F_VERSORGUNGSAUSKUNFT, FORMULAR__MAX };

enum feld_typ {
	FELD_AUSWAHL, /* one of the allowed values */
	FELD_DATUM,   /* TT.MM.JJJJ or JJJJ-MM-TT; kept as JJJJ-MM-TT */
	FELD_STUNDEN, /* hours per week: 0–99.99, at most two decimals, decimal comma or point; kept with point */
	FELD_TEXT,    /* one line, at most 200 characters */
	FELD_BESOLDUNG, /* A2–A16, B1–B11, W1–W3, R1–R10 */
	FELD_STUFE,   /* 1–8 */
};

struct auswahl {
	const char *key, *label;
};

/* When a field is required: always, never, or only when another field has one of some values. */
struct feld_pflicht {
	bool immer;
	const char *wenn_feld;    /* e.g. "art" */
	const char *wenn_werte[4]; /* e.g. {"versetzung", "abordnung"}; NULL-terminated */
};

struct formular_feld {
	const char *key, *label;
	enum feld_typ typ;
	struct feld_pflicht pflicht;
	const struct auswahl *werte; /* FELD_AUSWAHL: the allowed values, NULL-terminated */
	const char *vorgabe;         /* shown when the form opens (regelstunden "41"), or NULL */
	const char *hilfe;           /* a hint below the field, or NULL */
};

#define FORMULAR_FELDER_MAX 8

struct formular_info {
	const char *key, *label;          /* "beurlaubung", "Beurlaubung / Elternzeit" */
	const char *anlage_label;         /* "Verfügung", "Urkunde"; NULL: no documents asked for */
	struct feld_pflicht anlage_pflicht; /* when a document is required */
	struct formular_feld felder[FORMULAR_FELDER_MAX];
	size_t nfelder;
};
extern const struct formular_info formular_info[FORMULAR__MAX];
int formular_parse(const char *key); /* exact key; -1 unknown */
/* The field named key of form f, its index in felder, or -1. */
int formular_feld_index(int f, const char *key);

/* One refusal (or warning) at a field; feld "anlage" for the documents. */
struct feld_meldung {
	const char *feld, *text;
};

struct formular_pruefung {
	const char *werte[FORMULAR_FELDER_MAX]; /* normalised values; NULL where empty or refused */
	char puffer[FORMULAR_FELDER_MAX][16];   /* normalised dates and hours live here */
	struct feld_meldung fehler[FORMULAR_FELDER_MAX + 1];
	size_t nfehler;
	struct feld_meldung hinweise[2]; /* accepted, but said visibly ("bitte frühzeitig melden") */
	size_t nhinweise;
};

/* Checks the values of form f (werte[i] belongs to felder[i]; NULL or "" = empty) as of heute (a day
 * number, util.h) with anlagen documents attached. Every field's own rule, then the cross-field
 * rules of DOMAIN.md §4 (dates in order, stufe only for A and R, Elternzeit before the child's 8th
 * birthday, hours below the Regelstunden …), then the documents. entwurf: a draft — only the types
 * of what is filled in are checked, nothing is required and no cross-field rule applies. Fills out;
 * returns the number of errors. */
size_t formular_pruefen(int f, const char *const werte[], size_t anlagen, long heute, bool entwurf,
			struct formular_pruefung *out);

/* The label of value v of field fe (FELD_AUSWAHL), or v itself. */
const char *formular_wert_label(const struct formular_feld *fe, const char *v);

/* 'A', 'B', 'W' or 'R' for a valid Besoldungsgruppe (A2–A16, B1–B11, W1–W3, R1–R10), else 0. */
char besoldung_ordnung(const char *gruppe);

#endif
