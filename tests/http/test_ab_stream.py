"""The import's bulk path (issue 12, performance): new persons, their Lebenslauf and trigrams go to
MariaDB as LOAD DATA LOCAL INFILE rows streamed from the importer's memory (db_load), with a
LOCAL INFILE handler that serves only that stream; when no person exists yet, the batch SELECT is
skipped. These tests hold that path to what the JSON path guaranteed: values arrive exactly
(backslashes, \\N, quotes), a fresh database (no SELECT) and a filled one store the same rows, and
the handler refuses every other file."""
import json
import os
import subprocess

import mv
from test_ab_import import Base, aktiv, periode, pensioner, write_file, db_one, q

TRICKY = ["Back\\slash", "\\N", "\\\\N", "ends\\", "O'Brien \"Quote\"", "NULL", "Tab\\tnot"]


def tricky_person(pnr, nr, k):
    v = TRICKY[k % len(TRICKY)]
    rec = aktiv(pnr, nr, name=f"{v}{k}", vorname=v, titel="\\N", lebenslauf=[
        periode("2001-08-01", "2010-07-31", "BEAMT", [41, 41], dienstherr=v),
        periode("2010-08-01", None, "BEAMT", [30.5, 41], dienstherr="\\")])
    rec["anschrift"]["strasse"] = v
    rec["anschrift"]["ort"] = "\\N"
    return rec


class Handler(Base):
    def test_local_infile_handler_serves_only_the_armed_stream(self):
        p = subprocess.run(["make", "-s", "build/db_stream"], cwd=mv.REPO, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        conf = os.environ.get("MV_CONFIG") or os.path.join(mv.VAR, "mv.conf")
        p = subprocess.run([os.path.join(mv.REPO, "build", "db_stream"), conf], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("FAIL", p.stdout)
        self.assertEqual(p.stdout.count("ok  "), 12, p.stdout)


class Values(Base):
    def check_stored(self, recs):
        for rec in recs:
            nr = rec["nr"]
            where = f"FROM person WHERE nr = {q(nr)}"
            self.assertEqual(db_one(f"SELECT name = {q(rec['name'])}, vorname = {q(rec['vorname'])}, "
                                    f"titel = {q(rec['titel'])}, strasse = {q(rec['anschrift']['strasse'])}, "
                                    f"ort = {q(rec['anschrift']['ort'])}, geburtsname IS NULL {where}"),
                             ["1"] * 6, nr)
            got = mv.db(f"SELECT l.pos, l.dienstherr = {q(rec['lebenslauf'][0]['dienstherr'])}, l.dienstherr = '\\\\', "
                        f"l.ende IS NULL, l.stunden FROM lebenslauf l JOIN person p ON p.id = l.person_id "
                        f"WHERE p.nr = {q(nr)} ORDER BY l.pos")
            self.assertEqual(got, [["0", "1", "0", "0", "41.00"], ["1", "0", "1", "1", "30.50"]], nr)

    def test_backslashes_and_null_lookalikes_stored_exactly_new_and_changed(self):
        org = mv.new_org()
        base = "S" + mv.uid()
        recs = [tricky_person(org.pnr, f"{base}-{k}", k) for k in range(len(TRICKY))]
        j = self.imp_ok(write_file(recs))
        self.assertEqual((j["neu"], j["geaendert"]), (len(recs), 0))
        self.check_stored(recs)
        # changed: every value shifted by one, so every record differs (UPDATE path, Lebenslauf rewritten)
        recs2 = [tricky_person(org.pnr, f"{base}-{k}", k + 1) for k in range(len(TRICKY))]
        j = self.imp_ok(write_file(recs2))
        self.assertEqual((j["neu"], j["geaendert"], j["unveraendert"]), (0, len(recs), 0))
        self.check_stored(recs2)
        self.assertEqual(self.imp_ok(write_file(recs2))["unveraendert"], len(recs))
        # the trigrams of a name with a backslash were stored for the person (one row per trigram, no dupes)
        self.assertEqual(db_one(f"SELECT COUNT(*) > 0, COUNT(*) = COUNT(DISTINCT s.gram) FROM person_such s JOIN person p "
                                f"ON p.id = s.person_id WHERE p.nr = {q(base + '-0')}"), ["1", "1"])


class FreshDatabase(Base):
    """The same file into a database without any person (no batch SELECT, rows built on the reader's
    thread) and into the suite's database (SELECT per batch, rows built after it): the same rows."""
    DBNAME = "mv_ab_stream_fresh"

    def rows(self, db, base):
        sel = (f"SELECT p.nr, p.art, p.name, p.vorname, p.titel, p.geburtsdatum, p.strasse, p.ort, p.land, "
               f"p.dienst_stufe, p.dienst_stunden, HEX(p.inhalt), p.such_name, p.version, "
               f"(SELECT GROUP_CONCAT(CONCAT_WS('|', l.pos, l.beginn, IFNULL(l.ende, '-'), l.zeitart, l.stunden, "
               f"l.regelstunden, IFNULL(l.dienstherr, '-'), l.anerkennung) ORDER BY l.pos SEPARATOR ';') "
               f"FROM {db}.lebenslauf l WHERE l.person_id = p.id), "
               f"(SELECT GROUP_CONCAT(s.gram ORDER BY s.gram SEPARATOR ' ') FROM {db}.person_such s "
               f"WHERE s.person_id = p.id AND s.org_id = p.org_id) "
               f"FROM {db}.person p WHERE p.nr LIKE {q(base + '-%')} ORDER BY p.nr")
        return mv.db(sel)

    def test_empty_and_filled_database_store_the_same_rows(self):
        mv.db(f"DROP DATABASE IF EXISTS {self.DBNAME}")
        mv.db(f"CREATE DATABASE {self.DBNAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        try:
            mv.db(f"GRANT ALL PRIVILEGES ON {self.DBNAME}.* TO 'mv'@'localhost'")
            env = dict(os.environ, MV_DB_NAME=self.DBNAME)
            env.update(mv.SHORT)
            conf = os.environ.get("MV_CONFIG") or os.path.join(mv.VAR, "mv.conf")
            p = subprocess.run([os.path.join(mv.REPO, "build", "meineversorgung"), "--config", conf, "migrate"],
                               env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            org = mv.new_org()
            p = subprocess.run([mv.MVCTL, "org", "add", "--name", "Frischstadt", "--bereich", "Beamtenversorgung",
                                "--pnr", org.pnr, "--abr", org.abr], env=env, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            base = "F" + mv.uid()
            recs = []
            for i in range(1203):  # three batches, the last one short
                if i % 5 == 0:
                    recs.append(pensioner(org.pnr, f"{base}-{i:05d}", name=f"Pens\\{i}"))
                else:
                    recs.append(tricky_person(org.pnr, f"{base}-{i:05d}", i))
            path = write_file(recs)
            p = subprocess.run([mv.MVCTL, "--json", "ab", "import", "--file", path], env=env, capture_output=True,
                               text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(json.loads(p.stdout)["neu"], 1203, p.stdout)
            j = self.imp_ok(path)
            self.assertEqual(j["neu"], 1203, j)
            fresh, filled = self.rows(self.DBNAME, base), self.rows("meineversorgung", base)
            self.assertEqual(len(fresh), 1203)
            self.assertEqual(fresh, filled)
            self.assertEqual(mv.db(f"SELECT ab_anzahl FROM {self.DBNAME}.organisation WHERE pnr = {q(org.pnr)}"),
                             [["1203"]])
        finally:
            mv.db(f"DROP DATABASE IF EXISTS {self.DBNAME}")
