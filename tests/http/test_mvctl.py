"""scripts/mvctl, the Kassen-Portal-Administrator's command line (SPEC §11; SECURITY.md 40)."""

import json
import time
import unittest

import mv


def err_json(r):
    return json.loads(r.err)


class OrgAdd(mv.Case):
    def test_text_and_json_output(self):
        pnr = mv.new_pnr()
        r = mv.mvctl("org", "add", "--name", "Mäuserast", "--bereich", "Beamtenversorgung", "--pnr", pnr,
                     "--abr", "102898")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, f"Organisation angelegt: Mäuserast (Beamtenversorgung) (PNR: {pnr}, Abr: 102898)\n")
        self.assertEqual(r.err, "")
        pnr2 = mv.new_pnr()
        r = mv.mvctl("--json", "org", "add", "--name", "Kreis Süd", "--bereich", "Beihilfe", "--pnr", pnr2,
                     "--abr", "7")
        self.assertEqual(r.rc, 0, r)
        j = r.json()
        self.assertIsInstance(j["id"], int)
        self.assertEqual(j["mitglied"], f"Kreis Süd (Beihilfe) (PNR: {pnr2}, Abr: 7)")
        # --json after the command works as well
        pnr3 = mv.new_pnr()
        r = mv.mvctl("org", "add", "--json", "--name", "X", "--bereich", "Y", "--pnr", pnr3, "--abr", "1")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json()["mitglied"], f"X (Y) (PNR: {pnr3}, Abr: 1)")

    def test_duplicate_pnr_refused_and_original_kept(self):
        org = mv.new_org(name="Original")
        r = mv.mvctl("org", "add", "--name", "Doppelt", "--bereich", "B", "--pnr", org.pnr, "--abr", "1")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, f"mvctl: an organisation with PNR {org.pnr} exists already\n")
        r = mv.mvctl("--json", "org", "add", "--name", "Doppelt", "--bereich", "B", "--pnr", org.pnr, "--abr", "1")
        self.assertEqual(r.rc, 1)
        self.assertEqual(r.out, "")
        self.assertEqual(err_json(r), {"error": f"an organisation with PNR {org.pnr} exists already"})
        a = mv.new_admin(org=org)
        r = mv.mvctl("--json", "user", "find", "--pnr", org.pnr)
        self.assertEqual([u["mitglied"] for u in r.json()], [org.line])
        self.assertIn("Original", org.line)
        self.assertEqual(r.json()[0]["nutzerkennung"], a.kennung)

    def test_invalid_input(self):
        pnr = mv.new_pnr()
        cases = [
            (["--name", "N", "--bereich", "B", "--pnr", "12a", "--abr", "1"],
             "--pnr and --abr are required and must be digits"),
            (["--name", "N", "--bereich", "B", "--pnr", pnr, "--abr", ""],
             "--pnr and --abr are required and must be digits"),
            (["--name", "N", "--bereich", "B", "--pnr", pnr],
             "--pnr and --abr are required and must be digits"),
            (["--bereich", "B", "--pnr", pnr, "--abr", "1"],
             "--name and --bereich are required (1-200 / 1-100 characters, no control characters)"),
            (["--name", "A\r\nB", "--bereich", "B", "--pnr", pnr, "--abr", "1"],
             "--name and --bereich are required (1-200 / 1-100 characters, no control characters)"),
            (["--name", "N" * 201, "--bereich", "B", "--pnr", pnr, "--abr", "1"],
             "--name and --bereich are required (1-200 / 1-100 characters, no control characters)"),
        ]
        for args, msg in cases:
            r = mv.mvctl("org", "add", *args)
            self.assertEqual(r.rc, 1, (args, r))
            self.assertEqual(r.err, f"mvctl: {msg}\n", args)
            self.assertEqual(r.out, "")
        r = mv.mvctl("--json", "user", "find", "--pnr", pnr)
        self.assertEqual(r.json(), [], "nothing was written")

    def test_usage_errors(self):
        r = mv.mvctl()
        self.assertEqual(r.rc, 2)
        self.assertIn("usage: mvctl", r.err)
        r = mv.mvctl("org", "frobnicate")
        self.assertEqual(r.rc, 2)
        self.assertIn("usage: mvctl", r.err)
        r = mv.mvctl("org", "add", "--farbe", "blau")
        self.assertEqual(r.rc, 2)
        self.assertEqual(r.err, "mvctl: unknown option --farbe\n")
        r = mv.mvctl("org", "add", "--name")
        self.assertEqual(r.rc, 2)
        self.assertEqual(r.err, "mvctl: option --name needs a value\n")
        r = mv.mvctl("--json", "org", "add", "--farbe", "blau")
        self.assertEqual(r.rc, 2)
        self.assertEqual(err_json(r), {"error": "unknown option --farbe"})


class OrgRestrict(mv.Case):
    def test_off_on_and_errors(self):
        org = mv.new_org()
        r = mv.mvctl("--json", "org", "restrict", "--pnr", org.pnr, "--off", "kontaktdaten, formulare")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json(), {"ausgeschaltet": ["kontaktdaten", "formulare"]})
        r = mv.mvctl("org", "restrict", "--pnr", org.pnr, "--on", "kontaktdaten")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, f"Funktionseinschränkungen für PNR {org.pnr}: formulare ausgeschaltet\n")
        r = mv.mvctl("org", "restrict", "--pnr", org.pnr, "--on", "formulare")
        self.assertEqual(r.out, f"Funktionseinschränkungen für PNR {org.pnr}: keine\n")
        if mv.db("SELECT 1") is not None:
            self.assertEqual(mv.db("SELECT aus_anspruchsberechtigte, aus_kontaktdaten, aus_formulare FROM "
                                   f"organisation WHERE pnr='{org.pnr}'"), [["0", "0", "0"]])
        for args, msg in [
            (["--pnr", org.pnr, "--off", "postfach"], "rights are anspruchsberechtigte, kontaktdaten, formulare"),
            (["--pnr", org.pnr, "--off", "kontaktdaten", "--on", "kontaktdaten"],
             "a right cannot be switched on and off at once"),
            (["--pnr", org.pnr], "usage: org restrict --pnr P (--off|--on) RIGHT[,RIGHT]"),
            (["--off", "formulare"], "usage: org restrict --pnr P (--off|--on) RIGHT[,RIGHT]"),
            (["--pnr", "999999999999999", "--off", "formulare"], "no organisation with PNR 999999999999999"),
        ]:
            r = mv.mvctl("org", "restrict", *args)
            self.assertEqual(r.rc, 1, (args, r))
            self.assertEqual(r.err, f"mvctl: {msg}\n")
            self.assertEqual(r.out, "")
        r = mv.mvctl("--json", "org", "restrict", "--pnr", "999999999999999", "--off", "formulare")
        self.assertEqual(r.rc, 1)
        self.assertEqual(err_json(r), {"error": "no organisation with PNR 999999999999999"})


class AdminAdd(mv.Case):
    def test_text_output_and_mail(self):
        org = mv.new_org()
        email = f"text{mv.uid()}@example.org"
        r = mv.mvctl("admin", "add", "--pnr", org.pnr, "--vorname", "Anna", "--name", "Beispiel", "--email", email,
                     "--geburtsdatum", "1970-12-31")
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"^Administrator angelegt: X201-[A-Z0-9]{12} \(Anna Beispiel\)\. "
                                r"Die E-Mail „Passwort festlegen“ geht an " + email.replace(".", r"\.") + r"\.\n$")
        mail = mv.wait_mail(email, mv.SUBJ_SETPW)
        self.assertIn("Guten Tag Anna Beispiel,", mail["body"])
        r = mv.mvctl("--json", "user", "find", "--email", email)
        u = r.json()
        self.assertEqual(len(u), 1)
        self.assertEqual((u[0]["rolle"], u[0]["status"], u[0]["vorname"], u[0]["name"], u[0]["mitglied"]),
                         ("X", "angelegt", "Anna", "Beispiel", org.line))

    def test_json_output(self):
        org = mv.new_org()
        email = f"json{mv.uid()}@example.org"
        r = mv.mvctl("--json", "admin", "add", "--pnr", org.pnr, "--vorname", "Anna", "--name", "Beispiel",
                     "--email", email, "--geburtsdatum", "1970-12-31")
        self.assertEqual(r.rc, 0, r)
        j = r.json()
        self.assertEqual(set(j), {"nutzerkennung", "status", "email"})
        self.assertRegex(j["nutzerkennung"], r"^X201-[A-Z0-9]{12}$")
        self.assertEqual((j["status"], j["email"]), ("angelegt", email))
        mv.wait_mail(email, mv.SUBJ_SETPW)

    def test_errors_write_nothing(self):
        org = mv.new_org()
        email = f"err{mv.uid()}@example.org"
        base = ["--pnr", org.pnr, "--vorname", "Anna", "--name", "Beispiel", "--email", email,
                "--geburtsdatum", "1970-12-31"]

        def with_(**over):
            args = list(base)
            for k, v in over.items():
                i = args.index("--" + k)
                if v is None:
                    del args[i:i + 2]
                else:
                    args[i + 1] = v
            return args

        cases = [
            (with_(pnr="999999999999998"), "no organisation with PNR 999999999999998"),
            (with_(pnr=None), "--pnr is required"),
            (with_(email="keine-adresse"), "--email: not a valid e-mail address"),
            (with_(email=email + "\r\nBcc: evil@example.org"), "--email: not a valid e-mail address"),
            (with_(email="a b@example.org"), "--email: not a valid e-mail address"),
            (with_(email='"x"@example.org'), "--email: not a valid e-mail address"),
            (with_(geburtsdatum="31.12.1970x"), "--geburtsdatum JJJJ-MM-TT is required"),
            (with_(geburtsdatum="1970-02-30"), "--geburtsdatum JJJJ-MM-TT is required"),
            (with_(geburtsdatum=None), "--geburtsdatum JJJJ-MM-TT is required"),
            (with_(vorname="Anna\r\nBcc: evil@example.org"), "--vorname: 1-100 characters without control characters"),
            (with_(vorname="Anna\nX"), "--vorname: 1-100 characters without control characters"),
            (with_(name="Bei\rspiel"), "--name: 1-100 characters without control characters"),
            (with_(name="B" * 101), "--name: 1-100 characters without control characters"),
            (with_(name=""), "--name: 1-100 characters without control characters"),
        ]
        for args, msg in cases:
            r = mv.mvctl("admin", "add", *args)
            self.assertEqual(r.rc, 1, (args, r))
            self.assertEqual(r.err, f"mvctl: {msg}\n", args)
            self.assertEqual(r.out, "")
        r = mv.mvctl("--json", "admin", "add", *with_(pnr="999999999999998"))
        self.assertEqual(r.rc, 1)
        self.assertEqual(err_json(r), {"error": "no organisation with PNR 999999999999998"})
        self.assertEqual(r.out, "")
        self.assertEqual(mv.mvctl("--json", "user", "find", "--email", email).json(), [])
        self.assertEqual(mv.mvctl("--json", "user", "find", "--pnr", org.pnr).json(), [])
        time.sleep(1.0)
        self.assertEqual(mv.mails(email), [])
        self.assertEqual(mv.mails("evil@example.org"), [])

    def test_long_and_unicode_names_accepted(self):
        a = mv.new_admin(vorname="Ä" * 100, name="Łukasz-Øster")
        mail = mv.wait_mail(a.email, mv.SUBJ_SETPW)
        self.assertIn("Guten Tag " + "Ä" * 100 + " Łukasz-Øster,", mail["body"])

    def test_header_lookalikes_in_names_stay_in_the_body(self):
        a = mv.new_admin(vorname="Kim Bcc: evil@example.org", name="Subject: Gewinn")
        mail = mv.wait_mail(a.email, mv.SUBJ_SETPW)
        self.assertEqual(mail["subject"], mv.SUBJ_SETPW)
        self.assertEqual(mail["rcpt"], [a.email])
        self.assertNotIn("evil", mail["raw_headers"])
        self.assertNotIn("Gewinn", mail["raw_headers"])
        time.sleep(0.5)
        self.assertEqual(mv.mails("evil@example.org"), [])


class AdminUpdate(mv.Case):
    def test_update_changes_what_the_user_sees(self):
        a = mv.ready_admin()
        c = mv.login_admin(a)
        r = mv.mvctl("admin", "update", "--kennung", a.kennung.lower(), "--vorname", "Robin", "--name", "Neumann")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, f"Administrator {a.kennung} geändert.\n")
        self.assertIn("Guten Tag, Robin Neumann!", c.get("/").text)
        new_email = f"neu{mv.uid()}@example.org"
        r = mv.mvctl("--json", "admin", "update", "--kennung", a.kennung, "--email", new_email)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json(), {"nutzerkennung": a.kennung, "geaendert": True})
        self.assertIn(new_email, c.get("/einstellungen").text)
        u = mv.mvctl("--json", "user", "find", "--email", new_email).json()
        self.assertEqual([(x["vorname"], x["name"], x["nutzerkennung"]) for x in u], [("Robin", "Neumann", a.kennung)])
        # the next TAN goes to the new address
        mv.EMAIL_OF[a.kennung] = new_email
        a.email = new_email
        self.assertEqual(mv.login_admin(a).get("/").status, 200)

    def test_errors(self):
        a = mv.new_admin()
        for args, msg in [
            (["--vorname", "X"], "--kennung is required"),
            (["--kennung", "X201-ZZZZZZZZZZZZ", "--name", "N"], "no administrator X201-ZZZZZZZZZZZZ"),
            (["--kennung", "S201-ZZZZZZZZZZZZ", "--name", "N"],
             "--kennung must be an administrator's Nutzerkennung (X…)"),
            (["--kennung", "unsinn", "--name", "N"], "--kennung must be an administrator's Nutzerkennung (X…)"),
            (["--kennung", a.kennung], "nothing to change: give --vorname, --name or --email"),
            (["--kennung", a.kennung, "--name", "A\r\nB"], "--name: 1-100 characters without control characters"),
            (["--kennung", a.kennung, "--email", "x@y.de\r\nBcc: evil@example.org"],
             "--email: not a valid e-mail address"),
        ]:
            r = mv.mvctl("admin", "update", *args)
            self.assertEqual(r.rc, 1, (args, r))
            self.assertEqual(r.err, f"mvctl: {msg}\n", args)
            self.assertEqual(r.out, "")
        r = mv.mvctl("--json", "admin", "update", "--kennung", "X201-ZZZZZZZZZZZZ", "--name", "N")
        self.assertEqual(err_json(r), {"error": "no administrator X201-ZZZZZZZZZZZZ"})
        u = mv.mvctl("--json", "user", "find", "--email", a.email).json()
        self.assertEqual((u[0]["vorname"], u[0]["name"]), ("Kim", "Mustermensch"), "nothing changed")


class UserFind(mv.Case):
    def test_find(self):
        org = mv.new_org()
        tag = mv.uid()
        a = mv.new_admin(org=org, vorname="Fritz", name=f"Zeta{tag}")
        b = mv.new_admin(org=org, vorname="Emma", name=f"Alpha{tag}")
        mv.activate(b, retrieve_kennung=False)
        r = mv.mvctl("--json", "user", "find", "--pnr", org.pnr)
        self.assertEqual(r.rc, 0, r)
        users = r.json()
        self.assertEqual([u["nutzerkennung"] for u in users], [b.kennung, a.kennung], "sorted by name")
        self.assertEqual(users[0], {"nutzerkennung": b.kennung, "rolle": "X", "vorname": "Emma",
                                    "name": f"Alpha{tag}", "email": b.email, "status": "aktiv",
                                    "mitglied": org.line})
        self.assertEqual(users[1]["status"], "angelegt")
        r = mv.mvctl("--json", "user", "find", "--name", f"Zeta{tag}")
        self.assertEqual([u["nutzerkennung"] for u in r.json()], [a.kennung])
        r = mv.mvctl("--json", "user", "find", "--name", "Emm", "--pnr", org.pnr)
        self.assertEqual([u["nutzerkennung"] for u in r.json()], [b.kennung], "prefix of the first name")
        r = mv.mvctl("user", "find", "--email", a.email)
        self.assertEqual(r.rc, 0)
        self.assertEqual(r.out, f"{a.kennung}  Fritz Zeta{tag}  <{a.email}>  angelegt  {org.name}\n")
        r = mv.mvctl("user", "find", "--email", f"niemand{tag}@example.org")
        self.assertEqual((r.rc, r.out), (0, "Keine Nutzer gefunden.\n"))
        r = mv.mvctl("--json", "user", "find", "--email", f"niemand{tag}@example.org")
        self.assertEqual(r.json(), [])
        r = mv.mvctl("user", "find")
        self.assertEqual(r.rc, 1)
        self.assertEqual(r.err, "mvctl: give at least one of --name, --email, --pnr\n")

    def test_no_password_or_hash_in_output(self):
        a = mv.ready_admin()
        r = mv.mvctl("--json", "user", "find", "--email", a.email)
        self.assertNotIn("argon2", r.out)
        self.assertNotIn(a.password, r.out)
        self.assertNotIn("password", r.out.lower())


if __name__ == "__main__":
    unittest.main()
