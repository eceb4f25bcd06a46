"""The Anspruchsberechtigte part of scripts/bench (issue 12, "Performance"): MV_BENCH_ONLY=ab.

Every figure a ratio against a baseline of the same run (tests/bench/README.md):
  * import: `mvctl ab import` of 100,000 generated persons with 10 periods each (tests/bench/ab_gen.py;
    the first person with 40) against MariaDB's LOAD DATA LOCAL INFILE of the same rows (person,
    lebenslauf, person_such as TSV) into the same emptied tables, in rows per second; the re-import of
    the unchanged file: rows written (SHOW GLOBAL STATUS Innodb_rows_inserted/updated/deleted) and its
    time against the first import's; the importer's peak RSS (/usr/bin/time) for the 100,000-person
    import and for the streaming validation (--dry-run) of a file of 1 GiB;
  * pages: the list "Anspruchsberechtigte" (page 1, a middle page, filtered by a name that one person
    of the organisation has) and the person's page of the person with 40 periods, each against its
    same-SQL floor (captured from the general log as for the other pages);
  * scale: the same pages for an organisation of 100,000 persons in a database of 1,000,000 against
    an organisation of 1,000 in a database of 1,000 (a second schema served by a second instance).
The driver module (bench.py) is passed in as b: its HTTP client, CLI, sites, wrk and capture.
"""
import json, math, os, re, subprocess, time

import ab_gen

BIG_PNR, SMALL_PNR = "98001", "98101"
OTHER_PNR = 98011  # the nine other organisations of the big database: 98011 … 98019
SMALL_DB = "mv_ab_small"
GB_DB = "mv_ab_gb"  # the full import of the 1 GiB file, dropped afterwards
PERSONS_BIG = int(os.environ.get("MV_BENCH_AB_PERSONS", "100000"))
PERSONS_SMALL = 1000
OTHER_ORGS = int(os.environ.get("MV_BENCH_AB_OTHER_ORGS", "9"))
GB_BYTES = int(os.environ.get("MV_BENCH_AB_GB_BYTES", str(1 << 30)))


def log(msg):
    print(f"bench: {msg}", flush=True)


def org(b, name, pnr, db=None):
    b.cli("org", "add", "--name", name, "--bereich", "Beamtenversorgung", "--pnr", pnr, "--abr", str(int(pnr) + 1),
          db=db)
    return int(b.db_admin(f"SELECT id FROM {db or 'meineversorgung'}.organisation WHERE pnr = '{int(pnr)}'"))


def mariadb(b, sql, db="meineversorgung"):
    """sql through the mariadb client as the database's administrator, LOAD DATA LOCAL allowed."""
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "root")
    subprocess.run(["mariadb", "--no-defaults", "--local-infile=1", f"--socket={os.path.join(b.VAR, 'run', 'mysqld.sock')}",
                    "-u", user, "-N", "-B", db], input=sql, check=True, capture_output=True, text=True)


def empty(b, db="meineversorgung"):
    mariadb(b, "SET foreign_key_checks = 0; TRUNCATE lebenslauf; TRUNCATE person_such; TRUNCATE kontakt_aenderung; "
               "TRUNCATE person; SET foreign_key_checks = 1; UPDATE organisation SET ab_anzahl = 0", db)


def load_sql(d, person_off=0, org_id=None, nr_tag=None):
    """LOAD DATA of the three TSV files of d; with person_off/org_id/nr_tag a copy of them as another
    organisation's persons (ids shifted, Nummern prefixed)."""
    f = lambda n: os.path.join(d, n).replace("\\", "\\\\").replace("'", "\\'")
    pcols = ab_gen.PERSON_COLS.replace("id, org_id, nr,", "@id, @org, @nr,", 1)
    pset = "inhalt = UNHEX(@inhalt), id = @id + %d, org_id = %s, nr = %s" % (
        person_off, org_id if org_id else "@org", f"CONCAT('{nr_tag}-', @nr)" if nr_tag else "@nr")
    return ("SET sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00';\n"
            f"LOAD DATA LOCAL INFILE '{f('person.tsv')}' INTO TABLE person CHARACTER SET utf8mb4 ({pcols}) SET {pset};\n"
            f"LOAD DATA LOCAL INFILE '{f('lebenslauf.tsv')}' INTO TABLE lebenslauf CHARACTER SET utf8mb4 "
            f"(@pid, pos, beginn, ende, zeitart, stunden, regelstunden, dienstherr, anerkennung) "
            f"SET person_id = @pid + {person_off};\n"
            f"LOAD DATA LOCAL INFILE '{f('person_such.tsv')}' INTO TABLE person_such CHARACTER SET utf8mb4 "
            f"(@org, gram, @pid) SET org_id = {org_id if org_id else '@org'}, person_id = @pid + {person_off};\n")


def row_counters(b):
    """Rows written so far, server-wide: Handler_write/update/delete (MariaDB 10.11 has no
    Innodb_rows_* any more; writes to internal temporary tables are counted apart, as Handler_tmp_*,
    and an UPDATE that changes nothing calls no handler), and the redo log's LSN (bytes)."""
    out = b.db_admin("SHOW GLOBAL STATUS WHERE Variable_name IN "
                     "('Handler_write', 'Handler_update', 'Handler_delete', 'Innodb_lsn_current')")
    names = {"Handler_write": "inserted", "Handler_update": "updated", "Handler_delete": "deleted",
             "Innodb_lsn_current": "redo_bytes"}
    c = {names[k]: int(v) for k, v in (ln.split("\t") for ln in out.splitlines())}
    # the one audit row each run of the importer writes (audit_log "ab_import") is not a data row
    c["audit"] = int(b.db_admin("SELECT COUNT(*) FROM meineversorgung.audit_log"))
    return c


def importer(b, path, *extra, db=None):
    """mvctl ab import --file path --json under /usr/bin/time: (wall seconds, peak RSS KiB, importer CPU
    seconds, MariaDB CPU seconds, summary dict, row_counters deltas)."""
    env = dict(os.environ, **({"MV_DB_NAME": db} if db else {}))
    tf = os.path.join(b.VAR, "import.time")
    cmd = ["/usr/bin/time", "-o", tf, "-f", "%M %U %S", b.BIN, "--config", b.CONF, "cli", "--json", "ab", "import",
           "--file", path, *extra]
    r0, c0, t0 = row_counters(b), b.db_cpu(), time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    secs, dbc, r1 = time.monotonic() - t0, b.db_cpu() - c0, row_counters(b)
    if p.returncode != 0:
        raise RuntimeError(f"ab import {os.path.basename(path)} {' '.join(extra)} failed ({p.returncode}): "
                           f"{p.stderr[-2000:]}{p.stdout[-2000:]}")
    rss, ut, st = open(tf).read().split()[-3:]
    try:
        summary = json.loads(p.stdout)
    except ValueError:
        summary = {"ausgabe": p.stdout.strip()[-300:]}
    return secs, int(rss), float(ut) + float(st), dbc, summary, {k: r1[k] - r0[k] for k in r0}


# ---------------------------------------------------------------------------- accounts

def sachbearbeiter_ab(b, pnr, tag, port, db=None):
    """The cookie of a Sachbearbeiter of organisation pnr with the right "anspruchsberechtigte"."""
    a = b.Client(port)
    b.full_login(a, *b.admin(pnr, tag, port, db))
    _, html, _ = a.req("GET", "/sachbearbeiter/neu")
    addr = f"sb-{tag}@bench.example"
    st, body, loc = a.req("POST", "/sachbearbeiter/neu",
                          [("csrf", a.csrf(html)), ("vorname", "Bea"), ("name", f"Fach{tag}"), ("email", addr),
                           ("gruppe", "Beamtenversorgung"), ("recht", "anspruchsberechtigte"),
                           ("nutzungsbedingungen", "1")])
    assert st == 303, f"create Sachbearbeiter with the right anspruchsberechtigte: {st} {body[:300]}"
    kennung = re.search(r"S201-[A-Z0-9]{12}", loc).group(0)
    pw = f"Akten-{tag}-Schrank!4"
    b.set_password(addr, pw, port)
    b.wait_body(addr)  # notice mail
    s = b.Client(port)
    b.full_login(s, kennung, pw, addr)
    return s.cookie()


def pages_of(b, port, cookie, persons, nr0):
    """(name, path) of the four pages for an organisation of persons persons; the middle page from
    the list's own total (JSON "gesamt", 20 per page as the list opens; "seiten" if it gives one)."""
    c = b.Client(port)
    c.cookies.update(dict(kv.split("=", 1) for kv in cookie.split("; ")))
    c.conn.request("GET", "/anspruchsberechtigte", headers={"Cookie": c.cookie(), "Accept": "application/json"})
    r = c.conn.getresponse()
    data = r.read().decode()
    if r.status != 200:
        raise RuntimeError(f"/anspruchsberechtigte: {r.status} {data[:300]}")
    try:
        j = json.loads(data)
        seiten = int(j.get("seiten") or 0) or math.ceil(int(j.get("gesamt") or 0) / int(j.get("pro_seite") or 20))
    except (ValueError, TypeError):
        seiten = 0
    mid = max(1, (seiten or math.ceil(persons / 20)) // 2)
    return [("ab_list", "/anspruchsberechtigte"), ("ab_middle", f"/anspruchsberechtigte?seite={mid}"),
            ("ab_filter", f"/anspruchsberechtigte?name={ab_gen.RARE[0].lower()}"),
            ("ab_person", f"/anspruchsberechtigte/{nr0}")]


def gb_import(b, path):
    """The full import of path into a schema of its own (GB_DB, dropped afterwards): the importer's
    memory for a file of 1 GiB when every line is written, not only validated."""
    b.db_admin(f"DROP DATABASE IF EXISTS {GB_DB}; CREATE DATABASE {GB_DB} CHARACTER SET utf8mb4 COLLATE "
               f"utf8mb4_unicode_ci; GRANT ALL PRIVILEGES ON {GB_DB}.* TO 'mv'@'localhost'")
    try:
        subprocess.run([b.BIN, "--config", b.CONF, "migrate"], env=dict(os.environ, MV_DB_NAME=GB_DB), check=True,
                       capture_output=True)
        org(b, "Gigastadt", BIG_PNR, db=GB_DB)
        log(f"ab: full import of the {os.path.getsize(path) / 2**30:.2f} GiB file into {GB_DB}")
        return importer(b, path, db=GB_DB)
    finally:
        b.db_admin(f"DROP DATABASE IF EXISTS {GB_DB}")


# ---------------------------------------------------------------------------- the part

def import_figures(b, add, d, n):
    """The import figures: LOAD DATA of the generated rows vs the import of the same file, the re-import
    of the unchanged file, the importer's peak RSS (full import; --dry-run of a file of GB_BYTES)."""
    rows = n["person"] + n["lebenslauf"] + n["person_such"]
    empty(b)
    log("ab: LOAD DATA of the same rows")
    c0, t0 = b.db_cpu(), time.monotonic()
    mariadb(b, load_sql(os.path.join(d, "big")))
    load_s, load_cpu = time.monotonic() - t0, b.db_cpu() - c0
    empty(b)
    log("ab: import of the file")
    imp = importer(b, os.path.join(d, "big", "import.jsonl"))
    got = b.db_admin("SELECT (SELECT COUNT(*) FROM meineversorgung.person), (SELECT COUNT(*) FROM "
                     "meineversorgung.lebenslauf), (SELECT COUNT(*) FROM meineversorgung.person_such)").split()
    want = [str(n["person"]), str(n["lebenslauf"]), str(n["person_such"])]
    add("ab import: rows stored in person / lebenslauf / person_such", " / ".join(got), " / ".join(want) + " LOAD DATA",
        "-", "equal", got == want)
    log("ab: import of the unchanged file")
    again = importer(b, os.path.join(d, "big", "import.jsonl"))
    load_rate, imp_rate = rows / load_s, rows / imp[0]
    add(f"ab import: rows/s vs LOAD DATA of the same {rows:,} rows", f"{imp_rate:,.0f}/s ({imp[0]:.1f} s)",
        f"{load_rate:,.0f}/s ({load_s:.1f} s)", f"{imp_rate / load_rate:.2f}", ">= 0.50", imp_rate / load_rate >= 0.5)
    log(f"ab: import {imp_rate / load_rate:.2f} of LOAD DATA ({imp[0]:.1f} s vs {load_s:.1f} s; CPU importer "
        f"{imp[2]:.1f} s + MariaDB {imp[3]:.1f} s vs {load_cpu:.1f} s), re-import {again[0] / imp[0]:.2f} of the "
        f"import's time")
    add("ab import: CPU per row, importer + MariaDB vs LOAD DATA (MariaDB)",
        f"{(imp[2] + imp[3]) / rows * 1e6:.1f} us ({imp[2]:.1f} + {imp[3]:.1f} s)", f"{load_cpu / rows * 1e6:.1f} us",
        f"{load_cpu / (imp[2] + imp[3]):.2f}")
    w = again[5]
    written = w["inserted"] - w["audit"] + w["updated"] + w["deleted"]
    add("ab re-import of the unchanged file: rows inserted/updated/deleted (Handler_*, its audit row apart)",
        f"{w['inserted'] - w['audit']}/{w['updated']}/{w['deleted']} (+{w['audit']} audit), {w['redo_bytes']:,} B redo",
        f"{rows:,} rows, {imp[5]['redo_bytes']:,} B redo first import", "-", "0 rows", written == 0)
    add("ab re-import: time vs first import", f"{again[0]:.1f} s", f"{imp[0]:.1f} s", f"{again[0] / imp[0]:.2f}",
        "<= 0.50", again[0] / imp[0] <= 0.5)
    add(f"ab import: importer peak RSS, full import of {n['bytes'] / 2**20:.0f} MiB", f"{imp[1] / 1024:.1f} MiB",
        "-", "-", "< 64 MiB", imp[1] < 64 * 1024)
    log(f"ab: a file of {GB_BYTES / 2**30:.2f} GiB, streaming validation (--dry-run)")
    gb = os.path.join(d, "gb.jsonl")
    persons_gb, bytes_gb = ab_gen.write_jsonl_bytes(gb, os.path.join(d, "big", "import.jsonl"), GB_BYTES)
    try:
        dry = importer(b, gb, "--dry-run")
        full = gb_import(b, gb)
    finally:
        os.unlink(gb)
    add(f"ab import --dry-run of {bytes_gb / 2**30:.2f} GiB ({persons_gb:,} persons): importer peak RSS",
        f"{dry[1] / 1024:.1f} MiB ({dry[0]:.0f} s)", "-", "-", "< 64 MiB", dry[1] < 64 * 1024)
    stored = full[4].get("neu", "?") if isinstance(full[4], dict) else "?"
    add(f"ab import of the same {bytes_gb / 2**30:.2f} GiB into an empty schema: importer peak RSS",
        f"{full[1] / 1024:.1f} MiB ({full[0]:.0f} s, {stored} new)", "-", "-", "< 64 MiB", full[1] < 64 * 1024)
    if dry[5]["inserted"] - dry[5]["audit"] + dry[5]["updated"] + dry[5]["deleted"]:
        add("ab import --dry-run: rows inserted/updated/deleted", f"{dry[5]['inserted']}/{dry[5]['updated']}/"
            f"{dry[5]['deleted']}", "-", "-", "0", False)


def run(b, add, sites, import_only=None):
    """Runs the part; adds its rows with add(...); sites it starts go to sites (closed by the caller).
    import_only (default: MV_BENCH_AB_IMPORT_ONLY=1): the import figures only, no pages, no scale
    (about 2–4 minutes). MV_BENCH_AB_PAGES_ONLY=1: the opposite — the file imported once, no import
    figures; MV_BENCH_AB_PAGES (comma-separated, e.g. "ab_person,ab_list"): only those pages' figures.
    Returns a line for the table's head."""
    if import_only is None:
        import_only = os.environ.get("MV_BENCH_AB_IMPORT_ONLY", "") == "1"
    pages_only = os.environ.get("MV_BENCH_AB_PAGES_ONLY", "") == "1"
    only_pages = {p.strip() for p in os.environ.get("MV_BENCH_AB_PAGES", "").split(",") if p.strip()}
    d = os.path.join(b.BENCH_BIN, "ab")
    os.makedirs(d, exist_ok=True)
    head = []

    # --- import vs LOAD DATA: the organisation of 100,000 persons, first as LOAD DATA of the TSV rows,
    #     then emptied and imported from the JSON file, then the unchanged file again
    big_id = org(b, "Importstadt", BIG_PNR)
    log(f"ab: generating {PERSONS_BIG:,} persons (JSON Lines and the same rows as TSV)")
    t0 = time.time()
    n = ab_gen.write(os.path.join(d, "big"), BIG_PNR, big_id, PERSONS_BIG)
    head.append(f"ab: {n['person']:,} persons, {n['lebenslauf']:,} periods, {n['person_such']:,} trigram rows "
                f"({n['bytes'] / 2**20:.0f} MiB JSON, generated in {time.time() - t0:.0f} s)")
    if pages_only:
        log("ab: import of the file (pages only: no import figures)")
        importer(b, os.path.join(d, "big", "import.jsonl"))
    else:
        import_figures(b, add, d, n)
    if import_only:
        return head

    # --- the big database: nine more organisations of 100,000 (LOAD DATA of the same rows, ids and
    #     Nummern shifted) around the imported one
    log(f"ab: {OTHER_ORGS} more organisations of {PERSONS_BIG:,} persons (LOAD DATA)")
    t0 = time.time()
    for k in range(OTHER_ORGS):
        oid = org(b, f"Ladestadt {k + 1}", str(OTHER_PNR + k))
        mariadb(b, load_sql(os.path.join(d, "big"), person_off=10_000_000 * (k + 1), org_id=oid, nr_tag=f"L{k + 1}"))
    b.db_admin("UPDATE meineversorgung.organisation o SET ab_anzahl = (SELECT COUNT(*) FROM meineversorgung.person p "
               "WHERE p.org_id = o.id); ANALYZE TABLE meineversorgung.person, meineversorgung.person_such, "
               "meineversorgung.lebenslauf")
    persons_db = int(b.db_admin("SELECT COUNT(*) FROM meineversorgung.person"))
    head.append(f"ab big database: {persons_db:,} persons (seeded with LOAD DATA in {time.time() - t0:.0f} s)")

    # --- the small database: an organisation of 1,000 in a schema of its own, imported
    log("ab: small database, 1,000 persons")
    b.db_admin(f"CREATE DATABASE {SMALL_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
               f"GRANT ALL PRIVILEGES ON {SMALL_DB}.* TO 'mv'@'localhost'")
    subprocess.run([b.BIN, "--config", b.CONF, "migrate"], env=dict(os.environ, MV_DB_NAME=SMALL_DB), check=True,
                   capture_output=True)
    small_id = org(b, "Kleinstadt", SMALL_PNR, db=SMALL_DB)
    ab_gen.write(os.path.join(d, "small"), SMALL_PNR, small_id, PERSONS_SMALL)
    importer(b, os.path.join(d, "small", "import.jsonl"), db=SMALL_DB)
    b.db_admin(f"ANALYZE TABLE {SMALL_DB}.person, {SMALL_DB}.person_such, {SMALL_DB}.lebenslauf")
    small_site = b.Site("absmall", b.PORT + 4, lambda sock: [b.BIN, "--config", b.CONF, "serve"],
                        lambda sock: {"MV_DB_NAME": SMALL_DB, "MV_FCGI_SOCKET": sock})
    sites.append(small_site)

    # --- pages: big database, its same-SQL floor, small database (interleaved)
    cookie_b = sachbearbeiter_ab(b, BIG_PNR, "abgross", b.PORT)
    cookie_s = sachbearbeiter_ab(b, SMALL_PNR, "abklein", b.PORT + 4, SMALL_DB)
    pages_b = pages_of(b, b.PORT, cookie_b, PERSONS_BIG, ab_gen.nr_of(f"P{BIG_PNR}", 0))
    pages_b = [(name, path) for name, path in pages_b if not only_pages or name in only_pages]
    pages_s = dict(pages_of(b, b.PORT + 4, cookie_s, PERSONS_SMALL, ab_gen.nr_of(f"P{SMALL_PNR}", 0)))
    log("ab: waiting for MariaDB to finish purging and flushing the imports")
    head.append(b.settle())
    log(head[-1])
    label = {"ab_list": "list", "ab_middle": "list, middle page", "ab_filter": f"list, name={ab_gen.RARE[0].lower()}",
             "ab_person": "person with 40 periods"}
    sizes = f"org of {PERSONS_BIG:,} in {persons_db:,} vs org of {PERSONS_SMALL:,} in {PERSONS_SMALL:,} persons"
    b.pages_vs_floor(add, sites, "ab", b.PORT + 5, pages_b, cookie_b,
                     (b.PORT + 4, small_site, cookie_s, pages_s),
                     lambda name, path, nst, nrows: (f"{name} {path}: req/s vs same-SQL floor ({nst} statements, "
                                                     f"{nrows} rows)", f"scale {name} ({label[name]}): p50 at {sizes}"))
    return head
