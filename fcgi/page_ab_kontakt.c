/* page_ab_kontakt.c — SPEC §13 "Kontaktdaten ändern" (right "kontaktdaten"): a person's Anschrift,
 * Telefon and E-Mail. Name, birth date and everything else the Kasse owns are never editable here.
 * A save is one transaction: the person (version + 1, only from the version the form was drawn
 * from: else 409 and nothing saved), one kontakt_aenderung row per changed field (old → new, who,
 * when; waiting for the Kasse until `mvctl ab aenderungen` lists it) and the access-log row. */
#include "pages.h"
#include "form.h"
#include "html.h"
#include "layout.h"
#include "response.h"
#include "db.h"
#include <stddef.h>
#include <string.h>

#define S(x) ((x) ? (x) : "")

struct kontakt_form {
	const char *strasse, *plz, *ort, *land, *telefon, *email; /* NULL: empty */
};

enum { K_STRASSE, K_PLZ, K_ORT, K_LAND, K_TELEFON, K_EMAIL, K__MAX };
static const char *const feld_key[K__MAX] = {"strasse", "plz", "ort", "land", "telefon", "email"};

/* Digits, blanks and + - / ( ) only. */
static const char *check_telefon(arena *a, const char *v)
{
	(void)a;
	return strspn(v, "0123456789 +-/()") == strlen(v) ? v : NULL;
}

/* Two letters (ISO 3166 alpha-2), kept in capitals. */
static const char *check_land(arena *a, const char *v)
{
	char *s = arena_strdup(a, v);
	str_upper_ascii(s);
	return strlen(s) == 2 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 2 ? s : NULL;
}

/* Letters, digits, blanks and '-' (a foreign postcode); DE: five digits (kontakt_check). */
static const char *check_plz(arena *a, const char *v)
{
	(void)a;
	return strspn(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -") == strlen(v) ? v : NULL;
}

static const form_field kontakt_fields[] = {
	{"strasse", "Straße und Hausnummer", FT_TEXT, FF_KEEP, 100, check_line, NULL,
	 "Die Straße darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.", "address-line1",
	 offsetof(struct kontakt_form, strasse)},
	{"plz", "PLZ", FT_TEXT, FF_KEEP, 10, check_plz, NULL,
	 "Die PLZ darf höchstens 10 Zeichen lang sein (Buchstaben, Ziffern, Leerzeichen, Bindestrich).", "postal-code",
	 offsetof(struct kontakt_form, plz)},
	{"ort", "Ort", FT_TEXT, FF_KEEP, 100, check_line, NULL,
	 "Der Ort darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.", "address-level2",
	 offsetof(struct kontakt_form, ort)},
	{"land", "Land", FT_TEXT, FF_KEEP, 2, check_land, NULL,
	 "Bitte wählen Sie ein Land aus der Liste (Ländercode mit zwei Buchstaben, z. B. DE).", "country",
	 offsetof(struct kontakt_form, land)},
	{"telefon", "Telefon", FT_TEXT, FF_KEEP, 40, check_telefon, NULL,
	 "Die Telefonnummer darf höchstens 40 Zeichen lang sein und nur Ziffern, Leerzeichen und + - / ( ) enthalten.",
	 "tel", offsetof(struct kontakt_form, telefon)},
	{"email", "E-Mail-Adresse", FT_EMAIL, FF_KEEP, 254, check_email, NULL,
	 "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@beispiel.de).", "email",
	 offsetof(struct kontakt_form, email)},
};

static const char plz_de_msg[] = "Bitte geben Sie für Deutschland eine PLZ aus genau fünf Ziffern ein.";
static const char conflict_msg[] =
	"Die Kontaktdaten dieser Person wurden in der Zwischenzeit geändert. Ihre Änderungen wurden nicht gespeichert. "
	"Bitte prüfen Sie die aktuellen Daten und geben Sie Ihre Änderungen erneut ein.";
static const char version_msg[] = "Das Formular ist unvollständig. Bitte laden Sie die Seite neu.";

/* The countries the select offers (code, German name); any other stored code is offered too. */
static const char *const laender[][2] = {
	{"DE", "Deutschland"}, {"AT", "Österreich"}, {"BE", "Belgien"}, {"CH", "Schweiz"}, {"CZ", "Tschechien"},
	{"DK", "Dänemark"}, {"ES", "Spanien"}, {"FR", "Frankreich"}, {"GB", "Vereinigtes Königreich"},
	{"GR", "Griechenland"}, {"HR", "Kroatien"}, {"IT", "Italien"}, {"LU", "Luxemburg"}, {"NL", "Niederlande"},
	{"PL", "Polen"}, {"PT", "Portugal"}, {"SE", "Schweden"}, {"TR", "Türkei"}, {"US", "Vereinigte Staaten"},
};

struct kontakt_view {
	const ab_person *p;
	const struct kontakt_form *in; /* what is shown in the fields */
	long long version;             /* the version the form carries */
};

static void land_select(req *r, sbuf *b, const char *value)
{
	const char *err = form_error_for(r, "land");
	const char *land = value && *value ? value : "DE";
	h_printf(b, "<div class=\"field%s\"><label for=\"f-land\">Land</label><select id=\"f-land\" name=\"land\" "
		    "autocomplete=\"country\"",
		 err ? " has-error" : "");
	if (err)
		h_raw(b, " aria-invalid=\"true\" aria-describedby=\"f-land-fehler\"");
	h_raw(b, ">");
	bool shown = false;
	for (size_t i = 0; i < ARRAY_LEN(laender); i++) {
		bool sel = strcmp(land, laender[i][0]) == 0;
		shown |= sel;
		h_printf(b, "<option value=\"%s\"%s>%s (%s)</option>", laender[i][0], sel ? " selected" : "", laender[i][1],
			 laender[i][0]);
	}
	if (!shown)
		h_printf(b, "<option value=\"%s\" selected>%s</option>", land, land);
	h_raw(b, "</select>");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-land-fehler\">%s</p>", err);
	h_raw(b, "</div>");
}

static void kontakt_html(req *r, sbuf *b, const void *view)
{
	const struct kontakt_view *v = view;
	h_printf(b, "<div class=\"card narrow\"><h1>Kontaktdaten ändern</h1><p class=\"lead\">%s %s (Nr. %s)</p>"
		    "<p>Name, Geburtsdatum und alle übrigen Daten führt die Kasse; sie können hier nicht geändert werden. "
		    "Jede Änderung wird mit altem und neuem Wert gespeichert und der Kasse übermittelt.</p>",
		 S(v->p->vorname), S(v->p->name), S(v->p->nr));
	form_open(r, b, url_printf(r->a, "/anspruchsberechtigte/%s/kontaktdaten", S(v->p->nr)), false);
	h_printf(b, "<input type=\"hidden\" name=\"version\" value=\"%lld\">", v->version);
	form_fields(r, b, kontakt_fields, K_LAND, v->in);
	land_select(r, b, v->in->land);
	form_fields(r, b, kontakt_fields + K_TELEFON, K__MAX - K_TELEFON, v->in);
	h_printf(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"%s\">Abbrechen</a>"
		    "<button type=\"submit\" class=\"btn\">Speichern</button></div>",
		 url_printf(r->a, "/anspruchsberechtigte/%s", S(v->p->nr)));
	form_close(b);
	h_raw(b, "</div>");
}

static void kontakt_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct kontakt_view *v = view;
	cJSON_AddStringToObject(o, "nr", S(v->p->nr));
	for (size_t i = 0; i < K__MAX; i++) {
		const char *val = form_value(&kontakt_fields[i], v->in);
		cJSON_AddItemToObject(o, feld_key[i], val ? cJSON_CreateString(val) : cJSON_CreateNull());
	}
	cJSON_AddNumberToObject(o, "version", (double)v->version);
}

static const page_kind kontakt_page = {"Kontaktdaten ändern", kontakt_html, kontakt_json, NULL};

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

/* The contact as stored, as the form has it: empty is NULL, no land is DE (the default). */
static struct kontakt_form stored_form(const ab_person *p)
{
	return (struct kontakt_form){nz(p->strasse), nz(p->plz), nz(p->ort), nz(p->land) ? p->land : "DE",
				     nz(p->telefon), nz(p->email)};
}

void ab_kontakt_get(req *r)
{
	ab_person *p = ab_from_path(r);
	if (!p)
		return;
	if (ab_zugriff(r, p->nr, "ansehen") != 0) { /* the form shows the person's data: a view */
		db_fail(r);
		return;
	}
	struct kontakt_form cur = stored_form(p);
	page_render(r, 200, &kontakt_page, &(struct kontakt_view){p, &cur, p->version});
}

/* ---- save ---- */

enum kontakt_outcome { K_SAVED, K_UNCHANGED, K_CONFLICT, K_GONE };

struct kontakt_ctx {
	req *r;
	const char *nr;
	const struct kontakt_form *f;
	long long version;
	enum kontakt_outcome outcome;
	ab_person fresh; /* as stored when the transaction ran */
};

static int change_rows(struct kontakt_ctx *c, const struct kontakt_form *old, const char *wer_name)
{
	req *r = c->r;
	for (size_t i = 0; i < K__MAX; i++) {
		const char *a = form_value(&kontakt_fields[i], old), *n = form_value(&kontakt_fields[i], c->f);
		if (str_eq(a, n))
			continue;
		if (db_exec("INSERT INTO kontakt_aenderung (person_id, at, wer, wer_name, feld, alt, neu) "
			    "VALUES (?, NOW(), ?, ?, ?, ?, ?)",
			    DBARGS(DI(c->fresh.id), DS(r->me->kennung), DS(wer_name), DS(feld_key[i]), DSZ(a), DSZ(n)), NULL,
			    NULL) != 0)
			return DB_TX_FAIL;
	}
	return 0;
}

static bool form_differs(const struct kontakt_form *a, const struct kontakt_form *b)
{
	for (size_t i = 0; i < K__MAX; i++)
		if (!str_eq(form_value(&kontakt_fields[i], a), form_value(&kontakt_fields[i], b)))
			return true;
	return false;
}

static int kontakt_tx(void *p)
{
	struct kontakt_ctx *c = p;
	req *r = c->r;
	enum ab_found found = ab_person_load(r, c->nr, true, &c->fresh);
	if (found != AB_FOUND) {
		c->outcome = K_GONE;
		return found == AB_DB_ERROR ? DB_TX_FAIL : 1;
	}
	if (c->fresh.version != c->version) {
		c->outcome = K_CONFLICT;
		return 1;
	}
	struct kontakt_form old = stored_form(&c->fresh);
	if (!form_differs(&old, c->f)) {
		c->outcome = K_UNCHANGED;
		return 1;
	}
	const struct kontakt_form *f = c->f;
	unsigned long long n = 0;
	if (db_exec("UPDATE person SET strasse = ?, plz = ?, ort = ?, land = ?, telefon = ?, email = ?, "
		    "version = version + 1 WHERE id = ? AND version = ?",
		    DBARGS(DSZ(f->strasse), DSZ(f->plz), DSZ(f->ort), DSZ(f->land), DSZ(f->telefon), DSZ(f->email),
			   DI(c->fresh.id), DI(c->version)),
		    &n, NULL) != 0)
		return DB_TX_FAIL;
	if (n != 1) { /* cannot happen under the row lock; never a change without its rows */
		c->outcome = K_CONFLICT;
		return 1;
	}
	const char *wer_name = utf8_clip(r->a, arena_printf(r->a, "%s %s", S(r->me->vorname), S(r->me->name)), 201);
	if (change_rows(c, &old, wer_name) != 0 || ab_zugriff(r, c->nr, "aendern") != 0)
		return DB_TX_FAIL;
	c->outcome = K_SAVED;
	return 0;
}

/* Reads and checks the form; the land defaults to DE, whose PLZ has five digits. */
static size_t kontakt_read(req *r, struct kontakt_form *f, long long *version)
{
	size_t errors = form_read(r, kontakt_fields, ARRAY_LEN(kontakt_fields), f);
	if (!f->land && !form_error_for(r, "land"))
		f->land = "DE";
	if (str_eq(f->land, "DE") && f->plz && !form_error_for(r, "plz") &&
	    !(strlen(f->plz) == 5 && strspn(f->plz, "0123456789") == 5)) {
		form_error(r, "plz", plz_de_msg);
		errors++;
	}
	const char *vs = form_get(r, "version");
	if (!vs || parse_int(vs, 0, 1LL << 32, version) != 0) {
		form_error(r, "_", version_msg);
		errors++;
	}
	return errors;
}

void ab_kontakt_post(req *r)
{
	ab_person *p = ab_from_path(r);
	if (!p)
		return;
	struct kontakt_form f;
	long long version = p->version;
	if (kontakt_read(r, &f, &version)) {
		page_render(r, 422, &kontakt_page, &(struct kontakt_view){p, &f, version});
		return;
	}
	struct kontakt_ctx c = {.r = r, .nr = p->nr, .f = &f, .version = version};
	if (db_tx(kontakt_tx, &c) < 0) {
		db_fail(r);
		return;
	}
	switch (c.outcome) {
	case K_SAVED:
	case K_UNCHANGED:
		redirect(r, url_printf(r->a, "/anspruchsberechtigte/%s?ok=%s", p->nr,
				       c.outcome == K_SAVED ? "gespeichert" : "unveraendert"));
		return;
	case K_CONFLICT: { /* the values stored now, with their version */
		form_error(r, "_", conflict_msg);
		struct kontakt_form cur = stored_form(&c.fresh);
		page_render(r, 409, &kontakt_page, &(struct kontakt_view){&c.fresh, &cur, c.fresh.version});
		return;
	}
	case K_GONE:
		page_error(r, 404, ab_not_found_msg);
		return;
	}
}
