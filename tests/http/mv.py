"""Helpers for the HTTP integration tests of Meine Versorgung.

Runs inside `scripts/test-stack`, which exports MV_VAR_DIR, MV_HTTP_PORT,
MV_SINK_SMTP_PORT and MV_SINK_HTTP_PORT. Standard library only.

- Client: one "browser" with its own cookie jar and its own loopback source
  address (127.0.x.y), so per-address rate limits of one test never touch
  another test. No automatic redirects: assert 303 + Location yourself, or
  use follow().
- Mail: wait_mail() reads the SMTP sink's JSON API; every mail is handed out
  once (a second call waits for the next matching mail).
- Accounts: new_org()/new_admin() through scripts/mvctl, activate() through
  the two mails, login() with password and the TAN from the mail.
- Stack: restart_app(**overrides) for shortened timeouts, sink_stop()/
  sink_start(), db() for read-only checks as MariaDB root.

MV_REPO (optional) names the repository whose scripts/ and build/ are used;
default: the repository this file lives in.
"""

import html as htmllib
import http.client
import itertools
import json as jsonlib
import os
import re
import secrets
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.environ.get("MV_REPO") or os.path.dirname(os.path.dirname(HERE))
VAR = os.environ.get("MV_VAR_DIR", "")
PORT = int(os.environ.get("MV_HTTP_PORT", "18080"))
SINK_HTTP = int(os.environ.get("MV_SINK_HTTP_PORT", "18025"))
HOST = "127.0.0.1"
BASE = f"http://{HOST}:{PORT}"
MVCTL = os.path.join(REPO, "scripts", "mvctl")
STACK = os.path.join(REPO, "scripts", "stack")
APP_LOG = os.path.join(VAR, "log", "mv.log")
ACCESS_LOG = os.path.join(VAR, "log", "nginx-access.log")


def log_size(path=APP_LOG):
    """Where a log file ends now (0 if it does not exist yet): read what follows with log_since."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def log_since(offset, path=APP_LOG, raw=False):
    """What was written to a log file after offset: text, or the bytes as written (raw)."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    return data if raw else data.decode("utf-8", "replace")

# Everything secret the suite ever handles (passwords, TANs, link tokens,
# cookie values); test_zz_logs checks that none of it reached a log file.
SECRETS = set()
SECRET_FIELDS = {"passwort", "passwort_wiederholung", "passwort_alt", "passwort_neu", "passwort_neu_wiederholung",
                 "tan"}

LOGIN_FAILED = ("Die Anmeldung ist fehlgeschlagen. Bitte prüfen Sie Nutzerkennung und Passwort. Nach mehreren "
                "Fehlversuchen wird das Nutzerkonto vorübergehend gesperrt.")
LINK_INVALID = ("Dieser Link ist abgelaufen oder wurde bereits verwendet. Bitte wenden Sie sich an die "
                "Portal-Administratoren der Kassen.")
CSRF_FAILED = ("Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die Seite neu und "
               "versuchen Sie es noch einmal.")
SUBJ_TAN = "meineversorgung.org | Ihre TAN zur Zwei-Faktor-Authentifizierung"
SUBJ_SETPW = "meineversorgung.org | Passwort festlegen"
SUBJ_CHANGED = "meineversorgung.org | Ihr Passwort wurde geändert"
SUBJ_RESET = "meineversorgung.org | Passwort zurücksetzen"
SUBJ_KENNUNG = "meineversorgung.org | Nutzerkennung abrufen"

_counter = itertools.count(1)
_lock = threading.Lock()


def uid():
    """A short unique string for names, addresses and PNRs."""
    with _lock:
        n = next(_counter)
    return f"{int(time.time() * 1000) % 10**9:09d}{n:03d}"


def new_password():
    """A fresh strong password (hex core: never a name, Nutzerkennung or common word)."""
    pw = "Hx9#" + secrets.token_hex(6) + "!Qz"
    SECRETS.add(pw)
    return pw


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def all_headers(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def location(self):
        return self.header("Location")

    @property
    def set_cookies(self):
        """{name: (value, attribute string)} of the Set-Cookie headers."""
        out = {}
        for v in self.all_headers("Set-Cookie"):
            first, _, attrs = v.partition(";")
            name, _, value = first.partition("=")
            out[name.strip()] = (value.strip(), attrs)
        return out

    def json(self):
        return jsonlib.loads(self.text)

    def field_error(self, field):
        """The message next to a form field (HTML <p class="error" id="f-FIELD-fehler">)."""
        m = re.search(r'<p class="error" id="f-%s-fehler">(.*?)</p>' % re.escape(field), self.text, re.S)
        return htmllib.unescape(m.group(1)) if m else None

    def summary_errors(self):
        """Messages in the error summary (field "_" and the linked ones)."""
        m = re.search(r'id="fehler-zusammenfassung"[^>]*>(.*?)</div>', self.text, re.S)
        if not m:
            return []
        return [htmllib.unescape(re.sub(r"<[^>]+>", "", x)) for x in re.findall(r"<li>(.*?)</li>", m.group(1), re.S)]

    def alert_text(self):
        """Text of the alert boxes (errors and notices) on the page."""
        return [htmllib.unescape(re.sub(r"<[^>]+>", "", x))
                for x in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', self.text, re.S)]

    def __repr__(self):
        return f"<Response {self.status} {self.location or ''} {self.text[:300]!r}>"


_ip_counter = itertools.count(0)
_ip_base = secrets.randbelow(250) + 2  # another run against the same stack uses other addresses


def next_source_ip():
    with _lock:
        n = next(_ip_counter)
    return f"127.{_ip_base}.{(n // 250) % 250 + 1}.{n % 250 + 2}"


def extract_csrf(text):
    m = re.search(r'<input type="hidden" name="csrf" value="([^"]*)"', text)
    if m:
        return htmllib.unescape(m.group(1))
    m = re.search(r'<meta name="csrf" content="([^"]*)"', text)
    if m:
        return htmllib.unescape(m.group(1))
    try:
        obj = jsonlib.loads(text)
        if isinstance(obj, dict) and isinstance(obj.get("csrf"), str):
            return obj["csrf"]
    except ValueError:
        pass
    return None


def encode_form(fields):
    items = fields.items() if isinstance(fields, dict) else fields
    return urllib.parse.urlencode(list(items), encoding="utf-8").encode("ascii")


def _tan_sent(r):
    if r.status == 303:
        return r.location == "/anmelden/tan"
    if r.status == 200 and (r.header("Content-Type") or "").startswith("application/json"):
        try:
            return r.json().get("next") == "/anmelden/tan"
        except ValueError:
            return False
    return False


# Nutzerkennung -> e-mail address (accounts made by new_admin) and the number of TAN mails
# each address must have got (every password step that answered "TAN sent").
EMAIL_OF = {}
TANS_EXPECTED = {}


class Client:
    """One browser: cookie jar, last CSRF token, its own source address."""

    def __init__(self, source_ip=None, json=False):
        self.cookies = {}
        self.csrf = None
        self.source_ip = source_ip or next_source_ip()
        self.json_default = json
        self.last = None

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method, path, body=None, headers=None, json=None, cookies=True):
        json = self.json_default if json is None else json
        h = {"Host": f"{HOST}:{PORT}", "User-Agent": "mv-http-tests"}
        if json:
            h["Accept"] = "application/json"
        else:
            h["Accept"] = "text/html"
        if cookies and self.cookies:
            h["Cookie"] = self.cookie_header()
        if headers:
            for k, v in headers.items():
                if v is None:
                    h.pop(k, None)
                else:
                    h[k] = v
        conn = http.client.HTTPConnection(HOST, PORT, timeout=60, source_address=(self.source_ip, 0))
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in h.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            data = r.read()
            resp = Response(r.status, r.reason, r.getheaders(), data)
        finally:
            conn.close()
        for name, (value, attrs) in resp.set_cookies.items():
            if "max-age=0" in attrs.lower() or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
                SECRETS.add(value)
        token = extract_csrf(resp.text) if resp.body else None
        if token:
            self.csrf = token
        self.last = resp
        return resp

    def get(self, path, json=None, headers=None):
        return self.request("GET", path, headers=headers, json=json)

    def post(self, path, fields=None, json=None, csrf=True, headers=None, content_type=None):
        """Form POST. csrf=True adds the token of the last page (GETs path first if none is
        known); csrf=False sends none; a string sends that token."""
        fields = list((fields or {}).items()) if isinstance(fields, dict) or fields is None else list(fields)
        for k, v in fields:
            if k in SECRET_FIELDS and isinstance(v, str) and (len(v) >= 12 or (k == "tan" and len(v) == 6)):
                SECRETS.add(v)
        if csrf is True:
            if self.csrf is None:
                self.get(path)
            fields.append(("csrf", self.csrf))
        elif isinstance(csrf, str):
            fields.append(("csrf", csrf))
        body = encode_form(fields)
        h = {"Content-Type": content_type or "application/x-www-form-urlencoded"}
        if headers:
            h.update(headers)
        r = self.request("POST", path, body=body, headers=h, json=json)
        if path == "/anmelden" and _tan_sent(r):
            kennung = dict(fields).get("kennung", "").strip().upper()
            if kennung in EMAIL_OF:
                with _lock:
                    TANS_EXPECTED[EMAIL_OF[kennung]] = TANS_EXPECTED.get(EMAIL_OF[kennung], 0) + 1
        return r

    def follow(self, resp, json=None):
        assert resp.status in (301, 302, 303, 307), resp
        loc = resp.location
        if loc.startswith(BASE):
            loc = loc[len(BASE):]
        return self.get(loc, json=json)


def concurrently(*calls):
    """Runs the callables at the same moment (one thread each) and returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(i, f):
        try:
            barrier.wait()
            results[i] = f()
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def clone(client):
    """A second connection of the same browser (same cookies, token and address), e.g. a double click."""
    c = Client(source_ip=client.source_ip, json=client.json_default)
    c.cookies = dict(client.cookies)
    c.csrf = client.csrf
    return c


def raw_http(data, timeout=15, source_ip=None):
    """Sends raw bytes to nginx and returns (status, full response bytes)."""
    s = socket.create_connection((HOST, PORT), timeout=timeout,
                                 source_address=((source_ip or next_source_ip()), 0))
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
    finally:
        s.close()
    out = b"".join(chunks)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", out)
    return (int(m.group(1)) if m else 0), out


def alive():
    """The app answers the login page."""
    try:
        return Client().get("/anmelden").status == 200
    except OSError:
        return False


# ---------------------------------------------------------------- mail

_consumed = set()


def sink_messages(to=None):
    q = "?to=" + urllib.parse.quote(to) if to else ""
    conn = http.client.HTTPConnection(HOST, SINK_HTTP, timeout=10)
    try:
        conn.request("GET", "/api/messages" + q)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise AssertionError(f"mail sink answered {r.status}")
        return jsonlib.loads(data)
    finally:
        conn.close()


def clear_mail():
    """Empties the sink (its API parses every stored mail on each call: keep it small) and
    forgets what was consumed. Called at the start of every test class (see Case)."""
    conn = http.client.HTTPConnection(HOST, SINK_HTTP, timeout=30)
    try:
        conn.request("DELETE", "/api/messages")
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise AssertionError(f"mail sink DELETE answered {r.status}")
    finally:
        conn.close()
    _consumed.clear()
    TANS_EXPECTED.clear()


def mails(to, subject_contains=""):
    return [m for m in sink_messages(to) if subject_contains in (m.get("subject") or "")]


def wait_mail(to, subject_contains, timeout=8.0):
    """The oldest mail to `to` whose subject contains the text and that no earlier call
    returned; waits up to timeout seconds."""
    deadline = time.time() + timeout
    while True:
        for m in mails(to, subject_contains):
            if m["id"] not in _consumed:
                _consumed.add(m["id"])
                for tok in re.findall(r"token=([A-Za-z0-9_-]+)", m.get("body") or ""):
                    SECRETS.add(tok)
                for tan in re.findall(r"(?m)^(\d{6})$", m.get("body") or ""):
                    SECRETS.add(tan)
                return m
        if time.time() > deadline:
            raise AssertionError(f"no mail to {to} with subject containing {subject_contains!r} within {timeout}s; "
                                 f"have: {[x.get('subject') for x in mails(to)]}")
        time.sleep(0.1)


def consume_all(to):
    """Marks every mail to `to` seen so far as consumed."""
    for m in sink_messages(to):
        _consumed.add(m["id"])


def link_from(mail, path):
    m = re.search(re.escape(BASE + path) + r"\?token=([A-Za-z0-9_-]+)", mail["body"])
    if not m:
        raise AssertionError(f"no link {BASE}{path}?token=… in mail {mail['subject']!r}: {mail['body'][:400]!r}")
    return f"{path}?token={m.group(1)}"


def latest_tan(email, timeout=8.0):
    """The TAN of the newest login attempt of the account with this address: waits until every
    TAN mail the suite caused has arrived, returns the newest one and marks all as consumed."""
    want = TANS_EXPECTED.get(email, 0)
    deadline = time.time() + timeout
    while True:
        got = mails(email, SUBJ_TAN)
        if want and len(got) >= want:
            break
        if time.time() > deadline:
            raise AssertionError(f"expected {want} TAN mails to {email}, got {len(got)} within {timeout}s")
        time.sleep(0.1)
    for m in got:
        _consumed.add(m["id"])

    def outbox_id(m):
        x = re.search(r"Message-ID: <outbox-(\d+)@", m.get("raw_headers") or "")
        return int(x.group(1)) if x else 0

    newest = max(got, key=outbox_id)
    tan = tan_from(newest)
    SECRETS.add(tan)
    return tan


def tan_from(mail):
    m = re.findall(r"(?m)^(\d{6})\s*$", mail["body"])
    if len(m) != 1:
        raise AssertionError(f"expected one 6-digit TAN line in the mail, got {m!r}")
    return m[0]


class Case(unittest.TestCase):
    """Base class of the tests: every class starts with an empty mail sink."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        clear_mail()


# ---------------------------------------------------------------- mvctl

class CtlResult:
    def __init__(self, p):
        self.rc = p.returncode
        self.out = p.stdout
        self.err = p.stderr

    def json(self):
        return jsonlib.loads(self.out)

    def __repr__(self):
        return f"<mvctl rc={self.rc} out={self.out!r} err={self.err!r}>"


def mvctl(*args):
    env = dict(os.environ)
    env.update(SHORT)  # same configuration as the running app (restart_app overrides)
    p = subprocess.run([MVCTL, *args], capture_output=True, text=True, env=env, timeout=60)
    return CtlResult(p)


def new_pnr():
    return str(int(uid()) % 10**12 + 10**11)


class Org:
    pass


def new_org(name=None, bereich="Beamtenversorgung"):
    o = Org()
    o.pnr = new_pnr()
    o.abr = str(int(o.pnr) % 999983 + 100000)
    o.name = name or f"Testgemeinde {o.pnr}"
    o.bereich = bereich
    r = mvctl("--json", "org", "add", "--name", o.name, "--bereich", bereich, "--pnr", o.pnr, "--abr", o.abr)
    if r.rc != 0:
        raise AssertionError(f"mvctl org add failed: {r!r}")
    o.line = r.json()["mitglied"]
    return o


class Admin:
    password = None

    def __repr__(self):
        return f"<Admin {self.kennung} {self.email}>"


def new_admin(org=None, vorname="Kim", name="Mustermensch", email=None, geburtsdatum="1980-01-01"):
    a = Admin()
    a.org = org or new_org()
    a.vorname, a.name, a.geburtsdatum = vorname, name, geburtsdatum
    a.email = email or f"admin{uid()}@example.org"
    r = mvctl("--json", "admin", "add", "--pnr", a.org.pnr, "--vorname", vorname, "--name", name,
              "--email", a.email, "--geburtsdatum", geburtsdatum)
    if r.rc != 0:
        raise AssertionError(f"mvctl admin add failed: {r!r}")
    a.kennung = r.json()["nutzerkennung"]
    EMAIL_OF[a.kennung] = a.email
    return a


def set_password_via_link(client, link, password, repeat=None):
    r = client.get(link)
    if r.status != 200:
        return r
    SECRETS.add(password)
    return client.post(link, {"passwort": password, "passwort_wiederholung": password if repeat is None else repeat})


def activate(admin, password=None, retrieve_kennung=True, link=None):
    """Password link from the first mail (or `link`), then (optionally) the Nutzerkennung link."""
    password = password or new_password()
    c = Client(json=False)
    link = link or link_from(wait_mail(admin.email, SUBJ_SETPW), "/passwort-setzen")
    r = set_password_via_link(c, link, password)
    if r.status != 303 or r.location != "/anmelden?grund=passwort-gesetzt":
        raise AssertionError(f"activation failed: {r!r}")
    admin.password = password
    wait_mail(admin.email, SUBJ_CHANGED)
    klink = link_from(wait_mail(admin.email, SUBJ_KENNUNG), "/nutzerkennung")
    admin.kennung_link = klink
    if retrieve_kennung:
        c.get(klink)
        r = c.post(klink, {"vorname": admin.vorname, "name": admin.name,
                           "geburtsdatum": admin.geburtsdatum, "mitgliedsnummer": admin.org.pnr})
        if r.status != 200 or admin.kennung not in r.text:
            raise AssertionError(f"Nutzerkennung retrieval failed: {r!r}")
    return admin


class Kasse:
    """An account of the Kasse (role K, SPEC §15): rolle 'portaladmin' or 'fach'."""
    password = None

    def __repr__(self):
        return f"<Kasse {self.kennung} {self.rolle} {self.email}>"


def new_kasse(rolle="fach", vorname="Karla", name=None, email=None):
    k = Kasse()
    k.rolle, k.vorname, k.name = rolle, vorname, name or f"Kasse{uid()}"
    k.email = email or f"kasse{uid()}@example.org"
    r = mvctl("--json", "kasse", "add", "--vorname", k.vorname, "--name", k.name, "--email", k.email, "--rolle", rolle)
    if r.rc != 0:
        raise AssertionError(f"mvctl kasse add failed: {r!r}")
    k.kennung = r.json()["nutzerkennung"]
    EMAIL_OF[k.kennung] = k.email
    return k


def ready_kasse(rolle="fach", **kw):
    """A K account with its password set through the mailed link (its Nutzerkennung the operator hands over)."""
    k = new_kasse(rolle, **kw)
    password = new_password()
    link = link_from(wait_mail(k.email, SUBJ_SETPW), "/passwort-setzen")
    r = set_password_via_link(Client(json=False), link, password)
    if r.status != 303 or r.location != "/anmelden?grund=passwort-gesetzt":
        raise AssertionError(f"activation of a Kasse account failed: {r!r}")
    k.password = password
    wait_mail(k.email, SUBJ_CHANGED)
    return k


def login_kasse(k, client=None):
    return login(k.kennung, k.password, k.email, client)


def ready_admin(**kw):
    return activate(new_admin(**kw))


def login_password(kennung, password, client=None):
    c = client or Client()
    c.get("/anmelden")
    r = c.post("/anmelden", {"kennung": kennung, "passwort": password})
    return c, r


def login(kennung, password, email=None, client=None):
    """Full login (password, TAN from the mail). Returns the logged-in client."""
    c, r = login_password(kennung, password, client)
    if not _tan_sent(r):
        raise AssertionError(f"password step failed: {r!r}")
    if not email:
        raise AssertionError("login() needs the e-mail address to read the TAN")
    tan = latest_tan(email)
    c.get("/anmelden/tan")
    r = c.post("/anmelden/tan", {"tan": tan})
    ok = (r.status == 303 and r.location == "/") if r.status != 200 else r.json().get("next") == "/"
    if not ok:
        raise AssertionError(f"TAN step failed: {r!r}")
    c.get("/")  # as a browser follows the redirect: the page carries the session's CSRF token
    return c


def login_admin(admin, client=None):
    return login(admin.kennung, admin.password, admin.email, client)


# ---------------------------------------------------------------- stack

def _stack(cmd, env_overrides=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides or {})
    p = subprocess.run([STACK, cmd], capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"scripts/stack {cmd} failed: {p.stdout}{p.stderr}")


SHORT = {}


def restart_app(**overrides):
    """Restarts the app master with MV_<KEY> overrides (none: defaults again)."""
    global SHORT
    env = {k: str(v) for k, v in overrides.items()}
    _stack("restart-app", env, drop=tuple(SHORT))
    SHORT = env
    deadline = time.time() + 30
    while not alive():
        if time.time() > deadline:
            raise AssertionError("app did not come back after restart-app")
        time.sleep(0.2)


def sink_stop():
    _stack("sink-stop")


def sink_start():
    _stack("sink-start")


def is_root():
    return os.geteuid() == 0


def db(sql):
    """Rows (lists of str) from MariaDB as root over the stack's socket; None if not possible."""
    if not is_root():
        return None
    p = subprocess.run(["mariadb", "--no-defaults", f"--socket={VAR}/run/mysqld.sock", "-u", "root", "-N", "-B",
                        "meineversorgung", "-e", sql], capture_output=True, timeout=30)
    if p.returncode != 0:
        raise AssertionError(f"mariadb failed: {p.stderr.decode('utf-8', 'replace')}")
    # binary columns come raw: latin-1 keeps every byte (ASCII secrets are found either way)
    out = p.stdout.decode("utf-8") if _utf8(p.stdout) else p.stdout.decode("latin-1")
    return [line.split("\t") for line in out.split("\n") if line != ""]


def _utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def log_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


# ---------------------------------------------------------------- multipart (mailbox uploads)

def encode_multipart(fields=(), files=(), boundary=None):
    """(body bytes, Content-Type) of a multipart/form-data body. fields: (name, value) pairs; files:
    (name, filename, bytes[, content type]) tuples, in order, repeated names allowed."""
    boundary = boundary or "mvtest" + secrets.token_hex(12)
    out = []
    for k, v in (fields.items() if isinstance(fields, dict) else fields):
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n".encode("utf-8"))
        out.append(v.encode("utf-8") if isinstance(v, str) else v)
        out.append(b"\r\n")
    for f in files:
        name, filename, data = f[0], f[1], f[2]
        ctype = f[3] if len(f) > 3 else "application/octet-stream"
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                   f"Content-Type: {ctype}\r\n\r\n".encode("utf-8"))
        out.append(data)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def post_multipart(client, path, fields=(), files=(), csrf=True, json=None, headers=None):
    """Multipart POST with `client` (csrf as in Client.post: True adds the last page's token, GETting
    path first if none is known; False sends none; a string sends that token)."""
    fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
    if csrf is True:
        if client.csrf is None:
            client.get(path)
        fields.append(("csrf", client.csrf))
    elif isinstance(csrf, str):
        fields.append(("csrf", csrf))
    body, ctype = encode_multipart(fields, files)
    h = {"Content-Type": ctype}
    if headers:
        h.update(headers)
    return client.request("POST", path, body=body, headers=h, json=json)


def master_pid():
    """The pid of the stack's master process."""
    with open(os.path.join(VAR, "run", "mv.pid")) as f:
        return int(f.read().strip())


def children(pid):
    """The live (non-zombie) child processes of pid: the workers and the mailer of a master."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return sorted(out)
