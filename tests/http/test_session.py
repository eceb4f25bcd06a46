"""Sessions: logout, keep-alive, protected routes, escaping of stored data, what the database holds
(SPEC §4.4; SECURITY.md 10, 16, 23, 25, 29, 39)."""

import unittest

import mv

LOGIN_NEEDED = "Bitte melden Sie sich an."


class Protected(mv.Case):
    def test_anonymous_is_sent_to_login(self):
        c = mv.Client()
        for path in ["/", "/einstellungen", "/mitgliederdaten"]:
            r = c.get(path)
            self.assertEqual((r.status, r.location), (303, "/anmelden"), path)
            self.assertEqual(r.header("Cache-Control"), "no-store")
            r = c.get(path, json=True)
            self.assertEqual(r.status, 401, path)
            self.assertEqual(r.json()["errors"], {"_": LOGIN_NEEDED})
        c.get("/anmelden")
        r = c.post("/sitzung/verlaengern", {}, json=True)
        self.assertEqual(r.status, 401)
        r = c.post("/einstellungen", {"passwort_alt": "a", "passwort_neu": "b", "passwort_neu_wiederholung": "b"})
        self.assertEqual((r.status, r.location), (303, "/anmelden"))
        r = c.post("/einstellungen", {"passwort_alt": "a", "passwort_neu": "b", "passwort_neu_wiederholung": "b"},
                   json=True)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["errors"], {"_": LOGIN_NEEDED})

    def test_admin_urls_need_login(self):
        # the Sachbearbeiter pages (SPEC §6/§7): anonymous visitors reach none of them
        c = mv.Client()
        c.get("/anmelden")
        for path in ["/sachbearbeiter", "/sachbearbeiter/neu", "/sachbearbeiter/X201-AAAAAAAAAAAA",
                     "/sachbearbeiter/S201-AAAAAAAAAAAA/bearbeiten", "/gruppen", "/gruppen/beihilfe", "/protokoll"]:
            r = c.get(path)
            if r.status == 404:
                continue  # not built yet
            self.assertEqual((r.status, r.location), (303, "/anmelden"), path)
        for path in ["/sachbearbeiter/neu", "/sachbearbeiter/S201-AAAAAAAAAAAA/sperren",
                     "/sachbearbeiter/S201-AAAAAAAAAAAA/passwort-email"]:
            r = c.post(path, {"vorname": "x"})
            if r.status == 404:
                continue
            self.assertEqual((r.status, r.location), (303, "/anmelden"), path)

    def test_unknown_session_cookie_is_sent_to_login(self):
        c = mv.Client()
        c.cookies["mv_sid"] = "Q" * 43
        r = c.get("/einstellungen")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.location.startswith("/anmelden"), r.location)
        # the unknown token stays useless: every protected page keeps sending it to the login
        self.assertEqual(c.get("/").status, 303)


class LogoutAndKeepAlive(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = mv.ready_admin()

    def test_logout_kills_the_session_on_the_server(self):
        c = mv.login_admin(self.admin)
        other = mv.login_admin(self.admin)
        old = c.cookies["mv_sid"]
        r = c.get("/")
        self.assertIn(">Abmelden</button>", r.text)
        r = c.post("/abmelden", {})
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=abgemeldet"))
        self.assertIn("max-age=0", r.set_cookies["mv_sid"][1].lower())
        self.assertNotIn("mv_sid", c.cookies)
        r = c.follow(r)
        self.assertIn("Sie wurden erfolgreich abgemeldet.", " ".join(r.alert_text()))
        # the old cookie is dead on the server
        replay = mv.Client()
        replay.cookies["mv_sid"] = old
        r = replay.get("/")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.location.startswith("/anmelden"))
        self.assertEqual(replay.get("/einstellungen", json=True).status, 401)
        # the other browser's session is independent
        self.assertEqual(other.get("/").status, 200)

    def test_logout_json(self):
        c = mv.login_admin(self.admin, client=mv.Client(json=True))
        c.get("/")
        r = c.post("/abmelden", {})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["next"], "/anmelden?grund=abgemeldet")
        self.assertEqual(c.get("/").status, 401)

    def test_keepalive(self):
        c = mv.login_admin(self.admin)
        c.get("/")
        r = c.post("/sitzung/verlaengern", {}, json=True)
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(body["ok"], True)
        self.assertEqual(body["idle_timeout_s"], 600)
        self.assertEqual(body["csrf"], c.csrf)
        r = c.post("/sitzung/verlaengern", {})
        self.assertEqual((r.status, r.location), (303, "/"))

    def test_personal_pages_not_cached(self):
        c = mv.login_admin(self.admin)
        for path in ["/", "/einstellungen", "/mitgliederdaten"]:
            r = c.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.header("Cache-Control"), "no-store", path)
        r = c.get("/mitgliederdaten")
        self.assertIn(self.admin.org.name, r.text)
        self.assertIn(self.admin.org.pnr, r.text)
        self.assertIn(self.admin.org.abr, r.text)
        self.assertIn("Kommunale Versorgungskassen Westfalen-Lippe", r.text)
        self.assertIn(self.admin.org.line, r.text)


class AdminLockViaDatabase(mv.Case):
    """SECURITY.md 10. The web has no lock button yet; the status change is made in the database
    as an administrator's lock will make it, and the running session must end at once."""

    def test_locked_account_loses_its_session(self):
        if mv.db("SELECT 1") is None:
            self.skipTest("needs MariaDB root (run as root)")
        a = mv.ready_admin()
        c = mv.login_admin(a)
        self.assertEqual(c.get("/").status, 200)
        mv.db(f"UPDATE account SET status='gesperrt', status_vor_sperre='aktiv' WHERE kennung='{a.kennung}'")
        try:
            r = c.get("/")
            self.assertEqual((r.status, r.location), (303, "/anmelden?grund=beendet"))
            _, r = mv.login_password(a.kennung, a.password)
            self.assertEqual(r.status, 422)
            self.assertIn(mv.LOGIN_FAILED, r.summary_errors())
        finally:
            mv.db(f"UPDATE account SET status='aktiv', status_vor_sperre=NULL WHERE kennung='{a.kennung}'")
        self.assertEqual(c.get("/").status, 303, "unlocking does not revive the old session")
        self.assertEqual(mv.login_admin(a).get("/").status, 200)


class StoredSecrets(mv.Case):
    """SECURITY.md 16: TANs, link tokens and session tokens only as keyed hashes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if mv.db("SELECT 1") is None:
            raise unittest.SkipTest("needs MariaDB root (run as root)")

    def dump(self, table):
        rows = mv.db(f"SELECT * FROM {table}")
        hexrows = mv.db(f"SELECT HEX(token_hash) FROM {table}") if table != "tan" else \
            mv.db("SELECT HEX(tan_hash) FROM tan")
        return "\n".join("\t".join(r) for r in rows), "\n".join(r[0] for r in hexrows)

    def test_tan_session_and_link_tables_hold_no_plaintext(self):
        a = mv.new_admin()
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        token = link.split("=", 1)[1]
        text, hexes = self.dump("link_token")
        self.assertNotIn(token, text)
        self.assertNotIn(token.encode().hex().upper(), hexes)
        n = mv.db("SELECT COUNT(*) FROM link_token lt JOIN account a ON a.id = lt.account_id "
                  f"WHERE a.kennung='{a.kennung}' AND LENGTH(lt.token_hash) = 32")
        self.assertEqual(n, [["1"]])
        mv.activate(a, retrieve_kennung=False, link=link)
        ktoken = a.kennung_link.split("=", 1)[1]
        text, hexes = self.dump("link_token")
        self.assertNotIn(ktoken, text)
        c, r = mv.login_password(a.kennung, a.password)
        tan = mv.latest_tan(a.email)
        sid_tan = c.cookies["mv_sid"]
        text, hexes = self.dump("tan")
        self.assertNotIn(tan, text)
        self.assertNotIn(tan.encode().hex().upper(), hexes)
        text, hexes = self.dump("session")
        self.assertNotIn(sid_tan, text)
        c.get("/anmelden/tan")
        c.post("/anmelden/tan", {"tan": tan})
        sid = c.cookies["mv_sid"]
        text, hexes = self.dump("session")
        self.assertNotIn(sid, text)
        self.assertNotIn(sid.encode().hex().upper(), hexes)
        acc = mv.db(f"SELECT password_hash FROM account WHERE kennung='{a.kennung}'")[0][0]
        self.assertTrue(acc.startswith("$argon2id$"), acc)
        self.assertNotIn(a.password, acc)
        everything = "\n".join("\t".join(r) for t in ["account", "password_history", "audit_log", "rate_limit"]
                               for r in mv.db(f"SELECT * FROM {t}"))
        for secret in (a.password, tan, sid, sid_tan, token, ktoken):
            self.assertNotIn(secret, everything)

    def test_sent_mails_do_not_keep_tans_or_link_tokens(self):
        # The outbox row of a delivered mail still holding a live TAN or a 60-minute password
        # link would undo the hashing above for anyone who can read the database or a backup.
        a = mv.ready_admin()
        f = mv.Client()
        f.get("/passwort-vergessen")
        f.post("/passwort-vergessen", {"kennung": a.kennung})
        token = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_RESET), "/passwort-setzen").split("=", 1)[1]
        c, r = mv.login_password(a.kennung, a.password)
        tan = mv.latest_tan(a.email)
        rows = mv.db("SELECT id, status FROM outbox WHERE status='gesendet' AND "
                     f"(body LIKE '%{token}%' OR (to_addr='{a.email}' AND body LIKE '%{tan}%'))")
        self.assertEqual(rows, [], "delivered outbox rows still contain a live link token or TAN in clear")


class Escaping(mv.Case):
    """SECURITY.md 39: stored markup is shown escaped."""

    VORNAME = '"><svg onload=alert(1)>'
    NAME = "</script>O'Brien<b>"
    ORG = "<img src=x onerror=alert(2)> & Co"

    def test_names_escaped_on_every_page(self):
        org = mv.new_org(name=self.ORG)
        a = mv.new_admin(org=org, vorname=self.VORNAME, name=self.NAME)
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        c = mv.Client()
        r = c.get(link)
        self.assert_escaped(r.text, "set password page")
        self.assertIn("&quot;&gt;&lt;svg onload=alert(1)&gt; &lt;/script&gt;O&#39;Brien&lt;b&gt;", r.text)
        pw = mv.new_password()
        r = c.post(link, {"passwort": pw, "passwort_wiederholung": pw + "x"})  # 422 re-renders the page
        self.assertEqual(r.status, 422)
        self.assert_escaped(r.text, "set password page with errors")
        r = c.post(link, {"passwort": pw, "passwort_wiederholung": pw})
        self.assertEqual(r.status, 303)
        a.password = pw
        u = mv.login_admin(a)
        for path in ["/", "/einstellungen", "/mitgliederdaten", "/impressum", "/gibt-es-nicht"]:
            r = u.get(path)
            self.assert_escaped(r.text, path)
        r = u.get("/")
        self.assertIn("Guten Tag, &quot;&gt;&lt;svg onload=alert(1)&gt; &lt;/script&gt;O&#39;Brien&lt;b&gt;!", r.text)
        self.assertIn("&lt;img src=x onerror=alert(2)&gt; &amp; Co", r.text)
        # JSON carries the raw text, as JSON
        j = u.get("/", json=True)
        self.assertTrue(j.header("Content-Type").startswith("application/json"))
        self.assertEqual(j.json()["begruessung"], f"Guten Tag, {self.VORNAME} {self.NAME}!")

    def assert_escaped(self, text, where):
        for raw in ["<svg onload", "</script>O", "<b>", "<img src=x", "'Brien"]:
            self.assertNotIn(raw, text, f"{where}: {raw!r} unescaped")


if __name__ == "__main__":
    unittest.main()
