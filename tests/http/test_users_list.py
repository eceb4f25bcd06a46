"""Overview "Übersicht: Sachbearbeiter" (SPEC §6.2, §10): columns, order, filters, paging at the edges
(0, 20, 21 and 57 Sachbearbeiter, the last two from `mvctl dev seed`)."""

import html as htmllib
import re

import mv
import users_lib as U


def page_links(text):
    """{aria-label: href or None (disabled)} of the pager."""
    out = {}
    glyph = {"Erste Seite": "|&lt;", "Vorherige Seite": "&lt;", "Nächste Seite": "&gt;", "Letzte Seite": "&gt;|"}
    for label in ("Erste Seite", "Vorherige Seite", "Nächste Seite", "Letzte Seite"):
        m = re.search(r'<a href="([^"]*)" aria-label="%s">' % label, text)
        out[label] = htmllib.unescape(m.group(1)) if m else None
        if not m:  # a disabled step is shown but not a link, and hidden from assistive technology
            assert f'<span class="pager-off" aria-hidden="true">{glyph[label]}</span>' in text, label
    return out


def sort_key(u):
    return (u["name"].casefold(), u["vorname"].casefold())


class FiltersAndColumns(mv.Case):
    """A hand-made organisation: six Sachbearbeiter in every status."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin, cls.c = U.admin_session()
        c = cls.c
        cls.zander = U.create(c, "Anna", "Zander", gruppen=["Beihilfe"])
        cls.bernd = U.create(c, "Bernd", "Müller", gruppen=["Beamtenversorgung", "Finanzierung"])
        cls.anton = U.create(c, "Anton", "Müller", gruppen=["Geschäftsleitung"])
        cls.meier = U.create(c, "Clara", "meier", gruppen=["Mitglieder/Recht"])
        cls.dora = U.activate(U.create(c, "Dora", "Becker", gruppen=["Beihilfe", "Administration"]))
        cls.carl = U.create(c, "Carl", "Becker", gruppen=["Finanzierung"])
        r = c.post(f"/sachbearbeiter/{cls.carl.kennung}/sperren", {})
        assert r.status == 303, r
        cls.order = [cls.carl, cls.dora, cls.meier, cls.anton, cls.bernd, cls.zander]

    def names(self, query):
        return [(u["name"], u["vorname"]) for u in U.listing(self.c, query)["sachbearbeiter"]]

    def test_html_columns_and_order(self):
        r = self.c.get("/sachbearbeiter")
        self.assertEqual(r.status, 200)
        self.assertIn("<h1>Übersicht: Sachbearbeiter</h1>", r.text)
        heads = re.findall(r'<th scope="col">([^<]*)</th>', r.text)
        self.assertEqual(heads, ["Name", "Vorname", "Nutzerkennung", "Gruppe", "Benutzerstatus"])
        rows = U.html_rows(r.text)
        self.assertEqual(rows, [
            (self.carl.kennung, "Becker", "Carl", "Finanzierung", "Gesperrt"),
            (self.dora.kennung, "Becker", "Dora", "Beihilfe, Administration", "Aktiv"),
            (self.meier.kennung, "meier", "Clara", "Mitglieder/Recht", "Angelegt"),
            (self.anton.kennung, "Müller", "Anton", "Geschäftsleitung", "Angelegt"),
            (self.bernd.kennung, "Müller", "Bernd", "Beamtenversorgung, Finanzierung", "Angelegt"),
            (self.zander.kennung, "Zander", "Anna", "Beihilfe", "Angelegt"),
        ])
        self.assertEqual(U.range_text(r.text), "1 - 6 von 6")
        for f in ("name", "vorname", "kennung"):
            self.assertIn(f'<input id="filter-{f}" name="{f}" type="text" value="">', r.text)
        for f in ("gruppe", "status"):  # selects since issue 11 item 14 (test_filters_and_log.py)
            self.assertIn(f'<select id="filter-{f}" name="{f}"><option value="" selected>Alle</option>', r.text)
        self.assertIn('<option value="20" selected>20</option>', r.text)
        self.assertEqual(re.findall(r'<option value="(\d+)"', r.text), ["10", "20", "50", "100"])
        self.assertEqual(set(page_links(r.text).values()), {None})

    def test_json_rows(self):
        j = U.listing(self.c)
        self.assertEqual(set(j), {"sachbearbeiter", "gesamt", "seite", "seiten", "pro_seite", "csrf"})
        self.assertEqual((j["gesamt"], j["seite"], j["seiten"], j["pro_seite"]), (6, 1, 1, 20))
        self.assertEqual(j["sachbearbeiter"][1], {"name": "Becker", "vorname": "Dora",
                                                  "nutzerkennung": self.dora.kennung,
                                                  "gruppen": ["Beihilfe", "Administration"], "status": "Aktiv",
                                                  "voruebergehend_gesperrt": False})
        self.assertEqual([u["nutzerkennung"] for u in j["sachbearbeiter"]], [s.kennung for s in self.order])

    def test_filters(self):
        cases = {
            "name=m%C3%BC": [("Müller", "Anton"), ("Müller", "Bernd")],
            "name=M%C3%9CLLER": [("Müller", "Anton"), ("Müller", "Bernd")],
            "name=m": [("meier", "Clara"), ("Müller", "Anton"), ("Müller", "Bernd")],
            "name=MEI": [("meier", "Clara")],
            "name=eier": [("meier", "Clara")],  # anywhere in the name since issue 11 item 14
            "vorname=an": [("Müller", "Anton"), ("Zander", "Anna")],
            "vorname=ANN": [("Zander", "Anna")],
            "kennung=S201-": [(s.name, s.vorname) for s in self.order],
            f"kennung={self.bernd.kennung.lower()}": [("Müller", "Bernd")],
            f"kennung={self.bernd.kennung[:9]}": [("Müller", "Bernd")],
            "gruppe=bei": [("Becker", "Dora"), ("Zander", "Anna")],
            "gruppe=BEAMTEN": [("Müller", "Bernd")],
            "gruppe=fin": [("Becker", "Carl"), ("Müller", "Bernd")],
            "gruppe=mitglieder": [("meier", "Clara")],
            "gruppe=mitglieder-": [("meier", "Clara")],
            "gruppe=gesch%C3%A4": [("Müller", "Anton")],
            "gruppe=GESCH%C3%84": [("Müller", "Anton")],
            "gruppe=geschae": [("Müller", "Anton")],
            "gruppe=adm": [("Becker", "Dora")],
            "gruppe=xyz": [],
            "status=ang": [("meier", "Clara"), ("Müller", "Anton"), ("Müller", "Bernd"), ("Zander", "Anna")],
            "status=AKT": [("Becker", "Dora")],
            "status=ge": [("Becker", "Carl")],
            "status=a": [("Becker", "Dora"), ("meier", "Clara"), ("Müller", "Anton"), ("Müller", "Bernd"),
                         ("Zander", "Anna")],
            "status=x": [],
            "name=m%C3%BCller&gruppe=fin": [("Müller", "Bernd")],
            "name=becker&status=akt": [("Becker", "Dora")],
            "name=becker&status=akt&gruppe=fin": [],
            "gruppe=bei&status=ang&vorname=a": [("Zander", "Anna")],
            "name=%25": [],
            "name=_": [],
            "vorname=%5C": [],
            "name=&vorname=&kennung=&gruppe=&status=": [(s.name, s.vorname) for s in self.order],
            "name=%20m%C3%BC%20": [("Müller", "Anton"), ("Müller", "Bernd")],
        }
        for q, want in cases.items():
            with U.case(q=q):
                j = U.listing(self.c, q)
                self.assertEqual([(u["name"], u["vorname"]) for u in j["sachbearbeiter"]], want)
                self.assertEqual(j["gesamt"], len(want))
                r = self.c.get("/sachbearbeiter?" + q)
                self.assertEqual([(x[1], x[2]) for x in U.html_rows(r.text)], want)
                self.assertEqual(U.range_text(r.text), f"{1 if want else 0} - {len(want)} von {len(want)}")
                if not want:
                    self.assertIn("Keine Sachbearbeiter gefunden.", r.text)

    def test_filter_values_kept_in_form_and_pager(self):
        r = self.c.get("/sachbearbeiter?name=m%C3%BC&gruppe=bei&status=&pro_seite=10")
        self.assertIn('<input id="filter-name" name="name" type="text" value="mü">', r.text)
        self.assertIn('<option value="beihilfe" selected>Beihilfe</option>', r.text)  # a select since issue 11
        self.assertIn('<input type="hidden" name="pro_seite" value="10">', r.text)
        self.assertIn('<input type="hidden" name="name" value="mü">', r.text)
        self.assertIn('<option value="10" selected>10</option>', r.text)

    def test_admin_lock_is_not_a_self_lock(self):
        j = U.listing(self.c, "status=ge")
        self.assertEqual([(u["status"], u["voruebergehend_gesperrt"]) for u in j["sachbearbeiter"]],
                         [("Gesperrt", False)])

    def test_row_opens_details(self):
        r = self.c.get("/sachbearbeiter?vorname=dora")
        self.assertIn(f'<a href="/sachbearbeiter/{self.dora.kennung}">Becker</a>', r.text)
        self.assertEqual(self.c.get(f"/sachbearbeiter/{self.dora.kennung}").status, 200)

    def test_navigation_marks_current_page(self):
        """The admin navigation marks the page it is on with aria-current="page" (a real attribute, not text)."""
        for path, label in (("/sachbearbeiter", "Sachbearbeiter verwalten"),
                            ("/sachbearbeiter/neu", "Sachbearbeiter anlegen")):
            r = self.c.get(path)
            self.assertNotIn("&quot;page&quot;", r.text, path)
            self.assertIn(f'<a href="{path}" aria-current="page">{label}</a>', r.text, path)


class Paging(mv.Case):
    """`mvctl dev seed` organisations with 57, 21 and 20 Sachbearbeiter, and one with none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big = {}
        for n in (57, 21, 20, 0):
            org = U.dev_seed(n)
            admin, c = U.admin_session(org=org)
            cls.big[n] = (org, admin, c)

    def all_rows(self, n):
        c = self.big[n][2]
        return U.listing(c, "pro_seite=100")["sachbearbeiter"]

    def test_dev_seed_data(self):
        rows = self.all_rows(57)
        self.assertEqual(len(rows), 57)
        self.assertEqual(len({u["nutzerkennung"] for u in rows}), 57)
        for u in rows:
            self.assertRegex(u["nutzerkennung"], "^%s$" % U.KENNUNG_RE)
            self.assertTrue(u["gruppen"])
        self.assertEqual(sum(u["status"] == "Aktiv" for u in rows), 19)
        self.assertEqual(sum(u["status"] == "Angelegt" for u in rows), 38)
        self.assertEqual(rows, sorted(rows, key=sort_key), "sorted by Name, then Vorname")

    def test_dev_seed_needs_dev_mode(self):
        r = mv.mvctl("--json", "dev", "seed", "--orgs", "1", "--users", "1", "--pnr", "12345678")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("dev_mode", r.err)
        self.assertEqual(r.out, "")

    def test_57_pages_of_20(self):
        c = self.big[57][2]
        seen = []
        expected = [("1 - 20 von 57", 20), ("21 - 40 von 57", 20), ("41 - 57 von 57", 17)]
        for page, (text, count) in enumerate(expected, 1):
            r = c.get(f"/sachbearbeiter?seite={page}")
            self.assertEqual(U.range_text(r.text), text)
            rows = U.html_rows(r.text)
            self.assertEqual(len(rows), count)
            seen += [x[0] for x in rows]
            j = U.listing(c, f"seite={page}")
            self.assertEqual((j["gesamt"], j["seite"], j["seiten"], j["pro_seite"]), (57, page, 3, 20))
            self.assertEqual([u["nutzerkennung"] for u in j["sachbearbeiter"]], [x[0] for x in rows])
            links = page_links(r.text)
            base = "/sachbearbeiter?name=&vorname=&kennung=&gruppe=&status="
            self.assertEqual(links["Erste Seite"], None if page == 1 else f"{base}&seite=1&pro_seite=20")
            self.assertEqual(links["Vorherige Seite"], None if page == 1 else f"{base}&seite={page - 1}&pro_seite=20")
            self.assertEqual(links["Nächste Seite"], None if page == 3 else f"{base}&seite={page + 1}&pro_seite=20")
            self.assertEqual(links["Letzte Seite"], None if page == 3 else f"{base}&seite=3&pro_seite=20")
        self.assertEqual(seen, [u["nutzerkennung"] for u in self.all_rows(57)])

    def test_page_sizes(self):
        c = self.big[57][2]
        for size, text, pages in ((10, "1 - 10 von 57", 6), (20, "1 - 20 von 57", 3), (50, "1 - 50 von 57", 2),
                                  (100, "1 - 57 von 57", 1)):
            r = c.get(f"/sachbearbeiter?pro_seite={size}")
            self.assertEqual(U.range_text(r.text), text)
            self.assertIn(f'<option value="{size}" selected>', r.text)
            j = U.listing(c, f"pro_seite={size}")
            self.assertEqual((j["pro_seite"], j["seiten"], len(j["sachbearbeiter"])), (size, pages, min(size, 57)))
        for bad in ("15", "0", "-10", "abc", "1000", "20.5", "", "10%2010"):
            j = U.listing(c, f"pro_seite={bad}")
            self.assertEqual((j["pro_seite"], j["seiten"], len(j["sachbearbeiter"])), (20, 3, 20), bad)
        self.assertEqual(U.range_text(c.get("/sachbearbeiter?pro_seite=50&seite=2").text), "51 - 57 von 57")
        self.assertEqual(U.range_text(c.get("/sachbearbeiter?pro_seite=10&seite=6").text), "51 - 57 von 57")

    def test_seite_beyond_last_and_invalid(self):
        c = self.big[57][2]
        for q, page in (("seite=99", 3), ("seite=4", 3), ("seite=1000000000", 3), ("seite=0", 1), ("seite=-1", 1),
                        ("seite=abc", 1), ("seite=", 1), ("pro_seite=50&seite=9", 2)):
            j = U.listing(c, q)
            self.assertEqual(j["seite"], page, q)
        r = c.get("/sachbearbeiter?seite=99")
        self.assertEqual(U.range_text(r.text), "41 - 57 von 57")
        self.assertEqual(len(U.html_rows(r.text)), 17)

    def test_filters_with_paging(self):
        c = self.big[57][2]
        rows = self.all_rows(57)
        bei = [u["nutzerkennung"] for u in rows if "Beihilfe" in u["gruppen"]]
        j = U.listing(c, "gruppe=bei&pro_seite=10")
        self.assertEqual(j["gesamt"], len(bei))
        self.assertEqual(j["seiten"], (len(bei) + 9) // 10)
        got = []
        for p in range(1, j["seiten"] + 1):
            got += [u["nutzerkennung"] for u in U.listing(c, f"gruppe=bei&pro_seite=10&seite={p}")["sachbearbeiter"]]
        self.assertEqual(got, bei)
        self.assertEqual(U.listing(c, "status=ang")["gesamt"], 38)
        self.assertEqual(U.listing(c, "status=akt")["gesamt"], 19)
        both = [u for u in rows if u["status"] == "Aktiv" and "Administration" in u["gruppen"]]
        self.assertEqual(U.listing(c, "status=akt&gruppe=adm")["gesamt"], len(both))
        anna = [u for u in rows if u["vorname"] == "Anna"]
        self.assertEqual(U.listing(c, "vorname=anna")["gesamt"], len(anna))
        # the pager carries the filters
        r = c.get("/sachbearbeiter?gruppe=bei&pro_seite=10")
        if len(bei) > 10:
            self.assertEqual(page_links(r.text)["Nächste Seite"],
                             "/sachbearbeiter?name=&vorname=&kennung=&gruppe=bei&status=&seite=2&pro_seite=10")

    def test_21(self):
        c = self.big[21][2]
        r = c.get("/sachbearbeiter")
        self.assertEqual(U.range_text(r.text), "1 - 20 von 21")
        j = U.listing(c)
        self.assertEqual((j["gesamt"], j["seite"], j["seiten"], len(j["sachbearbeiter"])), (21, 1, 2, 20))
        r = c.get("/sachbearbeiter?seite=2")
        self.assertEqual(U.range_text(r.text), "21 - 21 von 21")
        self.assertEqual(len(U.html_rows(r.text)), 1)
        links = page_links(r.text)
        self.assertIsNone(links["Nächste Seite"])
        self.assertIsNone(links["Letzte Seite"])
        self.assertIsNotNone(links["Vorherige Seite"])
        self.assertEqual(U.range_text(c.get("/sachbearbeiter?seite=3").text), "21 - 21 von 21")
        self.assertEqual(U.listing(c, "seite=2")["sachbearbeiter"][0]["nutzerkennung"],
                         self.all_rows(21)[20]["nutzerkennung"])

    def test_exactly_20(self):
        c = self.big[20][2]
        r = c.get("/sachbearbeiter")
        self.assertEqual(U.range_text(r.text), "1 - 20 von 20")
        self.assertEqual(len(U.html_rows(r.text)), 20)
        self.assertEqual(set(page_links(r.text).values()), {None})
        j = U.listing(c, "seite=2")
        self.assertEqual((j["gesamt"], j["seite"], j["seiten"], len(j["sachbearbeiter"])), (20, 1, 1, 20))
        self.assertEqual(U.range_text(c.get("/sachbearbeiter?pro_seite=10&seite=2").text), "11 - 20 von 20")

    def test_empty(self):
        c = self.big[0][2]
        r = c.get("/sachbearbeiter")
        self.assertEqual(U.range_text(r.text), "0 - 0 von 0")
        self.assertIn("Keine Sachbearbeiter gefunden.", r.text)
        self.assertEqual(U.html_rows(r.text), [])
        self.assertEqual(set(page_links(r.text).values()), {None})
        j = U.listing(c, "seite=5")
        self.assertEqual((j["sachbearbeiter"], j["gesamt"], j["seite"], j["seiten"], j["pro_seite"]),
                         ([], 0, 1, 1, 20))
        self.assertEqual(U.range_text(c.get("/sachbearbeiter?seite=3&pro_seite=100").text), "0 - 0 von 0")

    def test_other_org_counts_unaffected(self):
        """The four organisations' lists only ever count their own Sachbearbeiter."""
        self.assertEqual([U.listing(self.big[n][2])["gesamt"] for n in (57, 21, 20, 0)], [57, 21, 20, 0])
        k57 = self.all_rows(57)[0]["nutzerkennung"]
        self.assertEqual(U.listing(self.big[21][2], f"kennung={k57}")["gesamt"], 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
