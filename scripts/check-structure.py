#!/usr/bin/env python3
"""Static check (part of `make check`): the shape of the C tree.
1. No C function in fcgi/ is longer than 80 lines (a function fits on a screen).
2. Includes point one way: entry points → pages → web → services → core. A file includes only
   headers of its own layer or below; a page never includes another page.
3. fcgi/web.c (the request path) stays at most 350 lines.
4. The README's code map names every file in fcgi/ and scripts/.
5. The route table says who may use each route (SPEC §15): a route behind a login carries a role
   flag (R_ADMIN, R_SB, R_MEMBER, R_PORTALADMIN, R_FACH) unless it is one of the few pages every
   account has; the Kasse's flags only on /kasse/ routes, and every /kasse/ route one of them."""
import glob, os, re, sys

MAX_FUNC, MAX_WEB = 80, 350
LAYERS = [  # lowest first; a module is a file name without .c/.h
    ("core", "util log config secret policy domain dienstzeit meldung abrecord router http html db metrics"),
    ("services", "audit mail access password messages meldungen retention ab_pos orgs"),
    ("web", "request response form layout pager message_parts session routes pages"),
    ("pages", "page_* cli* devseed"),
    ("entry", "web main mailer"),
]

def layer_of(module):
    for i, (_, names) in enumerate(LAYERS):
        for n in names.split():
            if n == module or (n.endswith("*") and module.startswith(n[:-1])):
                return i
    return None

bad = []
def note(msg):
    bad.append(msg)

def function_lengths(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if re.match(r"^[A-Za-z_].*\(", lines[i]) and not lines[i].rstrip().endswith(";"):
            j = i
            while j < len(lines) and not lines[j].startswith("{") and not lines[j].rstrip().endswith(";"):
                j += 1
            if j < len(lines) and lines[j].startswith("{"):
                k = j
                while k < len(lines) and not lines[k].startswith("}"):
                    k += 1
                yield i + 1, k - i + 1, lines[i]
                i = k
        i += 1

for path in sorted(glob.glob("fcgi/*.c")):
    for line, n, head in function_lengths(path):
        if n > MAX_FUNC:
            note(f"{path}:{line}: function of {n} lines (at most {MAX_FUNC}): {head.strip()[:60]}")

for path in sorted(glob.glob("fcgi/*.[ch]")):
    mod = os.path.splitext(os.path.basename(path))[0]
    mine = layer_of(mod)
    if mine is None:
        note(f"{path}: not in any layer of scripts/check-structure.py")
        continue
    for inc in re.findall(r'^#include "([a-z_]+)\.h"', open(path, encoding="utf-8").read(), re.M):
        theirs = layer_of(inc)
        if theirs is None or theirs > mine:
            note(f"{path}: includes {inc}.h from a higher layer ({LAYERS[mine][0]} → {LAYERS[theirs][0] if theirs is not None else '?'})")
        elif LAYERS[mine][0] == "pages" and theirs == mine and inc != mod and not (mod.startswith("cli") and inc == "cli"):
            note(f"{path}: a page includes another page's header {inc}.h")

n = sum(1 for _ in open("fcgi/web.c", encoding="utf-8"))
if n > MAX_WEB:
    note(f"fcgi/web.c: {n} lines (at most {MAX_WEB})")

EVERY_ACCOUNT = {"/", "/sitzung/verlaengern", "/einstellungen"}
WHO = {"R_ADMIN", "R_SB", "R_MEMBER", "R_PORTALADMIN", "R_FACH"}
for m in re.finditer(r'\{"(GET|POST)", "([^"]+)", \w+, ([A-Z_ |]+),', open("fcgi/routes.c", encoding="utf-8").read()):
    method, path, flags = m.group(1), m.group(2), {f.strip() for f in m.group(3).split("|")}
    kasse_route, kasse_flag = path.startswith("/kasse/") or path == "/kasse", bool(flags & {"R_PORTALADMIN", "R_FACH"})
    if "R_LOGIN" in flags and not flags & WHO and path not in EVERY_ACCOUNT:
        note(f"fcgi/routes.c: {method} {path} needs a login but names no role (R_ADMIN, R_SB, R_MEMBER, R_PORTALADMIN, R_FACH)")
    if kasse_route != kasse_flag:
        note(f"fcgi/routes.c: {method} {path}: the Kasse's flags belong to /kasse/ routes and every /kasse/ route needs one")
    if kasse_route and "R_LOGIN" not in flags:
        note(f"fcgi/routes.c: {method} {path}: a /kasse/ route needs R_LOGIN")

readme = open("README.md", encoding="utf-8").read()
for path in sorted(glob.glob("fcgi/*") + glob.glob("scripts/*") + glob.glob("scripts/lib/*")):
    if os.path.isdir(path):
        continue
    name = os.path.basename(path)
    stem, ext = os.path.splitext(name)
    alias = f"{stem}.c/.h" if ext in (".c", ".h") else name
    if name not in readme and alias not in readme and f"{stem}.c/h" not in readme:
        note(f"README.md: the code map does not name {path}")

for b in bad:
    print("structure:", b)
sys.exit(1 if bad else 0)
