"""Issue 11, account hardening: outstanding links die with a password change, a lock and a new link
(item 4); an e-mail change is told to the previous address (item 1); creations per administrator
are limited and names carry no URLs or line separators (item 7); locking asks for confirmation
(item 13)."""

import re
import time

import mv
import users_lib as U


def forgot(kennung):
    c = mv.Client()
    c.get("/passwort-vergessen")
    r = c.post("/passwort-vergessen", {"kennung": kennung})
    assert (r.status, r.location) == (303, "/passwort-vergessen?gesendet=1"), r
    return r


def change_password(client, old, new):
    client.get("/einstellungen")
    return client.post("/einstellungen", {"passwort_alt": old, "passwort_neu": new, "passwort_neu_wiederholung": new})


# ---------------------------------------------------------------- item 4

class OutstandingLinks(mv.Case):
    """A password change, a lock and a new link void every outstanding link of the account; no link
    sets a password while the account is gesperrt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_forgot_link_dies_with_a_password_change_in_einstellungen(self):
        a = mv.ready_admin()
        forgot(a.kennung)
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_RESET), "/passwort-setzen")
        c = mv.login_admin(a)
        new = mv.new_password()
        r = change_password(c, a.password, new)
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=passwort-geaendert"))
        a.password = new
        r = mv.Client().get(link)
        self.assertEqual(r.status, 410, "the forgot-password link died with the change")
        self.assertIn(mv.LINK_INVALID, r.text)
        r = mv.set_password_via_link(mv.Client(), link, mv.new_password())
        self.assertEqual(r.status, 410)
        self.assertEqual(mv.login_admin(a).get("/").status, 200, "the changed password stands")

    def test_reset_link_dies_with_a_reset_through_another_link(self):
        s = U.activate(U.create(self.c, vorname="Zweilink"))
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}).status, 303)
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen")
        U.activate(s, link=link)
        forgot(s.kennung)
        link2 = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen")
        s.password, before = mv.new_password(), s.password
        r = mv.set_password_via_link(mv.Client(), link2, s.password)
        self.assertEqual(r.status, 303)
        self.assertNotEqual(before, s.password)
        self.assertEqual(mv.Client().get(link).status, 410)

    def test_administrators_reset_link_dies_with_the_lock(self):
        s = U.activate(U.create(self.c, vorname="Sperrlink"))
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=reset"))
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {"bestaetigt": "1"}).status, 303)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Gesperrt")
        r = mv.Client().get(link)
        self.assertEqual(r.status, 410, "no link sets a password while the account is gesperrt")
        self.assertIn(U.SB_LINK_DEAD, r.alert_text())
        taken = mv.new_password()
        r = mv.set_password_via_link(mv.Client(), link, taken)
        self.assertEqual(r.status, 410)
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {}).status, 303)
        self.assertEqual(mv.Client().get(link).status, 410, "the link stays dead after the unlock")
        _, r = mv.login_password(s.kennung, taken)
        self.assertEqual(r.status, 422, "no password was set through the link")
        self.assertEqual(U.login(s).get("/").status, 200, "the owner's password is unchanged")
        self.assertEqual(mv.mails(s.email, mv.SUBJ_CHANGED)[1:], [], "only the activation's notice")

    def test_activation_link_dies_with_the_lock(self):
        s = U.create(self.c, vorname="Sperraktiv")
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {"bestaetigt": "1"}).status, 303)
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {}).status, 303)
        self.assertEqual(mv.Client().get(link).status, 410)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Angelegt")
        # the administrator sends a new one
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}).status, 303)
        U.activate(s)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")

    def test_a_new_link_voids_links_of_every_purpose(self):
        a = mv.activate(mv.new_admin(), retrieve_kennung=False)
        klink = a.kennung_link
        c = mv.Client()
        self.assertEqual(c.get(klink).status, 200, "the Nutzerkennung link is live")
        forgot(a.kennung)
        mv.wait_mail(a.email, mv.SUBJ_RESET)
        self.assertEqual(mv.Client().get(klink).status, 410, "the new reset link voided the Nutzerkennung link")


# ---------------------------------------------------------------- item 1

SUBJ_EMAIL_CHANGED = "meineversorgung.org | Die E-Mail-Adresse Ihres Nutzerkontos wurde geändert"
PREVIOUS_NOTE = "Sie erhalten diese Nachricht an Ihre bisherige E-Mail-Adresse"
CONTACT_SB = ("die Administratorin bzw. den Administrator Ihrer Organisation oder an den Support der Kassen "
              "(support@meineversorgung.org)")
CONTACT_X = "die Portal-Administratoren der Kassen (support@meineversorgung.org)"
NOTICE_TOLD = ("Die Änderungen wurden gespeichert. An die bisherige E-Mail-Adresse wurde ein Hinweis auf die Änderung "
               "der E-Mail-Adresse gesendet. Links zum Festlegen des Passwortes, die an die bisherige E-Mail-Adresse "
               "gesendet wurden, sind jetzt ungültig. Bitte informieren Sie den Nutzer über die Änderungen.")


def masked(addr):
    local, _, domain = addr.rpartition("@")
    return (local[:2] if len(local) > 3 else local[:1]) + "***@" + domain


def change_email(client, s, new):
    v = U.details(client, s.kennung)["version"]
    return client.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                       U.form(s.vorname, s.name, new, s.gruppen, terms=False) + [("version", str(v))])


def reset_through_admin(client, s, email):
    """The administrator's "E-Mail für neues Passwort"; the link from `email`'s mail sets a new password."""
    r = client.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
    assert (r.status, r.location) == (303, f"/sachbearbeiter/{s.kennung}?ok=reset"), r
    link = mv.link_from(mv.wait_mail(email, mv.SUBJ_RESET), "/passwort-setzen")
    pw = mv.new_password()
    r = mv.set_password_via_link(mv.Client(), link, pw)
    assert (r.status, r.location) == (303, "/anmelden?grund=passwort-gesetzt"), r
    return pw


class EmailChange(mv.Case):
    """Item 1: an administrator who changes a Sachbearbeiter's address cannot take the account over
    silently: the previous address is told of the change and of a password set afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session(vorname="Kim", name="Verwalterin")

    def test_takeover_through_a_changed_address_is_told_to_the_previous_one(self):
        s = U.activate(U.create(self.c, vorname="Olga", name=f"Opfer{mv.uid()}"))
        owner = s.email
        attacker = f"fremd{mv.uid()}@elsewhere.example"
        r = change_email(self.c, s, attacker)
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gespeichert-email-hinweis"))
        self.assertIn(NOTICE_TOLD, self.c.follow(r).alert_text())
        m = mv.wait_mail(owner, SUBJ_EMAIL_CHANGED)
        body = m["body"]
        self.assertEqual(m["rcpt"], [owner])
        self.assertIn(f"Guten Tag Olga {s.name},", body)
        self.assertIn("Geändert durch: die Administratorin bzw. der Administrator Ihrer Organisation "
                      "(Kim Verwalterin)", body)
        self.assertRegex(body, r"Zeitpunkt: \d\d\.\d\d\.\d{4} um \d\d:\d\d Uhr")
        self.assertIn(f"Neue E-Mail-Adresse: {masked(attacker)} (aus Datenschutzgründen gekürzt)", body)
        self.assertNotIn(attacker, body, "the new address is masked")
        self.assertIn(f"wenden Sie sich bitte umgehend an {CONTACT_SB}", body)
        self.assertIn("in den nächsten 30 Tagen", body)
        self.assertNotIn("token=", body)
        self.assertEqual(mv.mails(attacker, SUBJ_EMAIL_CHANGED), [], "the new address gets no such notice")
        # the takeover: a reset link to the new address, a password set from it
        s.email = attacker
        mv.EMAIL_OF[s.kennung] = attacker
        s.password = reset_through_admin(self.c, s, attacker)
        mv.wait_mail(attacker, mv.SUBJ_CHANGED)
        m = mv.wait_mail(owner, mv.SUBJ_CHANGED)
        self.assertIn(PREVIOUS_NOTE, m["body"])
        self.assertIn(f"auf {masked(attacker)} (aus Datenschutzgründen gekürzt) geändert", m["body"])
        self.assertIn(f"wenden Sie sich bitte umgehend an {CONTACT_SB}", m["body"])
        self.assertNotIn(s.password, m["body"])
        # the change log shows both notices, by whom
        e = {x["ereignis"]: x for x in U.protokoll(self.c, s.kennung)}
        self.assertEqual((e["email_change_notice"]["aktion"], e["email_change_notice"]["wer"],
                          e["email_change_notice"]["aenderung"]),
                         ("Hinweis an bisherige E-Mail-Adresse gesendet", self.admin.kennung,
                          f"Hinweis auf die neue E-Mail-Adresse an {owner}"))
        self.assertEqual((e["password_notice_previous"]["aktion"], e["password_notice_previous"]["aenderung"]),
                         ("Passwort-Hinweis an bisherige E-Mail-Adresse gesendet",
                          f"Hinweis auf das neue Passwort an die bisherige E-Mail-Adresse {owner}"))
        # the owner's own later password change within the window is told there too (one notice each time)
        c = U.login(s)
        new = mv.new_password()
        self.assertEqual(change_password(c, s.password, new).status, 303)
        self.assertIn(PREVIOUS_NOTE, mv.wait_mail(owner, mv.SUBJ_CHANGED)["body"])

    def test_never_activated_account_no_notice(self):
        """A mistyped address of an account nobody has activated yet is corrected without a notice."""
        s = U.create(self.c, vorname="Tippfehler")
        old = s.email
        r = change_email(self.c, s, U.email())
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gespeichert-email"))
        U.mail_barrier(self.c)
        self.assertEqual([m["subject"] for m in mv.mails(old)], [mv.SUBJ_SETPW])

    def test_the_owners_address_stays_the_previous_one_through_further_changes(self):
        s = U.activate(U.create(self.c, vorname="Mehrfach"))
        a, b, c = s.email, f"zwei{mv.uid()}@example.net", f"drei{mv.uid()}@example.com"
        self.assertEqual(change_email(self.c, s, b).status, 303)
        self.assertIn(masked(b), mv.wait_mail(a, SUBJ_EMAIL_CHANGED)["body"])
        self.assertEqual(change_email(self.c, s, c).status, 303)
        self.assertIn(masked(c), mv.wait_mail(b, SUBJ_EMAIL_CHANGED)["body"])
        self.assertIn(masked(c), mv.wait_mail(a, SUBJ_EMAIL_CHANGED)["body"], "the owner hears of it too")
        reset_through_admin(self.c, s, c)
        mv.wait_mail(c, mv.SUBJ_CHANGED)
        self.assertIn(PREVIOUS_NOTE, mv.wait_mail(a, mv.SUBJ_CHANGED)["body"])
        U.mail_barrier(self.c)
        self.assertEqual(mv.mails(b, mv.SUBJ_CHANGED), [], "an address in between is not the owner's")

    def test_changed_back_nothing_pending(self):
        s = U.activate(U.create(self.c, vorname="Zurueck"))
        a, b = s.email, f"kurz{mv.uid()}@example.net"
        self.assertEqual(change_email(self.c, s, b).status, 303)
        mv.wait_mail(a, SUBJ_EMAIL_CHANGED)
        self.assertEqual(change_email(self.c, s, a).status, 303)
        mv.wait_mail(b, SUBJ_EMAIL_CHANGED)
        reset_through_admin(self.c, s, a)
        mv.wait_mail(a, mv.SUBJ_CHANGED)
        U.mail_barrier(self.c)
        self.assertEqual(len(mv.mails(a, mv.SUBJ_CHANGED)), 2, "activation and the reset: no second notice")
        self.assertEqual(mv.mails(b, mv.SUBJ_CHANGED), [])

    def test_outside_the_window_only_the_current_address(self):
        if not mv.is_root():
            self.skipTest("needs MariaDB root to age the change")
        s = U.activate(U.create(self.c, vorname="Spaeter"))
        a, b = s.email, f"alt{mv.uid()}@example.net"
        self.assertEqual(change_email(self.c, s, b).status, 303)
        mv.wait_mail(a, SUBJ_EMAIL_CHANGED)
        mv.db(f"UPDATE account SET email_geaendert_am = NOW() - INTERVAL 31 DAY WHERE kennung = '{s.kennung}'")
        reset_through_admin(self.c, s, b)
        mv.wait_mail(b, mv.SUBJ_CHANGED)
        U.mail_barrier(self.c)
        self.assertEqual(len(mv.mails(a, mv.SUBJ_CHANGED)), 1, "only the activation's notice")


class EmailChangeByMvctl(mv.Case):
    def test_admin_update_tells_the_old_address(self):
        a = mv.ready_admin(vorname="Ada", name="Altadresse")
        old = a.email
        new = f"neu{mv.uid()}@example.org"
        r = mv.mvctl("--json", "admin", "update", "--kennung", a.kennung, "--email", new)
        self.assertEqual((r.rc, r.json()), (0, {"nutzerkennung": a.kennung, "geaendert": True}))
        m = mv.wait_mail(old, SUBJ_EMAIL_CHANGED)
        self.assertIn("Guten Tag Ada Altadresse,", m["body"])
        self.assertIn("Geändert durch: die Portal-Administratoren der Kassen", m["body"])
        self.assertIn(f"Neue E-Mail-Adresse: {masked(new)} ", m["body"])
        self.assertIn(f"wenden Sie sich bitte umgehend an {CONTACT_X}", m["body"])
        a.email = new
        mv.EMAIL_OF[a.kennung] = new
        forgot(a.kennung)
        link = mv.link_from(mv.wait_mail(new, mv.SUBJ_RESET), "/passwort-setzen")
        self.assertEqual(mv.set_password_via_link(mv.Client(), link, mv.new_password()).status, 303)
        mv.wait_mail(new, mv.SUBJ_CHANGED)
        m = mv.wait_mail(old, mv.SUBJ_CHANGED)
        self.assertIn(PREVIOUS_NOTE, m["body"])
        self.assertIn(CONTACT_X, m["body"])
        events = [e["ereignis"] for e in U.audit_cli(a.org.pnr, a.kennung)]
        self.assertIn("email_change_notice", events)
        self.assertIn("password_notice_previous", events)

    def test_admin_update_kills_links_mailed_to_the_old_address(self):
        a = mv.new_admin()
        link = mv.link_from(mv.wait_mail(a.email, mv.SUBJ_SETPW), "/passwort-setzen")
        r = mv.mvctl("admin", "update", "--kennung", a.kennung, "--email", f"anders{mv.uid()}@example.org")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(mv.Client().get(link).status, 410)
        time.sleep(0.5)
        self.assertEqual(mv.mails(a.email, SUBJ_EMAIL_CHANGED), [], "never activated: no notice")


# ---------------------------------------------------------------- item 7

LIMIT_MSG = "Sie können höchstens 50 Sachbearbeiter pro Stunde anlegen. Bitte versuchen Sie es später erneut."
URL_MSG = {"vorname": "Der Vorname darf keine Internetadresse (wie „www.“ oder „https://“) enthalten.",
           "name": "Der Name darf keine Internetadresse (wie „www.“ oder „https://“) enthalten."}
SEP_MSG = {"vorname": "Der Vorname darf keine Zeilen- oder Absatztrennzeichen enthalten.",
           "name": "Der Name darf keine Zeilen- oder Absatztrennzeichen enthalten."}
CLI_NAME_MSG = "no web addresses (www., https://, a domain) and no line or paragraph separators"


class CreationLimit(mv.Case):
    """Item 7: each creation sends an official mail to any address; an administrator creates at most
    sb_create_limit (50) Sachbearbeiter per hour."""

    def test_fifty_per_administrator_and_hour(self):
        admin, c = U.admin_session()
        tag = mv.uid()
        for i in range(50):
            r = c.post("/sachbearbeiter/neu", U.form("Massen", f"Anlage{tag}x{i:02d}", f"m{tag}x{i}@example.org"),
                       json=True)
            self.assertEqual(r.status, 200, (i, r))
        over = f"m{tag}x50@example.org"
        r = c.post("/sachbearbeiter/neu", U.form("Massen", f"Anlage{tag}x50", over), json=True)
        self.assertEqual((r.status, r.json()["errors"]), (429, {"_": LIMIT_MSG}))
        r = c.post("/sachbearbeiter/neu", U.form("Massen", f"Anlage{tag}x50", over))
        self.assertEqual(r.status, 429)
        self.assertIn(LIMIT_MSG, r.summary_errors())
        self.assertIn(f'name="email" type="email" value="{over}"', r.text, "the input is kept")
        self.assertIn("<h1>Neuen Sachbearbeiter anlegen</h1>", r.text)
        self.assertEqual(U.listing(c)["gesamt"], 50)
        # another administrator of the same organisation has an hour of their own
        other = mv.login_admin(mv.ready_admin(org=admin.org, vorname="Alex", name="Zweit"))
        U.create(other, vorname="Weiter")
        time.sleep(0.5)
        self.assertEqual(mv.mails(over), [], "no mail for the refused creation")

    def test_refused_input_does_not_count(self):
        _, c = U.admin_session()
        for i in range(55):
            r = c.post("/sachbearbeiter/neu", U.form("Fehl", f"Eingabe{i}", "keine-adresse"), json=True)
            self.assertEqual(r.status, 422, i)
        U.create(c, vorname="Trotzdem")


class NamesWithoutLinks(mv.Case):
    """Item 7: Vorname and Name greet their owner in official mails: no URLs, no line or paragraph
    separators — in the create and edit forms and in mvctl admin add/update."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    BAD = [("vorname", "Max https://evil.example/x", URL_MSG), ("name", "www.gewinn.example", URL_MSG),
           ("vorname", "Klick http:evil", URL_MSG), ("name", "Muster evil.com", URL_MSG),
           ("name", "Mailto:a@b", URL_MSG), ("vorname", "Zeile\u2028Bcc", SEP_MSG), ("name", "Absatz\u2029x", SEP_MSG)]

    def test_create_refuses_urls_and_separators_at_the_field(self):
        for field, value, msgs in self.BAD:
            with U.case(field=field, value=value):
                mail = U.email()
                f = dict(vorname="Erika", name="Muster", email=mail)
                f[field] = value
                fields = U.form(f["vorname"], f["name"], mail)
                r = self.c.post("/sachbearbeiter/neu", fields, json=True)
                self.assertEqual((r.status, r.json()["errors"]), (422, {field: msgs[field]}))
                r = self.c.post("/sachbearbeiter/neu", fields)
                self.assertEqual(r.status, 422)
                self.assertEqual(r.field_error(field), msgs[field])
                self.assertEqual(U.listing(self.c, "vorname=Erika")["gesamt"], 0)

    def test_edit_refuses_urls_and_separators(self):
        s = U.create(self.c, vorname="Bleibt")
        before = U.details(self.c, s.kennung)
        for field, value, msgs in self.BAD:
            with U.case(field=field, value=value):
                f = {"vorname": s.vorname, "name": s.name}
                f[field] = value
                r = self.c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                                U.form(f["vorname"], f["name"], s.email, terms=False), json=True)
                self.assertEqual((r.status, r.json()["errors"]), (422, {field: msgs[field]}))
        self.assertEqual(U.details(self.c, s.kennung), before)

    def test_ordinary_names_with_dots_and_titles_accepted(self):
        for vorname, name in (("Dr. med. Anna", "St. Martin"), ("J.R.", "O'Hara-Müller"), ("Anne-Marie", "v. d. Berg")):
            s = U.create(self.c, vorname=vorname, name=name + mv.uid())
            self.assertEqual(U.details(self.c, s.kennung)["vorname"], vorname)

    def test_mvctl_admin_add_and_update_refuse_them(self):
        org = mv.new_org()
        email = f"link{mv.uid()}@example.org"
        for opt, value in (("--vorname", "Kim www.evil.example"), ("--name", "https://x.example"),
                           ("--name", "Zeile\u2028zwei"), ("--vorname", "evil.de")):
            with U.case(opt=opt, value=value):
                args = {"--vorname": "Kim", "--name": "Muster"}
                args[opt] = value
                r = mv.mvctl("admin", "add", "--pnr", org.pnr, "--vorname", args["--vorname"], "--name",
                             args["--name"], "--email", email, "--geburtsdatum", "1980-01-01")
                self.assertEqual((r.rc, r.err, r.out), (1, f"mvctl: {opt}: {CLI_NAME_MSG}\n", ""))
        self.assertEqual(mv.mvctl("--json", "user", "find", "--email", email).json(), [])
        a = mv.new_admin(org=org)
        r = mv.mvctl("admin", "update", "--kennung", a.kennung, "--name", "Besuchen Sie http://evil.example")
        self.assertEqual((r.rc, r.err), (1, f"mvctl: --name: {CLI_NAME_MSG}\n"))
        self.assertEqual(mv.mvctl("--json", "user", "find", "--email", a.email).json()[0]["name"], a.name)


# ---------------------------------------------------------------- item 13

def question(s):
    return f"Möchten Sie den Benutzer {s.vorname} {s.name} ({s.kennung}) wirklich sperren?"


class LockConfirmation(mv.Case):
    """Item 13: "Benutzer sperren" asks first — without JavaScript on a confirmation page (GET), with
    JavaScript in a dialog on the details page; POST /sperren still locks in one request (SPEC §12)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_details_lock_button_leads_to_the_question(self):
        s = U.create(self.c, vorname="Frage")
        t = self.c.get(f"/sachbearbeiter/{s.kennung}").text
        self.assertIn(f'<form method="get" action="/sachbearbeiter/{s.kennung}/sperren" data-dialog="dlg-sperren">'
                      f'<button type="submit" class="btn danger" aria-haspopup="dialog">Benutzer sperren</button></form>', t)
        dlg = re.search(r'<dialog id="dlg-sperren".*?</dialog>', t, re.S)
        self.assertTrue(dlg, "the dialog for JavaScript is on the page")
        d = dlg.group(0)
        self.assertIn(question(s), d)
        self.assertIn(f'<form method="post" action="/sachbearbeiter/{s.kennung}/sperren">', d)
        self.assertIn('<input type="hidden" name="bestaetigt" value="1">', d)
        self.assertIn(f'<input type="hidden" name="csrf" value="{self.c.csrf}">', d)
        self.assertIn('formmethod="dialog" formnovalidate>Abbrechen</button>', d)
        self.assertIn('<button type="submit" class="btn danger">Sperren</button>', d)
        self.assertNotIn(" open", d.split(">")[0], "closed until asked")

    def test_confirmation_page_without_javascript(self):
        s = U.activate(U.create(self.c, vorname="Ohnejs"))
        sc = U.login(s)
        path = f"/sachbearbeiter/{s.kennung}/sperren"
        for p in (path, path + "?bestaetigt=1"):
            with U.case(path=p):
                r = self.c.get(p)
                self.assertEqual(r.status, 200, r)
                self.assertIn("<h1>Benutzer sperren</h1>", r.text)
                self.assertIn(question(s), r.text)
                form = re.search(r'<form method="post" action="%s">.*?</form>' % re.escape(path), r.text, re.S)
                self.assertTrue(form, r.text[-2000:])
                f = form.group(0)
                self.assertIn('<input type="hidden" name="bestaetigt" value="1">', f)
                self.assertIn('<button type="submit" class="btn danger">Sperren</button>', f)
                self.assertIn(f'<a class="btn secondary" href="/sachbearbeiter/{s.kennung}">Abbrechen</a>', f)
                self.assertEqual(r.header("Cache-Control"), "no-store")
        # asking changed nothing
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")
        self.assertEqual(sc.get("/").status, 200, "the user's session lives on")
        j = self.c.get(path, json=True)
        self.assertEqual(j.status, 200)
        self.assertEqual({k: v for k, v in j.json().items() if k != "csrf"},
                         {"nutzerkennung": s.kennung, "vorname": s.vorname, "name": s.name, "frage": question(s)})
        # "Sperren" on the page locks
        r = self.c.post(path, {"bestaetigt": "1"})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gesperrt"))
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Gesperrt")
        self.assertEqual(sc.get("/").status, 303)
        # a locked user is not asked again
        r = self.c.get(path)
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}"))
        self.assertNotIn('id="dlg-sperren"', self.c.get(f"/sachbearbeiter/{s.kennung}").text)

    def test_scripts_lock_in_one_request(self):
        s = U.create(self.c, vorname="Skript")
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {"bestaetigt": "1"}, json=True)
        self.assertEqual((r.status, r.json()["next"]), (200, f"/sachbearbeiter/{s.kennung}?ok=gesperrt"))
        self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {})
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {}, json=True)
        self.assertEqual((r.status, r.json()["next"]), (200, f"/sachbearbeiter/{s.kennung}?ok=gesperrt"),
                         "SPEC §12: POST locks at once, with or without the field")

    def test_other_organisation_and_roles(self):
        other, oc = U.admin_session()
        s = U.activate(U.create(self.c, vorname="Fremd"))
        for p in (f"/sachbearbeiter/{s.kennung}/sperren", "/sachbearbeiter/S201-AAAAAAAAAAAA/sperren"):
            r = oc.get(p)
            self.assertEqual(r.status, 404, p)
            self.assertIn(U.NOT_FOUND, r.alert_text())
        self.assertEqual(U.login(s).get(f"/sachbearbeiter/{s.kennung}/sperren").status, 403)
        r = mv.Client().get(f"/sachbearbeiter/{s.kennung}/sperren")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.location.startswith("/anmelden"))
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")
