"""What users stumbled over in issue 11 (items 12, 15, 16): the success dialog shown once, table cells that
name their column for narrow screens, the lock state instead of "AKTIV", the favicon, the login's error
text, every password error at once, info texts without switched-off rights, "Registrieren" and the
password toggle on the login page. The browser suite (tests/browser/run.mjs) checks how they look."""

import html as htmllib
import html.parser as htmlparser
import re

import mv
import users_lib as U

DIALOG = '<h2 id="dlg-anlage-titel">ANLAGE ERFOLGREICH</h2>'


class SuccessDialogOnce(mv.Case):
    """Item 12: "ANLAGE ERFOLGREICH" after the creation, not again after a reload or Back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_dialog_once_then_the_details(self):
        mail = U.email()
        name = f"Einmal{mv.uid()}"
        r = self.c.post("/sachbearbeiter/neu", U.form("Jana", name, mail, ["Beihilfe"]))
        self.assertEqual(r.status, 303, r)
        m = re.fullmatch(r"/sachbearbeiter/(%s)\?angelegt=1" % U.KENNUNG_RE, r.location)
        self.assertTrue(m, r.location)
        k = m.group(1)
        value, attrs = r.set_cookies["mv_angelegt"]
        self.assertRegex(value, r"^[A-Za-z0-9_-]{43}$")
        self.assertNotIn(k, value, "the cookie names the account only as a keyed hash")
        for attr in ("Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=600"):
            self.assertIn(attr, attrs)
        p = self.c.follow(r)
        self.assertEqual(p.status, 200)
        self.assertIn(DIALOG, p.text)
        self.assertIn(f"Bitte teilen Sie Jana {name} die Nutzerkennung separat mit.", p.text)
        self.assertIn(f"Nutzerkennung: <strong>{k}</strong>", p.text)
        self.assertIn("max-age=0", p.set_cookies["mv_angelegt"][1].lower(), "shown once: the cookie is deleted")
        self.assertNotIn("mv_angelegt", self.c.cookies)
        # reload (and Back, which loads the no-store page again): the details without the dialog
        again = self.c.get(f"/sachbearbeiter/{k}?angelegt=1")
        self.assertEqual(again.status, 200)
        self.assertNotIn("ANLAGE ERFOLGREICH", again.text)
        self.assertNotIn('id="dlg-anlage-titel"', again.text)
        self.assertNotIn('class="modal success"', again.text)
        self.assertIn("<h1>Sachbearbeiter&shy;details</h1>", again.text)
        self.assertIn(f"<dt>Nutzerkennung</dt><dd>{k}</dd>", again.text)
        self.assertIn(f"<dt>Name</dt><dd>{name}</dd>", again.text)
        # created once: one account, one mail
        self.assertEqual([x["nutzerkennung"] for x in U.listing(self.c, f"name={name}")["sachbearbeiter"]], [k])
        mv.wait_mail(mail, mv.SUBJ_SETPW)
        self.assertEqual(len(mv.mails(mail, mv.SUBJ_SETPW)), 1)

    def test_no_dialog_in_another_session_or_with_a_forged_cookie(self):
        s = U.create(self.c, vorname="Otto")
        other = mv.login_admin(self.admin)
        self.assertNotIn("ANLAGE ERFOLGREICH", other.get(f"/sachbearbeiter/{s.kennung}?angelegt=1").text)
        other.cookies["mv_angelegt"] = self.c.cookies["mv_angelegt"]
        self.assertNotIn("ANLAGE ERFOLGREICH", other.get(f"/sachbearbeiter/{s.kennung}?angelegt=1").text,
                         "the mark belongs to the session that created the account")
        self.c.cookies["mv_angelegt"] = "A" * 43
        self.assertNotIn("ANLAGE ERFOLGREICH", self.c.get(f"/sachbearbeiter/{s.kennung}?angelegt=1").text)

    def test_json_answer_unchanged(self):
        r = self.c.post("/sachbearbeiter/neu", U.form("Paul", f"Json{mv.uid()}", U.email()), json=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(set(j), {"ok", "next", "nutzerkennung", "csrf"})
        self.assertEqual(j["next"], f"/sachbearbeiter/{j['nutzerkennung']}?angelegt=1")
        self.assertNotIn("mv_angelegt", r.set_cookies)


class _Tables(htmlparser.HTMLParser):
    """Every table with a head: [(column names, [[(data-label or None, colspan, text)] per body row])]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.cell, self.in_head = [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and self.tables and not self.in_head:
            self.tables[-1][1].append([])
        elif tag in ("th", "td") and self.tables:
            self.cell = [a.get("data-label"), int(a.get("colspan", "1")), "", tag]

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        elif tag in ("th", "td") and self.cell:
            label, span, text, kind = self.cell
            text = " ".join(text.split())
            if kind == "th" and self.in_head:
                self.tables[-1][0].append(text)
            elif kind == "td":
                self.tables[-1][1][-1].append((label, span, text))
            self.cell = None

    def handle_data(self, data):
        if self.cell:
            self.cell[2] += data


def tables(text):
    p = _Tables()
    p.feed(text)
    return p.tables


class TableLabels(mv.Case):
    """Item 15: every cell of a list table names its column (data-label), for the stacked rows of narrow
    screens; a cell spanning the whole row ("Keine …") has none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        cls.s = U.activate(U.create(cls.c, vorname="Tabea", gruppen=("Beihilfe", "Mitglieder/Recht")))
        r = cls.c.post("/gruppen/beihilfe", {"email": f"beihilfe{mv.uid()}@example.org"})
        assert r.status == 303, r
        assert mv.mvctl("message", "send", "--pnr", cls.admin.org.pnr, "--kennung", cls.s.kennung, "--betreff",
                        "Ihr Bescheid", "--text", "Anbei.").rc == 0

    def assert_labelled(self, text, columns, rows_at_least=1, where=""):
        found = tables(text)
        self.assertEqual(len(found), 1, where)
        head, rows = found[0]
        self.assertEqual(head, columns, where)
        self.assertGreaterEqual(len(rows), rows_at_least, where)
        for row in rows:
            if len(row) == 1 and row[0][1] >= len(columns):
                self.assertIsNone(row[0][0], f"{where}: a cell across the row has no label")
                continue
            self.assertEqual([label for label, _, _ in row], columns, f"{where}: {row}")
        return rows

    def test_overview_groups_and_change_log(self):
        rows = self.assert_labelled(self.c.get("/sachbearbeiter").text,
                                    ["Name", "Vorname", "Nutzerkennung", "Gruppe", "Benutzerstatus"], 1, "overview")
        self.assertIn((("Nutzerkennung", 1, self.s.kennung)), rows[0])
        self.assertRegex(self.c.get("/sachbearbeiter").text,
                         r'<td data-label="Name"><a href="/sachbearbeiter/%s">' % self.s.kennung)
        none = self.assert_labelled(self.c.get("/sachbearbeiter?name=Niemand").text,
                                    ["Name", "Vorname", "Nutzerkennung", "Gruppe", "Benutzerstatus"], 1, "no match")
        self.assertEqual(none, [[(None, 5, "Keine Sachbearbeiter gefunden.")]])
        rows = self.assert_labelled(self.c.get("/gruppen").text, ["Gruppentyp", "E-Mail-Adresse", "Sachbearbeiter"],
                                    6, "groups")
        self.assertEqual(rows[0][2], ("Sachbearbeiter", 1, f"Tabea {self.s.name}"))
        t = self.c.get("/protokoll").text
        head = tables(t)[0][0]
        self.assertEqual(len(head), 5)
        self.assert_labelled(t, head, 2, "change log")

    def test_mailboxes(self):
        c = U.login(self.s)
        t = c.get("/postfach/persoenlich").text
        head = tables(t)[0][0]
        rows = self.assert_labelled(t, head, 1, "Posteingang")
        self.assertTrue([text for _, _, text in rows[0] if text.startswith("Ihr Bescheid")], rows)
        t = c.get("/postfach/beihilfe").text
        self.assertEqual(self.assert_labelled(t, tables(t)[0][0], 1, "empty group mailbox"),
                         [[(None, 5, "Keine Nachrichten.")]])
        t = c.get("/postfach/persoenlich?ordner=gesendet").text
        self.assert_labelled(t, tables(t)[0][0], 1, "Gesendet")

    def test_json_unchanged(self):
        j = self.c.get("/gruppen", json=True).json()
        self.assertNotIn("data-label", str(j))


def status_dd(text):
    m = re.search(r"<dt>Benutzerstatus</dt><dd>(.*?)</dd>", text, re.S)
    assert m, text[:2000]
    return m.group(1)


class SelfLockBadge(mv.Case):
    """Item 16: a self-locked account shows its lock, not a green "AKTIV" beside it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_self_locked_shows_the_lock(self):
        s = U.activate(U.create(self.c, vorname="Selma"))
        self.assertEqual(status_dd(self.c.get(f"/sachbearbeiter/{s.kennung}").text),
                         '<span class="status-badge status-aktiv">AKTIV</span>')
        for _ in range(5):
            _, r = mv.login_password(s.kennung, mv.new_password())
            self.assertEqual(r.status, 422)
        j = U.details(self.c, s.kennung)
        until = j["voruebergehend_gesperrt_bis"]
        self.assertEqual(j["status"], "Aktiv", "the JSON keeps the stored status beside the lock")
        dd = status_dd(self.c.get(f"/sachbearbeiter/{s.kennung}").text)
        self.assertEqual(dd, '<span class="status-badge status-gesperrt">VORÜBERGEHEND GESPERRT</span> '
                             f'<span class="warning-text">bis {until}</span>')
        self.assertNotIn("AKTIV", dd)
        # locked by the administrator as well: that status, and the self-lock beside it
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {}).status, 303)
        dd = status_dd(self.c.get(f"/sachbearbeiter/{s.kennung}").text)
        self.assertEqual(dd, '<span class="status-badge status-gesperrt">GESPERRT</span> '
                             f'<span class="warning-text">(vorübergehend gesperrt bis {until})</span>')


class Favicon(mv.Case):
    """Item 16: a favicon, served by nginx and linked by the layout."""

    def test_served_and_linked(self):
        c = mv.Client()
        r = c.get("/favicon.ico")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "image/x-icon")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.body[:4], b"\x00\x00\x01\x00", "an ICO file")
        r = c.get("/static/favicon.svg")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("image/svg+xml"), r.header("Content-Type"))
        self.assertIn(b"<svg", r.body)
        self.assertNotIn(b"<script", r.body)
        links = ['<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">',
                 '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">']
        for page in ("/anmelden", "/impressum", "/gibt-es-nicht"):
            t = c.get(page).text
            for link in links:
                self.assertIn(link, t, page)


class LoginErrorText(mv.Case):
    """Item 16: a refused login names no "markierten Eingaben" — no field is marked (which one was wrong stays
    untold); an error at a field still says so."""

    MARKED = "Bitte korrigieren Sie die markierten Eingaben."

    def test_refused_login_marks_nothing_and_says_so(self):
        a = mv.ready_admin()
        c = mv.Client()
        c.get("/anmelden")
        r = c.post("/anmelden", {"kennung": a.kennung, "passwort": "Falsch-2024-Passwort!"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.summary_errors(), [mv.LOGIN_FAILED])
        self.assertNotIn(self.MARKED, r.text)
        self.assertNotIn("aria-invalid", r.text)
        self.assertNotIn('class="field has-error"', r.text)
        r = c.post("/anmelden", {"kennung": "", "passwort": ""})
        self.assertEqual(r.status, 422)
        self.assertIn(self.MARKED, r.text)
        self.assertEqual(r.field_error("kennung"), "Bitte geben Sie Ihre Nutzerkennung ein.")


M_LENGTH = "Das Passwort muss zwischen 12 und 128 Zeichen lang sein."
M_DIGIT = "Das Passwort muss mindestens eine Ziffer enthalten."
M_SPECIAL = "Das Passwort muss mindestens ein Sonderzeichen enthalten."
M_COMMON = "Das Passwort ist zu gebräuchlich und leicht zu erraten."
M_MISMATCH = "Die beiden Passwörter stimmen nicht überein."
M_OLD_WRONG = "Das bisherige Passwort ist nicht korrekt."
M_OLD_MISSING = "Bitte geben Sie Ihr bisheriges Passwort ein."


class PasswordErrorsAtOnce(mv.Case):
    """Item 16: every password error at once, each at its field — not one after the other."""

    def test_link_form_names_rules_and_confirmation_together(self):
        a = mv.new_admin()
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        c = mv.Client()
        c.get(link)
        r = c.post(link, {"passwort": "kurz", "passwort_wiederholung": "kurz2"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort"), " ".join([M_LENGTH, M_DIGIT, M_SPECIAL]))
        self.assertEqual(r.field_error("passwort_wiederholung"), M_MISMATCH)
        self.assertEqual(r.summary_errors(), [" ".join([M_LENGTH, M_DIGIT, M_SPECIAL]), M_MISMATCH])
        r = c.post(link, {"passwort": "Passwort2024!", "passwort_wiederholung": ""}, json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["errors"], {"passwort": M_COMMON, "passwort_wiederholung": M_MISMATCH})
        self.assertEqual(c.get(link).status, 200, "the link is still usable")

    def test_settings_name_every_error_together(self):
        a = mv.ready_admin()
        c = mv.login_admin(a)
        changed = len(mv.mails(a.email, mv.SUBJ_CHANGED))
        c.get("/einstellungen")
        r = c.post("/einstellungen", {"passwort_alt": a.password + "x", "passwort_neu": "kurz",
                                      "passwort_neu_wiederholung": "lang"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort_alt"), M_OLD_WRONG)
        self.assertEqual(r.field_error("passwort_neu"), " ".join([M_LENGTH, M_DIGIT, M_SPECIAL]))
        self.assertEqual(r.field_error("passwort_neu_wiederholung"), M_MISMATCH)
        self.assertEqual(r.summary_errors(), [M_OLD_WRONG, " ".join([M_LENGTH, M_DIGIT, M_SPECIAL]), M_MISMATCH])
        r = c.post("/einstellungen", {"passwort_alt": "", "passwort_neu": "Passwort2024!",
                                      "passwort_neu_wiederholung": "Passwort2024!"}, json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["errors"], {"passwort_alt": M_OLD_MISSING, "passwort_neu": M_COMMON})
        # the right current password with a refused new one: only the new one's error; nothing changed
        r = c.post("/einstellungen", {"passwort_alt": a.password, "passwort_neu": "Passwort2024!",
                                      "passwort_neu_wiederholung": "Passwort2024?"})
        self.assertEqual(r.status, 422)
        self.assertIsNone(r.field_error("passwort_alt"))
        self.assertEqual(r.field_error("passwort_neu"), M_COMMON)
        self.assertEqual(r.field_error("passwort_neu_wiederholung"), M_MISMATCH)
        self.assertEqual(c.get("/").status, 200, "still logged in")
        self.assertEqual(len(mv.mails(a.email, mv.SUBJ_CHANGED)), changed, "no password changed")


LABEL_A = "darf Anspruchsberechtigte (inkl. Lebensläufe) sehen (bei aktiven Beamten)"
LABEL_K = "darf Personen-/Kontaktdaten sehen und ändern"
LABEL_F = "darf Beamtenformulare sehen und Änderungen melden"
INFO_A = "Anzeige von Anspruchsberechtigten (bei Beamten inkl. Lebensläufe)."


def info_of(text, right):
    m = re.search(r'<label for="f-recht-%s">.*?</label><details class="info"><summary>.*?</summary><p>(.*?)</p>'
                  % right, text, re.S)
    return htmllib.unescape(m.group(1)) if m else None


class InfoTextsOfferedRightsOnly(mv.Case):
    """Item 16: the info text of "darf Anspruchsberechtigte …" names only the rights the organisation offers
    (§1.7: a switched-off right is not shown, so it is not named either)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def infos(self):
        pages = [self.c.get("/sachbearbeiter/neu").text]
        s = U.create(self.c, vorname="Ines", rechte=["anspruchsberechtigte"])
        pages += [self.c.get(f"/sachbearbeiter/{s.kennung}").text,
                  self.c.get(f"/sachbearbeiter/{s.kennung}/bearbeiten").text]
        return [info_of(t, "anspruchsberechtigte") for t in pages]

    def test_switched_off_rights_are_not_named(self):
        self.assertEqual(set(self.infos()), {f"{INFO_A} Dieses Recht ist Voraussetzung für „{LABEL_K}“ und „{LABEL_F}“."})
        self.assertEqual(info_of(self.c.get("/sachbearbeiter/neu").text, "formulare"),
                         f"Meldung von Änderungen bei aktiven Beamten mittels Beamtenformularen. Setzt das Recht "
                         f"„{LABEL_A}“ voraus.")
        U.restrict(self.admin.org.pnr, off="kontaktdaten")
        self.assertEqual(set(self.infos()), {f"{INFO_A} Dieses Recht ist Voraussetzung für „{LABEL_F}“."})
        U.restrict(self.admin.org.pnr, off="formulare")
        self.assertEqual(set(self.infos()), {INFO_A})
        U.restrict(self.admin.org.pnr, on="kontaktdaten")
        self.assertEqual(set(self.infos()), {f"{INFO_A} Dieses Recht ist Voraussetzung für „{LABEL_K}“."})


class LoginPageAsInTheHandbook(mv.Case):
    """Item 16: "Registrieren" is a button beside "Passwort vergessen" (handbook §1.2), leading to how a
    registration happens; the show/hide toggle of password fields comes with the script (the page works
    without it), so the server's form stays a plain password field."""

    def test_registrieren_beside_passwort_vergessen(self):
        t = mv.Client().get("/anmelden").text
        self.assertIn('<div class="actions login-actions"><div class="actions-group">'
                      '<a class="btn secondary" href="/passwort-vergessen">Passwort vergessen</a>'
                      '<a class="btn secondary" href="#registrieren">Registrieren</a></div>'
                      '<button type="submit" class="btn">Anmelden</button></div>', t)
        self.assertIn('<section id="registrieren" class="jump-target" aria-labelledby="registrieren-titel">'
                      '<h2 id="registrieren-titel">Registrieren</h2><p>Ihre Registrierung nehmen die '
                      'Portal-Administratoren der Kassen vor. Dazu legen diese einen individuellen Zugang mit Ihrem '
                      'Namen und Ihrer dienstlichen E-Mail-Adresse an.', t)
        self.assertIn('<input id="f-passwort" name="passwort" type="password"', t)
        self.assertNotIn("pw-toggle", t)
        self.assertIn('id="faq-registrierung"', mv.Client().get("/faq").text)
        js = mv.Client().get("/static/mv.js").text
        for part in ("pw-toggle", "aria-pressed", "'Passwort anzeigen'", "input[type=\"password\"]"):
            self.assertIn(part, js)
