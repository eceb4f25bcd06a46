"""The production mail path against a real mail server (issue 15, item 5).

A private Postfix (scripts/mta-test: STARTTLS, Cyrus SASL AUTH, throwaway CAs) stands between the
app and the stack's sink; it relays what it accepts to the sink, so mv.wait_mail sees what arrived
and Postfix's Received header says how it arrived. The app runs as in production:
smtp_starttls = required, smtp_ca_file = the test CA, smtp_host = "localhost" (the name in the
good certificate), smtp_user/smtp_password for AUTH.

Each broken server — no STARTTLS offered, a certificate for another host name, a certificate from
an unknown CA, no AUTH offered — and wrong credentials on the app's side: nothing reaches the server beyond the
point of refusal (Postfix's own session summary line shows which commands it got), the outbox
keeps the mail, the app log says why, and once the server is fixed the same mail arrives once.

Needs root (Postfix's master) and the packages postfix and sasl2-bin (scripts/install-deps).
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import mv

MTA = os.path.join(mv.REPO, "scripts", "mta-test")
SINK_SMTP = int(os.environ.get("MV_SINK_SMTP_PORT", "12525"))


def free_port():
    """MV_MTA_PORT, else a port the kernel hands out on loopback."""
    if os.environ.get("MV_MTA_PORT"):
        return int(os.environ["MV_MTA_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mta(*args):
    p = subprocess.run([MTA, *args], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"scripts/mta-test {' '.join(args)} failed: {p.stdout}{p.stderr}")
    return p.stdout


@unittest.skipUnless(mv.is_root(), "Postfix's master needs root (CI runs as root)")
class ProductionMailPath(mv.Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not (shutil.which("postfix") or os.path.exists("/usr/sbin/postfix")):
            raise AssertionError("postfix is not installed (scripts/install-deps installs postfix and sasl2-bin)")
        cls.dir = tempfile.mkdtemp(prefix="mv-mta-")
        cls.port = free_port()
        try:
            mta("start", cls.dir, str(cls.port), str(SINK_SMTP))
        except AssertionError:
            cls._cleanup_mta()
            raise
        cls.user = open(os.path.join(cls.dir, "user")).read().strip()
        cls.password = open(os.path.join(cls.dir, "password")).read().strip()
        mv.SECRETS.add(cls.password)  # test_zz_logs: never in a log
        cls.restart(cls.password)

    @classmethod
    def tearDownClass(cls):
        try:
            mv.restart_app()  # back to the sink
        finally:
            cls._cleanup_mta()
            super().tearDownClass()

    @classmethod
    def _cleanup_mta(cls):
        try:
            mta("stop", cls.dir)
        finally:
            # kept with the stack's logs (test-stack keeps them when the suite fails)
            if os.path.exists(os.path.join(cls.dir, "maillog")) and os.path.isdir(os.path.join(mv.VAR, "log")):
                shutil.copy(os.path.join(cls.dir, "maillog"), os.path.join(mv.VAR, "log", "postfix-maillog.log"))
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def restart(cls, password):
        mv.restart_app(MV_SMTP_HOST="localhost", MV_SMTP_PORT=cls.port, MV_SMTP_STARTTLS="required",
                       MV_SMTP_CA_FILE=os.path.join(cls.dir, "ca.pem"), MV_SMTP_USER=cls.user,
                       MV_SMTP_PASSWORD=password, MV_MAIL_RETRY_S=1)

    def maillog_size(self):
        return mv.log_size(os.path.join(self.dir, "maillog"))

    def maillog_since(self, offset):
        return mv.log_since(offset, os.path.join(self.dir, "maillog"))

    def wait_maillog(self, offset, pattern, timeout=15):
        """Postfix writes its log through postlogd, a moment after the session: wait for the line."""
        deadline = time.time() + timeout
        while not re.search(pattern, self.maillog_since(offset)):
            if time.time() > deadline:
                self.assertRegex(self.maillog_since(offset), pattern)
            time.sleep(0.2)

    def assert_arrived_via_tls_and_auth(self, mail):
        h = mail["raw_headers"]
        # Postfix's own Received header (smtpd_tls_received_header, smtpd_sasl_authenticated_header)
        self.assertRegex(h, r"\(using TLSv1\.2 with cipher [A-Z0-9-]+ ")
        self.assertIn(f"(Authenticated sender: {self.user}@mvtest)", h)
        self.assertRegex(h, r"by mta\.mvtest\.invalid \(Postfix\) with ESMTPSA id ")

    def outbox(self, email, subject):
        return mv.db(f"SELECT status, attempts, last_error FROM outbox WHERE to_addr='{email}' AND subject='{subject}'")

    def wait_refused(self, email, subject, why):
        """Waits until the mailer tried at least twice and the row carries the reason."""
        deadline = time.time() + 30
        while True:
            rows = self.outbox(email, subject)
            if len(rows) == 1 and rows[0][0] == "wartend" and int(rows[0][1]) >= 2 and why in rows[0][2]:
                return rows[0]
            if time.time() > deadline:
                raise AssertionError(f"the mailer did not fail with {why!r} twice: {rows}")
            time.sleep(0.2)

    def assert_refused_then_sent(self, make_mail, subject, why, mta_lines, fix):
        """make_mail() causes one mail and returns the address; the server (or app) is broken now."""
        log_off, mta_off = mv.log_size(), self.maillog_size()
        email = make_mail()
        row = self.wait_refused(email, subject, why)
        self.assertEqual(row[2], "session: " + why, "the outbox row keeps the reason")
        time.sleep(0.5)
        self.assertEqual(mv.mails(email, subject), [], "no mail reached the sink")
        log = mv.log_since(log_off)
        # the session may carry other modules' waiting mails too (a row of an earlier test that comes
        # due now): the reason is what counts here, not how many mails the batch held
        self.assertRegex(log, re.escape(f"mailer: SMTP session to localhost:{self.port} failed: {why}; ") +
                         r"\d+ mails queued again")
        self.assertNotIn(self.password, log)
        for pattern in mta_lines:
            self.wait_maillog(mta_off, pattern)
        mlog = self.maillog_since(mta_off)
        # nothing beyond the refusal: no envelope, no message ever reached Postfix
        self.assertNotRegex(mlog, r"client=localhost|mail=|rcpt=|data=|bdat=")
        # from before the fix: the mailer may deliver before fix() returns (a restarted app sends at once)
        mta_off = self.maillog_size()
        fix()
        m = mv.wait_mail(email, subject, timeout=40)
        self.assert_arrived_via_tls_and_auth(m)
        time.sleep(2.0)
        self.assertEqual(len(mv.mails(email, subject)), 1, "the waiting mail arrives exactly once")
        rows = self.outbox(email, subject)
        self.assertEqual([r[0] for r in rows], ["gesendet"])
        self.assertGreaterEqual(int(rows[0][1]), 2)
        self.wait_maillog(mta_off, r"sasl_method=PLAIN, sasl_username=" + self.user + "@mvtest")
        return m

    # -- the working path

    def test_a_tan_and_link_mails_arrive_through_postfix_with_tls_and_auth(self):
        mta_off = self.maillog_size()
        a = mv.new_admin()
        link_mail = mv.wait_mail(a.email, mv.SUBJ_SETPW, timeout=20)
        self.assert_arrived_via_tls_and_auth(link_mail)
        mv.activate(a, link=mv.link_from(link_mail, "/passwort-setzen"))
        c = mv.login_admin(a)  # the TAN came through Postfix too
        self.assertEqual(c.get("/").status, 200)
        tan_mails = mv.mails(a.email, mv.SUBJ_TAN)
        self.assertEqual(len(tan_mails), 1)
        self.assert_arrived_via_tls_and_auth(tan_mails[0])
        self.wait_maillog(mta_off, r"TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.2 with cipher")
        self.wait_maillog(mta_off, r"client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=" + self.user)
        for m in (link_mail, tan_mails[0]):
            mid = re.search(r"Message-ID: <(outbox-\d+@meineversorgung\.org)>", m["raw_headers"]).group(1)
            self.wait_maillog(mta_off, re.escape(f"message-id=<{mid}>"))
        self.wait_maillog(mta_off, r"relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d, .*status=sent" % SINK_SMTP)

    # -- broken servers: nothing leaves, the outbox keeps the mail, the log says why, then it goes out

    def test_b_server_without_starttls(self):
        mta("variant", self.dir, "notls")
        try:
            self.assert_refused_then_sent(
                lambda: mv.new_admin().email, mv.SUBJ_SETPW, "server does not offer STARTTLS",
                # Postfix offered AUTH in the clear; the client sent EHLO and QUIT, nothing else
                [r"disconnect from localhost\[127\.0\.0\.1\] ehlo=1 quit=1 commands=2"],
                lambda: mta("variant", self.dir, "good"))
        finally:
            mta("variant", self.dir, "good")

    def test_c_certificate_for_another_host_name(self):
        mta("variant", self.dir, "wronghost")
        try:
            self.assert_refused_then_sent(
                lambda: mv.new_admin().email, mv.SUBJ_SETPW,
                "TLS handshake failed: certificate verify failed (hostname mismatch)",
                [r"SSL_accept error from localhost\[127\.0\.0\.1\]",
                 r"alert bad certificate",
                 r"disconnect from localhost\[127\.0\.0\.1\] ehlo=1 starttls=0/1 commands=1/2"],
                lambda: mta("variant", self.dir, "good"))
        finally:
            mta("variant", self.dir, "good")

    def test_d_certificate_from_unknown_ca(self):
        mta("variant", self.dir, "unknownca")
        try:
            self.assert_refused_then_sent(
                lambda: mv.new_admin().email, mv.SUBJ_SETPW,
                "TLS handshake failed: certificate verify failed (unable to get local issuer certificate)",
                [r"SSL_accept error from localhost\[127\.0\.0\.1\]",
                 r"alert unknown ca",
                 r"disconnect from localhost\[127\.0\.0\.1\] ehlo=1 starttls=0/1 commands=1/2"],
                lambda: mta("variant", self.dir, "good"))
        finally:
            mta("variant", self.dir, "good")

    def test_f_server_without_auth(self):
        mta("variant", self.dir, "noauth")
        try:
            self.assert_refused_then_sent(
                lambda: mv.new_admin().email, mv.SUBJ_SETPW,
                "server offers no usable AUTH although smtp_user is set; nothing sent",
                # TLS, EHLO without AUTH in the answer; the client hung up before MAIL FROM
                [r"lost connection after EHLO from localhost\[127\.0\.0\.1\]",
                 r"disconnect from localhost\[127\.0\.0\.1\] ehlo=2 starttls=1 commands=3"],
                lambda: mta("variant", self.dir, "good"))
        finally:
            mta("variant", self.dir, "good")

    def test_e_wrong_credentials(self):
        # a TAN mail this time: an account made while the credentials are right
        a = mv.ready_admin()
        wrong = "falsch-" + self.password[:8]
        mv.SECRETS.add(wrong)
        self.restart(wrong)
        state = {}

        def tan_mail():
            c, r = mv.login_password(a.kennung, a.password)
            self.assertEqual((r.status, r.location), (303, "/anmelden/tan"))
            state["client"] = c
            return a.email

        try:
            m = self.assert_refused_then_sent(
                tan_mail, mv.SUBJ_TAN,
                "authentication as smtp_user failed (535 5.7.8 Error: authentication failed: authentication failure); "
                "nothing sent",
                [r"SASL PLAIN authentication failed: authentication failure, sasl_username=" + self.user,
                 # TLS, then AUTH refused; the client hung up before MAIL FROM
                 r"lost connection after AUTH from localhost\[127\.0\.0\.1\]",
                 r"disconnect from localhost\[127\.0\.0\.1\] ehlo=2 starttls=1 auth=0/\d commands=3/\d"],
                lambda: self.restart(self.password))
        finally:
            self.restart(self.password)
        self.assertNotIn(wrong, mv.log_text(mv.APP_LOG))
        # the TAN that waited in the outbox still logs in
        tan = mv.tan_from(m)
        mv.SECRETS.add(tan)
        c = state["client"]
        c.get("/anmelden/tan")
        r = c.post("/anmelden/tan", {"tan": tan})
        self.assertEqual((r.status, r.location), (303, "/"))


if __name__ == "__main__":
    unittest.main()
