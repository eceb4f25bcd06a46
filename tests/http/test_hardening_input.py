"""Issue 11, items 5, 6, 8 (parts) and 17: C1 control characters (refused in input, escaped in the log
and on the operator's terminal), the per-address login budget and multipart bodies refused before
they are read, the CSRF token never from the query string, names in the /gruppen JSON, long paths in
the audit log, and the idle warning derived from the idle timeout."""

import json as jsonlib
import os
import re
import unittest

import mv
import users_lib as U

BAD_REQUEST = U.BAD_REQUEST
CSI, NEL = "\u009b", "\u0085"  # C1 controls: CSI acts like "ESC [" on many terminals
C1_RE = re.compile("[\u0080-\u009f]")


def log_size(path=mv.APP_LOG):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def log_since(offset, path=mv.APP_LOG):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read()


def needs_root(case):
    if not mv.is_root():
        case.skipTest("needs the database as root (run the suite as root)")


def sql_utf8(b):
    """A SQL expression for the UTF-8 bytes b (control characters survive any client character set)."""
    return f"CONVERT(X'{b.hex()}' USING utf8mb4)"


# ---------------------------------------------------------------- item 5: C1 control characters

class C1Input(mv.Case):
    """C1 controls (U+0080–U+009F) are refused where C0 controls are: 400, nothing stored."""

    def assert_bad_request(self, r, what):
        self.assertEqual(r.status, 400, what)
        if (r.header("Content-Type") or "").startswith("application/json"):
            self.assertEqual(r.json()["errors"], {"_": BAD_REQUEST}, what)
        else:
            self.assertIn(BAD_REQUEST, r.alert_text(), what)

    def test_form_fields_and_query(self):
        c = mv.Client()
        c.get("/support")
        # the C0 control as the reference: refused by the parser
        r = c.post("/support", {"betreff": "Hilfe\x1b[2J", "nachricht": "x", "rueckruf": "1"})
        self.assert_bad_request(r, "C0 reference")
        tag = mv.uid()
        for field, value in (("betreff", f"Hilfe {tag}{CSI}2J"), ("nachricht", f"Zeile{NEL}Zeile {tag}"),
                             ("rueckruf", f"0251{CSI}31m")):
            fields = {"betreff": f"Hilfe {tag}", "nachricht": "x", "rueckruf": "1", field: value}
            for js in (False, True):
                with U.case(field=field, json=js):
                    self.assert_bad_request(c.post("/support", fields, json=js), field)
        self.assertFalse([x for x in mv.mvctl("--json", "feedback", "list").json() if tag in x["betreff"]
                          or tag in x["nachricht"]], "nothing stored")
        self.assert_bad_request(c.get("/anmelden?grund=%C2%9B"), "query")
        self.assert_bad_request(c.post("/anmelden", {"kennung": "X201-" + CSI, "passwort": "Abcdefgh12!x"}), "login")
        # NBSP, © and umlauts are ordinary characters (U+00A0 and later)
        r = c.post("/support", {"betreff": f"Frage\u00a0{tag} © Müller", "nachricht": "x", "rueckruf": "1"})
        self.assertEqual(r.status, 303)

    def test_names_and_messages(self):
        admin, ac = U.admin_session()
        before = U.listing(ac)["gesamt"]
        for vorname in ("Anna" + NEL, "An" + CSI + "na", "\u0080Anna", "Anna\u009f"):
            with U.case(vorname=vorname):
                r = ac.post("/sachbearbeiter/neu", U.form(vorname, "Kontrolle", U.email()), json=True)
                self.assert_bad_request(r, vorname)
        self.assertEqual(U.listing(ac)["gesamt"], before)
        s = U.activate(U.create(ac, vorname="Carl", name="Control", gruppen=("Beihilfe",)))
        sc = U.login(s)
        tag = mv.uid()
        for fields in ([("betreff", f"Betreff {tag}{CSI}2J"), ("nachricht", "Text")],
                       [("betreff", f"Betreff {tag}"), ("nachricht", f"Text{NEL}mit C1")]):
            with U.case(fields=fields):
                r = mv.post_multipart(sc, "/postfach/beihilfe/neu", fields, json=True)
                self.assert_bad_request(r, fields)
        msgs = mv.mvctl("--json", "message", "list", "--pnr", admin.org.pnr).json()
        self.assertFalse([m for m in msgs if tag in m["betreff"]], "nothing stored")
        # a document's name loses its C1 controls like its C0 controls
        pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        r = mv.post_multipart(sc, "/postfach/beihilfe/neu", [("betreff", f"Dokument {tag}"), ("nachricht", "Text")],
                              [("anhang", f"Be{CSI}scheid{NEL}.pdf", pdf, "application/pdf")], json=True)
        self.assertEqual(r.status, 200, r)
        m = sc.get(f"/nachricht/{r.json()['id']}", json=True).json()
        names = [d["dateiname"] for d in m["anhaenge"]]
        self.assertEqual(names, ["Bescheid.pdf"])

    def test_mvctl_input(self):
        org = mv.new_org()
        r = mv.mvctl("message", "send", "--pnr", org.pnr, "--gruppe", "beihilfe", "--betreff", "B" + CSI, "--text", "T")
        self.assertEqual((r.rc, r.err.strip()), (1, "mvctl: --betreff: 1-255 characters without control characters"))
        r = mv.mvctl("message", "send", "--pnr", org.pnr, "--gruppe", "beihilfe", "--betreff", "B", "--text",
                     "T" + CSI + "2J")
        self.assertEqual((r.rc, r.err.strip()), (1, "mvctl: --text: no control characters other than tabs and line "
                                                    "breaks"))
        r = mv.mvctl("admin", "add", "--pnr", org.pnr, "--vorname", "Anna" + NEL, "--name", "N", "--email",
                     U.email(), "--geburtsdatum", "1980-01-01")
        self.assertEqual((r.rc, r.err.strip()), (1, "mvctl: --vorname: 1-100 characters without control characters"))
        self.assertEqual(mv.mvctl("--json", "message", "list", "--pnr", org.pnr).json(), [])


class C1Log(mv.Case):
    def test_c1_in_a_path_is_escaped_in_the_app_log(self):
        """The app logs paths as received: raw C1 bytes in the request line reach it (nginx passes bytes
        >= 0x80) and are written as \\u00NN, like C0 controls as \\xNN."""
        offset = log_size()
        path = "/c1-" + mv.uid() + "\u009b[31m\u0085FAKE"
        body = b"a=%00"
        st, _ = mv.raw_http(b"POST " + path.encode("utf-8") + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                            + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.assertEqual(st, 400)
        raw = log_since(offset)
        text = raw.decode("utf-8", "replace")
        escaped = path.replace("\u009b", "\\u009b").replace("\u0085", "\\u0085")
        self.assertIn("route=" + escaped + " ", text, "the path is logged, escaped")
        self.assertIsNone(C1_RE.search(text), "no raw C1 control character in the app log")
        self.assertNotIn(b"\xc2\x9b", raw)


class C1Terminal(mv.Case):
    """Stored text (written before inputs were checked, or by hand) reaches the operator's terminal
    escaped: `mvctl feedback list`, `message list`, `audit`; --json writes C1 controls as \\u00NN."""

    def assert_terminal_safe(self, out, what):
        self.assertIsNone(C1_RE.search(out), f"{what}: no raw C1 control")
        self.assertNotRegex(out, "[\x00-\x08\x0b-\x1f\x7f]", f"{what}: no raw C0 control but tabs and line ends")

    def setUp(self):
        needs_root(self)

    def test_feedback_list(self):
        tag = mv.uid()
        esc, csi, nel = sql_utf8(b"\x1b[2J"), sql_utf8("\u009b31mrot".encode()), sql_utf8(NEL.encode())
        mv.db("INSERT INTO rueckmeldung (art, betreff, nachricht, rueckruf, erstellt) VALUES ('support', "
              f"CONCAT('Hilfe {tag} ', {esc}, {csi}), 'x', CONCAT('0251', {nel}), NOW())")
        r = mv.mvctl("feedback", "list")
        self.assertEqual(r.rc, 0, r)
        self.assert_terminal_safe(r.out, "feedback list")
        self.assertIn(f"Hilfe {tag} \\x1b[2J\\u009b31mrot  Rückruf: 0251\\u0085\n", r.out)
        r = mv.mvctl("--json", "feedback", "list")
        self.assertEqual(r.rc, 0, r)
        self.assert_terminal_safe(r.out, "feedback list --json")
        self.assertIn("\\u009b31mrot", r.out)
        mine = [x for x in jsonlib.loads(r.out) if tag in x["betreff"]]
        self.assertEqual([(x["betreff"], x["rueckruf"]) for x in mine],
                         [(f"Hilfe {tag} \x1b[2J\u009b31mrot", "0251\u0085")], "the JSON still holds the text")

    def test_message_list_and_audit(self):
        org = mv.new_org()
        r = mv.mvctl("--json", "message", "send", "--pnr", org.pnr, "--gruppe", "beihilfe", "--betreff", "Alt",
                     "--text", "T")
        mid = r.json()["id"]
        subject, bel = sql_utf8("\u009b2J\u0085".encode()), sql_utf8(b"\x07")
        target, detail = sql_utf8(CSI.encode()), sql_utf8("\u009b2J\u0090".encode())
        mv.db(f"UPDATE nachricht SET betreff = CONCAT('Alt', {subject}, {bel}) WHERE id = {mid}")
        mv.db("INSERT INTO audit_log (at, org_id, actor, event, target, remote, detail) SELECT NOW(), id, "
              f"'mvctl', 'org_restricted', CONCAT('x', {target}), 'test', CONCAT('Name: ', {detail}) "
              f"FROM organisation WHERE pnr = '{org.pnr}'")
        r = mv.mvctl("message", "list", "--pnr", org.pnr)
        self.assertEqual(r.rc, 0, r)
        self.assert_terminal_safe(r.out, "message list")
        self.assertIn("Westfalen-Lippe: Alt\\u009b2J\\u0085\\x07 (0 Dokumente)", r.out)
        r = mv.mvctl("--json", "message", "list", "--pnr", org.pnr)
        self.assert_terminal_safe(r.out, "message list --json")
        self.assertEqual(jsonlib.loads(r.out)[0]["betreff"], "Alt\u009b2J\u0085\x07")
        r = mv.mvctl("audit", "--pnr", org.pnr)
        self.assertEqual(r.rc, 0, r)
        self.assert_terminal_safe(r.out, "audit")
        self.assertIn("x\\u009b", r.out)
        self.assertIn("Name: \\u009b2J\\u0090", r.out)
        r = mv.mvctl("--json", "audit", "--pnr", org.pnr)
        self.assert_terminal_safe(r.out, "audit --json")


if __name__ == "__main__":
    unittest.main()
