/* page_ab.c — SPEC §13 for Sachbearbeiter with the right "anspruchsberechtigte": the list of the
 * organisation's Anspruchsberechtigte (filters matching anywhere, folded; paging) and a person's
 * page (Stammdaten, Anschrift und Kontakt, Dienstverhältnis or Versorgung, the Lebenslauf as a
 * table and a time line with the ruhegehaltfähige Dienstzeit, the contact changes).
 * Every view of a person is a row of ab_zugriff before the page is sent (DOMAIN.md §5): no row,
 * no page. Another organisation's person is not found, exactly like an unknown number. */
#include "pages.h"
#include "ab_pos.h"
#include "config.h"
#include "dienstzeit.h"
#include "domain.h"
#include "form.h"
#include "html.h"
#include "pager.h"
#include "layout.h"
#include "response.h"
#include "db.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S(x) ((x) ? (x) : "")

const char ab_not_found_msg[] = "Die Person wurde nicht gefunden.";

static const char *const art_keys[] = {"aktiv", "ruhestand", "hinterbliebene", "ausgeschieden"};
static const char *const art_labels[] = {
	"Beamtin/Beamter im Dienst",
	"Versorgungsempfänger/in (Ruhegehalt)",
	"Hinterbliebene (Witwen-/Witwergeld, Waisengeld)",
	"ausgeschieden ohne Versorgung (nachversichert)",
};

static int art_index(const char *key)
{
	for (size_t i = 0; key && i < ARRAY_LEN(art_keys); i++)
		if (strcmp(key, art_keys[i]) == 0)
			return (int)i;
	return -1;
}

static const char *art_label(const char *key)
{
	int i = art_index(key);
	return i >= 0 ? art_labels[i] : S(key);
}

/* "JJJJ-MM-TT" → "TT.MM.JJJJ" (anything else as it is; NULL → ""). */
static const char *date_de(arena *a, const char *iso)
{
	if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-')
		return S(iso);
	char *t = arena_alloc(a, 11); /* no printf: a Lebenslauf of 40 periods formats 80 of them */
	memcpy(t, iso + 8, 2);
	t[2] = '.';
	memcpy(t + 3, iso + 5, 2);
	t[5] = '.';
	memcpy(t + 6, iso, 4);
	return t;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A date as the database gives it ("JJJJ-MM-TT") as a day number, without sscanf; anything else
 * through parse_date_days. */
static bool db_date_days(const char *s, long *days)
{
	if (s && strlen(s) == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4) && digits(s + 5, 2) && digits(s + 8, 2)) {
		int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
		long n = date_days(y, m, d);
		int cy, cm, cd;
		date_civil(n, &cy, &cm, &cd);
		if (y >= 1 && cy == y && cm == m && cd == d) { /* a real day (what the database gives) */
			*days = n;
			return true;
		}
	}
	return parse_date_days(S(s), days);
}

/* A person number as the Kasse gives them: 1 to 20 of A–Z, 0–9, '-'. */
static bool nr_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= 20 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

/* ---------- the person as stored (shared with page_ab_kontakt.c) ---------- */

enum ab_col { C_ID, C_VERSION, C_NR, C_ART, C_NAME, C_VORNAME, C_GEBURTSNAME, C_TITEL, C_GEBURTSDATUM, C_FAMILIENSTAND,
	      C_FAMILIENSTAND_SEIT, C_STRASSE, C_PLZ, C_ORT, C_LAND, C_TELEFON, C_EMAIL, C_VERHAELTNIS, C_AMT, C_BESGR,
	      C_STUFE, C_STUNDEN, C_REGELSTUNDEN, C_EINTRITT, C_RUHESTAND, C_VERS_ART, C_VERS_BEGINN, C_BEZUG_NR };

#define AB_COLUMNS                                                                                                     \
	"id, version, nr, art, name, vorname, geburtsname, titel, geburtsdatum, familienstand, "                \
	"familienstand_seit, strasse, plz, ort, land, telefon, email, dienst_verhaeltnis, dienst_amtsbezeichnung, "     \
	"dienst_besoldungsgruppe, dienst_stufe, dienst_stunden, dienst_regelstunden, dienst_eintritt, "                \
	"dienst_ruhestand_voraussichtlich, versorgung_art, versorgung_beginn, versorgung_bezug_nr FROM person "

static void person_at(const db_res *res, ab_person *p)
{
	*p = (ab_person){
		.id = db_int(res, 0, C_ID), .version = db_int(res, 0, C_VERSION), .nr = db_str(res, 0, C_NR),
		.art = db_str(res, 0, C_ART), .name = db_str(res, 0, C_NAME), .vorname = db_str(res, 0, C_VORNAME),
		.geburtsname = db_str(res, 0, C_GEBURTSNAME), .titel = db_str(res, 0, C_TITEL),
		.geburtsdatum = db_str(res, 0, C_GEBURTSDATUM), .familienstand = db_str(res, 0, C_FAMILIENSTAND),
		.familienstand_seit = db_str(res, 0, C_FAMILIENSTAND_SEIT), .strasse = db_str(res, 0, C_STRASSE),
		.plz = db_str(res, 0, C_PLZ), .ort = db_str(res, 0, C_ORT), .land = db_str(res, 0, C_LAND),
		.telefon = db_str(res, 0, C_TELEFON), .email = db_str(res, 0, C_EMAIL),
		.verhaeltnis = db_str(res, 0, C_VERHAELTNIS), .amtsbezeichnung = db_str(res, 0, C_AMT),
		.besoldungsgruppe = db_str(res, 0, C_BESGR), .stufe = db_str(res, 0, C_STUFE),
		.stunden = db_str(res, 0, C_STUNDEN), .regelstunden = db_str(res, 0, C_REGELSTUNDEN),
		.eintritt = db_str(res, 0, C_EINTRITT), .ruhestand = db_str(res, 0, C_RUHESTAND),
		.versorgung_art = db_str(res, 0, C_VERS_ART), .versorgung_beginn = db_str(res, 0, C_VERS_BEGINN),
		.bezug_nr = db_str(res, 0, C_BEZUG_NR),
	};
}

/* The person nr of organisation org_id. */
static enum ab_found person_load_org(req *r, long long org_id, const char *nr, bool lock, ab_person *out)
{
	if (!nr_ok(nr)) /* never a statement for what cannot be a number (the column is ASCII) */
		return AB_NONE;
	db_res *res = lock ? db_query(r->a, "SELECT " AB_COLUMNS "WHERE nr = ? AND org_id = ? FOR UPDATE",
				      DBARGS(DS(nr), DI(org_id)))
			   : db_query(r->a, "SELECT " AB_COLUMNS "WHERE nr = ? AND org_id = ?", DBARGS(DS(nr), DI(org_id)));
	if (!res)
		return AB_DB_ERROR;
	if (res->nrows != 1)
		return AB_NONE;
	person_at(res, out);
	return AB_FOUND;
}

enum ab_found ab_person_load(req *r, const char *nr, bool lock, ab_person *out)
{
	return person_load_org(r, r->me->org_id, nr, lock, out);
}

ab_person *ab_from_path(req *r)
{
	ab_person *p = arena_alloc(r->a, sizeof *p);
	switch (ab_person_load(r, r->path_arg, false, p)) {
	case AB_FOUND: return p;
	case AB_NONE: page_error(r, 404, ab_not_found_msg); return NULL;
	case AB_DB_ERROR: db_fail(r); return NULL;
	}
	return NULL;
}

/* A row of the access log for a person of organisation org_id (the Kasse's views name the person's
 * organisation, so the organisation's and the portal administrator's Protokoll show them). */
static int zugriff_org(req *r, long long org_id, const char *nr, const char *aktion)
{
	const char *wer_name = utf8_clip(r->a, arena_printf(r->a, "%s %s", S(r->me->vorname), S(r->me->name)), 201);
	return db_exec("INSERT INTO ab_zugriff (at, org_id, wer, wer_name, person_nr, aktion, remote) "
		       "VALUES (NOW(), ?, ?, ?, ?, ?, ?)",
		       DBARGS(DI(org_id), DS(r->me->kennung), DS(wer_name), DS(nr), DS(aktion),
			      DSZ(r->remote ? utf8_clip(r->a, r->remote, 64) : NULL)),
		       NULL, NULL);
}

int ab_zugriff(req *r, const char *nr, const char *aktion)
{
	return zugriff_org(r, r->me->org_id, nr, aktion);
}

/* ---------- the list ---------- */

#define PAGE_SIZE_MAX 100 /* the largest of pager_sizes */

struct ab_filter {
	const char *name, *vorname, *nr, *geburtsdatum, *art; /* as typed; NULL if empty */
	const char *pro_seite, *seite;
};

enum { F_NAME, F_VORNAME, F_NR, F_GEBURTSDATUM, F_ART, FILTERS_SHOWN };
static const form_field list_fields[] = {
	{"name", "Name", FT_TEXT, FF_KEEP, 100, NULL, NULL, "Der Name darf höchstens 100 Zeichen lang sein.", NULL,
	 offsetof(struct ab_filter, name)},
	{"vorname", "Vorname", FT_TEXT, FF_KEEP, 100, NULL, NULL, "Der Vorname darf höchstens 100 Zeichen lang sein.",
	 NULL, offsetof(struct ab_filter, vorname)},
	{"nr", "Nr.", FT_TEXT, FF_KEEP, 20, NULL, NULL,
	 "Die Nr. besteht aus höchstens 20 Buchstaben, Ziffern und Bindestrichen.", NULL, offsetof(struct ab_filter, nr)},
	{"geburtsdatum", "Geburtsdatum", FT_DATE, FF_KEEP, 10, check_date, NULL,
	 "Bitte geben Sie das Geburtsdatum im Format TT.MM.JJJJ ein.", NULL, offsetof(struct ab_filter, geburtsdatum)},
	{"art", "Art", FT_TEXT, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct ab_filter, art)},
	{"pro_seite", "Elemente pro Seite", FT_NUMERIC, FF_KEEP, 0, NULL, NULL, NULL, NULL,
	 offsetof(struct ab_filter, pro_seite)},
	{"seite", "Seite", FT_NUMERIC, FF_KEEP, 0, NULL, NULL, NULL, NULL, offsetof(struct ab_filter, seite)},
};

struct ab_row {
	const char *nr, *name, *vorname, *geburtsdatum, *art;
};

struct list_view {
	const struct ab_filter *in;
	long long org_id;       /* the user's organisation, or the one of the Kasse's PNR filter */
	const char *kasse_pnr;  /* the Kasse's view: the organisation's PNR (NULL: none chosen yet) */
	const char *kasse_org;  /* its name */
	bool kasse;
	const char *nr_upper; /* the Nr. filter in capitals, or NULL */
	long long total, page, pages, size;
	size_t n;
	struct ab_row rows[PAGE_SIZE_MAX];
};

/* Name and Vorname match anywhere in the folded keys (such_name, such_vorname: str_match_key, as
 * for accounts), Nr. anywhere in the number, Geburtsdatum and Art exactly. An empty filter is a
 * constant the optimiser removes. */
#define AB_WHERE                                                                                                       \
	"p.org_id = ? AND (? = '' OR p.such_name LIKE ?) AND (? = '' OR p.such_vorname LIKE ?) "                     \
	"AND (? = '' OR p.nr LIKE ?) AND (? IS NULL OR p.geburtsdatum = ?) AND (? = '' OR p.art = ?)"
enum { AB_PARAMS = 11 };

/* The candidates of a name filter of three characters or more: the persons holding every trigram
 * asked for, from person_such's postings (as many as there are hits, however large the
 * organisation); else the organisation's entries of the covering index ix_person_org_list. */
#define AB_GRAMS                                                                                                       \
	"(SELECT s.person_id FROM JSON_TABLE(?, '$[*]' COLUMNS (g VARCHAR(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin " \
	"PATH '$')) q STRAIGHT_JOIN person_such s ON s.org_id = ? AND s.gram = q.g GROUP BY s.person_id "             \
	"HAVING COUNT(*) = ?) c STRAIGHT_JOIN person p ON p.id = c.person_id"
enum { GRAM_PARAMS = 3 };
#define AB_SCAN "person p FORCE INDEX (ix_person_org_list)"

struct list_query {
	db_param p[GRAM_PARAMS + AB_PARAMS + 2];
	size_t np;
	bool grams, unfiltered;
	bool anker; /* unfiltered and the organisation's anchors valid (ab_pos.h) */
};

static long long name_grams(req *r, cJSON *arr, const char *f, char tag)
{
	char g[FILTER_GRAMS][TRIGRAM_BYTES];
	size_t n = filter_grams_pick(r->a, f, tag, NULL, g);
	for (size_t k = 0; k < n; k++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(g[k]));
	return (long long)n;
}

static void list_where(req *r, struct list_view *v, struct list_query *q)
{
	const struct ab_filter *in = v->in;
	const char *fn = str_fold(r->a, in->name), *fv = str_fold(r->a, in->vorname), *nr = S(v->nr_upper);
	const char *art = S(in->art);
	q->unfiltered = !*fn && !*fv && !*nr && !in->geburtsdatum && !*art;
	cJSON *arr = cJSON_CreateArray();
	long long n = name_grams(r, arr, fn, 'n') + name_grams(r, arr, fv, 'v');
	char *json = cJSON_PrintUnformatted(arr);
	q->p[0] = DS(arena_strdup(r->a, json ? json : "[]"));
	free(json);
	cJSON_Delete(arr);
	q->p[1] = DI(v->org_id);
	q->p[2] = DI(n);
	q->grams = n > 0;
	size_t at = q->grams ? GRAM_PARAMS : 0;
	db_param where[AB_PARAMS] = {
		DI(v->org_id), DS(fn), DS(sql_like_anywhere(r->a, fn)), DS(fv), DS(sql_like_anywhere(r->a, fv)),
		DS(nr), DS(sql_like_anywhere(r->a, nr)), DSZ(in->geburtsdatum), DSZ(in->geburtsdatum), DS(art), DS(art),
	};
	memcpy(q->p + at, where, sizeof where);
	q->np = at + AB_PARAMS;
}

static int list_count(req *r, long long org_id, struct list_query *q, long long *total)
{
	db_res *cnt;
	if (q->unfiltered) /* kept by the import: never a count over the organisation */
		cnt = db_query(r->a, "SELECT o.ab_anzahl, s.gueltig FROM organisation o LEFT JOIN ab_pos_stand s ON s.org_id = o.id "
			       "WHERE o.id = ?",
			       DBARGS(DI(org_id)));
	else if (q->grams)
		cnt = db_query(r->a, "SELECT COUNT(*) FROM " AB_GRAMS " WHERE " AB_WHERE, q->p, q->np);
	else
		cnt = db_query(r->a, "SELECT COUNT(*) FROM " AB_SCAN " WHERE " AB_WHERE, q->p, q->np);
	if (!cnt || cnt->nrows != 1)
		return -1;
	*total = db_int(cnt, 0, 0);
	q->anker = q->unfiltered && db_int(cnt, 0, 1) == 1;
	return 0;
}

#define AB_ROWS_AFTER " WHERE " AB_WHERE " ORDER BY p.name, p.vorname, p.nr LIMIT ? OFFSET ?"

/* An unfiltered page from the anchor before it (ab_pos.h): the index range starts at the anchor's
 * (name, vorname, nr) — the flag row and the anchor are constants for the optimiser — and
 * skips fewer than AB_ANKER_ABSTAND entries. The statement itself checks that the anchors are
 * valid, in its own snapshot; NULL (or no rows) means: take the OFFSET path. */
static db_res *list_rows_anker(req *r, const struct list_view *v)
{
	long long offset = (v->page - 1) * v->size, anker = offset / AB_ANKER_ABSTAND * AB_ANKER_ABSTAND;
	db_res *res = db_query(
		r->a,
		"SELECT p.nr, p.name, p.vorname, p.geburtsdatum, p.art FROM ab_pos_stand s "
		"JOIN ab_anker a ON a.org_id = s.org_id AND a.pos = ? "
		"JOIN person p FORCE INDEX (ix_person_org_list) ON p.org_id = s.org_id AND (p.name > a.name OR "
		"(p.name = a.name AND (p.vorname > a.vorname OR (p.vorname = a.vorname AND p.nr >= a.nr)))) "
		"WHERE s.org_id = ? AND s.gueltig = 1 ORDER BY p.name, p.vorname, p.nr LIMIT ? OFFSET ?",
		DBARGS(DI(anker + 1), DI(v->org_id), DI(v->size), DI(offset - anker)));
	return res && res->nrows ? res : NULL;
}

static int list_rows(req *r, struct list_query *q, struct list_view *v)
{
	q->p[q->np] = DI(v->size);
	q->p[q->np + 1] = DI((v->page - 1) * v->size);
	db_res *res = q->anker && (v->page - 1) * v->size >= AB_ANKER_ABSTAND ? list_rows_anker(r, v) : NULL;
	if (!res)
		res = q->grams ? db_query(r->a, "SELECT p.nr, p.name, p.vorname, p.geburtsdatum, p.art FROM " AB_GRAMS
						AB_ROWS_AFTER, q->p, q->np + 2)
			       : db_query(r->a, "SELECT p.nr, p.name, p.vorname, p.geburtsdatum, p.art FROM " AB_SCAN
						AB_ROWS_AFTER, q->p, q->np + 2);
	if (!res)
		return -1;
	for (size_t i = 0; i < res->nrows && v->n < PAGE_SIZE_MAX; i++)
		v->rows[v->n++] = (struct ab_row){db_str(res, i, 0), db_str(res, i, 1), db_str(res, i, 2), db_str(res, i, 3),
						  db_str(res, i, 4)};
	return 0;
}

/* Checks the filters that can be wrong (recorded at their field); 0, or the number of errors. */
static size_t list_check(req *r, struct list_view *v)
{
	size_t errors = r->nerrors;
	if (v->in->nr) {
		char *nr = arena_strdup(r->a, v->in->nr);
		str_upper_ascii(nr);
		if (nr_ok(nr))
			v->nr_upper = nr;
		else
			form_error(r, "nr", list_fields[F_NR].invalid);
	}
	if (v->in->art && art_index(v->in->art) < 0)
		form_error(r, "art", "Bitte wählen Sie eine Art aus der Liste.");
	return errors;
}

static int list_load(req *r, struct list_view *v)
{
	struct list_query q;
	list_where(r, v, &q);
	v->size = pager_size(v->in->pro_seite);
	if (list_count(r, v->org_id, &q, &v->total) != 0)
		return -1;
	v->pages = pager_pages(v->total, v->size);
	v->page = pager_page(v->in->seite);
	if (v->page > v->pages)
		v->page = v->pages;
	return v->total ? list_rows(r, &q, v) : 0;
}

/* ---- list: rendering ---- */

static const char *list_base(const struct list_view *v)
{
	return v->kasse ? "/kasse/anspruchsberechtigte" : "/anspruchsberechtigte";
}

static const form_field pnr_field = {"pnr", "PNR der Organisation*", FT_TEXT, FF_KEEP, 20, NULL, NULL, NULL, NULL, 0};

static void list_filter_html(req *r, sbuf *b, const struct list_view *v)
{
	h_printf(b, "<form class=\"filter\" method=\"get\" action=\"%s\" role=\"search\" "
		    "aria-label=\"Anspruchsberechtigte filtern\"><div class=\"field-row\">",
		 list_base(v));
	if (v->kasse)
		filter_input(r, b, &pnr_field, form_get(r, "pnr"));
	for (size_t i = F_NAME; i <= F_GEBURTSDATUM; i++)
		filter_input(r, b, &list_fields[i], form_value(&list_fields[i], v->in));
	const char *art = v->in->art, *err = form_error_for(r, "art");
	h_printf(b, "<div class=\"field%s\"><label for=\"filter-art\">Art</label><select id=\"filter-art\" name=\"art\"",
		 err ? " has-error" : "");
	if (err)
		h_raw(b, " aria-invalid=\"true\" aria-describedby=\"filter-art-fehler\"");
	h_printf(b, "><option value=\"\"%s>Alle</option>", art ? "" : " selected");
	for (size_t i = 0; i < ARRAY_LEN(art_keys); i++)
		h_printf(b, "<option value=\"%s\"%s>%s</option>", art_keys[i], str_eq(art, art_keys[i]) ? " selected" : "",
			 art_labels[i]);
	h_raw(b, "</select>");
	if (err)
		h_printf(b, "<p class=\"error\" id=\"filter-art-fehler\">%s</p>", err);
	h_printf(b, "</div><input type=\"hidden\" name=\"pro_seite\" value=\"%lld\"></div><div class=\"actions left\">"
		    "<button type=\"submit\" class=\"btn\">Filtern</button>"
		    "<a class=\"btn secondary\" href=\"%s\">Filter zurücksetzen</a></div></form>",
		 v->size, list_base(v));
}

static void list_table_html(req *r, sbuf *b, const struct list_view *v)
{
	table_open(b, "Anspruchsberechtigte", "ab-liste", TABLE_COLS("Name", "Vorname", "Nr.", "Geburtsdatum", "Art"));
	for (size_t i = 0; i < v->n; i++) {
		const struct ab_row *row = &v->rows[i];
		h_printf(b, "<tr><td><a href=\"%s\">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
			 v->kasse ? url_printf(r->a, "/kasse/anspruchsberechtigte/%s:%s", S(v->kasse_pnr), S(row->nr))
				  : url_printf(r->a, "/anspruchsberechtigte/%s", S(row->nr)),
			 S(row->name), S(row->vorname), S(row->nr),
			 date_de(r->a, row->geburtsdatum), art_label(row->art));
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"5\">Keine Anspruchsberechtigten gefunden.</td></tr>");
	table_close(b);
}

static const char *list_page_url(req *r, const void *view, long long page)
{
	const struct list_view *v = view;
	const struct ab_filter *in = v->in;
	if (v->kasse)
		return url_printf(r->a, "/kasse/anspruchsberechtigte?pnr=%s&name=%s&vorname=%s&nr=%s&geburtsdatum=%s&art=%s"
					"&seite=%lld&pro_seite=%lld",
				  S(v->kasse_pnr), S(in->name), S(in->vorname), S(in->nr), S(in->geburtsdatum), S(in->art), page,
				  v->size);
	return url_printf(r->a, "/anspruchsberechtigte?name=%s&vorname=%s&nr=%s&geburtsdatum=%s&art=%s&seite=%lld"
				"&pro_seite=%lld",
			  S(in->name), S(in->vorname), S(in->nr), S(in->geburtsdatum), S(in->art), page, v->size);
}

/* The filters (and the Kasse's PNR) as hidden fields of the "Elemente pro Seite" form. */
static void list_hidden_html(req *r, sbuf *b, const void *view)
{
	(void)r;
	const struct list_view *v = view;
	if (v->kasse)
		h_printf(b, "<input type=\"hidden\" name=\"pnr\" value=\"%s\">", S(v->kasse_pnr));
	form_hidden_fields(b, list_fields, FILTERS_SHOWN, v->in);
}

static void list_html(req *r, sbuf *b, const void *view)
{
	const struct list_view *v = view;
	if (!v->kasse)
		h_raw(b, "<div class=\"card ab\"><h1>Anspruchsberechtigte</h1><p class=\"lead\">Die Anspruchsberechtigten Ihrer "
			 "Organisation, wie die Kasse sie führt. Name und Vorname werden überall im Wort gefunden, ohne "
			 "Rücksicht auf Groß- und Kleinschreibung und Umlaute.</p>");
	else if (v->kasse_org)
		h_printf(b, "<div class=\"card ab\"><h1>Anspruchsberechtigte</h1><p class=\"lead\">Die Anspruchsberechtigten "
			    "von %s (PNR: %s), nur zum Lesen. Name und Vorname werden überall im Wort gefunden, ohne Rücksicht "
			    "auf Groß- und Kleinschreibung und Umlaute.</p>",
			 v->kasse_org, S(v->kasse_pnr));
	else
		h_raw(b, "<div class=\"card ab\"><h1>Anspruchsberechtigte</h1><p class=\"lead\">Die Anspruchsberechtigten "
			 "aller Organisationen, nur zum Lesen. Bitte geben Sie die PNR der Organisation an.</p>");
	list_filter_html(r, b, v);
	if (v->kasse && !v->kasse_org) {
		h_raw(b, "</div>");
		return;
	}
	list_table_html(r, b, v);
	pager_html(r, b, &(pager){.page = v->page, .size = v->size, .total = v->total, .shown = v->n,
				  .action = list_base(v), .hidden = list_hidden_html, .url = list_page_url, .view = v});
	h_raw(b, "</div>");
}

static void list_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct list_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "treffer");
	for (size_t i = 0; i < v->n; i++) {
		const struct ab_row *row = &v->rows[i];
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "nr", S(row->nr));
		cJSON_AddStringToObject(t, "name", S(row->name));
		cJSON_AddStringToObject(t, "vorname", S(row->vorname));
		cJSON_AddStringToObject(t, "geburtsdatum", S(row->geburtsdatum));
		cJSON_AddStringToObject(t, "art", S(row->art));
		cJSON_AddItemToArray(arr, t);
	}
	cJSON_AddNumberToObject(o, "gesamt", (double)v->total);
	cJSON_AddNumberToObject(o, "seite", (double)v->page);
	if (v->kasse && v->kasse_org) {
		cJSON *org = cJSON_AddObjectToObject(o, "organisation");
		cJSON_AddStringToObject(org, "pnr", S(v->kasse_pnr));
		cJSON_AddStringToObject(org, "name", v->kasse_org);
	} else if (v->kasse)
		cJSON_AddNullToObject(o, "organisation");
}

static const page_kind list_page = {"Anspruchsberechtigte", list_html, list_json, NULL};

void ab_list(req *r)
{
	struct ab_filter in;
	form_read(r, list_fields, ARRAY_LEN(list_fields), &in);
	struct list_view *v = arena_alloc(r->a, sizeof *v);
	v->in = &in;
	v->org_id = r->me->org_id;
	v->size = pager_size(in.pro_seite);
	v->page = v->pages = 1;
	list_check(r, v);
	if (r->nerrors) { /* a bad date or Nr.: the message at its field, no rows */
		page_render(r, 422, &list_page, v);
		return;
	}
	if (list_load(r, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &list_page, v);
}

/* The organisation of the Kasse with this PNR: its id (0: none) and name. -1 on a db error. */
static int kasse_org(req *r, const char *pnr, long long *id, const char **name)
{
	*id = 0;
	if (!pnr || !*pnr || strlen(pnr) > 20)
		return 0;
	db_res *o = db_query(r->a, "SELECT id, name FROM organisation WHERE kasse = ? AND pnr = ?",
			     DBARGS(DS(cfg.kasse_nummer), DS(pnr)));
	if (!o)
		return -1;
	if (o->nrows == 1) {
		*id = db_int(o, 0, 0);
		*name = db_str(o, 0, 1);
	}
	return 0;
}

/* GET /kasse/anspruchsberechtigte: the list of the organisation of ?pnr= (SPEC §15), read-only: the
 * organisations' own list with its filters, anchors and counts; without a PNR only the filter. */
void kasse_ab_list(req *r)
{
	struct ab_filter in;
	form_read(r, list_fields, ARRAY_LEN(list_fields), &in);
	struct list_view *v = arena_alloc(r->a, sizeof *v);
	*v = (struct list_view){.in = &in, .kasse = true, .size = pager_size(in.pro_seite), .page = 1, .pages = 1};
	const char *pnr = form_get(r, "pnr");
	if (kasse_org(r, pnr, &v->org_id, &v->kasse_org) != 0) {
		db_fail(r);
		return;
	}
	if (pnr && !v->org_id)
		form_error(r, "pnr", "Eine Organisation mit dieser PNR gibt es nicht.");
	v->kasse_pnr = v->org_id ? pnr : NULL;
	list_check(r, v);
	if (r->nerrors) {
		page_render(r, 422, &list_page, v);
		return;
	}
	if (v->org_id && list_load(r, v) != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &list_page, v);
}

/* ---------- the person's page ---------- */

struct ab_periode {
	const char *beginn, *ende, *zeitart, *stunden, *regelstunden, *dienstherr, *anerkennung;
	struct periode p;
	struct periode_ergebnis e;
};

struct ab_aenderung {
	const char *at, *wer, *wer_name, *feld, *alt, *neu, *gelistet_am;
};

#define AENDERUNGEN_SHOWN 100

struct person_view {
	const ab_person *p;
	struct ab_periode *ll;
	size_t n;
	struct dienstzeit_summe sum;
	bool berechnet; /* the computation accepted the Lebenslauf */
	long heute;
	struct ab_aenderung *aend;
	size_t naend;
	bool darf_aendern;
	const char *notice;
	const char *kasse_pnr, *kasse_org; /* the Kasse's read-only view: the person's organisation */
};

/* A DECIMAL column's text as a number. The database's form ("30.50", "-1.5", at most 15 digits) is
 * read by hand as digits / 10^k — IEEE division rounds correctly, as strtod does, so the value is
 * the same (strtod cost 3 % of the person page: 160 numbers); anything else goes to strtod. */
static double num(const char *s)
{
	static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	if (!s)
		return 0;
	const char *p = s + (*s == '-');
	long long m = 0;
	int digits = 0, frac = -1;
	for (; *p; p++) {
		if (*p == '.' && frac < 0)
			frac = 0;
		else if (*p >= '0' && *p <= '9' && digits < 15) {
			m = m * 10 + (*p - '0');
			digits++;
			frac += frac >= 0;
		} else
			return strtod(s, NULL);
	}
	if (!digits || frac == 0)
		return strtod(s, NULL);
	double v = frac > 0 ? (double)m / pow10[frac] : (double)m;
	return *s == '-' ? -v : v;
}

/* A DECIMAL as Germans write it, without trailing zeros: "30.50" → "30,5", "41.00" → "41". */
static const char *num_de(arena *a, const char *s)
{
	char *t = arena_strdup(a, S(s)), *dot = strchr(t, '.');
	if (!dot)
		return t;
	size_t n = strlen(t);
	while (n > (size_t)(dot - t) && (t[n - 1] == '0' || t[n - 1] == '.'))
		t[--n] = '\0';
	if ((dot = strchr(t, '.')))
		*dot = ',';
	return t;
}

static const char *umfang_text(arena *a, const char *stunden, const char *regelstunden)
{
	if (num(stunden) == num(regelstunden))
		return "voll";
	const char *st = num_de(a, stunden), *rs = num_de(a, regelstunden);
	size_t n1 = strlen(st), n2 = strlen(rs);
	char *t = arena_alloc(a, n1 + n2 + 2); /* "%s/%s" without printf: one per part-time period */
	memcpy(t, st, n1);
	t[n1] = '/';
	memcpy(t + n1 + 1, rs, n2);
	return t;
}

/* A period as stored; its fields for the computation. false: something the import never lets in. */
static bool periode_at(const db_res *res, size_t i, struct ab_periode *x)
{
	*x = (struct ab_periode){.beginn = db_str(res, i, 0), .ende = db_str(res, i, 1), .zeitart = db_str(res, i, 2),
				 .stunden = db_str(res, i, 3), .regelstunden = db_str(res, i, 4),
				 .dienstherr = db_str(res, i, 5), .anerkennung = db_str(res, i, 6)};
	int z = zeitart_parse(x->zeitart), an = anerkennung_parse(x->anerkennung);
	x->p.stunden = num(x->stunden);
	x->p.regelstunden = num(x->regelstunden);
	if (z < 0 || an < 0 || !db_date_days(x->beginn, &x->p.beginn))
		return false;
	x->p.art = (enum zeitart)z;
	x->p.anerkennung = (enum anerkennung)an;
	if (!x->ende)
		x->p.ende = ENDE_LAUFEND;
	else if (!db_date_days(x->ende, &x->p.ende))
		return false;
	return true;
}

static int lebenslauf_load(req *r, struct person_view *v)
{
	db_res *res = db_query(r->a, "SELECT beginn, ende, zeitart, stunden, regelstunden, dienstherr, anerkennung "
				     "FROM lebenslauf WHERE person_id = ? ORDER BY beginn, pos",
			       DBARGS(DI(v->p->id)));
	if (!res)
		return -1;
	v->ll = arena_alloc(r->a, (res->nrows + 1) * sizeof *v->ll);
	v->n = res->nrows;
	bool ok = true;
	for (size_t i = 0; i < res->nrows; i++)
		ok = periode_at(res, i, &v->ll[i]) && ok;
	long geb;
	v->heute = today_berlin((long long)time(NULL));
	if (!ok || !parse_date_days(S(v->p->geburtsdatum), &geb))
		return 0;
	struct periode *p = arena_alloc(r->a, (v->n + 1) * sizeof *p);
	struct periode_ergebnis *e = arena_alloc(r->a, (v->n + 1) * sizeof *e);
	for (size_t i = 0; i < v->n; i++)
		p[i] = v->ll[i].p;
	v->berechnet = dienstzeit_berechnen(p, v->n, geb, v->heute, e, &v->sum) == 0;
	for (size_t i = 0; v->berechnet && i < v->n; i++)
		v->ll[i].e = e[i];
	return 0;
}

static int aenderungen_load(req *r, struct person_view *v)
{
	db_res *res = db_query(r->a, "SELECT at, wer, wer_name, feld, alt, neu, gelistet_am FROM kontakt_aenderung "
				     "WHERE person_id = ? ORDER BY id DESC LIMIT " "100",
			       DBARGS(DI(v->p->id)));
	if (!res)
		return -1;
	v->aend = arena_alloc(r->a, (res->nrows + 1) * sizeof *v->aend);
	for (size_t i = 0; i < res->nrows && i < AENDERUNGEN_SHOWN; i++)
		v->aend[v->naend++] = (struct ab_aenderung){db_str(res, i, 0), db_str(res, i, 1), db_str(res, i, 2),
							    db_str(res, i, 3), db_str(res, i, 4), db_str(res, i, 5),
							    db_str(res, i, 6)};
	return 0;
}

/* ---- person: rendering ---- */

static void dl_row(sbuf *b, const char *term, const char *value)
{
	h_printf(b, "<dt>%s</dt><dd>%s</dd>", term, value && *value ? value : "–");
}

static const char *verhaeltnis_label(const char *k)
{
	static const char *const keys[] = {"widerruf", "probe", "lebenszeit", "zeit"};
	static const char *const labels[] = {"Beamtenverhältnis auf Widerruf", "Beamtenverhältnis auf Probe",
					     "Beamtenverhältnis auf Lebenszeit", "Beamtenverhältnis auf Zeit"};
	for (size_t i = 0; k && i < ARRAY_LEN(keys); i++)
		if (strcmp(k, keys[i]) == 0)
			return labels[i];
	return k;
}

static const char *versorgung_label(const char *k)
{
	return str_eq(k, "ruhegehalt") ? "Ruhegehalt" : str_eq(k, "witwengeld") ? "Witwen-/Witwergeld" :
	       str_eq(k, "waisengeld") ? "Waisengeld" : k;
}

static bool has_dienst(const ab_person *p)
{
	return p->verhaeltnis || p->amtsbezeichnung || p->besoldungsgruppe || p->stufe || p->stunden || p->eintritt ||
	       p->ruhestand;
}

static bool has_versorgung(const ab_person *p)
{
	return p->versorgung_art || p->versorgung_beginn || p->bezug_nr;
}

static void stammdaten_html(req *r, sbuf *b, const ab_person *p)
{
	h_raw(b, "<section aria-labelledby=\"h-stammdaten\"><h2 id=\"h-stammdaten\">Stammdaten</h2><dl class=\"data\">");
	dl_row(b, "Nr.", p->nr);
	dl_row(b, "Name", p->name);
	dl_row(b, "Vorname", p->vorname);
	dl_row(b, "Titel", p->titel);
	dl_row(b, "Geburtsname", p->geburtsname);
	dl_row(b, "Geburtsdatum", date_de(r->a, p->geburtsdatum));
	dl_row(b, "Familienstand", p->familienstand);
	dl_row(b, "Familienstand seit", date_de(r->a, p->familienstand_seit));
	dl_row(b, "Art", art_label(p->art));
	h_raw(b, "</dl></section>");
}

static void kontakt_html(req *r, sbuf *b, const struct person_view *v)
{
	const ab_person *p = v->p;
	h_raw(b, "<section aria-labelledby=\"h-kontakt\"><h2 id=\"h-kontakt\">Anschrift und Kontakt</h2><dl class=\"data\">");
	dl_row(b, "Straße", p->strasse);
	dl_row(b, "PLZ", p->plz);
	dl_row(b, "Ort", p->ort);
	dl_row(b, "Land", p->land);
	dl_row(b, "Telefon", p->telefon);
	dl_row(b, "E-Mail", p->email);
	h_raw(b, "</dl>");
	if (v->darf_aendern)
		h_printf(b, "<p><a class=\"btn secondary\" href=\"%s\">Kontaktdaten ändern</a></p>",
			 url_printf(r->a, "/anspruchsberechtigte/%s/kontaktdaten", p->nr));
	h_raw(b, "</section>");
}

static void dienst_html(req *r, sbuf *b, const ab_person *p)
{
	if (has_dienst(p)) {
		h_raw(b, "<section aria-labelledby=\"h-dienst\"><h2 id=\"h-dienst\">Dienstverhältnis</h2><dl class=\"data\">");
		dl_row(b, "Verhältnis", verhaeltnis_label(p->verhaeltnis));
		dl_row(b, "Amtsbezeichnung", p->amtsbezeichnung);
		dl_row(b, "Besoldungsgruppe", p->besoldungsgruppe);
		dl_row(b, "Stufe", p->stufe);
		dl_row(b, "Umfang (Stunden/Regelstunden)",
		       p->stunden && p->regelstunden ? umfang_text(r->a, p->stunden, p->regelstunden) : NULL);
		dl_row(b, "Eintritt", date_de(r->a, p->eintritt));
		dl_row(b, "Ruhestand voraussichtlich", date_de(r->a, p->ruhestand));
		h_raw(b, "</dl></section>");
	}
	if (has_versorgung(p)) {
		h_raw(b, "<section aria-labelledby=\"h-versorgung\"><h2 id=\"h-versorgung\">Versorgung</h2><dl class=\"data\">");
		dl_row(b, "Art der Versorgung", versorgung_label(p->versorgung_art));
		dl_row(b, "Beginn", date_de(r->a, p->versorgung_beginn));
		if (p->bezug_nr)
			dl_row(b, "Nr. der verstorbenen Person", p->bezug_nr);
		h_raw(b, "</dl></section>");
	}
}

static const char *tage_text(arena *a, const struct ab_periode *x, bool berechnet)
{
	if (x->e.offen || x->p.anerkennung == AN_OFFEN)
		return anerkennung_offen_hinweis;
	if (!berechnet)
		return "–";
	char t[DZ_ZAHL_MAX];
	dienstzeit_format_tage(x->e.rgf_hundertstel, t);
	return arena_strdup(a, t);
}

static const char *anerkennung_label(enum anerkennung an)
{
	return an == AN_GESETZLICH ? "gesetzlich" : an == AN_ENTSCHIEDEN ? "entschieden (Kasse)" : "offen";
}

static void lebenslauf_table_html(req *r, sbuf *b, const struct person_view *v)
{
	table_open(b, "Lebenslauf", "lebenslauf",
		   TABLE_COLS("Beginn", "Ende", "Zeitart", "Umfang", "Dienstherr", "Anerkennung", "ruhegehaltfähige Tage"));
	for (size_t i = 0; i < v->n; i++) {
		const struct ab_periode *x = &v->ll[i];
		int z = zeitart_parse(x->zeitart);
		h_printf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s",
			 date_de(r->a, x->beginn), x->ende ? date_de(r->a, x->ende) : "laufend",
			 z >= 0 ? zeitart_info[z].bezeichnung : S(x->zeitart), umfang_text(r->a, x->stunden, x->regelstunden),
			 S(x->dienstherr), anerkennung_label(x->p.anerkennung), tage_text(r->a, x, v->berechnet));
		if (v->berechnet && x->e.gekappt)
			h_raw(b, " <span class=\"cap-mark\">(gekappt: Höchstgrenze der Zeitart erreicht)</span>");
		h_raw(b, "</td></tr>");
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"7\">Kein Lebenslauf übermittelt.</td></tr>");
	table_close(b);
}

/* ---- the time line: an SVG beside the table, drawn with attributes and classes only (the CSP
 * forbids inline styles); the table above it is what assistive technology reads. ---- */

enum { TL_W = 600, TL_LEFT = 10, TL_RIGHT = 590, TL_BASE = 80, TL_FULL = 60, TL_H = 110 };

static long tl_x(long day, long d0, long d1)
{
	return TL_LEFT + (long)((double)(day - d0) * (TL_RIGHT - TL_LEFT) / (double)(d1 - d0));
}

static void timeline_axis(sbuf *b, int y0, int y1, long d0, long d1)
{
	int years = y1 - y0, step = years <= 6 ? 1 : years <= 12 ? 2 : years <= 30 ? 5 : 10;
	h_printf(b, "<line class=\"tl-axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/><path class=\"tl-tick\" d=\"", TL_LEFT,
		 TL_BASE, TL_RIGHT, TL_BASE);
	for (int y = y0; y <= y1; y++) /* all ticks in one path: a few bytes per year */
		h_printf(b, "M%ld %dv%d", tl_x(date_days(y, 1, 1), d0, d1), TL_BASE, y % step ? 4 : 8);
	h_raw(b, "\"/>");
	for (int y = y0; y < y1; y++) {
		bool label = y == y0 || (y % step == 0 && y - y0 >= (step + 1) / 2); /* the first year, then every step */
		if (label)
			h_printf(b, "<text class=\"tl-year\" x=\"%ld\" y=\"%d\">%d</text>", tl_x(date_days(y, 1, 1), d0, d1) + 2,
				 TL_BASE + 26, y);
	}
}

static void timeline_html(sbuf *b, const struct person_view *v)
{
	if (!v->n)
		return;
	long first = v->ll[0].p.beginn, last = first;
	for (size_t i = 0; i < v->n; i++) {
		long end = v->ll[i].p.ende == ENDE_LAUFEND ? v->heute : v->ll[i].p.ende;
		first = v->ll[i].p.beginn < first ? v->ll[i].p.beginn : first;
		last = end > last ? end : last;
	}
	int y0, y1, m, d;
	date_civil(first, &y0, &m, &d);
	date_civil(last, &y1, &m, &d);
	y1++;
	long d0 = date_days(y0, 1, 1), d1 = date_days(y1, 1, 1);
	h_printf(b, "<figure class=\"timeline\"><svg role=\"img\" aria-label=\"Zeitleiste: die Zeiten der Tabelle oben als "
		    "Balken über die Jahre\" viewBox=\"0 0 %d %d\" width=\"100%%\" preserveAspectRatio=\"xMinYMin meet\">"
		    "<title>Zeitleiste: die Zeiten der Tabelle oben als Balken über die Jahre</title>",
		 TL_W, TL_H);
	for (size_t i = 0; i < v->n; i++) {
		const struct ab_periode *x = &v->ll[i];
		long end = x->p.ende == ENDE_LAUFEND ? v->heute : x->p.ende;
		if (end < x->p.beginn)
			continue;
		long xa = tl_x(x->p.beginn, d0, d1), xb = tl_x(end + 1, d0, d1);
		double share = x->p.regelstunden > 0 ? x->p.stunden / x->p.regelstunden : 1;
		long h = (long)(TL_FULL * (share > 1 ? 1 : share) + 0.5);
		h = h < 4 ? 4 : h;
		const char *cls = x->p.anerkennung == AN_OFFEN ? "tl-bar tl-offen" :
				  zeitart_info[x->p.art].faktor_zaehler == 0 ? "tl-bar tl-null" : "tl-bar";
		h_printf(b, "<rect class=\"%s\" x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"%ld\"/>", cls, xa, TL_BASE - h,
			 xb - xa > 1 ? xb - xa - 1 : 1, h);
	}
	timeline_axis(b, y0, y1, d0, d1);
	h_raw(b, "</svg><figcaption>Zeitleiste zur Tabelle: ein Balken je Zeitraum; die Höhe zeigt den Umfang (Teilzeit "
		 "niedriger), Lücken sind Zeiten ohne Eintrag; hell: zählt nicht (Faktor 0); gestrichelt: noch nicht "
		 "entschieden.</figcaption></figure>");
}

static void lebenslauf_html(req *r, sbuf *b, const struct person_view *v)
{
	h_raw(b, "<section aria-labelledby=\"h-lebenslauf\"><h2 id=\"h-lebenslauf\">Lebenslauf</h2>");
	lebenslauf_table_html(r, b, v);
	timeline_html(b, v);
	if (v->berechnet) {
		char jahre[DZ_ZAHL_MAX], satz[DZ_ZAHL_MAX];
		dienstzeit_format_jahre(v->sum.jahre_hundertstel, jahre);
		dienstzeit_format_satz(v->sum.satz_hundertstel, satz);
		h_printf(b, "<dl class=\"data\"><dt>Ruhegehaltfähige Dienstzeit</dt><dd>%s Jahre</dd>"
			    "<dt>Voraussichtlicher Ruhegehaltssatz</dt><dd>%s</dd></dl>",
			 jahre, satz);
		if (v->sum.offen)
			h_raw(b, "<p class=\"hint\">Zeiten, über die noch nicht entschieden ist, zählen hier noch nicht mit.</p>");
	} else if (v->n)
		h_raw(b, "<p class=\"hint\">Aus diesen Daten kann die Dienstzeit nicht berechnet werden.</p>");
	h_printf(b, "<p class=\"hint\"><strong>Hinweis:</strong> %s.</p></section>", dienstzeit_hinweis);
}

static const char *feld_label(const char *feld)
{
	static const char *const keys[] = {"strasse", "plz", "ort", "land", "telefon", "email"};
	static const char *const labels[] = {"Straße", "PLZ", "Ort", "Land", "Telefon", "E-Mail"};
	for (size_t i = 0; feld && i < ARRAY_LEN(keys); i++)
		if (strcmp(feld, keys[i]) == 0)
			return labels[i];
	return S(feld);
}

static void aenderungen_html(req *r, sbuf *b, const struct person_view *v)
{
	h_raw(b, "<section aria-labelledby=\"h-aenderungen\"><h2 id=\"h-aenderungen\">Änderungen</h2>");
	if (!v->naend) {
		h_raw(b, "<p>Keine Änderungen der Kontaktdaten im Portal.</p></section>");
		return;
	}
	table_open(b, "Änderungen", NULL,
		   TABLE_COLS("Datum/Uhrzeit", "Feld", "alt → neu", "geändert von", "an die Kasse"));
	for (size_t i = 0; i < v->naend; i++) {
		const struct ab_aenderung *c = &v->aend[i];
		h_printf(b, "<tr><td>%s</td><td>%s</td><td>%s → %s</td><td>%s (%s)</td><td>", time_de(r->a, c->at, TIME_MINUTES),
			 feld_label(c->feld), c->alt ? c->alt : "(leer)", c->neu ? c->neu : "(leer)", S(c->wer_name), S(c->wer));
		if (c->gelistet_am)
			h_printf(b, "an die Kasse übermittelt am %s", time_de(r->a, c->gelistet_am, TIME_MINUTES));
		else
			h_raw(b, "noch nicht an die Kasse übermittelt");
		h_raw(b, "</td></tr>");
	}
	table_close(b);
	h_raw(b, "</section>");
}

static void person_html(req *r, sbuf *b, const void *view)
{
	const struct person_view *v = view;
	h_printf(b, "<div class=\"card ab\"><p><a href=\"%s\">Zurück zur Übersicht</a></p><h1>%s %s</h1>",
		 v->kasse_pnr ? url_printf(r->a, "/kasse/anspruchsberechtigte?pnr=%s", v->kasse_pnr) : "/anspruchsberechtigte",
		 S(v->p->vorname), S(v->p->name));
	if (v->kasse_pnr)
		h_printf(b, "<p class=\"lead\">%s (PNR: %s) – nur zum Lesen</p>", S(v->kasse_org), v->kasse_pnr);
	if (v->notice)
		alert_box(b, "success", v->notice);
	stammdaten_html(r, b, v->p);
	kontakt_html(r, b, v);
	dienst_html(r, b, v->p);
	if (str_eq(v->p->art, "aktiv"))
		lebenslauf_html(r, b, v);
	aenderungen_html(r, b, v);
	h_raw(b, "</div>");
}

/* ---- person: JSON ---- */

static void json_str(cJSON *o, const char *key, const char *s)
{
	cJSON_AddItemToObject(o, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static cJSON *umfang_json(const char *stunden, const char *regelstunden)
{
	cJSON *u = cJSON_CreateArray();
	cJSON_AddItemToArray(u, cJSON_CreateNumber(num(stunden)));
	cJSON_AddItemToArray(u, cJSON_CreateNumber(num(regelstunden)));
	return u;
}

static void dienst_json(cJSON *o, const ab_person *p)
{
	if (!has_dienst(p)) {
		cJSON_AddNullToObject(o, "dienst");
		return;
	}
	cJSON *d = cJSON_AddObjectToObject(o, "dienst");
	json_str(d, "verhaeltnis", p->verhaeltnis);
	json_str(d, "amtsbezeichnung", p->amtsbezeichnung);
	json_str(d, "besoldungsgruppe", p->besoldungsgruppe);
	cJSON_AddItemToObject(d, "stufe", p->stufe ? cJSON_CreateNumber(num(p->stufe)) : cJSON_CreateNull());
	cJSON_AddItemToObject(d, "umfang", p->stunden && p->regelstunden ? umfang_json(p->stunden, p->regelstunden) :
									   cJSON_CreateNull());
	json_str(d, "eintritt", p->eintritt);
	json_str(d, "ruhestand_voraussichtlich", p->ruhestand);
}

static void versorgung_json(cJSON *o, const ab_person *p)
{
	if (!has_versorgung(p)) {
		cJSON_AddNullToObject(o, "versorgung");
		return;
	}
	cJSON *d = cJSON_AddObjectToObject(o, "versorgung");
	json_str(d, "art", p->versorgung_art);
	json_str(d, "beginn", p->versorgung_beginn);
	json_str(d, "bezug_nr", p->bezug_nr);
}

static void lebenslauf_json(cJSON *o, const struct person_view *v, bool aktiv)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "lebenslauf");
	for (size_t i = 0; aktiv && i < v->n; i++) {
		const struct ab_periode *x = &v->ll[i];
		int z = zeitart_parse(x->zeitart);
		cJSON *e = cJSON_CreateObject();
		json_str(e, "beginn", x->beginn);
		json_str(e, "ende", x->ende);
		json_str(e, "zeitart", x->zeitart);
		json_str(e, "bezeichnung", z >= 0 ? zeitart_info[z].bezeichnung : NULL);
		cJSON_AddItemToObject(e, "umfang", umfang_json(x->stunden, x->regelstunden));
		bool known = v->berechnet && x->p.anerkennung != AN_OFFEN; /* offen: not yet decided */
		cJSON_AddItemToObject(e, "ruhegehaltfaehige_tage",
				      known ? cJSON_CreateNumber((double)x->e.rgf_hundertstel / 100) : cJSON_CreateNull());
		cJSON_AddItemToArray(arr, e);
	}
	bool sum = aktiv && v->berechnet;
	cJSON_AddItemToObject(o, "ruhegehaltfaehige_dienstzeit_jahre",
			      sum ? cJSON_CreateNumber((double)v->sum.jahre_hundertstel / 100) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "ruhegehaltssatz_prozent",
			      sum ? cJSON_CreateNumber((double)v->sum.satz_hundertstel / 100) : cJSON_CreateNull());
}

static void aenderungen_json(cJSON *o, const struct person_view *v)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "aenderungen");
	for (size_t i = 0; i < v->naend; i++) {
		const struct ab_aenderung *c = &v->aend[i];
		cJSON *e = cJSON_CreateObject();
		json_str(e, "zeit_utc", c->at);
		json_str(e, "feld", c->feld);
		json_str(e, "alt", c->alt);
		json_str(e, "neu", c->neu);
		json_str(e, "wer", c->wer);
		json_str(e, "wer_name", c->wer_name);
		json_str(e, "gelistet_am_utc", c->gelistet_am);
		cJSON_AddItemToArray(arr, e);
	}
}

static void person_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct person_view *v = view;
	const ab_person *p = v->p;
	json_str(o, "nr", p->nr);
	json_str(o, "art", p->art);
	json_str(o, "name", p->name);
	json_str(o, "vorname", p->vorname);
	json_str(o, "geburtsdatum", p->geburtsdatum);
	cJSON *a = cJSON_AddObjectToObject(o, "anschrift");
	json_str(a, "strasse", p->strasse);
	json_str(a, "plz", p->plz);
	json_str(a, "ort", p->ort);
	json_str(a, "land", p->land);
	json_str(o, "telefon", p->telefon);
	json_str(o, "email", p->email);
	dienst_json(o, p);
	versorgung_json(o, p);
	lebenslauf_json(o, v, str_eq(p->art, "aktiv"));
	json_str(o, "hinweis", dienstzeit_hinweis);
	cJSON_AddNumberToObject(o, "version", (double)p->version);
	aenderungen_json(o, v);
	if (v->kasse_pnr) {
		cJSON *org = cJSON_AddObjectToObject(o, "organisation");
		cJSON_AddStringToObject(org, "pnr", v->kasse_pnr);
		cJSON_AddStringToObject(org, "name", S(v->kasse_org));
	}
}

static const page_kind person_page = {"Anspruchsberechtigte Person", person_html, person_json, NULL};

static const char *person_notice(req *r)
{
	const char *ok = form_get(r, "ok");
	if (str_eq(ok, "gespeichert"))
		return "Die Kontaktdaten wurden gespeichert. Die Änderungen werden der Kasse übermittelt.";
	if (str_eq(ok, "unveraendert"))
		return "Keine Änderungen: Die Kontaktdaten waren bereits so gespeichert.";
	return NULL;
}

void ab_show(req *r)
{
	ab_person *p = ab_from_path(r);
	if (!p)
		return;
	struct person_view *v = arena_alloc(r->a, sizeof *v);
	*v = (struct person_view){.p = p, .darf_aendern = (r->me->rechte & 1u << R_KONTAKTDATEN) != 0,
				  .notice = person_notice(r)};
	if ((str_eq(p->art, "aktiv") && lebenslauf_load(r, v) != 0) || aenderungen_load(r, v) != 0 ||
	    ab_zugriff(r, p->nr, "ansehen") != 0) { /* no view without its row in the access log */
		db_fail(r);
		return;
	}
	page_render(r, 200, &person_page, v);
}

/* GET /kasse/anspruchsberechtigte/{pnr}:{nr}: a person of any organisation of the Kasse, read-only
 * (no "Kontaktdaten ändern"); the view is a row of the access log of the person's organisation with
 * the K account's Nutzerkennung, before the page is sent. */
void kasse_ab_show(req *r)
{
	const char *arg = r->path_arg ? r->path_arg : "", *colon = strchr(arg, ':');
	long long org_id = 0;
	const char *org_name = NULL, *pnr = colon ? arena_strndup(r->a, arg, (size_t)(colon - arg)) : NULL;
	ab_person *p = arena_alloc(r->a, sizeof *p);
	enum ab_found f = AB_NONE;
	if (kasse_org(r, pnr, &org_id, &org_name) != 0)
		f = AB_DB_ERROR;
	else if (org_id)
		f = person_load_org(r, org_id, colon + 1, false, p);
	if (f != AB_FOUND) {
		if (f == AB_DB_ERROR)
			db_fail(r);
		else
			page_error(r, 404, ab_not_found_msg);
		return;
	}
	struct person_view *v = arena_alloc(r->a, sizeof *v);
	*v = (struct person_view){.p = p, .kasse_pnr = pnr, .kasse_org = org_name};
	if ((str_eq(p->art, "aktiv") && lebenslauf_load(r, v) != 0) || aenderungen_load(r, v) != 0 ||
	    zugriff_org(r, org_id, p->nr, "ansehen") != 0) {
		db_fail(r);
		return;
	}
	page_render(r, 200, &person_page, v);
}
