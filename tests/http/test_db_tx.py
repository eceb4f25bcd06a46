"""A transaction whose database connection breaks is retried whole, never finished on a new connection
(db.c db_tx). The multi-host proof found the loss this guards against: a node killed while a worker's
"Sachbearbeiter anlegen" transaction wrote its audit row; the audit row's failure is only logged, the rest
and COMMIT ran on the next node in autocommit mode, and the page confirmed an account that did not exist.
Here the same break is made exact on one MariaDB: the audit row's INSERT waits for a table lock, its
connection is killed there, then the lock goes."""

import subprocess
import threading
import time
import unittest

import mv
import users_lib as U


def processlist_id(like, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = mv.db("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%s' AND ID <> CONNECTION_ID()"
                     % like.replace("'", "''"))
        if rows:
            return rows[0][0]
        time.sleep(0.05)
    return None


@unittest.skipUnless(mv.is_root(), "needs the database administrator (root)")
class BrokenTransaction(mv.Case):
    def test_connection_killed_at_the_audit_row_retries_the_creation_whole(self):
        _, c = U.admin_session()
        mail = U.email()
        # another session holds audit_log: the creation's last statement, its audit row, waits there
        holder = subprocess.Popen(["mariadb", "--no-defaults", f"--socket={mv.VAR}/run/mysqld.sock", "-u", "root",
                                   "meineversorgung"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, text=True)
        try:
            holder.stdin.write("LOCK TABLES audit_log WRITE; SELECT SLEEP(60);\n")
            holder.stdin.flush()
            self.assertIsNotNone(processlist_id("SELECT SLEEP(60)"), "the lock holder did not start")
            out = {}
            t = threading.Thread(target=lambda: out.setdefault("r", c.post(
                "/sachbearbeiter/neu", U.form("Tina", f"Riss{mv.uid()}", mail), json=False)))
            t.start()
            victim = processlist_id("INSERT INTO audit_log%")
            self.assertIsNotNone(victim, "the creation never reached its audit row")
            mv.db(f"KILL CONNECTION {victim}")
        finally:
            holder.kill()
            holder.wait()
        t.join(60)
        r = out["r"]
        self.assertEqual(r.status, 303, r)
        kennung = r.location.split("/sachbearbeiter/")[1].split("?")[0]
        self.assertEqual(mv.db(f"SELECT COUNT(*) FROM account WHERE kennung = '{kennung}'"), [["1"]],
                         "the confirmed account must exist")
        self.assertEqual(mv.db(f"SELECT COUNT(*) FROM account WHERE email = '{mail}'"), [["1"]],
                         "exactly one account: the broken attempt left nothing")
        self.assertEqual(mv.db(f"SELECT COUNT(*) FROM audit_log WHERE event = 'sb_created' AND target = '{kennung}'"),
                         [["1"]])
        mv.wait_mail(mail, mv.SUBJ_SETPW)
        self.assertEqual(len(mv.mails(mail, mv.SUBJ_SETPW)), 1)
        self.assertIn("transaction retry 1 after lost connection", mv.log_text(mv.APP_LOG))


if __name__ == "__main__":
    unittest.main()
