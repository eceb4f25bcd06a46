"""Issue 11, items 9 and 10.

Local times: the database stores UTC; every time a person reads (mailbox lists, messages, the first reader of
a group message, the change log, "vorübergehend gesperrt bis", the "Passwort geändert" mail) is German local
time (Europe/Berlin, summer time included), without "(UTC)". Rows are given known UTC times through the
stack's MariaDB socket (as root), so the expected local text is exact. JSON contracts stay: /protokoll's
"zeit_utc" and mvctl's ISO "…Z" times remain UTC.

Legal pages: see the class LegalPages below."""

import datetime
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

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
            self.assertRegex(t, r'<tr[^>]*><td[^>]*>%s</td><td[^>]*>%s</td><td[^>]*><a href="/nachricht/%d">'
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
        db_or_skip(self, "UPDATE audit_log SET at = '2026-10-25 00:59:59' "
                         f"WHERE event = 'sb_created' AND target = '{k}'")
        t = self.ac.get(f"/protokoll?kennung={k}").text
        self.assertIn('<th scope="col">Zeitpunkt</th>', t)
        self.assertNotIn("UTC", t)
        self.assertRegex(t, r"<tr><td[^>]*>25\.10\.2026 02:59:59</td><td[^>]*>%s %s \(%s\)</td>"
                         r"<td[^>]*>Sachbearbeiter angelegt</td>"
                         % (self.admin.vorname, self.admin.name, self.admin.kennung))
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
            self.assertIn('VORÜBERGEHEND GESPERRT</span> <span class="warning-text">bis 01.07.2099, 12:00 Uhr</span>',
                          t)
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


# ---------------------------------------------------------------- item 10: the legal pages

LEGAL = {"/impressum": "impressum.html", "/datenschutz": "datenschutz.html",
         "/barrierefreiheit": "barrierefreiheit.html", "/nutzungsbedingungen": "nutzungsbedingungen.html"}
BRACKETS = re.compile(r"(?<![A-Za-z0-9])\[[^\[\]<>\r\n]{1,300}\]")


def placeholders(text):
    """The "[…]" placeholders of a page, by the app's rule (fcgi/util.c placeholder_find)."""
    return [m for m in BRACKETS.findall(text) if re.search(r"[A-Za-z\u0080-\U0010ffff]", m)]


class LegalPages(mv.Case):
    """Impressum, Datenschutz, Barrierefreiheit (and Nutzungsbedingungen) come from the operator's legal_dir; the
    stack (make run, the tests) serves the demo fund's filled pages, without a "[…]" placeholder."""

    def test_stack_serves_the_filled_demo_pages(self):
        for path, file in LEGAL.items():
            r = mv.Client().get(path)
            self.assertEqual(r.status, 200, path)
            card = r.text[r.text.index('<div class="card prose">'):r.text.index("</main>")]
            self.assertEqual(placeholders(card), [], path)
            self.assertNotIn("Platzhalter", card, path)
            j = mv.Client().get(path, json=True).json()
            self.assertEqual(placeholders(j["html"]), [], path)
            with open(os.path.join(mv.VAR, "legal", file), encoding="utf-8") as f:
                self.assertEqual(j["html"], f.read(), f"{path} is the stack's legal_dir/{file}")
        t = mv.Client().get("/impressum").text
        self.assertIn("<dd>Dr. Erika Mustermann, Leiterin der Kasse</dd>", t)
        self.assertIn("Beispieldaten", t)
        self.assertIn("<p>Telefon: 030 23125-100</p>", mv.Client().get("/barrierefreiheit").text)


def demo_pages(out):
    """The shipped pages with the demo values of html/demo-legal.tsv, as scripts/stack writes them."""
    values = []
    with open(os.path.join(mv.REPO, "html", "demo-legal.tsv"), encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line and not line.startswith("#"):
                values.append(line.split("\t", 1))
    os.makedirs(out)
    pages = os.path.join(mv.REPO, "html", "pages")
    for name in os.listdir(pages):
        with open(os.path.join(pages, name), encoding="utf-8") as f:
            text = f.read()
        for k, v in values:
            text = text.replace(k, v)
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(text)


class LegalStart(mv.Case):
    """`serve` in production mode (dev_mode = 0) refuses to start while a page holds a "[…]" placeholder, naming
    page and placeholder; in dev mode it only warns; a reload (SIGHUP) to such a page is refused. The binary is
    started by itself on the stack's configuration and database, with its own socket and legal_dir."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mv-legal-")
        self.legal = os.path.join(self.tmp, "legal")
        demo_pages(self.legal)
        self.sock = os.path.join(self.tmp, "mv.sock")
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve(self, legal_dir, dev_mode=False):
        """Starts `meineversorgung serve` with the stack's configuration, its own socket and legal_dir; returns
        when it has exited or created its socket."""
        with open(os.path.join(mv.VAR, "mv.conf"), encoding="utf-8") as f:
            conf = [line for line in f.read().splitlines()
                    if not re.match(r"\s*(fcgi_socket|legal_dir|dev_mode)\s*=", line)]
        conf += [f"fcgi_socket = {self.sock}", f"dev_mode = {1 if dev_mode else 0}"]
        conf += [f"legal_dir = {legal_dir}"] if legal_dir else []  # none: the shipped pages (the default)
        path = os.path.join(self.tmp, "mv.conf")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(conf) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MV_")}
        env["MV_WORKERS"] = "1"
        self.log = os.path.join(self.tmp, "serve.log")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([os.path.join(mv.REPO, "build", "meineversorgung"), "--config", path, "serve"],
                                         stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while self.proc.poll() is None and not os.path.exists(self.sock) and time.time() < deadline:
            time.sleep(0.05)
        return self.proc.poll()

    def log_text(self):
        return mv.log_text(self.log)

    def test_production_refuses_to_start_while_a_page_holds_a_placeholder(self):
        with open(os.path.join(self.legal, "impressum.html"), "a", encoding="utf-8") as f:
            f.write("<p>[Anschrift der Kasse]</p>\n")
        rc = self.serve(self.legal)
        self.assertEqual(rc, 1, f"serve must refuse to start:\n{self.log_text()}")
        self.assertFalse(os.path.exists(self.sock))
        log = self.log_text()
        self.assertIn(f'legal page Impressum ({self.legal}/impressum.html) still holds the placeholder '
                      '"[Anschrift der Kasse]"', log)
        self.assertIn("refusing to start", log)
        self.assertNotIn("legal page Datenschutz", log, "only the page with a placeholder is named")

    def test_production_refuses_the_shipped_pages_and_names_each(self):
        rc = self.serve("")
        self.assertEqual(rc, 1, f"serve must refuse to start:\n{self.log_text()}")
        log = self.log_text()
        pages = os.path.join(mv.REPO, "html", "pages")
        self.assertIn(f'legal page Impressum ({pages}/impressum.html) still holds the placeholder '
                      '"[Name der vertretungsberechtigten Person]" and 7 more', log)
        self.assertIn(f'legal page Datenschutz ({pages}/datenschutz.html) still holds the placeholder '
                      '"[Telefonnummer der Kasse]" and 4 more', log)
        self.assertIn(f'legal page Barrierefreiheit ({pages}/barrierefreiheit.html) still holds the placeholder '
                      '"[Telefonnummer der Kasse]"', log)
        self.assertNotIn("legal page Nutzungsbedingungen", log)
        self.assertIn("set legal_dir", log)

    def test_dev_mode_starts_with_a_warning(self):
        rc = self.serve("", dev_mode=True)
        self.assertIsNone(rc, f"dev mode starts:\n{self.log_text()}")
        self.assertTrue(os.path.exists(self.sock))
        self.assertRegex(self.log_text(), r"warn.*legal page Impressum .* still holds the placeholder")

    def test_a_reload_to_a_page_with_a_placeholder_is_refused(self):
        self.assertIsNone(self.serve(self.legal), f"the filled pages start:\n{self.log_text()}")
        with open(os.path.join(self.legal, "datenschutz.html"), "a", encoding="utf-8") as f:
            f.write("<p>Stand: [Datum]</p>\n")
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 15
        while "reload refused" not in self.log_text() and time.time() < deadline:
            time.sleep(0.1)
        log = self.log_text()
        self.assertIn('legal page Datenschutz', log)
        self.assertIn('"[Datum]"', log)
        self.assertIn("reload refused", log)
        self.assertIsNone(self.proc.poll(), "the master keeps running")
        self.assertNotIn("configuration reloaded", log)
