"""Registration of an administrator (SPEC §4.1; SECURITY.md 16, 35, 36, 37)."""

import unittest

import mv

TOO_MANY_WRONG = ("Die Angaben stimmten zu oft nicht überein oder der Link ist nicht mehr gültig. Bitte wenden Sie "
                  "sich an die Portal-Administratoren der Kassen.")
LINK_GUESSING = "Zu viele ungültige Links in kurzer Zeit. Bitte warten Sie einige Minuten."


def answers(a, **over):
    d = {"vorname": a.vorname, "name": a.name, "geburtsdatum": "01.01.1980", "mitgliedsnummer": a.org.pnr}
    d.update(over)
    return d


class Activation(mv.Case):
    def test_full_registration_flow(self):
        a = mv.new_admin()
        self.assertRegex(a.kennung, r"^X201-[A-Z0-9]{12}$")
        mail = mv.wait_mail(a.email, mv.SUBJ_SETPW)
        self.assertEqual(mail["rcpt"], [a.email])
        self.assertIn("Guten Tag Kim Mustermensch,", mail["body"])
        self.assertIn("Der Link ist 60 Minuten gültig und kann nur einmal verwendet werden.", mail["body"])
        self.assertNotIn(a.kennung, mail["body"], "the Nutzerkennung comes separately")
        link = mv.link_from(mail, "/passwort-setzen")  # built from base_url
        c = mv.Client()
        r = c.get(link)
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Passwort festlegen</h1>", r.text)
        self.assertIn("Bitte vergeben Sie ein Passwort für das Nutzerkonto von Kim Mustermensch.", r.text)
        self.assertIn("Länge zwischen 12 und 128 Zeichen", r.text)
        self.assertRegex(r.text, r'name="passwort" type="password" value="" autocomplete="new-password"')
        self.assertRegex(r.text, r'name="passwort_wiederholung" type="password" value="" autocomplete="new-password"')
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual(mv.Client().get(link, json=True).json()["titel"], "Passwort festlegen")
        pw = mv.new_password()
        r = c.post(link, {"passwort": pw, "passwort_wiederholung": pw})
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-gesetzt"))
        self.assertNotIn("mv_sid", r.set_cookies, "setting a password never logs in")
        self.assertEqual(c.get("/").status, 303)
        r = c.get("/anmelden?grund=passwort-gesetzt")
        self.assertIn("Ihr Passwort wurde gespeichert. Sie können sich jetzt mit Ihrer Nutzerkennung und Ihrem "
                      "Passwort anmelden.", " ".join(r.alert_text()))
        # notice mail without secrets
        notice = mv.wait_mail(a.email, mv.SUBJ_CHANGED)
        self.assertIn("das Passwort für Ihr Nutzerkonto im Portal Meine Versorgung wurde neu festgelegt.",
                      notice["body"])
        self.assertNotIn(pw, notice["body"])
        self.assertNotIn("token=", notice["body"])
        # the second mail: the Nutzerkennung link
        kmail = mv.wait_mail(a.email, mv.SUBJ_KENNUNG)
        self.assertNotIn(a.kennung, kmail["body"])
        self.assertIn("Nutzerkennungen von Administratoren beginnen mit einem „X“", kmail["body"])
        klink = mv.link_from(kmail, "/nutzerkennung")
        self.assertNotEqual(klink.split("=")[1], link.split("=")[1])
        # the used password link is dead
        r = mv.Client().get(link)
        self.assertEqual(r.status, 410)
        self.assertIn(mv.LINK_INVALID, r.text)
        r = c.post(link, {"passwort": pw + "x", "passwort_wiederholung": pw + "x"})
        self.assertEqual(r.status, 410)
        # retrieve the Nutzerkennung
        k = mv.Client()
        r = k.get(klink)
        self.assertEqual(r.status, 200)
        for label in ["Vorname*", "Name*", "Geburtsdatum (TT.MM.JJJJ)*", "Mitgliedsnummer*"]:
            self.assertIn(label, r.text)
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
        r = k.post(klink, answers(a))
        self.assertEqual(r.status, 200)
        self.assertIn("Ihre persönliche Nutzerkennung lautet:", r.text)
        self.assertIn(f"<strong>{a.kennung}</strong>", r.text)
        self.assertTrue(a.kennung.startswith("X"))
        self.assertEqual(r.header("Cache-Control"), "no-store")
        # single use
        r = k.post(klink, answers(a))
        self.assertEqual(r.status, 410)
        self.assertNotIn(a.kennung, r.text)
        self.assertEqual(mv.Client().get(klink).status, 410)
        # the account is active: login with TAN works
        a.password = pw
        c = mv.login_admin(a)
        self.assertIn("Guten Tag, Kim Mustermensch!", c.get("/").text)

    def test_not_activated_cannot_log_in(self):
        a = mv.new_admin()
        c, r = mv.login_password(a.kennung, "Irgendwas123!x")
        self.assertEqual(r.status, 422)
        self.assertIn(mv.LOGIN_FAILED, r.summary_errors())

    def test_mismatch_and_policy_errors_keep_the_link(self):
        a = mv.new_admin()
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        c = mv.Client()
        c.get(link)
        pw = mv.new_password()
        r = c.post(link, {"passwort": pw, "passwort_wiederholung": pw + "x"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort_wiederholung"), "Die beiden Passwörter stimmen nicht überein.")
        r = c.post(link, {"passwort": "", "passwort_wiederholung": ""})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("passwort"), "Bitte geben Sie ein neues Passwort ein.")
        r = c.post(link, {"passwort": "kurz", "passwort_wiederholung": "kurz"}, json=True)
        self.assertEqual(r.status, 422)
        self.assertIn("Das Passwort muss zwischen 12 und 128 Zeichen lang sein.", r.json()["errors"]["passwort"])
        r = c.post(link, {"passwort": pw, "passwort_wiederholung": pw})
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-gesetzt"))

    def test_invalid_and_foreign_tokens(self):
        a = mv.new_admin()
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        token = link.split("=", 1)[1]
        c = mv.Client()
        for path in ["/passwort-setzen", "/passwort-setzen?token=", "/passwort-setzen?token=abc",
                     "/passwort-setzen?token=" + "A" * 43, "/passwort-setzen?token=" + token[:-1],
                     "/passwort-setzen?token=" + token + "A", "/passwort-setzen?token=" + token.swapcase(),
                     "/nutzerkennung?token=" + token,  # an activation token is no Nutzerkennung link
                     "/nutzerkennung"]:
            r = c.get(path)
            self.assertEqual(r.status, 410, path)
            self.assertIn(mv.LINK_INVALID, r.text, path)
        r = c.get("/passwort-setzen?token=" + "A" * 43, json=True)
        self.assertEqual(r.json()["errors"], {"_": mv.LINK_INVALID})
        self.assertEqual(c.get(link).status, 200, "the real link still works")

    def test_token_only_from_the_link_not_a_cookie_or_header(self):
        a = mv.new_admin()
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        token = link.split("=", 1)[1]
        c = mv.Client()
        c.cookies["token"] = token
        r = c.get("/passwort-setzen")
        self.assertEqual(r.status, 410)


class KennungRetrieval(mv.Case):
    def activated(self):
        a = mv.new_admin(vorname="Jürgen", name="Ölmüller-Weiß", geburtsdatum="1975-02-28")
        mv.activate(a, retrieve_kennung=False)
        return a

    def test_json_iso_date_and_case_insensitive_names(self):
        a = self.activated()
        c = mv.Client(json=True)
        r = c.get(a.kennung_link)
        self.assertEqual(r.json()["titel"], "Nutzerkennung abrufen")
        r = c.post(a.kennung_link, {"vorname": "  JÜRGEN ", "name": "ölmüller-weiß",
                                    "geburtsdatum": "1975-02-28", "mitgliedsnummer": " " + a.org.pnr + " "})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["nutzerkennung"], a.kennung)

    def test_german_date_format(self):
        a = self.activated()
        c = mv.Client()
        c.get(a.kennung_link)
        r = c.post(a.kennung_link, answers(a, geburtsdatum="28.02.1975"))
        self.assertEqual(r.status, 200)
        self.assertIn(a.kennung, r.text)

    def test_five_wrong_answers_kill_the_link(self):
        a = self.activated()
        c = mv.Client()
        c.get(a.kennung_link)
        wrong = [answers(a, vorname="Jurgen", geburtsdatum="28.02.1975"),
                 answers(a, name="Oelmueller-Weiss", geburtsdatum="28.02.1975"),
                 answers(a, geburtsdatum="27.02.1975"),
                 answers(a, geburtsdatum="28.02.1975", mitgliedsnummer=str(int(a.org.pnr) + 1))]
        expect = ["Verbleibende Versuche: 4.", "Verbleibende Versuche: 3.", "Verbleibende Versuche: 2.",
                  "Sie haben noch einen Versuch."]
        for fields, tail in zip(wrong, expect):
            r = c.post(a.kennung_link, fields)
            self.assertEqual(r.status, 422)
            errs = r.summary_errors()
            self.assertEqual(len(errs), 1)
            self.assertTrue(errs[0].startswith("Die Angaben stimmen nicht mit den hinterlegten Daten überein."), errs)
            self.assertTrue(errs[0].endswith(tail), errs)
            self.assertNotIn(a.kennung, r.text)
        r = c.post(a.kennung_link, answers(a, vorname="Falsch", geburtsdatum="28.02.1975"))
        self.assertEqual(r.status, 410)
        self.assertIn(TOO_MANY_WRONG, r.text)
        r = c.post(a.kennung_link, answers(a, geburtsdatum="28.02.1975"))
        self.assertEqual(r.status, 410, "even the right answers are refused now")
        self.assertIn(mv.LINK_INVALID, r.text)
        self.assertNotIn(a.kennung, r.text)

    def test_field_validation_does_not_count(self):
        a = self.activated()
        c = mv.Client()
        c.get(a.kennung_link)
        r = c.post(a.kennung_link, {"vorname": "", "name": " ", "geburtsdatum": "", "mitgliedsnummer": ""})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("vorname"), "Bitte geben Sie Ihren Vornamen ein.")
        self.assertEqual(r.field_error("name"), "Bitte geben Sie Ihren Namen ein.")
        self.assertEqual(r.field_error("geburtsdatum"), "Bitte geben Sie Ihr Geburtsdatum im Format TT.MM.JJJJ ein.")
        self.assertEqual(r.field_error("mitgliedsnummer"),
                         "Bitte geben Sie die Mitgliedsnummer Ihrer Organisation ein.")
        for bad in ["31.02.1975", "1975-13-01", "28.2.1975", "28.02.75", "1975/02/28", "29.02.1975", "heute",
                    "28.02.1975x"]:
            r = c.post(a.kennung_link, answers(a, geburtsdatum=bad))
            self.assertEqual(r.status, 422, bad)
            self.assertEqual(r.field_error("geburtsdatum"),
                             "Bitte geben Sie Ihr Geburtsdatum im Format TT.MM.JJJJ ein.", bad)
        r = c.post(a.kennung_link, answers(a, geburtsdatum="28.02.1975"))
        self.assertEqual(r.status, 200, "format errors are no wrong answers")
        self.assertIn(a.kennung, r.text)
        # the form keeps what was typed (escaped)
        b = self.activated()
        d = mv.Client()
        d.get(b.kennung_link)
        r = d.post(b.kennung_link, answers(b, vorname='"><b>x', geburtsdatum="kein Datum"))
        self.assertEqual(r.status, 422)
        self.assertIn('value="&quot;&gt;&lt;b&gt;x"', r.text)


class LinkGuessing(mv.Case):
    def test_unknown_tokens_are_rate_limited_per_address(self):
        a = mv.new_admin()
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        c = mv.Client()
        statuses = [c.get("/passwort-setzen?token=%043d" % i).status for i in range(60)]
        self.assertEqual(set(statuses), {410})
        r = c.get("/passwort-setzen?token=" + "B" * 43)
        self.assertEqual(r.status, 429)
        self.assertIn(LINK_GUESSING, r.text)
        r = c.get("/nutzerkennung?token=" + "B" * 43)
        self.assertEqual(r.status, 429)
        # another address is not affected, and the real link still works from the limited one
        self.assertEqual(mv.Client().get("/passwort-setzen?token=" + "B" * 43).status, 410)
        self.assertEqual(c.get(link).status, 200)


if __name__ == "__main__":
    unittest.main()
