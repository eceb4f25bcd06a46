"""Issue 11, account hardening: outstanding links die with a password change, a lock and a new link
(item 4); an e-mail change is told to the previous address (item 1); creations per administrator
are limited and names carry no URLs or line separators (item 7); locking asks for confirmation
(item 13)."""

import re
import time

import mv
import users_lib as U


def forgot(kennung):
    c = mv.Client()
    c.get("/passwort-vergessen")
    r = c.post("/passwort-vergessen", {"kennung": kennung})
    assert (r.status, r.location) == (303, "/passwort-vergessen?gesendet=1"), r
    return r


def change_password(client, old, new):
    client.get("/einstellungen")
    return client.post("/einstellungen", {"passwort_alt": old, "passwort_neu": new, "passwort_neu_wiederholung": new})


# ---------------------------------------------------------------- item 4

class OutstandingLinks(mv.Case):
    """A password change, a lock and a new link void every outstanding link of the account; no link
    sets a password while the account is gesperrt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_forgot_link_dies_with_a_password_change_in_einstellungen(self):
        a = mv.ready_admin()
        forgot(a.kennung)
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_RESET), "/passwort-setzen")
        c = mv.login_admin(a)
        new = mv.new_password()
        r = change_password(c, a.password, new)
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-geaendert"))
        a.password = new
        r = mv.Client().get(link)
        self.assertEqual(r.status, 410, "the forgot-password link died with the change")
        self.assertIn(mv.LINK_INVALID, r.text)
        r = mv.set_password_via_link(mv.Client(), link, mv.new_password())
        self.assertEqual(r.status, 410)
        self.assertEqual(mv.login_admin(a).get("/").status, 200, "the changed password stands")

    def test_reset_link_dies_with_a_reset_through_another_link(self):
        s = U.activate(U.create(self.c, vorname="Zweilink"))
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}).status, 303)
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen")
        U.activate(s, link=link)
        forgot(s.kennung)
        link2 = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen")
        s.password, before = mv.new_password(), s.password
        r = mv.set_password_via_link(mv.Client(), link2, s.password)
        self.assertEqual(r.status, 303)
        self.assertNotEqual(before, s.password)
        self.assertEqual(mv.Client().get(link).status, 410)

    def test_administrators_reset_link_dies_with_the_lock(self):
        s = U.activate(U.create(self.c, vorname="Sperrlink"))
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=reset"))
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {"bestaetigt": "1"}).status, 303)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Gesperrt")
        r = mv.Client().get(link)
        self.assertEqual(r.status, 410, "no link sets a password while the account is gesperrt")
        self.assertIn(U.SB_LINK_DEAD, r.alert_text())
        taken = mv.new_password()
        r = mv.set_password_via_link(mv.Client(), link, taken)
        self.assertEqual(r.status, 410)
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {}).status, 303)
        self.assertEqual(mv.Client().get(link).status, 410, "the link stays dead after the unlock")
        _, r = mv.login_password(s.kennung, taken)
        self.assertEqual(r.status, 422, "no password was set through the link")
        self.assertEqual(U.login(s).get("/").status, 200, "the owner's password is unchanged")
        self.assertEqual(mv.mails(s.email, mv.SUBJ_CHANGED)[1:], [], "only the activation's notice")

    def test_activation_link_dies_with_the_lock(self):
        s = U.create(self.c, vorname="Sperraktiv")
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {"bestaetigt": "1"}).status, 303)
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {}).status, 303)
        self.assertEqual(mv.Client().get(link).status, 410)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Angelegt")
        # the administrator sends a new one
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}).status, 303)
        U.activate(s)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")

    def test_a_new_link_voids_links_of_every_purpose(self):
        a = mv.activate(mv.new_admin(), retrieve_kennung=False)
        klink = a.kennung_link
        c = mv.Client()
        self.assertEqual(c.get(klink).status, 200, "the Nutzerkennung link is live")
        forgot(a.kennung)
        mv.wait_mail(a.email, mv.SUBJ_RESET)
        self.assertEqual(mv.Client().get(klink).status, 410, "the new reset link voided the Nutzerkennung link")
