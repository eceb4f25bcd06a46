"""What users stumbled over in issue 11 (items 12, 15, 16): the success dialog shown once, table cells that
name their column for narrow screens, the lock state instead of "AKTIV", the favicon, the login's error
text, every password error at once, info texts without switched-off rights, "Registrieren" and the
password toggle on the login page. The browser suite (tests/browser/run.mjs) checks how they look."""

import html as htmllib
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
        self.assertNotIn("<dialog", again.text.split("<main", 1)[1].split("</main>", 1)[0])
        self.assertIn("<h1>Sachbearbeiterdetails</h1>", again.text)
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
