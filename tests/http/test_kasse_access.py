"""The Kasse's own accounts (role K, SPEC §15): `mvctl kasse add|update|lock|unlock|list`, their login,
start page and navigation, and the separation from the organisations' routes. The route-table walk of
every route against every role is in test_security_checklist (#29)."""

import json
import unittest

import mv


def err_json(r):
    return json.loads(r.err)


def db_row(sql):
    rows = mv.db(sql)
    return rows[0] if rows else None


def db_col(sql):
    return [row[0] for row in mv.db(sql)]


class KasseAdd(mv.Case):
    def test_add_prints_the_kennung_and_mails_the_password_link(self):
        email = f"kasse{mv.uid()}@example.org"
        r = mv.mvctl("kasse", "add", "--vorname", "Petra", "--name", "Portal", "--email", email, "--rolle",
                     "portaladmin")
        self.assertEqual(r.rc, 0, r)
        kennung = r.out.split("Konto der Kasse angelegt: ")[1].split(" ")[0]
        self.assertRegex(kennung, r"^K201-[A-Z0-9]{12}$")
        self.assertIn("(Petra Portal, portaladmin)", r.out)
        mail = mv.wait_mail(email, mv.SUBJ_SETPW)
        self.assertIn("/passwort-setzen?token=", mail["body"])
        self.assertEqual(db_row(f"SELECT rolle, kasse_rolle, org_id IS NULL, status FROM account "
                                f"WHERE kennung = '{kennung}'"), ["K", "portaladmin", "1", "angelegt"])
        audit = db_row(f"SELECT event, actor, detail FROM audit_log WHERE target = '{kennung}' ORDER BY id LIMIT 1")
        self.assertEqual(audit[0], "kasse_added")
        self.assertTrue(audit[1].startswith("mvctl"), audit)
        self.assertIn("Rolle: portaladmin", audit[2])

    def test_json_output(self):
        email = f"kasse{mv.uid()}@example.org"
        r = mv.mvctl("--json", "kasse", "add", "--vorname", "Felix", "--name", "Fach", "--email", email,
                     "--rolle", "fach")
        self.assertEqual(r.rc, 0, r)
        j = r.json()
        self.assertEqual(set(j), {"nutzerkennung", "rolle", "status", "email"})
        self.assertEqual((j["rolle"], j["status"], j["email"]), ("fach", "angelegt", email))
        r = mv.mvctl("--json", "kasse", "list")
        self.assertEqual(r.rc, 0, r)
        mine = [k for k in r.json() if k["nutzerkennung"] == j["nutzerkennung"]]
        self.assertEqual(mine, [{"nutzerkennung": j["nutzerkennung"], "rolle": "fach", "vorname": "Felix",
                                 "name": "Fach", "email": email, "status": "angelegt"}])

    def test_bad_input_is_refused_and_nothing_written(self):
        email = f"kasse{mv.uid()}@example.org"
        cases = [
            (["--vorname", "A", "--name", "B", "--email", email, "--rolle", "chef"], "--rolle must be portaladmin or fach"),
            (["--vorname", "A", "--name", "B", "--email", email], "--rolle must be portaladmin or fach"),
            (["--vorname", "A", "--name", "B", "--email", "kein-at", "--rolle", "fach"], "--email: not a valid e-mail address"),
            (["--name", "B", "--email", email, "--rolle", "fach"], "--vorname: 1-100 characters"),
            (["--vorname", "A", "--name", "www.example.org", "--email", email, "--rolle", "fach"], "--name: no web addresses"),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                r = mv.mvctl("kasse", "add", *args)
                self.assertEqual(r.rc, 1, r)
                self.assertIn(msg, r.err)
                self.assertEqual(r.out, "")
        self.assertEqual(db_col(f"SELECT COUNT(*) FROM account WHERE email = '{email}'"), ["0"])


class KasseLogin(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pa = mv.ready_kasse("portaladmin")
        cls.fach = mv.ready_kasse("fach")

    def test_login_with_tan_and_the_start_page_of_each_kind(self):
        for k, other in ((self.pa, "Nachrichten"), (self.fach, "Organisationen")):
            with self.subTest(rolle=k.rolle):
                c = mv.login_kasse(k)
                r = c.get("/")
                self.assertEqual(r.status, 200)
                self.assertIn(f"Guten Tag, {k.vorname} {k.name}!", r.text)
                self.assertIn("der Kasse angemeldet", r.text)
                self.assertNotIn('href="/mitgliederdaten"', r.text)
                self.assertNotIn('href="/feedback"', r.text, "the Kasse receives feedback; no link to a 403")
                self.assertIn('href="/support"', r.text)
                self.assertNotIn("Postfach", r.text)
                j = c.get("/", json=True).json()
                self.assertEqual((j["rolle"], j["kasse_rolle"], j["nutzerkennung"]), ("Kasse", k.rolle, k.kennung))
                self.assertNotIn("mitglied", j)
                self.assertEqual(c.get("/einstellungen").status, 200)

    def test_the_organisations_pages_are_refused(self):
        c = mv.login_kasse(self.fach)
        for path in ("/mitgliederdaten", "/feedback", "/postfach", "/sachbearbeiter", "/gruppen", "/protokoll",
                     "/anspruchsberechtigte", "/formulare"):
            with self.subTest(path=path):
                r = c.get(path)
                self.assertEqual(r.status, 403)
                self.assertIn("Sie haben keine Berechtigung für diese Seite.", r.alert_text())
        r = c.get("/feedback", json=True)
        self.assertEqual(r.status, 403)
        self.assertEqual(c.get("/support").status, 200, "support is open to everyone")


class KasseUpdateLock(mv.Case):
    def test_update_changes_names_role_and_ends_sessions_on_a_new_role(self):
        k = mv.ready_kasse("fach")
        old_name = k.name
        c = mv.login_kasse(k)
        r = mv.mvctl("--json", "kasse", "update", "--kennung", k.kennung.lower() + " ", "--name", "Neuname")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json(), {"nutzerkennung": k.kennung, "geaendert": True})
        self.assertEqual(c.get("/").status, 200, "a new name keeps the session")
        self.assertIn("Guten Tag, Karla Neuname!", c.get("/").text)
        r = mv.mvctl("kasse", "update", "--kennung", k.kennung, "--rolle", "portaladmin")
        self.assertEqual(r.rc, 0, r)
        r = c.get("/")
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=beendet"), "a new role ends the sessions")
        k.name = "Neuname"
        j = mv.login_kasse(k).get("/", json=True).json()
        self.assertEqual(j["kasse_rolle"], "portaladmin")
        detail = db_col(f"SELECT detail FROM audit_log WHERE target = '{k.kennung}' AND event = 'kasse_updated' "
                        "ORDER BY id")
        self.assertEqual(detail, [f"Name: {old_name} → Neuname; ", "Rolle: fach → portaladmin; "])

    def test_update_of_the_address_tells_the_old_one(self):
        k = mv.ready_kasse("fach")
        new = f"neu{mv.uid()}@example.org"
        r = mv.mvctl("kasse", "update", "--kennung", k.kennung, "--email", new)
        self.assertEqual(r.rc, 0, r)
        mail = mv.wait_mail(k.email, "E-Mail-Adresse")
        self.assertIn("Portal-Administratoren der Kassen", mail["body"])

    def test_update_refuses_other_roles_and_bad_values(self):
        admin = mv.new_admin()
        for args, msg in (
                (["--kennung", admin.kennung, "--name", "X"], "--kennung must be a Nutzerkennung of the Kasse"),
                (["--kennung", "K201-XXXXXXXXXXXX", "--name", "X"], "no account of the Kasse K201-XXXXXXXXXXXX"),
                (["--kennung", "K201-XXXXXXXXXXXX"], "nothing to change"),
                (["--kennung", "K201-XXXXXXXXXXXX", "--rolle", "admin"], "--rolle must be portaladmin or fach")):
            with self.subTest(args=args):
                r = mv.mvctl("kasse", "update", *args)
                self.assertEqual(r.rc, 1, r)
                self.assertIn(msg, r.err)
        k = mv.new_kasse("fach")
        r = mv.mvctl("admin", "update", "--kennung", k.kennung, "--name", "X")
        self.assertEqual(r.rc, 1, "admin update never reaches a Kasse account")

    def test_lock_ends_sessions_and_refuses_login_unlock_restores(self):
        k = mv.ready_kasse("portaladmin")
        c = mv.login_kasse(k)
        r = mv.mvctl("--json", "kasse", "lock", "--kennung", k.kennung)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json(), {"nutzerkennung": k.kennung, "ergebnis": "gesperrt", "geaendert": True})
        self.assertEqual(c.get("/").location, "/anmelden?grund=beendet")
        _, r = mv.login_password(k.kennung, k.password)
        self.assertNotEqual(r.location, "/anmelden/tan", "a locked account gets no TAN")
        r = mv.mvctl("kasse", "lock", "--kennung", k.kennung)
        self.assertEqual((r.rc, r.out), (0, f"Konto der Kasse {k.kennung} war bereits gesperrt.\n"))
        r = mv.mvctl("kasse", "unlock", "--kennung", k.kennung)
        self.assertEqual((r.rc, r.out), (0, f"Konto der Kasse {k.kennung} entsperrt.\n"))
        self.assertEqual(mv.login_kasse(k).get("/").status, 200)
        events = db_col(f"SELECT event FROM audit_log WHERE target = '{k.kennung}' AND event LIKE 'kasse_%lock%' "
                        "ORDER BY id")
        self.assertEqual(events, ["kasse_locked", "kasse_unlocked"])


if __name__ == "__main__":
    unittest.main()
