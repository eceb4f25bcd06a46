#!/usr/bin/python3
"""Runs the HTTP integration tests against the stack of scripts/test-stack:

    scripts/test-stack /usr/bin/python3 tests/http/run.py [-k PATTERN] [MODULE...]

Prints one line per test and ends with "N passed, M failed" (", K skipped" if
any) — CI parses that line. Exit status 1 if anything failed.

Order: the modules below in this order (the ones that restart the app or stop
the mail sink are grouped), then any other test_*.py, and test_zz_logs last
(it checks the logs for every secret the other tests used).
"""

import argparse
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

ORDER = [
    "test_headers_and_input",
    "test_login",
    "test_registration",
    "test_password",
    "test_session",
    "test_master",
    "test_users",
    "test_users_list",
    "test_users_isolation",
    "test_groups",
    "test_help",
    "test_mvctl",
    "test_mailbox",
    "test_mailer",
    "test_mail_tls",
    "test_security_checklist",
    "test_timeouts",
]
LAST = "test_zz_logs"


class Result(unittest.TestResult):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.passed = 0
        self.failed_names = []
        self.t0 = {}

    def startTest(self, test):
        super().startTest(test)
        self.t0[test.id()] = time.time()

    def _line(self, word, test, extra=""):
        dt = time.time() - self.t0.get(test.id(), time.time())
        self.stream.write(f"{word:5} {test.id()} ({dt:.1f}s){extra}\n")
        self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._line("PASS", test)

    def _fail(self, word, test, err):
        self.failed_names.append(test.id())
        self._line(word, test)
        text = self._exc_info_to_string(err, test)
        self.stream.write("      " + text.rstrip().replace("\n", "\n      ") + "\n")
        self.stream.flush()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail("FAIL", test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._fail("ERROR", test, err)

    def addSubTest(self, test, subtest, err):
        # a failed subTest fails its test; without this it would be neither passed nor failed
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._fail("FAIL" if issubclass(err[0], test.failureException) else "ERROR", subtest, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line("SKIP", test, f": {reason}")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        self._line("XFAIL", test)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed_names.append(test.id())
        self._line("XPASS", test)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", action="append", default=[], help="only tests whose id contains this text")
    ap.add_argument("--skip", action="append", default=[], help="leave out tests whose id contains this text")
    ap.add_argument("modules", nargs="*")
    args = ap.parse_args()
    for var in ("MV_VAR_DIR", "MV_HTTP_PORT", "MV_SINK_HTTP_PORT"):
        if not os.environ.get(var):
            print(f"run.py: {var} is not set; run me through scripts/test-stack", file=sys.stderr)
            return 2

    found = sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    names = args.modules or ([m for m in ORDER if m in found] + [m for m in found if m not in ORDER and m != LAST]
                             + ([LAST] if LAST in found else []))
    loader = unittest.TestLoader()
    if args.k:
        loader.testNamePatterns = [f"*{k}*" for k in args.k]
    suite = unittest.TestSuite()
    for name in names:
        suite.addTests(loader.loadTestsFromName(name))
    if args.skip:
        def without(s):
            kept = unittest.TestSuite()
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    kept.addTest(without(t))
                elif not any(x in t.id() for x in args.skip):
                    kept.addTest(t)
            return kept
        suite = without(suite)

    result = Result(sys.stdout)
    t0 = time.time()
    suite.run(result)
    dt = time.time() - t0
    failed = len(result.failed_names)
    skipped = len(result.skipped)
    if failed:
        print("\nFailed:")
        for n in result.failed_names:
            print(f"  {n}")
    print(f"\nRuntime {dt:.0f}s")
    line = f"{result.passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
