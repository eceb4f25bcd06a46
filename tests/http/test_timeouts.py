"""Everything with a clock, on an app restarted with shortened timeouts (SECURITY.md 8, 12, 22, 35).

One class, one restart (restart-app costs ~2 s each way). The tests run in name order: test_a
starts a self-lock, the others run while it lasts, test_y checks that it ends by itself
(MV_LOCK_MINUTES=1) and was not extended by attempts made during it.
"""

import os
import re
import time
import unittest

import mv

SHORT = dict(MV_TAN_TTL_S=3, MV_IDLE_TIMEOUT_S=4, MV_IDLE_WARNING_S=2, MV_SESSION_MAX_S=8, MV_LOCK_MINUTES=1,
             MV_LINK_TTL_S=3)


def sleep_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


class ShortTimeouts(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # accounts are made under the default configuration, so their links do not expire first
        org = mv.new_org()
        cls.users = {k: mv.ready_admin(org=org) for k in ["tan_ok", "tan_late", "idle", "absolute", "lock", "race"]}
        cls.pending = mv.new_admin(org=org)  # activated later: its Nutzerkennung link gets the short TTL
        cls.pending_link = mv.link_from(mv.wait_mail(cls.pending.email, mv.SUBJ_SETPW), "/passwort-setzen")
        mv.restart_app(**SHORT)
        cls.log_offset = os.path.getsize(mv.APP_LOG)

    @classmethod
    def tearDownClass(cls):
        mv.restart_app()  # defaults again
        super().tearDownClass()

    def log(self):
        with open(mv.APP_LOG, "rb") as f:
            f.seek(self.log_offset)
            return f.read().decode("utf-8", "replace")

    def assert_locked(self, a):
        _, r = mv.login_password(a.kennung, a.password)
        self.assertEqual(r.status, 422, "locked: even the right password fails")
        self.assertIn(mv.LOGIN_FAILED, r.summary_errors())

    # -- self-lock, part 1

    def test_a_lock_starts(self):
        a = self.users["lock"]
        c = mv.Client()
        c.get("/anmelden")
        for i in range(5):
            self.assertEqual(c.post("/anmelden", {"kennung": a.kennung, "passwort": "Falsch%d!xy" % i}).status, 422)
        type(self).lock_t0 = time.time()
        self.assert_locked(a)

    def test_a_lock_starts_with_parallel_attempts(self):
        # 4 wrong, then 4 wrong at the same moment (as a script or an impatient user would send them)
        a = self.users["race"]
        c = mv.Client()
        c.get("/anmelden")
        for i in range(4):
            self.assertEqual(c.post("/anmelden", {"kennung": a.kennung, "passwort": "Falsch%d!xy" % i}).status, 422)
        clients = [mv.Client() for _ in range(4)]
        for x in clients:
            x.get("/anmelden")
        mv.concurrently(*[lambda x=x, i=i: x.post("/anmelden", {"kennung": a.kennung, "passwort": "Par%d!xyzw" % i})
                          for i, x in enumerate(clients)])
        type(self).race_t0 = time.time()
        self.assert_locked(a)

    # -- TAN lifetime (3 s here, 5 min by default)

    def test_b_tan_accepted_within_its_lifetime(self):
        a = self.users["tan_ok"]
        c, r = mv.login_password(a.kennung, a.password)
        t = time.time()
        tan = mv.latest_tan(a.email)
        mail = mv.mails(a.email, mv.SUBJ_TAN)[-1]
        self.assertIn("Diese TAN ist 1 Minuten gültig.", mail["body"])  # rounded up from 3 s
        c.get("/anmelden/tan")
        sleep_until(t + 1.2)
        r = c.post("/anmelden/tan", {"tan": tan})
        self.assertEqual((r.status, r.location), (303, "/"))

    def test_c_tan_refused_after_its_lifetime(self):
        a = self.users["tan_late"]
        c, r = mv.login_password(a.kennung, a.password)
        t = time.time()
        tan = mv.latest_tan(a.email)
        c.get("/anmelden/tan")
        sleep_until(t + 4.2)
        r = c.post("/anmelden/tan", {"tan": tan})
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=tan-abgelaufen"))
        self.assertNotIn("mv_sid", c.cookies)
        r = c.follow(r)
        self.assertIn("Die TAN ist abgelaufen. Bitte geben Sie Nutzerkennung und Passwort erneut ein, um eine "
                      "neue TAN zu erhalten.", " ".join(r.alert_text()))
        self.assertEqual(c.get("/").status, 303)
        # a new attempt gets a new TAN that works
        self.assertEqual(mv.login_admin(a).get("/").status, 200)

    # -- idle timeout (4 s) and absolute lifetime (8 s)

    def test_d_idle_timeout(self):
        a = self.users["idle"]
        c = mv.login_admin(a)
        t = time.time()
        r = c.get("/")
        self.assertIn('data-idle-timeout="4"', r.text)
        self.assertIn('data-idle-warning="2"', r.text)
        sleep_until(t + 2.5)
        self.assertEqual(c.get("/").status, 200, "activity within the idle time")
        sleep_until(t + 5.0)
        r = c.post("/sitzung/verlaengern", {}, json=True)
        self.assertEqual(r.status, 200, "the page request at 2.5 s restarted the idle clock")
        self.assertEqual(r.json()["idle_timeout_s"], 4)
        sleep_until(t + 10.2)
        r = c.get("/einstellungen")
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=inaktiv"))
        self.assertNotIn("mv_sid", c.cookies)
        r = c.follow(r)
        self.assertIn("Sie wurden aufgrund von Inaktivität abgemeldet.", " ".join(r.alert_text()))
        self.assertEqual(c.get("/").location, "/anmelden")
        self.assertRegex(self.log(), r"event=session_expired actor=%s target=- idle" % re.escape(a.kennung))

    def test_e_absolute_lifetime(self):
        a = self.users["absolute"]
        c = mv.login_admin(a)
        t = time.time()  # the session's clock starts with the TAN step
        for at in (1.5, 3.0, 4.5, 6.0):
            sleep_until(t + at)
            r = c.post("/sitzung/verlaengern", {}, json=True)
            self.assertEqual(r.status, 200, f"keep-alive at {at}s")
        sleep_until(t + 6.5)
        self.assertEqual(c.get("/").status, 200)
        sleep_until(t + 9.0)  # idle only 2.5 s, but older than 8 s
        r = c.get("/")
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=inaktiv"))
        r = c.get("/", json=True)
        self.assertEqual(r.status, 401)
        self.assertRegex(self.log(), r"event=session_expired actor=%s target=- absolute" % re.escape(a.kennung))

    # -- link lifetime (3 s here, 60 min by default)

    def test_f_links_expire(self):
        # activation link made by mvctl (same configuration)
        fresh = mv.new_admin()
        act = mv.link_from(mv.wait_mail(fresh.email, mv.SUBJ_SETPW), "/passwort-setzen")
        t_act = time.time()
        self.assertIn("Der Link ist 1 Minuten gültig", mv.mails(fresh.email, mv.SUBJ_SETPW)[-1]["body"])
        self.assertEqual(mv.Client().get(act).status, 200, "valid at first")
        # reset link
        a = self.users["tan_ok"]
        f = mv.Client()
        f.get("/passwort-vergessen")
        f.post("/passwort-vergessen", {"kennung": a.kennung})
        reset = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_RESET), "/passwort-setzen")
        t_reset = time.time()
        self.assertEqual(mv.Client().get(reset).status, 200)
        # Nutzerkennung link (made by the web app when the password is set)
        p = self.pending
        pw = mv.new_password()
        r = mv.set_password_via_link(mv.Client(), self.pending_link, pw)
        self.assertEqual(r.status, 303)
        klink = mv.link_from(mv.wait_mail(p.email, mv.SUBJ_KENNUNG), "/nutzerkennung")
        t_k = time.time()
        self.assertEqual(mv.Client().get(klink).status, 200)
        sleep_until(max(t_act, t_reset, t_k) + 4.2)
        for link in (act, reset, klink):
            r = mv.Client().get(link)
            self.assertEqual(r.status, 410, link.split("?")[0])
            self.assertIn("Bitte wenden Sie sich an die Portal-Administratoren der Kassen.", r.text)
        c = mv.Client()
        c.get("/anmelden")
        r = c.post(act, {"passwort": pw + "x", "passwort_wiederholung": pw + "x"})
        self.assertEqual(r.status, 410, "an expired link cannot be used by POST either")
        r = c.post(klink, {"vorname": p.vorname, "name": p.name, "geburtsdatum": "01.01.1980",
                           "mitgliedsnummer": p.org.pnr})
        self.assertEqual(r.status, 410)
        self.assertNotIn(p.kennung, r.text)

    # -- self-lock, part 2

    def test_y_lock_expires_by_itself_and_is_not_extended(self):
        a = self.users["lock"]
        t0 = getattr(type(self), "lock_t0", None)
        if t0 is None:
            self.skipTest("test_a_lock_starts did not run")
        sleep_until(t0 + 35)
        self.assert_locked(a)  # an attempt with the right password during the lock ...
        c = mv.Client()
        c.get("/anmelden")
        c.post("/anmelden", {"kennung": a.kennung, "passwort": "Falsch-im-Lock1!"})  # ... and a wrong one
        sleep_until(t0 + 62)  # 1 minute after the lock began, not after the later attempts
        c = mv.login_admin(a)
        self.assertEqual(c.get("/").status, 200, "the lock ended by itself")

    def test_z_after_a_lock_four_wrong_then_right_still_works(self):
        a = self.users["race"]
        t0 = getattr(type(self), "race_t0", None)
        if t0 is None:
            self.skipTest("test_a_lock_starts_with_parallel_attempts did not run")
        sleep_until(t0 + 62)
        c = mv.Client()
        c.get("/anmelden")
        for i in range(4):
            self.assertEqual(c.post("/anmelden", {"kennung": a.kennung, "passwort": "Danach%d!xy" % i}).status, 422)
        c, r = mv.login_password(a.kennung, a.password)
        self.assertEqual((r.status, r.location), (303, "/anmelden/tan"),
                         "4 wrong passwords after the lock ended must not lock again (the count starts at 0)")


if __name__ == "__main__":
    unittest.main()
