"""Issue 15 item 4: health and metrics.

- GET /status on the public port: 200 "ok" / 503 "fail" (JSON {"status": …}) and nothing more;
  503 while the database is down or the outbox's oldest unsent mail is older than
  status_outbox_max_age_s; no cookie, no session.
- /metrics does not exist on the public port (404), also not with a forged header.
- The operations listener (nginx on 127.0.0.1:MV_METRICS_PORT only, FastCGI param
  MV_LISTENER=intern): /status with the details (JSON), /metrics in the Prometheus text format
  0.0.4 — parsed here by a strict little parser; counters move by exactly the requests made.
- A worker killed with SIGKILL shows in mv_worker_restarts_total; recycling in
  mv_workers_recycled_total.
- mvctl status [--json]: the same checks with the details, exit code 0 only when healthy.
"""

import http.client
import json
import os
import re
import signal
import socket
import time
import unittest

import mv

METRICS_PORT = int(os.environ.get("MV_METRICS_PORT") or mv.PORT + 100)
NGINX_CONF = os.path.join(mv.VAR, "nginx", "nginx.conf")


def local(path, method="GET", headers=None, host="127.0.0.1"):
    """(status, headers dict lower-case, body text) from the operations listener."""
    conn = http.client.HTTPConnection(host, METRICS_PORT, timeout=15)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8")
    finally:
        conn.close()


# ---------------------------------------------------------------- Prometheus text format 0.0.4

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)$" % (NAME, LABEL, LABEL))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_prometheus(text):
    """{(name, frozenset(labels)): value}; raises AssertionError on anything not in the format."""
    if not text.endswith("\n"):
        raise AssertionError("the exposition ends with a line feed")
    types, helps, samples = {}, {}, {}
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name, _, doc = line[7:].partition(" ")
            if not re.fullmatch(NAME, name) or name in helps or not doc:
                raise AssertionError(f"bad HELP line: {line!r}")
            helps[name] = doc
            continue
        if line.startswith("# TYPE "):
            parts = line[7:].split(" ")
            if len(parts) != 2 or parts[1] not in TYPES or parts[0] in types:
                raise AssertionError(f"bad TYPE line: {line!r}")
            types[parts[0]] = parts[1]
            continue
        if line.startswith("#") or not line:
            raise AssertionError(f"unexpected line: {line!r}")
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a sample line: {line!r}")
        name = m.group(1)
        labels = frozenset(re.findall(LABEL, m.group(2) or ""))
        value = float(m.group(m.lastindex))  # "+Inf", "NaN" parse too
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[: -len(suffix)]) == "histogram":
                family = name[: -len(suffix)]
        if family not in types:
            raise AssertionError(f"sample before its TYPE line: {line!r}")
        if types[family] == "counter" and not name.endswith("_total"):
            raise AssertionError(f"a counter's name ends in _total: {line!r}")
        if (name, labels) in samples:
            raise AssertionError(f"sample repeated: {line!r}")
        samples[(name, labels)] = value
    for name in types:
        if name not in helps:
            raise AssertionError(f"{name} has no HELP")
    return types, samples


def scrape():
    status, headers, body = local("/metrics")
    assert status == 200, (status, body)
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers["content-type"]
    return parse_prometheus(body)[1]


def val(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def total_requests(samples):
    return sum(v for (n, _), v in samples.items() if n == "mv_http_requests_total")


def wait_for(cond, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def public_status(json_=False):
    c = mv.Client()
    return c.get("/status", json=True) if json_ else c.get("/status")


def workers_of(master):
    """The master's children that hold its listening FastCGI socket: the workers (the mailer
    closes it)."""
    def sockets(pid):
        out = set()
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # the process ended since it was listed (a killed or recycled worker)
            return out
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:"):
                out.add(link)
        return out
    listen = sockets(master)
    return [p for p in mv.children(master) if sockets(p) & listen]


# ---------------------------------------------------------------- public port

class PublicStatus(mv.Case):
    def test_a_status_says_ok_and_nothing_more(self):
        r = public_status()
        self.assertEqual((r.status, r.text), (200, "ok\n"))
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual(r.set_cookies, {}, "no session, no anonymous CSRF cookie")
        rj = public_status(json_=True)
        self.assertEqual((rj.status, rj.json()), (200, {"status": "ok"}))
        r = mv.Client().request("HEAD", "/status")
        self.assertEqual((r.status, r.body), (200, b""))
        r = mv.Client().post("/status", {}, csrf=False)
        self.assertEqual(r.status, 405)

    def test_b_no_metrics_and_no_details_outside(self):
        c = mv.Client()
        self.assertEqual(c.get("/metrics").status, 404)
        forged = {"MV-Listener": "intern", "MV_LISTENER": "intern"}
        self.assertEqual(c.get("/metrics", headers=forged).status, 404)
        r = c.get("/status", headers=forged)
        self.assertEqual((r.status, r.text), (200, "ok\n"), "a client cannot set the FastCGI parameter")
        self.assertEqual(c.get("/status?details=1").text, "ok\n")

    def test_c_operations_listener_only_on_loopback(self):
        conf = open(NGINX_CONF, encoding="utf-8").read()
        servers = conf.split("\n    server {")[1:]
        sets = re.compile(r"fastcgi_param\s+MV_LISTENER\s")
        ops = [s for s in servers if sets.search(s)]
        self.assertEqual(len(ops), 1, "one operations server")
        self.assertEqual(re.findall(r"(?m)^\s*listen\s+([^;]+);", ops[0]), [f"127.0.0.1:{METRICS_PORT}"])
        public = [s for s in servers if not sets.search(s)]
        self.assertEqual(len(public), 1)
        self.assertIn(f"listen 127.0.0.1:{mv.PORT} ", public[0])
        # bound to 127.0.0.1 only: another loopback address of this host is refused
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.2", METRICS_PORT), timeout=5).close()
        # and it serves nothing but /status and /metrics
        self.assertEqual(local("/anmelden")[0], 404)
        self.assertEqual(local("/")[0], 404)
        self.assertEqual(local("/metrics", method="POST")[0], 403)


# ---------------------------------------------------------------- local listener

class LocalDetails(mv.Case):
    def test_a_status_details(self):
        status, headers, body = local("/status")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        d = json.loads(body)
        self.assertEqual(set(d), {"status", "checks", "database", "outbox", "master"})
        self.assertEqual(d["status"], "ok")
        self.assertEqual(d["checks"], {"database": True, "outbox": True, "workers": True})
        self.assertEqual(set(d["database"]), {"reachable", "migration", "sessions_active"})
        self.assertTrue(d["database"]["reachable"])
        self.assertRegex(d["database"]["migration"], r"^\d{3}_\w+\.sql$")
        self.assertEqual(set(d["outbox"]), {"unsent", "retrying", "oldest_unsent_age_s", "max_age_s"})
        self.assertEqual(d["outbox"]["max_age_s"], 900)
        m = d["master"]
        self.assertEqual(set(m), {"pid", "workers", "workers_alive", "mailer_alive", "worker_restarts",
                                  "mailer_restarts", "workers_recycled"})
        self.assertEqual(m["pid"], mv.master_pid())
        self.assertEqual((m["workers"], m["workers_alive"], m["mailer_alive"]), (4, 4, True))

    def test_b_metrics_parse_and_name_what_the_issue_asks(self):
        types, s = parse_prometheus(local("/metrics")[2])
        for name, kind in [("mv_http_requests_total", "counter"), ("mv_http_request_duration_seconds", "histogram"),
                           ("mv_logins_total", "counter"), ("mv_tan_mails_queued_total", "counter"),
                           ("mv_mails_sent_total", "counter"), ("mv_mails_failed_total", "counter"),
                           ("mv_workers_recycled_total", "counter"), ("mv_worker_restarts_total", "counter"),
                           ("mv_outbox_oldest_unsent_age_seconds", "gauge"), ("mv_database_up", "gauge"),
                           ("mv_workers_alive", "gauge")]:
            self.assertEqual(types.get(name), kind, name)
        self.assertEqual(val(s, "mv_database_up"), 1)
        self.assertEqual(val(s, "mv_workers_alive"), 4)
        # no user data in labels: only the route table's names and fixed words
        labels = {v for (_, ls) in s for (_, v) in ls}
        self.assertEqual([l for l in labels if not re.fullmatch(r"[a-z_]+|[1-5]xx|[0-9.]+|\+Inf", l)], [])

    def test_c_counters_move_by_exactly_the_requests_made(self):
        admin = mv.ready_admin()
        made = [0]
        orig = mv.Client.request

        def counting(client, *a, **kw):
            made[0] += 1
            return orig(client, *a, **kw)

        # the activation mails are out and counted before the first numbers are taken
        self.assertTrue(wait_for(lambda: json.loads(local("/status")[2])["outbox"]["unsent"] == 0))
        time.sleep(0.5)
        before = scrape()
        mv.Client.request = counting
        try:
            c = mv.Client()
            self.assertEqual(c.get("/gibt-es-nicht").status, 404)
            _, r = mv.login_password(admin.kennung, "Falsch-Passwort-1!", mv.Client())
            self.assertEqual(r.status, 422)
            c = mv.login(admin.kennung, admin.password, admin.email)
            c2, r = mv.login_password(admin.kennung, admin.password, mv.Client())
            mv.latest_tan(admin.email)
            c2.get("/anmelden/tan")
            self.assertEqual(c2.post("/anmelden/tan", {"tan": "000000"}).status, 422)
            self.assertEqual(c.get("/").status, 200)
        finally:
            mv.Client.request = orig
        # the mailer counts after the sink took the mail: wait for it, then take the numbers
        self.assertTrue(wait_for(lambda: val(scrape(), "mv_mails_sent_total")
                                 >= val(before, "mv_mails_sent_total") + 2))
        after = scrape()

        def delta(name, **labels):
            return val(after, name, **labels) - val(before, name, **labels)

        self.assertEqual(delta("mv_http_requests_total", route="not_found", code="4xx"), 1)
        self.assertEqual(delta("mv_http_requests_total", route="home", code="2xx"), 2, "mv.login's GET / and ours")
        self.assertEqual(delta("mv_logins_total", result="password_ok"), 2)
        self.assertEqual(delta("mv_logins_total", result="password_refused"), 1)
        self.assertEqual(delta("mv_logins_total", result="tan_ok"), 1)
        self.assertEqual(delta("mv_logins_total", result="tan_refused"), 1)
        self.assertEqual(delta("mv_tan_mails_queued_total"), 2)
        self.assertEqual(delta("mv_mails_sent_total"), 2, "the two TAN mails")
        self.assertEqual(delta("mv_mails_failed_total"), 0)
        self.assertEqual(total_requests(after) - total_requests(before), made[0],
                         "every request counted once; the scrapes themselves not at all")
        self.assertEqual(delta("mv_http_request_duration_seconds_count"), made[0])

    def test_d_histogram_is_cumulative_and_counts_every_request(self):
        mv.Client().get("/anmelden")
        s = scrape()
        buckets = sorted(((float(dict(ls)["le"]), v) for (n, ls), v in s.items()
                          if n == "mv_http_request_duration_seconds_bucket"), key=lambda b: b[0])
        self.assertEqual([b for b, _ in buckets],
                         [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, float("inf")])
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), "cumulative")
        count = val(s, "mv_http_request_duration_seconds_count")
        self.assertEqual(counts[-1], count)
        self.assertEqual(count, total_requests(s))
        self.assertGreater(count, 0)
        self.assertGreater(val(s, "mv_http_request_duration_seconds_sum"), 0)

    def test_e_killed_worker_shows_in_the_restart_counter(self):
        m = mv.master_pid()
        workers = workers_of(m)
        self.assertEqual(len(workers), 4)
        before = scrape()
        os.kill(workers[0], signal.SIGKILL)
        # a worker woken in accept() as the signal lands takes a connection down with it (nginx 502):
        # scrape only once the master has reaped it, as a monitoring system would simply retry
        self.assertTrue(wait_for(lambda: workers[0] not in workers_of(m)))
        self.assertTrue(wait_for(lambda: val(scrape(), "mv_worker_restarts_total")
                                 == val(before, "mv_worker_restarts_total") + 1))
        self.assertTrue(wait_for(lambda: len(workers_of(m)) == 4))
        after = scrape()
        self.assertEqual(val(after, "mv_mailer_restarts_total"), val(before, "mv_mailer_restarts_total"))
        self.assertEqual(val(after, "mv_workers_recycled_total"), val(before, "mv_workers_recycled_total"),
                         "a kill is no recycling")
        self.assertEqual(json.loads(local("/status")[2])["master"]["worker_restarts"],
                         val(after, "mv_worker_restarts_total"))

    def test_f_recycled_workers_are_counted(self):
        mv.restart_app(MV_WORKER_MAX_REQUESTS=3)
        try:
            for _ in range(30):
                self.assertEqual(mv.Client().get("/anmelden").status, 200)
            self.assertTrue(wait_for(lambda: val(scrape(), "mv_workers_recycled_total") >= 4))
            self.assertEqual(val(scrape(), "mv_worker_restarts_total"), 0, "recycling is no restart")
        finally:
            mv.restart_app()


# ---------------------------------------------------------------- unhealthy and back

class Unhealthy(mv.Case):
    def assert_fail(self, check):
        r = public_status()
        self.assertEqual((r.status, r.text), (503, "fail\n"))
        rj = public_status(json_=True)
        self.assertEqual((rj.status, rj.json()), (503, {"status": "fail"}))
        status, _, body = local("/status")
        d = json.loads(body)
        self.assertEqual((status, d["status"], d["checks"][check]), (503, "fail", False))
        return d

    def assert_healthy_again(self):
        self.assertTrue(wait_for(lambda: public_status().status == 200), "healthy again")
        self.assertEqual(public_status().text, "ok\n")
        self.assertEqual(mv.mvctl("status").rc, 0)

    def test_a_database_down(self):
        mv._stack("db-stop")
        try:
            d = self.assert_fail("database")
            self.assertFalse(d["database"]["reachable"])
            self.assertTrue(d["checks"]["workers"])
            s = scrape()
            self.assertEqual(val(s, "mv_database_up"), 0)
            self.assertNotIn(("mv_outbox_oldest_unsent_age_seconds", frozenset()), s, "no made-up outbox numbers")
            r = mv.mvctl("status")
            self.assertEqual(r.rc, 1, r)
            self.assertRegex(r.out, r"(?m)^status\s+FAIL$")
            self.assertRegex(r.out, r"(?m)^database\s+FAIL: unreachable$")
            self.assertRegex(r.out, r"(?m)^workers\s+ok: 4 of 4 alive")
            r = mv.mvctl("--json", "status")
            self.assertEqual(r.rc, 1, r)
            self.assertEqual((r.json()["status"], r.json()["checks"]["database"]), ("fail", False))
        finally:
            mv._stack("db-start")
        self.assert_healthy_again()

    def test_b_outbox_older_than_the_limit(self):
        if mv.db("SELECT 1") is None:
            self.skipTest("needs MariaDB root (run as root)")
        to = f"alt-{mv.uid()}@example.org"
        # an unsent mail from two hours ago, not due before tomorrow (the mailer leaves it alone)
        mv.db("INSERT INTO outbox (created_at, to_addr, subject, body, status, next_attempt_at) VALUES "
              f"(NOW() - INTERVAL 2 HOUR, '{to}', 'Test', '', 'wartend', NOW() + INTERVAL 1 DAY)")
        try:
            d = self.assert_fail("outbox")
            self.assertTrue(d["database"]["reachable"])
            self.assertGreaterEqual(d["outbox"]["oldest_unsent_age_s"], 7200)
            self.assertGreaterEqual(d["outbox"]["unsent"], 1)
            self.assertGreaterEqual(val(scrape(), "mv_outbox_oldest_unsent_age_seconds"), 7200)
            r = mv.mvctl("status")
            self.assertEqual(r.rc, 1, r)
            self.assertRegex(r.out, r"(?m)^outbox\s+FAIL: \d+ unsent .*oldest \d+ s \(limit 900 s\)$")
        finally:
            mv.db(f"DELETE FROM outbox WHERE to_addr = '{to}'")
        self.assert_healthy_again()


# ---------------------------------------------------------------- mvctl status

class CtlStatus(mv.Case):
    def test_healthy(self):
        r = mv.mvctl("status")
        self.assertEqual(r.rc, 0, r)
        lines = r.out.splitlines()
        self.assertEqual([l.split()[0] for l in lines], ["status", "database", "outbox", "workers", "restarts"])
        self.assertEqual(lines[0].split(), ["status", "ok"])
        self.assertRegex(r.out, r"(?m)^database\s+ok: reachable, migration \d{3}_\w+\.sql, \d+ active sessions$")
        self.assertRegex(r.out, r"(?m)^workers\s+ok: 4 of 4 alive, mailer running, master pid %d " % mv.master_pid())
        r = mv.mvctl("status", "--json")
        self.assertEqual(r.rc, 0, r)
        d = r.json()
        self.assertEqual(set(d), {"status", "checks", "database", "outbox", "master"})
        self.assertEqual(d["status"], "ok")
        self.assertEqual(d["master"]["pid"], mv.master_pid())
        self.assertEqual(d["checks"], json.loads(local("/status")[2])["checks"])


if __name__ == "__main__":
    unittest.main()
