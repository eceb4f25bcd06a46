"""Beamtenformulare (SPEC §14, DOMAIN.md §4): the six forms driven by their own field tables (the JSON of
the form page), every refusal of the validator at its field, drafts, submission with the Aktenzeichen, the
Meldung with its Verlauf and documents, withdrawal, the Kasse's side through `mvctl meldung` with the mail to
the group Beamtenversorgung (Aktenzeichen and status only), transitions outside the graph refused from every
side and in a race, rights and isolation, and the access log."""

import json
import os
import re
import shutil
import tempfile
import unittest

import mv
import users_lib as U

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
AZ_RE = r"BF\d{3}-\d{4}-\d{6,9}"
NO_MELDUNG = "Diese Meldung gibt es nicht."
NOT_ACTIVE = "Unter dieser Nummer gibt es keine Beamtin und keinen Beamten im Dienst Ihrer Organisation."
SUBJ_STATUS = "meineversorgung.org | Neuer Bearbeitungsstand einer Meldung"

# A valid submission of every form (dates far ahead, so no "bitte frühzeitig melden" unless wanted).
VALID = {
    "beschaeftigungsumfang": {"art": "teilzeit", "wirksam_ab": "01.08.2030", "stunden": "20,5", "regelstunden": "41"},
    "beurlaubung": {"art": "elternzeit", "beginn": "2030-01-01", "ende": "2031-12-31", "kind_geburtsdatum": "2029-11-20"},
    "ernennung": {"anlass": "befoerderung", "wirksam_ab": "2030-01-01", "amtsbezeichnung": "Stadtamtsrätin",
                  "besoldungsgruppe": "A12", "stufe": "5"},
    "abgang": {"art": "versetzung", "wirksam_ab": "2030-01-01", "neuer_dienstherr": "Land Nordrhein-Westfalen"},
    "versorgungsfall": {"grund": "altersgrenze", "beginn": "2035-06-01", "dienstunfall": "nein"},
    "versorgungsauskunft": {"variante": "altersgrenze", "anlass": "55plus"},
}
# A value of each field type that its check refuses.
BAD = {"auswahl": "gibtsnicht", "datum": "31.02.2030", "stunden": "20,555", "text": "zwei\tTeile",
       "besoldungsgruppe": "A17", "stufe": "9"}

_world = None
_tmp = None


class World:
    pass


def add_person(org, nr, art="aktiv", name="Muster", vorname="Erika"):
    mv.db(f"INSERT INTO person (org_id, nr, art, name, vorname, geburtsdatum, dienst_verhaeltnis, "
          f"dienst_amtsbezeichnung, dienst_besoldungsgruppe, dienst_stufe, dienst_stunden, dienst_regelstunden, "
          f"dienst_eintritt, inhalt) SELECT id, '{nr}', '{art}', '{name}', '{vorname}', '1975-04-12', "
          f"IF('{art}' = 'aktiv', 'lebenszeit', NULL), 'Stadtoberinspektorin', 'A10', 6, 30, 41, '2001-08-01', "
          f"UNHEX(REPEAT('00', 16)) FROM organisation WHERE pnr = '{org.pnr}'")
    return nr


def world():
    global _world
    if _world is None:
        w = World()
        w.admin, w.ac = U.admin_session()
        w.org = w.admin.org
        rights = ("anspruchsberechtigte", "formulare")
        w.a = U.activate(U.create(w.ac, vorname="Frieda", name="Formular", gruppen=("Beamtenversorgung",), rechte=rights))
        w.b = U.activate(U.create(w.ac, vorname="Bruno", name="Kollege", gruppen=("Beamtenversorgung",), rechte=rights))
        w.n = U.activate(U.create(w.ac, vorname="Nora", name="Ohnerecht", gruppen=("Beihilfe",)))
        w.ca, w.cb, w.cn = U.login(w.a), U.login(w.b), U.login(w.n)
        w.notify = f"bv{mv.uid()}@example.org"
        r = w.ac.post("/gruppen/beamtenversorgung", {"email": w.notify})
        assert (r.status, r.location) == (303, "/gruppen"), r
        w.nr = add_person(w.org, f"T-{mv.uid()}"[:20])
        w.pensioner = add_person(w.org, f"R-{mv.uid()}"[:20], art="ruhestand", name="Alt")
        w.admin2, w.ac2 = U.admin_session()
        w.org2 = w.admin2.org
        w.d = U.activate(U.create(w.ac2, vorname="Dora", name="Fremd", gruppen=("Beamtenversorgung",), rechte=rights))
        w.cd = U.login(w.d)
        w.nr2 = add_person(w.org2, f"F-{mv.uid()}"[:20])
        _world = w
    return _world


def tmpdir():
    global _tmp
    if _tmp is None:
        _tmp = tempfile.mkdtemp(prefix="mv-meldungen-")
    return _tmp


def tearDownModule():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def write_file(name, data):
    d = tempfile.mkdtemp(dir=tmpdir())
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def post_form(client, formular, nr, values, aktion="einreichen", files=(("verfuegung.pdf", PDF),), json=None,
              path=None):
    fields = list(values.items()) + [("aktion", aktion)]
    return mv.post_multipart(client, path or f"/formulare/neu/{formular}?nr={nr}", fields,
                             [("anlage",) + tuple(f) for f in files], json=json)


def submit(client, formular, nr, values=None, **kw):
    """Submits a valid form; returns its Aktenzeichen."""
    r = post_form(client, formular, nr, VALID[formular] if values is None else values, **kw)
    m = re.fullmatch(r"/formulare/(%s)(\?eingereicht=1)?" % AZ_RE, r.location or "")
    if r.status != 303 or not m:
        raise AssertionError(f"submitting {formular} failed: {r!r} {r.body[:3000]!r}")
    return m.group(1)


def meldung(client, az):
    r = client.get(f"/formulare/{az}", json=True)
    assert r.status == 200, r
    return r.json()


def kasse(*args):
    return mv.mvctl("meldung", *args)


def status_mail(addr, az, status):
    """The status mail for az (mails of other tests' Meldungen to the same group may come first)."""
    label = {"in_bearbeitung": "In Bearbeitung", "rueckfrage": "Rückfrage", "erledigt": "Erledigt"}[status]
    for _ in range(20):
        m = mv.wait_mail(addr, SUBJ_STATUS)
        if f"Aktenzeichen: {az}\nNeuer Status: {label}" in m["body"]:
            return m
    raise AssertionError(f"no status mail for {az} ({status})")


def field_table(client, formular, nr):
    r = client.get(f"/formulare/neu/{formular}?nr={nr}", json=True)
    assert r.status == 200, r
    return r.json()


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = world()


class Forms(Base):
    def test_every_form_submits_with_aktenzeichen_and_json(self):
        w = self.w
        for formular, values in VALID.items():
            with self.subTest(formular=formular):
                r = post_form(w.ca, formular, w.nr, values, json=True)
                self.assertEqual(r.status, 200, r.body[:2000])
                j = r.json()
                self.assertEqual(set(j), {"ok", "aktenzeichen", "next", "csrf"})
                self.assertTrue(j["ok"])
                self.assertRegex(j["aktenzeichen"], "^" + AZ_RE + "$")
                self.assertEqual(j["next"], f"/formulare/{j['aktenzeichen']}?eingereicht=1")
                m = meldung(w.ca, j["aktenzeichen"])
                self.assertEqual((m["formular"], m["nr"], m["status"]), (formular, w.nr, "eingereicht"))
                self.assertEqual([v["status"] for v in m["verlauf"]], ["eingereicht"])
                self.assertEqual(len(m["anlagen"]), 1)
                self.assertEqual(set(m), {"aktenzeichen", "formular", "nr", "status", "werte", "anlagen", "verlauf",
                                          "hinweise", "csrf"})

    def test_values_are_normalised_and_shown_as_entered(self):
        w = self.w
        az = submit(w.ca, "beschaeftigungsumfang", w.nr)
        self.assertEqual(meldung(w.ca, az)["werte"], {"art": "teilzeit", "wirksam_ab": "2030-08-01", "stunden": "20.5",
                                                       "regelstunden": "41"})
        page = w.ca.get(f"/formulare/{az}?eingereicht=1")
        self.assertEqual(page.status, 200)
        self.assertIn("Eingangsbestätigung", page.text)
        for shown in (az, "Teilzeit", "01.08.2030", "20,5", "verfuegung.pdf", "Eingereicht"):
            self.assertIn(shown, page.text)

    def test_every_required_field_and_every_type_refused_at_its_field(self):
        """Table-driven from the forms' own field tables (the JSON of the form page)."""
        w = self.w
        for formular, values in VALID.items():
            table = field_table(w.ca, formular, w.nr)
            self.assertEqual(table["formular"], formular)
            keys = [f["key"] for f in table["felder"]]
            self.assertEqual(set(values) - set(keys), set(), formular)
            for f in table["felder"]:
                with self.subTest(formular=formular, feld=f["key"]):
                    if f["pflicht"] is True:
                        without = {k: v for k, v in values.items() if k != f["key"]}
                        r = post_form(w.ca, formular, w.nr, without, json=True)
                        self.assertEqual(r.status, 422)
                        self.assertIn(f["key"], r.json()["errors"])
                    bad = dict(values, **{f["key"]: BAD[f["typ"]]})
                    r = post_form(w.ca, formular, w.nr, bad, json=True)
                    self.assertEqual(r.status, 422, (formular, f["key"]))
                    self.assertIn(f["key"], r.json()["errors"])
                    if f["typ"] == "auswahl" and f["key"] in values:
                        self.assertIn(values[f["key"]], f["werte"])

    def test_cross_field_rules(self):
        w = self.w
        cases = [
            ("beschaeftigungsumfang", {"stunden": "41"}, "stunden"),
            ("beschaeftigungsumfang", {"art": "vollzeit", "stunden": "30"}, "stunden"),
            ("beschaeftigungsumfang", {"bis": "2030-07-31"}, "bis"),
            ("beurlaubung", {"ende": "2037-11-20"}, "ende"),  # the child's 8th birthday
            ("beurlaubung", {"kind_geburtsdatum": ""}, "kind_geburtsdatum"),
            ("beurlaubung", {"art": "ohne_bezuege"}, "kind_geburtsdatum"),
            ("beurlaubung", {"ende": "2029-12-31"}, "ende"),
            ("ernennung", {"besoldungsgruppe": "B3"}, "stufe"),
            ("ernennung", {"besoldungsgruppe": "R2", "stufe": ""}, "stufe"),
            ("abgang", {"neuer_dienstherr": ""}, "neuer_dienstherr"),
            ("abgang", {"bis": "2031-01-01"}, "bis"),
        ]
        for formular, change, field in cases:
            with self.subTest(formular=formular, change=change):
                r = post_form(w.ca, formular, w.nr, {k: v for k, v in dict(VALID[formular], **change).items() if v},
                              json=True)
                self.assertEqual(r.status, 422, r.body[:500])
                self.assertIn(field, r.json()["errors"])
        ok = [("beurlaubung", {"ende": "2037-11-19"}), ("ernennung", {"besoldungsgruppe": "W2", "stufe": ""}),
              ("abgang", {"art": "tod", "neuer_dienstherr": ""})]
        for formular, change in ok:
            with self.subTest(formular=formular, change=change):
                submit(w.ca, formular, w.nr, {k: v for k, v in dict(VALID[formular], **change).items() if v})

    def test_documents(self):
        w = self.w
        r = post_form(w.ca, "ernennung", w.nr, VALID["ernennung"], files=(), json=True)
        self.assertEqual(r.status, 422)
        self.assertIn("Urkunde", r.json()["errors"]["anlage"])
        r = post_form(w.ca, "ernennung", w.nr, VALID["ernennung"], files=(("bild.png", PNG),), json=True)
        self.assertEqual(r.status, 422)
        self.assertIn("kein PDF-Dokument", r.json()["errors"]["anlage"])
        # no document needed for a death, none asked for by the Versorgungsauskunft
        submit(w.ca, "abgang", w.nr, {"art": "tod", "wirksam_ab": "2030-01-01"}, files=())
        submit(w.ca, "versorgungsauskunft", w.nr, files=())

    def test_short_notice_is_taken_with_a_warning(self):
        w = self.w
        import datetime
        soon = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        az = submit(w.ca, "versorgungsfall", w.nr, dict(VALID["versorgungsfall"], beginn=soon))
        m = meldung(w.ca, az)
        self.assertEqual(len(m["hinweise"]), 1)
        self.assertIn("bitte frühzeitig melden", m["hinweise"][0])
        self.assertIn("bitte frühzeitig melden", w.ca.get(f"/formulare/{az}").text)

    def test_person_must_be_an_active_official_of_the_organisation(self):
        w = self.w
        for nr in (w.pensioner, w.nr2, "GIBTSNICHT", ""):
            with self.subTest(nr=nr):
                r = w.ca.get(f"/formulare/neu/beurlaubung?nr={nr}")
                self.assertEqual(r.status, 404)
                self.assertIn(NOT_ACTIVE, r.alert_text())
                r = post_form(w.ca, "beurlaubung", nr, VALID["beurlaubung"])
                self.assertEqual(r.status, 404)
        r = w.ca.get("/formulare/neu?nr=", json=True)  # the choice sent empty
        self.assertEqual((r.status, set(r.json()["errors"])), (422, {"formular", "nr"}))
        self.assertEqual(w.ca.get("/formulare/neu").status, 200)  # opened
        r = w.ca.get(f"/formulare/neu?formular=beurlaubung&nr={w.pensioner}", json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"nr": NOT_ACTIVE}))
        r = w.ca.get(f"/formulare/neu?formular=beurlaubung&nr={w.nr}")
        self.assertEqual((r.status, r.location), (303, f"/formulare/neu/beurlaubung?nr={w.nr}"))
        self.assertEqual(w.ca.get("/formulare/neu/gibtsnicht?nr=" + w.nr).status, 404)

    def test_form_shows_the_current_dienstverhaeltnis(self):
        w = self.w
        page = w.ca.get(f"/formulare/neu/ernennung?nr={w.nr}")
        self.assertEqual(page.status, 200)
        self.assertIn("Aktuelles Dienstverhältnis", page.text)
        for shown in ("Stadtoberinspektorin", "A10, Stufe 6", "30 von 41 Stunden", "auf Lebenszeit", "01.08.2001"):
            self.assertIn(shown, page.text)
        self.assertIn('enctype="multipart/form-data"', page.text)


class Drafts(Base):
    def test_draft_saved_changed_submitted_then_frozen(self):
        w = self.w
        r = post_form(w.ca, "beurlaubung", w.nr, {"art": "elternzeit"}, aktion="entwurf", files=())
        self.assertEqual(r.status, 303, r.body[:1000])
        az = re.fullmatch(r"/formulare/(%s)" % AZ_RE, r.location).group(1)
        m = meldung(w.ca, az)
        self.assertEqual((m["status"], m["werte"]), ("entwurf", {"art": "elternzeit"}))
        # a draft's types are checked, nothing is required
        r = post_form(w.ca, "beurlaubung", w.nr, {"beginn": "32.01.2030"}, aktion="entwurf", files=(), json=True)
        self.assertEqual((r.status, list(r.json()["errors"])), (422, ["beginn"]))
        # changed by a colleague meanwhile: the stale version is refused
        edit = w.cb.get(f"/formulare/{az}/bearbeiten")
        self.assertEqual(edit.status, 200)
        version = re.search(r'name="version" value="(\d+)"', edit.text).group(1)
        r = post_form(w.ca, None, None, dict(VALID["beurlaubung"], version=version), aktion="entwurf", files=(),
                      path=f"/formulare/{az}/bearbeiten")
        self.assertEqual(r.status, 303)
        r = post_form(w.cb, None, None, dict(VALID["beurlaubung"], version=version), path=f"/formulare/{az}/bearbeiten")
        self.assertEqual(r.status, 409)
        self.assertEqual(meldung(w.ca, az)["status"], "entwurf")
        version = str(int(version) + 1)
        r = post_form(w.cb, None, None, dict(VALID["beurlaubung"], version=version), path=f"/formulare/{az}/bearbeiten")
        self.assertEqual((r.status, r.location), (303, f"/formulare/{az}?eingereicht=1"))
        m = meldung(w.ca, az)
        self.assertEqual((m["status"], [v["status"] for v in m["verlauf"]]), ("eingereicht", ["entwurf", "eingereicht"]))
        self.assertEqual(len(m["anlagen"]), 1)
        # submitted: never changed again, not deleted
        self.assertEqual(w.ca.get(f"/formulare/{az}/bearbeiten").status, 409)
        r = post_form(w.ca, None, None, dict(VALID["beurlaubung"], version=str(int(version) + 1)),
                      path=f"/formulare/{az}/bearbeiten")
        self.assertEqual(r.status, 409)
        self.assertEqual(w.ca.post(f"/formulare/{az}/loeschen").status, 409)
        self.assertEqual(meldung(w.ca, az)["werte"]["ende"], "2031-12-31")

    def test_draft_deleted(self):
        w = self.w
        r = post_form(w.ca, "abgang", w.nr, {"art": "tod"}, aktion="entwurf", files=())
        az = re.fullmatch(r"/formulare/(%s)" % AZ_RE, r.location).group(1)
        r = w.ca.post(f"/formulare/{az}/loeschen")
        self.assertEqual(r.status, 303)
        self.assertEqual(w.ca.get(f"/formulare/{az}").status, 404)
        # the Kasse never sees drafts
        self.assertNotIn(az, kasse("list", "--pnr", w.org.pnr).out)


class Workflow(Base):
    def test_whole_way_with_the_kasse(self):
        w = self.w
        mv.consume_all(w.notify)
        az = submit(w.ca, "versorgungsauskunft", w.nr, files=())
        self.assertIn(az, [m["aktenzeichen"] for m in kasse("list", "--pnr", w.org.pnr, "--json").json()])
        steps = [("in_bearbeitung", ()), ("rueckfrage", ("--text", "Bitte den Stichtag nennen."))]
        for status, extra in steps:
            r = kasse("status", "--az", az, "--status", status, *extra)
            self.assertEqual(r.rc, 0, r)
            mail = status_mail(w.notify, az, status)
            self.assertNotIn(w.nr, mail["body"])  # the Aktenzeichen and the status only
            self.assertNotIn("Muster", mail["body"])
        lst = w.cb.get("/formulare", json=True).json()["meldungen"]
        self.assertTrue([m for m in lst if m["aktenzeichen"] == az][0]["neu_von_kasse"])
        m = meldung(w.cb, az)
        self.assertEqual(m["status"], "rueckfrage")
        self.assertEqual(m["verlauf"][-1]["text"], "Bitte den Stichtag nennen.")
        self.assertEqual(m["verlauf"][-1]["von"], "Versorgungskasse")
        lst = w.ca.get("/formulare", json=True).json()["meldungen"]
        self.assertFalse([m for m in lst if m["aktenzeichen"] == az][0]["neu_von_kasse"], "opened since")
        r = mv.post_multipart(w.cb, f"/formulare/{az}/antwort", [("text", "Stichtag 01.05.2040")],
                              [("anlage", "antwort.pdf", PDF)])
        self.assertEqual(r.status, 303, r.body[:1000])
        self.assertEqual(meldung(w.ca, az)["status"], "eingereicht")
        self.assertEqual(kasse("status", "--az", az, "--status", "in_bearbeitung").rc, 0)
        pdf = write_file("Versorgungsauskunft.pdf", PDF)
        r = kasse("status", "--az", az, "--status", "erledigt", "--text", "Anbei die Auskunft.", "--anhang", pdf)
        self.assertEqual(r.rc, 0, r)
        m = meldung(w.ca, az)
        self.assertEqual([v["status"] for v in m["verlauf"]],
                         ["eingereicht", "in_bearbeitung", "rueckfrage", "eingereicht", "in_bearbeitung", "erledigt"])
        names = [a["name"] for a in m["anlagen"]]
        self.assertEqual(names, ["antwort.pdf", "Versorgungsauskunft.pdf"])
        d = w.ca.get(f"/formular-anlage/{m['anlagen'][1]['id']}")
        self.assertEqual((d.status, d.header("Content-Type"), d.body), (200, "application/pdf", PDF))
        self.assertIn("attachment", d.header("Content-Disposition"))
        show = kasse("show", "--az", az, "--json").json()
        self.assertEqual((show["status"], show["werte"]), ("erledigt", {"variante": "altersgrenze", "anlass": "55plus"}))
        out = tempfile.mkdtemp(dir=tmpdir())
        r = kasse("export", "--az", az, "--dir", out, "--json")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(r.json()["dateien"]), 3)
        with open(os.path.join(out, f"meldung-{az}.txt"), encoding="utf-8") as f:
            self.assertIn("Anlass: Vollendung des 55. Lebensjahres", f.read())

    def test_withdrawal_and_moves_outside_the_graph(self):
        w = self.w
        az = submit(w.ca, "abgang", w.nr)
        for status in ("erledigt", "rueckfrage", "eingereicht", "entwurf", "zurueckgezogen"):
            r = kasse("status", "--az", az, "--status", status, "--text", "x")
            self.assertEqual(r.rc, 1, (status, r))
        self.assertEqual(w.ca.post(f"/formulare/{az}/antwort", {"text": "zu früh"}).status, 409)
        r = w.ca.post(f"/formulare/{az}/zurueckziehen")
        self.assertEqual((r.status, r.location), (303, f"/formulare/{az}"))
        self.assertEqual(meldung(w.ca, az)["status"], "zurueckgezogen")
        self.assertEqual(w.cb.post(f"/formulare/{az}/zurueckziehen").status, 409)
        r = kasse("status", "--az", az, "--status", "in_bearbeitung")
        self.assertEqual(r.rc, 1)
        self.assertIn("not allowed", r.err)
        r = kasse("status", "--az", az, "--status", "abgelehnt")
        self.assertEqual(r.rc, 1)
        self.assertIn("--text is required", r.err)

    def test_race_one_move_wins(self):
        w = self.w
        for _ in range(3):
            az = submit(w.ca, "versorgungsauskunft", w.nr, files=())
            results = mv.concurrently(lambda: w.ca.post(f"/formulare/{az}/zurueckziehen").status,
                                      lambda: kasse("status", "--az", az, "--status", "in_bearbeitung").rc,
                                      lambda: w.cb.post(f"/formulare/{az}/zurueckziehen").status)
            org_won = results[0] == 303 or results[2] == 303
            kasse_won = results[1] == 0
            self.assertEqual(org_won + kasse_won, 1, results)
            self.assertIn(sorted([results[0], results[2]]), ([303, 409], [409, 409]), results)
            m = meldung(w.ca, az)
            self.assertEqual(len(m["verlauf"]), 2, m["verlauf"])
            self.assertEqual(m["status"], "zurueckgezogen" if org_won else "in_bearbeitung")


class Access(Base):
    def test_other_organisation_is_identical_to_nonexistent(self):
        w = self.w
        az = submit(w.ca, "versorgungsauskunft", w.nr, files=())
        doc = submit(w.ca, "abgang", w.nr)
        doc_id = meldung(w.ca, doc)["anlagen"][0]["id"]
        missing = "BF201-2026-999999999"
        for path in (f"/formulare/{{}}", "/formulare/{}/bearbeiten"):
            a, b = w.cd.get(path.format(az)), w.cd.get(path.format(missing))
            self.assertEqual((a.status, a.alert_text()), (404, [NO_MELDUNG]))
            self.assertEqual((b.status, b.alert_text()), (404, [NO_MELDUNG]))
        for action in ("zurueckziehen", "loeschen"):
            self.assertEqual(w.cd.post(f"/formulare/{az}/{action}").status, 404)
        a, b = w.cd.get(f"/formular-anlage/{doc_id}"), w.cd.get("/formular-anlage/999999999999")
        self.assertEqual((a.status, a.body), (b.status, b.body))
        self.assertEqual(meldung(w.ca, az)["status"], "eingereicht")
        self.assertNotIn(az, w.cd.get("/formulare").text)

    def test_without_the_right(self):
        w = self.w
        home = w.cn.get("/")
        self.assertNotIn('href="/formulare"', home.text)
        self.assertIn('href="/formulare"', w.ca.get("/").text)
        for path in ("/formulare", "/formulare/neu", f"/formulare/neu/abgang?nr={w.nr}"):
            self.assertEqual(w.cn.get(path).status, 403, path)
            self.assertEqual(w.ac.get(path).status, 403, path)  # administrators have no business functions
        r = post_form(w.cn, "abgang", w.nr, VALID["abgang"])
        self.assertEqual(r.status, 403)

    def test_right_switched_off_for_the_organisation(self):
        admin, ac = U.admin_session()
        s = U.activate(U.create(ac, vorname="Sina", name="Aus", rechte=("anspruchsberechtigte", "formulare")))
        c = U.login(s)
        self.assertEqual(c.get("/formulare").status, 200)
        U.restrict(admin.org.pnr, off="formulare")
        self.assertEqual(c.get("/formulare").status, 403)
        self.assertNotIn('href="/formulare"', c.get("/").text)

    def test_every_view_and_change_is_logged(self):
        w = self.w
        az = submit(w.ca, "versorgungsauskunft", w.nr, files=())
        w.cb.get(f"/formulare/{az}")
        w.cb.post(f"/formulare/{az}/zurueckziehen")
        rows = mv.db(f"SELECT wer, aktion, person_nr FROM ab_zugriff WHERE aktenzeichen = '{az}' ORDER BY id")
        self.assertEqual(rows, [[w.b.kennung, "ansehen", w.nr], [w.b.kennung, "aendern", w.nr]])

    def test_list_filters_and_json(self):
        w = self.w
        az = submit(w.ca, "ernennung", w.nr)
        r = w.ca.get(f"/formulare?formular=ernennung&nr={w.nr}&status=eingereicht", json=True)
        self.assertEqual(r.status, 200)
        j = r.json()
        self.assertEqual(set(j), {"meldungen", "gesamt", "gesamt_gekappt", "seite", "csrf"})
        self.assertIn(az, [m["aktenzeichen"] for m in j["meldungen"]])
        self.assertTrue(all(m["formular"] == "ernennung" and m["status"] == "eingereicht" for m in j["meldungen"]))
        self.assertEqual(set(j["meldungen"][0]), {"aktenzeichen", "formular", "nr", "person", "status", "geaendert",
                                                  "neu_von_kasse"})
        self.assertEqual(w.ca.get("/formulare?status=gibtsnicht").status, 422)
        self.assertEqual(w.ca.get("/formulare?formular=x").status, 422)


class Retention(Base):
    def test_closed_meldungen_removed_after_the_period_with_their_documents(self):
        w = self.w
        done, recent, still_open = (submit(w.ca, "abgang", w.nr) for _ in range(3))
        for az in (done, recent):
            self.assertEqual(kasse("status", "--az", az, "--status", "abgelehnt", "--text", "Nicht zuständig.").rc, 0)
        mv.db(f"UPDATE meldung SET abgeschlossen_am = NOW() - INTERVAL 6 DAY WHERE aktenzeichen = '{done}'")
        mv.db(f"UPDATE meldung SET abgeschlossen_am = NOW() - INTERVAL 4 DAY WHERE aktenzeichen = '{recent}'")
        mv.db(f"UPDATE meldung SET erstellt_am = NOW() - INTERVAL 900 DAY, eingereicht_am = NOW() - INTERVAL 900 DAY "
              f"WHERE aktenzeichen = '{still_open}'")
        doc = meldung(w.ca, done)["anlagen"][0]["id"]
        mv.restart_app(MV_MELDUNG_TAGE=5)  # mvctl takes the same overrides
        try:
            r = mv.mvctl("--json", "ab", "aufraeumen")
            self.assertEqual(r.rc, 0, r)
            # the mailer's housekeeping runs at its start, so it may have removed it first
            self.assertIn(r.json()["entfernt"]["meldungen"], (0, 1))
            self.assertEqual(w.ca.get(f"/formulare/{done}").status, 404)
            self.assertEqual(w.ca.get(f"/formular-anlage/{doc}").status, 404)
            self.assertEqual(mv.db(f"SELECT COUNT(*) FROM meldung_anlage WHERE id = {doc}"), [["0"]])
            self.assertEqual(meldung(w.ca, recent)["status"], "abgelehnt")
            self.assertEqual(meldung(w.ca, still_open)["status"], "eingereicht")  # never closed: kept
        finally:
            mv.restart_app()
        # the default keeps them two years
        self.assertEqual(meldung(w.ca, recent)["status"], "abgelehnt")


class Paging(Base):
    def test_count_capped_and_pages_follow(self):
        admin, ac = U.admin_session()
        s = U.activate(U.create(ac, vorname="Paula", name="Seiten", rechte=("anspruchsberechtigte", "formulare")))
        c = U.login(s)
        nr = add_person(admin.org, f"P-{mv.uid()}"[:20])
        mv.db("INSERT INTO meldung (org_id, formular, person_nr, person_name, status, werte, erstellt_von, erstellt_am, "
              "geaendert_am) SELECT o.id, 'abgang', '" + nr + "', 'Muster, Erika', 'entwurf', '{}', 'x', NOW(), NOW() "
              "FROM organisation o JOIN (SELECT seq FROM seq_1_to_105) s WHERE o.pnr = '" + admin.org.pnr + "'")
        mv.db("UPDATE meldung SET aktenzeichen = CONCAT('BF201-2026-', LPAD(id, 6, '0')) WHERE aktenzeichen IS NULL")
        j = c.get("/formulare", json=True).json()
        self.assertEqual((j["gesamt"], j["gesamt_gekappt"], j["seite"], len(j["meldungen"])), (101, True, 1, 20))
        page = c.get("/formulare")
        self.assertIn("1 - 20 von mehr als 100", page.text)
        self.assertIn("Nächste Seite", page.text)
        j = c.get("/formulare?seite=6", json=True).json()  # beyond the counted rows, still there
        self.assertEqual((j["seite"], len(j["meldungen"])), (6, 5))
        self.assertNotIn("Nächste Seite", c.get("/formulare?seite=6").text)
        j = c.get(f"/formulare?nr={nr}&formular=ernennung", json=True).json()
        self.assertEqual((j["gesamt"], j["gesamt_gekappt"], j["meldungen"]), (0, False, []))
