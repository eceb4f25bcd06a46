/* unit_meldung.c — the Beamtenformulare tables, their validator and the status graph
 * (fcgi/meldung.c); included by unit_tests.c (CHECK, passed, failed come from there). */
#include "meldung.h"

/* The form f checked with values given as "key=value" pairs (NULL-terminated), as of heute. */
static size_t pruefe(int f, const char *const *paare, size_t anlagen, const char *heute, bool entwurf,
		     struct formular_pruefung *out)
{
	static char kopie[FORMULAR_FELDER_MAX][64];
	const char *werte[FORMULAR_FELDER_MAX] = {0};
	for (size_t i = 0; paare[i]; i++) {
		const char *eq = strchr(paare[i], '=');
		char key[32];
		snprintf(key, sizeof key, "%.*s", (int)(eq - paare[i]), paare[i]);
		int k = formular_feld_index(f, key);
		if (k < 0) {
			fprintf(stderr, "no field %s\n", key);
			continue;
		}
		snprintf(kopie[k], sizeof kopie[k], "%s", eq + 1);
		werte[k] = kopie[k];
	}
	long h = 0;
	parse_date_days(heute, &h);
	return formular_pruefen(f, werte, anlagen, h, entwurf, out);
}

/* The message at feld, or NULL. */
static const char *fehler_bei(const struct formular_pruefung *p, const char *feld)
{
	for (size_t i = 0; i < p->nfehler; i++)
		if (strcmp(p->fehler[i].feld, feld) == 0)
			return p->fehler[i].text;
	return NULL;
}

static void test_meldung_status(void)
{
	CHECK(meldung_status_parse("rueckfrage") == MS_RUECKFRAGE && meldung_status_parse("Rueckfrage") == -1);
	CHECK(strcmp(meldung_status_label[MS_IN_BEARBEITUNG], "In Bearbeitung") == 0);
	/* every pair and side: exactly the eight moves of SPEC §14 */
	int erlaubt = 0;
	for (int von = 0; von < MELDUNG_STATUS__MAX; von++)
		for (int nach = 0; nach < MELDUNG_STATUS__MAX; nach++)
			for (int w = 0; w < 2; w++)
				erlaubt += meldung_uebergang(von, nach, (enum meldung_seite)w);
	CHECK(erlaubt == 8);
	CHECK(meldung_uebergang(MS_ENTWURF, MS_EINGEREICHT, SEITE_ORGANISATION));
	CHECK(!meldung_uebergang(MS_ENTWURF, MS_EINGEREICHT, SEITE_KASSE));
	CHECK(meldung_uebergang(MS_EINGEREICHT, MS_ZURUECKGEZOGEN, SEITE_ORGANISATION));
	CHECK(!meldung_uebergang(MS_IN_BEARBEITUNG, MS_ZURUECKGEZOGEN, SEITE_ORGANISATION));
	CHECK(meldung_uebergang(MS_RUECKFRAGE, MS_EINGEREICHT, SEITE_ORGANISATION));
	CHECK(!meldung_uebergang(MS_RUECKFRAGE, MS_ERLEDIGT, SEITE_KASSE));
	CHECK(meldung_uebergang(MS_IN_BEARBEITUNG, MS_ABGELEHNT, SEITE_KASSE));
	CHECK(!meldung_uebergang(MS_ERLEDIGT, MS_IN_BEARBEITUNG, SEITE_KASSE));
	CHECK(meldung_abgeschlossen(MS_ZURUECKGEZOGEN) && !meldung_abgeschlossen(MS_RUECKFRAGE));
}

static void test_meldung_tables(void)
{
	CHECK(formular_parse("versorgungsauskunft") == F_VERSORGUNGSAUSKUNFT && formular_parse("x") == -1);
	for (int f = 0; f < FORMULAR__MAX; f++) {
		const struct formular_info *fi = &formular_info[f];
		CHECK(fi->nfelder > 0 && fi->nfelder <= FORMULAR_FELDER_MAX);
		for (size_t i = 0; i < fi->nfelder; i++) {
			const struct formular_feld *fe = &fi->felder[i];
			CHECK(fe->key && fe->label && formular_feld_index(f, fe->key) == (int)i);
			CHECK((fe->typ == FELD_AUSWAHL) == (fe->werte != NULL));
			/* a conditional requirement names a field of the same form */
			CHECK(!fe->pflicht.wenn_feld || formular_feld_index(f, fe->pflicht.wenn_feld) >= 0);
		}
	}
	CHECK(besoldung_ordnung("A2") == 'A' && besoldung_ordnung("A16") == 'A' && besoldung_ordnung("A1") == 0);
	CHECK(besoldung_ordnung("A17") == 0 && besoldung_ordnung("B11") == 'B' && besoldung_ordnung("B12") == 0);
	CHECK(besoldung_ordnung("W3") == 'W' && besoldung_ordnung("W4") == 0 && besoldung_ordnung("R10") == 'R');
	CHECK(besoldung_ordnung("A02") == 0 && besoldung_ordnung("a5") == 0 && besoldung_ordnung("A") == 0);
	CHECK(besoldung_ordnung("C3") == 0 && besoldung_ordnung("A5 ") == 0 && besoldung_ordnung("") == 0);
	const struct formular_feld *art = &formular_info[F_ABGANG].felder[0];
	CHECK(strcmp(formular_wert_label(art, "tod"), "Tod") == 0 && strcmp(formular_wert_label(art, "x"), "x") == 0);
}

static void test_meldung_umfang(void)
{
	struct formular_pruefung p;
	const int f = F_BESCHAEFTIGUNGSUMFANG;
	const char *ok[] = {"art=teilzeit", "wirksam_ab=01.08.2027", "stunden=20,5", "regelstunden=41", NULL};
	CHECK(pruefe(f, ok, 1, "2026-12-03", false, &p) == 0);
	CHECK(strcmp(p.werte[0], "teilzeit") == 0 && strcmp(p.werte[1], "2027-08-01") == 0 && strcmp(p.werte[3], "20.5") == 0);
	CHECK(pruefe(f, ok, 0, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "anlage"));
	const char *zu_viel[] = {"art=teilzeit", "wirksam_ab=2027-08-01", "stunden=41", "regelstunden=41", NULL};
	CHECK(pruefe(f, zu_viel, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "stunden"));
	const char *null[] = {"art=teilzeit", "wirksam_ab=2027-08-01", "stunden=0", "regelstunden=41", NULL};
	CHECK(pruefe(f, null, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "stunden"));
	const char *voll[] = {"art=vollzeit", "wirksam_ab=2027-08-01", "stunden=41,00", "regelstunden=41", NULL};
	CHECK(pruefe(f, voll, 1, "2026-12-03", false, &p) == 0);
	const char *voll_nicht[] = {"art=vollzeit", "wirksam_ab=2027-08-01", "stunden=30", "regelstunden=41", NULL};
	CHECK(pruefe(f, voll_nicht, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "stunden"));
	const char *rueckwaerts[] = {"art=teilzeit", "wirksam_ab=2027-08-01", "bis=2027-07-31", "stunden=20",
				     "regelstunden=41", NULL};
	CHECK(pruefe(f, rueckwaerts, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "bis"));
	const char *typen[] = {"art=halbtags", "wirksam_ab=31.02.2027", "stunden=20,555", "regelstunden=4x", NULL};
	CHECK(pruefe(f, typen, 1, "2026-12-03", false, &p) == 4 && fehler_bei(&p, "art") && fehler_bei(&p, "wirksam_ab"));
	CHECK(fehler_bei(&p, "stunden") && fehler_bei(&p, "regelstunden"));
	const char *leer[] = {NULL};
	CHECK(pruefe(f, leer, 0, "2026-12-03", false, &p) == 5); /* four required fields and the Verfügung */
	CHECK(pruefe(f, leer, 0, "2026-12-03", true, &p) == 0); /* a draft may be empty */
	CHECK(pruefe(f, typen, 0, "2026-12-03", true, &p) == 4); /* but what it holds has its type */
	const char *grenzen[] = {"stunden=100", "regelstunden=.5", NULL};
	CHECK(pruefe(f, grenzen, 0, "2026-12-03", true, &p) == 2);
}

static void test_meldung_beurlaubung(void)
{
	struct formular_pruefung p;
	const int f = F_BEURLAUBUNG;
	/* a child born 2020-03-15: Elternzeit may last up to 2028-03-14 */
	const char *ok[] = {"art=elternzeit", "beginn=2026-01-01", "ende=2028-03-14", "kind_geburtsdatum=15.03.2020", NULL};
	CHECK(pruefe(f, ok, 1, "2026-12-03", false, &p) == 0);
	const char *zu_lang[] = {"art=elternzeit", "beginn=2026-01-01", "ende=2028-03-15", "kind_geburtsdatum=2020-03-15",
				 NULL};
	CHECK(pruefe(f, zu_lang, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "ende"));
	const char *ohne_kind[] = {"art=elternzeit", "beginn=2026-01-01", "ende=2027-01-01", NULL};
	CHECK(pruefe(f, ohne_kind, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "kind_geburtsdatum"));
	const char *vor_geburt[] = {"art=elternzeit", "beginn=2020-03-14", "ende=2021-01-01", "kind_geburtsdatum=2020-03-15",
				    NULL};
	CHECK(pruefe(f, vor_geburt, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "beginn"));
	const char *urlaub[] = {"art=ohne_bezuege", "beginn=2027-01-01", "ende=2027-12-31", NULL};
	CHECK(pruefe(f, urlaub, 1, "2026-12-03", false, &p) == 0);
	const char *urlaub_kind[] = {"art=ohne_bezuege", "beginn=2027-01-01", "ende=2027-12-31",
				     "kind_geburtsdatum=2020-03-15", NULL};
	CHECK(pruefe(f, urlaub_kind, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "kind_geburtsdatum"));
	const char *rueckwaerts[] = {"art=oeffentliches_interesse", "beginn=2027-01-01", "ende=2026-12-31", NULL};
	CHECK(pruefe(f, rueckwaerts, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "ende"));
	/* born on 29 February 2020: the 8th birthday is 29 February 2028 (a leap year again) */
	const char *schalt[] = {"art=elternzeit", "beginn=2020-03-01", "ende=2028-02-28", "kind_geburtsdatum=2020-02-29", NULL};
	CHECK(pruefe(f, schalt, 1, "2026-12-03", false, &p) == 0);
	const char *schalt2[] = {"art=elternzeit", "beginn=2020-03-01", "ende=2028-02-29", "kind_geburtsdatum=2020-02-29",
				 NULL};
	CHECK(pruefe(f, schalt2, 1, "2026-12-03", false, &p) == 1);
}

static void test_meldung_ernennung_abgang(void)
{
	struct formular_pruefung p;
	const char *a[] = {"anlass=befoerderung", "wirksam_ab=2027-01-01", "amtsbezeichnung=Stadtamtsrätin",
			   "besoldungsgruppe=A12", "stufe=5", NULL};
	CHECK(pruefe(F_ERNENNUNG, a, 1, "2026-12-03", false, &p) == 0);
	const char *a_ohne[] = {"anlass=befoerderung", "wirksam_ab=2027-01-01", "amtsbezeichnung=Stadtamtsrätin",
				"besoldungsgruppe=R2", NULL};
	CHECK(pruefe(F_ERNENNUNG, a_ohne, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "stufe"));
	const char *b_mit[] = {"anlass=befoerderung", "wirksam_ab=2027-01-01", "amtsbezeichnung=Beigeordneter",
			       "besoldungsgruppe=B3", "stufe=2", NULL};
	CHECK(pruefe(F_ERNENNUNG, b_mit, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "stufe"));
	const char *w[] = {"anlass=lebenszeit", "wirksam_ab=2027-01-01", "amtsbezeichnung=Professorin",
			   "besoldungsgruppe=W2", NULL};
	CHECK(pruefe(F_ERNENNUNG, w, 0, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "anlage")); /* the Urkunde */
	CHECK(strstr(fehler_bei(&p, "anlage"), "Urkunde") != NULL);
	const char *stufe9[] = {"stufe=9", "amtsbezeichnung=a\tb", NULL};
	CHECK(pruefe(F_ERNENNUNG, stufe9, 0, "2026-12-03", true, &p) == 2);

	const char *tod[] = {"art=tod", "wirksam_ab=2026-11-30", NULL};
	CHECK(pruefe(F_ABGANG, tod, 0, "2026-12-03", false, &p) == 0); /* no Verfügung needed */
	const char *vers[] = {"art=versetzung", "wirksam_ab=2027-01-01", NULL};
	CHECK(pruefe(F_ABGANG, vers, 0, "2026-12-03", false, &p) == 2 && fehler_bei(&p, "neuer_dienstherr"));
	CHECK(fehler_bei(&p, "anlage") != NULL);
	const char *abord[] = {"art=abordnung", "wirksam_ab=2027-01-01", "bis=2026-12-31", "neuer_dienstherr=Land NRW", NULL};
	CHECK(pruefe(F_ABGANG, abord, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "bis"));
	const char *entl_bis[] = {"art=entlassung", "wirksam_ab=2027-01-01", "bis=2027-12-31", NULL};
	CHECK(pruefe(F_ABGANG, entl_bis, 1, "2026-12-03", false, &p) == 1 && fehler_bei(&p, "bis"));
}

static void test_meldung_versorgung(void)
{
	struct formular_pruefung p;
	const char *bald[] = {"grund=altersgrenze", "beginn=2027-03-02", "dienstunfall=nein", NULL};
	CHECK(pruefe(F_VERSORGUNGSFALL, bald, 1, "2026-12-03", false, &p) == 0 && p.nhinweise == 1);
	CHECK(strstr(p.hinweise[0].text, "bitte frühzeitig melden") && strcmp(p.hinweise[0].feld, "beginn") == 0);
	const char *frueh[] = {"grund=altersgrenze", "beginn=2027-03-03", "dienstunfall=nein", NULL};
	CHECK(pruefe(F_VERSORGUNGSFALL, frueh, 1, "2026-12-03", false, &p) == 0 && p.nhinweise == 0);
	/* 30 November + 3 months: there is no 30 February, so everything before 2 March (2027) is short */
	const char *feb[] = {"grund=antrag", "beginn=2027-03-01", "dienstunfall=ja", NULL};
	CHECK(pruefe(F_VERSORGUNGSFALL, feb, 1, "2026-11-30", false, &p) == 0 && p.nhinweise == 1);
	const char *ohne[] = {"grund=antrag", "beginn=2027-06-01", NULL};
	CHECK(pruefe(F_VERSORGUNGSFALL, ohne, 0, "2026-12-03", false, &p) == 2 && fehler_bei(&p, "dienstunfall"));
	const char *auskunft[] = {"variante=dienstunfaehigkeit", "anlass=55plus", NULL};
	CHECK(pruefe(F_VERSORGUNGSAUSKUNFT, auskunft, 0, "2026-12-03", false, &p) == 0); /* no document required */
	const char *falsch[] = {"variante=altersgrenze", "anlass=60plus", "stichtag=2027-13-01", NULL};
	CHECK(pruefe(F_VERSORGUNGSAUSKUNFT, falsch, 0, "2026-12-03", false, &p) == 2);
}

static void test_meldung(void)
{
	test_meldung_status();
	test_meldung_tables();
	test_meldung_umfang();
	test_meldung_beurlaubung();
	test_meldung_ernennung_abgang();
	test_meldung_versorgung();
}
