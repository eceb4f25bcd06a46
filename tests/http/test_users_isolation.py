"""Two organisations side by side (SECURITY.md 29, 30) and hostile input on the Sachbearbeiter pages
(SECURITY.md 26, 27, 39, 41): escaping, control characters, lengths, invalid UTF-8, CSRF, GET without effect."""

import re
import secrets
import string

import mv
import users_lib as U


def random_kennung():
    return "S201-" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(12))


class TwoOrganisations(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a_admin, cls.a = U.admin_session()
        cls.b_admin, cls.b = U.admin_session()
        cls.tag = f"Bewohner{mv.uid()}"
        cls.a1 = U.create(cls.a, "Aaron", f"Amsel{mv.uid()}", gruppen=["Beihilfe"])
        cls.a2 = U.create(cls.a, "Adele", f"Amsel{mv.uid()}", gruppen=["Finanzierung"])
        cls.b1 = U.create(cls.b, "Berta", cls.tag + "a", gruppen=["Beihilfe", "Finanzierung"],
                          rechte=["anspruchsberechtigte"])
        cls.b2 = U.activate(U.create(cls.b, "Bruno", cls.tag + "b", gruppen=["Beihilfe"]))
        cls.b2_session = U.login(cls.b2)
        cls.a_all = {cls.a1.kennung, cls.a2.kennung}  # and the markers of mail_barrier

    def test_lists_counts_and_filters_only_own(self):
        j = U.listing(self.a)
        self.assertEqual(j["gesamt"], len(self.a_all))
        self.assertEqual({u["nutzerkennung"] for u in j["sachbearbeiter"]}, self.a_all)
        for q in ("", "pro_seite=100", f"name={self.tag}", f"kennung={self.b1.kennung}", "kennung=S201-",
                  "gruppe=bei", "gruppe=fin", "status=akt", "status=ang", "vorname=b", "name=b"):
            with U.case(q=q):
                r = self.a.get("/sachbearbeiter" + ("?" + q if q else ""))
                rows = U.html_rows(r.text)
                self.assertTrue({x[0] for x in rows} <= self.a_all, rows)
                for s in (self.b1, self.b2):
                    self.assertNotIn(f'href="/sachbearbeiter/{s.kennung}"', r.text)
                    self.assertNotIn(s.vorname, [x[2] for x in rows])
                got = U.listing(self.a, q)
                self.assertTrue({u["nutzerkennung"] for u in got["sachbearbeiter"]} <= self.a_all)
                self.assertLessEqual(got["gesamt"], len(self.a_all))
        self.assertEqual(U.listing(self.a, f"name={self.tag}")["gesamt"], 0)
        self.assertEqual(U.listing(self.a, "status=akt")["gesamt"], 0)
        self.assertEqual(U.listing(self.b, "status=akt")["gesamt"], 1)
        self.assertEqual(U.listing(self.b)["gesamt"], 2)
        self.assertEqual(U.protokoll(self.a, self.b1.kennung), [])
        self.assertNotIn(self.b1.kennung, self.a.get("/protokoll").text)
        self.assertEqual([e for e in U.audit_cli(self.a_admin.org.pnr) if e["betroffen"] == self.b1.kennung], [])

    def test_foreign_and_unknown_ids_answer_alike(self):
        before = {s.kennung: U.details(self.b, s.kennung) for s in (self.b1, self.b2)}
        b_log = U.protokoll(self.b)
        unknown = random_kennung()
        targets = [self.b1.kennung, self.b2.kennung, self.b1.kennung.lower(), self.a_admin.kennung,
                   self.b_admin.kennung, "X201-000000000001", random_kennung()]
        edit = U.form("Eve", "Eindringling", U.email(), ["Administration"], ["anspruchsberechtigte"], terms=False)
        requests = [("GET", "", None), ("GET", "/bearbeiten", None),
                    ("POST", "/bearbeiten", edit + [("version", "1")]), ("POST", "/bearbeiten", edit),
                    ("POST", "/sperren", []), ("POST", "/entsperren", []), ("POST", "/passwort-email", [])]

        def call(method, kennung, suffix, fields, js):
            path = f"/sachbearbeiter/{kennung}{suffix}"
            if method == "GET":
                return self.a.get(path, json=js)
            return self.a.post(path, fields, json=js)

        for method, suffix, fields in requests:
            for js in (False, True):
                ref = call(method, unknown, suffix, fields, js)
                self.assertEqual(ref.status, 404, (method, suffix, ref))
                if js:
                    self.assertEqual(ref.json()["errors"], {"_": U.NOT_FOUND})
                else:
                    self.assertIn(U.NOT_FOUND, ref.alert_text())
                for k in targets:
                    with U.case(method=method, suffix=suffix, json=js, kennung=k):
                        r = call(method, k, suffix, fields, js)
                        self.assertEqual(r.status, 404)
                        self.assertEqual(r.body, ref.body)
                        self.assertEqual(sorted(h for h, _ in r.headers if h.lower() not in ("date",)),
                                         sorted(h for h, _ in ref.headers if h.lower() not in ("date",)))
        # nothing changed in B
        for s in (self.b1, self.b2):
            self.assertEqual(U.details(self.b, s.kennung), before[s.kennung])
        self.assertEqual(U.protokoll(self.b), b_log)
        self.assertEqual(self.b2_session.get("/").status, 200, "B's Sachbearbeiter is still logged in")
        _, r = mv.login_password(self.b2.kennung, self.b2.password)
        self.assertEqual(r.status, 303, "and can still log in")
        mv.latest_tan(self.b2.email)
        self.a_all.add(U.mail_barrier(self.a).kennung)
        self.assertEqual([m["subject"] for m in mv.mails(self.b1.email)], [mv.SUBJ_SETPW])
        self.assertEqual(mv.mails(self.b2.email, mv.SUBJ_RESET), [])
        # the administrators' own accounts are untouched as well
        self.assertEqual(self.a.get("/").status, 200)
        self.assertEqual(self.b.get("/").status, 200)

    def test_foreign_id_in_protokoll_filter_and_list_filter(self):
        r = self.a.get(f"/protokoll?kennung={self.b2.kennung}", json=True)
        self.assertEqual(r.json()["eintraege"], [])
        r = self.a.get(f"/sachbearbeiter?kennung={self.b2.kennung}")
        self.assertEqual(U.range_text(r.text), "0 - 0 von 0")


class NotLoggedIn(mv.Case):
    """SECURITY.md 29 and WSTG-ATHN-11: anonymous visitors and sessions that passed only the password step."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        cls.s = U.create(cls.c, "Tina", "Anonym")

    def paths(self):
        k = self.s.kennung
        gets = ["/sachbearbeiter", "/sachbearbeiter/neu", f"/sachbearbeiter/{k}", f"/sachbearbeiter/{k}/bearbeiten",
                "/protokoll"]
        posts = [("/sachbearbeiter/neu", U.form("Anna", "Anonym", U.email())),
                 (f"/sachbearbeiter/{k}/bearbeiten", U.form("Anna", "Anonym", self.s.email, terms=False)),
                 (f"/sachbearbeiter/{k}/sperren", []), (f"/sachbearbeiter/{k}/entsperren", []),
                 (f"/sachbearbeiter/{k}/passwort-email", [])]
        return gets, posts

    def check(self, client):
        gets, posts = self.paths()
        before = U.details(self.c, self.s.kennung)
        count = U.listing(self.c)["gesamt"]
        for path in gets:
            r = client.get(path)
            self.assertEqual((r.status, r.location), (303, "/anmelden"), path)
            r = client.get(path, json=True)
            self.assertEqual(r.status, 401, path)
            self.assertNotIn(self.s.kennung, r.text)
        for path, fields in posts:
            r = client.post(path, fields)
            self.assertEqual((r.status, r.location), (303, "/anmelden"), path)
            self.assertEqual(client.post(path, fields, json=True).status, 401, path)
        self.assertEqual(U.details(self.c, self.s.kennung), before)
        self.assertEqual(U.listing(self.c)["gesamt"], count)

    def test_anonymous(self):
        c = mv.Client()
        c.get("/anmelden")
        self.check(c)

    def test_password_step_only(self):
        c, r = mv.login_password(self.admin.kennung, self.admin.password)
        self.assertEqual((r.status, r.location), (303, "/anmelden/tan"))
        self.check(c)
        mv.latest_tan(self.admin.email)


class HostileInput(mv.Case):
    XSS_V = '"><svg onload=alert(1)>'
    XSS_N = "O'Hara</script><script>alert(2)</script>"
    ESC_V = "&quot;&gt;&lt;svg onload=alert(1)&gt;"
    ESC_N = "O&#39;Hara&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def assert_escaped(self, text, where):
        for raw in (self.XSS_V, self.XSS_N, "<svg onload", "</script><script>", "O'Hara"):
            self.assertNotIn(raw, text, where)
        self.assertNotIn("<script>alert", text, where)

    def test_names_stored_and_shown_escaped(self):
        s = U.create(self.c, self.XSS_V, self.XSS_N, gruppen=["Beihilfe"])
        j = U.details(self.c, s.kennung)
        self.assertEqual((j["vorname"], j["name"]), (self.XSS_V, self.XSS_N), "stored as typed")
        pages = {
            "dialog": f"/sachbearbeiter/{s.kennung}?angelegt=1",
            "details": f"/sachbearbeiter/{s.kennung}",
            "edit": f"/sachbearbeiter/{s.kennung}/bearbeiten",
            "overview": f"/sachbearbeiter?kennung={s.kennung}",
            "protokoll": f"/protokoll?kennung={s.kennung}",
        }
        for where, path in pages.items():
            r = self.c.get(path)
            self.assertEqual(r.status, 200, where)
            self.assert_escaped(r.text, where)
            self.assertIn(self.ESC_V, r.text, where)
            self.assertIn(self.ESC_N, r.text, where)
        self.assertIn(f"<dt>Vorname</dt><dd>{self.ESC_V}</dd>", self.c.get(pages["details"]).text)
        self.assertIn(f'name="vorname" type="text" value="{self.ESC_V}"', self.c.get(pages["edit"]).text)
        rows = U.html_rows(self.c.get(pages["overview"]).text)
        self.assertEqual([(x[1], x[2]) for x in rows], [(self.XSS_N, self.XSS_V)])
        # the edit form re-rendered after an error keeps the posted value, escaped
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                        U.form(self.XSS_V, self.XSS_N, "kaputt", terms=False))
        self.assertEqual(r.status, 422)
        self.assert_escaped(r.text, "edit 422")
        self.assertIn(f'name="name" type="text" value="{self.ESC_N}"', r.text)
        # the activation page and the Sachbearbeiter's own pages
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        r = mv.Client().get(link)
        self.assert_escaped(r.text, "set password")
        U.activate(s, link=link)
        sc = U.login(s)
        for path in ("/", "/einstellungen", "/mitgliederdaten"):
            r = sc.get(path)
            self.assertEqual(r.status, 200, path)
            self.assert_escaped(r.text, path)
        self.assertIn(f"<h1>Guten Tag, {self.ESC_V} {self.ESC_N}!</h1>", sc.get("/").text)
        self.assert_escaped(self.c.get(pages["protokoll"]).text, "protokoll after activation")

    def test_filter_values_escaped(self):
        r = self.c.get("/sachbearbeiter?name=%22%3E%3Csvg%20onload%3Dalert(1)%3E&gruppe=%3C%2Fscript%3E")
        self.assertEqual(r.status, 200)
        self.assertNotIn("<svg onload", r.text)
        self.assertNotIn("</script>", r.text.replace("</script>\n</head>", ""))
        self.assertIn(f'name="name" type="text" value="{self.ESC_V}"', r.text)
        r = self.c.get("/protokoll?kennung=%22%3E%3Csvg%3E")
        self.assertNotIn("<svg>", r.text)
        self.assertIn('value="&quot;&gt;&lt;svg&gt;"', r.text)

    def test_control_characters_refused(self):
        before = U.listing(self.c)["gesamt"]
        cases = [
            (U.form("Anna\r\nBcc: x@example.org", "Kontrolle", U.email()), {"vorname": U.MSG["vorname_bad"]}),
            (U.form("Anna", "Kon\ntrolle", U.email()), {"name": U.MSG["name_bad"]}),
            (U.form("Anna", "Kon\rtrolle", U.email()), {"name": U.MSG["name_bad"]}),
            (U.form("Anna", "Kontrolle", "a@example.org\r\nBcc: c@example.org"), {"email": U.MSG["email_bad"]}),
            (U.form("Anna", "Kontrolle", "a@exam\nple.org"), {"email": U.MSG["email_bad"]}),
        ]
        for fields, expect in cases:
            with U.case(expect=expect):
                r = self.c.post("/sachbearbeiter/neu", fields, json=True)
                self.assertEqual((r.status, r.json()["errors"]), (422, expect))
        self.assertEqual(U.listing(self.c)["gesamt"], before)
        s = U.create(self.c, "Paul", "Kontrolle")
        v = U.details(self.c, s.kennung)["version"]
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                        U.form("Paul", "Kon\r\ntrolle", s.email, terms=False) + [("version", str(v))], json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"name": U.MSG["name_bad"]}))
        # surrounding blanks and line breaks are trimmed, never stored
        t = U.create(self.c, "\r\n Lena \r\n", "  Rand\n")
        j = U.details(self.c, t.kennung)
        self.assertEqual((j["vorname"], j["name"]), ("Lena", "Rand"))

    def test_lengths(self):
        ok = U.create(self.c, "V" * 100, "ä" * 100)
        j = U.details(self.c, ok.kennung)
        self.assertEqual((j["vorname"], j["name"]), ("V" * 100, "ä" * 100))
        for n in (101, 300):
            with U.case(n=n):
                r = self.c.post("/sachbearbeiter/neu", U.form("V" * n, "ß" * n, U.email()), json=True)
                self.assertEqual((r.status, r.json()["errors"]),
                                 (422, {"vorname": U.MSG["vorname_bad"], "name": U.MSG["name_bad"]}))
        long_mail = "a" * 243 + "@example.org"
        self.assertEqual(len(long_mail), 255)
        r = self.c.post("/sachbearbeiter/neu", U.form("Lang", "Mail", long_mail), json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"email": U.MSG["email_bad"]}))
        r = self.c.post("/sachbearbeiter/neu", U.form("V" * 300, "Lang", U.email()))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("vorname"), U.MSG["vorname_bad"])
        self.assertIn('value="' + "V" * 300 + '"', r.text, "input kept")

    def raw_post(self, path, body, json=False):
        return self.c.request("POST", path, body=body, json=json,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})

    def test_invalid_utf8_nul_and_duplicates_400(self):
        before = U.listing(self.c)["gesamt"]
        csrf = mv.encode_form([("csrf", self.c.csrf)]).decode()
        tail = f"&email={U.email()}&gruppe=Beihilfe&nutzungsbedingungen=1&{csrf}"
        for bad in ("vorname=%FF%FE" + "&name=Utf", "vorname=Ab%C3%28" + "&name=Utf", "vorname=%C0%AF&name=Utf",
                    "vorname=%80&name=Utf", "vorname=An%00na&name=Utf", "vorname=Anna&vorname=Berta&name=Utf",
                    "vorname=Anna&name=Utf&email=x%40example.org"):
            for js in (False, True):
                with U.case(body=bad, json=js):
                    r = self.raw_post("/sachbearbeiter/neu", (bad + tail).encode(), json=js)
                    self.assertEqual(r.status, 400)
                    if js:
                        self.assertEqual(r.json()["errors"], {"_": U.BAD_REQUEST})
                    else:
                        self.assertIn(U.BAD_REQUEST, r.alert_text())
        self.assertEqual(self.c.get("/sachbearbeiter?name=%FF").status, 400)
        self.assertEqual(U.listing(self.c)["gesamt"], before)
        self.assertEqual(self.c.get("/").status, 200, "the worker is alive")

    def test_csrf(self):
        before = U.listing(self.c)["gesamt"]
        mail = U.email()
        fields = U.form("Cora", "Csrf", mail)
        other_admin, other = U.admin_session()
        for token, headers in ((False, None), ("", None), ("x" * 43, None), (other.csrf, None),
                               (True, {"Sec-Fetch-Site": "cross-site"}), (True, {"Origin": "http://evil.example"})):
            with U.case(token=token, headers=headers):
                r = self.c.post("/sachbearbeiter/neu", fields, csrf=token, headers=headers)
                self.assertEqual(r.status, 403)
                self.assertIn(mv.CSRF_FAILED, r.alert_text())
                r = self.c.post("/sachbearbeiter/neu", fields, csrf=token, headers=headers, json=True)
                self.assertEqual((r.status, r.json()["errors"]), (403, {"_": mv.CSRF_FAILED}))
        s = U.create(self.c, "Lock", "Csrf")
        for action in ("sperren", "passwort-email"):
            r = self.c.post(f"/sachbearbeiter/{s.kennung}/{action}", {}, csrf=False)
            self.assertEqual(r.status, 403, action)
        v = U.details(self.c, s.kennung)["version"]
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                        U.form("Neu", "Neu", s.email, terms=False) + [("version", str(v))], csrf=other.csrf)
        self.assertEqual(r.status, 403)
        j = U.details(self.c, s.kennung)
        self.assertEqual((j["status"], j["vorname"], j["version"]), ("Angelegt", "Lock", v))
        self.assertEqual(U.listing(self.c)["gesamt"], before + 1)
        U.mail_barrier(self.c)
        self.assertEqual(mv.mails(mail), [])
        self.assertEqual(len(mv.mails(s.email)), 1)
        # the header variant of the token works
        r = self.c.post("/sachbearbeiter/neu", U.form("Cora", "Header", U.email()), csrf=False,
                        headers={"X-CSRF-Token": self.c.csrf})
        self.assertEqual(r.status, 303, r)

    def test_get_changes_nothing(self):
        s = U.create(self.c, "Gina", "Get")
        mv.wait_mail(s.email, mv.SUBJ_SETPW)
        before = U.details(self.c, s.kennung)
        count = U.listing(self.c)["gesamt"]
        mail = U.email()
        q = mv.encode_form(U.form("Gustav", "Get", mail)).decode()
        r = self.c.get(f"/sachbearbeiter/neu?{q}")
        self.assertEqual(r.status, 200)
        r = self.c.get(f"/sachbearbeiter/{s.kennung}/bearbeiten?"
                       + mv.encode_form(U.form("Neu", "Neu", U.email(), terms=False)
                                        + [("version", str(before["version"]))]).decode())
        self.assertEqual(r.status, 200)
        for action in ("entsperren", "passwort-email"):
            r = self.c.get(f"/sachbearbeiter/{s.kennung}/{action}")
            self.assertEqual(r.status, 405, action)
            self.assertEqual(r.header("Allow"), "POST", action)
        # GET …/sperren is the confirmation page of the lock (issue 11 item 13): it asks, it never locks
        r = self.c.get(f"/sachbearbeiter/{s.kennung}/sperren?bestaetigt=1")
        self.assertEqual(r.status, 200)
        self.assertIn("wirklich sperren?", r.text)
        r = self.c.request("DELETE", f"/sachbearbeiter/{s.kennung}")
        self.assertEqual(r.status, 405)
        r = self.c.request("PUT", "/sachbearbeiter/neu", body=b"", headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD, POST")
        self.assertEqual(U.details(self.c, s.kennung), before)
        self.assertEqual(U.listing(self.c)["gesamt"], count)
        U.mail_barrier(self.c)
        self.assertEqual(mv.mails(mail), [])
        self.assertEqual(len(mv.mails(s.email)), 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
