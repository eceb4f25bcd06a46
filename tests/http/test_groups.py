"""Group mailboxes for administrators (SPEC §7, §10; handbook §6): "Übersicht: Gruppen" with the six group
types, their notification address and the assigned Sachbearbeiter; "Gruppendetails" where the address is set,
changed or removed (refused when invalid, recorded in the change log); access only for the organisation's own
administrators."""

import html as htmllib
import re

import mv
import users_lib as U

TITLE = "Übersicht: Gruppen"
SENTENCE = "Bitte stellen Sie sicher, dass jedem Gruppenpostfach Nutzer zugeordnet sind."
NOBODY = "⚠ Keine Sachbearbeiter zugeordnet."
BAD_EMAIL = "Bitte geben Sie eine gültige E-Mail-Adresse ein oder lassen Sie das Feld leer."
NO_GROUP = "Dieses Gruppenpostfach gibt es nicht."
EVENT_LABEL = "Benachrichtigungsadresse geändert"

# (every cell names its column in data-label: see test_ux_details)
ROW_RE = re.compile(r'<tr><td[^>]*><a href="/gruppen/([a-z-]+)">(.*?)</a></td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>',
                    re.S)


def text_of(fragment):
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


def overview_rows(r):
    """[(slug, Gruppentyp, E-Mail-Adresse, Sachbearbeiter text)] of the HTML overview."""
    return [(slug, text_of(name), text_of(mail), text_of(names)) for slug, name, mail, names in ROW_RE.findall(r.text)]


def group_json(client, slug):
    r = client.get(f"/gruppen/{slug}", json=True)
    if r.status != 200:
        raise AssertionError(f"/gruppen/{slug}: {r!r}")
    j = r.json()
    j.pop("csrf", None)
    return j


def group_events(client, gruppe=None):
    """The change-log entries about notification addresses (of one group type), newest first."""
    return [e for e in U.protokoll(client) if e["ereignis"] == "group_email_changed"
            and (gruppe is None or e["betroffen"] == gruppe)]


class Overview(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        # names chosen so that the order (Vorname, Name) differs from the order of creation and of Name
        cls.zora = U.create(cls.c, vorname="Zora", name="Alt", gruppen=("Beihilfe", "Finanzierung"))
        cls.anna_z = U.create(cls.c, vorname="Anna", name="Zett", gruppen=("Beihilfe",))
        cls.anna_b = U.create(cls.c, vorname="Anna", name="Berg", gruppen=("Beihilfe", "Mitglieder/Recht"))

    def test_html_table(self):
        r = self.c.get("/gruppen")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertIn(f"<h1>{TITLE}</h1>", r.text)
        self.assertIn(f"<title>{TITLE} – Meine Versorgung</title>", r.text)
        self.assertIn(SENTENCE, r.text)
        self.assertIn('<th scope="col">Gruppentyp</th><th scope="col">E-Mail-Adresse</th>'
                      '<th scope="col">Sachbearbeiter</th>', r.text)
        self.assertIn('<td data-label="Gruppentyp"><a href="/gruppen/beihilfe">Beihilfe</a></td>', r.text,
                      "a row opens the details")
        self.assertEqual(overview_rows(r), [
            ("beihilfe", "Beihilfe", "", "Anna Berg, Anna Zett, Zora Alt"),
            ("beamtenversorgung", "Beamtenversorgung", "", NOBODY),
            ("finanzierung", "Finanzierung", "", "Zora Alt"),
            ("mitglieder-recht", "Mitglieder/Recht", "", "Anna Berg"),
            ("geschaeftsleitung", "Geschäftsleitung", "", NOBODY),
            ("administration", "Administration", "", NOBODY),
        ])

    def test_navigation_marks_the_current_page(self):
        # the header entry of the page shown carries aria-current="page" (a real attribute, not escaped text)
        r = self.c.get("/gruppen")
        m = re.search(r'<a href="/gruppen"[^>]*>Übersicht: Gruppen</a>', r.text)
        self.assertEqual(m and m.group(0), '<a href="/gruppen" aria-current="page">Übersicht: Gruppen</a>')

    def test_json(self):
        r = self.c.get("/gruppen", json=True)
        self.assertEqual(r.status, 200)
        j = r.json()
        self.assertEqual(j["csrf"], self.c.csrf)
        self.assertEqual(j["gruppen"], [
            {"gruppentyp": "Beihilfe", "slug": "beihilfe", "email": None,
             "sachbearbeiter": ["Anna Berg", "Anna Zett", "Zora Alt"], "anzahl": 3},
            {"gruppentyp": "Beamtenversorgung", "slug": "beamtenversorgung", "email": None, "sachbearbeiter": [],
             "anzahl": 0},
            {"gruppentyp": "Finanzierung", "slug": "finanzierung", "email": None, "sachbearbeiter": ["Zora Alt"],
             "anzahl": 1},
            {"gruppentyp": "Mitglieder/Recht", "slug": "mitglieder-recht", "email": None,
             "sachbearbeiter": ["Anna Berg"], "anzahl": 1},
            {"gruppentyp": "Geschäftsleitung", "slug": "geschaeftsleitung", "email": None, "sachbearbeiter": [],
             "anzahl": 0},
            {"gruppentyp": "Administration", "slug": "administration", "email": None, "sachbearbeiter": [],
             "anzahl": 0},
        ])

    def test_details_page(self):
        r = self.c.get("/gruppen/mitglieder-recht")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Gruppendetails</h1>", r.text)
        self.assertIn("<dt>Gruppentyp</dt><dd>Mitglieder/Recht</dd><dt>Sachbearbeiter</dt><dd>Anna Berg</dd>", r.text)
        self.assertIn('<form method="post" action="/gruppen/mitglieder-recht" novalidate>', r.text)
        self.assertIn('<input type="hidden" name="csrf" value="%s">' % self.c.csrf, r.text)
        self.assertIn('<input id="f-email" name="email" type="email" value=""', r.text)
        self.assertIn('<a class="btn secondary" href="/gruppen">Abbrechen</a>', r.text)
        self.assertIn(">Speichern</button>", r.text)
        r = self.c.get("/gruppen/geschaeftsleitung")
        self.assertIn("<dt>Gruppentyp</dt><dd>Geschäftsleitung</dd><dt>Sachbearbeiter</dt><dd>", r.text)
        self.assertIn(NOBODY, text_of(r.text))
        self.assertEqual(group_json(self.c, "finanzierung"),
                         {"gruppentyp": "Finanzierung", "slug": "finanzierung", "email": None,
                          "sachbearbeiter": ["Zora Alt"], "anzahl": 1})

    def test_unknown_group_404(self):
        for slug in ["gibtsnicht", "Beihilfe", "BEIHILFE", "mitglieder%2Frecht", "Mitglieder/Recht", "1"]:
            r = self.c.get(f"/gruppen/{slug}")
            self.assertEqual(r.status, 404, slug)
            if slug != "Mitglieder/Recht":  # an extra path segment is simply an unknown page
                self.assertIn(NO_GROUP, r.alert_text(), slug)
        r = self.c.post("/gruppen/gibtsnicht", {"email": "x@example.org"})
        self.assertEqual(r.status, 404)
        self.assertIn(NO_GROUP, r.alert_text())
        r = self.c.get("/gruppen/gibtsnicht", json=True)
        self.assertEqual((r.status, r.json()["errors"]), (404, {"_": NO_GROUP}))
        self.assertEqual(group_events(self.c), [])

    def test_membership_changes_show_at_once(self):
        admin, c = U.admin_session()  # an organisation of its own: the other tests' tables stay as they are
        s = U.create(c, vorname="Bodo", name="Mitte", gruppen=("Administration",))
        self.assertEqual(group_json(c, "administration")["sachbearbeiter"], ["Bodo Mitte"])
        r = c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                   U.form("Bodo", "Mitte", s.email, ["Geschäftsleitung", "Beihilfe"], terms=False))
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gespeichert"))
        rows = {row[0]: row[3] for row in overview_rows(c.get("/gruppen"))}
        self.assertEqual(rows, {"beihilfe": "Bodo Mitte", "beamtenversorgung": NOBODY, "finanzierung": NOBODY,
                                "mitglieder-recht": NOBODY, "geschaeftsleitung": "Bodo Mitte",
                                "administration": NOBODY})
        self.assertEqual(group_json(c, "administration")["anzahl"], 0)
        self.assertEqual(group_json(c, "geschaeftsleitung")["anzahl"], 1)

    def test_large_group_shows_100_names_and_the_rest_as_a_number(self):
        org = U.dev_seed(260)  # generated Sachbearbeiter, each in a random set of groups
        admin, c = U.admin_session(org=org)
        j = c.get("/gruppen", json=True).json()["gruppen"]
        text = c.get("/gruppen").text
        rows = {row[0]: row[3] for row in overview_rows(c.get("/gruppen"))}
        for g in j:
            n = g["anzahl"]
            names = g["sachbearbeiter"]
            self.assertEqual(len(names), min(n, 100), g["slug"])
            self.assertEqual(names, sorted(names, key=lambda x: tuple(x.split(" ", 1))), g["slug"])
            expect = ", ".join(names) + (f" und {n - 100} weitere" if n > 100 else "")
            self.assertEqual(rows[g["slug"]], expect, g["slug"])
        self.assertTrue(any(g["anzahl"] > 100 for g in j), "260 users in random groups: some group has more than 100")
        self.assertIn(" weitere</td>", text)

    def test_names_escaped(self):
        admin, c = U.admin_session()
        U.create(c, vorname='"><svg onload=alert(1)>', name="</td><b>O'Brien", gruppen=("Finanzierung",))
        for path in ["/gruppen", "/gruppen/finanzierung"]:
            r = c.get(path)
            self.assertEqual(r.status, 200)
            self.assertNotIn("<svg onload", r.text, path)
            self.assertNotIn("</td><b>", r.text, path)
            self.assertIn("&quot;&gt;&lt;svg onload=alert(1)&gt; &lt;/td&gt;&lt;b&gt;O&#39;Brien", r.text, path)
        self.assertEqual(group_json(c, "finanzierung")["sachbearbeiter"],
                         ['"><svg onload=alert(1)> </td><b>O\'Brien'])


class NotificationAddress(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_set_change_remove_with_audit(self):
        first = f"beihilfe{mv.uid()}@example.org"
        second = f"Team.Beihilfe{mv.uid()}@Example.org"
        self.c.get("/gruppen/beihilfe")
        r = self.c.post("/gruppen/beihilfe", {"email": f"  {first} "})
        self.assertEqual((r.status, r.location), (303, "/gruppen"))
        self.assertEqual(group_json(self.c, "beihilfe")["email"], first, "surrounding blanks are trimmed")
        rows = {row[0]: row for row in overview_rows(self.c.get("/gruppen"))}
        self.assertEqual(rows["beihilfe"][2], first)
        self.assertEqual(rows["finanzierung"][2], "", "only the group posted changes")
        self.assertIn(f'value="{first}"', self.c.get("/gruppen/beihilfe").text)
        # change
        r = self.c.post("/gruppen/beihilfe", {"email": second})
        self.assertEqual((r.status, r.location), (303, "/gruppen"))
        self.assertEqual(group_json(self.c, "beihilfe")["email"], second)
        # the same address again: nothing changes, nothing is logged
        r = self.c.post("/gruppen/beihilfe", {"email": second})
        self.assertEqual((r.status, r.location), (303, "/gruppen"))
        # remove (empty field; blanks only count as empty)
        r = self.c.post("/gruppen/beihilfe", {"email": "   "})
        self.assertEqual((r.status, r.location), (303, "/gruppen"))
        self.assertIsNone(group_json(self.c, "beihilfe")["email"])
        self.assertEqual({row[0]: row[2] for row in overview_rows(self.c.get("/gruppen"))}["beihilfe"], "")
        ev = group_events(self.c, "Beihilfe")
        self.assertEqual([(e["wer"], e["aktion"], e["betroffen"], e["aenderung"]) for e in ev], [
            (self.admin.kennung, EVENT_LABEL, "Beihilfe", f"E-Mail-Adresse: {second} → (keine)"),
            (self.admin.kennung, EVENT_LABEL, "Beihilfe", f"E-Mail-Adresse: {first} → {second}"),
            (self.admin.kennung, EVENT_LABEL, "Beihilfe", f"E-Mail-Adresse: (keine) → {first}"),
        ])
        # the HTML change log shows the same entry
        r = self.c.get("/protokoll")
        self.assertIn(EVENT_LABEL, r.text)
        self.assertIn(htmllib.escape(f"E-Mail-Adresse: {second} → (keine)"), r.text)
        # the operator's view (mvctl audit) holds it too
        cli = [e for e in U.audit_cli(self.admin.org.pnr)
               if e["ereignis"] == "group_email_changed" and e["betroffen"] == "Beihilfe"]
        self.assertEqual([e["aenderung"] for e in cli], [f"E-Mail-Adresse: (keine) → {first}",
                                                         f"E-Mail-Adresse: {first} → {second}",
                                                         f"E-Mail-Adresse: {second} → (keine)"])
        # removing again when there is none: no new entry
        self.c.post("/gruppen/beihilfe", {"email": ""})
        self.assertEqual(len(group_events(self.c, "Beihilfe")), 3)

    def test_json_post(self):
        addr = f"fin{mv.uid()}@example.org"
        c = mv.Client(json=True)
        c.cookies = dict(self.c.cookies)
        r = c.get("/gruppen/finanzierung")
        self.assertEqual(r.status, 200)
        r = c.post("/gruppen/finanzierung", {"email": addr})
        self.assertEqual(r.status, 200)
        self.assertEqual((r.json()["ok"], r.json()["next"]), (True, "/gruppen"))
        self.assertEqual(group_json(self.c, "finanzierung")["email"], addr)
        r = c.post("/gruppen/finanzierung", {"email": "kein-at-zeichen"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["errors"], {"email": BAD_EMAIL})
        self.assertEqual(group_json(self.c, "finanzierung")["email"], addr)
        # the X-CSRF-Token header works as well as the field
        r = c.post("/gruppen/finanzierung", {"email": ""}, csrf=False, headers={"X-CSRF-Token": c.csrf})
        self.assertEqual(r.status, 200)
        self.assertIsNone(group_json(self.c, "finanzierung")["email"])

    def test_invalid_address_refused(self):
        good = f"gl{mv.uid()}@example.org"
        self.c.post("/gruppen/geschaeftsleitung", {"email": good})
        before = len(group_events(self.c, "Geschäftsleitung"))
        for bad in ["bad@", "kein-at-zeichen", "a@b", "a b@example.org", "<x@example.org>", "x@example.org,y@example.org",
                    "x@@example.org", "x@example.", "@example.org", "a" * 250 + "@example.org",
                    "x@example.org\r\nBcc: y@example.org"]:
            r = self.c.post("/gruppen/geschaeftsleitung", {"email": bad})
            self.assertEqual(r.status, 422, bad)
            self.assertEqual(r.field_error("email"), BAD_EMAIL, bad)
            self.assertEqual(r.summary_errors(), [BAD_EMAIL], bad)
            self.assertIn('value="%s"' % htmllib.escape(bad), r.text, "the input is shown again")
            self.assertIn("<h1>Gruppendetails</h1>", r.text)
        self.assertEqual(group_json(self.c, "geschaeftsleitung")["email"], good, "nothing changed")
        self.assertEqual(len(group_events(self.c, "Geschäftsleitung")), before, "nothing logged")

    def test_csrf_required(self):
        self.c.get("/gruppen/administration")
        r = self.c.post("/gruppen/administration", {"email": "x@example.org"}, csrf=False)
        self.assertEqual(r.status, 403)
        self.assertIn(mv.CSRF_FAILED, r.alert_text())
        r = self.c.post("/gruppen/administration", {"email": "x@example.org"}, csrf="A" * 43)
        self.assertEqual(r.status, 403)
        self.assertIsNone(group_json(self.c, "administration")["email"])


class Access(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        cls.other, cls.oc = U.admin_session()
        cls.sb = U.activate(U.create(cls.c, vorname="Sina", name="Sachbearbeiterin", gruppen=("Beihilfe",)))

    def test_other_organisation_sees_only_its_own(self):
        addr = f"iso{mv.uid()}@example.org"
        self.c.post("/gruppen/beihilfe", {"email": addr})
        j = self.oc.get("/gruppen", json=True).json()
        self.assertEqual([g["email"] for g in j["gruppen"]], [None] * 6)
        self.assertEqual([g["sachbearbeiter"] for g in j["gruppen"]], [[]] * 6)
        text = self.oc.get("/gruppen").text
        self.assertNotIn(addr, text)
        self.assertNotIn("Sachbearbeiterin", text)
        # the other organisation's setting changes only its own group
        other_addr = f"iso-b{mv.uid()}@example.org"
        self.oc.post("/gruppen/beihilfe", {"email": other_addr})
        self.assertEqual(group_json(self.oc, "beihilfe")["email"], other_addr)
        self.assertEqual(group_json(self.c, "beihilfe")["email"], addr)
        self.assertEqual([e["aenderung"] for e in group_events(self.oc)],
                         [f"E-Mail-Adresse: (keine) → {other_addr}"])
        self.assertEqual([e["aenderung"] for e in group_events(self.c)], [f"E-Mail-Adresse: (keine) → {addr}"])

    def test_sachbearbeiter_forbidden(self):
        s = U.login(self.sb)
        for path in ["/gruppen", "/gruppen/beihilfe"]:
            r = s.get(path)
            self.assertEqual(r.status, 403, path)
            self.assertIn(U.FORBIDDEN, r.alert_text())
            self.assertEqual(s.get(path, json=True).json()["errors"], {"_": U.FORBIDDEN})
        before = group_json(self.c, "beihilfe")["email"]
        r = s.post("/gruppen/beihilfe", {"email": "sb@example.org"})
        self.assertEqual(r.status, 403)
        self.assertIn(U.FORBIDDEN, r.alert_text())
        self.assertEqual(group_json(self.c, "beihilfe")["email"], before)

    def test_anonymous(self):
        c = mv.Client()
        c.get("/anmelden")
        for path in ["/gruppen", "/gruppen/beihilfe"]:
            self.assertEqual((c.get(path).status, c.last.location), (303, "/anmelden"), path)
            self.assertEqual(c.get(path, json=True).status, 401, path)
        r = c.post("/gruppen/beihilfe", {"email": "anon@example.org"})
        self.assertEqual((r.status, r.location), (303, "/anmelden"))
