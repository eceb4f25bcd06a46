#!/usr/bin/env python3
"""Static check (part of `make check`): an argument of h_printf is HTML-escaped, so a string
literal passed as an argument must not hold markup (quotes, <, &): such a literal comes out
escaped (e.g. class=&quot;x&quot;). Markup belongs in the format or in h_raw."""
import glob, re, sys

bad = 0
for path in sorted(glob.glob("fcgi/*.c")):
    s = open(path, encoding="utf-8").read()
    for m in re.finditer(r"\bh_printf\(", s):
        i = j = m.end()
        depth = 1
        while depth and j < len(s):
            c = s[j]
            if c == '"':
                j += 1
                while s[j] != '"':
                    j += 2 if s[j] == "\\" else 1
            elif c == "'":
                j += 1
                while s[j] != "'":
                    j += 2 if s[j] == "\\" else 1
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            j += 1
        call = s[i:j]
        rest = call[call.index(",") + 1:].lstrip()
        fmt = re.match(r'("(?:[^"\\]|\\.)*"\s*)+', rest)
        args = rest[fmt.end():] if fmt else rest
        for lit in re.findall(r'"((?:[^"\\]|\\.)*)"', args):
            if '\\"' in lit or "<" in lit or "&" in lit:
                line = s[:m.start()].count("\n") + 1
                print(f"{path}:{line}: markup in an escaped h_printf argument: {lit[:60]}")
                bad += 1
sys.exit(1 if bad else 0)
