"""Driver of scripts/bench-mailbox (inside scripts/test-stack): the group-mailbox list page of a
mailbox with 100 messages next to one with 100,000, next to the minimal hello responder, and
the upload throughput of a 10 MiB PDF."""
import http.client, os, re, subprocess, sys, threading, time, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_login as bl  # noqa: E402
import bench_overview as bo  # noqa: E402


def sachbearbeiter(pnr, i):
    """An administrator of org pnr creates a Sachbearbeiter in group Beihilfe; it is activated and logged in."""
    admin_cookie = bo.admin_for(pnr, 10 + i)
    c = bl.Client()
    c.cookies.update(dict(kv.split("=", 1) for kv in admin_cookie.split("; ")))
    st, html = c.req("GET", "/sachbearbeiter/neu")
    addr = f"sb{i}@bench.example"
    body = [("csrf", c.csrf(html)), ("vorname", "Post"), ("name", f"Fach{i}"), ("email", addr),
            ("gruppe", "Beihilfe"), ("nutzungsbedingungen", "1")]
    import urllib.parse
    c.conn.request("POST", "/sachbearbeiter/neu", body=urllib.parse.urlencode(body),
                   headers={"Content-Type": "application/x-www-form-urlencoded",
                            "Cookie": "; ".join(f"{k}={v}" for k, v in c.cookies.items())})
    r = c.conn.getresponse()
    r.read()
    kennung = re.search(r"S201-[A-Z0-9]{12}", r.getheader("Location")).group(0)
    _, mail = bl.wait_body(addr)
    link = re.search(r"(/passwort-setzen\?token=[A-Za-z0-9_-]+)", mail).group(1)
    s = bl.Client()
    _, html = s.req("GET", link)
    pw = f"Kamel-{i}-Wueste!9"
    st, _ = s.req("POST", link, {"csrf": s.csrf(html), "passwort": pw, "passwort_wiederholung": pw})
    assert st == 303, st
    bl.wait_body(addr)
    s = bl.Client()
    bl.full_login(s, kennung, pw, addr, [])
    return s


def upload_rate(s, n=5):
    data = b"%PDF-1.4\n" + os.urandom(10 * 1024 * 1024 - 64)
    s.conn = http.client.HTTPConnection("127.0.0.1", bl.PORT, timeout=60)  # the old one idled out during wrk
    st, html = s.req("GET", "/postfach/beihilfe/neu")
    csrf = s.csrf(html)
    b = "----b" + uuid.uuid4().hex
    head = "".join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in
                   (("csrf", csrf), ("betreff", "Lasttest"), ("nachricht", "Upload"))).encode()
    body = head + (f'--{b}\r\nContent-Disposition: form-data; name="anhang"; filename="gross.pdf"\r\n'
                   f'Content-Type: application/pdf\r\n\r\n').encode() + data + f"\r\n--{b}--\r\n".encode()
    t0 = time.monotonic()
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", bl.PORT, timeout=60)
        conn.request("POST", "/postfach/beihilfe/neu", body=body,
                     headers={"Content-Type": f"multipart/form-data; boundary={b}",
                              "Cookie": "; ".join(f"{k}={v}" for k, v in s.cookies.items())})
        r = conn.getresponse()
        r.read()
        assert r.status == 303, r.status
    dt = time.monotonic() - t0
    return n / dt, n * len(data) / dt / 1048576


def main():
    threading.Thread(target=bl.mail_collector, daemon=True).start()
    bo.dev_seed(1, 0, 600000)
    env = dict(os.environ, MV_DEV_MODE="1")
    subprocess.run([bl.BIN, "--config", bl.CONF, "cli", "dev", "seed", "--orgs", "1", "--users", "0", "--messages",
                    "100", "--pnr", "620000"], check=True, env=env, capture_output=True)
    t0 = time.time()
    subprocess.run([bl.BIN, "--config", bl.CONF, "cli", "dev", "seed", "--orgs", "1", "--users", "0", "--messages",
                    "100000", "--pnr", "630000"], check=True, env=env, capture_output=True)
    seed_s = time.time() - t0
    small = sachbearbeiter(620000, 1)
    big = sachbearbeiter(630000, 2)
    ck = lambda c: "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    s1 = bl.wrk(bl.PORT, "/postfach/beihilfe", ck(small))
    b1 = bl.wrk(bl.PORT, "/postfach/beihilfe", ck(big))
    o1 = bl.wrk(bl.PORT, "/postfach", ck(big))
    procs, ndir = bl.hello_nginx()
    try:
        h = bl.wrk(bl.PORT + 1, "/")
    finally:
        subprocess.run(["nginx", "-p", ndir, "-c", os.path.join(ndir, "nginx.conf"), "-s", "stop"])
        procs.terminate()
        subprocess.run(["pkill", "-f", os.path.join(bl.ROOT, "build", "bench", "hello_fcgi")])
    ups, mbs = upload_rate(small)
    rows = [
        ("minimal libfcgi hello via nginx", h, None),
        ("group mailbox list, 100 messages", s1, s1),
        ("group mailbox list, 100,000 messages", b1, s1),
        ("mailbox overview (unread counts), 100,000 messages", o1, s1),
    ]
    lines = [f"bench-mailbox: {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, wrk 2 threads 16 connections "
             f"{bl.SECONDS:.0f} s each; generating 100,000 messages took {seed_s:.0f} s", "",
             f"{'measure':52} {'req/s':>7} {'p50 / p99':>19} {'vs 100':>7} {'vs hello':>8} {'non-2xx':>7}"]
    for label, r, base in rows:
        lines.append(f"{label:52} {r[0]:7.0f} {r[1] + ' / ' + r[2]:>19} {(f'{r[0] / base[0]:.2f}' if base else ''):>7} "
                     f"{r[0] / h[0]:8.2f} {r[3]:7d}")
    lines.append(f"{'upload of a 10 MiB PDF (sequential)':52} {ups:7.2f} {f'{mbs:.0f} MiB/s':>19}")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(bl.ROOT, "build", "bench-mailbox.txt"), "w") as f:
        f.write(text)
    bl.stop.set()


if __name__ == "__main__":
    main()
