"""Issue 11, items 9 and 10.

Local times: the database stores UTC; every time a person reads (mailbox lists, messages, the first reader of
a group message, the change log, "vorübergehend gesperrt bis", the "Passwort geändert" mail) is German local
time (Europe/Berlin, summer time included), without "(UTC)". Rows are given known UTC times through the
stack's MariaDB socket (as root), so the expected local text is exact. JSON contracts stay: /protokoll's
"zeit_utc" and mvctl's ISO "…Z" times remain UTC.

Legal pages: see the class LegalPages below."""

import datetime
import re

import mv
import users_lib as U

KASSE = "Kommunale Versorgungskassen Westfalen-Lippe"


def berlin(utc):
    """German local text "TT.MM.JJJJ HH:MM" of a naive UTC datetime by the EU rule (written independently of
    the C code: summer time from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC)."""
    def last_sunday(month):
        d = datetime.datetime(utc.year, month, 31, 1, 0, 0)
        return d - datetime.timedelta(days=(d.weekday() + 1) % 7)
    hours = 2 if last_sunday(3) <= utc < last_sunday(10) else 1
    return (utc + datetime.timedelta(hours=hours)).strftime("%d.%m.%Y %H:%M")


def kasse_send(pnr, betreff, gruppe=None, kennung=None):
    args = ["--json", "message", "send", "--pnr", pnr, "--betreff", betreff, "--text", "Text der Kasse"]
    args += ["--gruppe", gruppe] if gruppe else ["--kennung", kennung]
    r = mv.mvctl(*args)
    if r.rc != 0:
        raise AssertionError(f"mvctl message send failed: {r!r}")
    return r.json()["id"]


def db_or_skip(case, sql):
    rows = mv.db(sql)
    if rows is None:
        case.skipTest("needs MariaDB root access over the stack's socket")
    return rows


class LocalTimes(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.ac = U.admin_session()
        cls.sb = U.activate(U.create(cls.ac, vorname="Alma", name=f"Apfel{mv.uid()}", gruppen=("Beihilfe",)))
        cls.c = U.login(cls.sb)

    def test_mailbox_list_and_message_in_german_time(self):
        winter = kasse_send(self.admin.org.pnr, f"Winter {mv.uid()}", kennung=self.sb.kennung)
        summer = kasse_send(self.admin.org.pnr, f"Sommer {mv.uid()}", kennung=self.sb.kennung)
        db_or_skip(self, f"UPDATE nachricht SET erstellt = '2026-12-03 17:03:05' WHERE id = {winter}")
        db_or_skip(self, f"UPDATE nachricht SET erstellt = '2026-07-15 12:34:56' WHERE id = {summer}")
        want = {winter: "03.12.2026 18:03", summer: "15.07.2026 14:34"}
        j = self.c.get("/postfach/persoenlich", json=True).json()
        got = {m["id"]: m["datum"] for m in j["nachrichten"] if m["id"] in want}
        self.assertEqual(got, want)
        t = self.c.get("/postfach/persoenlich").text
        self.assertIn('<th scope="col">Datum</th>', t)
        self.assertNotIn("UTC", t)
        for mid, local in want.items():
            self.assertRegex(t, r'<tr[^>]*><td>%s</td><td>%s</td><td><a href="/nachricht/%d">'
                             % (re.escape(local), KASSE, mid))
        t = self.c.get(f"/nachricht/{winter}").text
        self.assertIn("<dt>Datum</dt><dd>03.12.2026 18:03</dd>", t)
        self.assertNotIn("UTC", t)
        self.assertEqual(self.c.get(f"/nachricht/{summer}", json=True).json()["datum"], "15.07.2026 14:34")

    def test_group_message_first_reader_at_the_switch_to_summer_time(self):
        mid = kasse_send(self.admin.org.pnr, f"Umstellung {mv.uid()}", gruppe="beihilfe")
        self.assertEqual(self.c.get(f"/nachricht/{mid}").status, 200)  # Alma is the first reader
        db_or_skip(self, "UPDATE nachricht SET erstellt = '2026-03-29 00:59:00', "
                         f"zuerst_gelesen_am = '2026-03-29 01:00:00' WHERE id = {mid}")
        t = self.c.get(f"/nachricht/{mid}").text
        self.assertIn("<dt>Datum</dt><dd>29.03.2026 01:59</dd>", t)
        self.assertIn(f"<dt>Zuerst geöffnet von</dt><dd>Alma {self.sb.name} am 29.03.2026 03:00</dd>", t)

    def test_change_log_in_german_time_json_stays_utc(self):
        k = self.sb.kennung
        db_or_skip(self, f"UPDATE audit_log SET at = '2026-10-25 00:59:59' WHERE event = 'sb_created' AND target = '{k}'")
        t = self.ac.get(f"/protokoll?kennung={k}").text
        self.assertIn('<th scope="col">Zeitpunkt</th>', t)
        self.assertNotIn("UTC", t)
        self.assertIn(f"<tr><td>25.10.2026 02:59:59</td><td>{self.admin.kennung}</td><td>Sachbearbeiter angelegt</td>",
                      t)
        created = [e for e in U.protokoll(self.ac, k) if e["ereignis"] == "sb_created"]
        self.assertEqual([e["zeit_utc"] for e in created], ["25.10.2026 00:59:59"])  # the JSON contract: UTC
        created = [e for e in U.audit_cli(self.admin.org.pnr, k) if e["ereignis"] == "sb_created"]
        self.assertEqual([e["zeit"] for e in created], ["2026-10-25T00:59:59Z"])

    def test_self_lock_until_in_german_time(self):
        k = self.sb.kennung
        db_or_skip(self, f"UPDATE account SET locked_until = '2099-07-01 10:00:00' WHERE kennung = '{k}'")
        try:
            self.assertEqual(U.details(self.ac, k)["voruebergehend_gesperrt_bis"], "01.07.2099, 12:00 Uhr")
            t = self.ac.get(f"/sachbearbeiter/{k}").text
            self.assertIn("(vorübergehend gesperrt bis 01.07.2099, 12:00 Uhr)", t)
            self.assertIn("endet automatisch am 01.07.2099, 12:00 Uhr", t)
            self.assertNotIn("UTC", t)
            db_or_skip(self, f"UPDATE account SET locked_until = '2099-01-15 10:00:00' WHERE kennung = '{k}'")
            self.assertEqual(U.details(self.ac, k)["voruebergehend_gesperrt_bis"], "15.01.2099, 11:00 Uhr")
        finally:
            mv.db(f"UPDATE account SET locked_until = NULL WHERE kennung = '{k}'")

    def test_password_changed_mail_in_german_time(self):
        s = U.create(self.ac, vorname="Bert", name=f"Birne{mv.uid()}")
        s.password = mv.new_password()
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        r = mv.set_password_via_link(mv.Client(), link, s.password)
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-gesetzt"))
        body = mv.wait_mail(s.email, mv.SUBJ_CHANGED)["body"]
        at = db_or_skip(self, f"SELECT password_changed_at FROM account WHERE kennung = '{s.kennung}'")[0][0]
        at = datetime.datetime.strptime(at, "%Y-%m-%d %H:%M:%S")
        # the mail's time is read in the same transaction, at most a few seconds after password_changed_at
        allowed = {berlin(at + datetime.timedelta(seconds=d)) for d in range(0, 5)}
        m = re.search(r"Zeitpunkt: (\d\d\.\d\d\.\d{4}) um (\d\d:\d\d) Uhr\s*$", body, re.M)
        self.assertIsNotNone(m, body)
        self.assertIn(f"{m.group(1)} {m.group(2)}", allowed)
        self.assertNotIn("UTC", body)
