"""The list of Meldungen costs the same in every organisation (issue 13 "Performance"; the figures in
tests/bench/README.md "Meldungen"): opened without a filter, its count of at most 101 rows is read from
the index alone. MariaDB's slow log with log_slow_verbosity=engine gives the pages each statement
touched; the count with empty filters that looked up each of its 101 rows in the table touched 2-3
pages per row."""

import os
import re
import unittest

import mv
import users_lib as U

COUNT_SQL = "SELECT COUNT(*) FROM (SELECT 1 FROM meldung WHERE org_id = "


@unittest.skipUnless(mv.is_root(), "needs MariaDB as root (slow log settings)")
class ListCount(unittest.TestCase):
    def test_unfiltered_count_touches_index_pages_only(self):
        admin, ac = U.admin_session()
        sb = U.activate(U.create(ac, vorname="Paula", name=f"Seiten{mv.uid()}", gruppen=("Beamtenversorgung",),
                                 rechte=("anspruchsberechtigte", "formulare")))
        c = U.login(sb)
        org_id = int(mv.db(f"SELECT id FROM organisation WHERE pnr = '{admin.org.pnr}'")[0][0])
        mv.db("INSERT INTO meldung (aktenzeichen, org_id, formular, person_nr, person_name, status, werte, "
              "erstellt_von, erstellt_am, geaendert_am) SELECT CONCAT('BF201-2019-', LPAD(s.seq, 6, '0'), "
              f"'{org_id % 1000:03d}'), {org_id}, 'beurlaubung', 'P-1', 'Muster, Erika', 'eingereicht', '{{}}', "
              "'S201-TEST', NOW(), NOW() FROM seq_1_to_150 s")
        log = os.path.join(mv.VAR, "log", f"slow-{mv.uid()}.log")
        old = mv.db("SELECT @@log_output, @@slow_query_log_file, @@log_slow_verbosity, @@long_query_time")[0]
        # session values are taken when a connection opens: the workers connect anew
        mv.db(f"SET GLOBAL log_output = 'FILE', slow_query_log_file = '{log}', log_slow_verbosity = 'engine', "
              "long_query_time = 0, slow_query_log = 1")
        try:
            mv.restart_app()
            for _ in range(2):
                r = c.get("/formulare", json=True)
                self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json()["gesamt"], r.json()["gesamt_gekappt"]), (101, True))
        finally:
            mv.db(f"SET GLOBAL slow_query_log = 0, long_query_time = {old[3]}, log_slow_verbosity = '{old[2]}', "
                  f"slow_query_log_file = '{old[1]}', log_output = '{old[0]}'")
            mv.restart_app()
        text = open(log, encoding="utf-8", errors="replace").read()
        os.unlink(log)
        # each entry: its "# ..." header lines, then the statement
        pages = [int(p) for p, stmt in re.findall(r"# Pages_accessed: (\d+).*?\n(?:#[^\n]*\n|SET timestamp[^\n]*\n|use [^\n]*\n)*"
                                                   r"([^\n]*)", text, re.S) if stmt.startswith(f"{COUNT_SQL}{org_id} ")]
        self.assertEqual(len(pages), 2, text[-3000:])
        self.assertLessEqual(max(pages), 10, f"the count of the list touched {pages} pages")


if __name__ == "__main__":
    unittest.main()
