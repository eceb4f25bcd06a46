"""Documents and messages hardened after issue 11: names end in the extension of the type found and lose
bidirectional and other format characters (item 2) — on upload, in the message view, on download (also for
rows stored before the rule) and in `mvctl message export`; a download decides access before it reads the
content (item 3); a HEAD of a message does not mark it read (item 8); the "Gesendet" folder names the
recipient, the reply page shows the message answered, sizes are written "MB" (item 16)."""

import html as htmllib
import os
import re
import shutil
import tempfile
import unittest
import urllib.parse

import mv
import users_lib as U

KASSE = "Kommunale Versorgungskassen Westfalen-Lippe"
NO_DOC = "Dieses Dokument gibt es nicht."
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
# Unicode format characters (category Cf) and controls a name must not carry (line breaks are the page's own)
FORMAT_CHARS = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064"
                          "\u2066-\u206f\ufeff]")


class World:
    """Organisation 1: Alma (Beihilfe), logged in. Organisation 2: Dora (Beihilfe), logged in."""


_world = None
_tmp = None


def world():
    global _world
    if _world is None:
        w = World()
        w.admin, w.ac = U.admin_session()
        w.org = w.admin.org
        w.a = U.activate(U.create(w.ac, vorname="Alma", name="Apfel", gruppen=("Beihilfe",)))
        w.ca = U.login(w.a)
        w.admin2, w.ac2 = U.admin_session()
        w.org2 = w.admin2.org
        w.d = U.activate(U.create(w.ac2, vorname="Dora", name="Dattel", gruppen=("Beihilfe",)))
        w.cd = U.login(w.d)
        _world = w
    return _world


def tmpdir():
    global _tmp
    if _tmp is None:
        _tmp = tempfile.mkdtemp(prefix="mv-hardening-docs-")
    return _tmp


def tearDownModule():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def kasse_send(pnr, betreff, text="Text der Kasse", gruppe="beihilfe", files=()):
    """A message from the Kasse (mvctl message send); files: (name, bytes), written under those names."""
    args = ["--json", "message", "send", "--pnr", pnr, "--gruppe", gruppe, "--betreff", betreff, "--text", text]
    for name, data in files:
        d = tempfile.mkdtemp(dir=tmpdir())
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        args += ["--anhang", os.path.join(d, name)]
    r = mv.mvctl(*args)
    if r.rc != 0:
        raise AssertionError(f"mvctl message send failed: {r!r}")
    return r.json()["id"]


def send(client, box, betreff="Anfrage", text="Text", files=(), fields=()):
    """POST /postfach/{box}/neu as multipart (JSON answer); returns the new message's id."""
    f = [("betreff", betreff), ("nachricht", text)] + list(fields)
    r = mv.post_multipart(client, f"/postfach/{box}/neu", f, [("anhang", n, d) for n, d in files], json=True)
    if r.status != 200:
        raise AssertionError(f"sending failed: {r!r}")
    return r.json()["id"]


def message(client, mid):
    r = client.get(f"/nachricht/{mid}", json=True)
    if r.status != 200:
        raise AssertionError(f"/nachricht/{mid}: {r!r}")
    return r.json()


def entry(client, box, mid, query=""):
    r = client.get(f"/postfach/{box}" + (f"?{query}" if query else ""), json=True)
    assert r.status == 200, r
    return next((m for m in r.json()["nachrichten"] if m["id"] == mid), None)


def offered_name(resp):
    """The name of a download's Content-Disposition: (ASCII fallback, UTF-8 name)."""
    cd = resp.header("Content-Disposition") or ""
    m = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]+)', cd)
    if not m:
        raise AssertionError(f"Content-Disposition {cd!r}")
    return m.group(1), urllib.parse.unquote(m.group(2), encoding="utf-8", errors="strict")


def export(mid):
    out = os.path.join(tmpdir(), f"export-{mid}-{mv.uid()}")
    r = mv.mvctl("--json", "message", "export", "--id", str(mid), "--dir", out)
    if r.rc != 0:
        raise AssertionError(f"mvctl message export failed: {r!r}")
    return out, r.json()["dateien"]


class Base(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w = world()


# ---------------------------------------------------------------- item 2: names end in the type's extension

DISGUISED = [  # (name sent, content, name stored and offered)
    ("Bescheid.pdf.html", PDF, "Bescheid.pdf.html.pdf"),
    ("run.bat", PDF, "run.bat.pdf"),
    (f"Rechnung{RLO}fdp.hta", PDF, "Rechnungfdp.hta.pdf"),
    ("Zahl\u200b\u2066ung\u2069.exe\u00ad", PDF, "Zahlung.exe.pdf"),
    ("Foto.png", JPEG, "Foto.png.jpg"),
    ("Scan", PNG, "Scan.png"),
    ("Bescheid.PDF", PDF, "Bescheid.PDF"),
    ("Foto.jpeg", JPEG, "Foto.jpeg"),
    ("Antrag.pdf.", PDF, "Antrag.pdf"),
    (f"{RLO}\u200b", PDF, "Dokument.pdf"),
]
TYPES = {PDF: ("application/pdf", "PDF"), PNG: ("image/png", "PNG"), JPEG: ("image/jpeg", "JPEG")}


class DocumentNames(Base):
    def check_offered(self, client, mid, want):
        """The message (JSON and page), each download and the Kasse's export offer exactly the names want."""
        docs = message(client, mid)["anhaenge"]
        self.assertEqual([d["dateiname"] for d in docs], [n for n, _ in want])
        page = client.get(f"/nachricht/{mid}")
        self.assertEqual(page.status, 200)
        self.assertIsNone(FORMAT_CHARS.search(page.text), "no format or control character on the page")
        for d, (name, data) in zip(docs, want):
            kind = TYPES[data][1]
            self.assertIn(f'<a href="/anhang/{d["id"]}" download>{htmllib.escape(name, quote=False)}</a> ({kind}, ',
                          page.text)
            dl = client.get(f"/anhang/{d['id']}")
            self.assertEqual((dl.status, dl.body, dl.header("Content-Type")), (200, data, TYPES[data][0]))
            ascii_name, utf8_name = offered_name(dl)
            self.assertEqual(utf8_name, name)
            self.assertTrue(ascii_name.endswith(os.path.splitext(name)[1]), ascii_name)
        out, files = export(mid)
        self.assertEqual(files[1:], [f"{mid}-{d['id']}-{name}" for d, (name, _) in zip(docs, want)])
        for f, (_, data) in zip(files[1:], want):
            with open(os.path.join(out, f), "rb") as fh:
                self.assertEqual(fh.read(), data)

    def test_uploaded_names_end_in_the_extension_of_the_type_found(self):
        w = self.w
        mid = send(w.ca, "beihilfe", "Getarnte Namen", "Text", [(n, d) for n, d, _ in DISGUISED])
        self.check_offered(w.ca, mid, [(stored, d) for _, d, stored in DISGUISED])
        if mv.is_root():
            rows = mv.db(f"SELECT dateiname FROM anhang WHERE nachricht_id = {mid} ORDER BY id")
            self.assertEqual([r[0] for r in rows], [stored for _, _, stored in DISGUISED], "stored so")

    def test_kasse_documents_too(self):
        w = self.w
        files = [("Bescheid.pdf.html", PDF), ("run.bat", PDF), (f"Rechnung{RLO}fdp.hta", PDF)]
        mid = kasse_send(w.org.pnr, "Kasse mit getarnten Namen", files=files)
        self.check_offered(w.ca, mid, [("Bescheid.pdf.html.pdf", PDF), ("run.bat.pdf", PDF),
                                       ("Rechnungfdp.hta.pdf", PDF)])

    def test_refused_file_named_without_format_characters(self):
        w = self.w
        r = mv.post_multipart(w.ca, "/postfach/beihilfe/neu", [("betreff", "x"), ("nachricht", "y")],
                              [("anhang", f"Rechnung{RLO}fdp.hta", b"<html>")], json=True)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["errors"]["anhang"],
                         "Die Datei „Rechnungfdp.hta“ ist kein PDF-, PNG- oder JPEG-Dokument. Andere Dateiarten "
                         "können nicht übermittelt werden.")

    @unittest.skipUnless(mv.is_root(), "needs the stack's MariaDB as root")
    def test_rows_stored_before_the_rule_are_offered_and_exported_safely(self):
        w = self.w
        mid = kasse_send(w.org.pnr, "Alte Zeilen", files=[("a.pdf", PDF), ("b.png", PNG)])
        ids = [int(r[0]) for r in mv.db(f"SELECT id FROM anhang WHERE nachricht_id = {mid} ORDER BY id")]
        # as the portal stored them before: any extension, format characters kept
        mv.db(f"UPDATE anhang SET dateiname = CONCAT('Rechnung', CONVERT(UNHEX('E280AE') USING utf8mb4), "
              f"'fdp.hta') WHERE id = {ids[0]}")
        mv.db(f"UPDATE anhang SET dateiname = 'Bild.html' WHERE id = {ids[1]}")
        self.check_offered(w.ca, mid, [("Rechnungfdp.hta.pdf", PDF), ("Bild.html.png", PNG)])


# ---------------------------------------------------------------- item 3: access decided before the content is read

CONTENT_READ = re.compile(r"\bdaten\b", re.I)  # the column of the content (not "dateiname")


class GeneralLog:
    """MariaDB's general log (as a table) on for the statements of a block: every statement that named the
    table anhang while it was on, as text (prepared statements: their Prepare or Execute line)."""

    def __enter__(self):
        mv.db("SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1; TRUNCATE mysql.general_log")
        self.statements = []
        return self

    def __exit__(self, *exc):
        try:
            rows = mv.db("SELECT HEX(argument) FROM mysql.general_log WHERE command_type IN "
                         "('Query', 'Prepare', 'Execute') AND argument LIKE '%anhang%'")
            self.statements = [bytes.fromhex(r[0]).decode("utf-8", "replace") for r in rows]
        finally:
            mv.db("SET GLOBAL general_log = 0; TRUNCATE mysql.general_log")
        return False


class DownloadAccessFirst(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        w = cls.w
        big = b"%PDF-1.7\n" + b"A" * (4 * 1048576)
        cls.mid = kasse_send(w.org.pnr, "Großes Dokument", files=[("gross.pdf", big)])
        cls.doc = message(w.ca, cls.mid)["anhaenge"][0]["id"]
        cls.big = big

    def test_other_organisations_document_answers_like_a_missing_one(self):
        w = self.w
        missing = 10 ** 15
        a, b = w.cd.get(f"/anhang/{self.doc}"), w.cd.get(f"/anhang/{missing}")
        self.assertEqual((a.status, b.status), (404, 404))
        self.assertIn(NO_DOC, a.alert_text())
        self.assertEqual((a.body, a.header("Content-Type")), (b.body, b.header("Content-Type")))
        a, b = w.cd.get(f"/anhang/{self.doc}", json=True), w.cd.get(f"/anhang/{missing}", json=True)
        self.assertEqual((a.status, a.body), (b.status, b.body))
        self.assertEqual(a.json()["errors"], {"_": NO_DOC})

    @unittest.skipUnless(mv.is_root(), "needs the stack's MariaDB as root")
    def test_access_is_decided_before_the_content_is_read(self):
        w = self.w
        with GeneralLog() as log:
            self.assertEqual(w.cd.get(f"/anhang/{self.doc}").status, 404)
        self.assertTrue(log.statements, "the lookup of the document ran (and was logged)")
        self.assertEqual([s for s in log.statements if CONTENT_READ.search(s)], [],
                         "no statement reading the content ran for another organisation's document")
        # the same check sees the content read when access is granted
        with GeneralLog() as log:
            r = w.ca.get(f"/anhang/{self.doc}")
        self.assertEqual((r.status, r.body == self.big), (200, True))
        self.assertEqual(len([s for s in log.statements if CONTENT_READ.search(s)]), 1, log.statements)


# ---------------------------------------------------------------- item 8 (part): a HEAD changes nothing

class HeadReadsNothing(Base):
    def test_head_of_a_message_does_not_mark_it_read(self):
        w = self.w
        mid = kasse_send(w.org.pnr, f"Nur HEAD {mv.uid()}")
        r = w.ca.request("HEAD", f"/nachricht/{mid}")
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertTrue((r.header("Content-Type") or "").startswith("text/html"), r.headers)
        e = entry(w.ca, "beihilfe", mid)
        self.assertEqual(e["gelesen"], False, "a HEAD does not mark the message read")
        self.assertNotIn("zuerst_geoeffnet_von", e, "nor make its sender the first reader")
        if mv.is_root():
            self.assertEqual(mv.db(f"SELECT COUNT(*) FROM nachricht_gelesen WHERE nachricht_id = {mid}"), [["0"]])
        r = w.ca.request("HEAD", f"/nachricht/{mid}", json=True)
        self.assertEqual(r.status, 200)
        self.assertEqual(entry(w.ca, "beihilfe", mid)["gelesen"], False)
        # a GET does
        self.assertEqual(w.ca.get(f"/nachricht/{mid}").status, 200)
        e = entry(w.ca, "beihilfe", mid)
        self.assertEqual((e["gelesen"], e["zuerst_geoeffnet_von"]), (True, "Alma Apfel"))


# ---------------------------------------------------------------- item 16 (parts): what the mailbox pages say

HEAD_RE = re.compile(r'<th scope="col">([^<]*)</th>')
# (every cell names its column in data-label, issue 11 item 15)
ROW_RE = re.compile(r'<tr[^>]*><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*><a href="/nachricht/(\d+)">(.*?)</a>'
                    r'</td><td[^>]*>([^<]*)</td>(<td[^>]*>[^<]*</td>)?</tr>', re.S)


def columns(text):
    return [htmllib.unescape(h) for h in HEAD_RE.findall(text)]


def rows(text):
    """{id: (second column, Betreff, fifth column or None)}"""
    return {int(mid): (htmllib.unescape(who), htmllib.unescape(re.sub(r"<[^>]+>", "", subj)),
                       htmllib.unescape(re.sub(r"<[^>]+>", "", fifth)) if fifth else None)
            for _, who, mid, subj, _, fifth in ROW_RE.findall(text)}


class SentFolderNamesTheRecipient(Base):
    def test_gesendet_shows_the_recipient_and_who_sent(self):
        w = self.w
        betreff = f"An die Kasse {mv.uid()}"
        mid = send(w.ca, "beihilfe", betreff, "Text")
        r = w.ca.get("/postfach/beihilfe?ordner=gesendet")
        self.assertEqual(columns(r.text), ["Datum", "Empfänger", "Betreff", "Anhang", "Gesendet von"])
        self.assertEqual(rows(r.text)[mid], (KASSE, betreff, "Alma Apfel"))
        e = entry(w.ca, "beihilfe", mid, "ordner=gesendet")
        self.assertEqual((e["empfaenger"], e["absender"]), (KASSE, "Alma Apfel"))
        # the personal mailbox: only the recipient (the sender is always its owner)
        pid = send(w.ca, "persoenlich", betreff, "Text")
        r = w.ca.get("/postfach/persoenlich?ordner=gesendet")
        self.assertEqual(columns(r.text), ["Datum", "Empfänger", "Betreff", "Anhang"])
        self.assertEqual(rows(r.text)[pid], (KASSE, betreff, None))
        # the message itself
        p = w.ca.get(f"/nachricht/{mid}")
        self.assertIn(f"<dt>Absender</dt><dd>Alma Apfel</dd><dt>Empfänger</dt><dd>{KASSE}</dd>", p.text)
        self.assertEqual(message(w.ca, mid)["empfaenger"], KASSE)
        # the Posteingang keeps "Absender"
        kid = kasse_send(w.org.pnr, f"Von der Kasse {mv.uid()}")
        r = w.ca.get("/postfach/beihilfe")
        self.assertEqual(columns(r.text), ["Datum", "Absender", "Betreff", "Anhang", "Zuerst geöffnet von"])
        self.assertEqual(rows(r.text)[kid][0], KASSE)
        self.assertNotIn("empfaenger", entry(w.ca, "beihilfe", kid))


class ReplyShowsTheMessageAnswered(Base):
    def test_reply_form_shows_the_original_beneath_it(self):
        w = self.w
        betreff = f"Rückfrage <b>{mv.uid()}</b>"
        text = "Bitte senden Sie uns\nden Nachweis <i>bis Freitag</i>."
        mid = kasse_send(w.org.pnr, betreff, text=text)
        datum = message(w.ca, mid)["datum"]
        r = w.ca.get(f"/postfach/beihilfe/neu?antwort={mid}")
        self.assertEqual(r.status, 200)
        t = r.text
        esc = lambda s: htmllib.escape(s, quote=True).replace("&#x27;", "&#39;")  # noqa: E731
        quoted = ('<section class="quoted-message" aria-labelledby="antwort-auf"><h2 id="antwort-auf">Nachricht, auf '
                  f'die Sie antworten</h2><dl class="data"><dt>Betreff</dt><dd>{esc(betreff)}</dd><dt>Absender</dt>'
                  f'<dd>{KASSE}</dd><dt>Datum</dt><dd>{datum}</dd></dl><div class="message-text">{esc(text)}'
                  '</div></section>')
        self.assertIn(quoted, t)
        self.assertLess(t.index("</form>"), t.index(quoted), "beneath the form")
        self.assertIn("<title>Antworten – Meine Versorgung</title>", t)
        self.assertNotIn("<i>bis", t)
        j = w.ca.get(f"/postfach/beihilfe/neu?antwort={mid}", json=True).json()
        self.assertEqual(j["titel"], "Antworten")
        self.assertEqual(j["antwort_auf"], {"id": mid, "betreff": betreff, "absender": KASSE, "datum": datum,
                                            "text": text})
        # refused input: the form comes again with the message answered
        r = mv.post_multipart(w.ca, "/postfach/beihilfe/neu", [("betreff", ""), ("nachricht", "x"),
                                                                 ("antwort", str(mid))])
        self.assertEqual(r.status, 422)
        self.assertIn(quoted, r.text)
        # a new message shows none
        self.assertNotIn("quoted-message", w.ca.get("/postfach/beihilfe/neu").text)
        self.assertNotIn("antwort_auf", w.ca.get("/postfach/beihilfe/neu", json=True).json())


class SizesInMB(Base):
    """Sizes are written "MB" where users read them (the limits stay 10 MiB and 25 MiB in bytes)."""

    def test_hint_and_refusals_say_mb(self):
        w = self.w
        r = w.ca.get("/postfach/beihilfe/neu")
        self.assertIn('<p class="hint" id="f-anhang-hinweis">Höchstens 10 Dokumente, je Dokument höchstens 10 MB.</p>',
                      r.text)
        over = b"%PDF-1.7\n" + b"A" * (10 * 1048576 - 8)
        r = mv.post_multipart(w.ca, "/postfach/beihilfe/neu", [("betreff", "x"), ("nachricht", "y")],
                              [("anhang", "gross.pdf", over)], json=True)
        self.assertEqual((r.status, r.json()["errors"]), (413, {"_": "Die Datei „gross.pdf“ ist größer als 10 MB."}))
        # a body above all documents of a message together (25 MB + 1 MB of text), refused before it is read
        body = b"x" * (26 * 1048576 + 1)
        r = w.ca.request("POST", "/postfach/beihilfe/neu", body=body, json=True,
                         headers={"Content-Type": "multipart/form-data; boundary=x"})
        self.assertEqual((r.status, r.json()["errors"]),
                         (413, {"_": "Die gesendeten Daten sind zu groß. Dokumente dürfen höchstens 10 MB groß sein, "
                                     "alle Dokumente einer Nachricht zusammen höchstens 25 MB."}))
        self.assertNotIn("MiB", r.text)
