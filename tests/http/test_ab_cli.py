"""mvctl ab aenderungen, ab zugriffe, ab aufraeumen (SPEC §13, DOMAIN.md §5) and the retention step of
the mailer's housekeeping; the demo file seed/demo-anspruchsberechtigte.jsonl (DOMAIN.md §3).

Persons, contact changes and access rows are written straight into the database (as root), so
these tests do not depend on the import or the pages."""

import datetime
import json
import os
import time
import unittest

import mv
import users_lib as U


def q(s):
    """A SQL string literal (the tests' own values; quotes and backslashes doubled)."""
    if s is None:
        return "NULL"
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def new_person(org, nr=None, name="Muster", vorname="Erika"):
    nr = nr or f"T-{mv.uid()[-12:]}"
    mv.db(f"INSERT INTO person (org_id, nr, art, name, vorname, geburtsdatum, inhalt) "
          f"SELECT id, {q(nr)}, 'aktiv', {q(name)}, {q(vorname)}, '1975-04-12', UNHEX(REPEAT('00', 16)) "
          f"FROM organisation WHERE pnr = {q(org.pnr)}")
    return nr


def add_change(nr, feld, alt, neu, wer="S201-DEMO00000001", wer_name="Max Mustermensch", at="NOW()"):
    mv.db(f"INSERT INTO kontakt_aenderung (person_id, at, wer, wer_name, feld, alt, neu) "
          f"SELECT id, {at}, {q(wer)}, {q(wer_name)}, {q(feld)}, {q(alt)}, {q(neu)} FROM person WHERE nr = {q(nr)}")
    return int(mv.db("SELECT MAX(id) FROM kontakt_aenderung")[0][0])


def add_access(org, nr, aktion="ansehen", wer="S201-DEMO00000001", wer_name="Max Mustermensch", at="NOW()"):
    mv.db(f"INSERT INTO ab_zugriff (at, org_id, wer, wer_name, person_nr, aktion, remote) "
          f"SELECT {at}, id, {q(wer)}, {q(wer_name)}, {q(nr)}, {q(aktion)}, '127.0.0.1' "
          f"FROM organisation WHERE pnr = {q(org.pnr)}")
    return int(mv.db("SELECT MAX(id) FROM ab_zugriff")[0][0])


def listed(ids):
    rows = mv.db(f"SELECT id, gelistet_am IS NOT NULL FROM kontakt_aenderung WHERE id IN ({','.join(map(str, ids))})")
    return {int(i): v == "1" for i, v in rows}


def mine(items, ids):
    return [a for a in items if a["id"] in ids]


@unittest.skipUnless(mv.is_root(), "needs the database as root")
class Aenderungen(mv.Case):
    def test_unlisted_once_then_seit_lists_again(self):
        org = mv.new_org()
        nr = new_person(org)
        a = add_change(nr, "plz", "48143", "48149")
        b = add_change(nr, "email", None, "erika@example.org", wer="S201-DEMO00000002", wer_name="Hannah Groß")
        self.assertEqual(listed([a, b]), {a: False, b: False})
        r = mv.mvctl("--json", "ab", "aenderungen")
        self.assertEqual(r.rc, 0, r)
        j = r.json()
        self.assertEqual(list(j), ["aenderungen"])
        got = mine(j["aenderungen"], {a, b})
        at = mv.db(f"SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s') FROM kontakt_aenderung WHERE id = {a}")[0][0]
        self.assertEqual(got[0], {"id": a, "pnr": org.pnr, "nr": nr, "feld": "plz", "alt": "48143", "neu": "48149",
                                  "wer": "S201-DEMO00000001", "wer_name": "Max Mustermensch", "zeitpunkt": at})
        self.assertEqual(got[1]["alt"], None)
        self.assertEqual(got[1]["neu"], "erika@example.org")
        self.assertEqual(got[1]["wer_name"], "Hannah Groß")
        self.assertEqual([x["id"] for x in got], [a, b])  # ordered by id
        self.assertEqual(listed([a, b]), {a: True, b: True})
        # ordered by id over the whole list
        ids = [x["id"] for x in j["aenderungen"]]
        self.assertEqual(ids, sorted(ids))
        # listed once: the next run without --seit does not show them again
        c = add_change(nr, "ort", "Münster", "Telgte")
        r = mv.mvctl("--json", "ab", "aenderungen")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([x["id"] for x in mine(r.json()["aenderungen"], {a, b, c})], [c])
        # --seit ID: every change after ID, listed or not; the stamp of a listed one stays
        stamp = mv.db(f"SELECT gelistet_am FROM kontakt_aenderung WHERE id = {a}")[0][0]
        d = add_change(nr, "telefon", "0251 1", "0251 2")
        r = mv.mvctl("--json", "ab", "aenderungen", "--seit", str(a - 1))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([x["id"] for x in mine(r.json()["aenderungen"], {a, b, c, d})], [a, b, c, d])
        self.assertTrue(all(x["id"] >= a for x in r.json()["aenderungen"]))
        self.assertEqual(mv.db(f"SELECT gelistet_am FROM kontakt_aenderung WHERE id = {a}")[0][0], stamp)
        self.assertEqual(listed([d]), {d: True})  # the unlisted one among them is marked now
        r = mv.mvctl("--json", "ab", "aenderungen", "--seit", str(c))
        self.assertEqual([x["id"] for x in mine(r.json()["aenderungen"], {a, b, c, d})], [d])
        # an audit row with the count
        rows = mv.db("SELECT actor, detail FROM audit_log WHERE event = 'ab_aenderungen_gelistet' ORDER BY id DESC LIMIT 1")
        self.assertEqual(rows[0][0], "mvctl")
        self.assertRegex(rows[0][1], r"^gelistet=\d+ neu=0 \(--seit\)$")

    def test_text_output_is_terminal_safe(self):
        org = mv.new_org()
        nr = new_person(org)
        hostile = "Haupt\x1b[2Jstr.\u009b31m\x07 1"
        a = add_change(nr, "strasse", "Alte\nStr. 2", hostile, wer_name="Evil\x1b]0;pwned\x07 Name")
        r = mv.mvctl("ab", "aenderungen")
        self.assertEqual(r.rc, 0, r)
        line = [x for x in r.out.split("\n") if x.startswith(f"{a} ")]
        self.assertEqual(len(line), 1, r.out)
        for ch in ("\x1b", "\x07", "\u009b"):
            self.assertNotIn(ch, r.out)
        self.assertIn(f"{org.pnr}  {nr}  strasse: Alte\\x0aStr. 2 -> Haupt\\x1b[2Jstr.\\u009b31m\\x07 1", line[0])
        self.assertIn("(S201-DEMO00000001, Evil\\x1b]0;pwned\\x07 Name)", line[0])
        self.assertEqual(listed([a]), {a: True})
        # JSON keeps the values exactly; C1 controls written as \\u00NN, so none reaches the terminal raw
        r = mv.mvctl("--json", "ab", "aenderungen", "--seit", str(a - 1))
        self.assertNotIn("\u009b", r.out)
        self.assertNotIn("\x1b", r.out)
        self.assertEqual(mine(r.json()["aenderungen"], {a})[0]["neu"], hostile)

    def test_empty_and_usage(self):
        r = mv.mvctl("--json", "ab", "aenderungen", "--seit", "999999999999")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json(), {"aenderungen": []})
        r = mv.mvctl("ab", "aenderungen", "--seit", "abc")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.err, "mvctl: usage: ab aenderungen [--seit ID]\n")


@unittest.skipUnless(mv.is_root(), "needs the database as root")
class Zugriffe(mv.Case):
    def test_filter_shape_and_isolation(self):
        org, other = mv.new_org(), mv.new_org()
        p1, p2 = new_person(org), new_person(org)
        x = new_person(other)
        t1 = add_access(org, p1, at="NOW() - INTERVAL 3 DAY")
        t2 = add_access(org, p2, aktion="aendern", wer="S201-DEMO00000002", wer_name="Hannah Groß")
        t3 = add_access(org, p1, at="NOW() - INTERVAL 1 DAY")
        add_access(other, x)
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", org.pnr)
        self.assertEqual(r.rc, 0, r)
        j = r.json()
        self.assertEqual(list(j), ["zugriffe"])
        times = {i: mv.db(f"SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s') FROM ab_zugriff WHERE id = {i}")[0][0]
                 for i in (t1, t2, t3)}
        # oldest first
        self.assertEqual(j["zugriffe"], [
            {"zeitpunkt": times[t1], "wer": "S201-DEMO00000001", "wer_name": "Max Mustermensch", "nr": p1,
             "aktion": "ansehen"},
            {"zeitpunkt": times[t3], "wer": "S201-DEMO00000001", "wer_name": "Max Mustermensch", "nr": p1,
             "aktion": "ansehen"},
            {"zeitpunkt": times[t2], "wer": "S201-DEMO00000002", "wer_name": "Hannah Groß", "nr": p2,
             "aktion": "aendern"},
        ])
        # one person
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", org.pnr, "--nr", p2)
        self.assertEqual([z["nr"] for z in r.json()["zugriffe"]], [p2])
        # from a date on (TT.MM.JJJJ or JJJJ-MM-TT)
        since = (datetime.datetime.utcnow() - datetime.timedelta(days=2)).date()
        for d in (since.isoformat(), since.strftime("%d.%m.%Y")):
            r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", org.pnr, "--seit", d)
            self.assertEqual([z["zeitpunkt"] for z in r.json()["zugriffe"]], [times[t3], times[t2]], d)
        # another organisation's rows are absent; a person of another organisation shows nothing
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", org.pnr, "--nr", x)
        self.assertEqual(r.json(), {"zugriffe": []})
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", other.pnr)
        self.assertEqual([z["nr"] for z in r.json()["zugriffe"]], [x])
        # text: one line each, oldest first
        r = mv.mvctl("ab", "zugriffe", "--pnr", org.pnr)
        self.assertEqual(r.rc, 0, r)
        lines = r.out.rstrip("\n").split("\n")
        self.assertEqual(len(lines), 3, r.out)
        self.assertEqual(lines[0], f"{times[t1]} UTC  ansehen  {p1}  S201-DEMO00000001 (Max Mustermensch)")
        self.assertEqual(lines[2], f"{times[t2]} UTC  aendern  {p2}  S201-DEMO00000002 (Hannah Groß)")

    def test_unknown_pnr_and_usage(self):
        r = mv.mvctl("ab", "zugriffe", "--pnr", "999999999999999")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, "mvctl: no organisation with PNR 999999999999999\n")
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", "999999999999999")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(json.loads(r.err), {"error": "no organisation with PNR 999999999999999"})
        r = mv.mvctl("ab", "zugriffe")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.err, "mvctl: usage: ab zugriffe --pnr P [--nr N] [--seit DATUM]\n")
        org = mv.new_org()
        r = mv.mvctl("ab", "zugriffe", "--pnr", org.pnr, "--seit", "31.02.2024")
        self.assertEqual(r.rc, 1, r)
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", org.pnr)
        self.assertEqual((r.rc, r.json()), (0, {"zugriffe": []}))
        r = mv.mvctl("ab", "zugriffe", "--pnr", org.pnr)
        self.assertEqual((r.rc, r.out), (0, ""))

    def test_many_rows_stream_in_chunks(self):
        """More rows than one chunk (5000), many with the same second: each exactly once, in order."""
        org = mv.new_org()
        nr = new_person(org)
        mv.db(f"INSERT INTO ab_zugriff (at, org_id, wer, wer_name, person_nr, aktion) "
              f"SELECT '2026-01-01 10:00:00' + INTERVAL (seq DIV 7000) SECOND, o.id, 'S201-DEMO00000001', 'Max', "
              f"{q(nr)}, 'ansehen' FROM seq_1_to_12000 JOIN organisation o ON o.pnr = {q(org.pnr)}")
        ids = [int(r[0]) for r in mv.db(f"SELECT z.id FROM ab_zugriff z JOIN organisation o ON o.id = z.org_id "
                                        f"WHERE o.pnr = {q(org.pnr)} ORDER BY z.at, z.id")]
        self.assertEqual(len(ids), 12000)
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", org.pnr)
        self.assertEqual(r.rc, 0, r)
        z = r.json()["zugriffe"]
        self.assertEqual(len(z), 12000)
        self.assertEqual(sum(1 for x in z if x["zeitpunkt"] == "2026-01-01 10:00:00"), 6999)
        r = mv.mvctl("ab", "zugriffe", "--pnr", org.pnr, "--nr", nr)
        self.assertEqual(r.out.count("\n"), 12000)


def access_ids(org):
    return {int(r[0]) for r in mv.db(f"SELECT z.id FROM ab_zugriff z JOIN organisation o ON o.id = z.org_id "
                                     f"WHERE o.pnr = {q(org.pnr)}")}


@unittest.skipUnless(mv.is_root(), "needs the database as root")
class Retention(mv.Case):
    def test_aufraeumen_removes_rows_older_than_the_period(self):
        mv.restart_app(MV_AB_ZUGRIFF_TAGE=30)  # mvctl takes the same overrides
        try:
            org = mv.new_org()
            nr = new_person(org)
            old = [add_access(org, nr, at=f"NOW() - INTERVAL {d} DAY") for d in (31, 400)]
            keep = [add_access(org, nr, at=f"NOW() - INTERVAL {d} DAY") for d in (29, 0)]
            r = mv.mvctl("--json", "ab", "aufraeumen")
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(list(r.json()), ["entfernt"])
            self.assertEqual(list(r.json()["entfernt"]), ["zugriffe"])
            self.assertGreaterEqual(r.json()["entfernt"]["zugriffe"], 2)  # the mailer may have been first
            self.assertEqual(access_ids(org), set(keep))
            for i in old:
                self.assertEqual(mv.db(f"SELECT COUNT(*) FROM ab_zugriff WHERE id = {i}"), [["0"]])
            r = mv.mvctl("ab", "aufraeumen")
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.out, "Entfernt: 0 Einträge des Zugriffsprotokolls (älter als 30 Tage)\n")
        finally:
            mv.restart_app()

    def test_default_keeps_two_years(self):
        org = mv.new_org()
        nr = new_person(org)
        keep = add_access(org, nr, at="NOW() - INTERVAL 729 DAY")
        gone = add_access(org, nr, at="NOW() - INTERVAL 731 DAY")
        r = mv.mvctl("--json", "ab", "aufraeumen")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(access_ids(org), {keep})
        self.assertNotIn(gone, access_ids(org))

    def test_many_rows_in_chunks(self):
        """More than one DELETE chunk (10,000) goes in one run."""
        mv.restart_app(MV_AB_ZUGRIFF_TAGE=30)
        try:
            org = mv.new_org()
            nr = new_person(org)
            mv.db(f"INSERT INTO ab_zugriff (at, org_id, wer, wer_name, person_nr, aktion) "
                  f"SELECT NOW() - INTERVAL 40 DAY, o.id, 'S201-DEMO00000001', 'Max', {q(nr)}, 'ansehen' "
                  f"FROM seq_1_to_25000 JOIN organisation o ON o.pnr = {q(org.pnr)}")
            keep = add_access(org, nr)
            r = mv.mvctl("--json", "ab", "aufraeumen")
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(access_ids(org), {keep})
        finally:
            mv.restart_app()

    def test_mailer_housekeeping_removes_them(self):
        org = mv.new_org()
        nr = new_person(org)
        old = add_access(org, nr, at="NOW() - INTERVAL 10 DAY")
        keep = add_access(org, nr, at="NOW() - INTERVAL 5 DAY")
        mv.restart_app(MV_AB_ZUGRIFF_TAGE=7, MV_HOUSEKEEPING_INTERVAL_S=1)
        try:
            deadline = time.time() + 20
            while old in access_ids(org) and time.time() < deadline:
                time.sleep(0.2)
            self.assertEqual(access_ids(org), {keep})
            # and again later, within the interval, without a restart
            old2 = add_access(org, nr, at="NOW() - INTERVAL 8 DAY")
            deadline = time.time() + 20
            while old2 in access_ids(org) and time.time() < deadline:
                time.sleep(0.2)
            self.assertEqual(access_ids(org), {keep})
        finally:
            mv.restart_app()


SEED = os.path.join(mv.REPO, "seed", "demo-anspruchsberechtigte.jsonl")
DEMO_PNR = "78970"
KEYS = {"pnr", "nr", "art", "name", "vorname", "titel", "geburtsname", "geburtsdatum", "familienstand",
        "familienstand_seit", "anschrift", "telefon", "email", "dienst", "versorgung", "lebenslauf"}


def has_import():
    """Whether this tree's mvctl has `ab import` (its usage text names every command)."""
    return "mvctl ab import" in mv.mvctl().err


def day(s):
    return datetime.date.fromisoformat(s)


class DemoFile(unittest.TestCase):
    """The demo data `make run` loads: DOMAIN.md §3's format, the §2 worked example first."""

    @classmethod
    def setUpClass(cls):
        with open(SEED, encoding="utf-8") as f:
            cls.lines = f.read().split("\n")
        assert cls.lines[-1] == "", "the file ends with a newline"
        cls.recs = [json.loads(x) for x in cls.lines[:-1]]

    def test_records_are_plausible(self):
        recs = self.recs
        self.assertGreaterEqual(len(recs), 35)
        nrs = [r["nr"] for r in recs]
        self.assertEqual(len(nrs), len(set(nrs)))
        by_nr = {r["nr"]: r for r in recs}
        for r in recs:
            self.assertLessEqual(set(r), KEYS, r["nr"])
            self.assertEqual(r["pnr"], DEMO_PNR)
            self.assertRegex(r["nr"], r"^[A-Z0-9-]{1,20}$")
            day(r["geburtsdatum"])
            a = r["anschrift"]
            self.assertEqual(a["land"], "DE")
            self.assertRegex(a["plz"], r"^\d{5}$")
            if r["art"] == "aktiv":
                self.assertIsNotNone(r["dienst"])
                self.assertIsNone(r.get("versorgung"))
                periods = r["lebenslauf"]
                self.assertTrue(periods, r["nr"])
                for p, nxt in zip(periods, periods[1:]):
                    self.assertIsNotNone(p["ende"], r["nr"])
                    self.assertLess(day(p["ende"]), day(nxt["beginn"]), r["nr"])  # no overlap, in order
                g = r["dienst"]["besoldungsgruppe"]
                self.assertEqual(r["dienst"].get("stufe") is None, g[0] in "BW", r["nr"])
            else:
                self.assertIn(r.get("lebenslauf"), (None, []), r["nr"])
                self.assertIsNone(r.get("dienst"))
            if r["art"] == "hinterbliebene":
                v = r["versorgung"]
                self.assertIn(v["art"], ("witwengeld", "waisengeld"))
                self.assertEqual(by_nr[v["bezug_nr"]]["art"], "ruhestand")
            if r["art"] == "ruhestand":
                self.assertEqual(r["versorgung"]["art"], "ruhegehalt")
        arts = {r["art"] for r in recs}
        self.assertEqual(arts, {"aktiv", "ruhestand", "hinterbliebene", "ausgeschieden"})
        zeitarten = {p["zeitart"] for r in recs for p in r.get("lebenslauf") or []}
        self.assertLessEqual({"BEAMT", "EZ", "URLOB", "AUSB", "SONST", "WEHR", "ATZ", "VORB"}, zeitarten)
        periods = [p for r in recs for p in r.get("lebenslauf") or []]
        self.assertTrue(any(p["ende"] is None for p in periods))
        self.assertTrue(any(p["anerkennung"] == "offen" for p in periods))
        self.assertTrue(any(p["umfang"] == [20.5, 41] for p in periods))
        self.assertTrue(any(p["umfang"] == [30, 41] for p in periods))
        self.assertTrue(any(c in r["name"] for r in recs for c in "äöüÄÖÜß"))

    def test_first_is_the_worked_example(self):
        r = self.recs[0]
        self.assertEqual((r["name"], r["vorname"], r["art"]), ("Muster", "Erika", "aktiv"))
        self.assertEqual([(p["beginn"], p["ende"], p["zeitart"], p["umfang"]) for p in r["lebenslauf"]], [
            ("2001-08-01", "2010-07-31", "BEAMT", [41, 41]),
            ("2010-08-01", "2015-07-31", "BEAMT", [30, 41]),
            ("2015-08-01", "2016-07-31", "EZ", [41, 41]),
        ])
        days = sum(((day(p["ende"]) - day(p["beginn"])).days + 1) * p["umfang"][0] / p["umfang"][1]
                   * (0 if p["zeitart"] == "EZ" else 1) for p in r["lebenslauf"])
        self.assertEqual(round(days / 365, 2), 12.67)

    @unittest.skipUnless(mv.VAR, "needs the stack")
    def test_importer_accepts_it(self):
        """`ab import --dry-run` finds no error (for a fresh organisation: the test database must not
        hold the demo one, see test_security_checklist)."""
        if not has_import():
            self.skipTest("mvctl ab import is not built into this tree")
        org = mv.new_org()
        path = os.path.join(mv.VAR, f"demo-{org.pnr}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for r in self.recs:
                f.write(json.dumps(dict(r, pnr=org.pnr), ensure_ascii=False) + "\n")
        try:
            r = mv.mvctl("--json", "ab", "import", "--file", path, "--dry-run")
        finally:
            os.unlink(path)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json()["fehler"], [])
        self.assertEqual(r.json()["neu"], len(self.recs))


@unittest.skipUnless(mv.is_root(), "needs the database as root")
class DemoImported(mv.Case):
    """The demo file imported for a fresh organisation (the numbers prefixed, so they are new in this
    database); a Sachbearbeiter with the right sees the worked example as DOMAIN.md §2 derives it."""

    def test_worked_example_page(self):
        if not has_import():
            self.skipTest("mvctl ab import is not built into this tree")
        with open(SEED, encoding="utf-8") as f:
            recs = [json.loads(x) for x in f if x.strip()]
        admin, ac = U.admin_session()
        tag = mv.uid()[-6:]
        path = os.path.join(mv.VAR, f"demo-{tag}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for r in recs:
                r = dict(r, pnr=admin.org.pnr, nr=f"D{tag}-{r['nr']}")
                if r.get("versorgung") and r["versorgung"].get("bezug_nr"):
                    r["versorgung"] = dict(r["versorgung"], bezug_nr=f"D{tag}-{r['versorgung']['bezug_nr']}")
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        try:
            r = mv.mvctl("--json", "ab", "import", "--file", path)
        finally:
            os.unlink(path)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual((r.json()["neu"], r.json()["fehler"]), (len(recs), []))
        s = U.activate(U.create(ac, "Sina", f"Demo{mv.uid()}", rechte=["anspruchsberechtigte", "kontaktdaten"]))
        c = U.login(s)
        if c.get("/anspruchsberechtigte").status == 404:
            self.skipTest("the Anspruchsberechtigte pages are not built into this tree")
        r = c.get(f"/anspruchsberechtigte/D{tag}-MR-0001", json=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual((j["name"], j["vorname"]), ("Muster", "Erika"))
        self.assertEqual(j["ruhegehaltfaehige_dienstzeit_jahre"], 12.67)
        self.assertEqual(j["ruhegehaltssatz_prozent"], 22.73)
        r = c.get("/anspruchsberechtigte?name=Mueller", json=True)
        self.assertEqual(r.status, 200, r)
        self.assertIn(f"D{tag}-MR-0002", [t["nr"] for t in r.json()["treffer"]])
        # the views are in the access log, and `ab zugriffe` lists them
        r = mv.mvctl("--json", "ab", "zugriffe", "--pnr", admin.org.pnr, "--nr", f"D{tag}-MR-0001")
        self.assertEqual([(z["wer"], z["aktion"]) for z in r.json()["zugriffe"]], [(s.kennung, "ansehen")])
        # a contact change made on the page waits for the Kasse: `ab aenderungen` lists it once
        nr = f"D{tag}-MR-0001"
        c.get(f"/anspruchsberechtigte/{nr}/kontaktdaten")
        a = j["anschrift"]
        r = c.post(f"/anspruchsberechtigte/{nr}/kontaktdaten", {
            "strasse": a["strasse"], "plz": "48147", "ort": a["ort"], "land": a["land"], "telefon": j["telefon"],
            "email": j["email"], "version": str(j["version"])})
        self.assertEqual(r.status, 303, r)
        r = mv.mvctl("--json", "ab", "aenderungen")
        self.assertEqual(r.rc, 0, r)
        got = [x for x in r.json()["aenderungen"] if x["nr"] == nr]
        self.assertEqual([{k: x[k] for k in ("pnr", "feld", "alt", "neu", "wer", "wer_name")} for x in got], [
            {"pnr": admin.org.pnr, "feld": "plz", "alt": "48143", "neu": "48147", "wer": s.kennung,
             "wer_name": f"{s.vorname} {s.name}"}])
        r = mv.mvctl("--json", "ab", "aenderungen")
        self.assertEqual([x for x in r.json()["aenderungen"] if x["nr"] == nr], [])


if __name__ == "__main__":
    unittest.main()
