"""Anspruchsberechtigte in the browser (issue 12 items 2–6, SPEC §13, DOMAIN.md §1, §2, §5): the list
with its filters and paging, the person's page with the Lebenslauf and the ruhegehaltfähige Dienstzeit,
"Kontaktdaten ändern", the rights, the isolation of organisations and the access log.

Persons are inserted with SQL as the importer (`mvctl ab import`) writes them: such_name/such_vorname
are str_match_key of the names, person_such the trigrams of those keys behind the tags 'n' and 'v'
(as for accounts, fcgi/access.c); the names used here need only ASCII and ä ö ü ß folding."""

import html as htmllib
import re

import mv
import users_lib as U

ART_LABEL = {
    "aktiv": "Beamtin/Beamter im Dienst",
    "ruhestand": "Versorgungsempfänger/in (Ruhegehalt)",
    "hinterbliebene": "Hinterbliebene (Witwen-/Witwergeld, Waisengeld)",
    "ausgeschieden": "ausgeschieden ohne Versorgung (nachversichert)",
}
HINWEIS = "unverbindlich — maßgeblich ist die Festsetzung durch die Kasse"
NOT_FOUND = "Die Person wurde nicht gefunden."
DATE_MSG = "Bitte geben Sie das Geburtsdatum im Format TT.MM.JJJJ ein."
CONFLICT = ("Die Kontaktdaten dieser Person wurden in der Zwischenzeit geändert. Ihre Änderungen wurden nicht "
            "gespeichert. Bitte prüfen Sie die aktuellen Daten und geben Sie Ihre Änderungen erneut ein.")
PERSON_KEYS = {"nr", "art", "name", "vorname", "geburtsdatum", "anschrift", "telefon", "email", "dienst", "versorgung",
               "lebenslauf", "ruhegehaltfaehige_dienstzeit_jahre", "ruhegehaltssatz_prozent", "hinweis", "version",
               "aenderungen", "csrf"}


# ---------------------------------------------------------------- fixtures (SQL as the importer writes)

def _fold(s, umlaut):
    s = s.lower()
    for a, b in (("ä", umlaut[0]), ("ö", umlaut[1]), ("ü", umlaut[2]), ("ß", "ss")):
        s = s.replace(a, b)
    return s


def match_key(s):
    """str_match_key for ASCII and ä ö ü ß: the folded form, and the one with ä ö ü → a o u if it differs."""
    a, b = _fold(s, ("ae", "oe", "ue")), _fold(s, ("a", "o", "u"))
    return a if a == b else a + "\x1f" + b


def trigrams(key, tag):
    out = []
    for part in key.split("\x1f"):
        for i in range(len(part) - 2):
            g = tag + part[i:i + 3]
            if g not in out:
                out.append(g)
    return out


def q(v):
    """An SQL literal (NULL for None); \\x1f as CHAR(31)."""
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return str(v)
    parts = str(v).replace("\\", "\\\\").replace("'", "''").split("\x1f")
    lit = ", CHAR(31 USING utf8mb4), ".join(f"'{p}'" for p in parts)
    return f"CONCAT({lit})" if len(parts) > 1 else lit


def org_id(pnr):
    return int(mv.db(f"SELECT id FROM organisation WHERE pnr = '{pnr}'")[0][0])


def add_person(pnr, name, vorname, art="aktiv", geburtsdatum="1975-04-12", nr=None, lebenslauf=(), **cols):
    """Inserts a person (and its Lebenslauf: (beginn, ende, zeitart, stunden, regelstunden, anerkennung[, dienstherr]))
    of organisation pnr, with keys and trigrams; keeps organisation.ab_anzahl. Returns the nr."""
    nr = nr or f"T-{mv.uid()}"[:20]
    oid = org_id(pnr)
    kn, kv = match_key(name), match_key(vorname)
    c = {"org_id": oid, "nr": nr, "art": art, "name": name, "vorname": vorname, "geburtsdatum": geburtsdatum,
         "such_name": kn, "such_vorname": kv}
    c.update(cols)
    names = ", ".join(c) + ", inhalt"
    values = ", ".join(q(v) for v in c.values()) + ", RANDOM_BYTES(16)"
    mv.db(f"INSERT INTO person ({names}) VALUES ({values})")
    pid = int(mv.db(f"SELECT id FROM person WHERE nr = '{nr}'")[0][0])
    grams = trigrams(kn, "n") + trigrams(kv, "v")
    if grams:
        mv.db("INSERT INTO person_such (org_id, gram, person_id) VALUES " +
              ", ".join(f"({oid}, {q(g)}, {pid})" for g in grams))
    for pos, p in enumerate(lebenslauf):
        beginn, ende, zeitart, stunden, regel, anerkennung = p[:6]
        dienstherr = p[6] if len(p) > 6 else "Stadt Münster"
        mv.db("INSERT INTO lebenslauf (person_id, pos, beginn, ende, zeitart, stunden, regelstunden, dienstherr, "
              f"anerkennung) VALUES ({pid}, {pos}, {q(beginn)}, {q(ende)}, {q(zeitart)}, {stunden}, {regel}, "
              f"{q(dienstherr)}, {q(anerkennung)})")
    mv.db(f"UPDATE organisation SET ab_anzahl = (SELECT COUNT(*) FROM person WHERE org_id = {oid}) WHERE id = {oid}")
    return nr


WORKED_EXAMPLE = [  # DOMAIN.md §2
    ("2001-08-01", "2010-07-31", "BEAMT", 41, 41, "gesetzlich"),
    ("2010-08-01", "2015-07-31", "BEAMT", 30, 41, "gesetzlich"),
    ("2015-08-01", "2016-07-31", "EZ", 1, 1, "gesetzlich"),
]


def sb_session(client, rechte):
    s = U.activate(U.create(client, "Sina", f"Sachbearb{mv.uid()}", rechte=rechte))
    return s, U.login(s)


def zugriffe(nr):
    return mv.db(f"SELECT wer, wer_name, aktion, remote FROM ab_zugriff WHERE person_nr = '{nr}' ORDER BY id")


def text_of(html):
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def list_rows(text):
    """[(nr, name, vorname, nr, geburtsdatum, art)] of the list's table."""
    return [tuple(htmllib.unescape(x) for x in m) for m in re.findall(
        r'<tr><td[^>]*><a href="/anspruchsberechtigte/([A-Z0-9-]+)">(.*?)</a></td><td[^>]*>(.*?)</td>'
        r'<td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>', text)]


class Base(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not mv.is_root():
            raise AssertionError("these tests insert persons with SQL: they need the database as root")
        cls.admin, cls.ac = U.admin_session()
        cls.pnr = cls.admin.org.pnr
        cls.sb, cls.c = sb_session(cls.ac, ["anspruchsberechtigte", "kontaktdaten"])


class ListPage(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        p = cls.pnr
        cls.mueller = add_person(p, "Müller", "Jürgen", geburtsdatum="1975-04-12")
        cls.schmidt = add_person(p, "Schmidt", "Anna", art="ruhestand", geburtsdatum="1950-01-02",
                                 versorgung_art="ruhegehalt", versorgung_beginn="2015-02-01")
        cls.schmidtke = add_person(p, "Schmidtke", "Bernd", art="hinterbliebene", geburtsdatum="1960-03-04",
                                   versorgung_art="witwengeld", versorgung_beginn="2020-01-01",
                                   versorgung_bezug_nr="X-1")
        cls.maier = add_person(p, "Maier", "Özlem", art="ausgeschieden", geburtsdatum="1980-05-06")
        cls.other = mv.new_org()
        cls.fremd = add_person(cls.other.pnr, "Müller", "Fremd", geburtsdatum="1975-04-12")

    def nrs(self, query):
        r = self.c.get("/anspruchsberechtigte" + ("?" + query if query else ""), json=True)
        self.assertEqual(r.status, 200, (query, r))
        return [t["nr"] for t in r.json()["treffer"]]

    def test_heading_columns_and_rows(self):
        r = self.c.get("/anspruchsberechtigte")
        self.assertEqual(r.status, 200, r)
        self.assertIn("<h1>Anspruchsberechtigte</h1>", r.text)
        for col in ("Name", "Vorname", "Nr.", "Geburtsdatum", "Art"):
            self.assertIn(f'<th scope="col">{col}</th>', r.text)
        rows = list_rows(r.text)
        self.assertEqual([x[1] for x in rows], ["Maier", "Müller", "Schmidt", "Schmidtke"])
        self.assertIn((self.mueller, "Müller", "Jürgen", self.mueller, "12.04.1975", ART_LABEL["aktiv"]), rows)
        self.assertIn((self.maier, "Maier", "Özlem", self.maier, "06.05.1980", ART_LABEL["ausgeschieden"]), rows)
        self.assertIn('<p aria-live="polite">1 - 4 von 4</p>', r.text)
        self.assertNotIn(self.fremd, r.text)

    def test_json_shape_exactly(self):
        j = self.c.get("/anspruchsberechtigte?name=m%C3%BCller", json=True).json()
        self.assertEqual(set(j), {"treffer", "gesamt", "seite", "csrf"})
        self.assertEqual(j["treffer"], [{"nr": self.mueller, "name": "Müller", "vorname": "Jürgen",
                                         "geburtsdatum": "1975-04-12", "art": "aktiv"}])
        self.assertEqual((j["gesamt"], j["seite"]), (1, 1))

    def test_name_filters_anywhere_folded(self):
        for query, want in [("name=Mueller", [self.mueller]), ("name=muller", [self.mueller]),
                            ("name=M%C3%9CLLER", [self.mueller]), ("name=ller", [self.mueller]),
                            ("name=l", [self.mueller]), ("name=mi", [self.schmidt, self.schmidtke]),
                            ("name=idtk", [self.schmidtke]), ("name=schmidt", [self.schmidt, self.schmidtke]),
                            ("vorname=oezlem", [self.maier]), ("vorname=%C3%B6zl", [self.maier]),
                            ("vorname=zlem", [self.maier]), ("vorname=juergen", [self.mueller]),
                            ("name=mueller&vorname=fremd", []), ("name=xyz", []),
                            ("name=100%25", []), ("name=_", [])]:
            with U.case(q=query):
                self.assertEqual(self.nrs(query), want)

    def test_nr_geburtsdatum_art(self):
        self.assertEqual(self.nrs(f"nr={self.schmidt}"), [self.schmidt])
        self.assertEqual(self.nrs(f"nr={self.schmidt[1:].lower()}"), [self.schmidt])
        self.assertEqual(self.nrs(f"nr={self.fremd}"), [])
        self.assertEqual(self.nrs("geburtsdatum=12.04.1975"), [self.mueller])
        self.assertEqual(self.nrs("geburtsdatum=1975-04-12"), [self.mueller])
        self.assertEqual(self.nrs("geburtsdatum=02.01.1950&art=ruhestand"), [self.schmidt])
        self.assertEqual(self.nrs("art=hinterbliebene"), [self.schmidtke])
        self.assertEqual(self.nrs("art=aktiv&name=m"), [self.mueller])
        r = self.c.get("/anspruchsberechtigte?art=ruhestand")
        self.assertIn('<option value="ruhestand" selected>Versorgungsempfänger/in (Ruhegehalt)</option>', r.text)

    def test_bad_filters_are_field_errors(self):
        for query, field, msg in [("geburtsdatum=31.02.1975", "geburtsdatum", DATE_MSG),
                                  ("geburtsdatum=gestern", "geburtsdatum", DATE_MSG),
                                  ("art=kasse", "art", "Bitte wählen Sie eine Art aus der Liste."),
                                  ("nr=%3Cb%3E", "nr",
                                   "Die Nr. besteht aus höchstens 20 Buchstaben, Ziffern und Bindestrichen.")]:
            with U.case(q=query):
                r = self.c.get("/anspruchsberechtigte?" + query, json=True)
                self.assertEqual((r.status, r.json()["errors"]), (422, {field: msg}))
                r = self.c.get("/anspruchsberechtigte?" + query)
                self.assertEqual(r.status, 422)
                self.assertIn(f'<p class="error" id="filter-{field}-fehler">{htmllib.escape(msg, False)}</p>', r.text)
                self.assertEqual(list_rows(r.text), [])
        r = self.c.get("/anspruchsberechtigte?geburtsdatum=%3Cscript%3E")
        self.assertNotIn("<script>", r.text)
        self.assertIn('value="&lt;script&gt;"', r.text)


class Paging(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nrs = [add_person(cls.pnr, f"Person{i:02d}", "Paul", nr=f"P{i:02d}-{mv.uid()}"[:20]) for i in range(25)]

    def test_pages_and_sizes(self):
        j = self.c.get("/anspruchsberechtigte?pro_seite=10&seite=3", json=True).json()
        self.assertEqual((j["gesamt"], j["seite"], [t["nr"] for t in j["treffer"]]), (25, 3, self.nrs[20:]))
        r = self.c.get("/anspruchsberechtigte?pro_seite=10&seite=3")
        self.assertIn('<p aria-live="polite">21 - 25 von 25</p>', r.text)
        self.assertIn('<option value="10" selected>10</option>', r.text)
        r = self.c.get("/anspruchsberechtigte")
        self.assertIn('<p aria-live="polite">1 - 20 von 25</p>', r.text)
        self.assertIn('aria-label="Nächste Seite"', r.text)
        j = self.c.get("/anspruchsberechtigte?seite=99", json=True).json()  # clamped to the last page
        self.assertEqual((j["seite"], len(j["treffer"])), (2, 5))
        j = self.c.get("/anspruchsberechtigte?pro_seite=7", json=True).json()  # not offered: the default
        self.assertEqual(len(j["treffer"]), 20)
        j = self.c.get("/anspruchsberechtigte?name=person1&pro_seite=50", json=True).json()
        self.assertEqual((j["gesamt"], [t["nr"] for t in j["treffer"]]), (10, self.nrs[10:20]))

    def test_unfiltered_total_is_the_kept_count(self):
        oid = org_id(self.pnr)
        mv.db(f"UPDATE organisation SET ab_anzahl = 1000 WHERE id = {oid}")
        try:
            self.assertEqual(self.c.get("/anspruchsberechtigte", json=True).json()["gesamt"], 1000)
            self.assertEqual(self.c.get("/anspruchsberechtigte?name=person", json=True).json()["gesamt"], 25)
        finally:
            mv.db(f"UPDATE organisation SET ab_anzahl = 25 WHERE id = {oid}")


class PersonPage(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.beispiel = add_person(
            cls.pnr, "Muster", "Erika", titel="Dr.", familienstand="verheiratet", familienstand_seit="2003-06-14",
            strasse="Hauptstr. 1", plz="48143", ort="Münster", land="DE", telefon="0251 1234",
            email="erika.muster@example.org", dienst_verhaeltnis="lebenszeit",
            dienst_amtsbezeichnung="Stadtoberinspektorin", dienst_besoldungsgruppe="A10", dienst_stufe=6,
            dienst_stunden=30, dienst_regelstunden=41, dienst_eintritt="2001-08-01",
            dienst_ruhestand_voraussichtlich="2042-05-01", lebenslauf=WORKED_EXAMPLE)
        cls.offen = add_person(cls.pnr, "Offen", "Olaf", geburtsdatum="1970-01-01", lebenslauf=[
            ("1990-10-01", "1994-09-30", "AUSB", 1, 1, "entschieden", "Universität"),  # 1461 days, cap 1095
            ("1994-10-01", "1995-09-30", "SONST", 1, 1, "offen"),
            ("1996-01-01", None, "BEAMT", 1, 1, "gesetzlich"),
        ])
        cls.rentner = add_person(cls.pnr, "Rente", "Rudi", art="hinterbliebene", geburtsdatum="1950-01-01",
                                 versorgung_art="witwengeld", versorgung_beginn="2020-02-01",
                                 versorgung_bezug_nr="V-0001")
        cls.other = mv.new_org()
        cls.fremd = add_person(cls.other.pnr, "Fremd", "Frida", lebenslauf=WORKED_EXAMPLE)

    def test_worked_example_html(self):
        r = self.c.get(f"/anspruchsberechtigte/{self.beispiel}")
        self.assertEqual(r.status, 200, r)
        t = text_of(r.text)
        for h in ("Stammdaten", "Anschrift und Kontakt", "Dienstverhältnis", "Lebenslauf", "Änderungen"):
            self.assertIn(f">{h}</h2>", r.text)
        self.assertNotIn(">Versorgung</h2>", r.text)
        for s in ("Titel Dr.", "Geburtsdatum 12.04.1975", "Familienstand seit 14.06.2003",
                  f"Art {ART_LABEL['aktiv']}", "PLZ 48143", "Ort Münster", "Telefon 0251 1234",
                  "Amtsbezeichnung Stadtoberinspektorin", "Besoldungsgruppe A10",
                  "Verhältnis Beamtenverhältnis auf Lebenszeit", "Umfang (Stunden/Regelstunden) 30/41",
                  "01.08.2001 31.07.2010 Dienstzeit im Beamtenverhältnis voll Stadt Münster gesetzlich 3.287,00",
                  "01.08.2010 31.07.2015 Dienstzeit im Beamtenverhältnis 30/41 Stadt Münster gesetzlich 1.336,10",
                  "01.08.2015 31.07.2016 Elternzeit voll Stadt Münster gesetzlich 0,00",
                  "Ruhegehaltfähige Dienstzeit 12,67 Jahre", "Voraussichtlicher Ruhegehaltssatz 22,73 %", HINWEIS):
            self.assertIn(s, t)
        self.assertIn('href="/anspruchsberechtigte/%s/kontaktdaten">Kontaktdaten ändern</a>' % self.beispiel, r.text)
        # the time line: an image with a German name, one bar per period, part time thinner, EZ distinct
        svg = re.search(r'<svg role="img"[^>]*>.*?</svg>', r.text, re.S).group(0)
        self.assertIn('role="img"', svg)
        self.assertIn('aria-label="Zeitleiste: die Zeiten der Tabelle oben als Balken über die Jahre"', svg)
        self.assertIn('viewBox="0 0 600 110"', svg)
        self.assertIn('width="100%"', svg)
        self.assertNotIn("style=", svg)
        bars = re.findall(r'<rect class="([^"]+)" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/>', svg)
        self.assertEqual([b[0] for b in bars], ["tl-bar", "tl-bar", "tl-bar tl-null"])
        self.assertGreater(int(bars[0][4]), int(bars[1][4]))  # full time taller than 30/41
        self.assertEqual(int(bars[1][4]), round(60 * 30 / 41))
        self.assertIn(">2001</text>", svg)

    def test_worked_example_json(self):
        r = self.c.get(f"/anspruchsberechtigte/{self.beispiel}", json=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(set(j), PERSON_KEYS)
        self.assertEqual({k: j[k] for k in ("nr", "art", "name", "vorname", "geburtsdatum", "telefon", "email")},
                         {"nr": self.beispiel, "art": "aktiv", "name": "Muster", "vorname": "Erika",
                          "geburtsdatum": "1975-04-12", "telefon": "0251 1234", "email": "erika.muster@example.org"})
        self.assertEqual(j["anschrift"], {"strasse": "Hauptstr. 1", "plz": "48143", "ort": "Münster", "land": "DE"})
        self.assertEqual(j["dienst"], {"verhaeltnis": "lebenszeit", "amtsbezeichnung": "Stadtoberinspektorin",
                                       "besoldungsgruppe": "A10", "stufe": 6, "umfang": [30, 41],
                                       "eintritt": "2001-08-01", "ruhestand_voraussichtlich": "2042-05-01"})
        self.assertIsNone(j["versorgung"])
        self.assertEqual(j["lebenslauf"], [
            {"beginn": "2001-08-01", "ende": "2010-07-31", "zeitart": "BEAMT",
             "bezeichnung": "Dienstzeit im Beamtenverhältnis", "umfang": [41, 41], "ruhegehaltfaehige_tage": 3287},
            {"beginn": "2010-08-01", "ende": "2015-07-31", "zeitart": "BEAMT",
             "bezeichnung": "Dienstzeit im Beamtenverhältnis", "umfang": [30, 41], "ruhegehaltfaehige_tage": 1336.1},
            {"beginn": "2015-08-01", "ende": "2016-07-31", "zeitart": "EZ", "bezeichnung": "Elternzeit",
             "umfang": [1, 1], "ruhegehaltfaehige_tage": 0}])
        self.assertEqual((j["ruhegehaltfaehige_dienstzeit_jahre"], j["ruhegehaltssatz_prozent"]), (12.67, 22.73))
        self.assertEqual((j["hinweis"], j["version"], j["aenderungen"]), (HINWEIS, 1, []))

    def test_offen_open_and_capped_periods(self):
        r = self.c.get(f"/anspruchsberechtigte/{self.offen}")
        t = text_of(r.text)
        self.assertIn("01.10.1990 30.09.1994 Ausbildung (Fach-/Hochschule) voll Universität entschieden (Kasse) "
                      "1.095,00 (gekappt: Höchstgrenze der Zeitart erreicht)", t)
        self.assertIn("01.10.1994 30.09.1995 sonstige Zeiten (z. B. Rechtsanwalt, Ausland) voll Stadt Münster offen "
                      "noch nicht entschieden", t)
        self.assertIn("01.01.1996 laufend Dienstzeit im Beamtenverhältnis", t)
        self.assertIn("Zeiten, über die noch nicht entschieden ist, zählen hier noch nicht mit.", t)
        self.assertEqual(len(re.findall(r'class="tl-bar tl-offen"', r.text)), 1)
        j = self.c.get(f"/anspruchsberechtigte/{self.offen}", json=True).json()
        self.assertEqual([x["ruhegehaltfaehige_tage"] for x in j["lebenslauf"]][:2], [1095, None])
        self.assertIsNone(j["lebenslauf"][2]["ende"])
        self.assertGreater(j["lebenslauf"][2]["ruhegehaltfaehige_tage"], 10000)  # up to today
        self.assertGreater(j["ruhegehaltfaehige_dienstzeit_jahre"], 30)

    def test_versorgung_without_lebenslauf(self):
        r = self.c.get(f"/anspruchsberechtigte/{self.rentner}")
        t = text_of(r.text)
        self.assertIn(">Versorgung</h2>", r.text)
        self.assertIn("Art der Versorgung Witwen-/Witwergeld Beginn 01.02.2020 Nr. der verstorbenen Person V-0001", t)
        self.assertNotIn(">Lebenslauf</h2>", r.text)
        self.assertNotIn(">Dienstverhältnis</h2>", r.text)
        self.assertNotIn('<svg role="img"', r.text)
        j = self.c.get(f"/anspruchsberechtigte/{self.rentner}", json=True).json()
        self.assertEqual(set(j), PERSON_KEYS)
        self.assertEqual(j["versorgung"], {"art": "witwengeld", "beginn": "2020-02-01", "bezug_nr": "V-0001"})
        self.assertEqual((j["dienst"], j["lebenslauf"], j["ruhegehaltfaehige_dienstzeit_jahre"],
                          j["ruhegehaltssatz_prozent"]), (None, [], None, None))
        self.assertEqual(j["anschrift"], {"strasse": None, "plz": None, "ort": None, "land": None})

    def test_other_organisation_is_not_found_like_unknown(self):
        before = len(zugriffe(self.fremd))
        for json in (False, True):
            with U.case(json=json):
                a = self.c.get(f"/anspruchsberechtigte/{self.fremd}", json=json)
                b = self.c.get("/anspruchsberechtigte/T-0000000000", json=json)
                c = self.c.get(f"/anspruchsberechtigte/{self.fremd}/kontaktdaten", json=json)
                self.assertEqual((a.status, b.status, c.status), (404, 404, 404))
                self.assertEqual(a.text, b.text)
                self.assertEqual(a.text, c.text)
                self.assertIn(NOT_FOUND, a.text)
                self.assertNotIn("Fremd", a.text)
        for path in (self.fremd.lower(), "%3Cscript%3E", "a" * 30):
            self.assertEqual(self.c.get(f"/anspruchsberechtigte/{path}").status, 404)
        r = self.c.post(f"/anspruchsberechtigte/{self.fremd}/kontaktdaten", {"plz": "12345", "version": "1"})
        self.assertEqual(r.status, 404)
        self.assertEqual(len(zugriffe(self.fremd)), before)
        self.assertEqual(mv.db(f"SELECT plz FROM person WHERE nr = '{self.fremd}'"), [["NULL"]])

    def test_every_view_is_logged(self):
        nr = self.beispiel
        before = len(zugriffe(nr))
        self.c.get(f"/anspruchsberechtigte/{nr}")
        self.c.get(f"/anspruchsberechtigte/{nr}", json=True)
        self.assertEqual(self.c.request("HEAD", f"/anspruchsberechtigte/{nr}").status, 200)
        self.c.get(f"/anspruchsberechtigte/{nr}/kontaktdaten")
        self.c.get("/anspruchsberechtigte")  # the list shows no person's page: no row
        rows = zugriffe(nr)[before:]
        name = f"{self.sb.vorname} {self.sb.name}"
        self.assertEqual([r[:3] for r in rows], [[self.sb.kennung, name, "ansehen"]] * 4)
        self.assertTrue(all(r[3] == self.c.source_ip for r in rows), rows)
        oid = org_id(self.pnr)
        self.assertEqual(mv.db(f"SELECT COUNT(DISTINCT org_id), MIN(org_id) FROM ab_zugriff WHERE person_nr = '{nr}'"),
                         [["1", str(oid)]])


class Rights(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nr = add_person(cls.pnr, "Recht", "Rita", lebenslauf=WORKED_EXAMPLE)
        cls.none_sb, cls.none_c = sb_session(cls.ac, [])
        cls.ab_sb, cls.ab_c = sb_session(cls.ac, ["anspruchsberechtigte"])

    def test_without_right_403_and_no_navigation(self):
        for path in ("/anspruchsberechtigte", f"/anspruchsberechtigte/{self.nr}",
                     f"/anspruchsberechtigte/{self.nr}/kontaktdaten"):
            with U.case(path=path):
                self.assertEqual(self.none_c.get(path).status, 403)
                self.assertEqual(self.ac.get(path).status, 403)  # administrators: no business functions
        self.assertNotIn('href="/anspruchsberechtigte"', self.none_c.get("/").text)
        self.assertNotIn('href="/anspruchsberechtigte"', self.ac.get("/").text)
        self.assertIn('href="/anspruchsberechtigte"', self.ab_c.get("/").text)
        self.assertEqual(self.none_c.post(f"/anspruchsberechtigte/{self.nr}/kontaktdaten",
                                          {"plz": "12345", "version": "1"}).status, 403)

    def test_kontaktdaten_needs_its_right(self):
        r = self.ab_c.get(f"/anspruchsberechtigte/{self.nr}")
        self.assertEqual(r.status, 200)
        self.assertNotIn("/kontaktdaten", r.text)
        self.assertIn("12,67 Jahre", r.text)
        self.assertEqual(self.ab_c.get(f"/anspruchsberechtigte/{self.nr}/kontaktdaten").status, 403)
        r = self.ab_c.post(f"/anspruchsberechtigte/{self.nr}/kontaktdaten", {"plz": "12345", "version": "1"})
        self.assertEqual(r.status, 403)
        self.assertEqual(mv.db(f"SELECT plz, version FROM person WHERE nr = '{self.nr}'"), [["NULL", "1"]])

    def test_right_switched_off_for_the_organisation(self):
        U.restrict(self.pnr, off="anspruchsberechtigte")
        try:
            for path in ("/anspruchsberechtigte", f"/anspruchsberechtigte/{self.nr}"):
                self.assertEqual(self.ab_c.get(path).status, 403)
                self.assertEqual(self.c.get(path).status, 403)
            self.assertNotIn('href="/anspruchsberechtigte"', self.c.get("/").text)
        finally:
            U.restrict(self.pnr, on="anspruchsberechtigte")
        self.assertEqual(self.ab_c.get(f"/anspruchsberechtigte/{self.nr}").status, 200)
        U.restrict(self.pnr, off="kontaktdaten")
        try:
            self.assertEqual(self.c.get(f"/anspruchsberechtigte/{self.nr}/kontaktdaten").status, 403)
            self.assertNotIn("/kontaktdaten", self.c.get(f"/anspruchsberechtigte/{self.nr}").text)
        finally:
            U.restrict(self.pnr, on="kontaktdaten")


class Kontaktdaten(Base):
    def setUp(self):
        self.nr = add_person(self.pnr, "Kontakt", "Konrad", strasse="Alte Str. 1", plz="48143", ort="Münster",
                             land="DE", telefon="0251 1", email="alt@example.org")
        self.path = f"/anspruchsberechtigte/{self.nr}/kontaktdaten"

    def fields(self, **kw):
        f = {"strasse": "Alte Str. 1", "plz": "48143", "ort": "Münster", "land": "DE", "telefon": "0251 1",
             "email": "alt@example.org", "version": "1"}
        f.update(kw)
        return f

    def changes(self):
        return mv.db(f"SELECT k.feld, k.alt, k.neu, k.wer, k.wer_name, k.gelistet_am FROM kontakt_aenderung k "
                     f"JOIN person p ON p.id = k.person_id WHERE p.nr = '{self.nr}' ORDER BY k.id")

    def test_form(self):
        r = self.c.get(self.path)
        self.assertEqual(r.status, 200, r)
        self.assertIn("<h1>Kontaktdaten ändern</h1>", r.text)
        for name in ("strasse", "plz", "ort", "telefon", "email"):
            self.assertRegex(r.text, rf'<input id="f-{name}" name="{name}" type="(text|email)" value="[^"]+"')
        self.assertIn('<option value="DE" selected>Deutschland (DE)</option>', r.text)
        self.assertIn('<input type="hidden" name="version" value="1">', r.text)
        for absent in ('name="name"', 'name="vorname"', 'name="geburtsdatum"'):
            self.assertNotIn(absent, r.text)
        j = self.c.get(self.path, json=True).json()
        self.assertEqual(j, {"nr": self.nr, "strasse": "Alte Str. 1", "plz": "48143", "ort": "Münster", "land": "DE",
                             "telefon": "0251 1", "email": "alt@example.org", "version": 1, "csrf": j["csrf"]})

    def test_validation_per_field(self):
        cases = [
            ({"plz": "4814"}, "plz", "Bitte geben Sie für Deutschland eine PLZ aus genau fünf Ziffern ein."),
            ({"plz": "48a43"}, "plz", "Bitte geben Sie für Deutschland eine PLZ aus genau fünf Ziffern ein."),
            ({"plz": "4814", "land": ""}, "plz", "Bitte geben Sie für Deutschland eine PLZ aus genau fünf Ziffern ein."),
            ({"plz": "<b>"}, "plz",
             "Die PLZ darf höchstens 10 Zeichen lang sein (Buchstaben, Ziffern, Leerzeichen, Bindestrich)."),
            ({"email": "kein-at"}, "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@beispiel.de)."),
            ({"telefon": "0251 abc"}, "telefon", "Die Telefonnummer darf höchstens 40 Zeichen lang sein und nur "
                                                 "Ziffern, Leerzeichen und + - / ( ) enthalten."),
            ({"telefon": "1" * 41}, "telefon", "Die Telefonnummer darf höchstens 40 Zeichen lang sein und nur "
                                               "Ziffern, Leerzeichen und + - / ( ) enthalten."),
            ({"land": "DEU"}, "land", "Bitte wählen Sie ein Land aus der Liste (Ländercode mit zwei Buchstaben, "
                                      "z. B. DE)."),
            ({"strasse": "x" * 101}, "strasse",
             "Die Straße darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten."),
            ({"ort": "y" * 101}, "ort", "Der Ort darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten."),
            ({"version": ""}, "_", "Das Formular ist unvollständig. Bitte laden Sie die Seite neu."),
        ]
        self.c.get(self.path)
        for kw, field, msg in cases:
            with U.case(kw=kw):
                r = self.c.post(self.path, self.fields(**kw), json=True)
                self.assertEqual((r.status, r.json()["errors"]), (422, {field: msg}))
        r = self.c.post(self.path, self.fields(plz="4814", email="kein-at"))
        self.assertEqual(r.status, 422)
        self.assertIn('<p class="error" id="f-plz-fehler">Bitte geben Sie für Deutschland eine PLZ aus genau fünf '
                      'Ziffern ein.</p>', r.text)
        self.assertIn('id="f-email-fehler"', r.text)
        self.assertIn('value="4814"', r.text)
        self.assertEqual(self.changes(), [])
        self.assertEqual(mv.db(f"SELECT plz, version FROM person WHERE nr = '{self.nr}'"), [["48143", "1"]])
        # abroad: another postcode form
        r = self.c.post(self.path, self.fields(plz="1010", land="at", ort="Wien"), json=True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(mv.db(f"SELECT plz, land, ort FROM person WHERE nr = '{self.nr}'"), [["1010", "AT", "Wien"]])

    def test_change_rows_log_and_display(self):
        before = len(zugriffe(self.nr))
        self.c.get(self.path)
        r = self.c.post(self.path, self.fields(plz="48149", telefon="+49 (251) 22-33/4", email=""))
        self.assertEqual((r.status, r.location), (303, f"/anspruchsberechtigte/{self.nr}?ok=gespeichert"))
        name = f"{self.sb.vorname} {self.sb.name}"
        self.assertEqual(self.changes(), [["plz", "48143", "48149", self.sb.kennung, name, "NULL"],
                                          ["telefon", "0251 1", "+49 (251) 22-33/4", self.sb.kennung, name, "NULL"],
                                          ["email", "alt@example.org", "NULL", self.sb.kennung, name, "NULL"]])
        self.assertEqual(mv.db(f"SELECT plz, telefon, email, version FROM person WHERE nr = '{self.nr}'"),
                         [["48149", "+49 (251) 22-33/4", "NULL", "2"]])
        self.assertEqual([z[2] for z in zugriffe(self.nr)[before:]], ["ansehen", "aendern"])
        r = self.c.follow(r)
        self.assertIn("Die Kontaktdaten wurden gespeichert.", r.text)
        t = text_of(r.text)
        self.assertIn(f"PLZ 48143 → 48149 {name} ({self.sb.kennung}) noch nicht an die Kasse übermittelt", t)
        self.assertIn("E-Mail alt@example.org → (leer)", t)
        self.assertRegex(t, r"\d\d\.\d\d\.\d{4} \d\d:\d\d Telefon 0251 1 → \+49 \(251\) 22-33/4")
        mv.db("UPDATE kontakt_aenderung k JOIN person p ON p.id = k.person_id SET k.gelistet_am = "
              f"'2026-01-15 11:30:00' WHERE p.nr = '{self.nr}' AND k.feld = 'plz'")
        t = text_of(self.c.get(f"/anspruchsberechtigte/{self.nr}").text)
        self.assertIn("PLZ 48143 → 48149", t)
        self.assertIn("an die Kasse übermittelt am 15.01.2026 12:30", t)
        j = self.c.get(f"/anspruchsberechtigte/{self.nr}", json=True).json()
        self.assertEqual(j["version"], 2)
        self.assertEqual(set(j["aenderungen"][0]), {"zeit_utc", "feld", "alt", "neu", "wer", "wer_name",
                                                    "gelistet_am_utc"})
        self.assertEqual([(a["feld"], a["alt"], a["neu"], a["gelistet_am_utc"]) for a in j["aenderungen"]],
                         [("email", "alt@example.org", None, None), ("telefon", "0251 1", "+49 (251) 22-33/4", None),
                          ("plz", "48143", "48149", "2026-01-15 11:30:00")])

    def test_nothing_changed(self):
        before = len(zugriffe(self.nr))
        r = self.c.post(self.path, self.fields())
        self.assertEqual((r.status, r.location), (303, f"/anspruchsberechtigte/{self.nr}?ok=unveraendert"))
        self.assertIn("Keine Änderungen", self.c.follow(r).text)
        self.assertEqual(self.changes(), [])
        self.assertEqual(mv.db(f"SELECT version FROM person WHERE nr = '{self.nr}'"), [["1"]])
        self.assertEqual([z[2] for z in zugriffe(self.nr)[before:]], ["ansehen"])  # the page followed to

    def test_stale_version_409_nothing_saved(self):
        self.c.get(self.path)
        mv.db(f"UPDATE person SET ort = 'Köln', version = 2 WHERE nr = '{self.nr}'")  # e.g. a colleague
        r = self.c.post(self.path, self.fields(plz="50667"))
        self.assertEqual(r.status, 409)
        self.assertIn(htmllib.escape(CONFLICT, False), r.text)
        self.assertIn('<input id="f-ort" name="ort" type="text" value="Köln"', r.text)
        self.assertIn('<input id="f-plz" name="plz" type="text" value="48143"', r.text)
        self.assertIn('<input type="hidden" name="version" value="2">', r.text)
        r = self.c.post(self.path, self.fields(plz="50667"), json=True)
        self.assertEqual((r.status, r.json()["errors"]), (409, {"_": CONFLICT}))
        self.assertEqual(self.changes(), [])
        self.assertEqual(mv.db(f"SELECT plz, version FROM person WHERE nr = '{self.nr}'"), [["48143", "2"]])
        self.assertNotIn("aendern", [z[2] for z in zugriffe(self.nr)])

    def test_csrf_refused(self):
        self.c.get(self.path)
        for csrf in (False, "x" * 43):
            r = self.c.post(self.path, self.fields(plz="12345"), csrf=csrf)
            self.assertEqual(r.status, 403)
        self.assertEqual(self.changes(), [])
        self.assertEqual(mv.db(f"SELECT plz FROM person WHERE nr = '{self.nr}'"), [["48143"]])


class Hostile(Base):
    EVIL = '<script>alert(1)</script>"\'&amp;'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        e = cls.EVIL
        cls.nr = add_person(cls.pnr, "Böse" + e, "Vor" + e, titel="T" + e[:40], geburtsname="G" + e,
                            familienstand="ledig", strasse="S" + e, plz="P<b>", ort="O" + e, land="DE",
                            telefon="<i>", email="e" + e, dienst_verhaeltnis="probe", dienst_amtsbezeichnung="A" + e,
                            dienst_besoldungsgruppe="A9", lebenslauf=[
                                ("2000-01-01", "2000-12-31", "BEAMT", 1, 1, "gesetzlich", "D" + e)])
        mv.db(f"INSERT INTO kontakt_aenderung (person_id, at, wer, wer_name, feld, alt, neu) SELECT id, NOW(), "
              f"{q('<k>')}, {q('W' + e)}, 'ort', {q('alt' + e)}, {q('neu' + e)} FROM person WHERE nr = '{cls.nr}'")

    def test_every_field_escaped(self):
        pages = [self.c.get(f"/anspruchsberechtigte/{self.nr}"), self.c.get(f"/anspruchsberechtigte/{self.nr}/kontaktdaten"),
                 self.c.get("/anspruchsberechtigte?name=b%C3%B6se")]
        for r in pages:
            with U.case(path=r):
                self.assertEqual(r.status, 200)
                self.assertNotIn("<script>alert", r.text)
                self.assertNotIn("<b>", r.text)
                self.assertNotIn("<i>", r.text)
                self.assertNotIn("<k>", r.text)
                self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;amp;", r.text)
        t = text_of(pages[0].text)
        for s in ("Böse" + self.EVIL, "Titel T" + self.EVIL[:40], "Amtsbezeichnung A" + self.EVIL, "D" + self.EVIL,
                  "alt" + self.EVIL + " → neu" + self.EVIL, "W" + self.EVIL + " (<k>)", "Telefon <i>"):
            self.assertIn(s, t)
