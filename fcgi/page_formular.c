/* page_formular.c — SPEC §14: a new Meldung and a draft's changes. The six Beamtenformulare are
 * data (meldung.c): this one renderer draws any of them from its table, and the one validator
 * (formular_pruefen) checks what comes back; nothing here knows a particular form. The form shows the
 * person's current Dienstverhältnis beside it, so the clerk sees what changes.
 * The list and the Meldung itself are in page_formulare.c. */
#include "pages.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "form.h"
#include "html.h"
#include "layout.h"
#include "meldungen.h"
#include "response.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- the person ---- */

struct person_dienst {
	const char *nr, *name, *vorname;
	const char *verhaeltnis, *amtsbezeichnung, *besoldungsgruppe, *stufe, *stunden, *regelstunden, *eintritt;
};

enum lookup_person { PERSON_OK, PERSON_FEHLT, PERSON_DB };

/* An `aktiv` person of the user's organisation with this nr. */
static enum lookup_person person_laden(req *r, const char *nr, struct person_dienst *p)
{
	if (!nr || !*nr || strlen(nr) > 20)
		return PERSON_FEHLT;
	db_res *res = db_query(r->a,
			       "SELECT nr, name, vorname, dienst_verhaeltnis, dienst_amtsbezeichnung, dienst_besoldungsgruppe, "
			       "dienst_stufe, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM dienst_stunden)), "
			       "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM dienst_regelstunden)), dienst_eintritt "
			       "FROM person WHERE org_id = ? AND nr = ? AND art = 'aktiv'",
			       DBARGS(DI(r->me->org_id), DS(nr)));
	if (!res)
		return PERSON_DB;
	if (res->nrows != 1)
		return PERSON_FEHLT;
	*p = (struct person_dienst){db_str(res, 0, 0), db_str(res, 0, 1), db_str(res, 0, 2), db_str(res, 0, 3),
				    db_str(res, 0, 4), db_str(res, 0, 5), db_str(res, 0, 6), db_str(res, 0, 7),
				    db_str(res, 0, 8), db_str(res, 0, 9)};
	return PERSON_OK;
}

static const char kein_beamter[] = "Unter dieser Nummer gibt es keine Beamtin und keinen Beamten im Dienst Ihrer "
				   "Organisation.";

/* "12.04.1975" from "1975-04-12"; anything else as it is. */
static const char *datum_de(arena *a, const char *iso)
{
	int y, m, d;
	if (!iso || sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return iso;
	return arena_printf(a, "%02d.%02d.%04d", d, m, y);
}

static void dd(sbuf *b, const char *dt, const char *v)
{
	if (v && *v)
		h_printf(b, "<dt>%s</dt><dd>%s</dd>", dt, v);
}

static void person_html(req *r, sbuf *b, const struct person_dienst *p)
{
	h_printf(b, "<aside class=\"card person-beside\" aria-labelledby=\"person-h\"><h2 id=\"person-h\">Aktuelles "
		    "Dienstverhältnis</h2><dl class=\"data\"><dt>Name</dt><dd>%s, %s</dd><dt>Nr.</dt><dd>%s</dd>",
		 p->name, p->vorname, p->nr);
	dd(b, "Amtsbezeichnung", p->amtsbezeichnung);
	dd(b, "Besoldungsgruppe", p->besoldungsgruppe && p->stufe ? arena_printf(r->a, "%s, Stufe %s", p->besoldungsgruppe,
										   p->stufe)
								    : p->besoldungsgruppe);
	dd(b, "Beschäftigungsumfang",
	   p->stunden && p->regelstunden ? arena_printf(r->a, "%s von %s Stunden", p->stunden, p->regelstunden) : NULL);
	dd(b, "Beamtenverhältnis", p->verhaeltnis ? arena_printf(r->a, "auf %s", strcmp(p->verhaeltnis, "lebenszeit") == 0
									   ? "Lebenszeit"
									   : strcmp(p->verhaeltnis, "probe") == 0 ? "Probe"
									   : strcmp(p->verhaeltnis, "widerruf") == 0 ? "Widerruf"
														   : "Zeit")
						: NULL);
	dd(b, "Eintritt", datum_de(r->a, p->eintritt));
	h_raw(b, "</dl></aside>");
}

/* ---- the one renderer ---- */

/* "Pflichtangabe bei: Versetzung, Abordnung" for a field required only with some values. */
static const char *pflicht_hinweis(req *r, int f, const struct feld_pflicht *p)
{
	if (p->immer || !p->wenn_feld)
		return NULL;
	const struct formular_feld *wenn = &formular_info[f].felder[formular_feld_index(f, p->wenn_feld)];
	sbuf t = sbuf_in(r->a);
	sbuf_adds(&t, "Pflichtangabe bei: ");
	for (size_t i = 0; i < 4 && p->wenn_werte[i]; i++)
		sbuf_printf(&t, "%s%s", i ? ", " : "", formular_wert_label(wenn, p->wenn_werte[i]));
	return t.data;
}

static void feld_eingabe(sbuf *b, const struct formular_feld *fe, const char *v, const char *describedby, bool err)
{
	if (fe->typ == FELD_AUSWAHL)
		h_printf(b, "<select id=\"f-%s\" name=\"%s\"", fe->key, fe->key);
	else
		h_printf(b, "<input id=\"f-%s\" name=\"%s\"", fe->key, fe->key);
	if (fe->pflicht.immer)
		h_raw(b, " required aria-required=\"true\"");
	if (err)
		h_raw(b, " aria-invalid=\"true\"");
	if (*describedby)
		h_printf(b, " aria-describedby=\"%s\"", describedby);
	if (fe->typ != FELD_AUSWAHL) {
		h_printf(b, " type=\"text\" value=\"%s\" autocomplete=\"off\"", v ? v : "");
		if (fe->typ == FELD_STUNDEN)
			h_raw(b, " inputmode=\"decimal\"");
		if (fe->typ == FELD_STUFE)
			h_raw(b, " inputmode=\"numeric\"");
		h_raw(b, ">");
		return;
	}
	h_printf(b, "><option value=\"\"%s>Bitte auswählen</option>", v ? "" : " selected");
	for (const struct auswahl *a = fe->werte; a->key; a++)
		h_printf(b, "<option value=\"%s\"%s>%s</option>", a->key, v && strcmp(v, a->key) == 0 ? " selected" : "",
			 a->label);
	h_raw(b, "</select>");
}

/* One field of form f with its value, hint, required note and error. */
static void feld_html(req *r, sbuf *b, int f, const struct formular_feld *fe, const char *v)
{
	const char *err = form_error_for(r, fe->key), *pflicht = pflicht_hinweis(r, f, &fe->pflicht);
	const char *hilfe = fe->typ == FELD_DATUM && !fe->hilfe ? "Format: TT.MM.JJJJ" : fe->hilfe;
	sbuf ids = sbuf_in(r->a);
	if (hilfe || pflicht)
		sbuf_printf(&ids, "f-%s-hilfe", fe->key);
	if (err)
		sbuf_printf(&ids, "%sf-%s-fehler", ids.len ? " " : "", fe->key);
	h_printf(b, "<div class=\"field%s\"><label for=\"f-%s\">%s%s</label>", err ? " has-error" : "", fe->key, fe->label,
		 fe->pflicht.immer ? "*" : "");
	feld_eingabe(b, fe, v, ids.len ? ids.data : "", err != NULL);
	if (hilfe || pflicht)
		h_printf(b, "<p class=\"hint\" id=\"f-%s-hilfe\">%s%s%s</p>", fe->key, hilfe ? hilfe : "",
			 hilfe && pflicht ? " " : "", pflicht ? pflicht : "");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-%s-fehler\">%s</p>", fe->key, err);
	h_raw(b, "</div>");
}

/* The documents field: PDF only, repeatable. */
static void anlage_html(req *r, sbuf *b, int f, bool pflicht)
{
	const struct formular_info *fi = &formular_info[f];
	const char *err = form_error_for(r, "anlage");
	h_printf(b, "<div class=\"field%s\"><label for=\"f-anlage\">%s (PDF)%s</label><input id=\"f-anlage\" name=\"anlage\" "
		    "type=\"file\" accept=\"application/pdf,.pdf\" multiple aria-describedby=\"f-anlage-hilfe%s\"",
		 err ? " has-error" : "", fi->anlage_label ? fi->anlage_label : "Anlage", pflicht ? "*" : "",
		 err ? " f-anlage-fehler" : "");
	if (err)
		h_raw(b, " aria-invalid=\"true\"");
	h_printf(b, "><p class=\"hint\" id=\"f-anlage-hilfe\">Nur PDF-Dokumente, je Datei höchstens %s.</p>",
		 size_mb(r->a, cfg.upload_max_bytes));
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-anlage-fehler\">%s</p>", err);
	h_raw(b, "</div>");
}

/* ---- the view ---- */

struct formular_view {
	int f;
	bool person_da;
	struct person_dienst person;
	const char *werte[FORMULAR_FELDER_MAX]; /* as shown: posted, stored or the defaults */
	const struct meldung *entwurf;          /* changing this draft, or NULL for a new Meldung */
	struct formular_pruefung pruefung;      /* its warnings are shown */
};

static const char *aktion_url(req *r, const struct formular_view *v)
{
	return v->entwurf ? url_printf(r->a, "/formulare/%s/bearbeiten", v->entwurf->aktenzeichen)
			  : url_printf(r->a, "/formulare/neu/%s?nr=%s", formular_info[v->f].key, v->person.nr);
}

static void formular_html(req *r, sbuf *b, const void *view)
{
	const struct formular_view *v = view;
	const struct formular_info *fi = &formular_info[v->f];
	h_printf(b, "<div class=\"form-beside\"><div class=\"card\"><h1>%s</h1>", fi->label);
	if (v->entwurf)
		h_printf(b, "<p class=\"lead\">Entwurf %s</p>", v->entwurf->aktenzeichen);
	for (size_t i = 0; i < v->pruefung.nhinweise; i++)
		alert_box(b, "warning", v->pruefung.hinweise[i].text);
	required_note(b);
	form_open(r, b, aktion_url(r, v), true);
	if (v->entwurf)
		h_printf(b, "<input type=\"hidden\" name=\"version\" value=\"%lld\">", v->entwurf->version);
	for (size_t i = 0; i < fi->nfelder; i++)
		feld_html(r, b, v->f, &fi->felder[i], v->werte[i]);
	if (fi->anlage_label)
		anlage_html(r, b, v->f, fi->anlage_pflicht.immer);
	if (v->entwurf && v->entwurf->anlagen)
		h_printf(b, "<p class=\"hint\">Dem Entwurf liegen bereits %lld Dokument(e) bei.</p>", v->entwurf->anlagen);
	h_raw(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"/formulare\">Abbrechen</a>"
		 "<button type=\"submit\" class=\"btn secondary\" name=\"aktion\" value=\"entwurf\">Als Entwurf speichern</button>"
		 "<button type=\"submit\" class=\"btn\" name=\"aktion\" value=\"einreichen\">Einreichen</button></div>");
	form_close(b);
	h_raw(b, "</div>");
	if (v->person_da)
		person_html(r, b, &v->person);
	h_raw(b, "</div>");
}

static cJSON *pflicht_json(const struct feld_pflicht *p)
{
	if (p->immer || !p->wenn_feld)
		return cJSON_CreateBool(p->immer);
	cJSON *o = cJSON_CreateObject(), *w = cJSON_CreateArray();
	cJSON_AddStringToObject(o, "feld", p->wenn_feld);
	for (size_t i = 0; i < 4 && p->wenn_werte[i]; i++)
		cJSON_AddItemToArray(w, cJSON_CreateString(p->wenn_werte[i]));
	cJSON_AddItemToObject(o, "werte", w);
	return o;
}

static const char *const feld_typ_key[] = {"auswahl", "datum", "stunden", "text", "besoldungsgruppe", "stufe"};

/* The form as data: scripts (and the HTTP suite) read the field table from here. */
static void formular_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct formular_view *v = view;
	const struct formular_info *fi = &formular_info[v->f];
	cJSON_AddStringToObject(o, "formular", fi->key);
	cJSON_AddStringToObject(o, "titel", fi->label);
	cJSON_AddStringToObject(o, "nr", v->person.nr ? v->person.nr : "");
	cJSON *felder = cJSON_AddArrayToObject(o, "felder");
	for (size_t i = 0; i < fi->nfelder; i++) {
		const struct formular_feld *fe = &fi->felder[i];
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "key", fe->key);
		cJSON_AddStringToObject(f, "label", fe->label);
		cJSON_AddStringToObject(f, "typ", feld_typ_key[fe->typ]);
		cJSON_AddItemToObject(f, "pflicht", pflicht_json(&fe->pflicht));
		cJSON *werte = cJSON_AddArrayToObject(f, "werte");
		for (const struct auswahl *a = fe->werte; a && a->key; a++)
			cJSON_AddItemToArray(werte, cJSON_CreateString(a->key));
		cJSON_AddItemToObject(f, "wert", v->werte[i] ? cJSON_CreateString(v->werte[i]) : cJSON_CreateNull());
		cJSON_AddItemToArray(felder, f);
	}
	cJSON *anlage = cJSON_AddObjectToObject(o, "anlage");
	cJSON_AddStringToObject(anlage, "label", fi->anlage_label ? fi->anlage_label : "Anlage");
	cJSON_AddItemToObject(anlage, "pflicht", pflicht_json(&fi->anlage_pflicht));
}

static const char *formular_title(const void *view)
{
	return formular_info[((const struct formular_view *)view)->f].label;
}

static const page_kind formular_page = {"Meldung", formular_html, formular_json, formular_title};

/* ---- handlers ---- */

/* The form named by the path and the person named by ?nr= (404 for an unknown form or a person who is
 * not an active official of the organisation). false after an answer. */
static bool neu_setup(req *r, struct formular_view *v)
{
	v->f = r->path_arg ? formular_parse(r->path_arg) : -1;
	if (v->f < 0) {
		page_error(r, 404, "Dieses Formular gibt es nicht.");
		return false;
	}
	switch (person_laden(r, form_get(r, "nr"), &v->person)) {
	case PERSON_OK: v->person_da = true; return true;
	case PERSON_FEHLT: page_error(r, 404, kein_beamter); return false;
	default: db_fail(r); return false;
	}
}

void formular_neu_get(req *r)
{
	struct formular_view *v = arena_alloc(r->a, sizeof *v);
	if (!neu_setup(r, v))
		return;
	for (size_t i = 0; i < formular_info[v->f].nfelder; i++)
		v->werte[i] = formular_info[v->f].felder[i].vorgabe;
	page_render(r, 200, &formular_page, v);
}

/* PDF documents only, each and together within the limits (413 beyond them, as for messages). */
static bool anlagen_pruefen(req *r)
{
	const char *why = NULL;
	switch (meldung_anlagen_pruefen(r->a, r->uploads.items, r->uploads.n, &why)) {
	case ANLAGEN_ZU_GROSS: page_error(r, 413, why); return false;
	case ANLAGEN_FALSCH: form_error(r, "anlage", why); return true;
	default: return true;
	}
}

/* Reads aktion and the fields, checks them with the one validator (a draft: types only) and the
 * documents. true: valid, v->pruefung holds the normalised values. false: errors recorded (or answered). */
static bool formular_lesen(req *r, struct formular_view *v, bool *einreichen, size_t anlagen_vorher)
{
	const char *aktion = form_get(r, "aktion");
	*einreichen = aktion && strcmp(aktion, "einreichen") == 0;
	if (!aktion || (!*einreichen && strcmp(aktion, "entwurf") != 0))
		form_error(r, "_", "Bitte wählen Sie „Als Entwurf speichern“ oder „Einreichen“.");
	const struct formular_info *fi = &formular_info[v->f];
	for (size_t i = 0; i < fi->nfelder; i++)
		v->werte[i] = form_get(r, fi->felder[i].key);
	if (!anlagen_pruefen(r))
		return false;
	formular_pruefen(v->f, v->werte, r->uploads.n + anlagen_vorher, today_berlin((long long)time(NULL)), !*einreichen,
			 &v->pruefung);
	for (size_t i = 0; i < v->pruefung.nfehler; i++)
		form_error(r, v->pruefung.fehler[i].feld, v->pruefung.fehler[i].text);
	if (*einreichen && !v->person_da)
		form_error(r, "_", kein_beamter);
	if (r->nerrors)
		page_render(r, 422, &formular_page, v);
	return r->nerrors == 0;
}

/* The normalised values as the JSON object stored with the Meldung. */
static cJSON *werte_json(req *r, const struct formular_view *v)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < formular_info[v->f].nfelder; i++)
		if (v->pruefung.werte[i])
			cJSON_AddStringToObject(o, formular_info[v->f].felder[i].key, v->pruefung.werte[i]);
	(void)r;
	return o;
}

static void gespeichert(req *r, const char *az, bool einreichen)
{
	if (r->want_json)
		cJSON_AddStringToObject(json_obj(r), "aktenzeichen", az);
	redirect(r, url_printf(r->a, einreichen ? "/formulare/%s?eingereicht=1" : "/formulare/%s", az));
}

static struct meldung_akteur akteur(req *r)
{
	return (struct meldung_akteur){SEITE_ORGANISATION, r->me->kennung,
				       arena_printf(r->a, "%s %s", r->me->vorname, r->me->name)};
}

void formular_neu_post(req *r)
{
	struct formular_view *v = arena_alloc(r->a, sizeof *v);
	bool einreichen;
	if (!neu_setup(r, v) || !formular_lesen(r, v, &einreichen, 0))
		return;
	cJSON *werte = werte_json(r, v);
	struct meldung_akteur wer = akteur(r);
	struct meldung_neu m = {r->me->org_id, v->f, v->person.nr, arena_printf(r->a, "%s, %s", v->person.name,
									  v->person.vorname),
				werte, einreichen, r->uploads.items, r->uploads.n};
	char az[AKTENZEICHEN_MAX + 1];
	enum meldung_ergebnis e = meldung_anlegen(r->a, &m, &wer, az);
	cJSON_Delete(werte);
	if (e != MELDUNG_OK) {
		db_fail(r);
		return;
	}
	audit(&r->who, einreichen ? "meldung_eingereicht" : "meldung_entwurf", az, formular_info[v->f].key);
	gespeichert(r, az, einreichen);
}

/* The draft named by the path (of the user's organisation; 404 otherwise, exactly like a Meldung that
 * does not exist; 409 once it is no longer a draft) with its values and person. false after an answer. */
static bool entwurf_setup(req *r, struct formular_view *v)
{
	struct meldung *m = arena_alloc(r->a, sizeof *m);
	switch (meldung_laden(r->a, r->me->org_id, r->path_arg, m)) {
	case MELDUNG_OK: break;
	case MELDUNG_DB: db_fail(r); return false;
	default: page_error(r, 404, "Diese Meldung gibt es nicht."); return false;
	}
	if (m->status != MS_ENTWURF) {
		page_error(r, 409, "Diese Meldung ist eingereicht und kann nicht mehr geändert werden.");
		return false;
	}
	v->f = m->formular;
	v->entwurf = m;
	enum lookup_person p = person_laden(r, m->person_nr, &v->person);
	if (p == PERSON_DB) {
		db_fail(r);
		return false;
	}
	v->person_da = p == PERSON_OK;
	if (!v->person_da)
		v->person.nr = m->person_nr;
	cJSON *werte = cJSON_Parse(m->werte_json);
	for (size_t i = 0; i < formular_info[v->f].nfelder; i++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(werte, formular_info[v->f].felder[i].key);
		v->werte[i] = cJSON_IsString(w) ? arena_printf(r->a, "%s", w->valuestring) : NULL;
	}
	cJSON_Delete(werte);
	return true;
}

void formular_entwurf_get(req *r)
{
	struct formular_view *v = arena_alloc(r->a, sizeof *v);
	if (entwurf_setup(r, v))
		page_render(r, 200, &formular_page, v);
}

void formular_entwurf_post(req *r)
{
	struct formular_view *v = arena_alloc(r->a, sizeof *v);
	bool einreichen;
	if (!entwurf_setup(r, v))
		return;
	long long version;
	const char *vs = form_get(r, "version");
	if (!vs || parse_int(vs, 1, 1LL << 31, &version) != 0 || version != v->entwurf->version) {
		page_error(r, 409, "Der Entwurf wurde inzwischen geändert. Bitte laden Sie ihn neu.");
		return;
	}
	if (!formular_lesen(r, v, &einreichen, (size_t)v->entwurf->anlagen))
		return;
	cJSON *werte = werte_json(r, v);
	struct meldung_akteur wer = akteur(r);
	enum meldung_ergebnis e =
		meldung_entwurf_speichern(r->a, v->entwurf, werte, r->uploads.items, r->uploads.n, einreichen, &wer);
	cJSON_Delete(werte);
	if (e == MELDUNG_KONFLIKT || e == MELDUNG_FEHLT) {
		page_error(r, e == MELDUNG_FEHLT ? 404 : 409, e == MELDUNG_FEHLT ? "Diese Meldung gibt es nicht."
										 : "Der Entwurf wurde inzwischen geändert. "
										   "Bitte laden Sie ihn neu.");
		return;
	}
	if (e != MELDUNG_OK) {
		db_fail(r);
		return;
	}
	audit(&r->who, einreichen ? "meldung_eingereicht" : "meldung_entwurf", v->entwurf->aktenzeichen,
	      formular_info[v->f].key);
	gespeichert(r, v->entwurf->aktenzeichen, einreichen);
}
