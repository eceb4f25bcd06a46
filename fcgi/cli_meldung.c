/* cli_meldung.c — `mvctl meldung list|show|status|export`: the Kasse works the Beamtenformulare
 * (SPEC §14). A status change goes through the same graph and the same transaction as in the
 * browser (meldungen.c), so a move the graph does not allow is refused here too. */
#include "cli.h"
#include "config.h"
#include "db.h"
#include "meldungen.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* ---- meldung list ---- */

enum { L_AZ, L_PNR, L_FORMULAR, L_NR, L_NAME, L_STATUS, L_EINGEREICHT, L_GEAENDERT, L_ANLAGEN };

static cJSON *list_row_json(const db_res *res, size_t i)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "aktenzeichen", db_str(res, i, L_AZ));
	cJSON_AddStringToObject(m, "pnr", db_str(res, i, L_PNR));
	cJSON_AddStringToObject(m, "formular", db_str(res, i, L_FORMULAR));
	cJSON_AddStringToObject(m, "nr", db_str(res, i, L_NR));
	cJSON_AddStringToObject(m, "person", db_str(res, i, L_NAME));
	cJSON_AddStringToObject(m, "status", db_str(res, i, L_STATUS));
	cJSON_AddItemToObject(m, "eingereicht", db_str(res, i, L_EINGEREICHT) ? cJSON_CreateString(db_str(res, i, L_EINGEREICHT))
									    : cJSON_CreateNull());
	cJSON_AddStringToObject(m, "geaendert", db_str(res, i, L_GEAENDERT));
	cJSON_AddNumberToObject(m, "anlagen", (double)db_int(res, i, L_ANLAGEN));
	return m;
}

/* Every Meldung that reached the Kasse (drafts are the organisation's own), oldest first. */
int cli_meldung_list(actor *who, struct opts *o)
{
	if (o->status && (meldung_status_parse(o->status) < 0 || strcmp(o->status, "entwurf") == 0))
		return cli_fail("unknown status %s (eingereicht, in_bearbeitung, rueckfrage, erledigt, abgelehnt, "
				"zurueckgezogen)", o->status);
	const char *pnr = o->pnr ? o->pnr : "", *st = o->status ? o->status : "";
	db_res *res = db_query(who->a,
		"SELECT m.aktenzeichen, o.pnr, m.formular, m.person_nr, m.person_name, m.status, "
		"DATE_FORMAT(m.eingereicht_am, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(m.geaendert_am, '%Y-%m-%dT%H:%i:%sZ'), "
		"m.anlagen FROM meldung m JOIN organisation o ON o.id = m.org_id WHERE o.kasse = ? AND m.status <> 'entwurf' "
		"AND (? = '' OR o.pnr = ?) AND (? = '' OR m.status = ?) ORDER BY m.id LIMIT 10000",
		DBARGS(DS(cfg.kasse_nummer), DS(pnr), DS(pnr), DS(st), DS(st)));
	if (!res)
		return cli_fail("database error", NULL);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < res->nrows; i++) {
		if (cli_json)
			cJSON_AddItemToArray(arr, list_row_json(res, i));
		else
			printf("%s  %s  %-21s  %-20s  %-14s  %s\n", db_str(res, i, L_AZ), db_str(res, i, L_PNR),
			       db_str(res, i, L_FORMULAR), db_str(res, i, L_NR), db_str(res, i, L_STATUS),
			       cli_text(who->a, db_str(res, i, L_NAME)));
	}
	if (cli_json)
		cli_print_json(arr);
	else
		cJSON_Delete(arr);
	return 0;
}

/* ---- meldung show ---- */

/* The Meldung --az as the Kasse sees it (never a draft): 0 with *m, or 1 after cli_fail. */
static int meldung_for_kasse(actor *who, const struct opts *o, struct meldung *m)
{
	if (!o->az)
		return cli_fail("--az is required", NULL);
	switch (meldung_laden(who->a, 0, o->az, m)) {
	case MELDUNG_OK: break;
	case MELDUNG_DB: return cli_fail("database error", NULL);
	default: return cli_fail("no Meldung %s", o->az);
	}
	if (m->status == MS_ENTWURF)
		return cli_fail("no Meldung %s", o->az); /* a draft has not reached the Kasse */
	return 0;
}

static cJSON *verlauf_json(actor *who, long long id)
{
	db_res *v = db_query(who->a, "SELECT status, DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ'), seite, von_name, text "
				     "FROM meldung_verlauf WHERE meldung_id = ? ORDER BY id",
			     DBARGS(DI(id)));
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; v && i < v->nrows; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "status", db_str(v, i, 0));
		cJSON_AddStringToObject(e, "zeit", db_str(v, i, 1));
		cJSON_AddStringToObject(e, "von", strcmp(db_str(v, i, 2), "kasse") == 0 ? "Versorgungskasse" : db_str(v, i, 3));
		cJSON_AddItemToObject(e, "text", db_str(v, i, 4) ? cJSON_CreateString(db_str(v, i, 4)) : cJSON_CreateNull());
		cJSON_AddItemToArray(arr, e);
	}
	return v ? arr : (cJSON_Delete(arr), NULL);
}

static cJSON *anlagen_json(actor *who, long long id)
{
	db_res *a = db_query(who->a, "SELECT id, dateiname, typ, groesse, seite FROM meldung_anlage WHERE meldung_id = ? "
				     "ORDER BY id",
			     DBARGS(DI(id)));
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; a && i < a->nrows; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", (double)db_int(a, i, 0));
		cJSON_AddStringToObject(e, "name", document_name(who->a, db_str(a, i, 1), db_str(a, i, 2)));
		cJSON_AddNumberToObject(e, "groesse", (double)db_int(a, i, 3));
		cJSON_AddStringToObject(e, "von", db_str(a, i, 4));
		cJSON_AddItemToArray(arr, e);
	}
	return a ? arr : (cJSON_Delete(arr), NULL);
}

static cJSON *meldung_json(actor *who, const struct meldung *m)
{
	cJSON *j = cJSON_CreateObject(), *v = anlagen_json(who, m->id), *vl = verlauf_json(who, m->id);
	if (!v || !vl) {
		cJSON_Delete(j), cJSON_Delete(v), cJSON_Delete(vl);
		return NULL;
	}
	cJSON_AddStringToObject(j, "aktenzeichen", m->aktenzeichen);
	cJSON_AddStringToObject(j, "formular", formular_info[m->formular].key);
	cJSON_AddStringToObject(j, "nr", m->person_nr);
	cJSON_AddStringToObject(j, "person", m->person_name);
	cJSON_AddStringToObject(j, "status", meldung_status_key[m->status]);
	cJSON *werte = cJSON_Parse(m->werte_json);
	cJSON_AddItemToObject(j, "werte", werte ? werte : cJSON_CreateObject());
	cJSON_AddItemToObject(j, "anlagen", v);
	cJSON_AddItemToObject(j, "verlauf", vl);
	return j;
}

/* The Meldung j (meldung_json) as text: for `show` and the export's text file. */
static char *meldung_text(arena *a, const struct meldung *m, const cJSON *j)
{
	const struct formular_info *fi = &formular_info[m->formular];
	sbuf t = sbuf_in(a);
	sbuf_printf(&t, "Aktenzeichen: %s\nFormular: %s\nPerson: %s (Nr. %s)\nStatus: %s\n\n", m->aktenzeichen, fi->label,
		    m->person_name, m->person_nr, meldung_status_label[m->status]);
	const cJSON *werte = cJSON_GetObjectItemCaseSensitive(j, "werte");
	for (size_t i = 0; i < fi->nfelder; i++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(werte, fi->felder[i].key);
		sbuf_printf(&t, "%s: %s\n", fi->felder[i].label,
			    cJSON_IsString(w) ? formular_wert_label(&fi->felder[i], w->valuestring) : "–");
	}
	sbuf_adds(&t, "\nVerlauf:\n");
	for (const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "verlauf")->child; e; e = e->next) {
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(e, "text");
		sbuf_printf(&t, "  %s  %s  %s%s%s\n", cJSON_GetObjectItemCaseSensitive(e, "zeit")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(e, "status")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(e, "von")->valuestring, cJSON_IsString(text) ? ": " : "",
			    cJSON_IsString(text) ? text->valuestring : "");
	}
	sbuf_adds(&t, "\nDokumente:\n");
	for (const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "anlagen")->child; e; e = e->next)
		sbuf_printf(&t, "  %lld  %s (%s)\n", (long long)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble,
			    cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring,
			    cJSON_GetObjectItemCaseSensitive(e, "von")->valuestring);
	return t.data;
}

int cli_meldung_show(actor *who, struct opts *o)
{
	struct meldung m;
	if (meldung_for_kasse(who, o, &m) != 0)
		return 1;
	cJSON *j = meldung_json(who, &m);
	if (!j)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cli_print_json(j);
		return 0;
	}
	fputs(cli_text(who->a, meldung_text(who->a, &m, j)), stdout);
	cJSON_Delete(j);
	return 0;
}

/* ---- meldung status ---- */

/* The --anhang files: PDF only, within the upload limits. 0 ok, 1 after cli_fail. */
static int anlagen_lesen(actor *who, const struct opts *o, upload files[CLI_MAX_ATTACHMENTS])
{
	if (cli_files_read(who, o, "anlage", files) != 0)
		return 1;
	const char *why = NULL;
	if (meldung_anlagen_pruefen(who->a, files, (size_t)o->nanhang, &why) != ANLAGEN_OK)
		return cli_fail("%s", why);
	return 0;
}

static int status_args(const struct opts *o, int *nach)
{
	*nach = o->status ? meldung_status_parse(o->status) : -1;
	if (!o->az || *nach < 0)
		return cli_fail_usage("meldung", "status");
	switch (meldung_kasse_text(*nach, o->text)) {
	case KT_FEHLT: return cli_fail("--text is required for %s (the reason or the question)", o->status);
	case KT_FALSCH: return cli_fail("--text: at most 5000 characters of UTF-8 without control characters", NULL);
	default: return 0;
	}
}

int cli_meldung_status(actor *who, struct opts *o)
{
	int nach;
	struct meldung m;
	upload files[CLI_MAX_ATTACHMENTS];
	if (status_args(o, &nach) != 0 || meldung_for_kasse(who, o, &m) != 0 || anlagen_lesen(who, o, files) != 0)
		return 1;
	struct meldung_akteur wer = {SEITE_KASSE, NULL, "Versorgungskasse"};
	switch (meldung_kasse_status(who, &m, nach, o->text, files, (size_t)o->nanhang, &wer)) {
	case MELDUNG_OK: break;
	case MELDUNG_KONFLIKT:
		return cli_fail("status change not allowed from the current status (see `meldung show --az %s`)", o->az);
	case MELDUNG_FEHLT: return cli_fail("no Meldung %s", o->az);
	default: return cli_fail("database error", NULL);
	}
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "aktenzeichen", m.aktenzeichen);
		cJSON_AddStringToObject(j, "status", meldung_status_key[nach]);
		cli_print_json(j);
	} else
		printf("%s: %s\n", m.aktenzeichen, meldung_status_label[nach]);
	return 0;
}

/* ---- meldung export ---- */

/* Each document as "<Aktenzeichen>-<document id>-<name>", added to files. 0 ok, 1 after cli_fail. */
static int export_anlagen(actor *who, const struct meldung *m, const char *dir, cJSON *files)
{
	db_res *a = db_query(who->a, "SELECT id, dateiname, typ, daten FROM meldung_anlage WHERE meldung_id = ? ORDER BY id",
			     DBARGS(DI(m->id)));
	if (!a)
		return cli_fail("database error", NULL);
	for (size_t i = 0; i < a->nrows; i++) {
		char *name = arena_printf(who->a, "%s-%lld-%s", m->aktenzeichen, db_int(a, i, 0),
					  document_name(who->a, db_str(a, i, 1), db_str(a, i, 2)));
		const db_cell *d = db_get(a, i, 3);
		if (cli_file_write_new(dir, name, d->s, d->len) != 0)
			return cli_fail("cannot write %s (exists already?)", name);
		cJSON_AddItemToArray(files, cJSON_CreateString(name));
	}
	return 0;
}

int cli_meldung_export(actor *who, struct opts *o)
{
	struct meldung m;
	if (!o->az || !o->dir)
		return cli_fail_usage("meldung", "export");
	if (meldung_for_kasse(who, o, &m) != 0)
		return 1;
	cJSON *j = meldung_json(who, &m);
	if (!j)
		return cli_fail("database error", NULL);
	char *txt = meldung_text(who->a, &m, j), *name = arena_printf(who->a, "meldung-%s.txt", m.aktenzeichen);
	cJSON_Delete(j);
	if (mkdir(o->dir, 0750) != 0 && errno != EEXIST)
		return cli_fail("cannot create the directory: %s", strerror(errno));
	if (cli_file_write_new(o->dir, name, txt, strlen(txt)) != 0)
		return cli_fail("cannot write %s (exists already?)", name);
	cJSON *files = cJSON_CreateArray();
	cJSON_AddItemToArray(files, cJSON_CreateString(name));
	if (export_anlagen(who, &m, o->dir, files) != 0) {
		cJSON_Delete(files);
		return 1;
	}
	if (cli_json) {
		cJSON *out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "dateien", files);
		cli_print_json(out);
		return 0;
	}
	for (cJSON *it = files->child; it; it = it->next)
		printf("%s/%s\n", cli_text(who->a, o->dir), cli_text(who->a, it->valuestring));
	cJSON_Delete(files);
	return 0;
}
