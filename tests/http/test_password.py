"""Password policy, history, change, forgot/reset (SPEC §4.2, §4.5; SECURITY.md 1–5, 24, 33, 34, 35–37)."""

import statistics
import time
import unittest

import mv

M_LENGTH = "Das Passwort muss zwischen 12 und 128 Zeichen lang sein."
M_LETTER = "Das Passwort muss mindestens einen Buchstaben enthalten."
M_DIGIT = "Das Passwort muss mindestens eine Ziffer enthalten."
M_SPECIAL = "Das Passwort muss mindestens ein Sonderzeichen enthalten."
M_CONTROL = "Das Passwort darf keine Steuerzeichen enthalten."
M_COMMON = "Das Passwort ist zu gebräuchlich und leicht zu erraten."
M_KENNUNG = "Das Passwort darf Ihre Nutzerkennung nicht enthalten."
M_NAME = "Das Passwort darf Ihren Vor- oder Nachnamen nicht enthalten."
M_PORTAL = "Das Passwort darf den Namen des Portals („Versorgung“) nicht enthalten."
M_HISTORY = "Dieses Passwort wurde für dieses Nutzerkonto bereits verwendet. Bitte wählen Sie ein anderes Passwort."
SENT = ("Wenn die Nutzerkennung zu einem aktiven Nutzerkonto gehört, erhalten Sie in Kürze eine E-Mail mit einem Link "
        "zur Neuvergabe Ihres Passwortes. Der Link ist 60 Minuten gültig.")


def setpw_link(admin):
    return mv.link_from(mv.wait_mail(admin.email, mv.SUBJ_SETPW), "/passwort-setzen")


class Policy(mv.Case):
    """Refusals on one activation link (a refusal leaves the link usable)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = mv.new_admin(vorname="Kim", name="Mustermensch")
        cls.link = setpw_link(cls.admin)
        cls.c = mv.Client()
        cls.c.get(cls.link)

    def refuse(self, pw, *messages):
        r = self.c.post(self.link, {"passwort": pw, "passwort_wiederholung": pw})
        self.assertEqual(r.status, 422, f"{pw!r} must be refused")
        got = r.field_error("passwort")
        self.assertIsNotNone(got, r.text[:500])
        self.assertEqual(got, " ".join(messages), f"for {pw!r}")
        return r

    def test_length_limits(self):
        self.refuse("Qz9!xkvbnmr", M_LENGTH)  # 11
        self.refuse("Qz9!" + "xkvbnmrt" * 15 + "abcde", M_LENGTH)  # 129
        self.refuse("Ää1!Öö2?Üüß", M_LENGTH)  # 11 characters, 19 bytes
        self.refuse("Qz9!" + "ä" * 125, M_LENGTH)  # 129 characters

    def test_each_rule_is_named(self):
        self.refuse("123456789012", M_LETTER, M_SPECIAL)
        self.refuse("qzxmvbnlkj12", M_SPECIAL)
        self.refuse("Qzxmvbnl!kjh", M_DIGIT)
        self.refuse("!!!!????1234", M_LETTER)
        self.refuse("qzxmvbnl", M_LENGTH, M_DIGIT, M_SPECIAL)
        self.refuse("Qzxm\tvbnl!12", M_CONTROL)
        self.refuse("Qzxm\nvbnl!12", M_CONTROL)

    def test_common_passwords(self):
        for pw in ["Passwort2024!", "!!Sommer123456", "passwortpasswort1!", "Aaaaaaaaaaa1!", "Abcdefghijk1!",
                   "Qwertz123456!", "Willkommen2024!", "Password123!!"]:
            self.refuse(pw, M_COMMON)

    def test_kennung_name_portal(self):
        k = self.admin.kennung
        self.refuse("a1!" + k.lower(), M_KENNUNG)
        self.refuse("a1!" + k[5:] + "b", M_KENNUNG)
        self.refuse("Mustermensch!2024", M_NAME)
        self.refuse("xKIMx!2024Qzp", M_NAME)
        self.refuse("MeineVersorgung1!", M_PORTAL)
        self.refuse("1!VERSORGUNGxyz", M_PORTAL)
        self.refuse("versorgung", M_LENGTH, M_DIGIT, M_SPECIAL, M_PORTAL)

    def test_nul_is_refused_never_cut(self):
        pw = "Qz9!xkvbnmrt"
        r = self.c.request("POST", self.link, body=mv.encode_form(
            {"passwort": pw, "passwort_wiederholung": pw, "csrf": self.c.csrf}).replace(b"Qz9", b"Qz9%00", 2),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)
        self.assertEqual(self.c.get(self.link).status, 200, "the link was not used")
        # neither the part before nor the whole string with the NUL removed became the password
        self.assertEqual(mv.mails(self.admin.email, mv.SUBJ_CHANGED), [])

    def test_messages_in_json(self):
        r = self.c.post(self.link, {"passwort": "Passwort2024!", "passwort_wiederholung": "Passwort2024!"},
                        json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["errors"], {"passwort": M_COMMON})


class Accepted(mv.Case):
    def activate_with(self, pw):
        a = mv.new_admin()
        mv.activate(a, password=pw, retrieve_kennung=False)
        return a

    def test_12_and_128_characters_and_unicode_accepted(self):
        for pw in ["Qz9!xkvbnmrt", "Qz9!" + "xkvbnmrt" * 15 + "abcd", "Ää1!Öö2?Üüßx", "Qz9!" + "ä" * 124,
                   "Пароль-2024-ß€", "Qz9 xkvb nmrt 🙂"]:
            self.assertTrue(12 <= len(pw) <= 128, pw)
            self.activate_with(pw)

    def test_128_characters_log_in_without_truncation_or_folding(self):
        pw = "Qz9!" + mv.new_password()[4:] * 10
        pw = pw[:127] + "Z"
        self.assertEqual(len(pw), 128)
        a = self.activate_with(pw)
        c = mv.Client()
        c.get("/anmelden")
        for variant in [pw[:127], pw[:72], pw.lower(), pw[:127] + "z"]:  # 4 failures: no lock yet
            r = c.post("/anmelden", {"kennung": a.kennung, "passwort": variant})
            self.assertEqual(r.status, 422, f"variant of length {len(variant)} must fail")
        c = mv.login_admin(a)
        self.assertEqual(c.get("/").status, 200)

    def test_unicode_password_logs_in(self):
        a = self.activate_with("Grüße-2024-Öl€")
        self.assertEqual(mv.login_admin(a).get("/").status, 200)


class Settings(mv.Case):
    """/einstellungen: change needs the current password; all sessions end; notice mail."""

    def test_page(self):
        a = mv.ready_admin()
        c = mv.login_admin(a)
        r = c.get("/einstellungen")
        self.assertEqual(r.status, 200)
        self.assertIn("Ihre E-Mail-Adresse", r.text)
        self.assertIn(a.email, r.text)
        self.assertIn("<h2>Passwort ändern</h2>", r.text)
        for label in ["Altes Passwort*", "Neues Passwort*", "Neues Passwort bestätigen*"]:
            self.assertIn(label, r.text)
        self.assertRegex(r.text, r'name="passwort_alt" type="password" value="" autocomplete="current-password"')
        self.assertRegex(r.text, r'name="passwort_neu" type="password" value="" autocomplete="new-password"')
        self.assertEqual(r.header("Cache-Control"), "no-store")

    def test_change_errors_and_success(self):
        a = mv.ready_admin()
        c = mv.login_admin(a)
        other = mv.login_admin(a)
        c.get("/einstellungen")
        new = mv.new_password()
        r = c.post("/einstellungen", {"passwort_alt": "", "passwort_neu": new, "passwort_neu_wiederholung": new})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort_alt"), "Bitte geben Sie Ihr bisheriges Passwort ein.")
        r = c.post("/einstellungen", {"passwort_alt": a.password + "x", "passwort_neu": new,
                                      "passwort_neu_wiederholung": new})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort_alt"), "Das bisherige Passwort ist nicht korrekt.")
        r = c.post("/einstellungen", {"passwort_alt": a.password, "passwort_neu": "Passwort2024!",
                                      "passwort_neu_wiederholung": "Passwort2024!"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort_neu"), M_COMMON)
        r = c.post("/einstellungen", {"passwort_alt": a.password, "passwort_neu": new,
                                      "passwort_neu_wiederholung": new + "x"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort_neu_wiederholung"), "Die beiden Passwörter stimmen nicht überein.")
        r = c.post("/einstellungen", {"passwort_alt": a.password, "passwort_neu": a.password,
                                      "passwort_neu_wiederholung": a.password})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort_neu"), M_HISTORY, "the current password counts as used")
        self.assertEqual(c.get("/").status, 200, "errors keep the session")
        r = c.post("/einstellungen", {"passwort_alt": a.password, "passwort_neu": new,
                                      "passwort_neu_wiederholung": new})
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-geaendert"))
        self.assertIn("max-age=0", r.set_cookies["mv_sid"][1].lower())
        r = c.follow(r)
        self.assertIn("Ihr Passwort wurde geändert. Sie wurden von allen Sitzungen abgemeldet.",
                      " ".join(r.alert_text()))
        # every session ended, this one and the other browser's
        self.assertEqual(c.get("/").status, 303)
        r = other.get("/")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.location.startswith("/anmelden"))
        notice = mv.wait_mail(a.email, mv.SUBJ_CHANGED)
        self.assertNotIn(new, notice["body"])
        self.assertNotIn(a.password, notice["body"])
        self.assertIn("alle bestehenden Sitzungen Ihres Nutzerkontos beendet", notice["body"])
        _, r = mv.login_password(a.kennung, a.password)
        self.assertEqual(r.status, 422, "the old password is gone")
        a.password = new
        self.assertEqual(mv.login_admin(a).get("/").status, 200)

    def test_json_change(self):
        a = mv.ready_admin()
        c = mv.login_admin(a)
        c.get("/einstellungen", json=True)
        new = mv.new_password()
        r = c.post("/einstellungen", {"passwort_alt": "falsch", "passwort_neu": new, "passwort_neu_wiederholung": new},
                   json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["errors"], {"passwort_alt": "Das bisherige Passwort ist nicht korrekt."})
        r = c.post("/einstellungen", {"passwort_alt": a.password, "passwort_neu": new,
                                      "passwort_neu_wiederholung": new}, json=True)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["next"], "/anmelden?grund=passwort-geaendert")
        self.assertEqual(c.get("/", json=True).status, 401)


class History(mv.Case):
    """SECURITY.md 4: no earlier password, through change, reset and activation."""

    def change(self, c, old, new):
        c.get("/einstellungen")
        return c.post("/einstellungen", {"passwort_alt": old, "passwort_neu": new, "passwort_neu_wiederholung": new})

    def test_a_b_c_a_refused_everywhere(self):
        a = mv.ready_admin()
        pa = a.password  # A: set through the activation link
        pb, pc = mv.new_password(), mv.new_password()
        c = mv.login_admin(a)
        self.assertEqual(self.change(c, pa, pb).status, 303)
        a.password = pb
        c = mv.login_admin(a)
        self.assertEqual(self.change(c, pb, pc).status, 303)
        a.password = pc
        c = mv.login_admin(a)
        for old in (pa, pb, pc):
            r = self.change(c, pc, old)
            self.assertEqual(r.status, 422)
            self.assertEqual(r.field_error("passwort_neu"), M_HISTORY)
        # through "Passwort vergessen"
        f = mv.Client()
        f.get("/passwort-vergessen")
        f.post("/passwort-vergessen", {"kennung": a.kennung})
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_RESET), "/passwort-setzen")
        f.get(link)
        for old in (pa, pb, pc):
            r = f.post(link, {"passwort": old, "passwort_wiederholung": old})
            self.assertEqual(r.status, 422)
            self.assertEqual(r.field_error("passwort"), M_HISTORY)
        pd = mv.new_password()
        r = f.post(link, {"passwort": pd, "passwort_wiederholung": pd})
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-gesetzt"))
        self.assertEqual(c.get("/").status, 303, "the reset ended the session")


class Forgot(mv.Case):
    def forgot(self, kennung, client=None, headers=None, json=False):
        c = client or mv.Client()
        c.get("/passwort-vergessen", json=json)
        return c.post("/passwort-vergessen", {"kennung": kennung}, headers=headers, json=json)

    def test_page(self):
        r = mv.Client().get("/passwort-vergessen")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Passwort zurücksetzen</h1>", r.text)
        self.assertIn("Nutzerkennung*", r.text)
        self.assertIn(">Abbrechen</a>", r.text)
        self.assertIn(">Bestätigen</button>", r.text)
        r = mv.Client().get("/passwort-vergessen?gesendet=1")
        self.assertIn(SENT, " ".join(r.alert_text()))
        r = mv.Client().get("/passwort-vergessen", json=True)
        self.assertEqual(r.json()["titel"], "Passwort zurücksetzen")
        c = mv.Client()
        c.get("/passwort-vergessen")
        r = c.post("/passwort-vergessen", {"kennung": "  "})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("kennung"), "Bitte geben Sie Ihre Nutzerkennung ein.")

    def test_same_answer_known_unknown_inactive(self):
        known = mv.ready_admin()
        inactive = mv.new_admin()
        results = []
        for k in [known.kennung, "X201-ZZZZZZZZZZZZ", "unsinn", inactive.kennung, " " + known.kennung.lower()]:
            r = self.forgot(k)
            results.append((r.status, r.location, r.body, sorted(r.set_cookies)))
            rj = self.forgot(k, json=True)
            self.assertEqual(rj.status, 200)
            self.assertEqual((rj.json()["ok"], rj.json()["next"]), (True, "/passwort-vergessen?gesendet=1"))
        self.assertEqual(results[0][:2], (303, "/passwort-vergessen?gesendet=1"))
        for got in results:
            self.assertEqual(got, results[0])
        # known active account: mails (one per request, 4 requests > limit 3)
        time.sleep(1.0)
        self.assertEqual(len(mv.mails(known.email, mv.SUBJ_RESET)), 3)
        self.assertEqual(mv.mails(inactive.email, mv.SUBJ_RESET), [], "no reset mail for an inactive account")

    def test_timing_known_like_unknown(self):
        known = mv.ready_admin()
        c = mv.Client()
        c.get("/passwort-vergessen")

        def timed(k):
            t = time.perf_counter()
            r = c.post("/passwort-vergessen", {"kennung": k})
            self.assertEqual(r.status, 303)
            return time.perf_counter() - t

        tk = [timed(known.kennung) for _ in range(3)]
        tu = [timed("X201-ZZZZZZZZZZZ%d" % i) for i in range(3)]
        self.assertLess(abs(statistics.median(tk) - statistics.median(tu)), 0.05, (tk, tu))

    def test_reset_flow(self):
        a = mv.ready_admin()
        logged_in = mv.login_admin(a)
        r = self.forgot(a.kennung)
        self.assertEqual((r.status, r.location), (303, "/passwort-vergessen?gesendet=1"))
        mail = mv.wait_mail(a.email, mv.SUBJ_RESET)
        self.assertIn("Guten Tag Kim Mustermensch,", mail["body"])
        self.assertIn("60 Minuten", mail["body"])
        self.assertNotIn(a.password, mail["body"])
        link = mv.link_from(mail, "/passwort-setzen")
        # requesting a reset locks and changes nothing: the old password still works
        self.assertEqual(logged_in.get("/").status, 200)
        _, r = mv.login_password(a.kennung, a.password)
        self.assertEqual(r.status, 303)
        c = mv.Client()
        r = c.get(link)
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Neues Passwort festlegen</h1>", r.text)
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
        new = mv.new_password()
        r = c.post(link, {"passwort": new, "passwort_wiederholung": new})
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-gesetzt"))
        self.assertNotIn("mv_sid", c.cookies, "a reset never logs in")
        self.assertEqual(c.get("/").status, 303)
        r = logged_in.get("/")
        self.assertEqual(r.status, 303, "the reset ends all sessions")
        notice = mv.wait_mail(a.email, mv.SUBJ_CHANGED)
        self.assertNotIn(new, notice["body"])
        self.assertNotIn("token=", notice["body"])
        time.sleep(0.5)
        self.assertEqual(len(mv.mails(a.email, mv.SUBJ_KENNUNG)), 1, "a reset sends no new Nutzerkennung link")
        self.assertEqual(c.get(link).status, 410, "single use")
        # the next login still needs password and TAN
        c2, r = mv.login_password(a.kennung, new)
        self.assertEqual((r.status, r.location), (303, "/anmelden/tan"))
        self.assertEqual(c2.get("/").status, 303)
        a.password = new
        self.assertEqual(mv.login_admin(a).get("/").status, 200)

    def test_new_link_voids_old(self):
        a = mv.ready_admin()
        self.forgot(a.kennung)
        link1 = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_RESET), "/passwort-setzen")
        self.forgot(a.kennung)
        link2 = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_RESET), "/passwort-setzen")
        self.assertNotEqual(link1, link2)
        r = mv.Client().get(link1)
        self.assertEqual(r.status, 410)
        self.assertIn(mv.LINK_INVALID, r.text)
        self.assertEqual(mv.Client().get(link2).status, 200)

    def test_links_use_base_url_not_request_host(self):
        a = mv.ready_admin()
        self.forgot(a.kennung, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example",
                                        "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"})
        mail = mv.wait_mail(a.email, mv.SUBJ_RESET)
        self.assertNotIn("evil", mail["body"])
        self.assertIn(mv.BASE + "/passwort-setzen?token=", mail["body"])

    def test_forgot_rate_limit_per_address(self):
        a = mv.ready_admin()
        c = mv.Client()
        c.get("/passwort-vergessen")
        for i in range(30):
            r = c.post("/passwort-vergessen", {"kennung": "X201-ZZZZZZZZZ%03d" % i})
            self.assertEqual(r.status, 303)
        r = c.post("/passwort-vergessen", {"kennung": a.kennung})
        self.assertEqual((r.status, r.location), (303, "/passwort-vergessen?gesendet=1"), "same answer")
        time.sleep(1.0)
        self.assertEqual(mv.mails(a.email, mv.SUBJ_RESET), [], "no mail beyond the per-address limit")
        self.forgot(a.kennung)  # from another address
        mv.wait_mail(a.email, mv.SUBJ_RESET)


if __name__ == "__main__":
    unittest.main()
