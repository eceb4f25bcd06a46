"""Handbook §7 and SPEC §5, §9: the FAQ from the database, the header search "Suchen...",
"Feedback" (logged in) and "Support" (also logged out), stored, forwarded through the outbox,
rate-limited, listed by `mvctl feedback list`."""

import re

import mv

SUBJ_FEEDBACK = "meineversorgung.org | Feedback: "
SUBJ_SUPPORT = "meineversorgung.org | Support: "
SUPPORT_ADDR = "support@meineversorgung.org"


class Faq(mv.Case):
    def test_faq_page_has_anchored_answers(self):
        r = mv.Client().get("/faq")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>FAQ – Häufig gestellte Fragen</h1>", r.text)
        for anchor in ("faq-tan-gueltig", "faq-passwort-vergessen", "faq-dokumente", "faq-sperren"):
            self.assertRegex(r.text, f'<h3 id="{anchor}">[^<]+</h3><p>[^<]+</p>')
        j = mv.Client().get("/faq", json=True).json()
        self.assertGreaterEqual(len(j["fragen"]), 15)
        self.assertEqual(len({f["anker"] for f in j["fragen"]}), len(j["fragen"]), "stable, unique anchors")

    def test_search_field_on_every_page(self):
        for path in ("/anmelden", "/faq", "/impressum"):
            self.assertIn('<input id="suche-q" type="search" name="q" placeholder="Suchen...">', mv.Client().get(path).text)
        a = mv.ready_admin()
        c = mv.login_admin(a)
        self.assertIn('placeholder="Suchen..."', c.get("/").text)


class Search(mv.Case):
    def search(self, q):
        return mv.Client().get(f"/suche?q={mv.urllib.parse.quote(q)}", json=True).json()

    def test_full_text_with_links_to_the_answer(self):
        j = self.search("TAN gültig")
        self.assertTrue(j["treffer"])
        self.assertIn("/faq#faq-tan-gueltig", [t["link"] for t in j["treffer"]])
        t = next(t for t in j["treffer"] if t["link"] == "/faq#faq-tan-gueltig")
        self.assertEqual(t["frage"], "Wie lange ist die TAN gültig?")
        self.assertIn("5 Minuten", t["auszug"])

    def test_case_umlauts_and_several_words(self):
        a = {t["link"] for t in self.search("PASSWORT VERGESSEN")["treffer"]}
        self.assertIn("/faq#faq-passwort-vergessen", a)
        # umlauts folded by the collation: "Gultig" finds "gültig"
        self.assertIn("/faq#faq-tan-gueltig", {t["link"] for t in self.search("gultig")["treffer"]})
        # several words narrow the result: every word must occur
        both = {t["link"] for t in self.search("Dokumente MiB")["treffer"]}
        self.assertEqual(both, {"/faq#faq-dokumente"})

    def test_short_and_partial_words(self):
        self.assertIn("/faq#faq-postfach", {t["link"] for t in self.search("Postf")["treffer"]})

    def test_no_results_says_what_to_try_and_html_escapes(self):
        r = mv.Client().get('/suche?q=%22%3E%3Csvg+onload%3Dalert(1)%3E+Quantenphysik')
        self.assertEqual(r.status, 200)
        self.assertIn("Keine Treffer für", r.text)
        self.assertIn("zum Beispiel „TAN“, „Passwort“ oder „Postfach“", r.text)
        self.assertNotIn("<svg onload", r.text)
        self.assertIn("&quot;&gt;&lt;svg onload=alert(1)&gt;", r.text)
        self.assertEqual(self.search("Quantenphysik")["treffer"], [])

    def test_result_page_without_js(self):
        r = mv.Client().get("/suche?q=Browser")
        self.assertEqual(r.status, 200)
        self.assertRegex(r.text, r'<li><a href="/faq#faq-browser">Welche Browser werden unterstützt\?</a><p>')
        r = mv.Client().get("/suche?q=")
        self.assertIn("Bitte geben Sie einen oder mehrere Suchbegriffe ein", r.text)

    def test_boolean_operators_in_the_input_are_plain_text(self):
        for q in ('+TAN -"Passwort"', "TAN*", "(TAN)", "~TAN <>", "@@"):
            r = mv.Client().get(f"/suche?q={mv.urllib.parse.quote(q)}", json=True)
            self.assertEqual(r.status, 200, q)


class Contact(mv.Case):
    def test_support_logged_out_stored_forwarded_and_listed(self):
        c = mv.Client()
        r = c.get("/support")
        self.assertEqual(r.status, 200)
        self.assertIn("Rückrufnummer oder E-Mail-Adresse für Rückfragen*", r.text)
        betreff = f"Kein Zugang {mv.uid()}"
        r = c.post("/support", {"betreff": betreff, "nachricht": "Ich komme nicht mehr ins Portal.",
                                "rueckruf": "0251 123456"})
        self.assertEqual((r.status, r.location), (303, "/support?ok=1"))
        self.assertIn("Ihre Anfrage wurde an den Support", c.follow(r).text)
        m = mv.wait_mail(SUPPORT_ADDR, SUBJ_SUPPORT + betreff)
        self.assertIn("Von: nicht angemeldet", m["body"])
        self.assertIn("Rückruf: 0251 123456", m["body"])
        self.assertIn("Ich komme nicht mehr ins Portal.", m["body"])
        rows = mv.mvctl("--json", "feedback", "list").json()
        mine = [x for x in rows if x["betreff"] == betreff]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["art"], mine[0]["rueckruf"], mine[0]["nutzerkennung"]), ("support", "0251 123456", ""))

    def test_refusals(self):
        c = mv.Client()
        c.get("/support")
        r = c.post("/support", {"betreff": "", "nachricht": "", "rueckruf": ""}, json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(set(r.json()["errors"]), {"betreff", "nachricht", "rueckruf"})
        r = c.post("/support", {"betreff": "a\r\nBcc: x@y.de", "nachricht": "x", "rueckruf": "1"}, json=True)
        self.assertEqual(r.status, 422, "no line breaks in a subject")
        r = c.post("/support", {"betreff": "x", "nachricht": "y" * 5001, "rueckruf": "1"}, json=True)
        self.assertEqual(r.status, 422)
        r = mv.Client().post("/support", {"betreff": "x", "nachricht": "y", "rueckruf": "1"}, csrf=False)
        self.assertEqual(r.status, 403)

    def test_feedback_needs_login_and_names_the_sender(self):
        r = mv.Client().get("/feedback")
        self.assertEqual((r.status, r.location), (303, "/anmelden"))
        a = mv.ready_admin()
        c = mv.login_admin(a)
        self.assertIn('href="/feedback"', c.get("/").text, "footer link")
        betreff = f"Lob {mv.uid()}"
        c.get("/feedback")
        r = c.post("/feedback", {"betreff": betreff, "nachricht": "Sehr übersichtlich."})
        self.assertEqual((r.status, r.location), (303, "/feedback?ok=1"))
        m = mv.wait_mail(SUPPORT_ADDR, SUBJ_FEEDBACK + betreff)
        self.assertIn(f"({a.kennung}, {a.email})", m["body"])
        rows = [x for x in mv.mvctl("--json", "feedback", "list").json() if x["betreff"] == betreff]
        self.assertEqual((rows[0]["art"], rows[0]["nutzerkennung"], rows[0]["pnr"]), ("feedback", a.kennung, a.org.pnr))

    def test_rate_limited(self):
        c = mv.Client()
        c.get("/support")
        codes = [c.post("/support", {"betreff": f"Flut {i}", "nachricht": "x", "rueckruf": "1"}).status
                 for i in range(6)]
        self.assertEqual(codes, [303] * 5 + [429])
        for i in range(5):
            mv.wait_mail(SUPPORT_ADDR, f"{SUBJ_SUPPORT}Flut {i}")
