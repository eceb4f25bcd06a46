"""The fund clerk's messages (SPEC §15 /kasse/nachrichten, issue 14 item 3): one inbox of everything the
organisations sent, across organisations, newest first, with filters (pnr, gruppe, ungelesen, period) and
paging; read state for the fund (sql/018); a message with its documents (/kasse/anhang/{id}); "Antworten" into
the same mailbox; "Neue Nachricht" to a group or a personal mailbox with documents — through the same service as
`mvctl message send`: the same checks, the same notification, the same audit row."""

import os
import re
import tempfile
import time

import mv
import users_lib as U

KASSE = "Kommunale Versorgungskassen Westfalen-Lippe"
SUBJ_NEW = "meineversorgung.org | Neue Nachricht im Portal Meine Versorgung"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
HTML_DOC = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n"


class World:
    """Organisation 1: administrator (ac), Alma (Beihilfe, Finanzierung; ca) and Bert (Beihilfe; cb), the group
    Beihilfe with a notification address. Organisation 2: Dora (Beihilfe; cd). A fund clerk (kf, HTML) and the
    same clerk as JSON (kj)."""


_w = None


def world():
    global _w
    if _w is None:
        w = World()
        w.admin, w.ac = U.admin_session()
        w.org = w.admin.org
        w.a = U.activate(U.create(w.ac, vorname="Alma", name=f"Apfel{mv.uid()}", gruppen=("Beihilfe", "Finanzierung")))
        w.b = U.activate(U.create(w.ac, vorname="Bert", name=f"Birne{mv.uid()}", gruppen=("Beihilfe",)))
        w.ca, w.cb = U.login(w.a), U.login(w.b)
        w.group_addr = f"beihilfe{mv.uid()}@example.org"
        r = w.ac.post("/gruppen/beihilfe", {"email": w.group_addr})
        assert (r.status, r.location) == (303, "/gruppen"), r
        w.admin2, w.ac2 = U.admin_session()
        w.org2 = w.admin2.org
        w.d = U.activate(U.create(w.ac2, vorname="Dora", name=f"Dattel{mv.uid()}", gruppen=("Beihilfe",)))
        w.cd = U.login(w.d)
        w.k = mv.ready_kasse("fach")
        w.kf = mv.login_kasse(w.k)
        _w = w
    return _w


def sb_send(client, box, betreff, files=()):
    """A Sachbearbeiter's message to the Kasse (JSON); returns its id."""
    r = mv.post_multipart(client, f"/postfach/{box}/neu", [("betreff", betreff), ("nachricht", "Text an die Kasse")],
                          [("anhang",) + tuple(f) for f in files], json=True)
    assert r.status == 200, r
    return r.json()["id"]


def inbox(client, query=""):
    r = client.get("/kasse/nachrichten" + (f"?{query}" if query else ""), json=True)
    assert r.status == 200, r
    return r.json()


def ids(j):
    return [m["id"] for m in j["nachrichten"]]


def kasse_compose(client, fields, files=(), json=True):
    return mv.post_multipart(client, "/kasse/nachrichten/neu", fields, [("anhang",) + tuple(f) for f in files],
                             json=json)


def message_rows():
    return int(mv.db("SELECT COUNT(*) FROM nachricht")[0][0])


def audit_rows(org_id_sql, event="message_from_kasse"):
    return mv.db(f"SELECT actor, event, target, detail FROM audit_log WHERE event = '{event}' AND org_id = "
                 f"({org_id_sql}) ORDER BY id")


def org_sql(org):
    return f"SELECT id FROM organisation WHERE pnr = '{org.pnr}'"


def sb_message(client, mid):
    r = client.get(f"/nachricht/{mid}", json=True)
    assert r.status == 200, r
    return r.json()


class Inbox(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w = w = world()
        cls.m_group = sb_send(w.ca, "beihilfe", f"Gruppe {mv.uid()}", [("Antrag.pdf", PDF)])
        cls.m_personal = sb_send(w.cb, "persoenlich", f"Persönlich {mv.uid()}")
        cls.m_other = sb_send(w.cd, "beihilfe", f"Andere {mv.uid()}")

    def test_a_message_to_the_kasse_appears_with_organisation_and_mailbox(self):
        w = self.w
        j = inbox(w.kf, "pro_seite=100")
        got = {m["id"]: m for m in j["nachrichten"]}
        g = got[self.m_group]
        self.assertEqual((g["organisation"], g["pnr"], g["postfach"], g["postfach_name"], g["absender"], g["anhaenge"],
                          g["ungelesen"]),
                         (w.org.name, w.org.pnr, "beihilfe", "Beihilfe", f"Alma {w.a.name}", 1, True))
        p = got[self.m_personal]
        self.assertEqual((p["postfach"], p["postfach_name"], p["absender"], p["anhaenge"]),
                         ("persoenlich", f"Persönlich (Bert {w.b.name})", f"Bert {w.b.name}", 0))
        self.assertEqual(got[self.m_other]["pnr"], w.org2.pnr)
        self.assertEqual(ids(j), sorted(ids(j), reverse=True), "newest first")
        self.assertEqual(set(j), {"nachrichten", "gesamt", "gesamt_gekappt", "seite", "pro_seite", "csrf"})
        h = w.kf.get("/kasse/nachrichten?pro_seite=100")
        self.assertEqual(h.status, 200, h)
        self.assertIn(f'href="/kasse/nachrichten/{self.m_group}"', h.text)
        self.assertIn(f"{w.org.name} (PNR: {w.org.pnr})", h.text)
        self.assertIn("1 Dokument", h.text)
        # what the Kasse sends is not in its inbox
        kid = mv.mvctl("--json", "message", "send", "--pnr", w.org.pnr, "--gruppe", "beihilfe", "--betreff", "Von uns",
                       "--text", "T").json()["id"]
        self.assertNotIn(kid, ids(inbox(w.kf, f"pnr={w.org.pnr}&pro_seite=100")))

    def test_filters(self):
        w = self.w
        j = inbox(w.kf, f"pnr={w.org.pnr}&pro_seite=100")
        self.assertIn(self.m_group, ids(j))
        self.assertIn(self.m_personal, ids(j))
        self.assertNotIn(self.m_other, ids(j))
        self.assertEqual({m["pnr"] for m in j["nachrichten"]}, {w.org.pnr})
        j = inbox(w.kf, "gruppe=persoenlich&pro_seite=100")
        self.assertIn(self.m_personal, ids(j))
        self.assertNotIn(self.m_group, ids(j))
        self.assertEqual({m["postfach"] for m in j["nachrichten"]}, {"persoenlich"})
        j = inbox(w.kf, f"pnr={w.org.pnr}&gruppe=beihilfe&pro_seite=100")
        self.assertIn(self.m_group, ids(j))
        self.assertNotIn(self.m_personal, ids(j))
        self.assertNotIn(self.m_other, ids(j))
        j = inbox(w.kf, "gruppe=beihilfe&pro_seite=100")
        self.assertTrue({self.m_group, self.m_other} <= set(ids(j)))
        # ungelesen: one opened leaves the unread list, across organisations and per organisation
        self.assertIn(self.m_other, ids(inbox(w.kf, "ungelesen=1&pro_seite=100")))
        self.assertEqual(w.kf.get(f"/kasse/nachrichten/{self.m_other}", json=True).status, 200)
        self.assertNotIn(self.m_other, ids(inbox(w.kf, "ungelesen=1&pro_seite=100")))
        self.assertNotIn(self.m_other, ids(inbox(w.kf, f"ungelesen=1&pnr={w.org2.pnr}")))
        self.assertIn(self.m_other, ids(inbox(w.kf, f"pnr={w.org2.pnr}")))
        # period (stored UTC; the day's end included)
        old = sb_send(w.ca, "finanzierung", "Alt")
        mv.db(f"UPDATE nachricht SET erstellt = '2020-01-15 10:00:00' WHERE id = {old}")
        j = inbox(w.kf, "von=01.01.2020&bis=15.01.2020")
        self.assertEqual(ids(j), [old])
        self.assertEqual(j["nachrichten"][0]["eingang"], "15.01.2020 11:00")
        self.assertEqual(ids(inbox(w.kf, "von=2020-01-16&bis=2020-01-31")), [])
        self.assertNotIn(old, ids(inbox(w.kf, "von=01.02.2020&pro_seite=100")))

    def test_bad_filters_get_german_errors(self):
        w = self.w
        cases = [("pnr=1", "pnr", "Es gibt keine Organisation mit der PNR „1“."),
                 ("pnr=abc", "pnr", "Die PNR besteht nur aus Ziffern."),
                 ("gruppe=nix", "gruppe", "Bitte wählen Sie ein Postfach aus der Liste."),
                 ("von=31.02.2026", "von", "Bitte geben Sie ein Datum im Format TT.MM.JJJJ ein."),
                 ("von=02.02.2026&bis=01.02.2026", "bis", "Das Ende des Zeitraums liegt vor seinem Anfang.")]
        for q, field, msg in cases:
            with self.subTest(q=q):
                r = w.kf.get(f"/kasse/nachrichten?{q}", json=True)
                self.assertEqual(r.status, 422, r)
                self.assertEqual(r.json()["errors"], {field: msg})
                h = w.kf.get(f"/kasse/nachrichten?{q}")
                self.assertEqual(h.status, 422, h)
                self.assertIn(msg.replace("„", "„"), h.text)

    def test_paging_counts_up_to_100(self):
        w = self.w
        j = inbox(w.kf, "pro_seite=10")
        self.assertEqual((j["seite"], j["pro_seite"], len(j["nachrichten"]) <= 10), (1, 10, True))
        self.assertLessEqual(j["gesamt"], 101)
        self.assertEqual(j["gesamt_gekappt"], j["gesamt"] == 101)
        j2 = inbox(w.kf, "pro_seite=10&seite=2")
        if j["gesamt"] > 10:
            self.assertEqual(j2["seite"], 2)
            self.assertFalse(set(ids(j)) & set(ids(j2)))


class ReadState(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w = world()

    def test_opening_marks_read_for_the_fund_and_unread_again(self):
        w = self.w
        mid = sb_send(w.ca, "finanzierung", f"Lesen {mv.uid()}", [("Beleg.png", PNG)])
        r = w.kf.request("HEAD", f"/kasse/nachrichten/{mid}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(mv.db(f"SELECT kasse_gelesen_am IS NULL FROM nachricht WHERE id = {mid}"), [["1"]])
        r = w.kf.get(f"/kasse/nachrichten/{mid}", json=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual((j["ungelesen"], j["postfach"], j["richtung"], j["absender"]),
                         (False, "finanzierung", "an_kasse", f"Alma {w.a.name}"))
        self.assertTrue(j["gelesen"].startswith(f"{w.k.vorname} {w.k.name} am "), j)
        self.assertEqual(mv.db(f"SELECT a.kennung FROM nachricht n JOIN account a ON a.id = n.kasse_gelesen_von "
                               f"WHERE n.id = {mid}"), [[w.k.kennung]])
        self.assertFalse([m for m in inbox(w.kf, f"pnr={w.org.pnr}&pro_seite=100")["nachrichten"]
                          if m["id"] == mid][0]["ungelesen"])
        # the organisation's own read state is its own
        self.assertEqual(mv.db(f"SELECT COUNT(*) FROM nachricht_gelesen WHERE nachricht_id = {mid}"), [["0"]])
        # the document for the fund
        doc = j["anhaenge"][0]
        d = w.kf.get(f"/kasse/anhang/{doc['id']}")
        self.assertEqual((d.status, d.body, d.header("Content-Type")), (200, PNG, "image/png"), d)
        self.assertIn("attachment", d.header("Content-Disposition"))
        # "Als ungelesen markieren"
        h = w.kf.get(f"/kasse/nachrichten/{mid}")
        self.assertIn("Als ungelesen markieren", h.text)
        r = w.kf.post(f"/kasse/nachrichten/{mid}/ungelesen", {})
        self.assertEqual((r.status, r.location), (303, "/kasse/nachrichten?ok=ungelesen"), r)
        self.assertIn(mid, ids(inbox(w.kf, "ungelesen=1&pro_seite=100")))
        self.assertIn("Die Nachricht ist wieder als ungelesen markiert.", w.kf.get("/kasse/nachrichten?ok=ungelesen").text)


class Sending(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w = world()

    def test_reply_lands_in_the_same_mailbox_and_notifies(self):
        w = self.w
        mid = sb_send(w.ca, "beihilfe", f"Frage {mv.uid()}")
        g = w.kf.get(f"/kasse/nachrichten/neu?antwort={mid}", json=True)
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.json()["antwort_auf"]["postfach"], "beihilfe")
        h = w.kf.get(f"/kasse/nachrichten/neu?antwort={mid}")
        self.assertIn('value="AW: Frage', h.text)
        mv.consume_all(w.group_addr)
        before = len(audit_rows(org_sql(w.org)))
        # a pnr posted with a reply changes nothing: the reply goes where the message came from
        r = kasse_compose(w.kf, [("antwort", str(mid)), ("pnr", w.org2.pnr), ("betreff", "AW: Frage"),
                                 ("nachricht", "Die Antwort")], [("Bescheid.pdf", PDF)])
        self.assertEqual(r.status, 200, r)
        rid = r.json()["id"]
        self.assertEqual(r.json()["next"], "/kasse/nachrichten?ok=gesendet")
        m = sb_message(w.cb, rid)  # Bert, a colleague in Beihilfe, sees it too
        self.assertEqual((m["postfach"], m["absender"], m["betreff"], [d["dateiname"] for d in m["anhaenge"]]),
                         ("beihilfe", KASSE, "AW: Frage", ["Bescheid.pdf"]))
        d = w.cb.get(f"/anhang/{m['anhaenge'][0]['id']}")
        self.assertEqual((d.status, d.body), (200, PDF))
        self.assertEqual(mv.db(f"SELECT antwort_auf, org_id = ({org_sql(w.org)}) FROM nachricht WHERE id = {rid}"),
                         [[str(mid), "1"]])
        mail = mv.wait_mail(w.group_addr, SUBJ_NEW)
        self.assertIn("Gruppenpostfach Beihilfe", mail["body"])
        self.assertNotIn("Die Antwort", mail["body"])
        rows = audit_rows(org_sql(w.org))
        self.assertEqual(len(rows), before + 1)
        self.assertEqual(rows[-1], [w.k.kennung, "message_from_kasse", "beihilfe", f"Nachricht {rid}, 1 Dokument(e)"])
        # a reply to a personal message goes to that person's mailbox
        pid = sb_send(w.cb, "persoenlich", "Privat")
        mv.consume_all(w.b.email)
        r = kasse_compose(w.kf, [("antwort", str(pid)), ("betreff", "AW: Privat"), ("nachricht", "Für Bert")])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sb_message(w.cb, r.json()["id"])["postfach"], "persoenlich")
        self.assertEqual(w.ca.get(f"/nachricht/{r.json()['id']}", json=True).status, 404)
        self.assertIn("Persönliches Postfach", mv.wait_mail(w.b.email, SUBJ_NEW)["body"])
        self.assertEqual(audit_rows(org_sql(w.org))[-1][2], w.b.kennung)
        # no reply to what the Kasse itself sent, nor to nothing
        self.assertEqual(w.kf.get(f"/kasse/nachrichten/neu?antwort={rid}").status, 404)
        self.assertEqual(w.kf.get("/kasse/nachrichten/neu?antwort=999999999999").status, 404)

    def test_new_message_to_a_group_and_a_person(self):
        w = self.w
        h = w.kf.get("/kasse/nachrichten/neu")
        self.assertEqual(h.status, 200, h)
        for name in ('name="pnr"', 'name="gruppe"', 'name="kennung"', 'name="betreff"', 'name="nachricht"',
                     'name="anhang"'):
            self.assertIn(name, h.text)
        r = kasse_compose(w.kf, [("pnr", w.org.pnr), ("gruppe", "finanzierung"), ("betreff", "Rundschreiben"),
                                 ("nachricht", "Bitte beachten")], [("Rundschreiben.pdf", PDF), ("Bild.png", PNG)],
                          json=False)
        self.assertEqual((r.status, r.location), (303, "/kasse/nachrichten?ok=gesendet"), r)
        self.assertIn("Ihre Nachricht wurde an die Organisation gesendet.", w.kf.follow(r).text)
        got = [m for m in w.ca.get("/postfach/finanzierung", json=True).json()["nachrichten"]
               if m["betreff"] == "Rundschreiben"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["anhaenge"], 2)
        # personal mailbox by Nutzerkennung (typed in lower case with blanks)
        mv.consume_all(w.a.email)
        r = kasse_compose(w.kf, [("pnr", w.org.pnr), ("kennung", f"  {w.a.kennung.lower()} "), ("betreff", "Nur für Alma"),
                                 ("nachricht", "Hallo")])
        self.assertEqual(r.status, 200, r)
        m = sb_message(w.ca, r.json()["id"])
        self.assertEqual((m["postfach"], m["absender"]), ("persoenlich", KASSE))
        self.assertEqual(w.cb.get(f"/nachricht/{r.json()['id']}", json=True).status, 404)
        self.assertIn("Persönliches Postfach", mv.wait_mail(w.a.email, SUBJ_NEW)["body"])
        self.assertEqual(audit_rows(org_sql(w.org))[-1][:3], [w.k.kennung, "message_from_kasse", w.a.kennung])

    def test_bad_input_gets_german_errors_and_writes_nothing(self):
        w = self.w
        base = [("betreff", "B"), ("nachricht", "T")]
        P = w.org.pnr
        cases = [
            ([("pnr", "1"), ("gruppe", "beihilfe")] + base, (), {"pnr": "Es gibt keine Organisation mit der PNR „1“."}),
            ([("gruppe", "beihilfe")] + base, (), {"pnr": "Bitte geben Sie die PNR der Organisation ein."}),
            ([("pnr", P), ("gruppe", "beihilfe"), ("kennung", w.a.kennung)] + base, (),
             {"gruppe": "Bitte wählen Sie entweder ein Gruppenpostfach oder eine Nutzerkennung, nicht beides."}),
            ([("pnr", P)] + base, (), {"gruppe": "Bitte wählen Sie ein Gruppenpostfach oder geben Sie die Nutzerkennung "
                                                 "eines Sachbearbeiters an."}),
            ([("pnr", P), ("gruppe", "nix")] + base, (), {"gruppe": "Bitte wählen Sie ein Gruppenpostfach aus der Liste."}),
            ([("pnr", P), ("kennung", w.d.kennung)] + base, (),
             {"kennung": f"In dieser Organisation gibt es keinen Sachbearbeiter mit der Nutzerkennung „{w.d.kennung}“."}),
            ([("pnr", P), ("kennung", w.admin.kennung)] + base, (),
             {"kennung": f"In dieser Organisation gibt es keinen Sachbearbeiter mit der Nutzerkennung „{w.admin.kennung}“."}),
            ([("pnr", P), ("gruppe", "beihilfe"), ("nachricht", "T")], (), {"betreff": "Bitte geben Sie einen Betreff ein."}),
            ([("pnr", P), ("gruppe", "beihilfe"), ("betreff", "B"), ("nachricht", "   ")], (),
             {"nachricht": "Bitte geben Sie eine Nachricht ein."}),
            ([("pnr", P), ("gruppe", "beihilfe")] + base, [("boese.pdf", HTML_DOC)],
             {"anhang": "Die Datei „boese.pdf“ ist kein PDF-, PNG- oder JPEG-Dokument. Andere Dateiarten können nicht "
                        "übermittelt werden."}),
            ([("pnr", P), ("gruppe", "beihilfe")] + base, [("leer.pdf", b"")], {"anhang": "Die Datei „leer.pdf“ ist leer."}),
        ]
        n, a = message_rows(), len(audit_rows(org_sql(w.org)))
        for fields, files, errors in cases:
            with self.subTest(errors=errors):
                r = kasse_compose(w.kf, fields, files)
                self.assertEqual(r.status, 422, r)
                self.assertEqual(r.json()["errors"], errors)
                h = kasse_compose(w.kf, fields, files, json=False)
                self.assertEqual(h.status, 422, h)
                self.assertIn(list(errors.values())[0], h.text)
        r = kasse_compose(w.kf, [("antwort", "999999999"), ("pnr", P), ("gruppe", "beihilfe")] + base)
        self.assertEqual(r.status, 404, r)
        r = kasse_compose(w.kf, [("pnr", P), ("gruppe", "beihilfe")] + base,
                          [("gross.pdf", b"%PDF-1.7\n" + b"A" * (10 * 1048576))])
        self.assertEqual(r.status, 413, r)
        self.assertEqual((message_rows(), len(audit_rows(org_sql(w.org)))), (n, a))


class Boundaries(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w = world()

    def test_documents_of_another_organisation_never_leak(self):
        w = self.w
        r = kasse_compose(w.kf, [("pnr", w.org.pnr), ("gruppe", "beihilfe"), ("betreff", "Nur Org 1"),
                                 ("nachricht", "T")], [("Geheim.pdf", PDF)])
        self.assertEqual(r.status, 200, r)
        kid = r.json()["id"]
        doc = sb_message(w.cb, kid)["anhaenge"][0]["id"]
        mid = sb_send(w.ca, "beihilfe", "Von Org 1", [("Eigen.pdf", PDF)])
        own = w.kf.get(f"/kasse/nachrichten/{mid}", json=True).json()["anhaenge"][0]["id"]
        for c in (w.cd,):  # a Sachbearbeiter of organisation 2 in the same group type
            self.assertEqual(c.get(f"/nachricht/{kid}").status, 404)
            self.assertEqual(c.get(f"/anhang/{doc}").status, 404)
            self.assertEqual(c.get(f"/anhang/{own}").status, 404)
        for c in (w.cd, w.ca, w.ac):  # the Kasse's routes are the Kasse's
            self.assertEqual(c.get(f"/kasse/anhang/{doc}").status, 403)
            self.assertEqual(c.get(f"/kasse/nachrichten/{mid}").status, 403)
            self.assertEqual(c.get("/kasse/nachrichten").status, 403)
        pa = mv.login_kasse(mv.ready_kasse("portaladmin"))
        self.assertEqual(pa.get("/kasse/nachrichten").status, 403)
        self.assertEqual(mv.Client().get("/kasse/nachrichten").status, 303)
        self.assertEqual(w.kf.get("/kasse/anhang/999999999999").status, 404)
        self.assertEqual(w.kf.get("/kasse/anhang/abc").status, 404)
        self.assertEqual(w.kf.get("/kasse/nachrichten/999999999999").status, 404)
        # the message of org 1 shown to the fund names org 1, never org 2's data
        h = w.kf.get(f"/kasse/nachrichten/{mid}")
        self.assertIn(f"PNR: {w.org.pnr}", h.text)
        self.assertNotIn(w.org2.pnr, h.text)

    def test_page_and_mvctl_write_the_same_audit_row(self):
        w = self.w
        path = os.path.join(tempfile.mkdtemp(prefix="mv-kn-"), "Anlage.pdf")
        with open(path, "wb") as f:
            f.write(PDF)
        r = mv.mvctl("--json", "message", "send", "--pnr", w.org2.pnr, "--gruppe", "beihilfe", "--betreff", "CLI",
                     "--text", "T", "--anhang", path)
        self.assertEqual(r.rc, 0, r)
        cli_id = r.json()["id"]
        r = kasse_compose(w.kf, [("pnr", w.org2.pnr), ("gruppe", "beihilfe"), ("betreff", "Web"), ("nachricht", "T")],
                          [("Anlage.pdf", PDF)])
        self.assertEqual(r.status, 200, r)
        web_id = r.json()["id"]
        rows = audit_rows(org_sql(w.org2))[-2:]
        self.assertTrue(rows[0][0].startswith("mvctl"), rows)
        self.assertEqual(rows[1][0], w.k.kennung)
        self.assertEqual([row[1:] for row in rows],
                         [["message_from_kasse", "beihilfe", f"Nachricht {cli_id}, 1 Dokument(e)"],
                          ["message_from_kasse", "beihilfe", f"Nachricht {web_id}, 1 Dokument(e)"]])
        # both stored alike: sender, mailbox, documents
        stored = mv.db(f"SELECT absender, gruppe, konto_id IS NULL, ordner, anhaenge FROM nachricht WHERE id IN "
                       f"({cli_id}, {web_id}) ORDER BY id")
        self.assertEqual(stored[0], stored[1])
        # the mailbox's documents: the Sachbearbeiter of organisation 2 sees both, with the PDF
        for i in (cli_id, web_id):
            self.assertEqual([d["dateiname"] for d in sb_message(w.cd, i)["anhaenge"]], ["Anlage.pdf"])
