"""Backup and restore (issue 15 item 2): `mvctl backup --dir D` and `mvctl restore --dir D [--force]`.

The drill: data of every kind (organisations, accounts, persons, messages and Meldungen with documents),
a backup taken while two clients write through the web, the database destroyed, the backup restored and
the app restarted. Every write confirmed (HTTP answer received) before the backup started is there with
its documents byte for byte, every write begun after the backup had finished is not; the old password and
a session made before the backup still work. A second backup of the quiet database restores to exactly
the same rows, table by table. Then the refusals: private directory and files, no password in them, a
tampered backup, a non-empty database without --force, the database down, and a dump that fails or
stops half-way — no directory is left that looks like a backup.

Root only (the database is read and destroyed as MariaDB's root)."""

import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import mv
import users_lib as U
import test_meldungen as TM

FILES = {"dump.sql", "secret_key", "manifest.json"}
_tmp = None


def tmpdir():
    global _tmp
    if _tmp is None:
        _tmp = tempfile.mkdtemp(prefix="mv-backup-")
        os.chmod(_tmp, 0o700)
    return _tmp


def tearDownModule():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def new_dir():
    return os.path.join(tmpdir(), f"b{mv.uid()}")


def pdf(n=3000):
    """A PDF-looking document with random content (each one different)."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + secrets.token_bytes(n) + b"\n%%EOF\n"


def sha(b):
    return hashlib.sha256(b).hexdigest()


def root_sql(sql, database="meineversorgung"):
    """MariaDB as root over the stack's socket: the raw output of -N -B (values escaped, one row a line)."""
    args = ["mariadb", "--no-defaults", f"--socket={mv.VAR}/run/mysqld.sock", "-u", "root", "-N", "-B"]
    p = subprocess.run(args + ([database] if database else []) + ["-e", sql], capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"mariadb failed: {p.stderr.decode('utf-8', 'replace')}")
    return p.stdout


def tables():
    out = root_sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'meineversorgung' "
                   "ORDER BY table_name").decode()
    return out.split()


def snapshot():
    """Every table of the database: its rows (all columns, ordered by the primary key) as a SHA-256 of
    MariaDB's batch output, the number of rows and CHECKSUM TABLE EXTENDED."""
    pk = {}
    for line in root_sql("SELECT table_name, column_name FROM information_schema.key_column_usage WHERE "
                         "table_schema = 'meineversorgung' AND constraint_name = 'PRIMARY' "
                         "ORDER BY table_name, ordinal_position").decode().splitlines():
        t, c = line.split("\t")
        pk.setdefault(t, []).append(f"`{c}`")
    snap = {}
    for t in tables():
        order = ", ".join(pk.get(t, [])) or "1, 2"
        rows = root_sql(f"SELECT * FROM `{t}` ORDER BY {order}")
        check = root_sql(f"CHECKSUM TABLE `{t}` EXTENDED").decode().split("\t")[1].strip()
        snap[t] = (rows.count(b"\n"), sha(rows), check)
    return snap


def destroy():
    """The database gone, and created again empty (as an operator would before a restore)."""
    root_sql("DROP DATABASE meineversorgung; CREATE DATABASE meineversorgung CHARACTER SET utf8mb4 "
             "COLLATE utf8mb4_unicode_ci", database=None)
    assert tables() == []


def conf_value(key):
    with open(os.path.join(mv.VAR, "mv.conf")) as f:
        for line in f:
            m = re.match(r"\s*%s\s*=\s*(\S*)" % key, line)
            if m:
                return m.group(1)
    raise AssertionError(f"{key} not in mv.conf")


def backup(d):
    r = mv.mvctl("--json", "backup", "--dir", d)
    if r.rc != 0:
        raise AssertionError(f"mvctl backup failed: {r!r}")
    return r.json()


def restore(d, *extra):
    r = mv.mvctl("--json", "restore", "--dir", d, *extra)
    if r.rc != 0:
        raise AssertionError(f"mvctl restore failed: {r!r}")
    return r.json()


def mvctl_env(path_prefix):
    """mvctl with another PATH first (a fake mariadb-dump)."""
    env = dict(os.environ)
    env.update(mv.SHORT)
    env["PATH"] = path_prefix + ":" + env.get("PATH", "")
    return env


class Writer(threading.Thread):
    """Writes through the web until stopped: each write recorded with the time its request began and the
    time its answer (2xx/303) arrived, and the SHA-256 of its document."""

    def __init__(self, write):
        super().__init__(daemon=True)
        self.write = write
        self.stop = threading.Event()
        self.done = []  # (t_begin, t_confirmed, key, document sha)
        self.failed = []

    def run(self):
        while not self.stop.is_set():
            doc = pdf()
            t0 = time.time()
            try:
                key = self.write(doc)
            except Exception as e:  # noqa: BLE001 — recorded, the test fails on it
                self.failed.append(repr(e))
                return
            self.done.append((t0, time.time(), key, sha(doc)))
            time.sleep(0.05)


@unittest.skipUnless(mv.is_root(), "needs MariaDB's root over the stack's socket")
class Drill(mv.Case):
    def fill(self):
        """Organisations, accounts, persons (dev seed and the person table), messages with documents from the
        Kasse and from an organisation, a Meldung with its document."""
        U.dev_seed(3)
        self.admin, self.ac = U.admin_session()
        org = self.admin.org
        rights = ("anspruchsberechtigte", "formulare")
        self.sm = U.activate(U.create(self.ac, vorname="Mira", name="Mailer", gruppen=("Beihilfe",)))
        self.sf = U.activate(U.create(self.ac, vorname="Fritz", name="Formular", gruppen=("Beamtenversorgung",),
                                      rechte=rights))
        self.cm, self.cf = U.login(self.sm), U.login(self.sf)
        self.nr = TM.add_person(org, f"B-{mv.uid()}"[:20])
        self.docs = {}  # (table, id) -> sha256 of what was uploaded
        # the largest document the app stores (upload_max_bytes, 10 MiB): its INSERT must fit the server's
        # default max_allowed_packet (16 MB) on restore — in hex it would not
        d = pdf(10485760 - 22)
        self.assertEqual(len(d), 10485760)
        path = os.path.join(tmpdir(), f"k{mv.uid()}.pdf")
        with open(path, "wb") as f:
            f.write(d)
        r = mv.mvctl("--json", "message", "send", "--pnr", org.pnr, "--gruppe", "beihilfe", "--betreff",
                     "Bescheid", "--text", "Anbei.", "--anhang", path)
        self.assertEqual(r.rc, 0, r)
        os.unlink(path)
        self.docs[("nachricht", r.json()["id"])] = sha(d)
        d = pdf()
        self.docs[("nachricht", self.send_message(d))] = sha(d)
        d = pdf()
        self.docs[("meldung", self.submit_meldung(d))] = sha(d)

    def send_message(self, doc):
        r = mv.post_multipart(self.cm, "/postfach/beihilfe/neu", [("betreff", f"Last {mv.uid()}"),
                                                                   ("nachricht", "Text")],
                              [("anhang", "beleg.pdf", doc, "application/pdf")], json=True)
        if r.status != 200:
            raise AssertionError(f"sending failed: {r!r}")
        return r.json()["id"]

    def submit_meldung(self, doc):
        return TM.submit(self.cf, "versorgungsauskunft", self.nr, files=(("auskunft.pdf", doc),))

    def stored_doc(self, table, key):
        """SHA-256 of the documents stored for a message id / an Aktenzeichen (None: the row is not there)."""
        if table == "nachricht":
            rows = mv.db(f"SELECT (SELECT GROUP_CONCAT(SHA2(a.daten, 256)) FROM anhang a WHERE a.nachricht_id = n.id) "
                         f"FROM nachricht n WHERE n.id = {int(key)}")
        else:
            assert re.fullmatch(TM.AZ_RE, key), key
            rows = mv.db("SELECT (SELECT GROUP_CONCAT(SHA2(a.daten, 256)) FROM meldung_anlage a WHERE a.meldung_id "
                         f"= m.id) FROM meldung m WHERE m.aktenzeichen = '{key}'")
        return rows[0][0] if rows else None

    def test_drill_backup_under_write_load_then_destroy_and_restore(self):
        self.fill()
        writers = [Writer(self.send_message), Writer(self.submit_meldung)]
        for w in writers:
            w.start()
        time.sleep(2)
        d1 = new_dir()
        t_start = time.time()
        b = backup(d1)
        t_end = time.time()
        time.sleep(2)
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(60)
        for w in writers:
            self.assertEqual(w.failed, [])
        before = {(t, k): s for w, t in zip(writers, ("nachricht", "meldung")) for (t0, t1, k, s) in w.done
                  if t1 < t_start}
        after = [(t, k) for w, t in zip(writers, ("nachricht", "meldung")) for (t0, t1, k, s) in w.done if t0 > t_end]
        counts = f"{len(before)} confirmed before, {len(after)} begun after, of {sum(len(w.done) for w in writers)}"
        self.assertGreater(len(before), 2, counts)
        self.assertGreater(len(after), 1, counts)
        print(f"      drill: {counts}; backup {t_end - t_start:.1f} s")
        self.assertEqual(b["tabellen"], len(tables()))

        destroy()
        r = restore(d1)
        self.assertEqual((r["tabellen"], r["zeilen"], r["secret_key_gleich"]), (b["tabellen"], b["zeilen"], True))
        mv.restart_app()

        for (table, key), s in list(self.docs.items()) + list(before.items()):
            self.assertEqual(self.stored_doc(table, key), s, f"{table} {key}: confirmed before the backup")
        for table, key in after:
            self.assertIsNone(self.stored_doc(table, key), f"{table} {key}: begun after the backup")
        # a session made before the backup is valid (same secret_key); the old password logs in
        r = self.ac.get("/", json=True)
        self.assertEqual(r.status, 200, r)
        r = self.cm.get("/postfach/beihilfe", json=True)
        self.assertEqual(r.status, 200, r)
        c = U.login(self.sf)
        r = TM.meldung(c, next(k for (t, k) in before if t == "meldung"))
        self.assertEqual(r["status"], "eingereicht")

        # the quiet database: a backup restores to exactly the same rows, table by table
        for _ in range(10):
            s1 = snapshot()
            d2 = new_dir()
            backup(d2)
            s2 = snapshot()
            if s1 == s2:  # nothing changed during the backup: s1 is the state at the backup's point
                break
            shutil.rmtree(d2)
            time.sleep(1)
        else:
            self.fail("the database did not stay quiet during a backup")
        destroy()
        restore(d2)
        s3 = snapshot()
        self.assertEqual(sorted(s3), sorted(s1))
        for t in s1:
            self.assertEqual(s3[t], s1[t], f"table {t}")
        mv.restart_app()
        r = self.ac.get("/", json=True)
        self.assertEqual(r.status, 200, r)


@unittest.skipUnless(mv.is_root(), "needs MariaDB's root over the stack's socket")
class Refusals(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org = mv.new_org()
        cls.d = new_dir()
        cls.b = backup(cls.d)

    def test_directory_and_files_are_private_and_hashed(self):
        st = os.stat(self.d)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
        self.assertEqual(set(os.listdir(self.d)), FILES)  # the client's option file is gone
        for name in FILES:
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.d, name)).st_mode), 0o600, name)
        with open(os.path.join(self.d, "manifest.json")) as f:
            m = json.load(f)
        self.assertEqual(sorted(m), ["dateien", "datenbank", "format", "gtid", "migration", "tabellen", "zeit_utc"])
        self.assertEqual(sorted(m["dateien"]), ["dump.sql", "secret_key"])
        for name, e in m["dateien"].items():
            with open(os.path.join(self.d, name), "rb") as f:
                data = f.read()
            self.assertEqual((e["sha256"], e["bytes"]), (sha(data), len(data)), name)
        self.assertEqual(m["migration"], mv.db("SELECT MAX(version) FROM schema_migrations")[0][0])
        self.assertEqual(sorted(m["tabellen"]), sorted(tables()))
        self.assertGreaterEqual(m["tabellen"]["organisation"], 1)
        self.assertEqual(m["tabellen"]["schema_migrations"], int(mv.db("SELECT COUNT(*) FROM schema_migrations")[0][0]))
        self.assertEqual(sorted(self.b), ["migration", "tabellen", "verzeichnis", "zeilen", "zeit_utc"])
        self.assertEqual(self.b["zeilen"], sum(m["tabellen"].values()))
        with open(os.path.join(self.d, "secret_key")) as f:
            self.assertEqual(f.read(), f"secret_key = {conf_value('secret_key')}\n")
        with open(os.path.join(self.d, "dump.sql"), "rb") as f:
            dump = f.read()
        self.assertIn(self.org.name.encode(), dump)
        self.assertNotIn(conf_value("db_password").encode(), dump)  # no credentials in the backup

    def test_existing_directory_refused_unless_empty_and_private(self):
        full = new_dir()
        os.mkdir(full, 0o700)
        with open(os.path.join(full, "x"), "w") as f:
            f.write("keep")
        r = mv.mvctl("backup", "--dir", full)
        self.assertEqual((r.rc, r.out), (1, ""), r)
        self.assertIn("is not empty", r.err)
        self.assertEqual(os.listdir(full), ["x"])
        shared = new_dir()
        os.mkdir(shared)
        os.chmod(shared, 0o755)
        r = mv.mvctl("--json", "backup", "--dir", shared)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("readable by others", json.loads(r.err.strip().splitlines()[-1])["error"])
        self.assertEqual(os.listdir(shared), [])
        empty = new_dir()
        os.mkdir(empty, 0o700)
        backup(empty)
        self.assertEqual(set(os.listdir(empty)), FILES)
        r = mv.mvctl("backup")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("usage: backup --dir D", r.err)

    def copy(self):
        d = new_dir()
        shutil.copytree(self.d, d)
        return d

    def test_restore_refuses_a_tampered_backup(self):
        later = mv.new_org()  # a restore with --force would drop it
        name = self.org.name.encode()
        for target, change in (("dump.sql", lambda b: b.replace(name, name[:-1] + b"X")),
                               ("secret_key", lambda b: b.replace(b"= ", b"= 0")),
                               ("dump.sql", lambda b: b[:-200]),
                               ("manifest.json", None)):
            d = self.copy()
            p = os.path.join(d, target)
            if change is None:
                os.unlink(p)
            else:
                with open(p, "rb") as f:
                    data = f.read()
                with open(p, "wb") as f:
                    f.write(change(data))
            r = mv.mvctl("restore", "--dir", d, "--force")
            self.assertEqual((r.rc, r.out), (1, ""), (target, r))
            self.assertIn("nothing restored" if target != "manifest.json" else "no readable manifest.json", r.err)
            if target != "manifest.json":
                self.assertIn(f"{target} does not match the manifest's SHA-256", r.err)
        self.assertEqual(mv.db(f"SELECT name FROM organisation WHERE pnr IN ('{self.org.pnr}', '{later.pnr}') "
                               f"ORDER BY pnr = '{later.pnr}'"), [[self.org.name], [later.name]])

    def test_restore_refuses_a_database_that_is_not_empty_without_force(self):
        later = mv.new_org()
        r = mv.mvctl("restore", "--dir", self.d)
        self.assertEqual((r.rc, r.out), (1, ""), r)
        self.assertIn("the database is not empty", r.err)
        self.assertIn("--force", r.err)
        self.assertEqual(mv.db(f"SELECT COUNT(*) FROM organisation WHERE pnr = '{later.pnr}'"), [["1"]])

    def test_backup_with_the_database_down_fails_and_leaves_nothing(self):
        d = new_dir()
        mv._stack("db-stop")
        try:
            r = mv.mvctl("--json", "backup", "--dir", d)
        finally:
            mv._stack("db-start")
        self.assertEqual((r.rc, r.out), (1, ""), r)
        self.assertEqual(json.loads(r.err.strip().splitlines()[-1]),
                         {"error": "cannot connect to the database (see the configuration); no backup was written"})
        self.assertFalse(os.path.exists(d))
        # leave the app as found: a worker that slept through the outage answers its first database request
        # 503 (its stale connection) before it reconnects, so the next module gets fresh workers
        mv.restart_app(**mv.SHORT)
        self.assertEqual(mv.Client().get("/suche?q=Passwort").status, 200)

    def test_a_failing_or_truncated_dump_leaves_no_backup(self):
        fake = tempfile.mkdtemp(dir=tmpdir())
        for rc, text in ((2, "failed"), (0, "truncated")):
            with open(os.path.join(fake, "mariadb-dump"), "w") as f:
                f.write("#!/bin/sh\nprintf 'CREATE TABLE `t` (\\n  id INT\\n);\\nINSERT INTO `t` VALUES (1);\\n'\n"
                        f"exit {rc}\n")
            os.chmod(os.path.join(fake, "mariadb-dump"), 0o755)
            for precreated in (False, True):
                d = new_dir()
                if precreated:
                    os.mkdir(d, 0o700)
                p = subprocess.run([mv.MVCTL, "backup", "--dir", d], capture_output=True, text=True,
                                   env=mvctl_env(fake), timeout=60)
                self.assertEqual((p.returncode, p.stdout), (1, ""), (text, p))
                self.assertIn("no backup was written", p.stderr)
                self.assertEqual(os.listdir(d) if precreated else os.path.exists(d), [] if precreated else False,
                                 (text, precreated))


if __name__ == "__main__":
    unittest.main()
