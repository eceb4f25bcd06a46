#!/usr/bin/python3
"""Local SMTP sink for the development and test stack of "Meine Versorgung".

Listens on 127.0.0.1 only:
  * SMTP (aiosmtpd): every message is accepted and stored, byte for byte, in a
    Maildir, preceded by a few "X-Sink-*" lines that record the envelope
    (sender, recipients) and the time of receipt.
  * HTTP: a small viewer for people (German labels) and a JSON API for tests:
      GET    /                     list, newest first
      GET    /msg/<key>            one message: headers and decoded text body
      GET    /raw/<key>            the message as received (text/plain)
      POST   /alle-loeschen        empty the Maildir (button on the list page)
      GET    /api/messages         [{"id","to","from","subject","date","body",
                                     "raw_headers", ...}], oldest first;
                                    optional ?to=ADDRESS filters by envelope
                                    recipient (case-insensitive)
      GET    /api/messages/<key>   one message as JSON
      DELETE /api/messages         empty the Maildir -> {"deleted": n}
      DELETE /api/messages/<key>   remove one message

Only the standard library and aiosmtpd (Debian: python3-aiosmtpd) are used.
Stops cleanly on SIGTERM and SIGINT.
"""

import argparse
import email
import email.policy
import html
import http.server
import json
import mailbox
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone

from aiosmtpd.controller import Controller

META_PREFIX = b"X-Sink-"
CRLF = b"\r\n"


def log(text):
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sys.stderr.write(f"{stamp} mailsink[{os.getpid()}] {text}\n")
    sys.stderr.flush()


def clean_meta(value):
    """Envelope values go into header-like lines: no CR, LF or NUL."""
    return re.sub(r"[\r\n\x00]", "", value)


# --------------------------------------------------------------------------
# Storage


class SinkHandler:
    """aiosmtpd handler: store every message in the Maildir."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        received = datetime.now(timezone.utc)
        lines = [
            b"X-Sink-Received-At: "
            + received.strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode(),
            b"X-Sink-Seq: " + str(time.time_ns()).encode(),
            b"X-Sink-Envelope-From: "
            + clean_meta(envelope.mail_from or "").encode("utf-8", "replace"),
        ]
        for rcpt in envelope.rcpt_tos:
            lines.append(
                b"X-Sink-Envelope-To: " + clean_meta(rcpt).encode("utf-8", "replace")
            )
        content = envelope.original_content or envelope.content
        if isinstance(content, str):  # only with decode_data=True; not used
            content = content.encode("utf-8", "surrogateescape")
        data = CRLF.join(lines) + CRLF + content
        with self.lock:
            key = mailbox.Maildir(self.maildir, create=True).add(data)
        log(f"stored {key} from={envelope.mail_from!r} to={envelope.rcpt_tos!r}")
        return "250 Message accepted for delivery"


def split_meta(data):
    """Split the stored bytes into (meta dict, original message bytes)."""
    meta = {"received_at": "", "seq": 0, "mail_from": "", "rcpt": []}
    while data.startswith(META_PREFIX):
        end = data.find(b"\n")
        if end < 0:
            break
        line = data[:end].rstrip(b"\r").decode("utf-8", "replace")
        data = data[end + 1:]
        name, _, value = line.partition(":")
        value = value.strip()
        name = name[len("X-Sink-"):].lower()
        if name == "received-at":
            meta["received_at"] = value
        elif name == "seq":
            try:
                meta["seq"] = int(value)
            except ValueError:
                pass
        elif name == "envelope-from":
            meta["mail_from"] = value
        elif name == "envelope-to":
            meta["rcpt"].append(value)
    return meta, data


def header_block(raw):
    """The raw header block of a message (up to the first empty line)."""
    cut = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    end = min(cut) if cut else len(raw)
    return raw[:end].decode("utf-8", "replace")


def safe_header(msg, name):
    try:
        value = msg[name]
    except Exception:  # malformed header: fall back to the raw value
        value = msg.get_all(name, [""])
        value = value[0] if value else ""
    return "" if value is None else str(value)


def text_body(msg):
    """Decoded text/plain body (or the text of the best part there is)."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is None:
        if msg.is_multipart():
            return ""
        part = msg
    try:
        content = part.get_content()
    except Exception:
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            content = payload.decode(charset, "replace")
        except LookupError:
            content = payload.decode("utf-8", "replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return content.replace("\r\n", "\n")


def attachments(msg):
    result = []
    try:
        parts = list(msg.iter_attachments())
    except Exception:
        return result
    for part in parts:
        payload = part.get_payload(decode=True) or b""
        result.append(
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(payload),
            }
        )
    return result


def load(maildir, key):
    """One message as a dict; None when it is gone."""
    try:
        data = mailbox.Maildir(maildir, create=False).get_bytes(key)
    except (KeyError, FileNotFoundError):
        return None
    meta, raw = split_meta(data)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return {
        "id": key,
        "to": ", ".join(meta["rcpt"]),
        "rcpt": meta["rcpt"],
        "from": safe_header(msg, "From") or meta["mail_from"],
        "envelope_from": meta["mail_from"],
        "header_to": safe_header(msg, "To"),
        "subject": safe_header(msg, "Subject"),
        "date": meta["received_at"],
        "header_date": safe_header(msg, "Date"),
        "body": text_body(msg),
        "attachments": attachments(msg),
        "raw_headers": header_block(raw),
        "raw": raw.decode("utf-8", "replace"),
        "_seq": meta["seq"],
    }


def load_all(maildir):
    box = mailbox.Maildir(maildir, create=False)
    result = []
    for key in box.keys():
        item = load(maildir, key)
        if item is not None:
            result.append(item)
    result.sort(key=lambda m: (m["_seq"], m["date"], m["id"]))
    return result


def public(item):
    return {k: v for k, v in item.items() if not k.startswith("_")}


def delete_all(maildir):
    box = mailbox.Maildir(maildir, create=False)
    count = 0
    for key in list(box.keys()):
        try:
            box.remove(key)
            count += 1
        except (KeyError, FileNotFoundError):
            pass
    return count


# --------------------------------------------------------------------------
# HTTP

PAGE = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #1a1a1a; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: .4em .6em; border-bottom: 1px solid #ccc; vertical-align: top; }}
pre {{ white-space: pre-wrap; background: #f5f5f5; padding: 1em; }}
dt {{ font-weight: bold; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def local_time(iso):
    try:
        stamp = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return iso
    return stamp.replace(tzinfo=timezone.utc).astimezone().strftime("%d.%m.%Y %H:%M:%S")


URL_RE = re.compile(r"https?://[^\s<>\"']+")


def linkify(text):
    """HTML-escape text; make http(s) URLs clickable."""
    out = []
    pos = 0
    for match in URL_RE.finditer(text):
        out.append(html.escape(text[pos:match.start()]))
        url = match.group(0)
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        pos = match.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def guarded(method):
    """Answer 500 instead of dropping the connection when a handler fails."""

    def wrapper(self):
        try:
            method(self)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # report, keep serving
            log(f"error in {self.command} {self.path}: {exc!r}")
            try:
                self.send_json(500, {"error": "internal error"})
            except OSError:
                pass

    return wrapper


class ViewerHandler(http.server.BaseHTTPRequestHandler):
    server_version = "mailsink"
    sys_version = ""
    maildir = ""

    def log_message(self, fmt, *args):  # keep the log quiet (tests poll)
        pass

    # -- helpers
    def send(self, status, body, ctype="text/html; charset=utf-8", extra=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, obj):
        self.send(status, json.dumps(obj, ensure_ascii=False), "application/json; charset=utf-8")

    def page(self, status, title, body):
        self.send(status, PAGE.format(title=html.escape(title), body=body))

    def not_found(self):
        if self.path.startswith("/api/"):
            self.send_json(404, {"error": "not found"})
        else:
            self.page(404, "Nicht gefunden", "<h1>Nicht gefunden</h1><p><a href=\"/\">Zur Liste</a></p>")

    def route(self):
        parsed = urllib.parse.urlsplit(self.path)
        return parsed.path, urllib.parse.parse_qs(parsed.query)

    # -- methods
    def do_HEAD(self):
        self.do_GET()

    @guarded
    def do_GET(self):
        path, query = self.route()
        if path == "/":
            return self.list_page()
        if path == "/api/messages":
            items = load_all(self.maildir)
            wanted = [t.lower() for t in query.get("to", [])]
            if wanted:
                items = [m for m in items if any(r.lower() in wanted for r in m["rcpt"])]
            return self.send_json(200, [public(m) for m in items])
        for prefix, handler in (
            ("/api/messages/", self.api_one),
            ("/msg/", self.message_page),
            ("/raw/", self.raw_page),
        ):
            if path.startswith(prefix):
                return handler(urllib.parse.unquote(path[len(prefix):]))
        return self.not_found()

    @guarded
    def do_DELETE(self):
        path, _ = self.route()
        if path == "/api/messages":
            return self.send_json(200, {"deleted": delete_all(self.maildir)})
        if path.startswith("/api/messages/"):
            key = urllib.parse.unquote(path[len("/api/messages/"):])
            try:
                mailbox.Maildir(self.maildir, create=False).remove(key)
            except (KeyError, FileNotFoundError):
                return self.send_json(404, {"error": "not found"})
            return self.send_json(200, {"deleted": 1})
        return self.not_found()

    @guarded
    def do_POST(self):
        path, _ = self.route()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        if path == "/alle-loeschen":
            delete_all(self.maildir)
            return self.send(303, "", extra={"Location": "/"})
        return self.not_found()

    # -- pages
    def api_one(self, key):
        item = load(self.maildir, key)
        if item is None:
            return self.not_found()
        return self.send_json(200, public(item))

    def raw_page(self, key):
        item = load(self.maildir, key)
        if item is None:
            return self.not_found()
        return self.send(200, item["raw"], "text/plain; charset=utf-8")

    def list_page(self):
        items = list(reversed(load_all(self.maildir)))
        parts = [f"<h1>Empfangene E-Mails ({len(items)})</h1>"]
        if not items:
            parts.append("<p>Keine E-Mails.</p>")
        else:
            parts.append(
                '<form method="post" action="/alle-loeschen">'
                '<button type="submit">Alle E-Mails löschen</button></form>'
            )
            parts.append(
                "<table><thead><tr><th>Empfangen</th><th>An</th><th>Betreff</th>"
                "</tr></thead><tbody>"
            )
            for m in items:
                href = "/msg/" + urllib.parse.quote(m["id"], safe="")
                parts.append(
                    "<tr><td>{}</td><td>{}</td><td><a href=\"{}\">{}</a></td></tr>".format(
                        html.escape(local_time(m["date"])),
                        html.escape(m["to"]),
                        html.escape(href),
                        html.escape(m["subject"] or "(kein Betreff)"),
                    )
                )
            parts.append("</tbody></table>")
        self.page(200, "Empfangene E-Mails", "\n".join(parts))

    def message_page(self, key):
        m = load(self.maildir, key)
        if m is None:
            return self.not_found()
        rows = [
            ("Empfangen", local_time(m["date"])),
            ("Von", m["from"]),
            ("An (Umschlag)", m["to"]),
            ("An (Kopfzeile)", m["header_to"]),
            ("Betreff", m["subject"]),
        ]
        body = [f"<p><a href=\"/\">&larr; Zur Liste</a></p><h1>{html.escape(m['subject'] or '(kein Betreff)')}</h1><dl>"]
        for label, value in rows:
            body.append(f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>")
        body.append("</dl>")
        body.append(f"<pre>{linkify(m['body'])}</pre>")
        if m["attachments"]:
            body.append("<h2>Anhänge</h2><ul>")
            for att in m["attachments"]:
                body.append(
                    "<li>{} ({}, {} Bytes)</li>".format(
                        html.escape(att["filename"] or "(ohne Namen)"),
                        html.escape(att["content_type"]),
                        att["size"],
                    )
                )
            body.append("</ul>")
        raw_href = "/raw/" + urllib.parse.quote(m["id"], safe="")
        body.append(f'<p><a href="{html.escape(raw_href)}">Rohdaten anzeigen</a></p>')
        self.page(200, m["subject"] or "E-Mail", "\n".join(body))


# --------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--maildir", required=True)
    args = parser.parse_args()

    maildir = os.path.abspath(args.maildir)
    # mailbox.Maildir(create=True) leaves an existing, empty directory alone;
    # make sure the three Maildir subdirectories are there.
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(maildir, sub), mode=0o700, exist_ok=True)

    controller = Controller(
        SinkHandler(maildir),
        hostname="127.0.0.1",
        port=args.smtp_port,
        decode_data=False,
        enable_SMTPUTF8=True,
        data_size_limit=64 * 1024 * 1024,
    )
    controller.start()

    ViewerHandler.maildir = maildir
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", args.http_port), ViewerHandler)
    httpd.daemon_threads = True
    web = threading.Thread(target=httpd.serve_forever, name="http", daemon=True)
    web.start()
    log(f"listening: smtp 127.0.0.1:{args.smtp_port}, http 127.0.0.1:{args.http_port}, maildir {maildir}")

    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.wait(0.5):
        pass
    log("stopping")
    httpd.shutdown()
    httpd.server_close()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
