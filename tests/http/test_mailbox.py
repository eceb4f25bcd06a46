"""Mailboxes of the Sachbearbeiter and the Kasse side (SPEC §7, §8, §10, §11; SECURITY.md 48): overview, lists,
message view with read state per user and first reader, new message and reply with documents (type by content
only, size and count limits, safe names; a refused message stores nothing), downloads, access rules (other
groups, other organisations, removed and locked users, administrators, anonymous visitors), notifications
without content, and `mvctl message send/list/export`."""

import html as htmllib
import json
import os
import re
import shutil
import tempfile
import time
import unittest
import urllib.parse

import mv
import users_lib as U

KASSE = "Kommunale Versorgungskassen Westfalen-Lippe"
SUBJ_NEW = "meineversorgung.org | Neue Nachricht im Portal Meine Versorgung"
SENT_OK = "Ihre Nachricht wurde an die Kasse gesendet."
NO_BOX = "Dieses Postfach gibt es nicht oder Sie haben keinen Zugriff darauf."
NO_MSG = "Diese Nachricht gibt es nicht."
NO_DOC = "Dieses Dokument gibt es nicht."
TOO_MANY = "Sie können höchstens 10 Dokumente mit einer Nachricht senden."
TOO_MUCH = "Die Dokumente sind zusammen zu groß."
NEED_BETREFF = "Bitte geben Sie einen Betreff ein."
LONG_BETREFF = "Der Betreff darf höchstens 255 Zeichen lang sein."
NEED_TEXT = "Bitte geben Sie eine Nachricht ein."
LONG_TEXT = "Die Nachricht darf höchstens 20.000 Zeichen lang sein."
USAGE_SEND = "usage: message send --pnr P (--gruppe SLUG | --kennung K) --betreff B --text T [--anhang FILE]…"
GROUP_LIST = "(beihilfe, beamtenversorgung, finanzierung, mitglieder-recht, geschaeftsleitung, administration)"
MiB = 1048576

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML_DOC = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
SVG_DOC = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>\n'
XSS = '"><svg onload=alert(1)>'


def not_a_document(name):
    return (f"Die Datei „{name}“ ist kein PDF-, PNG- oder JPEG-Dokument. Andere Dateiarten können nicht "
            "übermittelt werden.")


def empty_file(name):
    return f"Die Datei „{name}“ ist leer."


def too_big(name):
    return f"Die Datei „{name}“ ist größer als 10 MB."  # issue 11 item 16: "MB", not "MiB"


def tag(text, start):
    """The first whole tag of the page that starts with `start` (short failure messages)."""
    i = text.find(start)
    if i < 0:
        return None
    return text[i:text.index(">", i + len(start)) + 1]


def text_of(fragment):
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


# ---------------------------------------------------------------- fixture shared by the classes

class World:
    """Organisation 1: administrator, Alma Apfel (Beihilfe, Finanzierung) and Bert Birne (Beihilfe), both
    logged in. Organisation 2: administrator and Dora Dattel (Beihilfe), logged in; its group
    "Administration" carries the barrier address (see barrier())."""


_world = None
_tmp = None


def world():
    global _world
    if _world is None:
        w = World()
        w.admin, w.ac = U.admin_session()
        w.org = w.admin.org
        w.a = U.activate(U.create(w.ac, vorname="Alma", name="Apfel", gruppen=("Beihilfe", "Finanzierung")))
        w.b = U.activate(U.create(w.ac, vorname="Bert", name="Birne", gruppen=("Beihilfe",)))
        w.ca = U.login(w.a)
        w.cb = U.login(w.b)
        w.admin2, w.ac2 = U.admin_session()
        w.org2 = w.admin2.org
        w.d = U.activate(U.create(w.ac2, vorname="Dora", name="Dattel", gruppen=("Beihilfe",)))
        w.cd = U.login(w.d)
        w.barrier_addr = f"barrier{mv.uid()}@example.org"
        r = w.ac2.post("/gruppen/administration", {"email": w.barrier_addr})
        assert (r.status, r.location) == (303, "/gruppen"), r
        _world = w
    return _world


def tmpdir():
    global _tmp
    if _tmp is None:
        _tmp = tempfile.mkdtemp(prefix="mv-mailbox-")
    return _tmp


def tearDownModule():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def write_file(name, data):
    """A file for `mvctl message send --anhang` (in its own directory, so equal names never clash)."""
    d = tempfile.mkdtemp(dir=tmpdir())
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def kasse_send(pnr, betreff, text="Text der Kasse", gruppe=None, kennung=None, files=()):
    """A message from the Kasse (mvctl message send --json); files: (name, bytes). Returns its id."""
    args = ["--json", "message", "send", "--pnr", pnr, "--betreff", betreff, "--text", text]
    args += ["--gruppe", gruppe] if gruppe else ["--kennung", kennung]
    for name, data in files:
        args += ["--anhang", write_file(name, data)]
    r = mv.mvctl(*args)
    if r.rc != 0:
        raise AssertionError(f"mvctl message send failed: {r!r}")
    return r.json()["id"]


def kasse_list(pnr, *extra):
    r = mv.mvctl("--json", "message", "list", "--pnr", pnr, *extra)
    if r.rc != 0:
        raise AssertionError(f"mvctl message list failed: {r!r}")
    return r.json()


def stored(org):
    """What the organisation's mailboxes hold: (number of messages, their documents; document rows in the
    database when it can be read)."""
    msgs = kasse_list(org.pnr)
    docs = None
    if mv.is_root():
        docs = mv.db("SELECT COUNT(*) FROM anhang a JOIN nachricht n ON n.id = a.nachricht_id JOIN organisation o "
                     f"ON o.id = n.org_id WHERE o.pnr = '{org.pnr}'")[0][0]
    return len(msgs), sum(m["anhaenge"] for m in msgs), docs


def send(client, box, betreff="Anfrage", text="Text", files=(), fields=(), csrf=True, json=None, headers=None):
    """POST /postfach/{box}/neu as multipart; files: (name, bytes[, declared type])."""
    f = [("betreff", betreff), ("nachricht", text)] + list(fields)
    return mv.post_multipart(client, f"/postfach/{box}/neu", f, [("anhang",) + tuple(x) for x in files],
                             csrf=csrf, json=json, headers=headers)


def sent_id(r):
    """Id of the message a JSON send answered."""
    assert r.status == 200, r
    return r.json()["id"]


def listing(client, box, query=""):
    r = client.get(f"/postfach/{box}" + (f"?{query}" if query else ""), json=True)
    if r.status != 200:
        raise AssertionError(f"/postfach/{box}: {r!r}")
    return r.json()


def entry(client, box, mid, query=""):
    for m in listing(client, box, query)["nachrichten"]:
        if m["id"] == mid:
            return m
    return None


def unread(client):
    r = client.get("/postfach", json=True)
    assert r.status == 200, r
    return {b["postfach"]: b["ungelesen"] for b in r.json()["postfaecher"]}


def message(client, mid):
    r = client.get(f"/nachricht/{mid}", json=True)
    if r.status != 200:
        raise AssertionError(f"/nachricht/{mid}: {r!r}")
    j = r.json()
    j.pop("csrf", None)
    return j


# (every cell names its column in data-label: see test_ux_details)
ROW_RE = re.compile(r'<tr([^>]*)><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*><a href="/nachricht/(\d+)">(.*?)</a>'
                    r'</td><td[^>]*>([^<]*)</td>(?:<td[^>]*>([^<]*)</td>)?</tr>', re.S)


def html_rows(text):
    """{id: (tr attributes, Datum, Absender, Betreff text, Anhang, Zuerst geöffnet von or None)}"""
    return {int(mid): (attrs, d, text_of(a), text_of(b), text_of(att), None if z is None else text_of(z))
            for attrs, d, a, mid, b, att, z in ROW_RE.findall(text)}


def barrier():
    """Queues a notification after everything done so far (a Kasse message into organisation 2's group
    "Administration") and waits for it: the mailer sends the outbox in order, so every mail queued before
    has been delivered by then."""
    w = world()
    kasse_send(w.org2.pnr, "Barriere", gruppe="administration")
    mv.wait_mail(w.barrier_addr, SUBJ_NEW, timeout=15)


def notifications(addr):
    return mv.mails(addr, SUBJ_NEW)


class Base(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w = world()

    def assert_not_found(self, client, path, message):
        r = client.get(path)
        self.assertEqual(r.status, 404, path)
        self.assertIn(message, r.alert_text(), path)
        r = client.get(path, json=True)
        self.assertEqual((r.status, r.json()["errors"]), (404, {"_": message}), path)


# ---------------------------------------------------------------- overview, lists, message view, read state

class Mailboxes(Base):
    def test_overview_lists_personal_and_own_group_boxes(self):
        r = self.w.ca.get("/postfach", json=True)
        self.assertEqual(r.status, 200)
        boxes = [(b["postfach"], b["titel"]) for b in r.json()["postfaecher"]]
        self.assertEqual(boxes, [("persoenlich", "Persönliches Postfach"), ("beihilfe", "Gruppenpostfach Beihilfe"),
                                 ("finanzierung", "Gruppenpostfach Finanzierung")])
        self.assertEqual([b["postfach"] for b in self.w.cb.get("/postfach", json=True).json()["postfaecher"]],
                         ["persoenlich", "beihilfe"])
        r = self.w.ca.get("/postfach")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertIn("<h1>Postfach</h1>", r.text)
        for slug, title in boxes:
            self.assertIn(f'<li><a href="/postfach/{slug}">{title}</a> – ', r.text)
        self.assertNotIn("/postfach/mitglieder-recht", r.text)

    def test_read_state_per_user_and_first_reader(self):
        w = self.w
        before_a, before_b = unread(w.ca), unread(w.cb)
        mid = kasse_send(w.org.pnr, f"Lesestatus {mv.uid()}", gruppe="beihilfe")
        self.assertEqual(unread(w.ca)["beihilfe"], before_a["beihilfe"] + 1)
        self.assertEqual(unread(w.cb)["beihilfe"], before_b["beihilfe"] + 1)
        self.assertEqual(unread(w.ca)["finanzierung"], before_a["finanzierung"], "only the box it arrived in")
        e = entry(w.ca, "beihilfe", mid)
        self.assertEqual((e["gelesen"], e["absender"], e["anhaenge"]), (False, KASSE, 0))
        self.assertNotIn("zuerst_geoeffnet_von", e)
        self.assertRegex(e["datum"], r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$")
        # Alma opens it
        self.assertEqual(w.ca.get(f"/nachricht/{mid}").status, 200)
        self.assertEqual(entry(w.ca, "beihilfe", mid)["gelesen"], True)
        self.assertEqual(unread(w.ca)["beihilfe"], before_a["beihilfe"])
        # Bert still sees it unread, and who opened it first
        e = entry(w.cb, "beihilfe", mid)
        self.assertEqual((e["gelesen"], e["zuerst_geoeffnet_von"]), (False, "Alma Apfel"))
        self.assertEqual(unread(w.cb)["beihilfe"], before_b["beihilfe"] + 1)
        r = w.cb.get("/postfach/beihilfe")
        self.assertIn('<th scope="col">Zuerst geöffnet von</th>', r.text)
        row = html_rows(r.text)[mid]
        self.assertEqual(row[3:], (e["betreff"] + " (ungelesen)", "", "Alma Apfel"))
        r = w.cb.get(f"/nachricht/{mid}")
        self.assertRegex(r.text, r"<dt>Zuerst geöffnet von</dt><dd>Alma Apfel am \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}</dd>")
        # now Bert has read it too; the first reader stays Alma
        e = entry(w.cb, "beihilfe", mid)
        self.assertEqual((e["gelesen"], e["zuerst_geoeffnet_von"]), (True, "Alma Apfel"))
        self.assertEqual(unread(w.cb)["beihilfe"], before_b["beihilfe"])
        self.assertEqual(html_rows(w.cb.get("/postfach/beihilfe").text)[mid][3], e["betreff"])
        # opening it again changes nothing
        w.ca.get(f"/nachricht/{mid}")
        self.assertEqual(entry(w.cb, "beihilfe", mid)["zuerst_geoeffnet_von"], "Alma Apfel")

    def test_unread_rows_and_current_folder_are_marked_up(self):
        # the unread row carries class="unread", the current folder tab aria-current="page"
        w = self.w
        mid = kasse_send(w.org.pnr, f"Markup {mv.uid()}", gruppe="beihilfe")
        r = w.cb.get("/postfach/beihilfe")
        self.assertEqual(html_rows(r.text)[mid][0], ' class="unread"')
        self.assertEqual(tag(r.text, '<a href="/postfach/beihilfe"'), '<a href="/postfach/beihilfe" aria-current="page">')
        r = w.cb.get("/postfach/beihilfe?ordner=gesendet")
        self.assertEqual(tag(r.text, '<a href="/postfach/beihilfe?ordner=gesendet"'),
                         '<a href="/postfach/beihilfe?ordner=gesendet" aria-current="page">')
        # the header's "Postfach" entry
        self.assertEqual(tag(r.text, '<a href="/postfach"'), '<a href="/postfach" aria-current="page">')

    def test_personal_mailbox(self):
        w = self.w
        before = unread(w.ca)["persoenlich"]
        betreff = f"Persönlich {mv.uid()}"
        mid = kasse_send(w.org.pnr, betreff, text="Nur für Alma", kennung=w.a.kennung.lower())
        self.assertEqual(unread(w.ca)["persoenlich"], before + 1)
        e = entry(w.ca, "persoenlich", mid)
        self.assertEqual((e["betreff"], e["gelesen"], e["absender"]), (betreff, False, KASSE))
        r = w.ca.get("/postfach/persoenlich")
        self.assertIn("<h1>Persönliches Postfach</h1>", r.text)
        self.assertNotIn("Zuerst geöffnet von", r.text, "a personal mailbox has no first-reader column")
        j = message(w.ca, mid)
        self.assertEqual(j, {"id": mid, "postfach": "persoenlich", "ordner": "Posteingang", "absender": KASSE,
                             "betreff": betreff, "text": "Nur für Alma", "datum": e["datum"], "anhaenge": []})
        e = entry(w.ca, "persoenlich", mid)
        self.assertEqual(e["gelesen"], True)
        self.assertNotIn("zuerst_geoeffnet_von", e)
        r = w.ca.get(f"/nachricht/{mid}")
        self.assertNotIn("Zuerst geöffnet von", r.text)
        self.assertIn(f'<a class="btn" href="/postfach/persoenlich/neu?antwort={mid}">Antworten</a>', r.text)
        self.assertIn("<dt>Postfach</dt><dd>Persönliches Postfach – Posteingang</dd>", r.text)
        self.assertEqual(unread(w.ca)["persoenlich"], before)
        # a colleague's personal mailbox is not reachable
        self.assertIsNone(entry(w.cb, "persoenlich", mid))
        self.assert_not_found(w.cb, f"/nachricht/{mid}", NO_MSG)

    def test_message_view(self):
        w = self.w
        betreff = f"Bescheid {mv.uid()}"
        mid = kasse_send(w.org.pnr, betreff, text="Zeile 1\nZeile 2", gruppe="finanzierung",
                         files=[("Bescheid.pdf", PDF), ("Foto.png", PNG), ("Scan.jpg", JPEG)])
        j = message(w.ca, mid)
        docs = j.pop("anhaenge")
        self.assertEqual(j, {"id": mid, "postfach": "finanzierung", "ordner": "Posteingang", "absender": KASSE,
                             "betreff": betreff, "text": "Zeile 1\nZeile 2", "datum": j["datum"]})
        self.assertEqual([(d["dateiname"], d["typ"], d["groesse"]) for d in docs],
                         [("Bescheid.pdf", "application/pdf", len(PDF)), ("Foto.png", "image/png", len(PNG)),
                          ("Scan.jpg", "image/jpeg", len(JPEG))])
        r = w.ca.get(f"/nachricht/{mid}")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        t = r.text
        self.assertIn(f"<title>{betreff} – Meine Versorgung</title>", t)
        self.assertIn(f"<h1>{betreff}</h1>", t)
        self.assertIn("<dt>Postfach</dt><dd>Gruppenpostfach Finanzierung – Posteingang</dd>", t)
        self.assertIn(f"<dt>Absender</dt><dd>{KASSE}</dd>", t)
        self.assertIn(f"<dt>Datum</dt><dd>{j['datum']}</dd>", t)
        self.assertIn('<div class="message-text">Zeile 1\nZeile 2</div>', t)
        self.assertIn("<h2>Anhänge</h2>", t)
        for d, kind in zip(docs, ["PDF", "PNG", "JPEG"]):
            self.assertIn(f'<li><a href="/anhang/{d["id"]}" download>{d["dateiname"]}</a> ({kind}, 1 KB)</li>', t)
        self.assertIn(f'<a class="btn" href="/postfach/finanzierung/neu?antwort={mid}">Antworten</a>', t)
        self.assertIn('<a class="btn secondary" href="/postfach/finanzierung">Zurück</a>', t)
        row = html_rows(w.ca.get("/postfach/finanzierung").text)[mid]
        self.assertEqual(row[2:5], (KASSE, betreff, "3 Dokumente"))
        self.assertEqual(entry(w.ca, "finanzierung", mid)["anhaenge"], 3)

    def test_sent_folder_is_shared_by_the_group(self):
        w = self.w
        betreff = f"Gruppe an Kasse {mv.uid()}"
        mid = sent_id(send(w.ca, "beihilfe", betreff, "Von Alma", json=True))
        e = entry(w.cb, "beihilfe", mid, "ordner=gesendet")
        self.assertEqual((e["betreff"], e["absender"], e["gelesen"]), (betreff, "Alma Apfel", True))
        self.assertIsNone(entry(w.cb, "beihilfe", mid), "not in the Posteingang")
        j = message(w.cb, mid)
        self.assertEqual((j["postfach"], j["ordner"], j["absender"], j["text"]),
                         ("beihilfe", "Gesendet", "Alma Apfel", "Von Alma"))
        r = w.cb.get(f"/nachricht/{mid}")
        self.assertNotIn(">Antworten</a>", r.text, "no reply to a message sent to the Kasse")
        self.assertIn('<a class="btn secondary" href="/postfach/beihilfe?ordner=gesendet">Zurück</a>', r.text)
        self.assertIn("<dd>Gruppenpostfach Beihilfe – Gesendet</dd>", r.text)
        r = w.cb.get("/postfach/beihilfe?ordner=gesendet")
        self.assertNotIn("Zuerst geöffnet von", r.text)
        # (issue 11 item 16: the Gesendet folder names the recipient, and in a group mailbox who sent it)
        self.assertEqual(html_rows(r.text)[mid][2:6], (KASSE, betreff, "", "Alma Apfel"))
        # from the personal mailbox: only Alma sees it
        pid = sent_id(send(w.ca, "persoenlich", f"Persönlich an Kasse {mv.uid()}", files=[("p.pdf", PDF)],
                           json=True))
        self.assertIsNotNone(entry(w.ca, "persoenlich", pid, "ordner=gesendet"))
        self.assertIsNone(entry(w.cb, "persoenlich", pid, "ordner=gesendet"))
        self.assert_not_found(w.cb, f"/nachricht/{pid}", NO_MSG)
        doc = message(w.ca, pid)["anhaenge"][0]["id"]
        self.assertEqual(w.ca.get(f"/anhang/{doc}").status, 200)
        self.assert_not_found(w.cb, f"/anhang/{doc}", NO_DOC)

    def test_paging(self):
        w = self.w
        s = U.activate(U.create(w.ac, vorname="Paula", name="Pager", gruppen=("Administration",)))
        cp = U.login(s)
        ids = [kasse_send(w.org.pnr, f"Seite {i:02d}", kennung=s.kennung) for i in range(21)]
        ids.reverse()  # newest first
        j = listing(cp, "persoenlich")
        self.assertEqual(([m["id"] for m in j["nachrichten"]], j["gesamt"], j["gesamt_gekappt"], j["seite"]),
                         (ids[:20], 21, False, 1))
        j = listing(cp, "persoenlich", "seite=2")
        self.assertEqual(([m["id"] for m in j["nachrichten"]], j["seite"]), (ids[20:], 2))
        self.assertEqual(listing(cp, "persoenlich", "seite=99")["seite"], 2, "beyond the end: the last page")
        self.assertEqual(listing(cp, "persoenlich", "seite=abc")["seite"], 1)
        r = cp.get("/postfach/persoenlich")
        self.assertIn('<p aria-live="polite">1 - 20 von 21</p>', r.text)
        self.assertIn('<a href="/postfach/persoenlich?ordner=eingang&amp;seite=2&amp;pro_seite=20" '
                      'aria-label="Nächste Seite">', r.text)
        self.assertIn('<a href="/postfach/persoenlich?ordner=eingang&amp;seite=2&amp;pro_seite=20" '
                      'aria-label="Letzte Seite">', r.text)
        self.assertNotIn("Vorherige Seite", r.text)
        r = cp.get("/postfach/persoenlich?seite=2")
        self.assertIn('<p aria-live="polite">21 - 21 von 21</p>', r.text)
        self.assertIn('<a href="/postfach/persoenlich?ordner=eingang&amp;seite=1&amp;pro_seite=20" '
                      'aria-label="Vorherige Seite">', r.text)
        self.assertIn('<a href="/postfach/persoenlich?ordner=eingang&amp;seite=1&amp;pro_seite=20" '
                      'aria-label="Erste Seite">', r.text)
        # Elemente pro Seite as in the overview
        j = listing(cp, "persoenlich", "pro_seite=10")
        self.assertEqual((len(j["nachrichten"]), j["pro_seite"]), (10, 10))
        self.assertEqual(listing(cp, "persoenlich", "pro_seite=7")["pro_seite"], 20)
        self.assertNotIn("Nächste Seite", r.text)
        self.assertEqual(list(html_rows(r.text)), ids[20:])
        r = cp.get("/postfach/persoenlich?ordner=gesendet")
        self.assertIn("Keine Nachrichten.", r.text)
        self.assertIn('<p aria-live="polite">0 - 0 von 0</p>', r.text)


# ---------------------------------------------------------------- new message and reply

class Compose(Base):
    def test_form(self):
        w = self.w
        r = w.ca.get("/postfach/beihilfe/neu")
        self.assertEqual(r.status, 200)
        t = r.text
        self.assertIn("<h1>Neue Nachricht</h1>", t)
        self.assertIn("Nachricht an die Kasse aus dem Postfach „Gruppenpostfach Beihilfe“.", t)
        self.assertIn('<input type="hidden" name="csrf" value="%s">' % w.ca.csrf, t)
        self.assertIn('<input id="f-betreff" name="betreff" type="text" value=""', t)
        self.assertIn('<textarea id="f-nachricht" name="nachricht" rows="10" required aria-required="true">'
                      '</textarea>', t)
        self.assertIn('<input id="f-anhang" name="anhang" type="file" multiple accept=".pdf,.png,.jpg,.jpeg,'
                      'application/pdf,image/png,image/jpeg"', t)
        self.assertIn("Höchstens 10 Dokumente, je Dokument höchstens 10 MB.", t)
        self.assertIn('<a class="btn secondary" href="/postfach/beihilfe">Abbrechen</a>', t)
        self.assertIn(">Senden</button>", t)
        self.assertNotIn('name="antwort"', t)
        j = w.ca.get("/postfach/persoenlich/neu", json=True).json()
        self.assertEqual(j, {"titel": "Neue Nachricht", "postfach": "persoenlich", "max_dokumente": 10,
                             "max_bytes_je_dokument": 10 * MiB, "csrf": w.ca.csrf})

    def test_form_sends_documents_as_multipart(self):
        # Without a literal enctype="multipart/form-data" a browser sends the form url-encoded: the
        # documents are dropped and only their names arrive.
        r = self.w.ca.get("/postfach/beihilfe/neu")
        self.assertEqual(tag(r.text, '<form method="post" action="/postfach/beihilfe/neu"'),
                         '<form method="post" action="/postfach/beihilfe/neu" enctype="multipart/form-data" novalidate>')

    def test_send_with_documents_html(self):
        w = self.w
        betreff = f"Unterlagen {mv.uid()}"
        files = [("Antrag.pdf", PDF, "application/pdf"), ("Foto.png", PNG, "image/png"), ("Scan.jpeg", JPEG)]
        w.ca.get("/postfach/finanzierung/neu")
        r = send(w.ca, "finanzierung", betreff, "Sehr geehrte Damen und Herren,\r\nanbei die Unterlagen.", files)
        self.assertEqual((r.status, r.location), (303, "/postfach/finanzierung?ordner=gesendet&ok=gesendet"))
        p = w.ca.follow(r)
        self.assertIn(SENT_OK, p.alert_text())
        self.assertIn("<h1>Gruppenpostfach Finanzierung</h1>", p.text)
        mid = max(html_rows(p.text))
        self.assertEqual(html_rows(p.text)[mid][2:6], (KASSE, betreff, "3 Dokumente", "Alma Apfel"))
        j = message(w.ca, mid)
        self.assertEqual((j["postfach"], j["ordner"], j["absender"], j["betreff"]),
                         ("finanzierung", "Gesendet", "Alma Apfel", betreff))
        self.assertEqual(j["text"], "Sehr geehrte Damen und Herren,\r\nanbei die Unterlagen.")
        self.assertEqual([(d["dateiname"], d["typ"], d["groesse"]) for d in j["anhaenge"]],
                         [("Antrag.pdf", "application/pdf", len(PDF)), ("Foto.png", "image/png", len(PNG)),
                          ("Scan.jpeg", "image/jpeg", len(JPEG))])
        for d, data in zip(j["anhaenge"], [PDF, PNG, JPEG]):
            dl = w.ca.get(f"/anhang/{d['id']}")
            self.assertEqual((dl.status, dl.body), (200, data))
        # the Kasse sees it
        k = [m for m in kasse_list(w.org.pnr) if m["id"] == mid]
        self.assertEqual(len(k), 1)
        self.assertEqual({x: k[0][x] for x in ("richtung", "postfach", "absender", "betreff", "anhaenge")},
                         {"richtung": "an_kasse", "postfach": "finanzierung", "absender": "Alma Apfel",
                          "betreff": betreff, "anhaenge": 3})
        # Bert is not in Finanzierung
        self.assertNotIn("finanzierung", unread(w.cb))

    def test_send_json_from_personal_box(self):
        w = self.w
        c = mv.Client(json=True, source_ip=w.ca.source_ip)
        c.cookies = dict(w.ca.cookies)
        c.csrf = w.ca.csrf
        betreff = f"JSON {mv.uid()}"
        r = send(c, "persoenlich", betreff, "per Skript", [("a.pdf", PDF)])
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual((body["ok"], body["next"]), (True, "/postfach/persoenlich?ordner=gesendet&ok=gesendet"))
        mid = body["id"]
        self.assertEqual(entry(w.ca, "persoenlich", mid, "ordner=gesendet")["betreff"], betreff)
        k = [m for m in kasse_list(w.org.pnr) if m["id"] == mid][0]
        self.assertEqual((k["richtung"], k["postfach"], k["anhaenge"]), ("an_kasse", w.a.kennung, 1))

    def test_reply(self):
        w = self.w
        orig = f"Rückfrage {mv.uid()}"
        mid = kasse_send(w.org.pnr, orig, text="Bitte antworten", gruppe="beihilfe")
        r = w.cb.get(f"/nachricht/{mid}")
        self.assertIn(f'<a class="btn" href="/postfach/beihilfe/neu?antwort={mid}">Antworten</a>', r.text)
        r = w.cb.get(f"/postfach/beihilfe/neu?antwort={mid}")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Antworten</h1>", r.text)
        self.assertIn(f'<input type="hidden" name="antwort" value="{mid}">', r.text)
        self.assertIn(f'<input id="f-betreff" name="betreff" type="text" value="AW: {orig}"', r.text)
        r = send(w.cb, "beihilfe", f"AW: {orig}", "Hier die Antwort", [("Antwort.pdf", PDF)],
                 fields=[("antwort", str(mid))])
        self.assertEqual((r.status, r.location), (303, "/postfach/beihilfe?ordner=gesendet&ok=gesendet"))
        rid = max(m["id"] for m in listing(w.cb, "beihilfe", "ordner=gesendet")["nachrichten"])
        j = message(w.cb, rid)
        self.assertEqual((j["betreff"], j["text"], j["ordner"], j["absender"]),
                         (f"AW: {orig}", "Hier die Antwort", "Gesendet", "Bert Birne"))
        if mv.is_root():
            self.assertEqual(mv.db(f"SELECT antwort_auf FROM nachricht WHERE id = {rid}"), [[str(mid)]])
        # "AW: " is not doubled
        mid2 = kasse_send(w.org.pnr, f"AW: {orig}", gruppe="beihilfe")
        self.assertIn(f'value="AW: {orig}"', w.cb.get(f"/postfach/beihilfe/neu?antwort={mid2}").text)
        # JSON of the reply form
        self.assertEqual(w.cb.get(f"/postfach/beihilfe/neu?antwort={mid}", json=True).status, 200)

    def test_reply_only_to_a_message_of_the_same_box(self):
        w = self.w
        fin = kasse_send(w.org.pnr, "Finanzierung", gruppe="finanzierung")
        other_org = kasse_send(w.org2.pnr, "Andere Organisation", gruppe="beihilfe")
        personal_b = kasse_send(w.org.pnr, "Bert persönlich", kennung=w.b.kennung)
        before = stored(w.org)
        for ant in [str(fin), str(other_org), str(personal_b), "999999999999", "abc", "0"]:
            r = w.ca.get(f"/postfach/beihilfe/neu?antwort={ant}")
            self.assertEqual(r.status, 404, ant)
            self.assertIn(NO_MSG, r.alert_text(), ant)
            r = send(w.ca, "beihilfe", "AW: x", "y", fields=[("antwort", ant)])
            self.assertEqual(r.status, 404, ant)
            self.assertIn(NO_MSG, r.alert_text(), ant)
        self.assertEqual(stored(w.org), before, "nothing stored")

    def test_refused_fields(self):
        w = self.w
        before = stored(w.org)
        r = send(w.ca, "beihilfe", "", " \r\n ")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("betreff"), NEED_BETREFF)
        self.assertEqual(r.field_error("nachricht"), NEED_TEXT)
        self.assertEqual(r.summary_errors(), [NEED_BETREFF, NEED_TEXT])
        r = send(w.ca, "beihilfe", "x" * 256, "Text", json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"betreff": LONG_BETREFF}))
        r = send(w.ca, "beihilfe", "ä" * 255 + "x", "Text", json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"betreff": LONG_BETREFF}))
        r = send(w.ca, "beihilfe", "Betreff", "", [("a.pdf", PDF)], json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"nachricht": NEED_TEXT}))
        # the form keeps what was typed
        r = send(w.ca, "beihilfe", "Mein Betreff", "")
        self.assertIn('value="Mein Betreff"', r.text)
        self.assertEqual(stored(w.org), before, "nothing stored")
        # 255 characters (umlauts: more bytes) are fine
        mid = sent_id(send(w.ca, "beihilfe", "ä" * 255, "Text", json=True))
        self.assertEqual(message(w.ca, mid)["betreff"], "ä" * 255)

    def test_textarea_error_markup(self):
        r = send(self.w.ca, "beihilfe", "Betreff", "")
        self.assertEqual(r.status, 422)
        self.assertEqual(tag(r.text, '<textarea id="f-nachricht"'),
                         '<textarea id="f-nachricht" name="nachricht" rows="10" required aria-required="true" '
                         'aria-invalid="true" aria-describedby="f-nachricht-fehler">')

    def test_text_limit_is_20000_characters(self):
        # the form's own rule: up to 20,000 characters; more is refused with that message
        w = self.w
        mid = send(w.ca, "beihilfe", "Langer Text", "ä" * 20000, json=True)
        self.assertEqual(mid.status, 200, mid)
        self.assertEqual(message(w.ca, sent_id(mid))["text"], "ä" * 20000)
        r = send(w.ca, "beihilfe", "Zu langer Text", "a" * 20001, json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"nachricht": LONG_TEXT}))

    def test_csrf_required(self):
        w = self.w
        before = stored(w.org)
        for token in [False, "A" * 43, ""]:
            r = send(w.ca, "beihilfe", "Ohne Token", "Text", [("a.pdf", PDF)], csrf=token)
            self.assertEqual(r.status, 403, token)
            self.assertIn(mv.CSRF_FAILED, r.alert_text())
        # another user's token does not fit either
        r = send(w.ca, "beihilfe", "Fremder Token", "Text", csrf=w.cb.csrf)
        self.assertEqual(r.status, 403)
        r = send(w.ca, "beihilfe", "Ohne Token", "Text", csrf=False, json=True)
        self.assertEqual((r.status, r.json()["errors"]), (403, {"_": mv.CSRF_FAILED}))
        self.assertEqual(stored(w.org), before, "nothing stored")
        # a cross-site form post fails even with the right token
        r = send(w.ca, "beihilfe", "Fremde Seite", "Text", headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        r = send(w.ca, "beihilfe", "Fremde Seite", "Text", headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        self.assertEqual(stored(w.org), before, "nothing stored")
        # the header works instead of the field
        r = mv.post_multipart(w.ca, "/postfach/beihilfe/neu", [("betreff", "Mit Kopfzeile"), ("nachricht", "Text")],
                              csrf=False, headers={"X-CSRF-Token": w.ca.csrf})
        self.assertEqual(r.status, 303)


# ---------------------------------------------------------------- documents

class Uploads(Base):
    def doc(self, mid):
        return [(d["dateiname"], d["typ"], d["groesse"]) for d in message(self.w.ca, mid)["anhaenge"]]

    def test_type_by_content_only(self):
        # the declared type and the name do not matter, only the first bytes
        w = self.w
        r = send(w.ca, "beihilfe", "Typen", "x", [("eigentlich-pdf.png", PDF, "image/png"),
                                                  ("bild.pdf", PNG, "application/pdf"),
                                                  ("foto.dat", JPEG, "text/html")], json=True)
        # (issue 11 item 2: the name gets the extension of the type found)
        self.assertEqual(self.doc(sent_id(r)), [("eigentlich-pdf.png.pdf", "application/pdf", len(PDF)),
                                                ("bild.pdf.png", "image/png", len(PNG)),
                                                ("foto.dat.jpg", "image/jpeg", len(JPEG))])

    def test_disguised_html_and_svg_refused(self):
        w = self.w
        before = stored(w.org)
        for name, data in [("Bescheid.pdf", HTML_DOC), ("Grafik.pdf", SVG_DOC), ("Mitte.pdf", b"<html>%PDF-1.4"),
                           ("Text.pdf", b" %PDF-1.4 leading blank"), ("Kurz.pdf", b"%PDF"),
                           ("Fast.png", b"\x89PNG\r\n\x1a"), ("Fast.jpg", b"\xff\xd8")]:
            r = send(w.ca, "beihilfe", "Getarnt", "Text", [("ok.pdf", PDF), (name, data, "application/pdf")])
            self.assertEqual(r.status, 422, name)
            self.assertEqual(r.field_error("anhang"), not_a_document(name), name)
            self.assertIn(not_a_document(name), r.summary_errors())
            self.assertIn('value="Getarnt"', r.text)
        r = send(w.ca, "beihilfe", "Getarnt", "Text", [("Bescheid.pdf", HTML_DOC)], json=True)
        self.assertEqual((r.status, r.json()["errors"]), (422, {"anhang": not_a_document("Bescheid.pdf")}))
        self.assertEqual(stored(w.org), before, "nothing of a refused message is stored, not even the good file")

    def test_empty_file_refused_but_no_file_is_fine(self):
        w = self.w
        before = stored(w.org)
        r = send(w.ca, "beihilfe", "Leer", "Text", [("leer.pdf", b"")])
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("anhang"), empty_file("leer.pdf"))
        self.assertEqual(stored(w.org), before)
        # an empty file part without a name is what a browser sends when no file was chosen
        mid = sent_id(send(w.ca, "beihilfe", "Ohne Dokument", "Text", [("", b"")], json=True))
        self.assertEqual(self.doc(mid), [])
        self.assertEqual(entry(w.ca, "beihilfe", mid, "ordner=gesendet")["anhaenge"], 0)

    def test_size_limit_per_file(self):
        w = self.w
        exact = b"%PDF-1.7\n" + b"A" * (10 * MiB - 9)
        mid = sent_id(send(w.ca, "beihilfe", "Genau 10 MiB", "Text", [("genau.pdf", exact)], json=True))
        d = message(w.ca, mid)["anhaenge"][0]
        self.assertEqual(d["groesse"], 10 * MiB)
        dl = w.ca.get(f"/anhang/{d['id']}")
        self.assertEqual((dl.status, len(dl.body), dl.body == exact), (200, 10 * MiB, True))
        before = stored(w.org)
        r = send(w.ca, "beihilfe", "Zu groß", "Text", [("klein.pdf", PDF), ("gross.pdf", exact + b"B")])
        self.assertEqual(r.status, 413)
        self.assertIn(too_big("gross.pdf"), r.alert_text())
        r = send(w.ca, "beihilfe", "Zu groß", "Text", [("gross.pdf", exact + b"B")], json=True)
        self.assertEqual((r.status, r.json()["errors"]), (413, {"_": too_big("gross.pdf")}))
        self.assertEqual(stored(w.org), before, "nothing stored")

    def test_total_size_limit(self):
        w = self.w
        part = b"%PDF-1.7\n" + b"A" * (int(8.5 * MiB) - 9)  # 3 x 8.5 MiB = 25.5 MiB > 25 MiB
        before = stored(w.org)
        r = send(w.ca, "beihilfe", "Zu viel", "Text", [("1.pdf", part), ("2.pdf", part), ("3.pdf", part)],
                 json=True)
        self.assertEqual((r.status, r.json()["errors"]), (413, {"_": TOO_MUCH}))
        self.assertEqual(stored(w.org), before, "nothing stored")

    def test_number_of_files(self):
        w = self.w
        ten = [(f"Dokument {i}.pdf", PDF) for i in range(10)]
        mid = sent_id(send(w.ca, "beihilfe", "Zehn", "Text", ten, json=True))
        self.assertEqual([d[0] for d in self.doc(mid)], [f"Dokument {i}.pdf" for i in range(10)])
        before = stored(w.org)
        r = send(w.ca, "beihilfe", "Elf", "Text", ten + [("elf.pdf", PDF)])
        self.assertEqual(r.status, 413)
        self.assertIn(TOO_MANY, r.alert_text())
        r = send(w.ca, "beihilfe", "Elf", "Text", ten + [("elf.pdf", PDF)], json=True)
        self.assertEqual((r.status, r.json()["errors"]["_"]), (413, TOO_MANY))
        self.assertEqual(stored(w.org), before, "nothing stored")

    def test_refused_upload_keeps_the_csrf_token_in_json(self):
        # SPEC §10: every JSON answer carries the session's token; a script that takes it from each answer
        # must not be left with an empty one after a refused upload
        w = self.w
        r = send(w.ca, "beihilfe", "Elf", "Text", [(f"{i}.pdf", PDF) for i in range(11)], json=True)
        self.assertEqual(r.status, 413)
        self.assertEqual(r.json()["csrf"], w.ca.csrf)

    def test_no_path_from_the_file_name(self):
        w = self.w
        names = ["../../x.pdf", "..\\..\\windows.pdf", "/etc/passwd.pdf", "C:\\Users\\kim\\Bescheid.pdf", "..",
                 ".versteckt.pdf", "a/../../b.pdf", "Übersicht März.pdf"]
        mid = sent_id(send(w.ca, "beihilfe", "Namen", "Text", [(n, PDF) for n in names], json=True))
        self.assertEqual([d[0] for d in self.doc(mid)],
                         ["x.pdf", "windows.pdf", "passwd.pdf", "Bescheid.pdf", "Dokument.pdf", "versteckt.pdf", "b.pdf",
                          "Übersicht März.pdf"])
        # the Kasse's export keeps every file inside the directory
        out = os.path.join(tmpdir(), f"export-{mid}")
        r = mv.mvctl("--json", "message", "export", "--id", str(mid), "--dir", out)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(sorted(os.listdir(out)), sorted(r.json()["dateien"]))
        self.assertEqual(len(r.json()["dateien"]), 9)
        self.assertFalse(os.path.exists(os.path.join(tmpdir(), "x.pdf")))
        for f in r.json()["dateien"][1:]:
            self.assertNotIn("/", f)
            with open(os.path.join(out, f), "rb") as fh:
                self.assertEqual(fh.read(), PDF)

    def test_markup_in_names_and_subject_escaped(self):
        w = self.w
        name = "<img src=x onerror=alert(1)>.pdf"
        mid = sent_id(send(w.ca, "beihilfe", XSS, "<script>alert(2)</script>", [(name, PDF)], json=True))
        r = w.ca.get(f"/nachricht/{mid}")
        for raw in ["<svg onload", "<img src=x", "<script>alert(2)"]:
            self.assertNotIn(raw, r.text)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;.pdf</a>", r.text)
        self.assertIn("<h1>&quot;&gt;&lt;svg onload=alert(1)&gt;</h1>", r.text)
        self.assertIn('<div class="message-text">&lt;script&gt;alert(2)&lt;/script&gt;</div>', r.text)
        r = w.cb.get("/postfach/beihilfe?ordner=gesendet")
        self.assertNotIn("<svg onload", r.text)
        self.assertIn(f'<a href="/nachricht/{mid}">&quot;&gt;&lt;svg onload=alert(1)&gt;</a>', r.text)


# ---------------------------------------------------------------- downloads

class Downloads(Base):
    def test_headers_and_bytes(self):
        w = self.w
        mid = kasse_send(w.org.pnr, "Dokumente", gruppe="beihilfe",
                         files=[("Übersicht März.pdf", PDF), ("bericht-2024.png", PNG), ("Foto \"1\".jpg", JPEG)])
        docs = message(w.cb, mid)["anhaenge"]
        self.assertEqual([d["dateiname"] for d in docs], ["Übersicht März.pdf", "bericht-2024.png", "Foto 1.jpg"])
        expect = [("application/pdf", PDF), ("image/png", PNG), ("image/jpeg", JPEG)]
        for d, (ctype, data) in zip(docs, expect):
            r = w.cb.get(f"/anhang/{d['id']}")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, data)
            self.assertEqual(r.header("Content-Type"), ctype)
            self.assertEqual(r.header("Content-Length"), str(len(data)))
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
            self.assertEqual(r.header("Cache-Control"), "no-store")
            cd = r.header("Content-Disposition")
            m = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)', cd)
            self.assertTrue(m, cd)
            self.assertTrue(all(0x20 <= ord(ch) < 0x7F for ch in m.group(1)), cd)
            self.assertEqual(urllib.parse.unquote(m.group(2), encoding="utf-8", errors="strict"), d["dateiname"])
        cd = w.cb.get(f"/anhang/{docs[0]['id']}").header("Content-Disposition")
        self.assertTrue(cd.endswith("; filename*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz.pdf"), cd)
        self.assertTrue(cd.startswith('attachment; filename="'), cd)
        self.assertEqual(w.cb.get(f"/anhang/{docs[1]['id']}").header("Content-Disposition"),
                         "attachment; filename=\"bericht-2024.png\"; filename*=UTF-8''bericht-2024.png")
        # JSON clients get the same bytes (a download is no page)
        r = w.cb.get(f"/anhang/{docs[0]['id']}", json=True)
        self.assertEqual((r.status, r.body), (200, PDF))

    def test_downloading_does_not_mark_read(self):
        w = self.w
        mid = kasse_send(w.org.pnr, "Nur herunterladen", gruppe="finanzierung", files=[("a.pdf", PDF)])
        if mv.is_root():
            aid = int(mv.db(f"SELECT id FROM anhang WHERE nachricht_id = {mid}")[0][0])
            self.assertEqual(w.ca.get(f"/anhang/{aid}").status, 200)
        self.assertEqual(entry(w.ca, "finanzierung", mid)["gelesen"], False)


# ---------------------------------------------------------------- access rules

class Access(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        w = cls.w
        cls.fin = kasse_send(w.org.pnr, "Nur Finanzierung", gruppe="finanzierung", files=[("fin.pdf", PDF)])
        cls.fin_doc = message(w.ca, cls.fin)["anhaenge"][0]["id"]

    def test_other_group_404(self):
        w = self.w
        before = stored(w.org)
        for path in ["/postfach/finanzierung", "/postfach/finanzierung?ordner=gesendet", "/postfach/finanzierung/neu",
                     "/postfach/gibtsnicht", "/postfach/Beihilfe", "/postfach/mitglieder-recht"]:
            self.assert_not_found(w.cb, path, NO_BOX)
        self.assert_not_found(w.cb, f"/nachricht/{self.fin}", NO_MSG)
        self.assert_not_found(w.cb, f"/anhang/{self.fin_doc}", NO_DOC)
        r = send(w.cb, "finanzierung", "Darf nicht", "Text", [("a.pdf", PDF)])
        self.assertEqual(r.status, 404)
        self.assertIn(NO_BOX, r.alert_text())
        self.assertEqual(stored(w.org), before, "nothing stored")

    def test_other_organisation_identical_to_nonexistent(self):
        w = self.w
        mid = kasse_send(w.org.pnr, "Fremd", gruppe="beihilfe", files=[("geheim.pdf", PDF)])
        doc = message(w.cb, mid)["anhaenge"][0]["id"]
        missing = 10 ** 15
        for kind, real, msg in [("nachricht", mid, NO_MSG), ("anhang", doc, NO_DOC)]:
            a = w.cd.get(f"/{kind}/{real}")
            b = w.cd.get(f"/{kind}/{missing}")
            self.assertEqual((a.status, b.status), (404, 404))
            self.assertIn(msg, a.alert_text())
            self.assertEqual(a.body, b.body, f"/{kind}: another organisation's id answers like a missing one")
            self.assertEqual(a.header("Content-Type"), b.header("Content-Type"))
            a = w.cd.get(f"/{kind}/{real}", json=True)
            b = w.cd.get(f"/{kind}/{missing}", json=True)
            self.assertEqual((a.status, a.body), (b.status, b.body))
        for bad in ["abc", "0", "-1", "1e3", "%31"]:
            self.assertEqual(w.cd.get(f"/nachricht/{bad}").status, 404, bad)
            self.assertEqual(w.cd.get(f"/anhang/{bad}").status, 404, bad)
        # Dora's attempt neither read it nor became its first reader
        e = entry(w.cb, "beihilfe", mid)
        self.assertEqual(e["gelesen"], True)  # Bert read it above through message()
        self.assertEqual(e["zuerst_geoeffnet_von"], "Bert Birne")
        self.assertIsNone(entry(w.cd, "beihilfe", mid))

    def test_removed_from_group_loses_access_at_once(self):
        w = self.w
        f = U.activate(U.create(w.ac, vorname="Frida", name="Feige", gruppen=("Beihilfe", "Finanzierung")))
        c = U.login(f)
        self.assertEqual(c.get(f"/nachricht/{self.fin}").status, 200)
        self.assertEqual(c.get(f"/anhang/{self.fin_doc}").status, 200)
        r = w.ac.post(f"/sachbearbeiter/{f.kennung}/bearbeiten",
                      U.form("Frida", "Feige", f.email, ["Beihilfe"], terms=False))
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{f.kennung}?ok=gespeichert"))
        before = stored(w.org)
        # the same session, no new login
        self.assertEqual([b["postfach"] for b in c.get("/postfach", json=True).json()["postfaecher"]],
                         ["persoenlich", "beihilfe"])
        self.assert_not_found(c, "/postfach/finanzierung", NO_BOX)
        self.assert_not_found(c, "/postfach/finanzierung/neu", NO_BOX)
        self.assert_not_found(c, f"/nachricht/{self.fin}", NO_MSG)
        self.assert_not_found(c, f"/anhang/{self.fin_doc}", NO_DOC)
        self.assertEqual(send(c, "finanzierung", "Nach Entzug", "Text").status, 404)
        self.assertEqual(stored(w.org), before)
        # given back: access again
        w.ac.post(f"/sachbearbeiter/{f.kennung}/bearbeiten",
                  U.form("Frida", "Feige", f.email, ["Beihilfe", "Finanzierung"], terms=False))
        self.assertEqual(c.get(f"/nachricht/{self.fin}").status, 200)

    def test_locked_user_has_no_session_and_no_notification(self):
        w = self.w
        s = U.activate(U.create(w.ac, vorname="Lena", name="Limette", gruppen=("Beihilfe",)))
        c = U.login(s)
        self.assertEqual(c.get("/postfach").status, 200)
        r = w.ac.post(f"/sachbearbeiter/{s.kennung}/sperren", {})
        self.assertEqual((r.status, r.location), (303, f"/sachbearbeiter/{s.kennung}?ok=gesperrt"))
        before = stored(w.org)
        r = c.get("/postfach")
        self.assertEqual((r.status, r.location), (303, "/anmelden?grund=beendet"))
        self.assertIn("Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an.", " ".join(c.follow(r).alert_text()))
        self.assertEqual(c.get("/postfach/beihilfe", json=True).status, 401)
        r = send(c, "beihilfe", "Gesperrt", "Text", csrf=c.csrf or "x")
        self.assertEqual(r.status, 303)
        self.assertRegex(r.location, r"^/anmelden(\?grund=beendet)?$")
        self.assertEqual(stored(w.org), before, "nothing stored")
        _, r = mv.login_password(s.kennung, s.password)
        self.assertEqual(r.status, 422)
        self.assertIn(mv.LOGIN_FAILED, r.summary_errors())
        # the Kasse can still write to the personal mailbox, but a locked account gets no mail
        kasse_send(w.org.pnr, "An Gesperrte", kennung=s.kennung)
        barrier()
        self.assertEqual(notifications(s.email), [])

    def test_administrator_forbidden(self):
        w = self.w
        before = stored(w.org)
        for path in ["/postfach", "/postfach/persoenlich", "/postfach/beihilfe", "/postfach/beihilfe/neu",
                     f"/nachricht/{self.fin}", f"/anhang/{self.fin_doc}"]:
            r = w.ac.get(path)
            self.assertEqual(r.status, 403, path)
            self.assertIn(U.FORBIDDEN, r.alert_text(), path)
            r = w.ac.get(path, json=True)
            self.assertEqual((r.status, r.json()["errors"]), (403, {"_": U.FORBIDDEN}), path)
        r = send(w.ac, "beihilfe", "Vom Admin", "Text", [("a.pdf", PDF)])
        self.assertEqual(r.status, 403)
        self.assertIn(U.FORBIDDEN, r.alert_text())
        self.assertEqual(stored(w.org), before)

    def test_anonymous(self):
        w = self.w
        c = mv.Client()
        c.get("/anmelden")
        before = stored(w.org)
        for path in ["/postfach", "/postfach/persoenlich", "/postfach/beihilfe", "/postfach/beihilfe/neu",
                     f"/nachricht/{self.fin}", f"/anhang/{self.fin_doc}"]:
            r = c.get(path)
            self.assertEqual((r.status, r.location), (303, "/anmelden"), path)
            self.assertEqual(c.get(path, json=True).status, 401, path)
        r = send(c, "beihilfe", "Anonym", "Text", [("a.pdf", PDF)])
        self.assertEqual((r.status, r.location), (303, "/anmelden"))
        self.assertEqual(stored(w.org), before)


# ---------------------------------------------------------------- notifications

class Notifications(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # mails of the classes before (e.g. to Alma's personal mailbox) may still be under way: let them
        # arrive, then start with an empty sink
        barrier()
        mv.clear_mail()

    def set_address(self, slug, addr):
        r = self.w.ac.post(f"/gruppen/{slug}", {"email": addr})
        self.assertEqual((r.status, r.location), (303, "/gruppen"))

    def expected_body_start(self, box, slug):
        return ("Guten Tag,\n\nim Portal Meine Versorgung ist eine neue Nachricht eingegangen:\n\n"
                f"{box}\n\nAus Gründen des Datenschutzes enthält diese E-Mail keine Inhalte der Nachricht. Bitte "
                "melden Sie sich im Portal an, um die Nachricht zu lesen:\n\n"
                f"{mv.BASE}/postfach/{slug}\n\nFreundliche Grüße\nMeine Versorgung\n")

    def test_group_message_notifies_only_that_groups_address_without_content(self):
        w = self.w
        g1, g2 = f"beihilfe{mv.uid()}@example.org", f"finanzierung{mv.uid()}@example.org"
        self.set_address("beihilfe", g1)
        self.set_address("finanzierung", g2)
        try:
            marker = mv.uid()
            kasse_send(w.org.pnr, f"Betreff-{marker}", text=f"Geheimer Text {marker}", gruppe="beihilfe",
                       files=[(f"Datei-{marker}.pdf", PDF)])
            m = mv.wait_mail(g1, SUBJ_NEW)
            self.assertEqual(m["subject"], SUBJ_NEW)
            self.assertIn(f"To: {g1}", m["raw_headers"])
            self.assertEqual(m["rcpt"], [g1])
            self.assertTrue(m["body"].startswith(self.expected_body_start("Gruppenpostfach Beihilfe", "beihilfe")),
                            m["body"])
            for leak in [marker, "Betreff-", "Geheimer Text", "Datei-", ".pdf"]:
                self.assertNotIn(leak, m["body"])
                self.assertNotIn(leak, m["raw"])
            barrier()
            self.assertEqual(len(notifications(g1)), 1, "exactly one")
            self.assertEqual(notifications(g2), [], "not the other group's address")
            for member in (w.a, w.b):
                self.assertEqual(notifications(member.email), [], "members get no mail of their own")
        finally:
            self.set_address("beihilfe", "")
            self.set_address("finanzierung", "")

    def test_each_message_one_mail(self):
        w = self.w
        addr = f"gl{mv.uid()}@example.org"
        self.set_address("geschaeftsleitung", addr)
        try:
            for i in range(3):
                kasse_send(w.org.pnr, f"Nummer {i}", gruppe="geschaeftsleitung")
            for i in range(3):
                m = mv.wait_mail(addr, SUBJ_NEW)
                self.assertIn("Gruppenpostfach Geschäftsleitung", m["body"])
                self.assertIn(f"{mv.BASE}/postfach/geschaeftsleitung", m["body"])
            barrier()
            self.assertEqual(len(notifications(addr)), 3)
        finally:
            self.set_address("geschaeftsleitung", "")

    def test_changed_address_is_used_at_once(self):
        w = self.w
        old, new = f"alt{mv.uid()}@example.org", f"neu{mv.uid()}@example.org"
        self.set_address("administration", old)
        self.set_address("administration", new)
        try:
            kasse_send(w.org.pnr, "Nach Adresswechsel", gruppe="administration")
            m = mv.wait_mail(new, SUBJ_NEW)
            self.assertIn("Gruppenpostfach Administration", m["body"])
            barrier()
            self.assertEqual(notifications(old), [])
            self.assertEqual(len(notifications(new)), 1)
        finally:
            self.set_address("administration", "")

    def test_personal_message_notifies_the_sachbearbeiter(self):
        w = self.w
        marker = mv.uid()
        kasse_send(w.org.pnr, f"Persönlich {marker}", text=f"Text {marker}", kennung=w.a.kennung)
        m = mv.wait_mail(w.a.email, SUBJ_NEW)
        self.assertTrue(m["body"].startswith(self.expected_body_start("Persönliches Postfach", "persoenlich")),
                        m["body"])
        self.assertNotIn(marker, m["raw"])
        barrier()
        self.assertEqual(len(notifications(w.a.email)), 1)
        self.assertEqual(notifications(w.b.email), [])

    def test_no_address_no_mail_and_messages_to_the_kasse_notify_nobody(self):
        w = self.w
        addr = f"mr{mv.uid()}@example.org"
        self.set_address("beihilfe", addr)
        try:
            send(w.ca, "beihilfe", "An die Kasse", "Text", [("a.pdf", PDF)])
            send(w.ca, "persoenlich", "An die Kasse", "Text")
            send(w.cb, "beihilfe", "AW: x", "Text")
            barrier()
            self.assertEqual(notifications(addr), [])
            self.assertEqual(notifications(w.a.email), [])
            self.assertEqual(notifications(w.b.email), [])
            # removed address: a Kasse message notifies nobody
            self.set_address("beihilfe", "")
            kasse_send(w.org.pnr, "Ohne Adresse", gruppe="beihilfe")
            barrier()
            self.assertEqual(notifications(addr), [])
            self.assertEqual(notifications(w.a.email) + notifications(w.b.email), [])
        finally:
            self.set_address("beihilfe", "")

    def test_smtp_down_notification_arrives_once_later(self):
        w = self.w
        addr = f"verz{mv.uid()}@example.org"
        self.set_address("mitglieder-recht", addr)
        try:
            mv.sink_stop()
            try:
                kasse_send(w.org.pnr, "Während der Störung", gruppe="mitglieder-recht")
                if mv.is_root():
                    rows = mv.db(f"SELECT status FROM outbox WHERE to_addr = '{addr}'")
                    self.assertEqual(len(rows), 1)
                    self.assertIn(rows[0][0], ("wartend", "versand"))
                time.sleep(1.0)
            finally:
                mv.sink_start()
            m = mv.wait_mail(addr, SUBJ_NEW, timeout=40)
            self.assertIn("Gruppenpostfach Mitglieder/Recht", m["body"])
            time.sleep(1.5)
            self.assertEqual(len(notifications(addr)), 1, "exactly once")
            if mv.is_root():
                self.assertEqual(mv.db(f"SELECT status FROM outbox WHERE to_addr = '{addr}'"), [["gesendet"]])
        finally:
            self.set_address("mitglieder-recht", "")


# ---------------------------------------------------------------- the Kasse's command line

class Kasse(Base):
    def test_send_text_and_json(self):
        w = self.w
        r = mv.mvctl("message", "send", "--pnr", w.org.pnr, "--gruppe", "beihilfe", "--betreff", "Per Text",
                     "--text", "Hallo")
        self.assertEqual(r.rc, 0, r)
        m = re.fullmatch(r"Nachricht (\d+) zugestellt\.\n", r.out)
        self.assertTrue(m, r.out)
        self.assertEqual(r.err, "")
        mid = int(m.group(1))
        self.assertEqual(entry(w.cb, "beihilfe", mid)["betreff"], "Per Text")
        r = mv.mvctl("--json", "message", "send", "--pnr", w.org.pnr, "--kennung", w.b.kennung, "--betreff", "Per JSON",
                     "--text", "Hallo", "--anhang", write_file("Übersicht März.pdf", PDF))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(list(r.json()), ["id"])
        pid = r.json()["id"]
        self.assertGreater(pid, mid)
        j = message(w.cb, pid)
        self.assertEqual((j["postfach"], j["betreff"], j["absender"], [d["dateiname"] for d in j["anhaenge"]]),
                         ("persoenlich", "Per JSON", KASSE, ["Übersicht März.pdf"]))
        audit = [e for e in U.audit_cli(w.org.pnr) if e["ereignis"] == "message_from_kasse"]
        self.assertIn(f"Nachricht {pid}, 1 Dokument(e)", [e["aenderung"] for e in audit])

    def test_send_errors_store_nothing(self):
        w = self.w
        other_sb = w.d.kennung  # a Sachbearbeiter of organisation 2
        P = w.org.pnr
        big = write_file("gross.pdf", b"%PDF-1.7\n" + b"A" * (10 * MiB - 8))
        ok = write_file("ok.pdf", PDF)
        base = ["message", "send", "--pnr", P, "--betreff", "B", "--text", "T"]
        cases = [
            (["message", "send", "--pnr", "1", "--gruppe", "beihilfe", "--betreff", "B", "--text", "T"],
             "no organisation with PNR 1"),
            (base + ["--gruppe", "nix"], f"unknown group nix {GROUP_LIST}"),
            (base + ["--kennung", "S201-AAAAAAAAAAAA"], "no Sachbearbeiter S201-AAAAAAAAAAAA in this organisation"),
            (base + ["--kennung", other_sb], f"no Sachbearbeiter {other_sb} in this organisation"),
            (base + ["--kennung", w.admin.kennung], f"no Sachbearbeiter {w.admin.kennung} in this organisation"),
            (base + ["--gruppe", "beihilfe", "--kennung", w.a.kennung], USAGE_SEND),
            (base, USAGE_SEND),
            (["message", "send", "--pnr", P, "--gruppe", "beihilfe", "--text", "T"], USAGE_SEND),
            (["message", "send", "--pnr", P, "--gruppe", "beihilfe", "--betreff", "", "--text", "T"],
             "--betreff: 1-255 characters without control characters"),
            (["message", "send", "--pnr", P, "--gruppe", "beihilfe", "--betreff", "x" * 256, "--text", "T"],
             "--betreff: 1-255 characters without control characters"),
            (["message", "send", "--pnr", P, "--gruppe", "beihilfe", "--betreff", "B", "--text", ""],
             "--text: 1-20000 characters of UTF-8"),
            (base + ["--gruppe", "beihilfe", "--anhang", ok, "--anhang", write_file("x.pdf", HTML_DOC)],
             not_a_document("x.pdf")),
            (base + ["--gruppe", "beihilfe", "--anhang", write_file("bild.pdf", SVG_DOC)], not_a_document("bild.pdf")),
            (base + ["--gruppe", "beihilfe", "--anhang", write_file("leer.pdf", b"")], empty_file("leer.pdf")),
            (base + ["--gruppe", "beihilfe", "--anhang", os.path.join(tmpdir(), "fehlt.pdf")],
             "cannot read attachment: No such file or directory"),
            (base + ["--gruppe", "beihilfe", "--anhang", ok, "--anhang", big], too_big("gross.pdf")),
            (base + ["--gruppe", "beihilfe"] + ["--anhang", ok] * 11, "too many attachments"),
        ]
        before = stored(w.org)
        for args, msg in cases:
            r = mv.mvctl(*args)
            self.assertEqual((r.rc, r.out, r.err), (1, "", f"mvctl: {msg}\n"), args)
        r = mv.mvctl("--json", *(base + ["--gruppe", "nix"]))
        self.assertEqual((r.rc, r.out), (1, ""))
        self.assertEqual(json.loads(r.err), {"error": f"unknown group nix {GROUP_LIST}"})
        self.assertEqual(stored(w.org), before, "nothing stored")
        self.assertEqual(stored(w.org2)[0], len(kasse_list(w.org2.pnr)))

    def test_list(self):
        w = self.w
        a, ac = U.admin_session()  # an organisation of its own: the list is exactly what happens here
        o = a.org
        s = U.activate(U.create(ac, vorname="Lisa", name="Liste", gruppen=("Mitglieder/Recht",)))
        c = U.login(s)
        m1 = kasse_send(o.pnr, "Eins", gruppe="mitglieder-recht", files=[("a.pdf", PDF), ("b.png", PNG)])
        m2 = kasse_send(o.pnr, "Zwei", kennung=s.kennung)
        m3 = sent_id(send(c, "mitglieder-recht", "Drei", "Text", [("c.jpg", JPEG)], json=True))
        m4 = sent_id(send(c, "persoenlich", "Vier", "Text", json=True))
        got = kasse_list(o.pnr)
        for e in got:
            self.assertRegex(e.pop("zeit"), r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
        self.assertEqual(got, [
            {"id": m1, "richtung": "an_mitglied", "postfach": "mitglieder-recht", "absender": KASSE, "betreff": "Eins",
             "anhaenge": 2},
            {"id": m2, "richtung": "an_mitglied", "postfach": s.kennung, "absender": KASSE, "betreff": "Zwei",
             "anhaenge": 0},
            {"id": m3, "richtung": "an_kasse", "postfach": "mitglieder-recht", "absender": "Lisa Liste",
             "betreff": "Drei", "anhaenge": 1},
            {"id": m4, "richtung": "an_kasse", "postfach": s.kennung, "absender": "Lisa Liste", "betreff": "Vier",
             "anhaenge": 0},
        ])
        r = mv.mvctl("message", "list", "--pnr", o.pnr)
        self.assertEqual(r.rc, 0)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 4)
        self.assertRegex(lines[0], r"^%d  \S+Z  an_mitglied  mitglieder-recht   %s: Eins \(2 Dokumente\)$"
                         % (m1, re.escape(KASSE)))
        self.assertRegex(lines[3], r"^%d  \S+Z  an_kasse     %s  Lisa Liste: Vier \(0 Dokumente\)$" % (m4, s.kennung))
        # --seit
        today = time.strftime("%Y-%m-%d", time.gmtime())
        self.assertEqual([e["id"] for e in kasse_list(o.pnr, "--seit", today)], [m1, m2, m3, m4])
        self.assertEqual([e["id"] for e in kasse_list(o.pnr, "--seit", time.strftime("%d.%m.%Y", time.gmtime()))],
                         [m1, m2, m3, m4])
        self.assertEqual(kasse_list(o.pnr, "--seit", "2099-01-01"), [])
        r = mv.mvctl("message", "list", "--pnr", o.pnr, "--seit", "gestern")
        self.assertEqual((r.rc, r.err), (1, "mvctl: --seit JJJJ-MM-TT or TT.MM.JJJJ\n"))
        r = mv.mvctl("message", "list")
        self.assertEqual((r.rc, r.err), (1, "mvctl: --pnr is required\n"))
        # an organisation of nobody else: nothing of it shows elsewhere
        self.assertNotIn(m1, [e["id"] for e in kasse_list(w.org.pnr)])

    def test_list_unknown_pnr_is_an_error(self):
        # like `message send` and `audit`: a mistyped PNR must not look like "no messages"
        r = mv.mvctl("message", "list", "--pnr", "1")
        self.assertEqual((r.rc, r.out, r.err), (1, "", "mvctl: no organisation with PNR 1\n"))

    def test_export(self):
        w = self.w
        text = "Sehr geehrte Damen und Herren,\n\nanbei der Bescheid.\n"
        mid = kasse_send(w.org.pnr, "Bescheid 2024", text=text, gruppe="beihilfe",
                         files=[("Übersicht März.pdf", PDF), ("Foto.png", PNG)])
        zeit = [e for e in kasse_list(w.org.pnr) if e["id"] == mid][0]["zeit"]
        docs = message(w.cb, mid)["anhaenge"]
        out = os.path.join(tmpdir(), f"export-{mid}")
        r = mv.mvctl("message", "export", "--id", str(mid), "--dir", out)
        self.assertEqual(r.rc, 0, r)
        names = [f"nachricht-{mid}.txt", f"{mid}-{docs[0]['id']}-Übersicht März.pdf", f"{mid}-{docs[1]['id']}-Foto.png"]
        self.assertEqual(r.out, "".join(f"{out}/{n}\n" for n in names))
        self.assertEqual(sorted(os.listdir(out)), sorted(names))
        with open(os.path.join(out, names[0]), encoding="utf-8") as f:
            self.assertEqual(f.read(), f"Nachricht: {mid}\nZeit: {zeit}\nMitglied (PNR): {w.org.pnr}\nPostfach: Beihilfe\n"
                                       f"Richtung: Kasse an Mitglied\nAbsender: {KASSE}\nBetreff: Bescheid 2024\n\n{text}\n")
        for n, data in zip(names[1:], [PDF, PNG]):
            with open(os.path.join(out, n), "rb") as f:
                self.assertEqual(f.read(), data)
        # never overwrites
        with open(os.path.join(out, names[1]), "wb") as f:
            f.write(b"changed")
        r = mv.mvctl("message", "export", "--id", str(mid), "--dir", out)
        self.assertEqual((r.rc, r.err), (1, f"mvctl: cannot write nachricht-{mid}.txt (exists already?)\n"))
        with open(os.path.join(out, names[1]), "rb") as f:
            self.assertEqual(f.read(), b"changed")
        # --json, and a message sent by a Sachbearbeiter from the personal mailbox
        pid = sent_id(send(w.ca, "persoenlich", "Antwort der Gemeinde", "Danke.", json=True))
        out2 = os.path.join(tmpdir(), f"export-{pid}")
        r = mv.mvctl("--json", "message", "export", "--id", str(pid), "--dir", out2)
        self.assertEqual((r.rc, r.json()), (0, {"dateien": [f"nachricht-{pid}.txt"]}))
        with open(os.path.join(out2, f"nachricht-{pid}.txt"), encoding="utf-8") as f:
            t = f.read()
        self.assertIn(f"\nPostfach: persönlich ({w.a.kennung})\nRichtung: Mitglied an Kasse\nAbsender: Alma Apfel\n"
                      "Betreff: Antwort der Gemeinde\n\nDanke.\n", t)
        # errors
        r = mv.mvctl("message", "export", "--id", "999999999999", "--dir", out2)
        self.assertEqual((r.rc, r.err), (1, "mvctl: no message 999999999999\n"))
        for args in [["--id", "abc", "--dir", out2], ["--id", str(mid)], ["--dir", out2]]:
            r = mv.mvctl("message", "export", *args)
            self.assertEqual((r.rc, r.err), (1, "mvctl: usage: message export --id N --dir D\n"), args)


# ---------------------------------------------------------------- stored markup

class Escaping(Base):
    def test_stored_markup_shown_escaped(self):
        w = self.w
        mid = kasse_send(w.org.pnr, XSS, text="<script>alert(2)</script>\n</div><b>fett</b>", gruppe="beihilfe",
                         files=[("<svg onload=alert(3)>.pdf", PDF)])
        esc = "&quot;&gt;&lt;svg onload=alert(1)&gt;"
        r = w.cb.get("/postfach/beihilfe")
        self.assertIn(f'<a href="/nachricht/{mid}">{esc} (ungelesen)</a>', r.text)
        r = w.cb.get(f"/nachricht/{mid}")
        self.assertIn(f"<h1>{esc}</h1>", r.text)
        self.assertIn(f"<title>{esc} – Meine Versorgung</title>", r.text)
        self.assertIn('<div class="message-text">&lt;script&gt;alert(2)&lt;/script&gt;\n'
                      '&lt;/div&gt;&lt;b&gt;fett&lt;/b&gt;</div>', r.text)
        r2 = w.cb.get(f"/postfach/beihilfe/neu?antwort={mid}")
        self.assertIn(f'value="AW: {esc}"', r2.text)
        for page in (w.cb.get("/postfach/beihilfe").text, r.text, r2.text):
            for raw in ["<svg onload", "<script>alert(2)", "<b>fett", "</div><b>"]:
                self.assertNotIn(raw, page)
        # JSON carries the raw text as JSON
        self.assertEqual(message(w.cb, mid)["betreff"], XSS)
        self.assertEqual(entry(w.cb, "beihilfe", mid)["betreff"], XSS)

    def test_user_names_escaped_as_sender_and_first_reader(self):
        w = self.w
        s = U.activate(U.create(w.ac, vorname="<b>Eve", name="O'Neil</td>", gruppen=("Beihilfe",)))
        c = U.login(s)
        mid = kasse_send(w.org.pnr, "Zuerst Eve", gruppe="beihilfe")
        self.assertEqual(c.get(f"/nachricht/{mid}").status, 200)
        sid = sent_id(send(c, "beihilfe", "Von Eve", "Text", json=True))
        esc = "&lt;b&gt;Eve O&#39;Neil&lt;/td&gt;"
        r = w.cb.get("/postfach/beihilfe")
        self.assertNotIn("<b>Eve", r.text)
        self.assertRegex(r.text, "<td[^>]*>%s</td></tr>" % re.escape(esc))
        self.assertEqual(html_rows(r.text)[mid][5], "<b>Eve O'Neil</td>")
        r = w.cb.get(f"/nachricht/{mid}")
        self.assertNotIn("<b>Eve", r.text)
        self.assertIn(f"<dt>Zuerst geöffnet von</dt><dd>{esc} am ", r.text)
        for page in (w.cb.get("/postfach/beihilfe?ordner=gesendet").text, w.cb.get(f"/nachricht/{sid}").text):
            self.assertNotIn("<b>Eve", page)
            self.assertIn(esc, page)
        self.assertEqual(message(w.cb, sid)["absender"], "<b>Eve O'Neil</td>")


if __name__ == "__main__":
    unittest.main()
