"""Driver of scripts/soak (runs inside scripts/test-stack): load and faults, loopback only.

Phase 1: wrk, mixed GET traffic (tests/soak/mix.lua), CONNECTIONS connections for WRK_SECONDS:
         no response outside 2xx/3xx, no socket error.
Phase 2: CONNECTIONS Python clients (WRITERS administrators' clients creating Sachbearbeiter, each
         creation queues an activation mail through the outbox; the rest read mixed pages, also
         the details of users just created) while
           - a random worker gets kill -9 every KILL_EVERY_S seconds,
           - the mailer gets kill -9 while it has an SMTP session open (mid-send),
           - the SMTP sink is down for SINK_DOWN_S seconds,
           - MariaDB is stopped and started again (service back within 3 s of MariaDB).
         Afterwards: every creation a client saw confirmed is in the database, every outbox row is
         delivered (by Message-ID <outbox-ID@...>), doubles only from the batch that was on the wire
         when the mailer was killed, and every failed request was in flight at a worker kill or
         fell into the MariaDB restart.
Prints a table, writes it to build/soak-report.txt, exits 1 if a target is missed.
Standard library only; every request goes to 127.0.0.1."""
import email
import email.policy
import getpass
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = os.environ["MV_VAR_DIR"]
PORT = int(os.environ["MV_HTTP_PORT"])
SINK_PORT = int(os.environ["MV_SINK_SMTP_PORT"])
CONF = os.path.join(VAR, "mv.conf")
BIN = os.path.join(ROOT, "build", "meineversorgung")
STACK = os.path.join(ROOT, "scripts", "stack")
DB_SOCK = os.path.join(VAR, "run", "mysqld.sock")
MAILDIR = os.path.join(VAR, "mail")
REPORT = os.path.join(ROOT, "build", "soak-report.txt")


def env_num(name, default):
    return float(os.environ.get(name, default))


CONNECTIONS = int(env_num("MV_SOAK_CONNECTIONS", 64))
WRK_SECONDS = int(env_num("MV_SOAK_WRK_SECONDS", 60))
SINK_DOWN_S = env_num("MV_SOAK_SINK_DOWN_S", 120)
KILL_EVERY_S = env_num("MV_SOAK_KILL_EVERY_S", 2)
DB_DOWN_S = env_num("MV_SOAK_DB_DOWN_S", 5)
DRAIN_MAX_S = env_num("MV_SOAK_DRAIN_MAX_S", 200)
WRITERS = int(env_num("MV_SOAK_WRITERS", 8))
WRITE_PAUSE_S = env_num("MV_SOAK_WRITE_PAUSE_S", 0.25)
RECOVERY_TARGET_S = 3.0
PNR, ABR = "99301", "99302"

now = time.monotonic
T_START = now()


def say(text):
    print(f"soak: [{now() - T_START:6.1f}s] {text}", flush=True)


# ---------------------------------------------------------------------------
# Database (admin access through the stack's socket) and the app's CLI


def sql(query, check=True):
    """Rows of a query as lists of strings; None when MariaDB is not reachable and check is False."""
    user = "root" if os.geteuid() == 0 else getpass.getuser()
    r = subprocess.run(["mariadb", "--no-defaults", f"--socket={DB_SOCK}", "-u", user, "-N", "-B",
                        "--connect-timeout=2", "meineversorgung", "-e", query],
                       capture_output=True, text=True)
    if r.returncode != 0:
        if check:
            raise RuntimeError(f"sql failed: {r.stderr.strip()}")
        return None
    return [line.split("\t") for line in r.stdout.splitlines()]


def mvctl(*args):
    return subprocess.run([BIN, "--config", CONF, "cli", *args], check=True, capture_output=True,
                          text=True).stdout


def stack(cmd):
    r = subprocess.run([STACK, cmd], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"scripts/stack {cmd} failed: {r.stderr.strip()}")


def db_greets():
    """MariaDB accepts connections: its unix socket answers with the handshake packet."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(DB_SOCK)
        return len(s.recv(64)) > 4
    except OSError:
        return False
    finally:
        s.close()


# ---------------------------------------------------------------------------
# The sink's Maildir, read directly (nothing is moved or deleted)


class Maildir:
    def __init__(self):
        self.seen = {}  # file key -> dict(to, msgid, subject, body)
        self.taken = set()

    def scan(self):
        for sub in ("new", "cur"):
            d = os.path.join(MAILDIR, sub)
            try:
                names = os.listdir(d)
            except FileNotFoundError:
                continue
            for name in names:
                key = name.split(":", 1)[0]
                if key in self.seen:
                    continue
                try:
                    with open(os.path.join(d, name), "rb") as f:
                        msg = email.message_from_binary_file(f, policy=email.policy.default)
                except FileNotFoundError:
                    continue
                body = ""
                try:
                    body = msg.get_body(("plain",)).get_content()
                except Exception:
                    pass
                self.seen[key] = {"to": str(msg["To"] or "").lower(), "msgid": str(msg["Message-ID"] or ""),
                                  "subject": str(msg["Subject"] or ""), "body": body}
        return self.seen

    def wait(self, addr, subject_part, timeout=30):
        deadline = now() + timeout
        while now() < deadline:
            for key, m in sorted(self.scan().items()):
                if key not in self.taken and m["to"] == addr.lower() and subject_part in m["subject"]:
                    self.taken.add(key)
                    return m["body"]
            time.sleep(0.02)
        raise RuntimeError(f"no mail '{subject_part}' for {addr} within {timeout}s")


# ---------------------------------------------------------------------------
# HTTP client with its own cookie jar and one keep-alive connection


class Client:
    def __init__(self, cookies=None):
        self.conn = None
        self.cookies = dict(cookies or {})
        self.last = 0.0

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None

    def req(self, method, path, fields=None, accept="text/html", headers=None):
        # nginx closes keep-alive connections idle for 30 s: never reuse one that old
        if self.conn is None or now() - self.last > 20:
            self.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        h = {"Accept": accept}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            data = r.read()
        except Exception:
            self.close()
            raise
        finally:
            self.last = now()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";", 1)[0].split("=", 1)
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        return r.status, data.decode("utf-8", "replace")


def csrf_of(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def make_admin(mails, i):
    """An administrator of the soak organisation, activated through the real mail, logged in."""
    addr = f"soak-admin{i}@soak.example"
    out = mvctl("admin", "add", "--pnr", PNR, "--vorname", "Soak", "--name", f"Admin{i}", "--email", addr,
                "--geburtsdatum", "1980-01-01")
    kennung = re.search(r"X201-[A-Z0-9]{12}", out).group(0)
    link = re.search(r"(/passwort-setzen\?token=[A-Za-z0-9_-]+)", mails.wait(addr, "Passwort festlegen")).group(1)
    c = Client()
    _, html = c.req("GET", link)
    pw = f"Dauerlauf-{i}-Zebra!q7{random.randrange(10**6)}"
    st, _ = c.req("POST", link, {"csrf": csrf_of(html), "passwort": pw, "passwort_wiederholung": pw})
    if st != 303:
        raise RuntimeError(f"setting the password: {st}")
    c = Client()
    _, html = c.req("GET", "/anmelden")
    st, _ = c.req("POST", "/anmelden", {"csrf": csrf_of(html), "kennung": kennung, "passwort": pw})
    if st != 303:
        raise RuntimeError(f"login step 1: {st}")
    tan = re.search(r"^(\d{6})$", mails.wait(addr, "TAN"), re.M).group(1)
    _, html = c.req("GET", "/anmelden/tan")
    st, _ = c.req("POST", "/anmelden/tan", {"csrf": csrf_of(html), "tan": tan})
    if st != 303:
        raise RuntimeError(f"login step 2: {st}")
    st, body = c.req("GET", "/", accept="application/json")
    if st != 200:
        raise RuntimeError(f"home page after login: {st}")
    c.csrf = json.loads(body)["csrf"]
    c.close()
    return c


# ---------------------------------------------------------------------------
# Phase 1: wrk


def phase1(cookie_header):
    say(f"phase 1: wrk, {CONNECTIONS} connections, {WRK_SECONDS} s, mixed GET traffic")
    env = dict(os.environ, SOAK_COOKIE=cookie_header)
    r = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{WRK_SECONDS}s", "--timeout", "10s", "--latency",
                        "-s", os.path.join(ROOT, "tests", "soak", "mix.lua"), f"http://127.0.0.1:{PORT}/"],
                       capture_output=True, text=True, env=env)
    out = r.stdout
    status_line = re.search(r"^SOAK-STATUS(.*)$", out, re.M)
    summary = re.search(r"^SOAK-SUMMARY (.*)$", out, re.M)
    if r.returncode != 0 or not status_line or not summary:
        raise RuntimeError(f"wrk failed: {r.stderr.strip()} {out[-500:]}")
    statuses = {int(k): int(v) for k, v in (x.split("=") for x in status_line.group(1).split())}
    s = {k: int(v) for k, v in (x.split("=") for x in summary.group(1).split())}
    s["statuses"] = statuses
    s["bad"] = sum(n for code, n in statuses.items() if not 200 <= code < 400)
    s["5xx"] = sum(n for code, n in statuses.items() if code >= 500)
    s["socket_errors"] = s["connect"] + s["read"] + s["write"] + s["timeout"]
    say(f"phase 1: {s['requests']} requests, statuses {statuses}, socket errors {s['socket_errors']}")
    return s


# ---------------------------------------------------------------------------
# Phase 2: the app's processes


def master_pid():
    with open(os.path.join(VAR, "run", "mv.pid")) as f:
        return int(f.read().strip())


def socket_inodes(pid):
    inodes = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for n in names:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{n}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    return inodes


def children(ppid):
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if rest[0] != "Z" and int(rest[1]) == ppid:
            pids.append(int(d))
    return pids


def app_children():
    """(workers, mailer pid or None): workers hold the master's listening socket, the mailer closed it."""
    master = master_pid()
    listen = socket_inodes(master)
    workers, mailer = [], None
    for pid in children(master):
        if socket_inodes(pid) & listen:
            workers.append(pid)
        else:
            mailer = pid
    return workers, mailer


def smtp_inodes():
    """Socket inodes of established TCP connections to the sink's SMTP port."""
    found = set()
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[3] == "01" and int(parts[2].split(":")[1], 16) == SINK_PORT:
                    found.add(parts[9])
    except OSError:
        pass
    return found


class Load:
    """The clients of phase 2, run in a child process of their own (its many threads would starve the
    fault injection of the interpreter lock). Every request is recorded with its start and end on
    the system-wide monotonic clock, which the parent's fault times use too."""

    def __init__(self, reader_cookies, writer):
        self.reader_cookies = reader_cookies
        self.writer_cookies = writer.cookies
        self.writer_csrf = writer.csrf
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.requests = {"read": 0, "create": 0}
        self.ok = {"read": 0, "create": 0}
        self.latencies = []  # (duration, start, kind, path, outcome)
        self.failures = []  # (start, end, kind, path, status or exception name)
        self.confirmed = []  # (kennung, email)
        self.unconfirmed = []  # emails of creations whose answer was no confirmation

    def record(self, kind, path, start, end, outcome, success):
        with self.lock:
            self.requests[kind] += 1
            self.latencies.append((end - start, start, kind, path, outcome))
            if success:
                self.ok[kind] += 1
            else:
                self.failures.append((start, end, kind, path, outcome))

    def reader(self, i):
        rnd = random.Random(i)
        logged_in = i % 4 != 0
        c = Client(self.reader_cookies if logged_in else None)
        auth_paths = ["/", "/sachbearbeiter", "/sachbearbeiter?name=Soak&pro_seite=20", "/gruppen", "/protokoll",
                      "/mitgliederdaten", "/suche?q=Passwort", "/feedback", "DETAILS"]
        anon_paths = ["/anmelden", "/", "/faq", "/suche?q=TAN", "/impressum", "/datenschutz", "/support",
                      "/passwort-vergessen", "/static/mv.css"]
        while not self.stop.is_set():
            path = rnd.choice(auth_paths if logged_in else anon_paths)
            # anonymous "/" answers 303 to a browser and 401 to JSON: only the browser form here
            accept = "text/html" if path == "/" and not logged_in else rnd.choice(("text/html", "application/json"))
            if path == "DETAILS":  # read-your-writes: a user whose creation was confirmed
                with self.lock:
                    k = self.confirmed[rnd.randrange(len(self.confirmed))][0] if self.confirmed else None
                path = f"/sachbearbeiter/{k}" if k else "/"
            t0 = now()
            try:
                st, _ = c.req("GET", path, accept=accept)
                ok = st == 200 or st == 303 and path == "/" and not logged_in
                self.record("read", path, t0, now(), st, ok)
            except Exception as e:
                self.record("read", path, t0, now(), type(e).__name__, False)
                ok = False
            if not ok:
                self.stop.wait(0.1)  # a client pauses a moment after an error

    def writer(self, w):
        c = Client(self.writer_cookies)
        csrf = self.writer_csrf
        n = 0
        while not self.stop.is_set():
            n += 1
            addr = f"soak-sb-{w}-{n}@soak.example"
            fields = {"csrf": csrf, "vorname": "Soak", "name": f"Dauerlauf {w}-{n}", "email": addr,
                      "gruppe": ["Beihilfe", "Finanzierung"], "recht": "anspruchsberechtigte",
                      "nutzungsbedingungen": "1"}
            t0 = now()
            try:
                st, body = c.req("POST", "/sachbearbeiter/neu", fields, accept="application/json",
                                 headers={"X-CSRF-Token": csrf})
                kennung = None
                if st == 200:
                    try:
                        data = json.loads(body)
                        kennung = data.get("nutzerkennung") if data.get("ok") else None
                    except ValueError:
                        pass
                    if not kennung:
                        st = "200 without confirmation"
                self.record("create", "/sachbearbeiter/neu", t0, now(), st, bool(kennung))
                if kennung:
                    with self.lock:
                        self.confirmed.append((kennung, addr))
                else:
                    self.unconfirmed.append(addr)
            except Exception as e:
                self.record("create", "/sachbearbeiter/neu", t0, now(), type(e).__name__, False)
                self.unconfirmed.append(addr)
            self.stop.wait(WRITE_PAUSE_S)

    def main(self, stop_evt, conn):
        """Child process: run the clients until the parent sets stop_evt, then send the records."""
        threads = [threading.Thread(target=self.reader, args=(i,)) for i in range(CONNECTIONS - WRITERS)]
        threads += [threading.Thread(target=self.writer, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        parent, deadline = os.getppid(), now() + 900
        # bounded on its own too: ends when the parent is gone (killed) or after 15 minutes
        while not stop_evt.wait(1.0) and os.getppid() == parent and now() < deadline:
            pass
        self.stop.set()
        for t in threads:
            t.join()
        conn.send({k: getattr(self, k) for k in ("requests", "ok", "latencies", "failures", "confirmed",
                                                  "unconfirmed")})
        conn.close()


class Faults:
    """The parent's side of phase 2: starts the load process, injects the faults, records their times."""

    def __init__(self, reader, writer, mails):
        self.load = Load(reader.cookies, writer)
        self.reader_cookies = reader.cookies
        self.mails = mails
        self.stop = threading.Event()
        self.kills = []  # (before, after, pid)
        self.kill_skipped = 0
        self.mailer_kill = None
        self.sink_down = self.sink_up = None
        self.db = {}
        self.backlog_max = 0
        self.sink_count_at_down = None
        self.sink_count_max_during_down = 0
        self.timeline = []

    def event(self, text):
        self.timeline.append((now(), text))
        say(text)

    def worker_killer(self):
        rnd = random.Random(4711)
        next_at = now() + KILL_EVERY_S
        while not self.stop.wait(max(0.0, next_at - now())):
            next_at += KILL_EVERY_S
            workers, _ = app_children()
            if not workers:
                self.kill_skipped += 1
                continue
            pid = rnd.choice(workers)
            before = now()
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.kills.append((before, now(), pid))

    def kill_mailer_mid_send(self, timeout=30):
        """kill -9 the mailer while it has an SMTP session with the sink open."""
        deadline = now() + timeout
        while now() < deadline:
            conns = smtp_inodes()
            if conns:
                _, mailer = app_children()
                if mailer and socket_inodes(mailer) & conns:
                    t = now()
                    os.kill(mailer, signal.SIGKILL)
                    rows = sql("SELECT id FROM outbox WHERE status='versand'")
                    self.mailer_kill = {"t": t, "pid": mailer, "versand": {int(r[0]) for r in rows}}
                    self.event(f"mailer pid {mailer} killed (kill -9) with its SMTP session open; "
                               f"{len(rows)} outbox rows were 'versand' (on the wire)")
                    return True
            time.sleep(0.0002)
        self.event("mailer kill: no SMTP session seen within the time limit")
        return False

    def db_restart(self):
        self.db["stop_begin"] = now()
        self.event("MariaDB: stopping (scripts/stack db-stop)")
        stack("db-stop")
        self.db["stopped"] = now()
        self.event(f"MariaDB: stopped ({self.db['stopped'] - self.db['stop_begin']:.1f} s); down for {DB_DOWN_S:.0f} s")
        self.stop.wait(DB_DOWN_S)
        self.db["start_begin"] = now()
        starter = subprocess.Popen([STACK, "db-start"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while not db_greets():
            if starter.poll() not in (None, 0):
                raise RuntimeError(f"scripts/stack db-start failed: {starter.stderr.read().strip()}")
            time.sleep(0.005)
        self.db["back"] = now()
        # the first answer that needed the database: the session lookup of the logged-in home page
        probe = Client(self.reader_cookies)
        st = None
        while now() - self.db["back"] < 30:
            try:
                st, _ = probe.req("GET", "/", accept="application/json")
            except Exception:
                st = None
            if st == 200:
                break
            time.sleep(0.01)
        self.db["service_back"] = now() if st == 200 else None
        starter.wait()
        if self.db["service_back"]:
            self.event(f"MariaDB: accepting connections {self.db['back'] - self.db['start_begin']:.1f} s after the "
                       f"start; the service answered 200 {self.db['service_back'] - self.db['back']:.3f} s later")
        else:
            self.event("MariaDB: back, but the service did not answer 200 within 30 s")

    def sampler(self):
        """Outbox backlog and sink contents once a second (while MariaDB answers)."""
        while not self.stop.wait(1.0):
            rows = sql("SELECT COUNT(*) FROM outbox WHERE status <> 'gesendet'", check=False)
            if rows:
                self.backlog_max = max(self.backlog_max, int(rows[0][0]))
            if self.sink_down and not self.sink_up:
                self.sink_count_max_during_down = max(self.sink_count_max_during_down, len(self.mails.scan()))

    def run(self):
        ctx = multiprocessing.get_context("fork")
        stop_evt = ctx.Event()
        recv, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=self.load.main, args=(stop_evt, send), daemon=True)
        say(f"phase 2: {CONNECTIONS - WRITERS} readers + {WRITERS} writers (own process); faults start")
        self.t0 = now()
        child.start()
        send.close()
        aux = [threading.Thread(target=self.worker_killer), threading.Thread(target=self.sampler)]
        for t in aux:
            t.start()
        try:
            time.sleep(2)
            self.kill_mailer_mid_send()
            time.sleep(1)
            stack("sink-stop")
            self.sink_down = now()
            self.sink_count_at_down = len(self.mails.scan())
            self.event(f"SMTP sink stopped (for {SINK_DOWN_S:.0f} s)")
            time.sleep(15)
            self.db_restart()
            rest = self.sink_down + SINK_DOWN_S - now()
            if rest > 0:
                time.sleep(rest)
            self.sink_count_max_during_down = max(self.sink_count_max_during_down, len(self.mails.scan()))
            stack("sink-start")
            self.sink_up = now()
            self.event(f"SMTP sink started again after {self.sink_up - self.sink_down:.1f} s")
            time.sleep(10)
        finally:
            stop_evt.set()
            self.stop.set()
            for t in aux:
                t.join()
            result = recv.recv() if recv.poll(120) else None
            child.join(30)
        if result is None:
            raise RuntimeError("the load process sent no results")
        self.__dict__.update(result)
        self.t_end = now()
        self.event(f"load stopped: {sum(self.requests.values())} requests, {len(self.kills)} worker kills")

    def drain(self):
        deadline = self.sink_up + DRAIN_MAX_S
        while True:
            rows = sql("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            left = {s: int(n) for s, n in rows if s != "gesendet"}
            if not left:
                self.drained = now()
                self.event(f"outbox drained {self.drained - self.sink_up:.0f} s after the sink came back")
                return True
            if now() > deadline:
                self.drained = None
                self.event(f"outbox not drained {DRAIN_MAX_S:.0f} s after the sink came back: {left}")
                return False
            time.sleep(2)


# ---------------------------------------------------------------------------
# Verification and report


KILL_OUTCOMES = (502, "IncompleteRead", "RemoteDisconnected", "ConnectionResetError", "BrokenPipeError")


def classify(soak):
    """Cause of every failed request. "In flight at a worker kill": a 502 from nginx (or a connection
    cut after the answer had begun) of a request that had started before and ended after one kill;
    each kill explains at most one request (a worker serves one at a time). "During the MariaDB
    restart": a 503 of a request that overlapped the time from the stop until 3 s after MariaDB
    accepted connections again. Anything else is unexplained."""
    db_from = soak.db.get("stop_begin", 0)
    db_to = soak.db.get("back", now()) + RECOVERY_TARGET_S
    causes = {}
    unexplained = []
    used = set()
    for start, end, kind, path, what in sorted(soak.failures, key=lambda f: f[1]):
        cause = None
        if what in KILL_OUTCOMES:
            for i, (before, after, _) in enumerate(soak.kills):
                if i not in used and start <= after and end >= before:
                    used.add(i)
                    cause = f"in flight at a worker kill: {what}"
                    break
        if cause is None and what == 503 and start <= db_to and end >= db_from:
            cause = f"during the MariaDB restart: {what}"
        if cause:
            causes[(cause, kind)] = causes.get((cause, kind), 0) + 1
        else:
            unexplained.append((start - soak.t0, end - soak.t0, kind, path, what))
    return causes, unexplained, len(used)


def msgid_outbox_id(msgid):
    m = re.match(r"<outbox-(\d+)@", msgid.strip())
    return int(m.group(1)) if m else None


def main():
    random.seed()
    mails = Maildir()
    say("setup: organisation and two administrators (activated and logged in through their mails)")
    mvctl("org", "add", "--name", "Dauerlaufstadt", "--bereich", "Beihilfe", "--pnr", PNR, "--abr", ABR)
    reader = make_admin(mails, 1)
    writer = make_admin(mails, 2)
    cookie_header = "; ".join(f"{k}={v}" for k, v in reader.cookies.items())

    p1 = phase1(cookie_header)

    soak = Faults(reader, writer, mails)
    soak.run()
    drained = soak.drain()
    time.sleep(1)

    # -- changes the clients saw confirmed
    rows = sql(f"SELECT a.kennung, a.email FROM account a JOIN organisation o ON o.id = a.org_id "
               f"WHERE o.pnr = '{PNR}' AND a.rolle = 'S'")
    in_db = {k: e for k, e in rows}
    missing = [(k, e) for k, e in soak.confirmed if in_db.get(k) != e]
    db_emails = set(in_db.values())
    unconfirmed_committed = sum(1 for e in soak.unconfirmed if e in db_emails)
    creations_in_db = len(in_db)

    # -- mails: outbox rows against the sink's Maildir
    out_rows = sql("SELECT id, status, to_addr FROM outbox")
    outbox = {int(i): (s, a.lower()) for i, s, a in out_rows}
    delivered = {}
    strangers = 0
    for m in mails.scan().values():
        oid = msgid_outbox_id(m["msgid"])
        if oid is None or oid not in outbox or outbox[oid][1] != m["to"]:
            strangers += 1
            continue
        delivered[oid] = delivered.get(oid, 0) + 1
    not_delivered = sorted(set(outbox) - set(delivered))
    doubled = {i: n for i, n in delivered.items() if n > 1}
    on_wire = soak.mailer_kill["versand"] if soak.mailer_kill else set()
    doubled_unexplained = sorted(set(doubled) - on_wire)
    still_queued = sum(1 for s, _ in outbox.values() if s != "gesendet")
    activation_missing = sum(1 for _, e in soak.confirmed if e not in {a for _, a in outbox.values()})
    sent_during_down = (soak.sink_count_max_during_down or 0) - (soak.sink_count_at_down or 0)

    causes, unexplained, kills_hit = classify(soak)
    recovery = (soak.db["service_back"] - soak.db["back"]) if soak.db.get("service_back") else None
    lat = sorted(soak.latencies, key=lambda x: x[0])
    p2_secs = soak.t_end - soak.t0
    workers_now, mailer_now = app_children()

    checks = [
        ("phase 1: responses outside 2xx/3xx", p1["bad"], "0", p1["bad"] == 0),
        ("phase 1: 5xx", p1["5xx"], "0", p1["5xx"] == 0),
        ("phase 1: socket errors (connect/read/write/timeout)",
         f"{p1['socket_errors']} ({p1['connect']}/{p1['read']}/{p1['write']}/{p1['timeout']})", "0",
         p1["socket_errors"] == 0),
        ("phase 2: failed requests not explained by a kill or the DB restart", len(unexplained), "0",
         not unexplained),
        ("phase 2: worker kills done (kill -9)", len(soak.kills), f">= {int(p2_secs / KILL_EVERY_S) - 3}",
         len(soak.kills) >= int(p2_secs / KILL_EVERY_S) - 3),
        ("phase 2: mailer killed mid-send (SMTP session open)", "yes" if soak.mailer_kill else "no", "yes",
         bool(soak.mailer_kill)),
        ("phase 2: mails accepted by the sink while it was down", sent_during_down, "0", sent_during_down == 0),
        ("phase 2: service back after MariaDB is back, s",
         f"{recovery:.3f}" if recovery is not None else "never", f"<= {RECOVERY_TARGET_S:.0f}",
         recovery is not None and recovery <= RECOVERY_TARGET_S),
        ("confirmed creations missing in the database", len(missing), "0", not missing),
        ("confirmed creations without an activation mail in the outbox", activation_missing, "0",
         activation_missing == 0),
        ("outbox rows not delivered", len(not_delivered), "0", not not_delivered),
        ("outbox rows still queued after the drain", still_queued, "0", still_queued == 0 and drained),
        ("mails in the sink without an outbox row", strangers, "0", strangers == 0),
        ("doubles outside the batch on the wire at the mailer kill", len(doubled_unexplained), "0",
         not doubled_unexplained),
        ("app after the run: workers / mailer", f"{len(workers_now)} / {'yes' if mailer_now else 'no'}",
         "4 / yes", len(workers_now) == 4 and bool(mailer_now)),
    ]

    L = []
    L.append(f"soak: {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, loopback only; "
             f"load generator, stack and SMTP sink on the same cores")
    L.append("")
    L.append(f"phase 1: wrk 2 threads, {CONNECTIONS} connections, {WRK_SECONDS} s, mixed GET (tests/soak/mix.lua), "
             f"no faults")
    L.append(f"  requests                 {p1['requests']} ({p1['requests'] / (p1['duration_us'] / 1e6):.0f}/s), "
             f"p50 {p1['p50_us'] / 1000:.1f} ms, p99 {p1['p99_us'] / 1000:.1f} ms, max {p1['max_us'] / 1000:.0f} ms")
    L.append("  by status                " + ", ".join(f"{k}: {v}" for k, v in sorted(p1["statuses"].items())))
    L.append(f"  socket errors            connect {p1['connect']}, read {p1['read']}, write {p1['write']}, "
             f"timeout {p1['timeout']}")
    L.append("")
    L.append(f"phase 2: {p2_secs:.0f} s, {CONNECTIONS} Python clients ({CONNECTIONS - WRITERS} readers, {WRITERS} "
             f"writers creating Sachbearbeiter), faults:")
    L.append(f"  worker kills             {len(soak.kills)} (kill -9 of a random worker every {KILL_EVERY_S:.0f} s; "
             f"{soak.kill_skipped} rounds found no live worker)")
    if soak.mailer_kill:
        L.append(f"  mailer kill              at +{soak.mailer_kill['t'] - soak.t0:.1f} s with its SMTP session open, "
                 f"{len(soak.mailer_kill['versand'])} rows 'versand'")
    L.append(f"  SMTP sink down           {soak.sink_up - soak.sink_down:.1f} s (+{soak.sink_down - soak.t0:.0f} s .. "
             f"+{soak.sink_up - soak.t0:.0f} s); outbox backlog max {soak.backlog_max}")
    L.append(f"  MariaDB restart          stop took {soak.db['stopped'] - soak.db['stop_begin']:.1f} s, down "
             f"{soak.db['start_begin'] - soak.db['stopped']:.1f} s, start {soak.db['back'] - soak.db['start_begin']:.1f} s; "
             f"service back {('%.3f s' % recovery) if recovery is not None else 'never'} after MariaDB accepted "
             f"connections")
    L.append(f"  requests                 {sum(soak.requests.values())} (reads {soak.requests['read']}, creations "
             f"{soak.requests['create']}); ok {sum(soak.ok.values())}; latency p50 "
             f"{lat[len(lat) // 2][0] * 1000:.1f} ms, p99 {lat[int(len(lat) * 0.99)][0] * 1000:.0f} ms, "
             f"max {lat[-1][0] * 1000:.0f} ms")
    L.append(f"  slowest                  " + "; ".join(
        f"{d * 1000:.0f} ms {k} {p} -> {o} at +{t - soak.t0:.1f} s" for d, t, k, p, o in lat[-3:][::-1]))
    L.append(f"  errors                   {len(soak.failures)} ({kills_hit} of {len(soak.kills)} worker kills hit a "
             f"request in flight)")
    for (cause, kind), n in sorted(causes.items()):
        L.append(f"    {n:6d}  {kind:6} {cause}")
    for u in unexplained[:20]:
        L.append(f"    UNEXPLAINED +{u[0]:.3f}..+{u[1]:.3f} s {u[2]} {u[3]} {u[4]}")
    L.append(f"  creations                confirmed {len(soak.confirmed)}, in the database {creations_in_db} "
             f"(confirmed missing: {len(missing)}; unconfirmed but committed: {unconfirmed_committed} of "
             f"{len(soak.unconfirmed)} unconfirmed)")
    L.append("")
    L.append(f"mails: queued {len(outbox)} (outbox rows, setup included), delivered {len(delivered)} "
             f"(distinct Message-IDs), not delivered {len(not_delivered)}, doubled {len(doubled)} "
             f"(extra copies {sum(n - 1 for n in doubled.values())})")
    if soak.mailer_kill:
        on_wire_delivered = sum(1 for i in on_wire if i in delivered)
        L.append(f"  the batch on the wire at the mailer kill: {len(on_wire)} rows; {len(set(doubled) & on_wire)} of "
                 f"them arrived twice (accepted by the sink before the kill, resent with the same Message-ID "
                 f"after the 120 s claim expiry), {on_wire_delivered - len(set(doubled) & on_wire)} once")
    L.append("")
    L.append(f"{'target':70} {'value':>14} {'want':>8}  result")
    for label, value, want, ok in checks:
        L.append(f"{label:70} {str(value):>14} {want:>8}  {'ok' if ok else 'MISSED'}")
    passed = all(ok for *_, ok in checks)
    L.append("")
    L.append(f"soak: {'all targets met' if passed else 'TARGETS MISSED'}")
    text = "\n".join(L) + "\n"
    print()
    print(text)
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "w") as f:
        f.write(text)
    say(f"report written to build/soak-report.txt")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
