"""Upgrades without a failed request on one host (issue 15 item 3, README "Upgrades").

Under load from several client threads — TAN logins, page views, Sachbearbeiter creations (each
queues an activation mail) and mailbox messages — the master
  1. reloads its workers gracefully, eight times in a row (SIGHUP: new workers first, the old ones
     finish their request),
  2. replaces its own binary in place (the file is replaced as a package upgrade does — a new
     inode at the same path — then SIGUSR2: the master re-execs it under the same pid, hands the
     listening socket over and retires the old workers).
Proven: 0 failed requests (no 5xx, no connection error, no unexpected answer), 0 lost sessions
(every session created before is still valid after), 0 lost mails (every mail queued during the
load is sent, exactly once)."""

import os
import re
import shutil
import signal
import threading
import time

import mv
import users_lib as U

THREADS = 4
LOAD_S = 17.0
HUP_AT = 3.0
HUPS = 8          # reloads 0.7 s apart: a worker cut off between accept() and its request shows
USR2_AT = 10.0


def wait_for(cond, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return False


def exe_path(pid):
    """The file the process was started from (after an earlier upgrade of that path the link
    names the replaced file "… (deleted)": the path is the same)."""
    return os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")


def exe_inode(pid):
    st = os.stat(f"/proc/{pid}/exe")
    return (st.st_dev, st.st_ino)


def delivered_outbox_ids(after):
    """The outbox ids (from the Message-ID) of the mails in the sink's maildir, read directly."""
    ids = []
    for sub in ("new", "cur"):
        d = os.path.join(mv.VAR, "mail", sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as fh:
                x = re.search(rb"(?im)^Message-ID: <outbox-(\d+)@", fh.read(8192))
            if x and int(x.group(1)) > after:
                ids.append(int(x.group(1)))
    return ids


class Load:
    def __init__(self):
        self.lock = threading.Lock()
        self.stop = False
        self.ok = 0
        self.errors = []      # (seconds since start, what)
        self.created = []     # e-mail addresses of Sachbearbeiter confirmed by a 303
        self.t0 = time.time()

    def fail(self, what):
        with self.lock:
            self.errors.append((round(time.time() - self.t0, 1), what))

    def good(self):
        with self.lock:
            self.ok += 1

    def step(self, i, admin, ac, sc):
        k = i % 5
        if k == 0:
            mail = U.email()
            r = ac.post("/sachbearbeiter/neu", U.form("Lena", f"Roll{mv.uid()}", mail), json=False)
            if r.status == 303 and "angelegt=1" in (r.location or ""):
                with self.lock:
                    self.created.append(mail)
                return True
            return f"create {r.status}"
        if k == 1:
            r = mv.post_multipart(sc, "/postfach/beihilfe/neu", [("betreff", "Rollout"), ("nachricht", f"Text {i}")],
                                  [], json=True)
            return True if r.status == 200 and r.json().get("id") else f"message {r.status}"
        if k == 2 and i % 15 == 2:
            c = mv.login_admin(admin)  # password + TAN from the mail: raises if anything fails
            r = c.get("/")
            return True if r.status == 200 else f"login then / {r.status}"
        r = ac.get("/sachbearbeiter" if k == 3 else "/")
        return True if r.status == 200 else f"view {r.status}"

    def run(self, admin, ac, sc):
        i = 0
        while not self.stop:
            i += 1
            try:
                res = self.step(i, admin, ac, sc)
            except Exception as e:  # connection errors, a TAN mail that never came, ...
                res = f"{type(e).__name__}: {e}"[:200]
            if res is True:
                self.good()
            else:
                self.fail(res)


class Upgrade(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the load creates Sachbearbeiter and logs in without pause: lift the limits per account
        mv.restart_app(MV_SB_CREATE_LIMIT=1000000, MV_TAN_MAIL_LIMIT=100000)

    @classmethod
    def tearDownClass(cls):
        mv.restart_app()

    def test_reload_and_binary_upgrade_under_load(self):
        users = []
        for _ in range(THREADS):
            admin = mv.ready_admin()
            ac = mv.login_admin(admin)
            sb = U.create(ac)
            U.activate(sb)
            users.append((admin, ac, U.login(sb)))
        before = [mv.clone(ac) for _, ac, _ in users] + [mv.clone(sc) for _, _, sc in users]
        outbox_from = int(mv.db("SELECT COALESCE(MAX(id), 0) FROM outbox")[0][0])
        m = mv.master_pid()
        old_children = set(mv.children(m))
        log_from = mv.log_size()

        load = Load()
        threads = [threading.Thread(target=load.run, args=u) for u in users]
        for t in threads:
            t.start()
        try:
            time.sleep(HUP_AT)
            for _ in range(HUPS):
                os.kill(m, signal.SIGHUP)
                time.sleep(0.7)
            self.assertTrue(wait_for(lambda: not old_children & set(mv.children(m))),
                            "after SIGHUP the old workers and mailer leave")
            after_hup = set(mv.children(m))
            time.sleep(max(0.0, USR2_AT - (time.time() - load.t0)))
            # a package upgrade: the new file goes next to the old one and is renamed over it
            path = exe_path(m)
            old_inode = exe_inode(m)
            shutil.copy2(path, path + ".upgrade-new")
            os.replace(path + ".upgrade-new", path)
            os.kill(m, signal.SIGUSR2)
            self.assertTrue(wait_for(lambda: exe_inode(m) != old_inode),
                            "after SIGUSR2 the master runs the new binary under the same pid")
            self.assertTrue(wait_for(lambda: not after_hup & set(mv.children(m))),
                            "the workers of the old binary leave")
            self.assertEqual(mv.master_pid(), m)
            time.sleep(max(0.0, LOAD_S - (time.time() - load.t0)))
        finally:
            load.stop = True
            for t in threads:
                t.join()
        self.assertGreaterEqual(len(mv.children(m)), 2, "the new binary runs workers and a mailer")
        log = mv.log_since(log_from)
        self.assertIn("configuration reloaded", log)
        self.assertIn("binary upgrade: took over the FastCGI socket", log)

        # 0 failed requests
        self.assertGreater(load.ok, 50, "the load ran")
        self.assertEqual(load.errors[:20], [], f"failed requests ({len(load.errors)} failed, {load.ok} ok)")
        # 0 lost sessions: every session made before the reload and the upgrade is still valid
        for c in before:
            r = c.get("/")
            self.assertEqual(r.status, 200, "a session made before the upgrade is still valid")
        # 0 lost mails: everything queued during the load is sent, exactly once
        self.assertTrue(wait_for(lambda: mv.db(f"SELECT COUNT(*) FROM outbox WHERE id > {outbox_from} "
                                               "AND status <> 'gesendet'") == [["0"]], timeout=60),
                        "the outbox drains")
        self.assertGreater(len(load.created), 3)
        time.sleep(1.0)
        queued = mv.db(f"SELECT id, to_addr FROM outbox WHERE id > {outbox_from}")
        ids = delivered_outbox_ids(outbox_from)
        self.assertEqual(len(ids), len(set(ids)), "no mail delivered twice")
        self.assertEqual(set(ids), {int(i) for i, _ in queued}, "every mail queued during the load was delivered")
        delivered_to = {addr for i, addr in queued}
        self.assertEqual([m for m in load.created if m not in delivered_to], [],
                         "every confirmed creation's activation mail was delivered")
        print(f"      load: {load.ok} requests ok, 0 failed; {len(before)} sessions kept; "
              f"{len(ids)} mails queued and delivered once", flush=True)

    def test_a_refused_binary_keeps_the_running_one(self):
        """A new binary that does not accept the configuration is not exec'd: the master keeps
        running the old one and keeps serving."""
        m = mv.master_pid()
        path = exe_path(m)
        inode = exe_inode(m)
        log_from = mv.log_size()
        saved = path + ".upgrade-saved"
        shutil.copy2(path, saved)
        try:
            with open(path + ".upgrade-new", "w") as f:
                f.write("#!/bin/sh\nexit 78\n")
            os.chmod(path + ".upgrade-new", 0o755)
            os.replace(path + ".upgrade-new", path)
            os.kill(m, signal.SIGUSR2)
            self.assertTrue(wait_for(lambda: "binary upgrade refused" in mv.log_since(log_from)))
        finally:
            os.replace(saved, path)
        self.assertEqual(mv.master_pid(), m)
        self.assertEqual(exe_inode(m), inode)
        for _ in range(10):
            self.assertEqual(mv.Client().get("/anmelden").status, 200)
