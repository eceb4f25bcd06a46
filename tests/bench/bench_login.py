"""Driver of scripts/bench-login (runs inside scripts/test-stack). Standard library only."""
import email, email.policy, http.client, os, queue, re, shutil, subprocess, sys, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = os.environ["MV_VAR_DIR"]
PORT = int(os.environ["MV_HTTP_PORT"])
CONF = os.path.join(VAR, "mv.conf")
BIN = os.path.join(ROOT, "build", "meineversorgung")
SECONDS = float(os.environ.get("MV_BENCH_SECONDS", "10"))
ACCOUNTS = int(os.environ.get("MV_BENCH_ACCOUNTS", "8"))
inboxes = {}
inbox_lock = threading.Lock()
stop = threading.Event()


def mail_collector():
    """Reads the sink's Maildir directly (cheap, race-free) and routes TAN mails per recipient."""
    new = os.path.join(VAR, "mail", "new")
    cur = os.path.join(VAR, "mail", "cur")
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
            except (FileNotFoundError, OSError):
                continue
            to = str(msg["To"]).lower()
            body = msg.get_body(("plain",)).get_content()
            with inbox_lock:
                q = inboxes.setdefault(to, queue.Queue())
            q.put((time.monotonic(), body))
        time.sleep(0.005)


class Client:
    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.cookies = {}

    def req(self, method, path, fields=None, headers=None):
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        h.update(headers or {})
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read().decode()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";", 1)[0].split("=", 1)
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        return r.status, data

    def csrf(self, html):
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def inbox(addr):
    with inbox_lock:
        return inboxes.setdefault(addr.lower(), queue.Queue())


def wait_body(addr, timeout=10):
    t, body = inbox(addr).get(timeout=timeout)
    return t, body


def cli(*args):
    return subprocess.run([BIN, "--config", CONF, "cli", *args], check=True, capture_output=True, text=True).stdout


def make_accounts(n):
    """n administrators of a bench organisation, activated through their real mails."""
    cli("org", "add", "--name", "Benchstadt", "--bereich", "Beihilfe", "--pnr", "99001", "--abr", "99002")
    accounts = []
    for i in range(n):
        addr = f"bench{i}@bench.example"
        kennung = re.search(r"X201-[A-Z0-9]{12}", cli("admin", "add", "--pnr", "99001", "--vorname", "Bench",
                                                      "--name", f"Nutzer{i}", "--email", addr,
                                                      "--geburtsdatum", "1980-01-01")).group(0)
        _, body = wait_body(addr)
        link = re.search(r"(/passwort-setzen\?token=[A-Za-z0-9_-]+)", body).group(1)
        c = Client()
        st, html = c.req("GET", link)
        pw = f"Lauf-{i}-Zebra!x9"
        st, _ = c.req("POST", link, {"csrf": c.csrf(html), "passwort": pw, "passwort_wiederholung": pw})
        assert st == 303, st
        wait_body(addr)  # notice mail
        wait_body(addr)  # Nutzerkennung link
        accounts.append((kennung, pw, addr))
    return accounts


def full_login(c, kennung, pw, addr, lat):
    c.cookies.clear()
    st, html = c.req("GET", "/anmelden")
    t0 = time.monotonic()
    st, _ = c.req("POST", "/anmelden", {"csrf": c.csrf(html), "kennung": kennung, "passwort": pw})
    if st != 303:
        raise RuntimeError(f"login step 1: {st}")
    t_mail, body = wait_body(addr)
    lat.append(t_mail - t0)
    tan = re.search(r"^(\d{6})$", body, re.M).group(1)
    st, html = c.req("GET", "/anmelden/tan")
    st, _ = c.req("POST", "/anmelden/tan", {"csrf": c.csrf(html), "tan": tan})
    if st != 303:
        raise RuntimeError(f"login step 2: {st}")


def login_throughput(accounts):
    counts = [0] * len(accounts)
    lat = []
    end = time.monotonic() + SECONDS

    def worker(i):
        c = Client()
        k, pw, addr = accounts[i]
        while time.monotonic() < end:
            full_login(c, k, pw, addr, lat)
            counts[i] += 1

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(len(accounts))]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.monotonic() - t0), sorted(lat)


def wrk(port, path, cookie=None):
    cmd = ["wrk", "-t2", "-c16", f"-d{int(SECONDS)}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50.group(1) + p50.group(2), p99.group(1) + p99.group(2), int(non2xx.group(1)) if non2xx else 0


def hello_nginx():
    sock = os.path.join(VAR, "run", "hello.sock")
    procs = subprocess.Popen([os.path.join(ROOT, "build", "bench", "hello_fcgi"), sock, "4"])
    ndir = os.path.join(VAR, "nginx-hello")
    os.makedirs(ndir, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = f"""{user}worker_processes 2; pid {ndir}/nginx.pid; error_log {ndir}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; client_body_temp_path {ndir}/body; fastcgi_temp_path {ndir}/fcgi;
  proxy_temp_path {ndir}/proxy; uwsgi_temp_path {ndir}/uwsgi; scgi_temp_path {ndir}/scgi;
  server {{ listen 127.0.0.1:{PORT + 1}; location / {{ include /etc/nginx/fastcgi_params; fastcgi_pass unix:{sock}; }} }} }}
"""
    with open(os.path.join(ndir, "nginx.conf"), "w") as f:
        f.write(conf)
    time.sleep(0.3)
    subprocess.run(["nginx", "-p", ndir, "-c", os.path.join(ndir, "nginx.conf"), "-e", os.path.join(ndir, "error.log")], check=True)
    time.sleep(0.3)
    return procs, ndir


def main():
    threading.Thread(target=mail_collector, daemon=True).start()
    ops = int(os.environ.get("MV_ARGON_OPS", "2"))
    mem = int(os.environ.get("MV_ARGON_MEM_KIB", "19456"))
    cores = os.cpu_count()
    floor = float(subprocess.run([os.path.join(ROOT, "build", "bench", "pwhash_loop"), str(ops), str(mem),
                                  str(SECONDS), str(cores)], capture_output=True, text=True, check=True).stdout)
    accounts = make_accounts(ACCOUNTS)
    logins, lat = login_throughput(accounts)
    # home page, logged in
    c = Client()
    full_login(c, accounts[0][0], accounts[0][1], accounts[0][2], [])
    cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    home_rps, home_p50, _, home_bad = wrk(PORT, "/", cookie)
    procs, ndir = hello_nginx()
    try:
        hello_rps, hello_p50, _, hello_bad = wrk(PORT + 1, "/")
    finally:
        subprocess.run(["nginx", "-p", ndir, "-c", os.path.join(ndir, "nginx.conf"), "-s", "stop"])
        procs.terminate()
        subprocess.run(["pkill", "-f", os.path.join(ROOT, "build", "bench", "hello_fcgi")])
    p50 = lat[len(lat) // 2] * 1000 if lat else 0
    p95 = lat[int(len(lat) * 0.95)] * 1000 if lat else 0
    rows = [
        ("argon2id verify loop (floor), per second", f"{floor:.1f}", "1.00"),
        (f"full logins (password + TAN), per second, {ACCOUNTS} clients", f"{logins:.1f}", f"{logins / floor:.2f}"),
        ("TAN mail latency POST -> sink, p50 / p95 ms", f"{p50:.0f} / {p95:.0f}", ""),
        ("minimal libfcgi hello via nginx, req/s (floor)", f"{hello_rps:.0f} (p50 {hello_p50})", "1.00"),
        (f"home page, logged in, req/s (non-2xx: {home_bad})", f"{home_rps:.0f} (p50 {home_p50})", f"{home_rps / hello_rps:.2f}"),
    ]
    lines = [f"bench-login: {time.strftime('%Y-%m-%d')}, {cores} cores, argon2id t={ops} m={mem} KiB, "
             f"{SECONDS:.0f} s per figure", "", f"{'measure':62} {'value':>22} {'ratio':>6}"]
    lines += [f"{a:62} {b:>22} {r:>6}" for a, b, r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(ROOT, "build", "bench-login.txt"), "w") as f:
        f.write(text)
    stop.set()


if __name__ == "__main__":
    main()
