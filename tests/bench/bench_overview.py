"""Driver of scripts/bench-overview (inside scripts/test-stack): the "Übersicht: Sachbearbeiter"
page for an organisation of 1,000 users in a database of 1,000, then for an organisation of
10,000 users in a database of ~100,000, next to the minimal libfcgi hello responder."""
import os, re, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_login as bl  # noqa: E402  (shares the client, mail reader and wrk helpers)


def dev_seed(orgs, users, pnr):
    env = dict(os.environ, MV_DEV_MODE="1")
    subprocess.run([bl.BIN, "--config", bl.CONF, "cli", "dev", "seed", "--orgs", str(orgs), "--users", str(users),
                    "--pnr", str(pnr)], check=True, env=env, capture_output=True)


def admin_for(pnr, i):
    addr = f"overview{i}@bench.example"
    out = bl.cli("admin", "add", "--pnr", str(pnr), "--vorname", "Bench", "--name", f"Admin{i}", "--email", addr,
                 "--geburtsdatum", "1980-01-01")
    kennung = re.search(r"X201-[A-Z0-9]{12}", out).group(0)
    _, body = bl.wait_body(addr)
    link = re.search(r"(/passwort-setzen\?token=[A-Za-z0-9_-]+)", body).group(1)
    c = bl.Client()
    _, html = c.req("GET", link)
    pw = f"Uebersicht-{i}-Zebra!"
    st, _ = c.req("POST", link, {"csrf": c.csrf(html), "passwort": pw, "passwort_wiederholung": pw})
    assert st == 303, st
    bl.wait_body(addr)
    bl.wait_body(addr)
    c = bl.Client()
    bl.full_login(c, kennung, pw, addr, [])
    return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


def main():
    threading.Thread(target=bl.mail_collector, daemon=True).start()
    rows = []
    dev_seed(1, 1000, 700000)
    small = admin_for(700000, 1)
    s1 = bl.wrk(bl.PORT, "/sachbearbeiter", small)
    s2 = bl.wrk(bl.PORT, "/sachbearbeiter?seite=50&pro_seite=20", small)
    t0 = time.time()
    dev_seed(1, 10000, 710000)
    dev_seed(9, 10000, 720000)
    seed_s = time.time() - t0
    big = admin_for(710000, 2)
    b1 = bl.wrk(bl.PORT, "/sachbearbeiter", big)
    b2 = bl.wrk(bl.PORT, "/sachbearbeiter?seite=500&pro_seite=20", big)
    b3 = bl.wrk(bl.PORT, "/sachbearbeiter?name=Last1&gruppe=Bei", big)
    procs, ndir = bl.hello_nginx()
    try:
        h = bl.wrk(bl.PORT + 1, "/")
    finally:
        subprocess.run(["nginx", "-p", ndir, "-c", os.path.join(ndir, "nginx.conf"), "-s", "stop"])
        procs.terminate()
        subprocess.run(["pkill", "-f", os.path.join(bl.ROOT, "build", "bench", "hello_fcgi")])
    def row(label, r, base):
        return (label, f"{r[0]:.0f}", f"{r[1]} / {r[2]}", f"{r[0] / base[0]:.2f}", f"{r[0] / h[0]:.2f}", r[3])
    rows = [
        ("minimal libfcgi hello via nginx", f"{h[0]:.0f}", f"{h[1]} / {h[2]}", "", "1.00", h[3]),
        row("1,000 users in a DB of 1,000: page 1", s1, s1),
        row("1,000 users in a DB of 1,000: page 50 (last)", s2, s1),
        row("10,000 users in a DB of 101,000: page 1", b1, s1),
        row("10,000 users in a DB of 101,000: page 500 (last)", b2, s1),
        row("10,000 users in a DB of 101,000: filter name+gruppe", b3, s1),
    ]
    lines = [f"bench-overview: {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, wrk 2 threads 16 connections "
             f"{bl.SECONDS:.0f} s each; seeding 100,000 users took {seed_s:.0f} s", "",
             f"{'measure':52} {'req/s':>7} {'p50 / p99':>19} {'vs 1k p1':>8} {'vs hello':>8} {'non-2xx':>7}"]
    lines += [f"{a:52} {b:>7} {c:>19} {d:>8} {e:>8} {f:>7}" for a, b, c, d, e, f in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(bl.ROOT, "build", "bench-overview.txt"), "w") as f:
        f.write(text)
    bl.stop.set()


if __name__ == "__main__":
    main()
