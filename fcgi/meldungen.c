/* meldungen.c — storing Meldungen and moving them through the status graph (see meldungen.h). */
#include "meldungen.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "mail.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void aktenzeichen_bilden(long long id, int jahr, char out[AKTENZEICHEN_MAX + 1])
{
	char buf[64]; /* the parts are bounded (3 + 4 + 9 digits): the compiler cannot see it */
	snprintf(buf, sizeof buf, "BF%.3s-%04u-%06llu", cfg.kasse_nummer, (unsigned)jahr % 10000u,
		 (unsigned long long)id % 1000000000ULL);
	size_t n = strnlen(buf, AKTENZEICHEN_MAX);
	memcpy(out, buf, n);
	out[n] = 0;
}

/* "BF" three digits "-" four digits "-" six to nine digits. */
bool aktenzeichen_gueltig(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 17 || n > AKTENZEICHEN_MAX || s[0] != 'B' || s[1] != 'F' || s[5] != '-' || s[10] != '-')
		return false;
	for (size_t i = 2; i < n; i++)
		if (i != 5 && i != 10 && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

enum anlagen_urteil meldung_anlagen_pruefen(arena *a, const upload *files, size_t n, const char **why)
{
	long long total = 0;
	enum anlagen_urteil u = ANLAGEN_OK;
	for (size_t i = 0; i < n; i++) {
		const char *type = upload_sniff(files[i].data, files[i].len);
		total += (long long)files[i].len;
		if ((long long)files[i].len > cfg.upload_max_bytes) {
			*why = arena_printf(a, "Die Datei „%s“ ist größer als %s.", files[i].filename,
					    size_mb(a, cfg.upload_max_bytes));
			return ANLAGEN_ZU_GROSS;
		}
		if (u == ANLAGEN_OK && (!type || strcmp(type, "application/pdf") != 0)) {
			*why = arena_printf(a, "Die Datei „%s“ ist kein PDF-Dokument. Bitte fügen Sie nur PDF-Dokumente bei.",
					    files[i].filename);
			u = ANLAGEN_FALSCH;
		}
	}
	if (total > cfg.upload_max_total_bytes) {
		*why = "Die Dokumente sind zusammen zu groß.";
		return ANLAGEN_ZU_GROSS;
	}
	return u;
}

enum { M_ID, M_ORG, M_AZ, M_FORMULAR, M_STATUS, M_NR, M_NAME, M_WERTE, M_VON, M_ERSTELLT, M_GEAENDERT,
       M_EINGEREICHT, M_ANLAGEN, M_VERSION };

enum meldung_ergebnis meldung_laden(arena *a, long long org_id, const char *az, struct meldung *out)
{
	if (!aktenzeichen_gueltig(az))
		return MELDUNG_FEHLT;
	db_res *res = db_query(a,
			       "SELECT id, org_id, aktenzeichen, formular, status, person_nr, person_name, werte, erstellt_von, "
			       "erstellt_am, geaendert_am, eingereicht_am, anlagen, version FROM meldung "
			       "WHERE aktenzeichen = ? AND (org_id = ? OR ? = 0)",
			       DBARGS(DS(az), DI(org_id), DI(org_id)));
	if (!res)
		return MELDUNG_DB;
	if (res->nrows != 1)
		return MELDUNG_FEHLT;
	*out = (struct meldung){.id = db_int(res, 0, M_ID), .org_id = db_int(res, 0, M_ORG),
				.formular = formular_parse(db_str(res, 0, M_FORMULAR)),
				.status = meldung_status_parse(db_str(res, 0, M_STATUS)),
				.person_nr = db_str(res, 0, M_NR), .person_name = db_str(res, 0, M_NAME),
				.werte_json = db_str(res, 0, M_WERTE), .erstellt_von = db_str(res, 0, M_VON),
				.erstellt_am = db_str(res, 0, M_ERSTELLT), .geaendert_am = db_str(res, 0, M_GEAENDERT),
				.eingereicht_am = db_str(res, 0, M_EINGEREICHT), .anlagen = db_int(res, 0, M_ANLAGEN),
				.version = db_int(res, 0, M_VERSION)};
	snprintf(out->aktenzeichen, sizeof out->aktenzeichen, "%s", db_str(res, 0, M_AZ));
	return MELDUNG_OK;
}

/* Stores the documents of one step (inside the caller's transaction). */
static int anlagen_speichern(arena *a, long long meldung_id, long long verlauf_id, enum meldung_seite seite,
			     const upload *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *type = upload_sniff(files[i].data, files[i].len);
		if (db_exec("INSERT INTO meldung_anlage (meldung_id, verlauf_id, seite, dateiname, typ, groesse, daten) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?)",
			    DBARGS(DI(meldung_id), verlauf_id ? DI(verlauf_id) : DNULL,
				   DS(seite == SEITE_KASSE ? "kasse" : "organisation"),
				   DS(document_name(a, files[i].filename, type ? type : "application/pdf")),
				   DS(type ? type : "application/pdf"), DI(files[i].len), DB(files[i].data, files[i].len)),
			    NULL, NULL) != 0)
			return -1;
	}
	if (n && db_exec("UPDATE meldung SET anlagen = anlagen + ? WHERE id = ?", DBARGS(DI(n), DI(meldung_id)), NULL,
			 NULL) != 0)
		return -1;
	return 0;
}

/* One step of the Verlauf; its id into id_out. */
static int verlauf_schreiben(long long meldung_id, int status, const char *text, const struct meldung_akteur *wer,
			     long long *id_out)
{
	unsigned long long id = 0;
	int rc = db_exec("INSERT INTO meldung_verlauf (meldung_id, status, at, seite, von, von_name, text) "
			 "VALUES (?, ?, NOW(), ?, ?, ?, ?)",
			 DBARGS(DI(meldung_id), DS(meldung_status_key[status]),
				DS(wer->seite == SEITE_KASSE ? "kasse" : "organisation"), DSZ(wer->kennung), DS(wer->name),
				DSZ(text)),
			 NULL, &id);
	*id_out = (long long)id;
	return rc;
}

struct anlegen_ctx {
	arena *a;
	const struct meldung_neu *m;
	const struct meldung_akteur *wer;
	char *az;
};

static int anlegen_tx(void *p)
{
	struct anlegen_ctx *c = p;
	const struct meldung_neu *m = c->m;
	char *werte = cJSON_PrintUnformatted(m->werte);
	unsigned long long id = 0;
	int status = m->einreichen ? MS_EINGEREICHT : MS_ENTWURF;
	int rc = werte ? db_exec("INSERT INTO meldung (org_id, formular, person_nr, person_name, status, werte, erstellt_von, "
				 "erstellt_am, geaendert_am, eingereicht_am) VALUES (?, ?, ?, ?, ?, ?, ?, NOW(), NOW(), "
				 "IF(? = 'eingereicht', NOW(), NULL))",
				 DBARGS(DI(m->org_id), DS(formular_info[m->formular].key), DS(m->person_nr),
					DS(m->person_name), DS(meldung_status_key[status]), DS(werte),
					DS(c->wer->kennung ? c->wer->kennung : ""), DS(meldung_status_key[status])),
				 NULL, &id)
		       : -1;
	free(werte);
	if (rc != 0)
		return DB_TX_FAIL;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	aktenzeichen_bilden((long long)id, tm.tm_year + 1900, c->az);
	long long vid;
	if (db_exec("UPDATE meldung SET aktenzeichen = ? WHERE id = ?", DBARGS(DS(c->az), DI(id)), NULL, NULL) != 0 ||
	    verlauf_schreiben((long long)id, status, NULL, c->wer, &vid) != 0 ||
	    anlagen_speichern(c->a, (long long)id, vid, SEITE_ORGANISATION, m->files, m->nfiles) != 0)
		return DB_TX_FAIL;
	return 0;
}

enum meldung_ergebnis meldung_anlegen(arena *a, const struct meldung_neu *m, const struct meldung_akteur *wer,
				      char az[AKTENZEICHEN_MAX + 1])
{
	struct anlegen_ctx c = {a, m, wer, az};
	return db_tx(anlegen_tx, &c) == 0 ? MELDUNG_OK : MELDUNG_DB;
}

struct entwurf_ctx {
	arena *a;
	const struct meldung *m;
	cJSON *werte;
	const upload *files;
	size_t nfiles;
	bool einreichen, loeschen;
	const struct meldung_akteur *wer;
};

/* Locks the draft; MELDUNG_KONFLIKT (as a positive code) if it is no longer the draft at version. */
static int entwurf_sperren(const struct entwurf_ctx *c)
{
	db_res *res = db_query(c->a, "SELECT status, version FROM meldung WHERE id = ? FOR UPDATE", DBARGS(DI(c->m->id)));
	if (!res)
		return DB_TX_FAIL;
	if (res->nrows != 1)
		return MELDUNG_FEHLT;
	if (strcmp(db_str(res, 0, 0), "entwurf") != 0 || db_int(res, 0, 1) != c->m->version)
		return MELDUNG_KONFLIKT;
	return 0;
}

static int entwurf_tx(void *p)
{
	struct entwurf_ctx *c = p;
	int rc = entwurf_sperren(c);
	if (rc != 0)
		return rc;
	if (c->loeschen)
		return db_exec("DELETE FROM meldung WHERE id = ?", DBARGS(DI(c->m->id)), NULL, NULL) ? DB_TX_FAIL : 0;
	char *werte = cJSON_PrintUnformatted(c->werte);
	const char *status = c->einreichen ? "eingereicht" : "entwurf";
	rc = werte ? db_exec("UPDATE meldung SET werte = ?, status = ?, geaendert_am = NOW(), version = version + 1, "
			     "eingereicht_am = IF(? = 'eingereicht', NOW(), NULL) WHERE id = ?",
			     DBARGS(DS(werte), DS(status), DS(status), DI(c->m->id)), NULL, NULL)
		   : -1;
	free(werte);
	long long vid = 0;
	if (rc != 0 || (c->einreichen && verlauf_schreiben(c->m->id, MS_EINGEREICHT, NULL, c->wer, &vid) != 0) ||
	    anlagen_speichern(c->a, c->m->id, vid, SEITE_ORGANISATION, c->files, c->nfiles) != 0)
		return DB_TX_FAIL;
	return 0;
}

static enum meldung_ergebnis ergebnis(int rc)
{
	return rc == 0 ? MELDUNG_OK : rc == MELDUNG_KONFLIKT ? MELDUNG_KONFLIKT : rc == MELDUNG_FEHLT ? MELDUNG_FEHLT
													 : MELDUNG_DB;
}

enum meldung_ergebnis meldung_entwurf_speichern(arena *a, const struct meldung *m, cJSON *werte, const upload *files,
						size_t nfiles, bool einreichen, const struct meldung_akteur *wer)
{
	struct entwurf_ctx c = {a, m, werte, files, nfiles, einreichen, false, wer};
	return ergebnis(db_tx(entwurf_tx, &c));
}

enum meldung_ergebnis meldung_entwurf_loeschen(arena *a, const struct meldung *m)
{
	struct entwurf_ctx c = {.a = a, .m = m, .loeschen = true};
	return ergebnis(db_tx(entwurf_tx, &c));
}

struct status_ctx {
	arena *a;
	long long id;
	int nach;
	const char *text;
	const upload *files;
	size_t nfiles;
	const struct meldung_akteur *wer;
};

/* The Kasse moved Meldung az of organisation org_id: the group Beamtenversorgung hears of it (if it
 * has an address) — the Aktenzeichen and the new status, nothing else. */
static int status_mail(arena *a, long long org_id, const char *az, int status)
{
	db_res *to = db_query(a, "SELECT email FROM org_gruppe WHERE org_id = ? AND typ = ? AND email IS NOT NULL",
			      DBARGS(DI(org_id), DI(G_BEAMTENVERSORGUNG)));
	if (!to)
		return -1;
	if (to->nrows != 1)
		return 0;
	tpl_slot slots[] = {{"aktenzeichen", az},
			    {"status", meldung_status_label[status]},
			    {"link", arena_printf(a, "%s/formulare/%s", cfg.base_url, az)}};
	return mail_queue(db_str(to, 0, 0), "meldung-status.txt", slots, ARRAY_LEN(slots));
}

static int status_tx(void *p)
{
	struct status_ctx *c = p;
	db_res *res = db_query(c->a, "SELECT status, org_id, aktenzeichen FROM meldung WHERE id = ? FOR UPDATE",
			       DBARGS(DI(c->id)));
	if (!res)
		return DB_TX_FAIL;
	if (res->nrows != 1)
		return MELDUNG_FEHLT;
	if (!meldung_uebergang(meldung_status_parse(db_str(res, 0, 0)), c->nach, c->wer->seite))
		return MELDUNG_KONFLIKT;
	bool kasse = c->wer->seite == SEITE_KASSE;
	long long vid;
	if (db_exec("UPDATE meldung SET status = ?, geaendert_am = NOW(), version = version + 1, "
		    "status_kasse_am = IF(?, NOW(), status_kasse_am), abgeschlossen_am = IF(?, NOW(), NULL), "
		    "eingereicht_am = IF(? = 'eingereicht', NOW(), eingereicht_am) WHERE id = ?",
		    DBARGS(DS(meldung_status_key[c->nach]), DI(kasse), DI(meldung_abgeschlossen(c->nach)),
			   DS(meldung_status_key[c->nach]), DI(c->id)),
		    NULL, NULL) != 0 ||
	    verlauf_schreiben(c->id, c->nach, c->text, c->wer, &vid) != 0 ||
	    anlagen_speichern(c->a, c->id, vid, c->wer->seite, c->files, c->nfiles) != 0)
		return DB_TX_FAIL;
	if (kasse && status_mail(c->a, db_int(res, 0, 1), db_str(res, 0, 2), c->nach) != 0)
		return DB_TX_FAIL;
	return 0;
}

enum meldung_ergebnis meldung_status_setzen(arena *a, long long id, int nach, const char *text, const upload *files,
					    size_t nfiles, const struct meldung_akteur *wer)
{
	if (nach < 0 || nach >= MELDUNG_STATUS__MAX)
		return MELDUNG_KONFLIKT;
	struct status_ctx c = {a, id, nach, text, files, nfiles, wer};
	return ergebnis(db_tx(status_tx, &c));
}

enum kasse_text meldung_kasse_text(int nach, const char *text)
{
	if ((nach == MS_ABGELEHNT || nach == MS_RUECKFRAGE) && (!text || !*text))
		return KT_FEHLT;
	if (text && (!utf8_valid(text, strlen(text)) || utf8_count(text, strlen(text)) > 5000 ||
		     str_has_ctl_but(text, strlen(text), "\t\r\n")))
		return KT_FALSCH;
	return KT_OK;
}

enum meldung_ergebnis meldung_kasse_status(const actor *who, const struct meldung *m, int nach, const char *text,
					   const upload *files, size_t nfiles, const struct meldung_akteur *wer)
{
	if (m->status == MS_ENTWURF) /* a draft has not reached the Kasse */
		return MELDUNG_FEHLT;
	if (wer->seite != SEITE_KASSE || meldung_kasse_text(nach, text) != KT_OK)
		return MELDUNG_KONFLIKT;
	enum meldung_ergebnis e = meldung_status_setzen(who->a, m->id, nach, text, files, nfiles, wer);
	if (e == MELDUNG_OK)
		audit_org(who, m->org_id, "meldung_status", m->aktenzeichen,
			  arena_printf(who->a, "%s → %s", meldung_status_key[m->status], meldung_status_key[nach]));
	return e;
}
