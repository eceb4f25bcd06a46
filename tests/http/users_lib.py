"""Helpers for the Sachbearbeiter tests (test_users*.py): creating, activating and logging in
Sachbearbeiter, reading the overview, the audit log and dev-seeded organisations.
Standard library only; builds on mv.py."""

import contextlib
import html as htmllib
import json as jsonlib
import os
import re
import secrets
import subprocess

import mv

GROUPS = ["Beihilfe", "Beamtenversorgung", "Finanzierung", "Mitglieder/Recht", "Geschäftsleitung", "Administration"]
SLUGS = ["beihilfe", "beamtenversorgung", "finanzierung", "mitglieder-recht", "geschaeftsleitung", "administration"]
RIGHTS = ["anspruchsberechtigte", "kontaktdaten", "formulare"]
LABEL = {
    "postfach": "persönliches Postfach und Gruppenpostfächer (gemäß Auswahl oben)",
    "anspruchsberechtigte": "darf Anspruchsberechtigte (inkl. Lebensläufe) sehen (bei aktiven Beamten)",
    "kontaktdaten": "darf Personen-/Kontaktdaten sehen und ändern",
    "formulare": "darf Beamtenformulare sehen und Änderungen melden",
}
KENNUNG_RE = r"S201-[A-Z0-9]{12}"

NOT_FOUND = "Der Sachbearbeiter wurde nicht gefunden."
FORBIDDEN = "Sie haben keine Berechtigung für diese Seite."
CONFLICT = ("Die Daten dieses Sachbearbeiters wurden in der Zwischenzeit von einer anderen Person geändert. Ihre "
            "Änderungen wurden nicht gespeichert. Bitte prüfen Sie die aktuellen Daten und bearbeiten Sie sie erneut.")
DUP_EMAIL = ("Diese E-Mail-Adresse ist bereits einem anderen Sachbearbeiter Ihrer Organisation zugeordnet. Jede Person "
             "erhält ein eigenes Nutzerkonto mit eigener E-Mail-Adresse.")
DUP_EMAIL_EDIT = "Diese E-Mail-Adresse ist bereits einem anderen Sachbearbeiter Ihrer Organisation zugeordnet."
MAIL_LOCKED = ("Der Benutzer ist gesperrt. Bitte entsperren Sie ihn, bevor Sie eine E-Mail für ein neues Passwort "
               "versenden.")
MAIL_LIMIT = ("Für diesen Benutzer wurden in kurzer Zeit zu viele E-Mails angefordert. Bitte versuchen Sie es später "
              "erneut.")
SB_LINK_DEAD = ("Dieser Link ist abgelaufen oder wurde bereits verwendet. Bitte wenden Sie sich an den Administrator "
                "Ihrer Organisation; er kann Ihnen eine neue E-Mail senden.")
BAD_REQUEST = ("Die Anfrage enthält ungültige Daten (zum Beispiel unzulässige Zeichen oder doppelte Felder).")
NOTICE = {
    "gespeichert": ("Die Änderungen wurden gespeichert. Eine Benachrichtigung über die Änderung der Daten an den Nutzer "
                    "erfolgt nicht. Bitte informieren Sie den Nutzer über die Änderungen."),
    "gespeichert-email": ("Die Änderungen wurden gespeichert. Eine Benachrichtigung über die Änderung der Daten an den "
                          "Nutzer erfolgt nicht. Links zum Festlegen des Passwortes, die an die bisherige E-Mail-Adresse "
                          "gesendet wurden, sind jetzt ungültig; über „E-Mail für neues Passwort versenden“ erhält der "
                          "Nutzer bei Bedarf einen neuen Link an die neue Adresse."),
    "gesperrt": "Der Benutzer wurde gesperrt. Alle seine Sitzungen wurden beendet.",
    "entsperrt": "Der Benutzer wurde entsperrt.",
    "aktivierung": "Eine neue E-Mail zum Festlegen des Passwortes wurde versendet. Der vorherige Link ist damit ungültig.",
    "reset": "Eine E-Mail mit einem Link zum Festlegen eines neuen Passwortes wurde versendet.",
}
MSG = {
    "vorname_missing": "Bitte geben Sie den Vornamen ein.",
    "vorname_bad": "Der Vorname darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.",
    "name_missing": "Bitte geben Sie den Namen ein.",
    "name_bad": "Der Name darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.",
    "email_missing": "Bitte geben Sie die E-Mail-Adresse ein.",
    "email_bad": "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@organisation.de).",
    "gruppe_missing": "Bitte wählen Sie mindestens ein Gruppenpostfach aus.",
    "gruppe_unknown": "Unbekanntes Gruppenpostfach.",
    "recht_unknown": "Unbekanntes Recht.",
    "terms": "Bitte bestätigen Sie, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind.",
}


def requires_msg(right):
    return f"Das Recht „{LABEL[right]}“ setzt das Recht „{LABEL['anspruchsberechtigte']}“ voraus."


def unavailable_msg(right):
    return f"Das Recht „{LABEL[right]}“ steht Ihrer Organisation nicht zur Verfügung."


@contextlib.contextmanager
def case(**context):
    """Like TestCase.subTest, but a failure ends the test with the context in the message: run.py's result
    does not report failed subtests."""
    try:
        yield
    except AssertionError as e:
        raise AssertionError(f"{context}: {e}") from None


class SB:
    password = None

    def __repr__(self):
        return f"<SB {self.kennung} {self.vorname} {self.name}>"


def email():
    return f"sb{mv.uid()}@example.org"


def form(vorname, name, mail, gruppen=("Beihilfe",), rechte=(), terms=True, extra=()):
    f = [("vorname", vorname), ("name", name), ("email", mail)]
    f += [("gruppe", g) for g in gruppen]
    f += [("recht", r) for r in rechte]
    if terms:
        f.append(("nutzungsbedingungen", "1"))
    f += list(extra)
    return f


def create(client, vorname="Erika", name=None, mail=None, gruppen=("Beihilfe",), rechte=(), extra=()):
    """Creates a Sachbearbeiter through the web form; returns an SB (asserts success)."""
    s = SB()
    s.vorname, s.name = vorname, name or f"Muster{mv.uid()}"
    s.email = mail or email()
    s.gruppen, s.rechte = list(gruppen), list(rechte)
    r = client.post("/sachbearbeiter/neu", form(s.vorname, s.name, s.email, gruppen, rechte, extra=extra), json=False)
    m = re.fullmatch(r"/sachbearbeiter/(%s)\?angelegt=1" % KENNUNG_RE, r.location or "") if r.status == 303 else None
    if not m:
        raise AssertionError(f"creating a Sachbearbeiter failed: {r!r}")
    s.kennung = m.group(1)
    mv.EMAIL_OF[s.kennung] = s.email
    return s


def activate(s, link=None):
    """Sets the password through the activation link of the (first unread) mail."""
    s.password = mv.new_password()
    link = link or mv.link_from(mv.wait_mail(s.email, mv.SUBJ_SETPW), "/passwort-setzen")
    r = mv.set_password_via_link(mv.Client(), link, s.password)
    if (r.status, r.location) != (303, "/anmelden?grund=passwort-gesetzt"):
        raise AssertionError(f"activation of {s!r} failed: {r!r}")
    mv.wait_mail(s.email, mv.SUBJ_CHANGED)
    return s


def login(s, client=None):
    return mv.login(s.kennung, s.password, s.email, client)


def details(client, kennung):
    r = client.get(f"/sachbearbeiter/{kennung}", json=True)
    if r.status != 200:
        raise AssertionError(f"details of {kennung}: {r!r}")
    return r.json()


def listing(client, query=""):
    r = client.get("/sachbearbeiter" + (("?" + query) if query else ""), json=True)
    if r.status != 200:
        raise AssertionError(f"overview {query}: {r!r}")
    return r.json()


# (every cell names its column in data-label: see test_ux_details)
ROW_RE = re.compile(r'<tr><td[^>]*><a href="/sachbearbeiter/(%s)">(.*?)</a></td><td[^>]*>(.*?)</td><td[^>]*>(%s)</td>'
                    r'<td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>' % (KENNUNG_RE, KENNUNG_RE), re.S)


def html_rows(text):
    """[(kennung, name, vorname, gruppen text, status text)] of the overview table."""
    out = []
    for k, name, vorname, k2, gruppen, status in ROW_RE.findall(text):
        assert k == k2, (k, k2)
        out.append((k, htmllib.unescape(name), htmllib.unescape(vorname), htmllib.unescape(gruppen),
                    htmllib.unescape(status)))
    return out


def li_texts(text):
    """Text of every list item, tags removed."""
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", x)).strip() for x in re.findall(r"<li>(.*?)</li>", text, re.S)]


def range_text(text):
    m = re.search(r'<p aria-live="polite">(\d+ - \d+ von \d+)</p>', text)
    return m.group(1) if m else None


def protokoll(client, kennung=None):
    r = client.get("/protokoll" + (f"?kennung={kennung}" if kennung else ""), json=True)
    if r.status != 200:
        raise AssertionError(f"/protokoll: {r!r}")
    return r.json()["eintraege"]


def audit_cli(pnr, kennung=None):
    args = ["--json", "audit", "--pnr", pnr] + (["--kennung", kennung] if kennung else [])
    r = mv.mvctl(*args)
    if r.rc != 0:
        raise AssertionError(f"mvctl audit failed: {r!r}")
    return r.json()


def restrict(pnr, off=None, on=None):
    args = ["--json", "org", "restrict", "--pnr", pnr] + (["--off", off] if off else []) + (["--on", on] if on else [])
    r = mv.mvctl(*args)
    if r.rc != 0:
        raise AssertionError(f"mvctl org restrict failed: {r!r}")
    return r.json()


def dev_seed(users):
    """A new organisation with `users` generated Sachbearbeiter (mvctl dev seed); returns an mv.Org."""
    env = dict(os.environ)
    env.update(mv.SHORT)
    env["MV_DEV_MODE"] = "1"
    last = None
    for _ in range(5):
        pnr = str(10_000_000 + secrets.randbelow(89_000_000))
        p = subprocess.run([mv.MVCTL, "--json", "dev", "seed", "--orgs", "1", "--users", str(users), "--pnr", pnr],
                           capture_output=True, text=True, env=env, timeout=120)
        if p.returncode == 0:
            assert jsonlib.loads(p.stdout) == [pnr], p.stdout
            o = mv.Org()
            o.pnr, o.abr, o.name, o.bereich = pnr, str(int(pnr) + 500000), f"Lastgemeinde {pnr}", "Beamtenversorgung"
            o.line = f"{o.name} (Beamtenversorgung) (PNR: {o.pnr}, Abr: {o.abr})"
            return o
        last = p
    raise AssertionError(f"mvctl dev seed failed: {last.stdout}{last.stderr}")


def admin_session(org=None, **kw):
    """A ready administrator (of `org` or a new organisation) and a logged-in HTML client."""
    a = mv.ready_admin(org=org, **kw) if org else mv.ready_admin(**kw)
    return a, mv.login_admin(a)


def mail_barrier(client):
    """Queues a mail after everything done so far (a new Sachbearbeiter of the client's organisation) and waits
    for it: the mailer sends the outbox in order, so every mail queued before has been delivered by then."""
    s = create(client, vorname="Marker", name=f"Zzmarker{mv.uid()}")
    mv.wait_mail(s.email, mv.SUBJ_SETPW)
    return s
