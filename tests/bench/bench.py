"""Driver of scripts/bench (runs inside scripts/test-stack). Standard library only.

Every figure is a ratio against a baseline measured in the same run on the same machine:
  * pages through nginx (wrk): home, "Übersicht: Sachbearbeiter" (as it opens, and filtered by
    Name), group-mailbox list, FAQ search,
    each next to its "same-SQL floor" (tests/bench/sql_floor.c replays the statements one real
    request of the page ran, captured from MariaDB's general log) and next to the minimal libfcgi
    "hello" responder (tests/bench/hello_fcgi.c), all behind nginx rendered from the stack's
    nginx/dev.conf.in; throughput and server CPU per request;
  * scale: the same pages on the big database (100,000 users, 100,000 messages) and on a small one
    (1,000 users, 100 messages; a second schema served by a second instance of the portal);
  * full logins (password + TAN) per CPU second and per core vs a bare argon2id verify loop
    (tests/bench/pwhash_loop.c), measured in slices interleaved with the logins;
  * TAN mail latency (POST of the password form -> mail accepted by the sink) vs a direct SMTP
    delivery to the same sink;
  * memory (PSS and RSS) of master + workers + mailer vs the same-SQL floor's processes;
  * the Anspruchsberechtigte (issue 12; tests/bench/bench_ab.py): import vs MariaDB's LOAD DATA of
    the same rows, re-import, the importer's peak RSS, list and person's page vs their same-SQL
    floors, an organisation of 100,000 in 1,000,000 persons vs one of 1,000 in 1,000;
  * the Beamtenformulare (issue 13; tests/bench/bench_meldungen.py): the list of Meldungen and a
    Meldung with 5 documents vs their same-SQL floors, an organisation of 100,000 in 1,000,000
    Meldungen vs one of 1,000 in 1,000, the server CPU of a submission with a 5 MB PDF vs a
    mailbox message with the same PDF.
Comparisons of pages run interleaved (A B C C B A, half the time each), so that load from other
programs on the machine hits all sides alike.

Two rows carry the targets of issue 10 item 7: full logins per CPU second >= 0.75 of the argon2id
verify loop's, and "Übersicht: Sachbearbeiter" at <= 2 times the server CPU per request of the
home page (every page also >= 0.80 of its same-SQL floor).

MV_BENCH_ONLY (comma-separated, default "pages,logins,ab,meldungen,kasse_nachrichten,kasse_meldungen")
runs only some parts: "pages" (both databases, pages, same-SQL floors, hello, scale), "logins" (logins,
TAN mail latency), "ab" (the Anspruchsberechtigte), "meldungen" (the Beamtenformulare),
"kasse_nachrichten" (the fund's inbox, tests/bench/bench_kasse_nachrichten.py) and/or "kasse_meldungen"
(the Kasse's queue of Meldungen, tests/bench/bench_kasse_meldungen.py); the memory figures are always taken.
"""
import email, email.policy, getpass, http.client, os, queue, random, re, signal, smtplib, subprocess, sys
import threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = os.environ["MV_VAR_DIR"]
PORT = int(os.environ["MV_HTTP_PORT"])
HELLO_PORT = int(os.environ.get("MV_BENCH_HELLO_PORT", PORT + 1))
FLOOR_PORT = int(os.environ.get("MV_BENCH_FLOOR_PORT", PORT + 2))
SMALL_PORT = int(os.environ.get("MV_BENCH_SMALL_PORT", PORT + 3))
SMALL_DB = "mv_small"
SINK_SMTP_PORT = int(os.environ["MV_SINK_SMTP_PORT"])
CONF = os.path.join(VAR, "mv.conf")
BIN = os.path.join(ROOT, "build", "meineversorgung")
BENCH_BIN = os.path.join(ROOT, "build", "bench")
SQL_DIR = os.path.join(ROOT, "build", "bench", "sql")
SECONDS = float(os.environ.get("MV_BENCH_SECONDS", "20"))
ROUNDS = int(os.environ.get("MV_BENCH_ROUNDS", "3"))  # of A B C C B A in interleaved()
WORKERS = int(os.environ.get("MV_WORKERS", "8"))
LOGIN_CLIENTS = int(os.environ.get("MV_BENCH_LOGIN_CLIENTS", "24"))
TAN_SAMPLES = int(os.environ.get("MV_BENCH_TAN_SAMPLES", "30"))
PARTS = {"pages", "logins", "ab", "meldungen", "kasse_nachrichten", "kasse_meldungen"}
ONLY = {p.strip() for p in os.environ.get("MV_BENCH_ONLY", ",".join(sorted(PARTS))).split(",") if p.strip()}
if not ONLY or ONLY - PARTS:
    sys.exit(f"bench: MV_BENCH_ONLY takes {', '.join(sorted(PARTS))}, not {os.environ.get('MV_BENCH_ONLY')!r}")
WRK = ["wrk", "-t2", "-c16", "--latency"]

inboxes = {}
inbox_lock = threading.Lock()
stop = threading.Event()


def log(msg):
    print(f"bench: {msg}", flush=True)


# ---------------------------------------------------------------------------- mail

def mail_collector():
    """Reads the sink's Maildir directly and routes mails per recipient with the sink's arrival
    time (X-Sink-Seq: time.time_ns() when the sink got the DATA)."""
    new, cur = os.path.join(VAR, "mail", "new"), os.path.join(VAR, "mail", "cur")
    while not stop.is_set():
        try:
            names = os.listdir(new)
        except FileNotFoundError:
            names = []
        for n in names:
            p = os.path.join(new, n)
            try:
                with open(p, "rb") as f:
                    msg = email.message_from_binary_file(f, policy=email.policy.default)
                os.rename(p, os.path.join(cur, n))
            except OSError:
                continue
            arrived = int(str(msg["X-Sink-Seq"]))
            body = msg.get_body(("plain",)).get_content()
            inbox(str(msg["To"])).put((arrived, body))
        time.sleep(0.003)


def inbox(addr):
    with inbox_lock:
        return inboxes.setdefault(addr.lower(), queue.Queue())


def wait_body(addr, timeout=20):
    return inbox(addr).get(timeout=timeout)


# ---------------------------------------------------------------------------- HTTP client

class Client:
    def __init__(self, port=PORT):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {}

    def cookie(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def req(self, method, path, fields=None):
        h = {"Cookie": self.cookie()}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                if attempt:
                    raise
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)  # idled out
        data = r.read().decode()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";", 1)[0].split("=", 1)
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        return r.status, data, r.getheader("Location")

    @staticmethod
    def csrf(html):
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def cli(*args, dev=False, db=None):
    env = dict(os.environ)
    if dev:
        env["MV_DEV_MODE"] = "1"
    if db:
        env["MV_DB_NAME"] = db
    return subprocess.run([BIN, "--config", CONF, "cli", *args], check=True, capture_output=True, text=True,
                          env=env).stdout


def set_password(addr, pw, port=PORT):
    _, body = wait_body(addr)
    link = re.search(r"(/passwort-setzen\?token=[A-Za-z0-9_-]+)", body).group(1)
    c = Client(port)
    _, html, _ = c.req("GET", link)
    st, _, _ = c.req("POST", link, {"csrf": c.csrf(html), "passwort": pw, "passwort_wiederholung": pw})
    assert st == 303, f"set password: {st}"


def full_login(c, kennung, pw, addr, lat=None):
    c.cookies.clear()
    _, html, _ = c.req("GET", "/anmelden")
    t0 = time.time_ns()
    st, _, _ = c.req("POST", "/anmelden", {"csrf": c.csrf(html), "kennung": kennung, "passwort": pw})
    if st != 303:
        raise RuntimeError(f"login step 1: {st}")
    arrived, body = wait_body(addr)
    if lat is not None:
        lat.append((arrived - t0) / 1e6)
    tan = re.search(r"^(\d{6})$", body, re.M).group(1)
    _, html, _ = c.req("GET", "/anmelden/tan")
    st, _, _ = c.req("POST", "/anmelden/tan", {"csrf": c.csrf(html), "tan": tan})
    if st != 303:
        raise RuntimeError(f"login step 2: {st}")


def admin(pnr, tag, port=PORT, db=None):
    """An activated administrator of organisation pnr: (kennung, password, address)."""
    addr = f"admin-{tag}@bench.example"
    out = cli("admin", "add", "--pnr", str(pnr), "--vorname", "Bench", "--name", f"Admin{tag}", "--email", addr,
              "--geburtsdatum", "1980-01-01", db=db)
    kennung = re.search(r"X201-[A-Z0-9]{12}", out).group(0)
    pw = f"Uebersicht-{tag}-Zebra!7"
    set_password(addr, pw, port)
    wait_body(addr)  # notice mail
    wait_body(addr)  # Nutzerkennung link
    return kennung, pw, addr


def logged_in_pair(pnr, tag, port=PORT, db=None):
    """Cookies of an administrator and of a Sachbearbeiter (group Beihilfe) of organisation pnr."""
    a = Client(port)
    full_login(a, *admin(pnr, tag, port, db))
    _, html, _ = a.req("GET", "/sachbearbeiter/neu")
    addr = f"sb-{tag}@bench.example"
    st, _, loc = a.req("POST", "/sachbearbeiter/neu", {"csrf": a.csrf(html), "vorname": "Post", "name": f"Fach{tag}",
                                                       "email": addr, "gruppe": "Beihilfe", "nutzungsbedingungen": "1"})
    assert st == 303, f"create Sachbearbeiter: {st}"
    kennung = re.search(r"S201-[A-Z0-9]{12}", loc).group(0)
    pw = f"Kamel-{tag}-Wueste!9"
    set_password(addr, pw, port)
    wait_body(addr)  # notice mail
    s = Client(port)
    full_login(s, kennung, pw, addr)
    return a.cookie(), s.cookie()


# ---------------------------------------------------------------------------- processes, CPU, memory

def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def stat_fields(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(ppid):
    out = []
    for p in all_pids():
        f = stat_fields(p)
        if f and int(f[1]) == ppid:
            out.append(p)
    return out


def group(pgid):
    out = []
    for p in all_pids():
        f = stat_fields(p)
        if f and int(f[2]) == pgid and f[0] != "Z":
            out.append(p)
    return out


def cpu_seconds(pid, reaped=False):
    """CPU time of a process (all threads); with reaped, also that of its waited-for children."""
    f = stat_fields(pid)
    if not f:
        return 0.0
    t = int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if reaped else 0)
    return t / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid):
    """CPU seconds of a process and its children, also of those already ended and reaped."""
    return cpu_seconds(pid, reaped=True) + sum(cpu_seconds(c) for c in children(pid))


def pidfile(path):
    return int(open(path).read())


def memory(pids):
    """Sum of VmRSS and of PSS (smaps_rollup) in MiB."""
    rss = pss = 0
    for p in pids:
        try:
            rss += int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{p}/status").read()).group(1))
            pss += int(re.search(r"^Pss:\s+(\d+)", open(f"/proc/{p}/smaps_rollup").read(), re.M).group(1))
        except (OSError, AttributeError):
            pass
    return rss / 1024, pss / 1024


def master_pid():
    return pidfile(os.path.join(VAR, "run", "mv.pid"))


def app_pids():
    m = master_pid()
    return [m] + children(m)


def db_cpu():
    return cpu_seconds(pidfile(os.path.join(VAR, "run", "mysqld.pid")))


def stack_cpu():
    """CPU seconds used so far by the stack's server side: nginx, the app (master, workers — also
    recycled ones — and mailer) and MariaDB; not the load generator and not the SMTP sink."""
    return (tree_cpu(pidfile(os.path.join(VAR, "run", "nginx.pid"))) + tree_cpu(master_pid()) + db_cpu())


def mv_connections():
    return int(db_admin("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'mv' AND DB = 'meineversorgung'"))


def restart_workers():
    """SIGHUP: the master reloads its configuration and restarts workers and mailer, which
    connect to MariaDB anew (and prepare their statements anew)."""
    m = master_pid()
    old = set(children(m))
    # connections of others to the same database (a same-SQL floor still running) stay as they are
    others = max(0, mv_connections() - (WORKERS + 1))
    os.kill(m, signal.SIGHUP)
    for _ in range(200):
        now = set(children(m))
        if len(now) == WORKERS + 1 and not (now & old):
            break
        time.sleep(0.05)
    else:
        raise RuntimeError("workers did not restart after SIGHUP")
    # each worker and the mailer connect at start; wait until all of them did (their connection
    # set-up must not fall into a capture)
    for _ in range(600):
        if mv_connections() == WORKERS + 1 + others:
            break
        time.sleep(0.05)
    else:
        raise RuntimeError("workers did not connect to MariaDB after SIGHUP")


class Site:
    """A FastCGI program behind its own nginx, rendered from nginx/dev.conf.in exactly as
    scripts/stack renders the stack's (same location, same FastCGI parameters, same access log),
    its socket where that config expects it: the hello responder, the same-SQL floor, or a second
    instance of the portal on the small database."""

    def __init__(self, name, port, argv_for_socket, env_for_socket=None):
        self.port = port
        self.dir = os.path.join(VAR, name)
        for d in ("run", "log", "nginx"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        sock = os.path.join(self.dir, "run", "mv.sock")
        env = dict(os.environ, **(env_for_socket(sock) if env_for_socket else {}))
        with open(os.path.join(self.dir, "log", "program.log"), "a") as errlog:
            self.proc = subprocess.Popen(argv_for_socket(sock), start_new_session=True, env=env, stderr=errlog)
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        text = open(os.path.join(ROOT, "nginx", "dev.conf.in")).read()
        text = (text.replace("@USER_LINE@", "user root;" if os.geteuid() == 0 else "")
                .replace("@PORT@", str(port)).replace("@METRICS_PORT@", str(port + 100))
                .replace("@VAR@", self.dir).replace("@ROOT@", ROOT))
        self.conf = os.path.join(self.dir, "nginx", "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(text)
        subprocess.run(["nginx", "-p", os.path.join(self.dir, "nginx"), "-c", self.conf, "-e",
                        os.path.join(self.dir, "log", "nginx-error.log")], check=True)
        for _ in range(100):
            if os.path.exists(os.path.join(self.dir, "run", "nginx.pid")):
                break
            time.sleep(0.05)

    def pids(self):
        return group(self.proc.pid) if self.proc.poll() is None else []

    def cpu(self):
        """CPU seconds so far of its nginx, of its processes (also ended ones) and of MariaDB."""
        return tree_cpu(pidfile(os.path.join(self.dir, "run", "nginx.pid"))) + tree_cpu(self.proc.pid) + db_cpu()

    def close(self):
        try:
            os.kill(pidfile(os.path.join(self.dir, "run", "nginx.pid")), signal.SIGQUIT)
        except (OSError, ValueError):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the program and the processes it forked
        except ProcessLookupError:
            pass
        self.proc.wait()


# ---------------------------------------------------------------------------- wrk

def secs(v, unit):
    return float(v) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def wrk(port, path, cookie=None, seconds=SECONDS, cpu=None):
    """wrk against 127.0.0.1:port; with cpu (a function returning CPU seconds so far), also the
    server-side CPU time per request."""
    cmd = WRK + [f"-d{max(1, int(round(seconds)))}s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    c0 = cpu() if cpu else 0.0
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    c1 = cpu() if cpu else 0.0
    try:
        n = int(re.search(r"(\d+) requests in", out).group(1))
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = secs(*re.search(r"50%\s+([\d.]+)(us|ms|s|m)", out).groups())
        p99 = secs(*re.search(r"99%\s+([\d.]+)(us|ms|s|m)", out).groups())
    except AttributeError:
        raise RuntimeError(f"wrk output not understood:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "n": n, "cpu": c1 - c0,
            "bad": (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in err.groups()) if err else 0)}


def merge(*rs):
    k = len(rs)
    out = {"rps": sum(r["rps"] for r in rs) / k, "p50": sum(r["p50"] for r in rs) / k,
           "p99": sum(r["p99"] for r in rs) / k, "bad": sum(r["bad"] for r in rs), "n": sum(r["n"] for r in rs),
           "cpu": sum(r["cpu"] for r in rs)}
    out["cpu_req"] = out["cpu"] / out["n"] if out["n"] else 0.0
    return out


def settle(timeout=900):
    """Waits until MariaDB has digested the bulk writes before it: InnoDB's purge (history list) and
    the flushing of dirty pages. Server CPU per request counts mariadbd, so a page measured while
    the server still works off a million-row import would carry part of that import's cost.
    Returns a head line saying what was waited for and how long."""
    def status():
        rows = dict(line.split("\t") for line in db_admin(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_history_list_length', "
            "'Innodb_buffer_pool_pages_dirty')").splitlines())
        return int(rows["Innodb_history_list_length"]), int(rows["Innodb_buffer_pool_pages_dirty"])
    t0 = time.time()
    pct = db_admin("SELECT @@GLOBAL.innodb_max_dirty_pages_pct").strip()
    db_admin("SET GLOBAL innodb_max_dirty_pages_pct = 0")  # flush now rather than in the measurement
    try:
        hist0, dirty0 = hist, dirty = status()
        while (hist > 1000 or dirty > 200) and time.time() - t0 < timeout:
            time.sleep(1)
            hist, dirty = status()
    finally:
        db_admin(f"SET GLOBAL innodb_max_dirty_pages_pct = {pct}")
    return (f"MariaDB settled before the pages: history list {hist0:,} -> {hist:,}, dirty pages {dirty0:,} -> "
            f"{dirty:,} in {time.time() - t0:.0f} s")


def interleaved(*fns):
    """Measurements interleaved in ROUNDS rounds of A B C C B A, SECONDS / (2 ROUNDS) each: every one
    has the same mean time, so slow load changes on a shared machine hit them alike. Each result is
    the sum of its rounds and keeps them ("rounds") for ratio()."""
    t = SECONDS / (2 * ROUNDS)
    runs = [[] for _ in fns]
    for _ in range(ROUNDS):
        for i, f in enumerate(fns):
            runs[i].append(f(t))
        for i in reversed(range(len(fns))):
            runs[i].append(fns[i](t))
    out = []
    for rs in runs:
        m = merge(*rs)
        m["rounds"] = [merge(rs[2 * k], rs[2 * k + 1]) for k in range(ROUNDS)]
        out.append(m)
    return out


def ratio(a, b, key):
    """a[key] / b[key] as the median over the rounds of one interleaved() call: a burst of load
    from elsewhere in one round (a shared machine) does not move it."""
    rs = sorted(x[key] / y[key] for x, y in zip(a["rounds"], b["rounds"]) if y[key])
    if not rs:
        return a[key] / b[key] if b[key] else 0.0
    n = len(rs)
    return rs[n // 2] if n % 2 else (rs[n // 2 - 1] + rs[n // 2]) / 2


def pages_vs_floor(add, sites, part, floor_port, pages_b, cookie_b, small, titles):
    """A part's pages against their same-SQL floor and a small database: captures each page's SQL
    (pages_b: (name, path) on the big instance with cookie_b), starts the floor on floor_port, then
    measures each page interleaved with its floor and small = (port, site, cookie, {name: path}), and
    adds page_figures' four rows, titled by titles(name, path, statements, rows) -> (title, scale)."""
    small_port, small_site, cookie_s, pages_s = small
    log(f"{part}: capturing each page's SQL from MariaDB's general log")
    info = capture([(name, path, cookie_b) for name, path in pages_b])
    floor = Site(f"{part}floor", floor_port, lambda sock: [os.path.join(BENCH_BIN, "sql_floor"), "serve", CONF, sock,
                                                           str(WORKERS)] +
                 [f"{name}={os.path.join(SQL_DIR, name + '.sql')}" for name, _ in pages_b])
    sites.append(floor)
    for name, path in pages_b:
        log(f"{name}: big database, same-SQL floor, small database ({ROUNDS} x A B C C B A)")
        big, fl, sm = interleaved(
            lambda t: wrk(PORT, path, cookie_b, t, stack_cpu),
            lambda t: wrk(floor_port, f"/{name}", cookie_b, t, floor.cpu),
            lambda t: wrk(small_port, pages_s[name], cookie_s, t, small_site.cpu))
        page_figures(add, name, *titles(name, path, *info[name]), big, fl, sm)


def page_figures(add, name, title, scale_title, big, fl, small):
    """The four rows of a page measured against its same-SQL floor (fl) and a small database
    (small): req/s and server CPU vs the floor (>= 0.80), p50 and server CPU vs small (<= 1.20)."""
    if big["bad"] or fl["bad"] or small["bad"]:
        raise RuntimeError(f"{name}: non-2xx or socket errors {big['bad']}/{fl['bad']}/{small['bad']}")
    q = ratio(big, fl, "rps")
    add(title, page_value(big), page_value(fl), f"{q:.2f}", ">= 0.80", q >= 0.80)
    q = ratio(fl, big, "cpu_req")
    add(f"{name}: server CPU per request, floor/page", f"{big['cpu_req'] * 1e6:.0f} us",
        f"{fl['cpu_req'] * 1e6:.0f} us", f"{q:.2f}", ">= 0.80", q >= 0.80)
    q = ratio(big, small, "p50")
    add(scale_title, ms(big["p50"]), ms(small["p50"]), f"{q:.2f}", "<= 1.20", q <= 1.2)
    q = ratio(big, small, "cpu_req")
    add(f"scale {name}: server CPU per request, same sizes", f"{big['cpu_req'] * 1e6:.0f} us",
        f"{small['cpu_req'] * 1e6:.0f} us", f"{q:.2f}", "<= 1.20", q <= 1.2)


# ---------------------------------------------------------------------------- the same-SQL floor

def db_admin(sql):
    user = "root" if os.geteuid() == 0 else getpass.getuser()
    return subprocess.run(["mariadb", "--no-defaults", f"--socket={os.path.join(VAR, 'run', 'mysqld.sock')}", "-u",
                           user, "-N", "-B", "-e", sql], check=True, capture_output=True, text=True).stdout


def literal(raw):
    """A quoted value of the general log (without quotes, still escaped) -> (kind, bytes).
    Parameters bound as binary (hashes) are logged with their non-UTF-8 bytes as \\xHH (escaped
    to \\\\xHH) and their 4-byte UTF-8 sequences as \\xHH after escaping."""
    out, i = bytearray(), 0
    esc = {ord("0"): 0, ord("n"): 10, ord("r"): 13, ord("Z"): 26, ord("t"): 9, ord("b"): 8}
    while i < len(raw):
        if raw[i] == 0x5C and re.match(rb"x[0-9A-F]{2}", raw[i + 1:i + 4]):
            # a 4-byte UTF-8 character the log table (utf8mb3) cannot hold, written as \xHH after
            # escaping (SQL escaping never writes \x)
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        elif raw[i] == 0x5C and i + 1 < len(raw):
            out.append(esc.get(raw[i + 1], raw[i + 1]))
            i += 2
        elif raw[i] == 0x27 and i + 1 < len(raw) and raw[i + 1] == 0x27:
            out.append(0x27)
            i += 2
        else:
            out.append(raw[i])
            i += 1
    if re.search(rb"\\x[0-9A-F]{2}", out):
        return "b", re.sub(rb"\\x([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), bytes(out))
    try:
        bytes(out).decode("utf-8")
        return "s", bytes(out)
    except UnicodeDecodeError:
        return "b", bytes(out)


def quoted_end(b, i):
    """Index of the quote that closes the literal opening at b[i]."""
    j = i + 1
    while j < len(b):
        if b[j] == 0x5C:
            j += 2
        elif b[j] == 0x27 and j + 1 < len(b) and b[j + 1] == 0x27:
            j += 2
        elif b[j] == 0x27:
            return j
        else:
            j += 1
    raise ValueError("unterminated literal")


def segments(sql):
    """The prepared text split at its ? placeholders (outside literals)."""
    segs, cur, i = [], bytearray(), 0
    while i < len(sql):
        if sql[i] == 0x27:
            j = quoted_end(sql, i)
            cur += sql[i:j + 1]
            i = j + 1
        elif sql[i] == 0x3F:
            segs.append(bytes(cur))
            cur = bytearray()
            i += 1
        else:
            cur.append(sql[i])
            i += 1
    segs.append(bytes(cur))
    return segs


def align(segs, ex):
    """The parameter values that turn the prepared text (segments) into the executed text ex, as
    sql_floor params (i:, s:, b:, n), or None when ex is not an execution of that text."""
    if not ex.startswith(segs[0]):
        return None
    pos, vals = len(segs[0]), []
    for seg in segs[1:]:
        if ex[pos:pos + 1] == b"'":
            j = quoted_end(ex, pos)
            kind, v = literal(ex[pos + 1:j])
            vals.append(f"{kind}:{v.hex()}")
            pos = j + 1
        elif ex.startswith(b"NULL", pos):
            vals.append("n")
            pos += 4
        else:
            m = re.compile(rb"-?\d+").match(ex, pos)
            if not m:
                return None
            vals.append(f"i:{int(m.group(0))}")
            pos = m.end()
        if not ex.startswith(seg, pos):
            return None
        pos += len(seg)
    return vals if pos == len(ex) else None


def statement_line(kind, ex, prepared):
    """One line of a sql_floor file for a statement of the general log."""
    if kind == "Query":
        if ex.upper() not in (b"START TRANSACTION", b"COMMIT", b"ROLLBACK", b"BEGIN"):
            raise RuntimeError(f"unexpected text-protocol statement {ex[:60]!r}")
        return "Q\t" + ex.decode()
    for p in sorted(prepared, key=lambda p: p != ex):  # an identical text (no parameters) first
        vals = align(segments(p), ex)
        if vals is not None:
            text = p.decode()
            if "\t" in text or "\n" in text:
                raise RuntimeError(f"statement with a tab or line break: {text[:60]!r}")
            return "\t".join(["P", text] + vals)
    raise RuntimeError(f"no prepared text matches {ex[:80]!r}")


def capture(pages):
    """For each page: exactly one request with MariaDB's general and slow log on. The statement
    sequence its worker ran goes to build/bench/sql/<page>.sql: START TRANSACTION/COMMIT as text,
    every other statement as its prepared text (Prepare lines) with the parameter values and types
    taken from its Execute line (where MariaDB interpolated them). The rows each statement sent
    (slow log) go to <page>.rows and must equal what sql_floor fetches. Workers are restarted with
    the logs on (MariaDB interpolates parameters only into statements prepared while a log is on)
    and again afterwards."""
    os.makedirs(SQL_DIR, exist_ok=True)
    db_admin("SET GLOBAL log_output = 'TABLE'; SET GLOBAL long_query_time = 0; "
             "SET GLOBAL slow_query_log = 1; SET GLOBAL general_log = 1")
    mailer_threads, prepared = set(), set()

    def prepares():
        return {bytes.fromhex(h) for h in db_admin("SELECT DISTINCT HEX(argument) FROM mysql.general_log "
                                                   "WHERE command_type = 'Prepare'").split()}

    try:
        restart_workers()
        for name, path, cookie in pages:
            c = Client()
            c.cookies.update(dict(kv.split("=", 1) for kv in cookie.split("; ")))
            for _ in range(3 * WORKERS):  # every worker connected and prepared; idle clock fresh
                st, _, _ = c.req("GET", path)
                assert st == 200, f"{name}: {st}"
            mailer_threads |= set(db_admin("SELECT DISTINCT thread_id FROM mysql.general_log "
                                           "WHERE argument LIKE '%SKIP LOCKED%'").split())
            prepared |= prepares()
            db_admin("TRUNCATE mysql.general_log; TRUNCATE mysql.slow_log")
            st, _, _ = c.req("GET", path)
            assert st == 200, f"{name}: {st}"
            time.sleep(0.1)
            mailer_threads |= set(db_admin("SELECT DISTINCT thread_id FROM mysql.general_log "
                                           "WHERE argument LIKE '%SKIP LOCKED%'").split())
            prepared |= prepares()
            rows = [ln.split("\t") for ln in db_admin(
                "SELECT thread_id, command_type, HEX(argument) FROM mysql.general_log "
                "WHERE user_host LIKE 'mv[mv]%' AND command_type IN ('Query', 'Execute')").splitlines()]
            rows = [r for r in rows if r[0] not in mailer_threads]
            threads = {r[0] for r in rows}
            if len(threads) != 1:
                raise RuntimeError(f"capture of {name}: statements from {len(threads)} connections: " +
                                   repr([(r[0], r[1], bytes.fromhex(r[2])[:80]) for r in rows]))
            thread = threads.pop()
            stmts = [statement_line(r[1], bytes.fromhex(r[2]), prepared) for r in rows]
            sent = db_admin(f"SELECT rows_sent FROM mysql.slow_log WHERE thread_id = {int(thread)}").split()
            if len(sent) != len(stmts):
                raise RuntimeError(f"capture of {name}: {len(stmts)} statements in the general log, "
                                   f"{len(sent)} in the slow log")
            with open(os.path.join(SQL_DIR, f"{name}.sql"), "w") as f:
                f.write("\n".join(stmts) + "\n")
            with open(os.path.join(SQL_DIR, f"{name}.rows"), "w") as f:
                f.write("\n".join(sent) + "\n")
    finally:
        db_admin("SET GLOBAL general_log = 0; SET GLOBAL slow_query_log = 0; SET GLOBAL long_query_time = 10")
    restart_workers()
    info = {}
    for name, path, cookie in pages:
        f = os.path.join(SQL_DIR, f"{name}.sql")
        got = subprocess.run([os.path.join(BENCH_BIN, "sql_floor"), "check", CONF, f], check=True, capture_output=True,
                             text=True).stdout.split()
        want = open(os.path.join(SQL_DIR, f"{name}.rows")).read().split()
        if got != want:
            raise RuntimeError(f"same-SQL floor of {name} fetches rows {got}, the page's request fetched {want}")
        info[name] = (len(want), sum(int(x) for x in want))
    return info


# ---------------------------------------------------------------------------- logins

def login_accounts(n):
    cli("org", "add", "--name", "Benchstadt", "--bereich", "Beihilfe", "--pnr", "99001", "--abr", "99002")
    out = [None] * n

    def make(i):
        out[i] = admin(99001, f"login{i}")

    ts = [threading.Thread(target=make, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if None in out:
        raise RuntimeError("creating the login accounts failed")
    return out


def seed(*args, db="meineversorgung"):
    """mvctl dev seed, then fresh index statistics (as a database in use has them)."""
    cli("dev", "seed", *args, dev=True, db=db)
    db_admin(f"ANALYZE TABLE {db}.organisation, {db}.account, {db}.account_gruppe, {db}.nachricht")


def login_throughput(accounts, seconds=SECONDS):
    """Logins of all accounts in a loop for seconds: (logins, wall-clock seconds, server CPU seconds,
    CPU seconds of the load generator and the SMTP sink, TAN mail latencies)."""
    counts, lat, errors = [0] * len(accounts), [], []
    end = time.monotonic() + seconds

    def worker(i):
        c = Client()
        try:
            while time.monotonic() < end:
                full_login(c, *accounts[i], lat=lat)
                counts[i] += 1
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(len(accounts))]
    sink = pidfile(os.path.join(VAR, "run", "mailsink.pid"))
    t0, cpu0, side0 = time.monotonic(), stack_cpu(), cpu_seconds(sink) + sum(os.times()[:2])
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(f"login errors: {errors[:3]}")
    return (sum(counts), time.monotonic() - t0, stack_cpu() - cpu0, cpu_seconds(sink) + sum(os.times()[:2]) - side0,
            lat)


def argon_floor(ops, mem, seconds, procs):
    """The bare argon2id verify loop: (verifications, wall-clock seconds, CPU seconds)."""
    out = subprocess.run([os.path.join(BENCH_BIN, "pwhash_loop"), str(ops), str(mem), str(seconds), str(procs)],
                         capture_output=True, text=True, check=True).stdout.split()
    n = float(out[0]) * seconds
    return n, seconds, n / float(out[1])


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else 0.0


def smtp_direct(n):
    """Baseline of the TAN latency: a mail of the same size sent straight to the sink."""
    lat = []
    addr = "direct@bench.example"
    body = ("Subject: Ihre TAN\r\nFrom: noreply@meineversorgung.org\r\nTo: " + addr + "\r\n\r\n" + "x" * 600 + "\r\n")
    for _ in range(n):
        t0 = time.time_ns()
        s = smtplib.SMTP("127.0.0.1", SINK_SMTP_PORT, timeout=10)
        s.ehlo("bench")
        s.sendmail("noreply@meineversorgung.org", [addr], body)
        lat.append((time.time_ns() - t0) / 1e6)
        s.quit()
        wait_body(addr)
    return lat


# ---------------------------------------------------------------------------- output

def ms(s):
    return f"{s * 1000:.2f} ms" if s < 0.1 else f"{s * 1000:.0f} ms"


def page_value(r):
    return f"{r['rps']:.0f}/s (p50 {ms(r['p50'])}, p99 {ms(r['p99'])})"


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-ups below
    threading.Thread(target=mail_collector, daemon=True).start()
    cores = os.cpu_count()
    ops = int(os.environ.get("MV_ARGON_OPS", "2"))
    mem = int(os.environ.get("MV_ARGON_MEM_KIB", "19456"))
    t_start = time.time()
    rows = []  # (measure, value, baseline, ratio, target, result)

    def add(measure, value, baseline, ratio, target="", ok=None):
        rows.append((measure, value, baseline, ratio, target or "none",
                     "info" if ok is None else ("met" if ok else "MISSED")))

    pages = [("home", "/"), ("overview", "/sachbearbeiter"), ("filter", "/sachbearbeiter?name=mue"),
             ("mailbox", "/postfach/beihilfe"), ("search", "/suche?q=Passwort+vergessen")]
    admin_pages = {"overview", "filter"}
    sites = []
    users_big = users_small = 0
    seed_s, bad, floor, ab_head = 0.0, 0, None, []
    try:
        if "pages" in ONLY:
            # --- the small database (1,000 users, a mailbox of 100 messages) in a second schema of
            #     the same MariaDB, served by a second instance of the portal behind its own nginx, so
            #     that small and big are measured interleaved
            log("small database: 1,000 users, 100 messages")
            db_admin(f"CREATE DATABASE {SMALL_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
                     f"GRANT ALL PRIVILEGES ON {SMALL_DB}.* TO 'mv'@'localhost'")
            subprocess.run([BIN, "--config", CONF, "migrate"], env=dict(os.environ, MV_DB_NAME=SMALL_DB), check=True,
                           capture_output=True)
            seed("--orgs", "1", "--users", "1000", "--messages", "100", "--pnr", "700000", db=SMALL_DB)
            small_site = Site("small", SMALL_PORT, lambda sock: [BIN, "--config", CONF, "serve"],
                              lambda sock: {"MV_DB_NAME": SMALL_DB, "MV_FCGI_SOCKET": sock})
            sites.append(small_site)
            adm_s, sb_s = logged_in_pair(700000, "klein", SMALL_PORT, SMALL_DB)

            # --- the big database: an organisation of 10,000 users with a mailbox of 100,000
            #     messages among 100,000 users
            log("big database: 100,000 users, 100,000 messages")
            t0 = time.time()
            seed("--orgs", "1", "--users", "10000", "--messages", "100000", "--pnr", "710000")
            seed("--orgs", "9", "--users", "10000", "--pnr", "720000")
            seed_s = time.time() - t0
            users_big = int(db_admin("SELECT COUNT(*) FROM meineversorgung.account"))
            users_small = int(db_admin(f"SELECT COUNT(*) FROM {SMALL_DB}.account"))
            adm_b, sb_b = logged_in_pair(710000, "gross")
            cookie_b = {name: adm_b if name in admin_pages else sb_b for name, _ in pages}
            cookie_s = {name: adm_s if name in admin_pages else sb_s for name, _ in pages}

            log("capturing each page's SQL from MariaDB's general log")
            info = capture([(name, path, cookie_b[name]) for name, path in pages])

            hello = Site("hello", HELLO_PORT, lambda sock: [os.path.join(BENCH_BIN, "hello_fcgi"), sock, str(WORKERS)])
            sites.append(hello)
            floor = Site("floor", FLOOR_PORT, lambda sock: [os.path.join(BENCH_BIN, "sql_floor"), "serve", CONF, sock,
                                                            str(WORKERS)] +
                         [f"{name}={os.path.join(SQL_DIR, name + '.sql')}" for name, _ in pages])
            sites.append(floor)

            big, floors, small = {}, {}, {}
            hello1 = wrk(HELLO_PORT, "/", seconds=SECONDS / 2)
            for name, path in pages:
                log(f"{name}: big database, same-SQL floor, small database (A B C C B A)")
                big[name], floors[name], small[name] = interleaved(
                    lambda t: wrk(PORT, path, cookie_b[name], t, stack_cpu),
                    lambda t: wrk(FLOOR_PORT, f"/{name}", cookie_b[name], t, floor.cpu),
                    lambda t: wrk(SMALL_PORT, path, cookie_s[name], t, small_site.cpu))
            hello2 = wrk(HELLO_PORT, "/", seconds=SECONDS / 2)
            h = merge(hello1, hello2)
            bad = sum(r["bad"] for d in (big, floors, small) for r in d.values()) + h["bad"]

            for name, path in pages:
                r, f = big[name], floors[name]
                nst, nrows = info[name]
                add(f"{name} {path}: req/s vs same-SQL floor ({nst} statements, {nrows} rows)", page_value(r),
                    page_value(f), f"{ratio(r, f, 'rps'):.2f}", ">= 0.80", ratio(r, f, "rps") >= 0.80)
                add(f"{name}: server CPU per request, floor/page", f"{r['cpu_req'] * 1e6:.0f} us",
                    f"{f['cpu_req'] * 1e6:.0f} us", f"{ratio(f, r, 'cpu_req'):.2f}", ">= 0.80",
                    ratio(f, r, "cpu_req") >= 0.80)
                add(f"{name}: req/s vs libfcgi hello", f"{r['rps']:.0f}/s", page_value(h), f"{r['rps'] / h['rps']:.2f}")
            users = f"{users_big:,} vs {users_small:,} users"
            scale = {"home": users, "search": users,
                     "overview": f"org of 10,000 in {users_big:,} vs org of 1,000 in {users_small:,} users",
                     "filter": f"org of 10,000 in {users_big:,} vs org of 1,000 in {users_small:,} users",
                     "mailbox": "100,000 vs 100 messages"}
            for name, _ in pages:
                b, sm = big[name], small[name]
                add(f"scale {name}: p50 at {scale[name]}", ms(b["p50"]), ms(sm["p50"]), f"{ratio(b, sm, 'p50'):.2f}",
                    "<= 1.20", ratio(b, sm, "p50") <= 1.20)
                add(f"scale {name}: server CPU per request, same sizes", f"{b['cpu_req'] * 1e6:.0f} us",
                    f"{sm['cpu_req'] * 1e6:.0f} us", f"{ratio(b, sm, 'cpu_req'):.2f}", "<= 1.20",
                    ratio(b, sm, "cpu_req") <= 1.20)

            # issue 10 item 7: the overview at most twice the home page
            h_cpu, o_cpu = big["home"]["cpu_req"], big["overview"]["cpu_req"]
            add("overview vs home: server CPU per request", f"{o_cpu * 1e6:.0f} us", f"{h_cpu * 1e6:.0f} us home",
                f"{o_cpu / h_cpu:.2f}", "<= 2.00", o_cpu / h_cpu <= 2.0)

        if "logins" in ONLY:
            # --- logins and TAN mail latency; the argon2id loop runs in slices around slices of the
            #     logins (loop, logins, loop, four times; in all as long as the logins), so that load
            #     changes on a shared machine hit both alike
            log(f"logins: argon2id floor and {LOGIN_CLIENTS} clients, interleaved")
            accounts = login_accounts(LOGIN_CLIENTS)
            fl, lg = [], []
            for _ in range(4):
                fl.append(argon_floor(ops, mem, SECONDS / 8, cores))
                lg.append(login_throughput(accounts, SECONDS / 4))
                fl.append(argon_floor(ops, mem, SECONDS / 8, cores))
            tot = lambda rs, i: sum(r[i] for r in rs)
            pw_wall, pw_cpu = tot(fl, 0) / tot(fl, 1), tot(fl, 0) / tot(fl, 2)
            n_logins = tot(lg, 0)
            logins, logins_cpu, side_cpu = n_logins / tot(lg, 1), n_logins / tot(lg, 2), tot(lg, 3) / n_logins
            lat_load = [x for r in lg for x in r[4]]
            # issue 10 item 7: logins per CPU second at least 0.75 of the argon2id loop's
            add("full logins (password + TAN) per CPU second (nginx + app + MariaDB)", f"{logins_cpu:.1f}/s",
                f"{pw_cpu:.1f}/s argon2id verify", f"{logins_cpu / pw_cpu:.2f}", ">= 0.75",
                logins_cpu / pw_cpu >= 0.75)
            extra = 1 / logins_cpu - 1 / pw_cpu
            add("server CPU per login beyond one argon2id verify (requests, SQL, mail)", f"{extra * 1000:.1f} ms",
                f"{1000 / pw_cpu:.1f} ms argon2id verify", f"{extra * pw_cpu:.2f}")
            add(f"full logins per second per core, wall clock ({LOGIN_CLIENTS} clients, {cores} cores)",
                f"{logins / cores:.1f}/s", f"{pw_wall / cores:.1f}/s argon2id verify", f"{logins / pw_wall:.2f}",
                ">= 30/s", logins / cores >= 30)
            add("CPU per login: server side vs load generator + SMTP sink (same cores)",
                f"{1000 / logins_cpu:.1f} ms", f"{side_cpu * 1000:.1f} ms", f"{side_cpu * logins_cpu:.2f}")
            log("TAN mail latency, one client")
            lat_one = []
            c = Client()
            for _ in range(TAN_SAMPLES):
                time.sleep(random.uniform(0, 0.3))  # not in step with the mailer's poll interval
                full_login(c, *accounts[0], lat=lat_one)
            direct = smtp_direct(TAN_SAMPLES)
            base = f"{pct(direct, .5):.1f} / {pct(direct, .95):.1f} ms direct SMTP"
            add("TAN mail latency p50 / p95, one client", f"{pct(lat_one, .5):.0f} / {pct(lat_one, .95):.0f} ms", base,
                f"{pct(lat_one, .95) / pct(direct, .95):.0f}", "p95 <= 1000 ms", pct(lat_one, .95) <= 1000)
            add(f"TAN mail latency p50 / p95, during the login run",
                f"{pct(lat_load, .5):.0f} / {pct(lat_load, .95):.0f} ms", base,
                f"{pct(lat_load, .95) / pct(direct, .95):.0f}", "p95 <= 1000 ms", pct(lat_load, .95) <= 1000)

        if "ab" in ONLY:
            # --- Anspruchsberechtigte (issue 12): import vs LOAD DATA, pages vs their floors, scale
            import bench_ab
            ab_head = bench_ab.run(sys.modules[__name__], add, sites)

        if "meldungen" in ONLY:
            # --- Beamtenformulare (issue 13): list and Meldung vs their floors, scale, submission CPU
            import bench_meldungen
            ab_head += bench_meldungen.run(sys.modules[__name__], add, sites)

        if "kasse_nachrichten" in ONLY:
            # --- the fund's inbox (issue 14): over 1,000,000 messages vs its floors, scale
            import bench_kasse_nachrichten
            ab_head += bench_kasse_nachrichten.run(sys.modules[__name__], add, sites)
        if "kasse_meldungen" in ONLY:
            # --- the Kasse's queue of Meldungen (issue 14): unfiltered and by organisation vs their floors, scale
            import bench_kasse_meldungen
            ab_head += bench_kasse_meldungen.run(sys.modules[__name__], add, sites)

        # --- memory after the run
        app = app_pids()
        rss, pss = memory(app)
        fpids = floor.pids() if floor else []
        frss, fpss = memory(fpids)
        add(f"memory after the run, PSS: master + {len(app) - 2} workers + mailer", f"{pss:.1f} MiB",
            f"{fpss:.1f} MiB, {len(fpids)} floor processes", f"{pss / fpss:.2f}" if fpss else "-", "<= 64 MiB",
            pss <= 64)
        add("memory after the run, RSS summed over the same processes", f"{rss:.1f} MiB", f"{frss:.1f} MiB",
            f"{rss / frss:.2f}" if frss else "-", "<= 64 MiB", rss <= 64)
    finally:
        for site in sites:
            site.close()

    total = time.time() - t_start
    head = [f"bench: {time.strftime('%Y-%m-%d %H:%M')}, {cores} cores, {WORKERS} workers, argon2id t={ops} m={mem} "
            f"KiB, wrk 2 threads 16 connections, {SECONDS:.0f} s per figure ({ROUNDS} interleaved rounds; ratios: their median)",
            (f"big: {users_big:,} users (seeded with 100,000 messages in {seed_s:.0f} s), small: {users_small:,} "
             f"users; " if "pages" in ONLY else "") +
            f"non-2xx/socket errors: {bad}; parts: {', '.join(sorted(ONLY))}; run took {total:.0f} s"] + ab_head + [""]
    hdr = ("measure", "value", "baseline", "ratio", "target", "result")
    w = [max(len(r[i]) for r in rows + [hdr]) for i in range(6)]
    fmt = lambda r: "  ".join(c.rjust(w[i]) if i == 3 else c.ljust(w[i]) for i, c in enumerate(r)).rstrip()
    text = "\n".join(head + [fmt(hdr)] + [fmt(r) for r in rows]) + "\n"
    print("\n" + text)
    with open(os.path.join(ROOT, "build", "bench.txt"), "w") as f:
        f.write(text)
    stop.set()


if __name__ == "__main__":
    main()
