"""Security headers, CSRF, methods, unknown paths, hostile input (SECURITY.md 21, 25–29, 41, 42, 44)."""

import json
import os
import re
import unittest

import mv

NOT_FOUND = "Die angeforderte Seite gibt es nicht."
NOT_ALLOWED = "Diese Aktion ist auf dieser Seite nicht möglich."
BAD_REQUEST = ("Die Anfrage enthält ungültige Daten (zum Beispiel unzulässige Zeichen oder doppelte Felder).")
TOO_LARGE = "Die gesendeten Daten sind zu groß."
UNSUPPORTED = "Dieses Datenformat wird nicht unterstützt."

CSP_PARTS = ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]

# Things an error page must never show (ASVS 16.5.1).
LEAKS = re.compile(r"SQL|mysql|MariaDB|syntax|/tmp/|/usr/|\.c:\d|Traceback|errno|segfault|"
                   r"nginx/\d|libfcgi|FCGX|stack trace|at line \d|" + re.escape(mv.REPO), re.I)
TOKENS = re.compile(r'(name="csrf" (?:value|content)="|"csrf":\s*")[A-Za-z0-9_-]*"')


def leak_free(text):
    """The text without the random CSRF tokens (a token may spell "sql" or "errno" by chance)."""
    return TOKENS.sub("", text)


def log_size():
    try:
        return os.path.getsize(mv.APP_LOG)
    except OSError:
        return 0


def log_since(offset):
    with open(mv.APP_LOG, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


class Headers(mv.Case):
    def assert_app_headers(self, r, what):
        csp = r.header("Content-Security-Policy") or ""
        for part in CSP_PARTS:
            self.assertIn(part, csp, f"{what}: CSP lacks {part!r}: {csp!r}")
        self.assertNotIn("unsafe-inline", csp, what)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff", what)
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer", what)
        self.assertEqual(r.header("Cache-Control"), "no-store", what)
        self.assertEqual(r.header("Server"), "nginx", what)
        self.assertIsNone(r.header("X-Powered-By"), what)

    def test_login_page_html_has_csrf_field_meta_and_cookie(self):
        c = mv.Client()
        r = c.get("/anmelden")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        hidden = re.findall(r'<input type="hidden" name="csrf" value="([^"]+)"', r.text)
        meta = re.findall(r'<meta name="csrf" content="([^"]+)"', r.text)
        self.assertEqual(len(hidden), 1, "one form, one hidden csrf field")
        self.assertEqual(meta, hidden)
        self.assertGreaterEqual(len(hidden[0]), 22)
        value, attrs = r.set_cookies["mv_pre"]
        self.assertRegex(value, r"^[A-Za-z0-9_-]{43}$")
        parts = [p.strip().lower() for p in attrs.split(";") if p.strip()]
        self.assertIn("httponly", parts)
        self.assertIn("samesite=strict", parts)
        self.assertIn("path=/", parts)
        self.assertFalse(any(p.startswith("domain") for p in parts), attrs)
        self.assertNotIn("secure", parts, "plain HTTP: no Secure flag, no __Host- prefix")
        # the UI texts of the handbook
        self.assertIn("Nutzerkennung oder Identifikationsnummer/PNR*", r.text)
        self.assertIn("Passwort*", r.text)
        self.assertRegex(r.text, r'<button type="submit" class="btn">Anmelden</button>')
        # password field: type=password, autocomplete set (paste/password managers allowed)
        self.assertRegex(r.text, r'name="passwort" type="password" value="" autocomplete="current-password"')
        self.assertRegex(r.text, r'name="kennung" type="text" value="" autocomplete="username"')
        self.assertNotIn("onpaste", r.text)

    def test_same_browser_keeps_cookie_and_token(self):
        c = mv.Client()
        r1 = c.get("/anmelden")
        token = c.csrf
        r2 = c.get("/passwort-vergessen")
        self.assertNotIn("mv_pre", r2.set_cookies, "an existing mv_pre cookie is kept")
        self.assertEqual(c.csrf, token)
        other = mv.Client()
        other.get("/anmelden")
        self.assertNotEqual(other.csrf, token, "each browser has its own token")
        self.assertEqual(r1.status, 200)

    def test_json_get_gives_csrf(self):
        for path in ["/anmelden", "/passwort-vergessen", "/impressum", "/datenschutz", "/nutzungsbedingungen",
                     "/barrierefreiheit"]:
            c = mv.Client()
            r = c.get(path, json=True)
            self.assertEqual(r.status, 200, path)
            self.assertTrue(r.header("Content-Type").startswith("application/json"), path)
            body = r.json()
            self.assertIsInstance(body.get("csrf"), str, path)
            self.assertGreaterEqual(len(body["csrf"]), 22, path)
            self.assert_app_headers(r, path)
        self.assertEqual(mv.Client().get("/anmelden", json=True).json()["titel"], "Anmelden")

    def test_html_get_pages_have_csrf(self):
        for path in ["/anmelden", "/passwort-vergessen", "/impressum", "/datenschutz", "/nutzungsbedingungen",
                     "/barrierefreiheit"]:
            r = mv.Client().get(path)
            self.assertEqual(r.status, 200, path)
            self.assertRegex(r.text, r'<meta name="csrf" content="[A-Za-z0-9_-]{22,}">', path)
            for form in re.findall(r"<form method=\"post\".*?</form>", r.text, re.S):
                self.assertRegex(form, r'<input type="hidden" name="csrf" value="[A-Za-z0-9_-]{22,}">', path)

    def test_security_headers_on_app_responses(self):
        c = mv.Client()
        cases = [
            ("GET /anmelden", c.get("/anmelden")),
            ("GET /anmelden json", c.get("/anmelden", json=True)),
            ("GET /passwort-vergessen", c.get("/passwort-vergessen")),
            ("GET /impressum", c.get("/impressum")),
            ("GET unknown", c.get("/gibt-es-nicht")),
            ("GET POST-only", c.get("/abmelden")),
            ("GET protected", c.get("/einstellungen")),
            ("GET dead link", c.get("/passwort-setzen?token=" + "A" * 43)),
            ("POST 422", c.post("/anmelden", {"kennung": "", "passwort": ""})),
            ("POST no csrf", c.post("/anmelden", {"kennung": "x", "passwort": "y"}, csrf=False)),
            ("POST 303", c.post("/passwort-vergessen", {"kennung": "X201-AAAAAAAAAAAA"})),
            ("POST 415", c.request("POST", "/anmelden", body=b"{}", headers={"Content-Type": "application/json"})),
            ("HEAD", c.request("HEAD", "/anmelden")),
        ]
        statuses = [r.status for _, r in cases]
        self.assertEqual(statuses, [200, 200, 200, 200, 404, 405, 303, 410, 422, 403, 303, 415, 200])
        for what, r in cases:
            self.assert_app_headers(r, what)
        self.assertEqual(cases[-1][1].body, b"", "HEAD has no body")

    def test_nginx_own_responses(self):
        st, out = mv.raw_http(b"TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        self.assertEqual(st, 405, out[:200])
        self.assertIn(b"default-src 'none'", out, "nginx's own 405 carries a CSP")
        for method in ("PUT", "DELETE", "OPTIONS", "PATCH"):
            r = mv.Client().request(method, "/anmelden")
            self.assertEqual(r.status, 405, method)
            self.assertEqual(r.header("Cache-Control"), "no-store", method)
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff", method)
            self.assertIn("default-src 'none'", r.header("Content-Security-Policy") or "", method)
        r = mv.Client().get("/.git/config")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("Server"), "nginx")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        csp = r.header("Content-Security-Policy") or ""
        for part in ("default-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            self.assertIn(part, csp)
        self.assertNotRegex(r.text, r"nginx/\d")

    def test_server_tokens_off(self):
        for path in ["/anmelden", "/static/mv.css", "/.git/HEAD", "/gibt-es-nicht"]:
            r = mv.Client().get(path)
            self.assertEqual(r.header("Server"), "nginx", path)
            self.assertNotRegex(r.text, r"nginx/\d", path)
        st, out = mv.raw_http(b"GET / HTTP/1.1\r\n\r\n")  # no Host: nginx's own 400
        self.assertEqual(st, 400)
        self.assertNotRegex(out.decode("latin-1"), r"nginx/\d")

    def test_no_sources_backups_or_listings(self):
        paths = ["/.git/config", "/.git/HEAD", "/.env", "/.htaccess", "/static/.gitkeep",
                 "/Makefile", "/fcgi/web.c", "/sql/001_init.sql", "/build/meineversorgung",
                 "/scripts/stack", "/html/layout.html", "/var/mv.conf", "/mv.conf", "/nginx/dev.conf.in",
                 "/static/mv.css~", "/static/mv.css.bak", "/static/mv.js.orig", "/static/mv.css.swp",
                 "/static/../Makefile", "/static/..%2fMakefile", "/static/%2e%2e/%2e%2e/Makefile",
                 "/static/../../fcgi/web.c", "/index.php", "/server-status"]
        for p in paths:
            r = mv.Client().get(p)
            self.assertIn(r.status, (400, 403, 404), p)
            self.assertNotIn("#include", r.text, p)
            self.assertNotIn("CFLAGS", r.text, p)
            self.assertNotIn("secret_key", r.text, p)
        r = mv.Client().get("/static/")
        self.assertIn(r.status, (403, 404))
        self.assertNotIn("Index of", r.text)
        self.assertNotIn("mv.css", r.text)
        self.assertEqual(mv.Client().get("/static/mv.css").status, 200)

    def test_unknown_path_404(self):
        for p in ["/gibt-es-nicht", "/anmelden/", "//anmelden", "/anmelden/tan/x", "/ANMELDEN", "/anmel%64en",
                  "/sachbearbeiter/X201-AAAAAAAAAAAA/../../etc/passwd"]:
            r = mv.Client().get(p)
            self.assertEqual(r.status, 404, p)
        c = mv.Client()
        r = c.get("/gibt-es-nicht")
        self.assertIn(NOT_FOUND, r.text)
        r = c.get("/gibt-es-nicht", json=True)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["errors"], {"_": NOT_FOUND})

    def test_get_on_post_only_path_405(self):
        for p in ["/abmelden", "/sitzung/verlaengern"]:
            r = mv.Client().get(p)
            self.assertEqual(r.status, 405, p)
            self.assertIn(NOT_ALLOWED, r.text, p)
            self.assertIn("POST", r.header("Allow") or "", p)
        r = mv.Client().get("/abmelden", json=True)
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json()["errors"]["_"], NOT_ALLOWED)

    def test_allow_header_names_the_methods_of_the_path(self):
        # RFC 9110 15.5.6: a 405 carries Allow with the methods the target resource supports
        r = mv.Client().get("/abmelden")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "POST", "/abmelden only takes POST")
        c = mv.Client()
        c.get("/impressum")
        r = c.post("/impressum", {})
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD", "/impressum takes no POST")

    def test_post_on_get_only_path_405(self):
        c = mv.Client()
        c.get("/impressum")
        r = c.post("/impressum", {"x": "1"})
        self.assertEqual(r.status, 405)
        r = c.post("/", {"x": "1"})
        self.assertEqual(r.status, 405)

    def test_footer_links_work(self):
        r = mv.Client().get("/anmelden")
        links = re.findall(r'<nav aria-label="Fußzeile"><ul>(.*?)</ul></nav>', r.text, re.S)
        self.assertEqual(len(links), 1)
        hrefs = re.findall(r'href="([^"]+)"', links[0])
        self.assertIn("/impressum", hrefs)
        broken = [h for h in hrefs if mv.Client().get(h).status != 200]
        self.assertEqual(broken, [], "footer links that do not answer 200")


class BadInput(mv.Case):
    """SECURITY.md 41/42: hostile input gives a 4xx with a generic German message, never a 5xx,
    and no worker dies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.log_offset = log_size()

    def client(self):
        c = mv.Client()
        c.get("/anmelden")
        return c

    def post_raw(self, c, body, path="/anmelden", ctype="application/x-www-form-urlencoded"):
        return c.request("POST", path, body=body, headers={"Content-Type": ctype})

    def assert_generic(self, r, status, message):
        self.assertEqual(r.status, status, r)
        self.assertIn(message, r.text)
        self.assertNotRegex(leak_free(r.text), LEAKS)
        self.assertEqual(r.header("Cache-Control"), "no-store")

    def test_duplicate_single_valued_params(self):
        c = self.client()
        tok = c.csrf.encode()
        self.assert_generic(self.post_raw(c, b"kennung=a&kennung=b&passwort=x&csrf=" + tok), 400, BAD_REQUEST)
        self.assert_generic(self.post_raw(c, b"kennung=a&passwort=x&passwort=y&csrf=" + tok), 400, BAD_REQUEST)
        self.assert_generic(self.post_raw(c, b"kennung=a&passwort=x&csrf=" + tok + b"&csrf=" + tok), 400, BAD_REQUEST)
        # query and body together count as duplicates too
        self.assert_generic(self.post_raw(c, b"kennung=a&passwort=x&csrf=" + tok, path="/anmelden?kennung=b"),
                            400, BAD_REQUEST)
        self.assert_generic(c.get("/anmelden?grund=a&grund=b"), 400, BAD_REQUEST)
        r = c.request("POST", "/anmelden", body=b"kennung=a&kennung=b&passwort=x&csrf=" + tok,
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, json=True)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["errors"], {"_": BAD_REQUEST})

    def test_nul_and_invalid_utf8(self):
        c = self.client()
        tok = c.csrf.encode()
        for body in [b"kennung=X201-AAAAAAAAAAAA%00&passwort=x&csrf=" + tok,
                     b"kennung=a&passwort=Abc%00defgh12!&csrf=" + tok,
                     b"kennung=%ff%fe&passwort=x&csrf=" + tok,
                     b"kennung=%c3%28&passwort=x&csrf=" + tok,
                     b"kennung=%ed%a0%80&passwort=x&csrf=" + tok,      # UTF-16 surrogate
                     b"kennung=%c0%af&passwort=x&csrf=" + tok,         # overlong
                     b"kennung=\xff\xfe&passwort=x&csrf=" + tok,       # raw invalid bytes
                     b"kennung=%zz&passwort=x&csrf=" + tok,
                     b"kennung=%4&passwort=x&csrf=" + tok,
                     b"kennung=a&passwort=x&csrf=" + tok + b"&bad%20name=1",
                     b"kennung=a&passwort=x&csrf=" + tok + b"&%01=1",
                     b"kennung=a%01b&passwort=x&csrf=" + tok]:
            self.assert_generic(self.post_raw(c, body), 400, BAD_REQUEST)
        self.assert_generic(c.get("/anmelden?grund=%00"), 400, BAD_REQUEST)
        self.assert_generic(c.get("/anmelden?grund=%ff"), 400, BAD_REQUEST)
        self.assert_generic(c.get("/passwort-setzen?token=%00" + "A" * 40), 400, BAD_REQUEST)

    def test_wrong_content_type(self):
        c = self.client()
        tok = c.csrf.encode()
        body = b"kennung=a&passwort=x&csrf=" + tok
        for ctype in ["text/plain", "application/json", "multipart/form-data; boundary=xyz", "application/xml"]:
            self.assert_generic(self.post_raw(c, body, ctype=ctype), 415, UNSUPPORTED)
        r = c.request("POST", "/anmelden", body=body, headers={"Content-Type": None})
        self.assertEqual(r.status, 415)
        r = c.request("POST", "/anmelden", body=json.dumps({"kennung": "a", "csrf": c.csrf}).encode(),
                      headers={"Content-Type": "application/json"}, json=True)
        self.assertEqual(r.status, 415)
        self.assertEqual(r.json()["errors"], {"_": UNSUPPORTED})

    def test_big_fields_and_bodies(self):
        c = self.client()
        tok = c.csrf.encode()
        # 1 MB field (the login form allows 8 KB)
        self.assert_generic(self.post_raw(c, b"kennung=" + b"A" * (1 << 20) + b"&passwort=x&csrf=" + tok),
                            413, TOO_LARGE)
        # a single field above max_field_bytes (16 KB) on a route with the default limit
        self.assert_generic(self.post_raw(c, b"passwort=" + b"A" * 20000 + b"&csrf=" + tok,
                                          path="/passwort-setzen?token=" + "A" * 43), 413, TOO_LARGE)
        # too many parameters
        many = b"&".join(b"p%d=1" % i for i in range(300)) + b"&csrf=" + tok
        r = self.post_raw(c, many)
        self.assertIn(r.status, (400, 413), r)
        # 13 MB: nginx refuses it before the app
        r = self.post_raw(c, b"a=" + b"x" * (13 << 20))
        self.assertEqual(r.status, 413)
        self.assertNotRegex(leak_free(r.text), LEAKS)
        # a 20 KB query string
        r = c.get("/anmelden?grund=" + "x" * 20000)
        self.assertTrue(400 <= r.status < 500, r.status)
        # a 10 KB cookie header is ignored, not fatal
        r = c.request("GET", "/anmelden", headers={"Cookie": "x=" + "y" * 10000})
        self.assertTrue(r.status == 200 or 400 <= r.status < 500, r.status)

    def test_chunked_body(self):
        c = self.client()
        body = f"kennung=X201-AAAAAAAAAAAA&passwort=falsch&csrf={c.csrf}".encode()
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        req = (b"POST /anmelden HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Transfer-Encoding: chunked\r\nCookie: %s\r\nConnection: close\r\n\r\n" % (
                   mv.PORT, c.cookie_header().encode())) + chunked
        st, out = mv.raw_http(req, source_ip=c.source_ip)
        self.assertEqual(st, 422, out[:300])
        self.assertIn(mv.LOGIN_FAILED.encode(), out)
        # a chunked body that never ends: 4xx/timeout, never 5xx from the app
        req2 = (b"POST /anmelden HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n")
        st, out = mv.raw_http(req2)
        self.assertTrue(400 <= st < 500, out[:200])

    def test_header_tricks(self):
        c = self.client()
        r = c.request("GET", "/anmelden", headers={"Host": "evil.example"})
        self.assertEqual(r.status, 200)
        r = c.request("GET", "/anmelden", headers={"Accept": "application/json, text/html;q=0.1"})
        self.assertEqual(r.status, 200)
        r = c.request("GET", "/anmelden", headers={"Cookie": "mv_sid=" + "A" * 43 + "; mv_pre=%00"})
        self.assertEqual(r.status, 200)
        r = c.request("GET", "/anmelden", headers={"Cookie": "mv_sid=short"})
        self.assertEqual(r.status, 200)
        st, out = mv.raw_http(b"GET /anmelden HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Foo: a\r\n b\r\nConnection: close\r\n\r\n")
        self.assertTrue(st == 200 or 400 <= st < 500, st)
        st, out = mv.raw_http(b"GET /anmelden\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        self.assertTrue(400 <= st < 500, st)

    def test_zz_app_still_answers_and_no_worker_died(self):
        # runs last in this class (alphabetical order)
        for _ in range(8):  # more requests than workers: every worker answers
            self.assertEqual(mv.Client().get("/anmelden").status, 200)
        text = log_since(self.log_offset)
        self.assertNotRegex(text, r"worker pid \d+ ended", "a worker died during the bad-input tests")
        self.assertNotRegex(text, r"answered 5\d\d")


class Csrf(mv.Case):
    """SECURITY.md 26: every state-changing POST needs the token; cross-site requests are refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = mv.ready_admin()
        cls.user = mv.login_admin(cls.admin)

    def assert_refused(self, r):
        self.assertEqual(r.status, 403, r)
        self.assertIn(mv.CSRF_FAILED, r.text)

    def test_login_without_wrong_or_foreign_token(self):
        c = mv.Client()
        c.get("/anmelden")
        fields = {"kennung": self.admin.kennung, "passwort": self.admin.password}
        self.assert_refused(c.post("/anmelden", fields, csrf=False))
        self.assert_refused(c.post("/anmelden", fields, csrf=""))
        self.assert_refused(c.post("/anmelden", fields, csrf="A" * 43))
        other = mv.Client()
        other.get("/anmelden")
        self.assert_refused(c.post("/anmelden", fields, csrf=other.csrf))
        # the token without its cookie
        fresh = mv.Client()
        self.assert_refused(fresh.post("/anmelden", fields, csrf=c.csrf))
        # JSON: same refusal, as JSON
        r = c.post("/anmelden", fields, csrf=False, json=True)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["errors"], {"_": mv.CSRF_FAILED})
        self.assertEqual(mv.mails(self.admin.email, mv.SUBJ_TAN).__len__(), 1, "no TAN mail for refused posts")

    def test_header_token_works(self):
        c = mv.Client()
        c.get("/anmelden")
        r = c.post("/anmelden", {"kennung": "X201-AAAAAAAAAAAA", "passwort": "falsch"}, csrf=False,
                   headers={"X-CSRF-Token": c.csrf})
        self.assertEqual(r.status, 422)
        self.assertIn(mv.LOGIN_FAILED, r.text)
        r = c.post("/anmelden", {"kennung": "X201-AAAAAAAAAAAA", "passwort": "falsch"}, csrf=False,
                   headers={"X-CSRF-Token": "A" * 43})
        self.assert_refused(r)

    def test_cross_site_origin_and_fetch_metadata(self):
        c = mv.Client()
        c.get("/anmelden")
        fields = {"kennung": "X201-AAAAAAAAAAAA", "passwort": "falsch"}
        for h in [{"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": mv.BASE + ".evil.example"},
                  {"Origin": "https://127.0.0.1:%d" % mv.PORT}, {"Sec-Fetch-Site": "cross-site"},
                  {"Sec-Fetch-Site": "same-site"}]:
            self.assert_refused(c.post("/anmelden", fields, headers=h))
        # "Origin: null" comes with our own form posts under Referrer-Policy: no-referrer; the browser
        # then says same-origin in Sec-Fetch-Site (a cross-site page cannot set that header)
        for h in [{"Origin": mv.BASE}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {},
                  {"Origin": "null", "Sec-Fetch-Site": "same-origin"}]:
            r = c.post("/anmelden", fields, headers=h)
            self.assertEqual(r.status, 422, h)

    def test_logged_in_posts_need_the_session_token(self):
        u = self.user
        # a token from before the login (mv_pre) no longer counts
        anon = mv.Client()
        anon.get("/anmelden")
        r = u.get("/")
        self.assertEqual(r.status, 200)
        self.assert_refused(u.post("/abmelden", {}, csrf=False))
        self.assert_refused(u.post("/abmelden", {}, csrf=anon.csrf))
        self.assert_refused(u.post("/sitzung/verlaengern", {}, csrf=False, json=True))
        self.assert_refused(u.post("/einstellungen", {"passwort_alt": self.admin.password,
                                                      "passwort_neu": "Xy7!" + "a1b2c3d4e5",
                                                      "passwort_neu_wiederholung": "Xy7!" + "a1b2c3d4e5"},
                                   csrf=False))
        self.assert_refused(u.post("/abmelden", {}, headers={"Origin": "http://evil.example"}))
        self.assert_refused(u.post("/abmelden", {}, headers={"Sec-Fetch-Site": "cross-site"}))
        # nothing happened: still logged in, password unchanged
        r = u.get("/")
        self.assertEqual(r.status, 200)
        self.assertIn("Guten Tag, Kim Mustermensch!", r.text)
        self.assertEqual(mv.mails(self.admin.email, mv.SUBJ_CHANGED).__len__(), 1, "only the activation notice")
        r = u.post("/sitzung/verlaengern", {}, json=True, csrf=u.csrf)
        self.assertEqual(r.status, 200)

    def test_public_posts_need_a_token(self):
        c = mv.Client()
        c.get("/anmelden")
        self.assert_refused(c.post("/passwort-vergessen", {"kennung": self.admin.kennung}, csrf=False))
        self.assert_refused(c.post("/abmelden", {}, csrf=False))
        self.assert_refused(c.post("/passwort-setzen?token=" + "A" * 43, {"passwort": "x"}, csrf=False))
        self.assert_refused(c.post("/nutzerkennung?token=" + "A" * 43, {"vorname": "x"}, csrf=False))
        self.assertEqual(mv.mails(self.admin.email, mv.SUBJ_RESET), [])
        # without a pending login the TAN form leads back to the login page
        r = c.post("/anmelden/tan", {"tan": "123456"}, csrf=False)
        self.assertEqual((r.status, r.location), (303, "/anmelden"))

    def test_tan_post_needs_the_token(self):
        a = mv.ready_admin()
        c, r = mv.login_password(a.kennung, a.password)
        tan = mv.latest_tan(a.email)
        c.get("/anmelden/tan")
        self.assert_refused(c.post("/anmelden/tan", {"tan": tan}, csrf=False))
        self.assert_refused(c.post("/anmelden/tan", {"tan": tan}, headers={"Origin": "http://evil.example"}))
        anon = mv.Client()
        anon.get("/anmelden")
        self.assert_refused(c.post("/anmelden/tan", {"tan": tan}, csrf=anon.csrf))
        r = c.post("/anmelden/tan", {"tan": tan})
        self.assertEqual((r.status, r.location), (303, "/"), "refused posts did not use up the TAN")


if __name__ == "__main__":
    unittest.main()
