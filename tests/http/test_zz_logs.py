"""Runs last: the logs after all flows (SECURITY.md 45, 46, 47)."""

import re
import unittest

import mv

NGINX_ERROR_LOG = mv.os.path.join(mv.VAR, "log", "nginx-error.log")


class Logs(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app = mv.log_text(mv.APP_LOG)
        cls.access = mv.log_text(mv.ACCESS_LOG)
        cls.nginx_error = mv.log_text(NGINX_ERROR_LOG)

    def test_logs_exist(self):
        self.assertIn("event=login_ok", self.app, "the suite logged in; the app log must show it")
        self.assertIn('"POST /anmelden"', self.access)

    def test_no_password_tan_token_or_session_id_in_logs(self):
        self.assertGreater(len(mv.SECRETS), 50, "the other tests collect the secrets they use")
        leaks = []
        for secret in sorted(mv.SECRETS):
            for name, text in (("mv.log", self.app), ("nginx access log", self.access),
                               ("nginx error log", self.nginx_error)):
                if re.fullmatch(r"\d{6}", secret):
                    found = re.search(r"(?<![\d.:-])%s(?![\d.:-])" % secret, text)
                else:
                    found = secret in text
                if found:
                    leaks.append(f"{name}: {secret[:6]}…")
        self.assertEqual(leaks, [])

    def test_access_log_without_query_strings_or_cookies(self):
        lines = self.access.splitlines()
        self.assertTrue(lines)
        self.assertEqual([l for l in lines if "?" in l or "token" in l or "mv_sid" in l or "mv_pre" in l], [])

    def test_no_full_mail_addresses_in_app_log(self):
        addrs = set(mv.EMAIL_OF.values())
        self.assertTrue(addrs)
        self.assertEqual([a for a in addrs if a in self.app], [])

    def test_security_events_logged_with_utc_time_who_and_where(self):
        for event in ["login_ok", "login_failed", "tan_failed", "account_self_locked", "logout", "csrf_refused",
                      "password_changed", "password_reset", "account_activated", "session_expired",
                      "kennung_retrieved"]:
            self.assertRegex(self.app, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \w+ pid=\d+ .*event=%s " % event, event)
        self.assertRegex(self.app, r"(?m)remote=127\.\d+\.\d+\.\d+ event=login_ok actor=X201-[A-Z0-9]{12} ")
        if mv.db("SELECT 1") is not None:
            rows = mv.db("SELECT COUNT(*) FROM audit_log WHERE event='login_failed' AND remote LIKE '127.%'")
            self.assertGreater(int(rows[0][0]), 0)

    def test_mvctl_changes_audited_with_who_and_where(self):
        if mv.db("SELECT 1") is None:
            self.skipTest("needs MariaDB root (run as root)")
        rows = mv.db("SELECT COUNT(*) FROM audit_log WHERE event IN ('admin_added', 'org_added')")
        self.assertGreater(int(rows[0][0]), 0, "mvctl's changes are in the audit log")
        rows = mv.db("SELECT event, COALESCE(actor, '-'), COALESCE(remote, '-') FROM audit_log "
                     "WHERE event IN ('admin_added', 'org_added', 'admin_updated', 'org_restricted') "
                     "AND actor IS NULL AND remote IS NULL LIMIT 3")
        self.assertEqual(rows, [], "admin changes made with mvctl name neither who nor where (SECURITY.md 45)")


if __name__ == "__main__":
    unittest.main()
