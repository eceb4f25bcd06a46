#!/usr/bin/python3
"""Accounts and logged-in sessions for scripts/scan (Python standard library only).

Runs inside scripts/test-stack (MV_VAR_DIR, MV_HTTP_PORT, MV_SINK_HTTP_PORT exported) and builds on
the HTTP suite's helpers in tests/http/mv.py (mvctl, mail sink API, password + TAN login).

  scan-accounts.py seed FILE
      Organisation A: an administrator (the one the scanners log in as) and an activated
      Sachbearbeiter, so that the administrator's detail, edit, lock and password-mail forms exist;
      two more administrators whose mailed links stay unused ("Passwort festlegen" and
      "Nutzerkennung abrufen"), so that the public link pages can be scanned.
      Organisation B: an administrator and a Sachbearbeiter (the one the scanners log in as) with a
      personal message carrying a PDF and a group message, so that mailbox, message, reply and
      download pages exist. Writes the accounts (with their throwaway passwords) to FILE.
  scan-accounts.py login FILE admin|sb [WAPITI_COOKIE_JSON]
      Logs in with password and the TAN from the mail sink, prints "mv_sid=VALUE" and, if asked,
      writes the cookie in wapiti's JSON cookie-file format.

The accounts live only in the scan's throwaway stack."""

import json
import os
import sys

# never fall back to mv.py's default ports: they belong to `make test` stacks of other people
for _name in ("MV_VAR_DIR", "MV_HTTP_PORT", "MV_SINK_HTTP_PORT"):
    if not os.environ.get(_name):
        sys.exit(f"scan-accounts: {_name} is not set (run through scripts/scan)")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "http"))

import mv  # noqa: E402
import users_lib as ul  # noqa: E402


def seed(path):
    mv.clear_mail()
    # organisation A: the administrator under test and one Sachbearbeiter to act on
    admin_a = mv.ready_admin(vorname="Scan", name="Administratorin")
    c = mv.login_admin(admin_a)
    c.get("/sachbearbeiter/neu")
    target = ul.create(c, vorname="Ziel", name="Sachbearbeiter", gruppen=("Beihilfe", "Finanzierung"),
                       rechte=("anspruchsberechtigte", "kontaktdaten"))
    ul.activate(target)
    pending = mv.new_admin(org=admin_a.org, vorname="Offen", name="Einladung")
    setpw_link = mv.link_from(mv.wait_mail(pending.email, mv.SUBJ_SETPW), "/passwort-setzen")
    kennung_link = mv.activate(mv.new_admin(org=admin_a.org, vorname="Offen", name="Abruf"),
                               retrieve_kennung=False).kennung_link
    # organisation B: the Sachbearbeiter under test, with mail in the personal and a group mailbox
    admin_b = mv.ready_admin(vorname="Zweite", name="Administratorin")
    c = mv.login_admin(admin_b)
    c.get("/sachbearbeiter/neu")
    sb = ul.create(c, vorname="Scan", name="Sachbearbeiter", gruppen=("Beihilfe",))
    ul.activate(sb)
    pdf = os.path.join(mv.VAR, "scan-bescheid.pdf")
    with open(pdf, "wb") as f:
        f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    for args in (["--kennung", sb.kennung, "--betreff", "Ihr Bescheid", "--text", "Anbei der Bescheid.",
                  "--anhang", pdf],
                 ["--gruppe", "beihilfe", "--betreff", "Rundschreiben", "--text", "Bitte beachten Sie die Hinweise."]):
        r = mv.mvctl("message", "send", "--pnr", admin_b.org.pnr, *args)
        if r.rc != 0:
            raise AssertionError(f"mvctl message send failed: {r!r}")
    accounts = {
        "admin": {"kennung": admin_a.kennung, "password": admin_a.password, "email": admin_a.email,
                  "target": target.kennung},
        "sb": {"kennung": sb.kennung, "password": sb.password, "email": sb.email},
        "links": {"setpw": setpw_link, "kennung": kennung_link},
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(accounts, f, indent=1)
    print(f"scan-accounts: administrator {admin_a.kennung} (Sachbearbeiter {target.kennung} to act on), "
          f"Sachbearbeiter {sb.kennung} with 2 messages")


def login(path, role, cookie_json=None):
    with open(path) as f:
        acc = json.load(f)[role]
    mv.clear_mail()  # the newest TAN mail is then the one of this login
    mv.EMAIL_OF[acc["kennung"]] = acc["email"]
    c = mv.login(acc["kennung"], acc["password"], acc["email"], client=mv.Client(source_ip="127.0.0.1"))
    sid = c.cookies.get("mv_sid")
    if not sid:
        raise AssertionError(f"no session cookie after the login of {role}: {c.cookies!r}")
    if cookie_json:
        jar = {mv.HOST: {"/": {"mv_sid": {"value": sid, "expires": None, "secure": False, "port": None,
                                           "version": 0}}}}
        fd = os.open(cookie_json, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(jar, f)
    print(f"mv_sid={sid}")


def main(argv):
    if len(argv) == 3 and argv[1] == "seed":
        seed(argv[2])
    elif len(argv) in (4, 5) and argv[1] == "login" and argv[3] in ("admin", "sb"):
        login(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
