"""The Kasse's Meldungen queue part of scripts/bench (issue 14): MV_BENCH_ONLY=kasse_meldungen.

Every figure a ratio against a baseline of the same run (tests/bench/README.md):
  * pages: the queue "Meldungen" of the Kasse's Fachbereich (GET /kasse/meldungen, page 1, oldest
    waiting first) unfiltered over all organisations and filtered by the organisation of 100,000
    Meldungen (?pnr=…), each against its same-SQL floor (captured from the general log as for the
    other pages), requests/s and server CPU per request;
  * scale: the same pages in a database of 1,000,000 Meldungen (the organisation of 100,000 among
    ten) against a database of 1,000 (one organisation; a second schema served by a second instance
    of the portal), p50 and server CPU per request.
The Meldungen are seeded as in bench_meldungen (MariaDB's sequence tables); when that part ran in
the same run its database is taken as it is. The driver module (bench.py) is passed in as b.
"""
import json, os, subprocess, time

import bench_meldungen as M

BIG_PNR, SMALL_PNR = "96001", "96101"  # apart from the other parts' (all run in one make bench)
OTHER_PNR = 96011  # the nine other organisations of the big database: 96011 … 96019
SMALL_DB = "mv_kmeld_small"


def log(msg):
    print(f"bench: {msg}", flush=True)


def fach(b, tag, port, db=None):
    """The cookie of a logged-in account of the Kasse's Fachbereich (K, fach)."""
    addr = f"k-{tag}@bench.example"
    out = b.cli("--json", "kasse", "add", "--vorname", "Bench", "--name", f"Fach{tag}", "--email", addr, "--rolle",
                "fach", db=db)
    kennung = json.loads(out)["nutzerkennung"]
    pw = f"Warteschlange-{tag}-Kiwi!3"
    b.set_password(addr, pw, port)
    b.wait_body(addr)  # notice mail
    c = b.Client(port)
    b.full_login(c, kennung, pw, addr)
    return c.cookie()


def big_database(b, db):
    """The big database: bench_meldungen's when that part ran (its organisation of a tenth), else seeded
    here. (organisation pnr, Meldungen in it, in the database, seconds seeding)."""
    if b.db_admin(f"SELECT COUNT(*) FROM {db}.organisation WHERE pnr = '{M.BIG_PNR}'").strip() == "1":
        pnr = M.BIG_PNR
        seed_s = 0.0
    else:
        M.seed_sql_check(b)
        big_id = M.org(b, "Kassenstadt", BIG_PNR, db)
        others = [M.org(b, f"Kassenort {k + 1}", str(OTHER_PNR + k), db) for k in range(9)]
        log(f"kasse_meldungen: seeding {M.MELDUNGEN_BIG:,} Meldungen, {M.MELDUNGEN_BIG // 10:,} of them of one organisation")
        t0 = time.time()
        M.seed(b, db, [big_id] + others, M.MELDUNGEN_BIG)
        seed_s = time.time() - t0
        pnr = BIG_PNR
    in_org = int(b.db_admin(f"SELECT COUNT(*) FROM {db}.meldung m JOIN {db}.organisation o ON o.id = m.org_id "
                            f"WHERE o.pnr = '{pnr}' AND m.status <> 'entwurf'"))
    in_db = int(b.db_admin(f"SELECT COUNT(*) FROM {db}.meldung WHERE status <> 'entwurf'"))
    return pnr, in_org, in_db, seed_s


def run(b, add, sites):
    """Runs the part; adds its rows with add(...); sites it starts go to sites (closed by the caller).
    Returns a line for the table's head."""
    db = "meineversorgung"
    pnr, in_org, in_db, seed_s = big_database(b, db)
    log(f"kasse_meldungen: small database, {M.MELDUNGEN_SMALL:,} Meldungen")
    b.db_admin(f"CREATE DATABASE {SMALL_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
               f"GRANT ALL PRIVILEGES ON {SMALL_DB}.* TO 'mv'@'localhost'")
    subprocess.run([b.BIN, "--config", b.CONF, "migrate"], env=dict(os.environ, MV_DB_NAME=SMALL_DB), check=True,
                   capture_output=True)
    small_id = M.org(b, "Kleinkassenstadt", SMALL_PNR, SMALL_DB)
    M.seed(b, SMALL_DB, [small_id], M.MELDUNGEN_SMALL)
    small_port, floor_port = b.PORT + 10, b.PORT + 11
    small_site = b.Site("kmeldsmall", small_port, lambda sock: [b.BIN, "--config", b.CONF, "serve"],
                        lambda sock: {"MV_DB_NAME": SMALL_DB, "MV_FCGI_SOCKET": sock})
    sites.append(small_site)
    cookie_b = fach(b, "kmeldgross", b.PORT)
    cookie_s = fach(b, "kmeldklein", small_port, SMALL_DB)
    head = [f"kasse_meldungen: big database {in_db:,} submitted Meldungen (organisation {pnr} of {in_org:,}"
            + (f"; seeded in {seed_s:.0f} s" if seed_s else "; the meldungen part's") + f"), small {M.MELDUNGEN_SMALL:,} "
            f"in {M.MELDUNGEN_SMALL:,}"]

    pages_b = [("kmeld_queue", "/kasse/meldungen"), ("kmeld_org", f"/kasse/meldungen?pnr={pnr}")]
    pages_s = {"kmeld_queue": "/kasse/meldungen", "kmeld_org": f"/kasse/meldungen?pnr={SMALL_PNR}"}
    for name, path in pages_b:
        st, _ = M.get(b.PORT, cookie_b, path)
        st2, _ = M.get(small_port, cookie_s, pages_s[name])
        if st != 200 or st2 != 200:
            raise RuntimeError(f"{name}: {st}/{st2}")
    label = {"kmeld_queue": "the queue of all organisations, page 1", "kmeld_org": "filtered by one organisation"}
    label_path = {"kmeld_queue": "/kasse/meldungen", "kmeld_org": "/kasse/meldungen?pnr={pnr}"}
    sizes = f"{in_db:,} Meldungen (org of {in_org:,}) vs {M.MELDUNGEN_SMALL:,} in {M.MELDUNGEN_SMALL:,}"
    b.pages_vs_floor(add, sites, "kasse_meldungen", floor_port, pages_b, cookie_b,
                     (small_port, small_site, cookie_s, pages_s),
                     lambda name, path, nst, nrows: (f"{name} {label_path[name]}: req/s vs same-SQL floor ({nst} statements, "
                                                     f"{nrows} rows)", f"scale {name} ({label[name]}): p50 at {sizes}"))
    return head
