"""The mailer: outbox → SMTP (SECURITY.md 43 for SMTP, libesmtp pitfalls: many mails in a row)."""

import os
import re
import time
import unittest

import mv


class Mailer(mv.Case):
    def test_smtp_down_mail_waits_no_tanless_login_then_arrives_once(self):
        a = mv.ready_admin()
        log_offset = os.path.getsize(mv.APP_LOG)
        mv.sink_stop()
        try:
            c, r = mv.login_password(a.kennung, a.password)
            self.assertEqual((r.status, r.location), (303, "/anmelden/tan"), "the password step works")
            self.assertEqual(c.get("/anmelden/tan").status, 200)
            for path in ["/", "/einstellungen"]:
                self.assertEqual(c.get(path).status, 303, "no login without the TAN")
            r = c.post("/anmelden/tan", {"tan": "000000"})
            self.assertEqual(r.status, 422)
            if mv.db("SELECT 1") is not None:
                rows = mv.db(f"SELECT status FROM outbox WHERE to_addr='{a.email}' AND subject LIKE '%TAN%'")
                self.assertEqual(len(rows), 1)
                self.assertIn(rows[0][0], ("wartend", "versand"))
            time.sleep(1.5)  # the mailer tries and fails meanwhile
        finally:
            mv.sink_start()
        tan = mv.latest_tan(a.email, timeout=40)
        time.sleep(2.0)
        self.assertEqual(len(mv.mails(a.email, mv.SUBJ_TAN)), 1, "the waiting mail arrives exactly once")
        r = c.post("/anmelden/tan", {"tan": tan})
        self.assertEqual((r.status, r.location), (303, "/"))
        with open(mv.APP_LOG, "rb") as f:
            f.seek(log_offset)
            log = f.read().decode("utf-8", "replace")
        self.assertRegex(log, r"SMTP session to .* failed", "the failure is logged")
        self.assertNotIn(tan, log)
        if mv.db("SELECT 1") is not None:
            rows = mv.db(f"SELECT status, attempts > 0 FROM outbox WHERE to_addr='{a.email}' AND subject LIKE '%TAN%'")
            self.assertEqual(rows, [["gesendet", "1"]])

    def test_many_mails_in_a_row(self):
        # 25 > one batch of 20: two SMTP sessions of one mailer process
        org = mv.new_org()
        admins = [mv.new_admin(org=org) for _ in range(25)]
        deadline = time.time() + 30
        while time.time() < deadline:
            got = [len(mv.mails(a.email, mv.SUBJ_SETPW)) for a in admins]
            if all(got):
                break
            time.sleep(0.3)
        time.sleep(1.0)
        got = {a.email: len(mv.mails(a.email, mv.SUBJ_SETPW)) for a in admins}
        self.assertEqual(got, {a.email: 1 for a in admins}, "every mail arrives, each once")
        ids = [re.search(r"Message-ID: <([^>]+)>", mv.mails(a.email)[0]["raw_headers"]).group(1) for a in admins]
        self.assertEqual(len(set(ids)), 25)
        # and the mailer still works afterwards
        a = mv.ready_admin()
        self.assertEqual(mv.login_admin(a).get("/").status, 200)

    def test_message_format(self):
        a = mv.new_admin(vorname="Jürgen", name="Groß")
        m = mv.wait_mail(a.email, mv.SUBJ_SETPW)
        h = m["raw_headers"]
        self.assertIn("From: Meine Versorgung <noreply@meineversorgung.org>", h)
        self.assertIn(f"To: {a.email}", h)
        self.assertIn("Content-Type: text/plain; charset=UTF-8", h)
        self.assertIn("Content-Transfer-Encoding: quoted-printable", h)
        self.assertIn("Auto-Submitted: auto-generated", h)
        self.assertRegex(h, r"Message-ID: <outbox-\d+@meineversorgung\.org>")
        self.assertRegex(h, r"Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000")
        self.assertEqual(m["envelope_from"], "noreply@meineversorgung.org")
        self.assertIn("Guten Tag Jürgen Groß,", m["body"])
        self.assertIn("Der Link ist 60 Minuten gültig", m["body"])
        # long lines are soft-wrapped (quoted-printable), the link survives decoding
        for line in m["raw"].split("\r\n"):
            self.assertLessEqual(len(line), 998)
        mv.link_from(m, "/passwort-setzen")
        # a non-ASCII subject is RFC 2047-encoded
        r = mv.Client()
        a2 = mv.ready_admin()
        r.get("/passwort-vergessen")
        r.post("/passwort-vergessen", {"kennung": a2.kennung})
        m2 = mv.wait_mail(a2.email, mv.SUBJ_RESET)
        self.assertRegex(m2["raw_headers"], r"Subject: =\?UTF-8\?B\?")
        self.assertEqual(m2["subject"], mv.SUBJ_RESET)


if __name__ == "__main__":
    unittest.main()
