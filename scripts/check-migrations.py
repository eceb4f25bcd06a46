#!/usr/bin/env python3
"""Each migration only adds (README "Upgrades", the expand/contract rule), so that the old and the
new binary can run side by side while an upgrade rolls across the hosts:

  allowed   CREATE TABLE [IF NOT EXISTS], CREATE [UNIQUE] INDEX, ALTER TABLE ... ADD COLUMN / ADD INDEX /
            ADD [UNIQUE] KEY / ADD CONSTRAINT (every clause an ADD; a NOT NULL column has a DEFAULT, or
            the old binary's INSERTs fail), INSERT [IGNORE] of catalogue rows
  refused   DROP, RENAME, MODIFY / CHANGE / ALTER COLUMN, TRUNCATE, DELETE, UPDATE, REPLACE, any other
            statement

A statement that must do more (a backfill of a column this very migration adds, a column widened,
a column removed two releases after the last binary that read it) is reviewed and carries the
comment line "-- reviewed: <why the old binary still works>" directly above it. Statements of
the migrations written before the rule are listed in LEGACY with the same reason.

usage: scripts/check-migrations.py [SQL_DIR ...]   (default: sql/); exit 1 on a refused statement.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (file, first words of the statement) -> why the old binary keeps working
LEGACY = {
    ("002_sachbearbeiter.sql", "ALTER TABLE audit_log MODIFY detail"):
        "widens a column: the old binary writes shorter values",
    ("004_overview_index.sql", "ALTER TABLE account DROP INDEX ix_account_org_list"):
        "replaces an index in one statement; no binary names an index",
    ("005_sb_count.sql", "UPDATE organisation o SET sb_anzahl"):
        "fills the column sb_anzahl the same migration adds",
}

ADD_CLAUSE = re.compile(r"^ADD\s+(COLUMN|INDEX|KEY|UNIQUE|CONSTRAINT|FULLTEXT|SPATIAL|FOREIGN|PRIMARY|IF\s|\()", re.I)


def statements(text):
    """(line number, statement, reviewed) per statement; comments and string literals kept apart."""
    out, cur, start, reviewed, last_comment = [], [], None, False, ""
    i, line, quote = 0, 1, None
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif text.startswith("--", i) or c == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            last_comment = text[i:end]
            if not "".join(cur).strip() and re.match(r"--\s*reviewed:\s*\S", last_comment):
                reviewed = True
            i = end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i)
            i = len(text) if end < 0 else end + 2
            continue
        elif c == ";":
            stmt = " ".join("".join(cur).split())
            if stmt:
                out.append((start, stmt, reviewed))
            cur, start, reviewed = [], None, False
        else:
            if c in "'\"`":
                quote = c
            if start is None and not c.isspace():
                start = line
            cur.append(c)
        if c == "\n":
            line += 1
        i += 1
    stmt = " ".join("".join(cur).split())
    if stmt:
        out.append((start, stmt, reviewed))
    return out


def split_clauses(s):
    """The top-level comma-separated clauses of an ALTER TABLE (parentheses and quotes respected)."""
    parts, depth, cur, quote = [], 0, [], None
    for c in s:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"`":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(c)
    parts.append("".join(cur).strip())
    return parts


def verdict(stmt):
    """None if the statement only adds, else why it is refused."""
    u = stmt.upper()
    if re.match(r"(SET|START TRANSACTION|BEGIN|COMMIT)\b", u):
        return None
    if re.match(r"CREATE\s+TABLE\b", u) or re.match(r"CREATE\s+(UNIQUE\s+|FULLTEXT\s+)?INDEX\b", u):
        return None
    if re.match(r"INSERT\s+(IGNORE\s+)?INTO\b", u):
        return None if " ON DUPLICATE KEY UPDATE" not in u else "INSERT ... ON DUPLICATE KEY UPDATE changes rows"
    m = re.match(r"ALTER\s+(ONLINE\s+|IGNORE\s+)?TABLE\s+(IF\s+EXISTS\s+)?[`\w.]+\s+(.*)$", stmt, re.I | re.S)
    if m:
        clauses = split_clauses(m.group(3))
        bad = [c for c in clauses if not ADD_CLAUSE.match(c)]
        if bad:
            return "ALTER TABLE with a clause that does not add: " + bad[0][:60]
        strict = [c for c in clauses if re.match(r"ADD\s+COLUMN\b", c, re.I) and re.search(r"\bNOT\s+NULL\b", c, re.I)
                  and not re.search(r"\b(DEFAULT|AUTO_INCREMENT|AS)\b", c, re.I)]
        if strict:
            return "a NOT NULL column without DEFAULT (the old binary's INSERTs would fail): " + strict[0][:60]
        return None
    return (stmt.split() or ["?"])[0].upper() + " statement (only CREATE, ALTER ... ADD and INSERT add)"


def check_dir(d):
    bad = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".sql"):
            continue
        with open(os.path.join(d, name), encoding="utf-8") as f:
            text = f.read()
        for line, stmt, reviewed in statements(text):
            why = verdict(stmt)
            if why is None or reviewed or any(name == f and stmt.startswith(p) for f, p in LEGACY):
                continue
            print(f"{os.path.join(d, name)}:{line}: migration does not only add: {why}\n"
                  f"    (README \"Upgrades\": old and new binary run side by side during a roll; a reviewed "
                  f"exception carries \"-- reviewed: <why the old binary still works>\" above it)")
            bad += 1
    return bad


def main(argv):
    dirs = argv[1:] or [os.path.join(ROOT, "sql")]
    bad = sum(check_dir(d) for d in dirs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
