"""The Kasse's portal administrator in the browser (SPEC §15 "portaladmin", handbook §1.1, §1.4, §1.7):
organisations, their administrators and Funktionseinschränkungen, the Nutzerkennung look-up, the Protokoll of
all organisations (changes and access to personal data) and the feedback/support inbox — each as form posts and
as JSON, with the same audit rows as `mvctl`. The refusal of every /kasse/ route to X, S and the other kind of K
account, CSRF and no-store are walked by test_security_checklist."""

import datetime
import re
import urllib.parse

import mv
import users_lib as U

KENNUNG_RE = r"X201-[A-Z0-9]{12}"


def sql_str(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def audit_rows(where):
    """(actor, event, target, detail) of the audit rows matching where, oldest first."""
    return [tuple(row) for row in mv.db(f"SELECT COALESCE(actor, ''), event, COALESCE(target, ''), "
                                        f"COALESCE(detail, '') FROM audit_log WHERE {where} ORDER BY id")]


def org_rows(pnr, event):
    return audit_rows(f"event = {sql_str(event)} AND org_id = (SELECT id FROM organisation WHERE pnr = {sql_str(pnr)})")


def new_org_form(name=None, bereich="Beamtenversorgung", abr="102898"):
    pnr = mv.new_pnr()
    return pnr, [("name", name or f"Ort {pnr}"), ("bereich", bereich), ("pnr", pnr), ("abr", abr)]


class Base(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pa = mv.ready_kasse("portaladmin")
        cls.kp = mv.login_kasse(cls.pa)

    def page(self, path, status=200):
        r = self.kp.get(path, json=True)
        self.assertEqual(r.status, status, r)
        return r.json()


class Organisations(Base):
    def test_create_by_form_and_json_same_audit_row_as_mvctl(self):
        self.assertEqual(self.kp.get("/kasse/organisationen/neu").status, 200)
        pnr, f = new_org_form(name="Mäuserast")
        r = self.kp.post("/kasse/organisationen/neu", f)
        self.assertEqual((r.status, r.location), (303, f"/kasse/organisationen/{pnr}"))
        r = self.kp.get(f"/kasse/organisationen/{pnr}")
        self.assertEqual(r.status, 200)
        self.assertIn(f"Mäuserast (Beamtenversorgung) (PNR: {pnr}, Abr: 102898)", r.text)
        j = self.page(f"/kasse/organisationen/{pnr}")
        self.assertEqual(j["mitglied"], f"Mäuserast (Beamtenversorgung) (PNR: {pnr}, Abr: 102898)")
        self.assertEqual((j["administratoren"], j["ausgeschaltet"]), ([], []))
        self.assertEqual(j["verfuegbar"], ["anspruchsberechtigte", "kontaktdaten", "formulare"])
        pnr2, f = new_org_form(name="Kreis Süd", bereich="Beihilfe", abr="7")
        self.kp.get("/kasse/organisationen/neu", json=True)
        r = self.kp.post("/kasse/organisationen/neu", f, json=True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual({k: v for k, v in r.json().items() if k != "csrf"},
                         {"ok": True, "next": f"/kasse/organisationen/{pnr2}",
                          "mitglied": f"Kreis Süd (Beihilfe) (PNR: {pnr2}, Abr: 7)"})
        # the page writes what mvctl writes, as the logged-in K account
        cli = mv.new_org(name="Mäuserast")
        page_row, cli_row = org_rows(pnr, "org_added"), org_rows(cli.pnr, "org_added")
        self.assertEqual(page_row, [(self.pa.kennung, "org_added", pnr, "Mäuserast")])
        self.assertEqual(len(cli_row), 1)
        self.assertTrue(cli_row[0][0].startswith("mvctl"), cli_row)
        self.assertEqual(page_row[0][1:3], ("org_added", pnr))
        self.assertEqual(page_row[0][3], cli_row[0][3])

    def test_duplicate_pnr_and_bad_input_refused(self):
        org = mv.new_org(name="Original")
        f = [("name", "Doppelt"), ("bereich", "B"), ("pnr", org.pnr), ("abr", "1")]
        self.kp.get("/kasse/organisationen/neu")
        r = self.kp.post("/kasse/organisationen/neu", f)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("pnr"), f"Eine Organisation mit der PNR {org.pnr} gibt es bereits.")
        self.assertIn('value="Doppelt"', r.text, "the input is shown again")
        r = self.kp.post("/kasse/organisationen/neu", f, json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["errors"], {"pnr": f"Eine Organisation mit der PNR {org.pnr} gibt es bereits."})
        self.assertEqual(self.page(f"/kasse/organisationen/{org.pnr}")["name"], "Original")
        pnr = mv.new_pnr()
        r = self.kp.post("/kasse/organisationen/neu", [("name", ""), ("bereich", "B"), ("pnr", "12a"), ("abr", "")],
                         json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(set(r.json()["errors"]), {"name", "pnr", "abr"})
        self.assertEqual(r.json()["errors"]["pnr"], "Die PNR besteht aus höchstens 20 Ziffern.")
        r = self.kp.post("/kasse/organisationen/neu", [("name", "N" * 201), ("bereich", "B"), ("pnr", pnr), ("abr", "1")],
                         json=True)
        self.assertEqual((r.status, r.json()["errors"]),
                         (422, {"name": "Der Name darf höchstens 200 Zeichen lang sein und keine Steuerzeichen enthalten."}))
        self.assertEqual(self.kp.get(f"/kasse/organisationen/{pnr}").status, 404)

    def test_unknown_organisation_is_404(self):
        for path in ("/kasse/organisationen/999999999999999", "/kasse/organisationen/abc",
                     "/kasse/organisationen/999999999999999/administratoren/neu",
                     "/kasse/administratoren/X201-AAAAAAAAAAAA/bearbeiten", "/kasse/administratoren/kein/bearbeiten"):
            with self.subTest(path=path):
                self.assertEqual(self.kp.get(path).status, 404)
                self.assertEqual(self.kp.get(path, json=True).status, 404)
        r = self.kp.post("/kasse/organisationen/999999999999999/einschraenkungen", [("recht", "formulare")])
        self.assertEqual(r.status, 404)
        r = self.kp.post("/kasse/organisationen/999999999999999/administratoren/neu",
                         [("vorname", "A"), ("name", "B"), ("email", "a@example.org"), ("geburtsdatum", "1980-01-01")])
        self.assertEqual(r.status, 404)

    def test_list_search_anywhere_and_paging(self):
        token = f"Q{mv.uid()}x"
        orgs = [mv.new_org(name=f"Amt {token} {i:02d}") for i in range(21)]
        j = self.page("/kasse/organisationen?suche=" + urllib.parse.quote(token[2:]))  # the middle of a word
        self.assertEqual((j["gesamt"], j["seite"], j["seiten"]), (21, 1, 2))
        self.assertEqual([o["pnr"] for o in j["organisationen"]], [o.pnr for o in orgs[:20]])
        self.assertEqual(j["organisationen"][0], {"name": orgs[0].name, "bereich": "Beamtenversorgung",
                                                  "pnr": orgs[0].pnr, "abr": orgs[0].abr, "mitglied": orgs[0].line,
                                                  "administratoren": 0})
        j = self.page("/kasse/organisationen?seite=2&suche=" + urllib.parse.quote(token.lower()))
        self.assertEqual([o["pnr"] for o in j["organisationen"]], [orgs[20].pnr])
        # PNR and Abr, anywhere
        self.assertEqual([o["pnr"] for o in self.page(f"/kasse/organisationen?suche={orgs[3].pnr[2:9]}")
                          ["organisationen"]], [orgs[3].pnr])
        self.assertIn(orgs[4].pnr, [o["pnr"] for o in self.page(f"/kasse/organisationen?suche={orgs[4].abr}")
                                    ["organisationen"]])
        r = self.kp.get("/kasse/organisationen?suche=" + urllib.parse.quote(token))
        self.assertEqual(r.status, 200)
        self.assertIn("1 - 20 von 21", r.text)
        self.assertIn(f'href="/kasse/organisationen?suche={token}&amp;seite=2"', r.text)
        self.assertIn(f'href="/kasse/organisationen/{orgs[0].pnr}"', r.text)
        r = self.kp.get("/kasse/organisationen?suche=%3Cb%3Ekein")
        self.assertIn("Keine Organisationen gefunden.", r.text)
        self.assertIn('value="&lt;b&gt;kein"', r.text)


class Restrictions(Base):
    def test_unchecked_right_is_switched_off_for_the_organisation(self):
        admin, c = U.admin_session()
        pnr = admin.org.pnr
        self.assertIn('id="f-recht-formulare"', c.get("/sachbearbeiter/neu").text)
        r = self.kp.get(f"/kasse/organisationen/{pnr}")
        for k in ("anspruchsberechtigte", "kontaktdaten", "formulare"):
            self.assertRegex(r.text, rf'<input type="checkbox" id="f-recht-{k}" name="recht" value="{k}" checked>')
        r = self.kp.post(f"/kasse/organisationen/{pnr}/einschraenkungen",
                         [("recht", "anspruchsberechtigte"), ("recht", "kontaktdaten")])
        self.assertEqual((r.status, r.location), (303, f"/kasse/organisationen/{pnr}?gespeichert=1"))
        r = self.kp.get(r.location)
        self.assertIn("Die Funktionseinschränkungen wurden gespeichert.", r.alert_text())
        self.assertIn('<input type="checkbox" id="f-recht-formulare" name="recht" value="formulare">', r.text)
        self.assertEqual(self.page(f"/kasse/organisationen/{pnr}")["ausgeschaltet"], ["formulare"])
        # the organisation sees it: the administrator's "Sachbearbeiter anlegen" no longer offers the right
        text = c.get("/sachbearbeiter/neu").text
        self.assertNotIn('id="f-recht-formulare"', text)
        self.assertIn('id="f-recht-kontaktdaten"', text)
        r = c.post("/sachbearbeiter/neu", U.form("Fina", f"Form{mv.uid()}", U.email(),
                                                  rechte=("anspruchsberechtigte", "formulare")))
        self.assertEqual(r.status, 422)
        # JSON: nothing ticked switches everything off; the same row mvctl writes
        r = self.kp.post(f"/kasse/organisationen/{pnr}/einschraenkungen", [], json=True)
        self.assertEqual((r.status, r.json()["next"]), (200, f"/kasse/organisationen/{pnr}?gespeichert=1"))
        self.assertEqual(self.page(f"/kasse/organisationen/{pnr}")["ausgeschaltet"],
                         ["anspruchsberechtigte", "kontaktdaten", "formulare"])
        self.assertNotIn('id="f-recht-kontaktdaten"', c.get("/sachbearbeiter/neu").text)
        rows = org_rows(pnr, "org_restricted")
        self.assertEqual(rows, [
            (self.pa.kennung, "org_restricted", pnr, "ausgeschaltet: formulare; eingeschaltet: anspruchsberechtigte "
                                                     "kontaktdaten "),
            (self.pa.kennung, "org_restricted", pnr, "ausgeschaltet: anspruchsberechtigte kontaktdaten formulare; "
                                                     "eingeschaltet: ")])
        other = mv.new_org()
        U.restrict(other.pnr, off="formulare", on="anspruchsberechtigte,kontaktdaten")
        U.restrict(other.pnr, off="anspruchsberechtigte,kontaktdaten,formulare")
        cli = org_rows(other.pnr, "org_restricted")
        self.assertTrue(all(row[0].startswith("mvctl") for row in cli), cli)
        self.assertEqual([(ev, d) for _, ev, _, d in cli], [(ev, d) for _, ev, _, d in rows])
        # and both show in the Protokoll as mvctl audit shows them (by their labels)
        e = self.page(f"/kasse/protokoll?pnr={pnr}&ereignis=org_restricted")["eintraege"]
        self.assertEqual([x["wer"] for x in e], [self.pa.kennung] * 2)
        self.assertEqual([x["aenderung"] for x in e],
                         [x["aenderung"] for x in reversed(U.audit_cli(other.pnr)) if x["ereignis"] == "org_restricted"])

    def test_unknown_right_refused(self):
        org = mv.new_org()
        r = self.kp.post(f"/kasse/organisationen/{org.pnr}/einschraenkungen", [("recht", "postfach")], json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(list(r.json()["errors"]), ["recht"])
        r = self.kp.post(f"/kasse/organisationen/{org.pnr}/einschraenkungen", [("recht", "alles")])
        self.assertEqual(r.status, 422)
        self.assertIn("Unbekanntes Recht", r.field_error("recht"))
        self.assertEqual(org_rows(org.pnr, "org_restricted"), [])


class Administrators(Base):
    def add(self, org, json=False, **kw):
        f = {"vorname": "Ada", "name": f"Admin{mv.uid()}", "email": f"adm{mv.uid()}@example.org",
             "geburtsdatum": "01.02.1980"}
        f.update(kw)
        self.kp.get(f"/kasse/organisationen/{org.pnr}/administratoren/neu")
        return f, self.kp.post(f"/kasse/organisationen/{org.pnr}/administratoren/neu", list(f.items()), json=json)

    def test_add_by_form_mails_the_link_and_writes_what_mvctl_writes(self):
        org = mv.new_org()
        f, r = self.add(org)
        self.assertEqual(r.status, 303, r)
        m = re.fullmatch(rf"/kasse/organisationen/{org.pnr}\?angelegt=({KENNUNG_RE})", r.location)
        self.assertTrue(m, r.location)
        kennung = m.group(1)
        r = self.kp.get(r.location)
        self.assertIn(f"Der Administrator {kennung} ({f['vorname']} {f['name']}) wurde angelegt. Die E-Mail „Passwort "
                      f"festlegen“ wurde an {f['email']} gesendet.", r.alert_text())
        admins = self.page(f"/kasse/organisationen/{org.pnr}")["administratoren"]
        self.assertEqual(admins, [{"nutzerkennung": kennung, "vorname": "Ada", "name": f["name"], "email": f["email"],
                                   "status": "Angelegt"}])
        # the administrator activates as one created by mvctl does (the birth date came as TT.MM.JJJJ)
        a = mv.Admin()
        a.org, a.kennung, a.vorname, a.name, a.email, a.geburtsdatum = org, kennung, "Ada", f["name"], f["email"], \
            "1980-02-01"
        mv.EMAIL_OF[kennung] = a.email
        mv.activate(a)
        self.assertEqual(self.page(f"/kasse/organisationen/{org.pnr}")["administratoren"][0]["status"], "Aktiv")
        cli = mv.new_admin(org=mv.new_org(), vorname="Ada", name=f["name"], email=f"cli{mv.uid()}@example.org")
        page_row = audit_rows(f"event = 'admin_added' AND target = '{kennung}'")
        cli_row = audit_rows(f"event = 'admin_added' AND target = '{cli.kennung}'")
        self.assertEqual(page_row, [(self.pa.kennung, "admin_added", kennung,
                                     f"Name: Ada {f['name']}; E-Mail: {f['email']}")])
        self.assertTrue(cli_row[0][0].startswith("mvctl"))
        self.assertEqual(cli_row[0][3], f"Name: Ada {f['name']}; E-Mail: {cli.email}")

    def test_add_by_json(self):
        org = mv.new_org()
        f, r = self.add(org, json=True, geburtsdatum="1975-12-31")
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertRegex(j["nutzerkennung"], KENNUNG_RE)
        self.assertEqual(j["next"], f"/kasse/organisationen/{org.pnr}?angelegt={j['nutzerkennung']}")
        self.assertIn("/passwort-setzen?token=", mv.wait_mail(f["email"], mv.SUBJ_SETPW)["body"])
        self.assertEqual(mv.db(f"SELECT geburtsdatum FROM account WHERE kennung = '{j['nutzerkennung']}'"),
                         [["1975-12-31"]])

    def test_bad_input_refused_nothing_written(self):
        org = mv.new_org()
        cases = [({"email": "kein-at"}, "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. "
                                                 "name@organisation.de)."),
                 ({"geburtsdatum": "31.02.1980"}, "geburtsdatum", "Bitte geben Sie das Geburtsdatum als TT.MM.JJJJ "
                                                                  "ein (z. B. 01.02.1980)."),
                 ({"geburtsdatum": ""}, "geburtsdatum", "Bitte geben Sie das Geburtsdatum ein."),
                 ({"name": "www.example.org"}, "name", "Der Name darf keine Internetadresse (wie „www.“ oder "
                                                       "„https://“) enthalten."),
                 ({"vorname": ""}, "vorname", "Bitte geben Sie den Vornamen ein.")]
        for kw, field, msg in cases:
            with self.subTest(kw=kw):
                _, r = self.add(org, **kw)
                self.assertEqual(r.status, 422)
                self.assertEqual(r.field_error(field), msg)
                _, r = self.add(org, json=True, **kw)
                self.assertEqual((r.status, r.json()["errors"]), (422, {field: msg}))
        self.assertEqual(self.page(f"/kasse/organisationen/{org.pnr}")["administratoren"], [])
        f, r = self.add(org)
        self.assertEqual(r.status, 303)
        _, r = self.add(org, json=True, email=f["email"])
        self.assertEqual((r.status, r.json()["errors"]),
                         (422, {"email": "Diese E-Mail-Adresse ist bereits einem anderen Administrator dieser "
                                         "Organisation zugeordnet."}))
        self.assertEqual(len(self.page(f"/kasse/organisationen/{org.pnr}")["administratoren"]), 1)

    def test_edit_name_and_address_tells_the_previous_address(self):
        a = mv.ready_admin(vorname="Ada", name="Altadresse")
        old, new = a.email, f"neu{mv.uid()}@example.org"
        path = f"/kasse/administratoren/{a.kennung}/bearbeiten"
        j = self.page(path)
        self.assertEqual({k: j[k] for k in ("nutzerkennung", "vorname", "name", "email", "mitglied")},
                         {"nutzerkennung": a.kennung, "vorname": "Ada", "name": "Altadresse", "email": old,
                          "mitglied": a.org.line})
        self.assertIn(f'href="{path}"', self.kp.get(f"/kasse/organisationen/{a.org.pnr}").text)
        r = self.kp.get(path)
        self.assertIn(f'value="{old}"', r.text)
        r = self.kp.post(path, [("vorname", "Ada"), ("name", "Neuname"), ("email", new)])
        self.assertEqual((r.status, r.location), (303, f"/kasse/organisationen/{a.org.pnr}?geaendert={a.kennung}"))
        self.assertIn(f"Die Daten des Administrators {a.kennung} wurden gespeichert.", self.kp.get(r.location).alert_text())
        m = mv.wait_mail(old, "Die E-Mail-Adresse Ihres Nutzerkontos wurde geändert")
        self.assertIn("Guten Tag Ada Altadresse,", m["body"])
        self.assertIn("Geändert durch: die Portal-Administratoren der Kassen", m["body"])
        rows = audit_rows(f"target = '{a.kennung}' AND event IN ('admin_updated', 'email_change_notice')")
        self.assertEqual(rows[0], (self.pa.kennung, "admin_updated", a.kennung,
                                   f"Name: Altadresse → Neuname; E-Mail: {old} → {new}; "))
        self.assertEqual([r[:2] for r in rows], [(self.pa.kennung, "admin_updated"),
                                                 (self.pa.kennung, "email_change_notice")])
        # mvctl writes the same rows
        b = mv.ready_admin(vorname="Ada", name="Altadresse")
        new_b = f"neu{mv.uid()}@example.org"
        r = mv.mvctl("admin", "update", "--kennung", b.kennung, "--name", "Neuname", "--email", new_b)
        self.assertEqual(r.rc, 0, r)
        cli = audit_rows(f"target = '{b.kennung}' AND event IN ('admin_updated', 'email_change_notice')")
        self.assertEqual([(e, d.replace(b.email, "ALT").replace(new_b, "NEU")) for _, e, _, d in cli],
                         [(e, d.replace(old, "ALT").replace(new, "NEU")) for _, e, _, d in rows])
        self.assertEqual(mv.db(f"SELECT name, email FROM account WHERE kennung = '{a.kennung}'"), [["Neuname", new]])

    def test_edit_bad_input_refused(self):
        a = mv.new_admin()
        other = mv.new_admin(org=a.org)
        path = f"/kasse/administratoren/{a.kennung}/bearbeiten"
        self.kp.get(path)
        r = self.kp.post(path, [("vorname", "A"), ("name", "B"), ("email", "kaputt@")])
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("email"), "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. "
                                                 "name@organisation.de).")
        r = self.kp.post(path, [("vorname", "https://evil.example"), ("name", "B"), ("email", a.email)], json=True)
        self.assertEqual((r.status, list(r.json()["errors"])), (422, ["vorname"]))
        r = self.kp.post(path, [("vorname", "A"), ("name", "B"), ("email", other.email)], json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(list(r.json()["errors"]), ["email"])
        self.assertEqual(mv.db(f"SELECT vorname, name, email FROM account WHERE kennung = '{a.kennung}'"),
                         [[a.vorname, a.name, a.email]])
        self.assertEqual(audit_rows(f"target = '{a.kennung}' AND event = 'admin_updated'"), [])


class Lookup(Base):
    def test_find_by_name_email_pnr_as_mvctl(self):
        name = f"Vergesslich{mv.uid()}"
        a = mv.new_admin(name=name)
        for query, args in ((f"name={name[:12]}", ["--name", name[:12]]), (f"email={a.email}", ["--email", a.email]),
                            (f"pnr={a.org.pnr}", ["--pnr", a.org.pnr])):
            with self.subTest(query=query):
                j = self.page("/kasse/nutzerkennung?" + query.replace("@", "%40"))
                cli = mv.mvctl("--json", "user", "find", *args).json()
                self.assertEqual(j["treffer"], cli)
                self.assertIn(a.kennung, [t["nutzerkennung"] for t in j["treffer"]])
                self.assertFalse(j["abgeschnitten"])
        r = self.kp.get(f"/kasse/nutzerkennung?name={name}")
        self.assertIn(a.kennung, r.text)
        self.assertIn(a.org.line, r.text)
        j = self.page("/kasse/nutzerkennung")
        self.assertEqual((j["treffer"], j["abgeschnitten"]), ([], False))
        r = self.kp.get("/kasse/nutzerkennung?pnr=12a", json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"pnr": "Die PNR besteht aus höchstens 20 Ziffern."}))

    def test_result_is_cut_and_says_so(self):
        org = U.dev_seed(55)
        j = self.page(f"/kasse/nutzerkennung?pnr={org.pnr}")
        self.assertEqual((len(j["treffer"]), j["abgeschnitten"]), (50, True))
        r = self.kp.get(f"/kasse/nutzerkennung?pnr={org.pnr}")
        self.assertIn("Es werden nur die ersten 50 Treffer angezeigt. Bitte grenzen Sie die Suche ein (z. B. mit der "
                      "PNR).", r.alert_text())


class Protokoll(Base):
    def test_filters_and_keyset_paging_newest_first(self):
        org = mv.new_org()
        for i in range(52):
            U.restrict(org.pnr, off="formulare" if i % 2 else None, on=None if i % 2 else "formulare")
        a = mv.new_admin(org=org)
        j = self.page(f"/kasse/protokoll?pnr={org.pnr}")
        self.assertEqual(j["bereich"], "aenderungen")
        e = j["eintraege"]
        self.assertEqual(len(e), 50)
        self.assertEqual((e[0]["ereignis"], e[0]["betroffen"], e[0]["pnr"]), ("admin_added", a.kennung, org.pnr))
        self.assertEqual(set(e[0]), {"id", "zeit", "wer", "ereignis", "aktion", "betroffen", "aenderung", "pnr"})
        self.assertEqual(e[0]["aktion"], "Administrator angelegt")
        ids = [x["id"] for x in e]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(j["vor"], ids[-1])
        j2 = self.page(f"/kasse/protokoll?pnr={org.pnr}&vor={j['vor']}")
        self.assertEqual([x["ereignis"] for x in j2["eintraege"]], ["org_restricted"] * 3 + ["org_added"])
        self.assertIsNone(j2["vor"])
        # as mvctl audit has them (its order is oldest first)
        cli = U.audit_cli(org.pnr)
        self.assertEqual([{k: x[k] for k in cli[0]} for x in reversed(e + j2["eintraege"])], cli)
        # person, event, period
        self.assertEqual([x["ereignis"] for x in self.page(f"/kasse/protokoll?kennung={a.kennung.lower()}")
                          ["eintraege"]], ["admin_added"])
        self.assertEqual(len(self.page(f"/kasse/protokoll?pnr={org.pnr}&ereignis=org_added")["eintraege"]), 1)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        past = (today - datetime.timedelta(days=3)).strftime("%d.%m.%Y")
        self.assertEqual(self.page(f"/kasse/protokoll?pnr={org.pnr}&bis={past}")["eintraege"], [])
        self.assertEqual(len(self.page(f"/kasse/protokoll?pnr={org.pnr}&von={past}&ereignis=org_added")["eintraege"]), 1)
        r = self.kp.get(f"/kasse/protokoll?pnr={org.pnr}")
        self.assertIn("Ältere Einträge", r.text)
        self.assertIn("Administrator angelegt", r.text)
        r = self.kp.get(f"/kasse/protokoll?pnr={org.pnr}&ereignis=org_added")
        self.assertIn(">Organisation angelegt</td>", r.text)
        self.assertIn('<option value="org_added" selected>Organisation angelegt</option>', r.text)

    def test_access_to_personal_data_is_listed(self):
        admin, c = U.admin_session()
        sb = U.activate(U.create(c, vorname="Zora", name=f"Zugriff{mv.uid()}", rechte=("anspruchsberechtigte",)))
        sc = U.login(sb)
        nr = f"Z-{mv.uid()}"[:20]
        mv.db("INSERT INTO person (org_id, nr, art, name, vorname, geburtsdatum, inhalt) SELECT id, "
              f"{sql_str(nr)}, 'aktiv', 'Person', 'Paula', '1970-01-01', RANDOM_BYTES(16) FROM organisation "
              f"WHERE pnr = {sql_str(admin.org.pnr)}")
        self.assertEqual(sc.get(f"/anspruchsberechtigte/{nr}").status, 200)
        j = self.page(f"/kasse/protokoll?bereich=zugriffe&pnr={admin.org.pnr}")
        self.assertEqual(j["bereich"], "zugriffe")
        z = j["zugriffe"]
        self.assertEqual(len(z), 1)
        self.assertEqual({k: z[0][k] for k in ("pnr", "wer", "wer_name", "nr", "aktion", "aktenzeichen")},
                         {"pnr": admin.org.pnr, "wer": sb.kennung, "wer_name": f"Zora {sb.name}", "nr": nr,
                          "aktion": "ansehen", "aktenzeichen": None})
        cli = mv.mvctl("--json", "ab", "zugriffe", "--pnr", admin.org.pnr).json()["zugriffe"]
        self.assertEqual([{k: x[k] for k in cli[0]} for x in z], cli)
        self.assertEqual(len(self.page(f"/kasse/protokoll?bereich=zugriffe&kennung={sb.kennung}")["zugriffe"]), 1)
        self.assertEqual(self.page(f"/kasse/protokoll?bereich=zugriffe&pnr={admin.org.pnr}&ereignis=aendern")
                         ["zugriffe"], [])
        r = self.kp.get(f"/kasse/protokoll?bereich=zugriffe&pnr={admin.org.pnr}")
        self.assertIn("Zugriffe auf personenbezogene Daten", r.text)
        self.assertIn(f"Zora {sb.name} ({sb.kennung})", r.text)
        self.assertIn(nr, r.text)

    def test_bad_filters_refused(self):
        for query, field in (("von=32.13.2020", "von"), ("bis=gestern", "bis"), ("pnr=999999999999998", "pnr"),
                             ("bereich=alles", "bereich"), ("bereich=zugriffe&ereignis=org_added", "ereignis"),
                             ("vor=x", "vor")):
            with self.subTest(query=query):
                r = self.kp.get("/kasse/protokoll?" + query, json=True)
                self.assertEqual((r.status, list(r.json()["errors"])), (422, [field]))
                self.assertEqual(self.kp.get("/kasse/protokoll?" + query).status, 422)


class Rueckmeldungen(Base):
    def test_feedback_and_support_newest_first_with_the_whole_text(self):
        admin, c = U.admin_session()
        long_text = "Das Formular ist gut. " * 30
        c.get("/feedback")
        r = c.post("/feedback", [("betreff", f"Lob {mv.uid()}"), ("nachricht", long_text)])
        self.assertEqual(r.status, 303, r)
        anon = mv.Client()
        anon.get("/support")
        subject = f"Hilfe {mv.uid()}"
        r = anon.post("/support", [("betreff", subject), ("nachricht", "Kurz."), ("rueckruf", "0251 1234")])
        self.assertEqual(r.status, 303, r)
        j = self.page("/kasse/rueckmeldungen")
        first, second = j["rueckmeldungen"][:2]
        self.assertEqual((first["art"], first["betreff"], first["rueckruf"], first["nutzerkennung"]),
                         ("support", subject, "0251 1234", ""))
        self.assertEqual((second["art"], second["nachricht"], second["nutzerkennung"], second["pnr"]),
                         ("feedback", long_text, admin.kennung, admin.org.pnr))
        cli = {x["id"]: x for x in mv.mvctl("--json", "feedback", "list").json()}
        self.assertEqual([cli[x["id"]] for x in (first, second)], [first, second])
        self.assertEqual([x["art"] for x in self.page("/kasse/rueckmeldungen?art=feedback")["rueckmeldungen"]][:1],
                         ["feedback"])
        r = self.kp.get("/kasse/rueckmeldungen")
        self.assertIn("<summary>Ganze Nachricht</summary>", r.text)
        self.assertIn(subject, r.text)
        self.assertIn("Rückruf: 0251 1234", r.text)
        self.assertEqual(self.kp.get("/kasse/rueckmeldungen?art=lob", json=True).status, 422)

    def test_paging(self):
        for i in range(21):
            mv.db("INSERT INTO rueckmeldung (art, betreff, nachricht, rueckruf, erstellt) VALUES "
                  f"('support', 'Seite {i}', 'x', '0251', NOW())")
        j = self.page("/kasse/rueckmeldungen?art=support")
        self.assertEqual(len(j["rueckmeldungen"]), 20)
        self.assertEqual(j["rueckmeldungen"][0]["betreff"], "Seite 20")
        j2 = self.page(f"/kasse/rueckmeldungen?art=support&vor={j['vor']}")
        self.assertEqual(j2["rueckmeldungen"][0]["betreff"], "Seite 0")
        self.assertIn("Ältere", self.kp.get("/kasse/rueckmeldungen?art=support").text)


class Roles(Base):
    def test_organisations_accounts_and_fach_are_refused(self):
        admin, c = U.admin_session()
        fach = mv.login_kasse(mv.ready_kasse("fach"))
        for who in (c, fach):
            for path in ("/kasse/organisationen", f"/kasse/organisationen/{admin.org.pnr}", "/kasse/protokoll",
                         "/kasse/nutzerkennung", "/kasse/rueckmeldungen"):
                with self.subTest(path=path):
                    self.assertEqual(who.get(path).status, 403)
        # the portal administrator's start page and navigation lead to the four areas
        r = self.kp.get("/")
        for path in ("/kasse/organisationen", "/kasse/nutzerkennung", "/kasse/protokoll", "/kasse/rueckmeldungen"):
            self.assertIn(f'href="{path}"', r.text)
