"""The Kasse's Fachbereich in the browser (SPEC §15, issue 14 item 3): the queue of the Meldungen of all
organisations (never a draft; filters; oldest waiting first or newest first; marked when the organisation
changed one since the Kasse last opened it), the Meldung with the status change through the service
`mvctl meldung status` uses (same Verlauf, mail to the group Beamtenversorgung, audit row — as the K
account), forbidden moves and bad input writing nothing, the documents in both directions, and the
read-only Anspruchsberechtigte of every organisation with the access log."""

import re
import unittest

import mv
import users_lib as U
from test_meldungen import PDF, PNG, VALID, add_person, post_form, status_mail, submit

NO_MELDUNG = "Diese Meldung gibt es nicht."
_world = None


class World:
    pass


def world():
    """Two organisations, each with a Sachbearbeiter (right formulare, group Beamtenversorgung with an
    address), an official and a pensioner; a Kasse account of the Fachbereich, logged in."""
    global _world
    if _world is None:
        w = World()
        w.orgs = []
        for i, vorname in enumerate(("Frieda", "Dora")):
            o = World()
            o.admin, o.ac = U.admin_session()
            o.org = o.admin.org
            o.sb = U.activate(U.create(o.ac, vorname=vorname, name=f"Org{i}", gruppen=("Beamtenversorgung",),
                                       rechte=("anspruchsberechtigte", "formulare", "kontaktdaten")))
            o.c = U.login(o.sb)
            o.notify = f"bv{mv.uid()}@example.org"
            r = o.ac.post("/gruppen/beamtenversorgung", {"email": o.notify})
            assert (r.status, r.location) == (303, "/gruppen"), r
            o.nr = add_person(o.org, f"K-{mv.uid()}"[:20], name=f"Kassenblick{i}", vorname="Erika")
            o.pensioner = add_person(o.org, f"P-{mv.uid()}"[:20], art="ruhestand", name=f"Ruhe{i}")
            mv.db(f"UPDATE organisation SET ab_anzahl = 2 WHERE pnr = '{o.org.pnr}'")  # as the import keeps it
            w.orgs.append(o)
        w.k = mv.ready_kasse("fach")
        w.kc = mv.login_kasse(w.k)
        _world = w
    return _world


def queue(client, query="", status=200):
    r = client.get("/kasse/meldungen" + query, json=True)
    assert r.status == status, r
    return r.json()


def azs(j):
    return [m["aktenzeichen"] for m in j["meldungen"]]


def kmeldung(client, az):
    r = client.get(f"/kasse/meldungen/{az}", json=True)
    assert r.status == 200, r
    return r.json()


def move(client, az, status, text=None, files=(), json=False):
    fields = [("status", status)] + ([("text", text)] if text is not None else [])
    return mv.post_multipart(client, f"/kasse/meldungen/{az}/status", fields,
                             [("anlage",) + tuple(f) for f in files], json=json)


def state(az):
    """Everything a move writes: status, Verlauf, documents, audit rows, access log changes."""
    return (mv.db(f"SELECT status, version, anlagen FROM meldung WHERE aktenzeichen = '{az}'"),
            mv.db(f"SELECT COUNT(*) FROM meldung_verlauf v JOIN meldung m ON m.id = v.meldung_id "
                  f"WHERE m.aktenzeichen = '{az}'"),
            mv.db(f"SELECT COUNT(*) FROM meldung_anlage a JOIN meldung m ON m.id = a.meldung_id "
                  f"WHERE m.aktenzeichen = '{az}'"),
            mv.db(f"SELECT COUNT(*) FROM audit_log WHERE target = '{az}'"),
            mv.db(f"SELECT COUNT(*) FROM ab_zugriff WHERE aktenzeichen = '{az}' AND aktion = 'aendern'"),
            mv.db("SELECT COUNT(*) FROM outbox"))


class Base(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w = world()


class Queue(Base):
    def test_submitted_of_two_organisations_never_drafts(self):
        w = self.w
        a, b = w.orgs
        az_a = submit(a.c, "versorgungsauskunft", a.nr, files=())
        az_b = submit(b.c, "ernennung", b.nr)
        r = post_form(a.c, "abgang", a.nr, {"art": "tod"}, aktion="entwurf", files=(("v.pdf", PDF),))
        draft = re.search(r"/formulare/(BF[0-9-]+)", r.location).group(1)
        j = queue(w.kc, f"?pnr={a.org.pnr}&reihenfolge=neueste")
        self.assertEqual(set(j), {"meldungen", "gesamt", "gesamt_gekappt", "seite", "reihenfolge", "csrf"})
        self.assertIn(az_a, azs(j))
        self.assertNotIn(draft, azs(j))
        self.assertNotIn(az_b, azs(j))
        row = [m for m in j["meldungen"] if m["aktenzeichen"] == az_a][0]
        self.assertEqual(set(row), {"aktenzeichen", "pnr", "organisation", "formular", "nr", "person", "status",
                                    "eingereicht", "neu_von_organisation"})
        self.assertEqual((row["pnr"], row["formular"], row["nr"], row["status"], row["neu_von_organisation"]),
                         (a.org.pnr, "versorgungsauskunft", a.nr, "eingereicht", True))
        self.assertIn(az_b, azs(queue(w.kc, f"?pnr={b.org.pnr}&reihenfolge=neueste")))
        newest = azs(queue(w.kc, "?reihenfolge=neueste"))
        self.assertIn(az_a, newest)
        self.assertIn(az_b, newest)
        self.assertNotIn(draft, newest)
        self.assertNotIn(draft, azs(queue(w.kc, "?reihenfolge=neueste&formular=abgang")))
        html = w.kc.get(f"/kasse/meldungen?pnr={a.org.pnr}&reihenfolge=neueste")
        self.assertEqual(html.status, 200)
        self.assertIn(f'href="/kasse/meldungen/{az_a}"', html.text)
        self.assertNotIn(draft, html.text)
        r = w.kc.get(f"/kasse/meldungen/{draft}")
        self.assertEqual(r.status, 404, "a draft is the organisation's own")
        self.assertIn(NO_MELDUNG, r.alert_text())
        self.assertEqual(w.kc.get("/kasse/meldungen/BF201-2026-999999999").status, 404)

    def test_filters_order_and_paging(self):
        w = self.w
        a, b = w.orgs
        first = submit(a.c, "beschaeftigungsumfang", a.nr)
        second = submit(a.c, "beschaeftigungsumfang", a.nr)
        mv.db(f"UPDATE meldung SET eingereicht_am = eingereicht_am - INTERVAL 1 MINUTE WHERE aktenzeichen = '{first}'")
        j = queue(w.kc, f"?pnr={a.org.pnr}&formular=beschaeftigungsumfang&status=eingereicht")
        self.assertTrue(all(m["formular"] == "beschaeftigungsumfang" and m["status"] == "eingereicht"
                            and m["pnr"] == a.org.pnr for m in j["meldungen"]), j)
        order = azs(j)
        self.assertLess(order.index(first), order.index(second), "oldest waiting first")
        self.assertEqual(j["reihenfolge"], "aelteste")
        order = azs(queue(w.kc, f"?pnr={a.org.pnr}&formular=beschaeftigungsumfang&reihenfolge=neueste"))
        self.assertLess(order.index(second), order.index(first))
        self.assertEqual(queue(w.kc, f"?pnr={a.org.pnr}&status=erledigt&formular=beschaeftigungsumfang")["meldungen"], [])
        for query, field in (("?status=entwurf", "status"), ("?status=gibtsnicht", "status"),
                             ("?formular=gibtsnicht", "formular"), ("?pnr=00000000", "pnr"),
                             ("?reihenfolge=zufall", "reihenfolge"), ("?seite=0", "seite")):
            with U.case(query=query):
                r = w.kc.get("/kasse/meldungen" + query, json=True)
                self.assertEqual(r.status, 422)
                self.assertIn(field, r.json()["errors"])
                self.assertEqual(w.kc.get("/kasse/meldungen" + query).status, 422)
        for _ in range(21 - queue(w.kc, f"?pnr={b.org.pnr}")["gesamt"]):
            submit(b.c, "versorgungsauskunft", b.nr, files=())
        j1, j2 = queue(w.kc, f"?pnr={b.org.pnr}"), queue(w.kc, f"?pnr={b.org.pnr}&seite=2")
        self.assertEqual((len(j1["meldungen"]), j1["gesamt"], j1["gesamt_gekappt"]), (20, 21, False))
        self.assertEqual(len(j2["meldungen"]), 1)
        self.assertFalse(set(azs(j1)) & set(azs(j2)))
        self.assertIn("Nächste Seite", w.kc.get(f"/kasse/meldungen?pnr={b.org.pnr}").text)

    def test_only_the_fachbereich(self):
        w = self.w
        a = w.orgs[0]
        az = submit(a.c, "versorgungsauskunft", a.nr, files=())
        kp = mv.login_kasse(mv.ready_kasse("portaladmin"))
        for c in (kp, a.c, a.ac):
            self.assertEqual(c.get("/kasse/meldungen").status, 403)
            self.assertEqual(c.get(f"/kasse/meldungen/{az}").status, 403)
        before = state(az)
        self.assertEqual(move(a.c, az, "in_bearbeitung").status, 403)
        self.assertEqual(move(kp, az, "in_bearbeitung").status, 403)
        self.assertEqual(state(az), before)


class Status(Base):
    def test_page_move_equals_mvctl(self):
        """The same move once through the page and once through mvctl: the same Verlauf step (the page's
        names the K account), the same mail to the group Beamtenversorgung, the same audit row but for
        the actor; the Sachbearbeiter sees the new status and the Kasse's documents."""
        w = self.w
        a = w.orgs[0]
        mv.consume_all(a.notify)
        by_page = submit(a.c, "versorgungsauskunft", a.nr, files=())
        by_cli = submit(a.c, "versorgungsauskunft", a.nr, files=())
        page = kmeldung(w.kc, by_page)
        self.assertEqual(page["status_moeglich"], ["in_bearbeitung", "abgelehnt"])
        self.assertEqual(page["organisation"], {"pnr": a.org.pnr, "name": page["organisation"]["name"]})
        html = w.kc.get(f"/kasse/meldungen/{by_page}")
        self.assertIn('name="status"', html.text)
        self.assertIn(f'action="/kasse/meldungen/{by_page}/status"', html.text)
        self.assertNotIn("Zurückziehen", html.text)
        r = move(w.kc, by_page, "in_bearbeitung")
        self.assertEqual((r.status, r.location), (303, f"/kasse/meldungen/{by_page}?ok=status"))
        self.assertEqual(mv.mvctl("meldung", "status", "--az", by_cli, "--status", "in_bearbeitung").rc, 0)
        status_mail(a.notify, by_page, "in_bearbeitung")
        status_mail(a.notify, by_cli, "in_bearbeitung")
        r = move(w.kc, by_page, "erledigt", "Anbei die Auskunft.", files=(("Auskunft.pdf", PDF),), json=True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["next"], f"/kasse/meldungen/{by_page}?ok=status")
        pdf = "/tmp/" + f"kasse-{mv.uid()}.pdf"
        with open(pdf, "wb") as f:
            f.write(PDF)
        r = mv.mvctl("meldung", "status", "--az", by_cli, "--status", "erledigt", "--text", "Anbei die Auskunft.",
                     "--anhang", pdf)
        self.assertEqual(r.rc, 0, r)
        status_mail(a.notify, by_page, "erledigt")
        status_mail(a.notify, by_cli, "erledigt")

        def verlauf(az):
            return mv.db(f"SELECT v.status, v.seite, v.von, v.von_name, v.text FROM meldung_verlauf v JOIN meldung m "
                         f"ON m.id = v.meldung_id WHERE m.aktenzeichen = '{az}' ORDER BY v.id")

        vp, vc = verlauf(by_page), verlauf(by_cli)
        name = f"{w.k.vorname} {w.k.name}"
        self.assertEqual([row[:2] + row[4:] for row in vp], [row[:2] + row[4:] for row in vc])
        self.assertEqual([row[2:4] for row in vp[1:]], [[w.k.kennung, name]] * 2)
        self.assertEqual([row[2:4] for row in vc[1:]], [["NULL", "Versorgungskasse"]] * 2)

        def audit(az):
            return mv.db(f"SELECT a.actor, a.event, a.detail, o.pnr FROM audit_log a LEFT JOIN organisation o "
                         f"ON o.id = a.org_id WHERE a.target = '{az}' AND a.event = 'meldung_status' ORDER BY a.id")

        ap, ac = audit(by_page), audit(by_cli)
        self.assertEqual([row[1:] for row in ap], [row[1:] for row in ac])
        self.assertEqual([row[1:] for row in ap], [["meldung_status", "eingereicht → in_bearbeitung", a.org.pnr],
                                                   ["meldung_status", "in_bearbeitung → erledigt", a.org.pnr]])
        self.assertEqual([row[0] for row in ap], [w.k.kennung] * 2, "the page acts as the K account")
        self.assertTrue(all(row[0].startswith("mvctl") for row in ac), ac)
        # the Sachbearbeiter sees the new status, the Kasse's text and document
        m = a.c.get(f"/formulare/{by_page}", json=True).json()
        self.assertEqual(m["status"], "erledigt")
        self.assertEqual((m["verlauf"][-1]["von"], m["verlauf"][-1]["text"]), ("Versorgungskasse", "Anbei die Auskunft."))
        self.assertEqual([x["name"] for x in m["anlagen"]], ["Auskunft.pdf"])
        d = a.c.get(f"/formular-anlage/{m['anlagen'][0]['id']}")
        self.assertEqual((d.status, d.body), (200, PDF))
        # the Kasse's page shows it too, with the clerk's name, and offers no further move
        k = kmeldung(w.kc, by_page)
        self.assertEqual((k["status"], k["status_moeglich"], k["verlauf"][-1]["von"]), ("erledigt", [], name))
        self.assertIn("keine Änderung durch die Versorgungskasse möglich", w.kc.get(f"/kasse/meldungen/{by_page}").text)
        zugriff = mv.db(f"SELECT wer, aktion, org_id = {org_id(a)} FROM ab_zugriff WHERE aktenzeichen = '{by_page}' "
                        f"AND wer = '{w.k.kennung}' AND aktion = 'aendern'")
        self.assertEqual(zugriff, [[w.k.kennung, "aendern", "1"]] * 2)

    def test_forbidden_moves_and_bad_input_write_nothing(self):
        w = self.w
        a = w.orgs[0]
        az = submit(a.c, "versorgungsauskunft", a.nr, files=())
        w.kc.get(f"/kasse/meldungen/{az}")
        before = state(az)
        cases = [
            (("erledigt",), 409),                      # the graph: not from eingereicht
            (("rueckfrage", "Frage?"), 409),
            (("eingereicht",), 422),                   # never a move of the Kasse
            (("zurueckgezogen",), 422),
            (("entwurf",), 422),
            (("gibtsnicht",), 422),
            (("",), 422),
            (("abgelehnt",), 422),                     # the reason is required
            (("abgelehnt", "   "), 422),
            (("in_bearbeitung", "x" * 5001), 422),
            (("in_bearbeitung", "Steuer\x01zeichen"), 400),  # refused by the input parser already
        ]
        for args, status in cases:
            with U.case(args=args[:1]):
                r = move(w.kc, az, *args)
                self.assertEqual(r.status, status, r)
                if status == 409:
                    self.assertIn("kann die Meldung nicht in den Status", " ".join(r.alert_text()))
        r = move(w.kc, az, "abgelehnt", json=True)
        self.assertEqual(set(r.json()["errors"]), {"text"})
        r = move(w.kc, az, "in_bearbeitung", files=(("bild.pdf", PNG),), json=True)
        self.assertEqual((r.status, set(r.json()["errors"])), (422, {"anlage"}))
        r = move(w.kc, az, "in_bearbeitung", files=(("bild.pdf", PNG),))
        self.assertIn("kein PDF-Dokument", r.field_error("anlage"))
        r = w.kc.post(f"/kasse/meldungen/{az}/status", {"status": "in_bearbeitung"}, csrf=False)
        self.assertEqual(r.status, 403, "CSRF")
        self.assertEqual(state(az), before, "nothing written")
        self.assertEqual(move(w.kc, "BF201-2026-999999999", "in_bearbeitung").status, 404)
        # a stale page: the organisation withdrew it meanwhile
        self.assertEqual(a.c.post(f"/formulare/{az}/zurueckziehen").status, 303)
        before = state(az)
        r = move(w.kc, az, "in_bearbeitung")
        self.assertEqual(r.status, 409)
        self.assertEqual(state(az), before)

    def test_changed_by_the_organisation_is_marked(self):
        w = self.w
        a = w.orgs[0]
        az = submit(a.c, "versorgungsauskunft", a.nr, files=())

        def neu():
            j = queue(w.kc, f"?pnr={a.org.pnr}&reihenfolge=neueste&formular=versorgungsauskunft")
            return [m for m in j["meldungen"] if m["aktenzeichen"] == az][0]["neu_von_organisation"]

        self.assertTrue(neu(), "new in the queue")
        kmeldung(w.kc, az)
        self.assertFalse(neu(), "opened by the Kasse")
        self.assertEqual(move(w.kc, az, "in_bearbeitung").status, 303)
        self.assertEqual(move(w.kc, az, "rueckfrage", "Stichtag?").status, 303)
        self.assertFalse(neu(), "the Kasse's own moves are no news")
        mv.db(f"UPDATE meldung SET kasse_geoeffnet_am = kasse_geoeffnet_am - INTERVAL 2 SECOND, "
              f"status_kasse_am = status_kasse_am - INTERVAL 2 SECOND, geaendert_am = geaendert_am - INTERVAL 2 SECOND "
              f"WHERE aktenzeichen = '{az}'")
        r = a.c.post(f"/formulare/{az}/antwort", {"text": "Der 1. Juli."})
        self.assertEqual(r.status, 303, r)
        self.assertTrue(neu(), "answered by the organisation")
        self.assertIn("Neu von der Organisation", w.kc.get(f"/kasse/meldungen?pnr={a.org.pnr}&reihenfolge=neueste").text)
        kmeldung(w.kc, az)
        self.assertFalse(neu())


def org_id(o):
    return mv.db(f"SELECT id FROM organisation WHERE pnr = '{o.org.pnr}'")[0][0]


class Documents(Base):
    def test_downloads_of_the_organisations_documents(self):
        w = self.w
        a, b = w.orgs
        az = submit(b.c, "ernennung", b.nr, files=(("Urkunde.pdf", PDF),))
        m = kmeldung(w.kc, az)
        self.assertEqual([x["name"] for x in m["anlagen"]], ["Urkunde.pdf"])
        doc = m["anlagen"][0]["id"]
        self.assertIn(f'href="/kasse/meldung-anlage/{doc}"', w.kc.get(f"/kasse/meldungen/{az}").text)
        before = mv.db(f"SELECT COUNT(*) FROM ab_zugriff WHERE wer = '{w.k.kennung}' AND aktenzeichen = '{az}'")[0][0]
        d = w.kc.get(f"/kasse/meldung-anlage/{doc}")
        self.assertEqual((d.status, d.header("Content-Type"), d.body), (200, "application/pdf", PDF))
        self.assertIn("attachment", d.header("Content-Disposition"))
        self.assertIn("no-store", d.header("Cache-Control"))
        after = mv.db(f"SELECT COUNT(*), MIN(org_id) FROM ab_zugriff WHERE wer = '{w.k.kennung}' "
                      f"AND aktenzeichen = '{az}'")[0]
        self.assertEqual((int(after[0]), after[1]), (int(before) + 1, org_id(b)))
        r = post_form(a.c, "abgang", a.nr, {"art": "tod"}, aktion="entwurf", files=(("geheim.pdf", PDF),))
        draft = re.search(r"/formulare/(BF[0-9-]+)", r.location).group(1)
        draft_doc = a.c.get(f"/formulare/{draft}", json=True).json()["anlagen"][0]["id"]
        for bad in (str(draft_doc), "0", "abc", "99999999999"):
            with U.case(doc=bad):
                r = w.kc.get(f"/kasse/meldung-anlage/{bad}")
                self.assertEqual(r.status, 404)
                self.assertNotEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(a.c.get(f"/kasse/meldung-anlage/{doc}").status, 403)


class Anspruchsberechtigte(Base):
    def test_persons_of_any_organisation_read_only_and_logged(self):
        w = self.w
        for o in w.orgs:
            with U.case(pnr=o.org.pnr):
                j = w.kc.get(f"/kasse/anspruchsberechtigte?pnr={o.org.pnr}", json=True).json()
                self.assertEqual(j["organisation"]["pnr"], o.org.pnr)
                self.assertEqual({t["nr"] for t in j["treffer"]}, {o.nr, o.pensioner})
                html = w.kc.get(f"/kasse/anspruchsberechtigte?pnr={o.org.pnr}").text
                self.assertIn(f'href="/kasse/anspruchsberechtigte/{o.org.pnr}:{o.nr}"', html)
                j = w.kc.get(f"/kasse/anspruchsberechtigte?pnr={o.org.pnr}&nr={o.nr[2:].lower()}", json=True).json()
                self.assertEqual([t["nr"] for t in j["treffer"]], [o.nr])
                before = mv.db(f"SELECT COUNT(*) FROM ab_zugriff WHERE wer = '{w.k.kennung}' AND person_nr = '{o.nr}' "
                               f"AND org_id = {org_id(o)} AND aktion = 'ansehen'")[0][0]
                r = w.kc.get(f"/kasse/anspruchsberechtigte/{o.org.pnr}:{o.nr}")
                self.assertEqual(r.status, 200)
                for section in ("Stammdaten", "Anschrift und Kontakt", "Dienstverhältnis", "Lebenslauf", "Änderungen"):
                    self.assertIn(f">{section}</h2>", r.text)
                self.assertNotIn("Kontaktdaten ändern", r.text)
                self.assertNotIn("/kontaktdaten", r.text)
                self.assertNotIn('href="/formulare', r.text)
                self.assertNotIn('href="/anspruchsberechtigte', r.text)
                self.assertNotIn("<form method=\"post\"", r.text.split("</header>")[-1].split("<footer")[0])
                j = w.kc.get(f"/kasse/anspruchsberechtigte/{o.org.pnr}:{o.nr}", json=True).json()
                self.assertEqual((j["nr"], j["organisation"]["pnr"]), (o.nr, o.org.pnr))
                after = mv.db(f"SELECT COUNT(*) FROM ab_zugriff WHERE wer = '{w.k.kennung}' AND person_nr = '{o.nr}' "
                              f"AND org_id = {org_id(o)} AND aktion = 'ansehen'")[0][0]
                self.assertEqual(int(after), int(before) + 2, "every view by the K account is logged")
                name = mv.db(f"SELECT DISTINCT wer_name FROM ab_zugriff WHERE wer = '{w.k.kennung}'")
                self.assertEqual(name, [[f"{w.k.vorname} {w.k.name}"]])
                r = w.kc.get(f"/kasse/anspruchsberechtigte/{o.org.pnr}:{o.pensioner}", json=True)
                self.assertEqual((r.status, r.json()["art"]), (200, "ruhestand"))

    def test_person_keys_and_refusals(self):
        w = self.w
        a, b = w.orgs
        for key in (f"{b.org.pnr}:{a.nr}", f"{a.org.pnr}:", f":{a.nr}", a.nr, f"00000000:{a.nr}",
                    f"{a.org.pnr}:{a.nr.lower()}", f"{a.org.pnr}:{a.nr}:x"):
            with U.case(key=key):
                r = w.kc.get(f"/kasse/anspruchsberechtigte/{key}")
                self.assertEqual(r.status, 404)
                self.assertIn("Die Person wurde nicht gefunden.", r.alert_text())
        r = w.kc.get("/kasse/anspruchsberechtigte", json=True)
        self.assertEqual((r.status, r.json()["organisation"], r.json()["treffer"]), (200, None, []))
        self.assertIn("Bitte geben Sie die PNR der Organisation an.", w.kc.get("/kasse/anspruchsberechtigte").text)
        r = w.kc.get("/kasse/anspruchsberechtigte?pnr=00000000", json=True)
        self.assertEqual((r.status, set(r.json()["errors"])), (422, {"pnr"}))
        r = w.kc.get(f"/kasse/anspruchsberechtigte?pnr={a.org.pnr}&geburtsdatum=31.02.1970", json=True)
        self.assertEqual((r.status, set(r.json()["errors"])), (422, {"geburtsdatum"}))
        # the organisations' own pages stay theirs
        self.assertEqual(w.kc.get(f"/anspruchsberechtigte/{a.nr}").status, 403)
        self.assertEqual(w.kc.get(f"/anspruchsberechtigte/{a.nr}/kontaktdaten").status, 403)
        w.kc.get("/")
        r = w.kc.post(f"/anspruchsberechtigte/{a.nr}/kontaktdaten", {"email": "x@example.org", "version": "1"})
        self.assertEqual(r.status, 403)
        self.assertEqual(a.c.get(f"/kasse/anspruchsberechtigte/{a.org.pnr}:{a.nr}").status, 403)
        kp = mv.login_kasse(mv.ready_kasse("portaladmin"))
        self.assertEqual(kp.get(f"/kasse/anspruchsberechtigte/{a.org.pnr}:{a.nr}").status, 403)
        self.assertEqual(kp.get("/kasse/anspruchsberechtigte").status, 403)


if __name__ == "__main__":
    unittest.main()
