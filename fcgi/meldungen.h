/* meldungen.h — storing Meldungen (Beamtenformulare) and moving them through the status graph,
 * for the pages and for `mvctl meldung` alike: every move is checked against the graph inside the
 * transaction that makes it (two people acting at once: one wins, the other gets a conflict),
 * logged in the Verlauf, and a move by the Kasse notifies the group "Beamtenversorgung" through
 * the outbox — with the Aktenzeichen and the new status only. */
#ifndef MV_MELDUNGEN_H
#define MV_MELDUNGEN_H
#include "audit.h"
#include "http.h"
#include "meldung.h"
#include "util.h"
#include <cjson/cJSON.h>

#define AKTENZEICHEN_MAX 20

/* A Meldung as stored. */
struct meldung {
	long long id, org_id;
	char aktenzeichen[AKTENZEICHEN_MAX + 1];
	int formular, status;
	const char *person_nr, *person_name;
	const char *werte_json; /* {"field": "value"} */
	const char *erstellt_von, *erstellt_am, *geaendert_am, *eingereicht_am; /* UTC "JJJJ-MM-TT HH:MM:SS" */
	long long anlagen, version;
};

/* Who acts: an organisation's Sachbearbeiter (kennung, "Vorname Name") or the Kasse. */
struct meldung_akteur {
	enum meldung_seite seite;
	const char *kennung; /* NULL for the Kasse's command line */
	const char *name;
};

/* What a new Meldung holds. */
struct meldung_neu {
	long long org_id;
	int formular;
	const char *person_nr, *person_name;
	cJSON *werte;      /* the normalised values; not freed */
	bool einreichen;   /* submitted at once (else a draft) */
	const upload *files;
	size_t nfiles;
};

enum meldung_ergebnis { MELDUNG_OK, MELDUNG_FEHLT, MELDUNG_KONFLIKT, MELDUNG_DB };

/* Reads the Meldung with this Aktenzeichen; org_id 0: any organisation (the Kasse). */
enum meldung_ergebnis meldung_laden(arena *a, long long org_id, const char *aktenzeichen, struct meldung *out);

/* A new Meldung (draft or submitted) with its documents and first Verlauf step, in one
 * transaction; its Aktenzeichen into az. */
enum meldung_ergebnis meldung_anlegen(arena *a, const struct meldung_neu *m, const struct meldung_akteur *wer,
				      char az[AKTENZEICHEN_MAX + 1]);

/* Replaces a draft's values and adds documents (only while it is still a draft and at version);
 * einreichen: submits it in the same transaction. */
enum meldung_ergebnis meldung_entwurf_speichern(arena *a, const struct meldung *m, cJSON *werte, const upload *files,
						size_t nfiles, bool einreichen, const struct meldung_akteur *wer);

/* Deletes a draft (only a draft). */
enum meldung_ergebnis meldung_entwurf_loeschen(arena *a, const struct meldung *m);

/* Moves Meldung id from its status to nach if the graph lets wer make that move from the status it
 * has now (read under lock): a Verlauf step with text and documents; a move by the Kasse mails the
 * group Beamtenversorgung. MELDUNG_KONFLIKT: the move is not allowed from the current status. */
enum meldung_ergebnis meldung_status_setzen(arena *a, long long id, int nach, const char *text, const upload *files,
					    size_t nfiles, const struct meldung_akteur *wer);

/* The text of a move by the Kasse: required for abgelehnt and rueckfrage (the reason, the question);
 * at most 5000 characters of UTF-8 without control characters but tab and line breaks. */
enum kasse_text { KT_OK, KT_FEHLT, KT_FALSCH };
enum kasse_text meldung_kasse_text(int nach, const char *text);

/* The Kasse moves Meldung m (as loaded; never a draft: MELDUNG_FEHLT) to nach, for `mvctl meldung
 * status` and the Kasse's page alike: the text rule above (MELDUNG_FEHLT never, MELDUNG_KONFLIKT for a
 * text the rule refuses — callers check meldung_kasse_text first for their own message), the graph
 * under the row lock, the Verlauf step with wer, the documents (checked by the caller with
 * meldung_anlagen_pruefen), the mail to the group Beamtenversorgung, and on success the audit row
 * "meldung_status" (old → new) of the organisation, written as who. */
enum meldung_ergebnis meldung_kasse_status(const actor *who, const struct meldung *m, int nach, const char *text,
					   const upload *files, size_t nfiles, const struct meldung_akteur *wer);

/* The documents of one request for a Meldung: PDF only, each and together within the upload limits.
 * ANLAGEN_ZU_GROSS: answer 413 with *why; ANLAGEN_FALSCH: *why is the error of field "anlage". */
enum anlagen_urteil { ANLAGEN_OK, ANLAGEN_ZU_GROSS, ANLAGEN_FALSCH };
enum anlagen_urteil meldung_anlagen_pruefen(arena *a, const upload *files, size_t n, const char **why);

/* "BF201-2026-000123": B(eamten)F(ormular), the Kasse, the year of creation, the row id. */
void aktenzeichen_bilden(long long id, int jahr, char out[AKTENZEICHEN_MAX + 1]);
bool aktenzeichen_gueltig(const char *s);

#endif
