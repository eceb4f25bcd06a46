"""The Anspruchsberechtigte list's anchors (issue 12, flat deep pages; sql/015, fcgi/ab_pos.c): every
100th entry of an organisation's list (order name, vorname, nr) with its position, recomputed by the
import's last step; valid while ab_pos_stand.gueltig = 1, which every import batch clears for the
organisations it writes, in its own transaction (the import is the only writer of persons). A page at OFFSET 100 or more starts at the
anchor before it when the anchors are valid, else pages with OFFSET as before.

Every page is compared with MariaDB's own order of the organisation's persons (ORDER BY name, vorname,
nr), with valid anchors, after an import added, removed and renamed persons, and with the flag
cleared (what a crash mid-import leaves)."""

import json
import os
import random
import tempfile

import mv
import users_lib as U

NAMES = ["Müller", "Muller", "Mueller", "Maier", "Meier", "Schmidt", "Schmitt", "Özdemir", "Ozdemir", "Zimmer",
         "de Vries", "D'Angelo", "Ärger", "Aal", "Weiß", "Weiss"]
VORNAMEN = ["Anna", "Änne", "Bernd", "Jürgen", "Juergen", "Özlem", "Paul", "Zoe"]


def record(pnr, nr, name, vorname):
    return {"pnr": pnr, "nr": nr, "art": "ruhestand", "name": name, "vorname": vorname,
            "geburtsdatum": "1950-01-02", "versorgung": {"art": "ruhegehalt", "beginn": "2015-02-01"}}


def write_file(recs):
    fd, path = tempfile.mkstemp(suffix=".jsonl")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


class Anchors(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not mv.is_root():
            raise AssertionError("these tests read and change the anchors with SQL: they need the database as root")
        cls.admin, cls.ac = U.admin_session()
        cls.pnr = cls.admin.org.pnr
        cls.oid = int(mv.db(f"SELECT id FROM organisation WHERE pnr = '{cls.pnr}'")[0][0])
        s = U.activate(U.create(cls.ac, "Sina", f"Sachbearb{mv.uid()}", rechte=["anspruchsberechtigte"]))
        cls.c = U.login(s)
        rng = random.Random(15)
        cls.tag = "A" + mv.uid()[:8].upper()
        cls.recs = [record(cls.pnr, f"{cls.tag}-{i:04d}", rng.choice(NAMES), rng.choice(VORNAMEN)) for i in range(260)]
        cls.import_ok(cls.recs)

    @classmethod
    def import_ok(cls, recs, *flags):
        path = write_file(recs)
        try:
            r = mv.mvctl("--json", "ab", "import", "--file", path, *flags)
        finally:
            os.unlink(path)
        assert r.rc == 0, r
        return r.json()

    def flag(self):
        rows = mv.db(f"SELECT gueltig FROM ab_pos_stand WHERE org_id = {self.oid}")
        return int(rows[0][0]) if rows else 0

    def set_flag(self, v):
        mv.db(f"UPDATE ab_pos_stand SET gueltig = {v} WHERE org_id = {self.oid}")

    def sql_order(self):
        return [r[0] for r in mv.db(f"SELECT nr FROM person WHERE org_id = {self.oid} ORDER BY name, vorname, nr")]

    def page(self, seite, size):
        r = self.c.get(f"/anspruchsberechtigte?seite={seite}&pro_seite={size}", json=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        return j["gesamt"], [t["nr"] for t in j["treffer"]]

    def assert_pages_match(self, sizes=(20, 50, 100)):
        want = self.sql_order()
        for size in sizes:
            got = []
            for seite in range(1, (len(want) + size - 1) // size + 1):
                gesamt, nrs = self.page(seite, size)
                self.assertEqual(gesamt, len(want))
                got += nrs
            with U.case(pro_seite=size, flag=self.flag()):
                self.assertEqual(got, want)

    def test_1_import_sets_anchors_and_every_page_is_in_order(self):
        self.assertEqual(self.flag(), 1)
        anchors = mv.db(f"SELECT pos, nr FROM ab_anker WHERE org_id = {self.oid} ORDER BY pos")
        want = self.sql_order()
        self.assertEqual([(int(p), nr) for p, nr in anchors], [(1, want[0]), (101, want[100]), (201, want[200])])
        self.assert_pages_match()

    def test_2_anchors_are_used_only_while_valid(self):
        want = self.sql_order()
        # a wrong anchor (the entry 150 at position 101) shows on the page that starts from it: the path is taken
        row = mv.db(f"SELECT name, vorname, nr FROM person WHERE nr = '{want[149]}'")[0]
        old = mv.db(f"SELECT name, vorname, nr FROM ab_anker WHERE org_id = {self.oid} AND pos = 101")[0]
        lit = lambda v: "'" + v.replace("\\", "\\\\").replace("'", "''") + "'"
        mv.db(f"UPDATE ab_anker SET name = {lit(row[0])}, vorname = {lit(row[1])}, nr = {lit(row[2])} "
              f"WHERE org_id = {self.oid} AND pos = 101")
        try:
            self.assertEqual(self.page(6, 20)[1], want[149:169])
            # the flag cleared (as a crash mid-import leaves it): OFFSET, the right page
            self.set_flag(0)
            self.assertEqual(self.page(6, 20)[1], want[100:120])
        finally:
            mv.db(f"UPDATE ab_anker SET name = {lit(old[0])}, vorname = {lit(old[1])}, nr = {lit(old[2])} "
                  f"WHERE org_id = {self.oid} AND pos = 101")
            self.set_flag(1)
        self.assertEqual(self.page(6, 20)[1], want[100:120])

    def test_3_an_import_batch_clears_the_flag_so_the_anchors_are_recomputed(self):
        nr = self.sql_order()[5]
        mv.db(f"UPDATE person SET telefon = '0251 99', version = version + 1 WHERE nr = '{nr}'")  # a contact change
        self.assertEqual(self.flag(), 1)
        # anchors made wrong while the flag says valid: only a batch that clears the flag gets them recomputed
        mv.db(f"UPDATE ab_anker SET name = 'Zzzz' WHERE org_id = {self.oid} AND pos = 101")
        recs = [dict(r) for r in self.recs]
        recs[5]["name"] = "Aaaa"  # a rename through the import
        self.import_ok(recs)
        self.assertEqual(self.flag(), 1)
        self.assertEqual(mv.db(f"SELECT COUNT(*) FROM ab_anker WHERE org_id = {self.oid} AND name = 'Zzzz'"), [["0"]])
        self.assert_pages_match(sizes=(20,))
        self.import_ok(self.recs)  # the file again renames it back and recomputes
        self.assertEqual(self.flag(), 1)
        self.assert_pages_match(sizes=(20,))

    def test_4_import_adds_removes_and_renames(self):
        rng = random.Random(16)
        recs = [dict(r) for r in self.recs]
        del recs[10:40]  # 30 removed (--full)
        for r in recs[::7]:  # renamed
            r["name"] = rng.choice(NAMES) + "-" + rng.choice(NAMES)
        recs += [record(self.pnr, f"{self.tag}-N{i:03d}", rng.choice(["Aab", "Zzz", "Müller", "Muller"]),
                        rng.choice(VORNAMEN)) for i in range(75)]  # 75 new, at the front, middle and end
        out = self.import_ok(recs, "--full")
        self.assertEqual((out["neu"], out["entfernt"]), (75, 30))
        self.assertEqual(self.flag(), 1)
        self.assertEqual(len(self.sql_order()), 305)
        self.assertEqual(int(mv.db(f"SELECT COUNT(*) FROM ab_anker WHERE org_id = {self.oid}")[0][0]), 4)
        self.assert_pages_match()
        self.set_flag(0)
        try:
            self.assert_pages_match(sizes=(20,))
        finally:
            self.set_flag(1)
        self.import_ok(self.recs, "--full")  # back to the first file for the other tests
        self.assertEqual(self.flag(), 1)
        self.assert_pages_match(sizes=(20,))

    def test_5_unchanged_import_leaves_the_anchors(self):
        before = mv.db(f"SELECT pos, name, vorname, nr FROM ab_anker WHERE org_id = {self.oid} ORDER BY pos")
        self.import_ok(self.recs)
        self.assertEqual(self.flag(), 1)
        self.assertEqual(mv.db(f"SELECT pos, name, vorname, nr FROM ab_anker WHERE org_id = {self.oid} ORDER BY pos"),
                         before)
