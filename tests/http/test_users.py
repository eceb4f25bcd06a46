"""Sachbearbeiter management (issue 3; SPEC §3, §6, §10; SECURITY.md 10, 29, 31): create with every refused
field, activation and login of the new Sachbearbeiter, details, edit with conflict detection, lock/unlock and
the self-lock, "E-Mail für neues Passwort versenden", function restrictions (§1.7) and the change log."""

import html as htmllib
import re
import time

import mv
import users_lib as U


def errors(r):
    return r.json()["errors"]


class Create(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_form_html_and_json(self):
        r = self.c.get("/sachbearbeiter/neu")
        self.assertEqual(r.status, 200)
        t = r.text
        self.assertIn("<h1>Neuen Sachbearbeiter anlegen</h1>", t)
        for f in ("vorname", "name", "email"):
            self.assertRegex(t, r'<input id="f-%s" name="%s" type="(text|email)" value=""' % (f, f))
        self.assertIn(htmllib.escape(self.admin.org.line, quote=False), t)
        values = re.findall(r'<input type="checkbox" id="f-gruppe-\d" name="gruppe" value="([^"]*)"', t)
        self.assertEqual([htmllib.unescape(v) for v in values], U.GROUPS)
        self.assertRegex(t, r'<input type="checkbox" id="f-recht-postfach" name="recht" value="postfach" checked '
                            r'disabled>')
        rights = re.findall(r'<input type="checkbox" id="f-recht-[a-z]+" name="recht" value="([a-z]+)"', t)
        self.assertEqual(rights, ["postfach"] + U.RIGHTS)
        for k in U.LABEL:
            self.assertIn(U.LABEL[k], t)
        self.assertIn("Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind und dass er/sie "
                      "diese mit der Anlage des Zugangs akzeptiert.*", t)
        self.assertIn('<input type="checkbox" id="f-nutzungsbedingungen" name="nutzungsbedingungen" value="1" '
                      'required aria-required="true">', t)
        self.assertIn(">Abbrechen</a>", t)
        self.assertIn(">Anlegen</button>", t)
        self.assertIn('<input type="hidden" name="csrf" value="%s">' % self.c.csrf, t)
        j = self.c.get("/sachbearbeiter/neu", json=True).json()
        self.assertEqual(j, {"titel": "Neuen Sachbearbeiter anlegen", "mitglied": self.admin.org.line,
                             "gruppen": U.GROUPS, "rechte": ["postfach"] + U.RIGHTS, "csrf": self.c.csrf})

    def test_create_html_dialog_and_mail(self):
        mail = U.email()
        name = f"Sommer{mv.uid()}"
        r = self.c.post("/sachbearbeiter/neu", U.form("Jörg", name, mail, ["Beihilfe", "mitglieder-recht"],
                                                       ["anspruchsberechtigte", "kontaktdaten", "postfach"]))
        self.assertEqual(r.status, 303, r)
        m = re.fullmatch(r"/sachbearbeiter/(%s)\?angelegt=1" % U.KENNUNG_RE, r.location)
        self.assertTrue(m, r.location)
        k = m.group(1)
        p = self.c.follow(r)
        self.assertEqual(p.status, 200)
        dlg = re.search(r"<dialog[^>]*open[^>]*>(.*?)</dialog>", p.text, re.S)
        self.assertTrue(dlg, p.text[:2000])
        d = dlg.group(1)
        self.assertIn("<h2 id=\"dlg-anlage-titel\">ANLAGE ERFOLGREICH</h2>", d)
        self.assertIn(f"Der Sachbearbeiter-Account wurde erfolgreich angelegt. Bitte teilen Sie Jörg {name} die "
                      f"Nutzerkennung separat mit. Jörg {name} erhält in Kürze automatisch eine E-Mail zum "
                      f"erstmaligen Setzen des Passwortes.", d)
        self.assertIn(f"Nutzerkennung: <strong>{k}</strong>", d)
        self.assertIn("innerhalb der nächsten 60 Minuten", d)
        # without ?angelegt=1 no dialog
        self.assertNotIn("ANLAGE ERFOLGREICH", self.c.get(f"/sachbearbeiter/{k}").text)
        got = mv.wait_mail(mail, mv.SUBJ_SETPW)
        self.assertEqual(got["subject"], mv.SUBJ_SETPW)
        link = mv.link_from(got, "/passwort-setzen")
        self.assertIn(f"Guten Tag Jörg {name}", got["body"])
        self.assertIn("60 Minuten", got["body"])
        self.assertNotIn(k, got["body"], "the Nutzerkennung is told separately")
        self.assertEqual(mv.Client().get(link).status, 200)
        j = U.details(self.c, k)
        self.assertEqual(j["status"], "Angelegt")
        self.assertEqual(j["gruppen"], ["Beihilfe", "Mitglieder/Recht"])
        self.assertEqual(j["rechte"], ["postfach", "anspruchsberechtigte", "kontaktdaten"])
        self.assertEqual((j["vorname"], j["name"], j["email"], j["mitglied"]),
                         ("Jörg", name, mail, self.admin.org.line))

    def test_create_json(self):
        mail = U.email()
        r = self.c.post("/sachbearbeiter/neu", U.form("Paula", f"Json{mv.uid()}", mail, ["Geschäftsleitung"]),
                        json=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(set(j), {"ok", "next", "nutzerkennung", "csrf"})
        self.assertIs(j["ok"], True)
        self.assertRegex(j["nutzerkennung"], "^%s$" % U.KENNUNG_RE)
        self.assertEqual(j["next"], f"/sachbearbeiter/{j['nutzerkennung']}?angelegt=1")
        self.assertEqual(U.details(self.c, j["nutzerkennung"])["gruppen"], ["Geschäftsleitung"])
        mv.wait_mail(mail, mv.SUBJ_SETPW)

    def test_group_names_and_slugs(self):
        s = U.create(self.c, gruppen=["beamtenversorgung", "GESCHÄFTSLEITUNG", "Administration", "finanzierung",
                                      "Beihilfe", "Mitglieder/Recht"])
        self.assertEqual(U.details(self.c, s.kennung)["gruppen"], U.GROUPS)

    def test_kennungen_unique_and_unpredictable(self):
        ks = [U.create(self.c, vorname="Zufall").kennung for _ in range(6)]
        for k in ks:
            self.assertRegex(k, "^%s$" % U.KENNUNG_RE)
        self.assertEqual(len(set(ks)), len(ks))
        tails = [k[5:] for k in ks]
        for i in range(len(tails)):
            for j in range(i + 1, len(tails)):
                same = sum(a == b for a, b in zip(tails[i], tails[j]))
                self.assertLess(same, 7, f"{ks[i]} and {ks[j]} look related")
        self.assertTrue(any(ch.isalpha() for t in tails for ch in t), "letters A-Z are used, not a counter")
        nums = sorted(int(t, 36) for t in tails)
        steps = {b - a for a, b in zip(nums, nums[1:])}
        self.assertGreater(min(steps), 1000, "not consecutive")

    def _refused(self, fields, expect, keep=True):
        """Posts fields (HTML and JSON); expects 422 with exactly `expect` as errors and nothing created."""
        mail = (dict(fields).get("email") or "").strip()
        before = U.listing(self.c)["gesamt"]
        mails_before = len(mv.mails(mail)) if "@" in mail else 0
        r = self.c.post("/sachbearbeiter/neu", fields, json=True)
        self.assertEqual(r.status, 422, (fields, r))
        self.assertEqual(errors(r), expect, fields)
        r = self.c.post("/sachbearbeiter/neu", fields)
        self.assertEqual(r.status, 422, (fields, r))
        for field, msg in expect.items():
            self.assertEqual(r.field_error(field), msg, (field, fields))
            self.assertIn(msg, r.summary_errors())
        if keep:
            d = dict(fields)
            for f in ("vorname", "name", "email"):
                v = (d.get(f) or "").strip()
                if "\r" not in v and "\n" not in v:
                    self.assertIn(f'name="{f}" type="{"email" if f == "email" else "text"}" value="%s"'
                                  % htmllib.escape(v), r.text, f)
            for g in [v for k, v in fields if k == "gruppe" and v in U.GROUPS]:
                self.assertRegex(r.text, r'name="gruppe" value="%s" checked' % re.escape(htmllib.escape(g)))
            for k in [v for k, v in fields if k == "recht" and v in U.RIGHTS]:
                self.assertIn(f'name="recht" value="{k}" checked', r.text)
            terms = d.get("nutzungsbedingungen") == "1"
            self.assertEqual('name="nutzungsbedingungen" value="1" required aria-required="true" checked' in r.text,
                             terms)
        self.assertEqual(U.listing(self.c)["gesamt"], before, "nothing created")
        if "@" in mail:
            self.assertEqual(len(mv.mails(mail)), mails_before, "no mail")

    def test_refused_fields(self):
        def f(**kw):
            base = dict(vorname="Ines", name=f"Fehler{mv.uid()}", mail=U.email(), gruppen=["Beihilfe", "Finanzierung"],
                        rechte=["anspruchsberechtigte"], terms=True)
            base.update(kw)
            return U.form(base["vorname"], base["name"], base["mail"], base["gruppen"], base["rechte"],
                          base["terms"])

        cases = [
            (f(vorname=""), {"vorname": U.MSG["vorname_missing"]}),
            (f(vorname="   "), {"vorname": U.MSG["vorname_missing"]}),
            (f(name=""), {"name": U.MSG["name_missing"]}),
            (f(mail=""), {"email": U.MSG["email_missing"]}),
            (f(mail="keine-adresse"), {"email": U.MSG["email_bad"]}),
            (f(mail="a@localhost"), {"email": U.MSG["email_bad"]}),
            (f(mail="a b@example.org"), {"email": U.MSG["email_bad"]}),
            (f(mail="a@b@example.org"), {"email": U.MSG["email_bad"]}),
            (f(mail="<x@example.org>"), {"email": U.MSG["email_bad"]}),
            (f(gruppen=[]), {"gruppe": U.MSG["gruppe_missing"]}),
            (f(gruppen=["Beihilfe", "Rente"]), {"gruppe": U.MSG["gruppe_unknown"]}),
            (f(gruppen=["Rente"]), {"gruppe": U.MSG["gruppe_unknown"]}),
            (f(rechte=["anspruchsberechtigte", "admin"]), {"recht": U.MSG["recht_unknown"]}),
            (f(rechte=["Kontaktdaten"]), {"recht": U.MSG["recht_unknown"]}),
            (f(rechte=["kontaktdaten"]), {"recht": U.requires_msg("kontaktdaten")}),
            (f(rechte=["formulare"]), {"recht": U.requires_msg("formulare")}),
            (f(rechte=["postfach", "formulare", "kontaktdaten"]), {"recht": U.requires_msg("kontaktdaten")}),
            (f(terms=False), {"nutzungsbedingungen": U.MSG["terms"]}),
            (f(terms=False) + [("nutzungsbedingungen", "ja")], {"nutzungsbedingungen": U.MSG["terms"]}),
            (f(terms=False) + [("nutzungsbedingungen", "0")], {"nutzungsbedingungen": U.MSG["terms"]}),
            ([("vorname", ""), ("name", ""), ("email", "")],
             {"vorname": U.MSG["vorname_missing"], "name": U.MSG["name_missing"], "email": U.MSG["email_missing"],
              "gruppe": U.MSG["gruppe_missing"], "nutzungsbedingungen": U.MSG["terms"]}),
            ([], {"vorname": U.MSG["vorname_missing"], "name": U.MSG["name_missing"],
                  "email": U.MSG["email_missing"], "gruppe": U.MSG["gruppe_missing"],
                  "nutzungsbedingungen": U.MSG["terms"]}),
        ]
        for fields, expect in cases:
            with U.case(fields=fields):
                self._refused(fields, expect)

    def test_duplicate_email_in_org_refused_other_org_allowed(self):
        mail = U.email()
        U.create(self.c, mail=mail)
        mv.wait_mail(mail, mv.SUBJ_SETPW)
        for variant in (mail, mail.upper(), "  " + mail + " "):
            with U.case(variant=variant):
                self._refused(U.form("Zweit", f"Doppelt{mv.uid()}", variant), {"email": U.DUP_EMAIL})
        self.assertEqual(len(mv.mails(mail)), 1)
        # the administrator's own address is allowed for a Sachbearbeiter account (handbook §3 Hinweis: an
        # administrator who works with the portal creates an own Nutzerkonto)
        own = U.create(self.c, mail=self.admin.email)
        self.assertEqual(U.details(self.c, own.kennung)["email"], self.admin.email)
        other, oc = U.admin_session()
        s = U.create(oc, mail=mail)
        self.assertEqual(U.details(oc, s.kennung)["email"], mail)
        mv.wait_mail(mail, mv.SUBJ_SETPW)

    def test_mass_assignment_ignored(self):
        other = mv.new_org()
        pw = mv.new_password()
        extra = [("org", other.pnr), ("org_id", "1"), ("mitglied", other.pnr), ("rolle", "X"), ("status", "aktiv"),
                 ("passwort", pw), ("nutzerkennung", "S201-AAAAAAAAAAAA"), ("kennung", "S201-AAAAAAAAAAAA"),
                 ("version", "77"), ("id", "1")]
        s = U.create(self.c, extra=extra)
        self.assertNotEqual(s.kennung, "S201-AAAAAAAAAAAA")
        j = U.details(self.c, s.kennung)
        self.assertEqual((j["status"], j["mitglied"]), ("Angelegt", self.admin.org.line))
        _, r = mv.login_password(s.kennung, pw)
        self.assertEqual(r.status, 422)
        self.assertIn(mv.LOGIN_FAILED, r.summary_errors())
        rows = mv.db(f"SELECT a.rolle, o.pnr, a.status, a.password_hash IS NULL FROM account a "
                     f"JOIN organisation o ON o.id = a.org_id WHERE a.kennung = '{s.kennung}'")
        if rows is not None:
            self.assertEqual(rows, [["S", self.admin.org.pnr, "angelegt", "1"]])


class ActivationAndLogin(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        cls.sb = U.create(cls.c, vorname="Kira", name=f"Wolke{mv.uid()}", gruppen=["Beihilfe", "Finanzierung"],
                          rechte=["anspruchsberechtigte", "formulare"])

    def test_1_activation_policy_and_login(self):
        s = self.sb
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        c = mv.Client()
        r = c.get(link)
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Passwort festlegen</h1>", r.text)
        self.assertIn(f"Nutzerkonto von Kira {htmllib.escape(s.name)}", r.text)
        for bad, msg in [("kurz1!", "Das Passwort muss zwischen 12 und 128 Zeichen lang sein."),
                         (f"Xx#1{s.kennung}", "Das Passwort darf Ihre Nutzerkennung nicht enthalten."),
                         (f"{s.name}#1aaQ", "Das Passwort darf Ihren Vor- oder Nachnamen nicht enthalten."),
                         ("Versorgung#2026", "Das Passwort darf den Namen des Portals („Versorgung“) nicht enthalten.")]:
            r = c.post(link, {"passwort": bad, "passwort_wiederholung": bad})
            self.assertEqual(r.status, 422, bad)
            self.assertEqual(r.field_error("passwort"), msg)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Angelegt")
        U.activate(s, link=link)
        self.assertEqual(mv.mails(s.email, mv.SUBJ_KENNUNG), [], "a Sachbearbeiter's ID comes from the admin")
        self.assertEqual(mv.Client().get(link).status, 410, "single use")
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")
        self.assertEqual(U.listing(self.c, f"kennung={s.kennung}")["sachbearbeiter"][0]["status"], "Aktiv")
        sc = U.login(s)
        r = sc.get("/")
        self.assertEqual(r.status, 200)
        self.assertIn(f"<h1>Guten Tag, Kira {htmllib.escape(s.name)}!</h1>", r.text)
        items = U.li_texts(r.text)
        self.assertIn("Persönliches Postfach", items)
        self.assertIn("Gruppenpostfach Beihilfe", items)
        self.assertIn("Gruppenpostfach Finanzierung", items)
        for g in ("Beamtenversorgung", "Mitglieder/Recht", "Geschäftsleitung", "Administration"):
            self.assertNotIn(f"Gruppenpostfach {g}", r.text)
        for k in ("postfach", "anspruchsberechtigte", "formulare"):
            self.assertIn(U.LABEL[k], items)
        self.assertNotIn(U.LABEL["kontaktdaten"], r.text)
        self.assertIn(f"Ihre Nutzerkennung: <strong>{s.kennung}</strong>", r.text)
        self.assertNotIn('href="/sachbearbeiter', r.text, "no admin links for a Sachbearbeiter")
        j = sc.get("/", json=True).json()
        self.assertEqual((j["rolle"], j["nutzerkennung"], j["begruessung"]),
                         ("Sachbearbeiter", s.kennung, f"Guten Tag, Kira {s.name}!"))
        type(self).sc = sc

    def test_2_sachbearbeiter_gets_403_on_admin_urls(self):
        sc = getattr(self, "sc", None) or U.login(self.sb)
        other = U.create(self.c, vorname="Opfer")
        before = U.details(self.c, other.kennung)
        count = U.listing(self.c)["gesamt"]
        for path in ["/sachbearbeiter", "/sachbearbeiter?name=a", "/sachbearbeiter/neu",
                     f"/sachbearbeiter/{other.kennung}", f"/sachbearbeiter/{self.sb.kennung}",
                     f"/sachbearbeiter/{other.kennung}/bearbeiten", "/protokoll",
                     f"/protokoll?kennung={other.kennung}", "/sachbearbeiter/S201-AAAAAAAAAAAA"]:
            r = sc.get(path)
            self.assertEqual(r.status, 403, path)
            self.assertIn(U.FORBIDDEN, r.alert_text(), path)
            self.assertNotIn(other.kennung, r.text)
            r = sc.get(path, json=True)
            self.assertEqual((r.status, errors(r)), (403, {"_": U.FORBIDDEN}), path)
        posts = [("/sachbearbeiter/neu", U.form("Neu", "Angelegt", U.email())),
                 (f"/sachbearbeiter/{other.kennung}/bearbeiten",
                  U.form("Geändert", "Geändert", U.email(), terms=False) + [("version", str(before["version"]))]),
                 (f"/sachbearbeiter/{other.kennung}/sperren", []),
                 (f"/sachbearbeiter/{other.kennung}/entsperren", []),
                 (f"/sachbearbeiter/{other.kennung}/passwort-email", []),
                 (f"/sachbearbeiter/{self.sb.kennung}/sperren", [])]
        for path, fields in posts:
            for js in (False, True):
                r = sc.post(path, fields, json=js)
                self.assertEqual(r.status, 403, path)
                if js:
                    self.assertEqual(errors(r), {"_": U.FORBIDDEN})
        after = U.details(self.c, other.kennung)
        self.assertEqual(after, before)
        self.assertEqual(U.listing(self.c)["gesamt"], count)
        self.assertEqual(U.details(self.c, self.sb.kennung)["status"], "Aktiv")
        self.assertEqual(sc.get("/").status, 200, "the Sachbearbeiter's session still works")
        mv.wait_mail(other.email, mv.SUBJ_SETPW)
        U.mail_barrier(self.c)
        self.assertEqual(len(mv.mails(other.email)), 1, "no password mail through the Sachbearbeiter")
        denied = mv.log_text(mv.APP_LOG)
        self.assertIn("event=access_denied", denied)


class DetailsAndEdit(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        cls.admin2 = mv.ready_admin(org=cls.admin.org, vorname="Alex", name="Zweitadmin")
        cls.c2 = mv.login_admin(cls.admin2)

    def test_details_json_and_html(self):
        s = U.create(self.c, vorname="Dana", gruppen=["Finanzierung", "Beihilfe"], rechte=["anspruchsberechtigte"])
        j = U.details(self.c, s.kennung)
        self.assertEqual(set(j), {"nutzerkennung", "vorname", "name", "email", "mitglied", "status",
                                  "voruebergehend_gesperrt_bis", "gruppen", "rechte", "version", "csrf"})
        self.assertEqual({k: v for k, v in j.items() if k not in ("version", "csrf")},
                         {"nutzerkennung": s.kennung, "vorname": "Dana", "name": s.name, "email": s.email,
                          "mitglied": self.admin.org.line, "status": "Angelegt", "voruebergehend_gesperrt_bis": None,
                          "gruppen": ["Beihilfe", "Finanzierung"], "rechte": ["postfach", "anspruchsberechtigte"]})
        self.assertIsInstance(j["version"], int)
        r = self.c.get(f"/sachbearbeiter/{s.kennung}")
        self.assertEqual(r.status, 200)
        t = r.text
        self.assertIn("<h1>Sachbearbeiter&shy;details</h1>", t)
        self.assertIn(f'href="/sachbearbeiter/{s.kennung}/bearbeiten">Bearbeiten</a>', t)
        self.assertIn("<dt>Vorname</dt><dd>Dana</dd>", t)
        self.assertIn(f"<dt>E-Mail-Adresse</dt><dd>{s.email}</dd>", t)
        self.assertIn(f"<dt>Nutzerkennung</dt><dd>{s.kennung}</dd>", t)
        self.assertIn(">ANGELEGT</span>", t)
        self.assertIn(f'action="/sachbearbeiter/{s.kennung}/sperren"', t)
        self.assertIn(">Benutzer sperren</button>", t)
        self.assertIn(">E-Mail für neues Passwort versenden</button>", t)
        self.assertNotIn("Benutzer entsperren", t)
        self.assertRegex(t, r'name="gruppe" value="Beihilfe" checked disabled')
        self.assertRegex(t, r'name="gruppe" value="Beamtenversorgung" disabled')
        self.assertRegex(t, r'name="recht" value="anspruchsberechtigte" checked disabled')
        # the Nutzerkennung in the URL is case-insensitive
        self.assertEqual(U.details(self.c, s.kennung.lower())["nutzerkennung"], s.kennung)

    def test_edit_saves_without_mail_and_logs_old_to_new(self):
        s = U.create(self.c, vorname="Egon", gruppen=["Beihilfe"])
        mv.wait_mail(s.email, mv.SUBJ_SETPW)
        r = self.c.get(f"/sachbearbeiter/{s.kennung}/bearbeiten")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Sachbearbeiter&shy;details ändern</h1>", r.text)
        v = re.search(r'<input type="hidden" name="version" value="(\d+)">', r.text)
        self.assertTrue(v)
        self.assertIn('name="vorname" type="text" value="Egon"', r.text)
        self.assertIn(f'name="email" type="email" value="{s.email}"', r.text)
        self.assertRegex(r.text, r'name="gruppe" value="Beihilfe" checked[ >]')
        self.assertNotIn('name="nutzungsbedingungen"', r.text)
        self.assertIn(">Speichern</button>", r.text)
        self.assertIn(f'href="/sachbearbeiter/{s.kennung}">Abbrechen</a>', r.text)
        new_mail, new_name = U.email(), f"Neuname{mv.uid()}"
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                        U.form("Egbert", new_name, new_mail, ["Beihilfe", "Administration"],
                               ["anspruchsberechtigte", "kontaktdaten"], terms=False)
                        + [("version", v.group(1)), ("status", "aktiv"), ("rolle", "X")])
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gespeichert-email"))
        p = self.c.follow(r)
        self.assertIn(U.NOTICE["gespeichert-email"], p.alert_text())
        j = U.details(self.c, s.kennung)
        self.assertEqual((j["vorname"], j["name"], j["email"], j["gruppen"], j["rechte"], j["status"]),
                         ("Egbert", new_name, new_mail, ["Beihilfe", "Administration"],
                          ["postfach", "anspruchsberechtigte", "kontaktdaten"], "Angelegt"))
        self.assertEqual(j["version"], int(v.group(1)) + 1)
        U.mail_barrier(self.c)
        self.assertEqual([m["subject"] for m in mv.mails(s.email)], [mv.SUBJ_SETPW], "no notification (§4)")
        self.assertEqual(mv.mails(new_mail), [])
        e = U.protokoll(self.c, s.kennung)
        self.assertEqual([x["ereignis"] for x in e], ["sb_updated", "sb_created"])
        self.assertEqual((e[0]["aktion"], e[0]["wer"], e[0]["betroffen"]),
                         ("Sachbearbeiterdetails geändert", self.admin.kennung, s.kennung))
        base = "persönliches Postfach und Gruppenpostfächer"  # rights by their labels since issue 11 item 16
        self.assertEqual(e[0]["aenderung"],
                         f"Vorname: Egon → Egbert; Name: {s.name} → {new_name}; E-Mail: {s.email} → {new_mail}; "
                         f"Gruppen: Beihilfe → Beihilfe, Administration; "
                         f"Rechte: {base} → {base}, {U.LABEL['anspruchsberechtigte']}, {U.LABEL['kontaktdaten']}")
        # the old e-mail address is free again in this organisation, the new one is taken
        self.assertEqual(self.c.post("/sachbearbeiter/neu", U.form("Dup", "Dup", new_mail), json=True).json()["errors"],
                         {"email": U.DUP_EMAIL})
        U.create(self.c, mail=s.email)

    def test_changed_email_kills_the_links_sent_to_the_old_address(self):
        s = U.create(self.c, vorname="Umzug")
        old_link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        r = self.c.get(f"/sachbearbeiter/{s.kennung}/bearbeiten")
        v = re.search(r'name="version" value="(\d+)"', r.text).group(1)
        new_mail = U.email()
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                        U.form(s.vorname, s.name, new_mail, s.gruppen, terms=False) + [("version", v)])
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gespeichert-email"))
        self.assertEqual(mv.Client().get(old_link).status, 410, "the link mailed to the old address is dead")
        # the administrator sends a new one; it goes to the new address and works
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=aktivierung"))
        s.email = new_mail
        mv.EMAIL_OF[s.kennung] = new_mail
        U.activate(s)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")

    def test_edit_refusals(self):
        a = U.create(self.c, vorname="Frida")
        b = U.create(self.c, vorname="Gerd")
        before = U.details(self.c, a.kennung)
        path = f"/sachbearbeiter/{a.kennung}/bearbeiten"
        ver = [("version", str(before["version"]))]
        cases = [
            (U.form("", a.name, a.email, terms=False) + ver, {"vorname": U.MSG["vorname_missing"]}),
            (U.form("Frida", "x" * 101, a.email, terms=False) + ver, {"name": U.MSG["name_bad"]}),
            (U.form("Frida", a.name, "kaputt", terms=False) + ver, {"email": U.MSG["email_bad"]}),
            (U.form("Frida", a.name, a.email, [], terms=False) + ver, {"gruppe": U.MSG["gruppe_missing"]}),
            (U.form("Frida", a.name, a.email, rechte=["formulare"], terms=False) + ver,
             {"recht": U.requires_msg("formulare")}),
            (U.form("Frida", a.name, b.email.upper(), terms=False) + ver, {"email": U.DUP_EMAIL_EDIT}),
        ]
        for fields, expect in cases:
            with U.case(expect=expect):
                r = self.c.post(path, fields, json=True)
                self.assertEqual((r.status, errors(r)), (422, expect))
                r = self.c.post(path, fields)
                self.assertEqual(r.status, 422)
                for k, m in expect.items():
                    self.assertEqual(r.field_error(k), m)
        r = self.c.post(path, cases[2][0])
        self.assertIn('name="email" type="email" value="kaputt"', r.text, "input kept")
        self.assertEqual(U.details(self.c, a.kennung), before)

    def test_concurrent_edit_conflict(self):
        s = U.create(self.c, vorname="Hanna", gruppen=["Beihilfe"])
        path = f"/sachbearbeiter/{s.kennung}/bearbeiten"
        v1 = re.search(r'name="version" value="(\d+)"', self.c.get(path).text).group(1)
        v2 = re.search(r'name="version" value="(\d+)"', self.c2.get(path).text).group(1)
        self.assertEqual(v1, v2)
        r1 = self.c.post(path, U.form("Hanna", "ErsterStand", s.email, ["Finanzierung"], terms=False)
                         + [("version", v1)])
        self.assertEqual((r1.status, r1.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gespeichert"))
        second = U.form("Henrike", "ZweiterStand", U.email(), ["Administration"], ["anspruchsberechtigte"],
                        terms=False) + [("version", v2)]
        r2 = self.c2.post(path, second)
        self.assertEqual(r2.status, 409, r2)
        self.assertIn(U.CONFLICT, r2.alert_text()[0])
        # the form shows what is stored now, with the new version
        self.assertIn('name="vorname" type="text" value="Hanna"', r2.text)
        self.assertIn('name="name" type="text" value="ErsterStand"', r2.text)
        self.assertRegex(r2.text, r'name="gruppe" value="Finanzierung" checked[ >]')
        self.assertIn(f'name="version" value="{int(v1) + 1}"', r2.text)
        r2j = self.c2.post(path, second, json=True)
        self.assertEqual((r2j.status, errors(r2j)), (409, {"_": U.CONFLICT}))
        j = U.details(self.c, s.kennung)
        self.assertEqual((j["vorname"], j["name"], j["email"], j["gruppen"], j["rechte"], j["version"]),
                         ("Hanna", "ErsterStand", s.email, ["Finanzierung"], ["postfach"], int(v1) + 1))
        self.assertEqual([e["ereignis"] for e in U.protokoll(self.c, s.kennung)], ["sb_updated", "sb_created"])
        # with the fresh version the second administrator can save
        second[-1] = ("version", str(int(v1) + 1))
        r = self.c2.post(path, second)
        self.assertEqual(r.status, 303, r)
        j = U.details(self.c, s.kennung)
        self.assertEqual((j["vorname"], j["gruppen"]), ("Henrike", ["Administration"]))
        self.assertEqual(U.protokoll(self.c, s.kennung)[0]["wer"], self.admin2.kennung)

    def test_concurrent_edit_at_the_same_moment(self):
        s = U.create(self.c, vorname="Ida")
        path = f"/sachbearbeiter/{s.kennung}/bearbeiten"
        v = str(U.details(self.c, s.kennung)["version"])
        a = mv.clone(self.c)
        b = mv.clone(self.c2)
        ra, rb = mv.concurrently(
            lambda: a.post(path, U.form("Ida", "ParallelA", s.email, terms=False) + [("version", v)]),
            lambda: b.post(path, U.form("Ida", "ParallelB", s.email, terms=False) + [("version", v)]))
        self.assertEqual(sorted([ra.status, rb.status]), [303, 409])
        winner = "ParallelA" if ra.status == 303 else "ParallelB"
        self.assertEqual(U.details(self.c, s.kennung)["name"], winner)
        self.assertEqual(len([e for e in U.protokoll(self.c, s.kennung) if e["ereignis"] == "sb_updated"]), 1)


class LockAndUnlock(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_lock_ends_session_and_unlock_restores_aktiv(self):
        s = U.activate(U.create(self.c, vorname="Lutz"))
        sc = U.login(s)
        sj = mv.clone(sc)
        self.assertEqual(sc.get("/").status, 200)
        det = self.c.get(f"/sachbearbeiter/{s.kennung}")
        self.assertIn(">AKTIV</span>", det.text)
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gesperrt"))
        p = self.c.follow(r)
        self.assertIn(U.NOTICE["gesperrt"], p.alert_text())
        self.assertIn(">GESPERRT</span>", p.text)
        self.assertIn(">Benutzer entsperren</button>", p.text)
        self.assertNotIn(">Benutzer sperren</button>", p.text)
        self.assertRegex(p.text, r'<button type="submit" class="btn secondary" disabled aria-describedby='
                                 r'"hinweis-gesperrt">E-Mail für neues Passwort versenden</button>')
        # the Sachbearbeiter's session is gone at once
        r = sc.get("/")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.location.startswith("/anmelden"), r.location)
        self.assertEqual(sj.get("/einstellungen", json=True).status, 401)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Gesperrt")
        self.assertEqual(U.listing(self.c, f"kennung={s.kennung}")["sachbearbeiter"][0]["status"], "Gesperrt")
        # login refused with the generic message, no TAN mail
        _, locked = mv.login_password(s.kennung, s.password)
        _, wrong = mv.login_password(s.kennung, mv.new_password())
        self.assertEqual(locked.status, 422)
        self.assertEqual(locked.summary_errors(), [mv.LOGIN_FAILED])
        self.assertEqual(locked.summary_errors(), wrong.summary_errors())
        # locking again changes nothing
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}"))
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=entsperrt"))
        self.assertIn(U.NOTICE["entsperrt"], self.c.follow(r).alert_text())
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}"))
        self.assertEqual(sc.get("/").status, 303, "unlocking does not revive the old session")
        self.assertEqual(U.login(s).get("/").status, 200)
        e = [(x["ereignis"], x["aenderung"], x["wer"]) for x in U.protokoll(self.c, s.kennung)
             if x["ereignis"] in ("sb_locked", "sb_unlocked")]
        self.assertEqual(e, [("sb_unlocked", "Benutzerstatus: Gesperrt → Aktiv", self.admin.kennung),
                             ("sb_locked", "Benutzerstatus: Aktiv → Gesperrt", self.admin.kennung)])

    def test_lock_json(self):
        s = U.create(self.c, vorname="Jana")
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {}, json=True)
        self.assertEqual(r.status, 200)
        self.assertEqual((r.json()["ok"], r.json()["next"]), (True, f"/sachbearbeiter/{s.kennung}?ok=gesperrt"))
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {}, json=True)
        self.assertEqual(r.json()["next"], f"/sachbearbeiter/{s.kennung}?ok=entsperrt")

    def test_unlock_restores_angelegt(self):
        s = U.create(self.c, vorname="Nora")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {}).status, 303)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Gesperrt")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {}).status, 303)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Angelegt")
        e = U.protokoll(self.c, s.kennung)
        self.assertEqual(e[0]["aenderung"], "Benutzerstatus: Gesperrt → Angelegt")
        self.assertEqual(e[1]["aenderung"], "Benutzerstatus: Angelegt → Gesperrt")
        # the lock voided the activation link (issue 11 item 4); a new one from the administrator works
        old = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        self.assertEqual(mv.Client().get(old).status, 410)
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}).status, 303)
        U.activate(s)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")

    def test_activation_link_while_locked(self):
        """A never-activated account is locked; its activation link must not leave it in a state in which,
        after the unlock, the user holds a password but cannot log in (status Angelegt with a password)."""
        s = U.create(self.c, vorname="Olaf")
        link = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {}).status, 303)
        s.password = mv.new_password()
        r = mv.set_password_via_link(mv.Client(), link, s.password)
        used = r.status == 303
        self.assertEqual(self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {}).status, 303)
        st = U.details(self.c, s.kennung)["status"]
        if used:
            # the password was set during the lock: after the unlock the account must be usable
            self.assertEqual(st, "Aktiv", "password set while locked, but unlock restored 'Angelegt'")
            _, r = mv.login_password(s.kennung, s.password)
            self.assertEqual(r.status, 303)
        else:
            self.assertEqual(st, "Angelegt")

    def test_self_lock_is_shown_and_not_lifted_by_admin(self):
        s = U.activate(U.create(self.c, vorname="Rolf"))
        for _ in range(5):
            _, r = mv.login_password(s.kennung, mv.new_password())
            self.assertEqual(r.status, 422)
        j = U.details(self.c, s.kennung)
        self.assertEqual(j["status"], "Aktiv")
        until = j["voruebergehend_gesperrt_bis"]
        self.assertRegex(until or "", r"^\d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr$")
        t = self.c.get(f"/sachbearbeiter/{s.kennung}").text
        self.assertIn('<span class="status-badge status-gesperrt">VORÜBERGEHEND GESPERRT</span> '
                      f'<span class="warning-text">bis {until}</span>', t)
        self.assertIn("Diese Sperre können Sie nicht aufheben; sie endet automatisch am", t)
        row = U.listing(self.c, f"kennung={s.kennung}")["sachbearbeiter"][0]
        self.assertEqual((row["status"], row["voruebergehend_gesperrt"]), ("Aktiv", True))
        self.assertEqual(U.html_rows(self.c.get(f"/sachbearbeiter?kennung={s.kennung}").text)[0][4],
                         "Aktiv (vorübergehend gesperrt)")
        # "entsperren" on a self-locked (not admin-locked) account: nothing happens
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}"))
        # lock + unlock by the admin does not lift the self-lock either
        self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {})
        self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {})
        j = U.details(self.c, s.kennung)
        self.assertEqual((j["status"], j["voruebergehend_gesperrt_bis"]), ("Aktiv", until))
        _, r = mv.login_password(s.kennung, s.password)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.summary_errors(), [mv.LOGIN_FAILED])
        self.assertEqual(U.details(self.c, s.kennung)["voruebergehend_gesperrt_bis"], until)
        self.assertEqual(mv.mails(s.email, mv.SUBJ_TAN), [])


class PasswordMail(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_angelegt_gets_new_activation_link_old_dies(self):
        s = U.create(self.c, vorname="Uwe")
        old = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=aktivierung"))
        self.assertIn(U.NOTICE["aktivierung"], self.c.follow(r).alert_text())
        new = mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
        self.assertNotEqual(old, new)
        r = mv.Client().get(old)
        self.assertEqual(r.status, 410)
        self.assertIn(U.SB_LINK_DEAD, r.alert_text())
        r = mv.set_password_via_link(mv.Client(), old, mv.new_password())
        self.assertEqual(r.status, 410)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Angelegt")
        U.activate(s, link=new)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")
        e = U.protokoll(self.c, s.kennung)
        self.assertIn(("sb_password_mail", "neuer Aktivierungslink", self.admin.kennung),
                      [(x["ereignis"], x["aenderung"], x["wer"]) for x in e])

    def test_aktiv_gets_reset_link(self):
        s = U.activate(U.create(self.c, vorname="Vera"))
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}, json=True)
        self.assertEqual((r.status, r.json()["next"]), (200, f"/sachbearbeiter/{s.kennung}?ok=reset"))
        self.assertIn(U.NOTICE["reset"], self.c.get(f"/sachbearbeiter/{s.kennung}?ok=reset").alert_text())
        m = mv.wait_mail(s.email, mv.SUBJ_RESET)
        link = mv.link_from(m, "/passwort-setzen")
        r = mv.Client().get(link)
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Neues Passwort festlegen</h1>", r.text)
        self.assertEqual(mv.mails(s.email, mv.SUBJ_SETPW)[1:], [], "no second activation mail")
        U.activate(s, link=link)
        self.assertEqual(U.details(self.c, s.kennung)["status"], "Aktiv")
        self.assertEqual(U.login(s).get("/").status, 200)

    def test_gesperrt_409(self):
        s = U.create(self.c, vorname="Willi")
        mv.wait_mail(s.email, mv.SUBJ_SETPW)
        self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {})
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        self.assertEqual(r.status, 409)
        self.assertIn(U.MAIL_LOCKED, r.alert_text())
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}, json=True)
        self.assertEqual((r.status, errors(r)), (409, {"_": U.MAIL_LOCKED}))
        U.mail_barrier(self.c)
        self.assertEqual(len(mv.mails(s.email)), 1)

    def test_rate_limit(self):
        s = U.create(self.c, vorname="Xaver")
        mv.wait_mail(s.email, mv.SUBJ_SETPW)
        for i in range(3):
            r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
            self.assertEqual(r.status, 303, i)
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        self.assertEqual(r.status, 429)
        self.assertIn(U.MAIL_LIMIT, r.alert_text())
        r = self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {}, json=True)
        self.assertEqual((r.status, errors(r)), (429, {"_": U.MAIL_LIMIT}))
        U.mail_barrier(self.c)
        self.assertEqual(len(mv.mails(s.email, mv.SUBJ_SETPW)), 4)
        # another Sachbearbeiter is not affected
        t = U.create(self.c, vorname="Yvonne")
        self.assertEqual(self.c.post(f"/sachbearbeiter/{t.kennung}/passwort-email", {}).status, 303)


class Restrictions(mv.Case):
    """§1.7: function restrictions set with mvctl."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        cls.pnr = cls.admin.org.pnr

    def rights_offered(self):
        html = re.findall(r'name="recht" value="([a-z]+)"', self.c.get("/sachbearbeiter/neu").text)
        js = self.c.get("/sachbearbeiter/neu", json=True).json()["rechte"]
        self.assertEqual(html, js)
        return js

    def test_restrictions(self):
        full = U.create(self.c, vorname="Zora", gruppen=["Beihilfe"],
                        rechte=["anspruchsberechtigte", "kontaktdaten", "formulare"])
        U.activate(full)
        sc = U.login(full)
        self.assertIn(U.LABEL["kontaktdaten"], sc.get("/").text)
        self.assertEqual(self.rights_offered(), ["postfach"] + U.RIGHTS)

        self.assertEqual(U.restrict(self.pnr, off="kontaktdaten"), {"ausgeschaltet": ["kontaktdaten"]})
        self.assertEqual(self.rights_offered(), ["postfach", "anspruchsberechtigte", "formulare"])
        t = self.c.get("/sachbearbeiter/neu").text
        self.assertNotIn('<label for="f-recht-kontaktdaten">', t)
        self.assertIn(f'<label for="f-recht-formulare">{U.LABEL["formulare"]}</label>', t)
        fields = U.form("Rita", f"Recht{mv.uid()}", U.email(), rechte=["anspruchsberechtigte", "kontaktdaten"])
        r = self.c.post("/sachbearbeiter/neu", fields, json=True)
        self.assertEqual((r.status, errors(r)), (422, {"recht": U.unavailable_msg("kontaktdaten")}))
        r = self.c.post("/sachbearbeiter/neu", fields)
        self.assertEqual(r.field_error("recht"), U.unavailable_msg("kontaktdaten"))
        # the user who has it: no longer shown, no longer in effect
        self.assertEqual(U.details(self.c, full.kennung)["rechte"], ["postfach", "anspruchsberechtigte", "formulare"])
        t = self.c.get(f"/sachbearbeiter/{full.kennung}").text
        self.assertNotIn('<label for="f-recht-kontaktdaten">', t)
        self.assertIn('name="recht" value="formulare" checked disabled', t)
        home = sc.get("/").text
        self.assertNotIn(U.LABEL["kontaktdaten"], home)
        self.assertIn(U.LABEL["formulare"], home)
        # editing the user keeps the stored right (it comes back when switched on again)
        v = U.details(self.c, full.kennung)["version"]
        r = self.c.post(f"/sachbearbeiter/{full.kennung}/bearbeiten",
                        U.form("Zora", full.name, full.email, ["Beihilfe", "Finanzierung"],
                               ["anspruchsberechtigte", "formulare"], terms=False) + [("version", str(v))])
        self.assertEqual(r.status, 303, r)
        r = self.c.post(f"/sachbearbeiter/{full.kennung}/bearbeiten",
                        U.form("Zora", full.name, full.email, ["Beihilfe"], ["anspruchsberechtigte", "kontaktdaten"],
                               terms=False) + [("version", str(v + 1))], json=True)
        self.assertEqual((r.status, errors(r)), (422, {"recht": U.unavailable_msg("kontaktdaten")}))

        self.assertEqual(U.restrict(self.pnr, off="anspruchsberechtigte"),
                         {"ausgeschaltet": ["anspruchsberechtigte", "kontaktdaten"]})
        self.assertEqual(self.rights_offered(), ["postfach"])
        for k in U.RIGHTS:
            self.assertNotIn(U.LABEL[k], self.c.get("/sachbearbeiter/neu").text)
        for right in U.RIGHTS:
            r = self.c.post("/sachbearbeiter/neu", U.form("Rita", "Recht", U.email(), rechte=[right]), json=True)
            self.assertEqual((r.status, errors(r)), (422, {"recht": U.unavailable_msg(right)}), right)
        self.assertEqual(U.details(self.c, full.kennung)["rechte"], ["postfach"])
        home = sc.get("/").text
        for k in U.RIGHTS:
            self.assertNotIn(U.LABEL[k], home)
        ok = U.create(self.c, vorname="Ohne", rechte=["postfach"])
        self.assertEqual(U.details(self.c, ok.kennung)["rechte"], ["postfach"])

        self.assertEqual(U.restrict(self.pnr, on="anspruchsberechtigte,kontaktdaten"), {"ausgeschaltet": []})
        self.assertEqual(self.rights_offered(), ["postfach"] + U.RIGHTS)
        self.assertEqual(U.details(self.c, full.kennung)["rechte"], ["postfach"] + U.RIGHTS)
        self.assertEqual(U.details(self.c, full.kennung)["gruppen"], ["Beihilfe", "Finanzierung"])
        home = sc.get("/").text
        for k in U.RIGHTS:
            self.assertIn(U.LABEL[k], home)

        ev = [e for e in U.audit_cli(self.pnr) if e["ereignis"] == "org_restricted"]
        self.assertEqual([(e["wer"], e["betroffen"]) for e in ev], [("mvctl", self.pnr)] * 3)
        web = [e for e in U.protokoll(self.c) if e["ereignis"] == "org_restricted"]
        self.assertEqual(len(web), 3)
        self.assertEqual({e["aktion"] for e in web}, {"Funktionseinschränkungen geändert"})

    def test_restrict_cli_errors(self):
        for args in (["--off", "postfach"], ["--off", "admin"], ["--off", "kontaktdaten", "--on", "kontaktdaten"], []):
            r = mv.mvctl("--json", "org", "restrict", "--pnr", self.pnr, *args)
            self.assertNotEqual(r.rc, 0, args)
            self.assertTrue(r.err.strip(), args)
        r = mv.mvctl("--json", "org", "restrict", "--pnr", "999999999999", "--off", "kontaktdaten")
        self.assertNotEqual(r.rc, 0)


class Audit(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()

    def test_protokoll_and_cli_agree(self):
        s = U.activate(U.create(self.c, vorname="Anke", gruppen=["Beihilfe"]))
        U.login(s)
        v = U.details(self.c, s.kennung)["version"]
        self.c.post(f"/sachbearbeiter/{s.kennung}/bearbeiten",
                    U.form("Anke", s.name, s.email, ["Finanzierung"], terms=False) + [("version", str(v))])
        self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        U.activate(s, link=mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen"))
        self.c.post(f"/sachbearbeiter/{s.kennung}/sperren", {})
        self.c.post(f"/sachbearbeiter/{s.kennung}/entsperren", {})
        U.restrict(self.admin.org.pnr, off="formulare")
        U.restrict(self.admin.org.pnr, on="formulare")
        other = U.create(self.c, vorname="Bodo")

        web = [e for e in U.protokoll(self.c, s.kennung) if e["ereignis"] not in USER_OWN]
        self.assertEqual([e["ereignis"] for e in web],
                         ["sb_unlocked", "sb_locked", "sb_password_mail", "sb_updated", "sb_created"])
        for e in web:
            self.assertEqual(set(e), {"zeit_utc", "wer", "ereignis", "aktion", "betroffen", "aenderung",
                                      "wer_name", "betroffen_name"})  # names since issue 11 item 16
            self.assertEqual(e["betroffen"], s.kennung)
            self.assertRegex(e["zeit_utc"], r"^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$")
        admin_made = {"sb_unlocked", "sb_locked", "sb_password_mail", "sb_updated", "sb_created"}
        for e in web:
            if e["ereignis"] in admin_made:
                self.assertEqual(e["wer"], self.admin.kennung, e)
        created = web[-1]
        self.assertEqual(created["aktion"], "Sachbearbeiter angelegt")
        self.assertEqual(created["aenderung"],
                         f"Name: Anke {s.name}; E-Mail: {s.email}; Gruppen: Beihilfe; "
                         f"Rechte: persönliches Postfach und Gruppenpostfächer")
        self.assertEqual(web[3]["aenderung"], "Gruppen: Beihilfe → Finanzierung")
        self.assertEqual(web[2]["aenderung"], "Link zum Zurücksetzen")
        # the filter is case-insensitive and only shows that user
        self.assertEqual(U.protokoll(self.c, s.kennung.lower()), U.protokoll(self.c, s.kennung))
        self.assertEqual([e["betroffen"] for e in U.protokoll(self.c, other.kennung)], [other.kennung])
        # all entries (unfiltered) include the restriction by mvctl
        everything = U.protokoll(self.c)
        self.assertIn(("org_restricted", "mvctl", self.admin.org.pnr),
                      [(e["ereignis"], e["wer"], e["betroffen"]) for e in everything])

        cli = U.audit_cli(self.admin.org.pnr)
        for e in cli:
            self.assertEqual(set(e), {"zeit", "wer", "ereignis", "aktion", "betroffen", "aenderung"})
            self.assertRegex(e["zeit"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        mine = [(e["ereignis"], e["wer"], e["aenderung"]) for e in cli
                if e["betroffen"] == s.kennung and e["ereignis"] in web_all_events() - USER_OWN]
        self.assertEqual(mine, [(e["ereignis"], e["wer"], e["aenderung"]) for e in reversed(web)])
        restricted = [e for e in cli if e["ereignis"] == "org_restricted"]
        self.assertEqual([(e["wer"], e["betroffen"], e["aktion"]) for e in restricted],
                         [("mvctl", self.admin.org.pnr, "Funktionseinschränkungen geändert")] * 2)
        self.assertIn("formulare", restricted[0]["aenderung"])
        self.assertEqual(U.audit_cli(self.admin.org.pnr, s.kennung.lower()),
                         [e for e in U.audit_cli(self.admin.org.pnr) if e["betroffen"] == s.kennung])
        # the web log shows the same events for this organisation (the CLI also shows e.g. access denials)
        self.assertEqual({(e["ereignis"], e["betroffen"], e["wer"], e["aenderung"]) for e in cli
                          if e["ereignis"] in web_all_events()},
                         {(e["ereignis"], e["betroffen"], e["wer"], e["aenderung"]) for e in everything})
        # no secret anywhere in the log
        text = " ".join(f"{e['aenderung']} {e['betroffen']} {e['wer']}" for e in cli + everything)
        for secret in mv.SECRETS:
            if re.fullmatch(r"\d{6}", secret):
                self.assertNotRegex(text, r"(?<!\d)%s(?!\d)" % secret)
            else:
                self.assertNotIn(secret, text)
        self.assertIn(s.password, mv.SECRETS)

    def test_users_own_account_events_reach_the_org_log(self):
        """Activation, password reset and self-lock of a Sachbearbeiter are account changes of the organisation:
        /protokoll asks for them (account_activated, password_reset, account_self_locked) and mvctl audit lists
        every event of the organisation; both must show them, attributed alike and not to mvctl."""
        s = U.activate(U.create(self.c, vorname="Elke"))
        self.c.post(f"/sachbearbeiter/{s.kennung}/passwort-email", {})
        U.activate(s, link=mv.link_from(mv.wait_mail(s.email, mv.SUBJ_RESET), "/passwort-setzen"))
        for _ in range(5):
            mv.login_password(s.kennung, mv.new_password())
        self.assertIsNotNone(U.details(self.c, s.kennung)["voruebergehend_gesperrt_bis"])
        web = [(e["ereignis"], e["aktion"]) for e in U.protokoll(self.c, s.kennung) if e["ereignis"] in USER_OWN]
        self.assertEqual(web, [("account_self_locked", "Nutzerkonto vorübergehend selbst gesperrt"),
                               ("password_reset", "Passwort zurückgesetzt"),
                               ("account_activated", "Nutzerkonto aktiviert")])
        cli = [e for e in U.audit_cli(self.admin.org.pnr, s.kennung) if e["ereignis"] in USER_OWN]
        self.assertEqual([e["ereignis"] for e in cli], ["account_activated", "password_reset", "account_self_locked"])
        webwer = [e["wer"] for e in reversed(U.protokoll(self.c, s.kennung)) if e["ereignis"] in USER_OWN]
        self.assertEqual([e["wer"] for e in cli], webwer)
        self.assertNotIn("mvctl", webwer)

    def test_protokoll_html(self):
        s = U.create(self.c, vorname="Carla")
        r = self.c.get(f"/protokoll?kennung={s.kennung}")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Änderungsprotokoll</h1>", r.text)
        for h in ("Zeitpunkt", "Wer", "Aktion", "Betroffen", "Änderung"):
            self.assertIn(f'<th scope="col">{h}</th>', r.text)
        # people by name with their Nutzerkennung since issue 11 item 16
        self.assertRegex(r.text, r"<tr><td[^>]*>[\d.: ]+</td><td[^>]*>%s %s \(%s\)</td><td[^>]*>Sachbearbeiter angelegt</td>"
                         r"<td[^>]*>Carla %s \(%s\)</td>" % (self.admin.vorname, self.admin.name, self.admin.kennung,
                                                        s.name, s.kennung))
        self.assertIn(f'name="kennung" type="text" value="{s.kennung}"', r.text)
        r = self.c.get("/protokoll?kennung=S201-NICHTVORHAND")
        self.assertIn("Keine Einträge.", r.text)


USER_OWN = {"account_activated", "password_reset", "account_self_locked"}


def web_all_events():
    """Events the web change log shows (the CLI shows every event of the organisation)."""
    return {"sb_created", "sb_updated", "sb_locked", "sb_unlocked", "sb_password_mail", "org_restricted",
            "account_activated", "password_reset", "account_self_locked", "admin_added", "admin_updated",
            "group_email_changed"}


if __name__ == "__main__":
    import unittest
    unittest.main()
