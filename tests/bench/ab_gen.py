"""Generated Anspruchsberechtigte for the benchmarks (tests/bench/bench_ab.py). Standard library only.

One pass writes the same persons twice: as the Kasse's import file (JSON Lines, DOMAIN.md §3) and
as the rows the import stores, in the tab-separated format of MariaDB's LOAD DATA (person,
lebenslauf, person_such; NULL as \\N), so that LOAD DATA of the TSV files is the baseline of the
import of the JSON file: same rows, same tables. Every person is `aktiv` with a Lebenslauf of 10
periods (the first person of a file optionally with more), plausible German names with umlauts,
full and part time, Elternzeit, a Beurlaubung, the last period open. Deterministic for a seed.

The filter keys follow fcgi/util.c: str_match_key ("Müller" → "mueller\\x1fmuller") and
text_trigrams (distinct three-character windows, none across the separator, each behind its tag
byte: 'n' for the name, 'v' for the Vorname, as for accounts).

usage (stand-alone): python3 ab_gen.py DIR PNR ORG_ID PERSONS [FIRST_ID]
"""
import datetime, hashlib, json, os, random, sys

NAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
         "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
         "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
         "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
         "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel",
         "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann",
         "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher",
         "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas",
         "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch",
         "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer", "Öztürk", "Yılmaz", "Nowak"]
VORNAMEN = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hans", "Ida", "Jonas", "Karla", "Lukas",
            "Mia", "Noah", "Olga", "Paul", "Jürgen", "Jörg", "Günther", "Björn", "Sören", "Käthe", "Maria", "Peter",
            "Sabine", "Thomas", "Ulrike", "Andrea", "Michael", "Stefanie", "Matthias", "Birgit", "Frank", "Petra",
            "Uwe", "Monika", "Ralf", "Susanne", "Jörn", "Hülya", "Zoë", "René", "Dörte", "Heiko", "Anke"]
ORTE = [("48143", "Münster"), ("44135", "Dortmund"), ("33602", "Bielefeld"), ("59065", "Hamm"),
        ("58095", "Hagen"), ("32423", "Minden"), ("33098", "Paderborn"), ("45657", "Recklinghausen")]
AEMTER = [("Stadtinspektorin", "A9"), ("Stadtoberinspektor", "A10"), ("Stadtamtfrau", "A11"),
          ("Stadtamtmann", "A11"), ("Stadtamtsrätin", "A12"), ("Verwaltungsrat", "A13"), ("Lehrerin", "A13"),
          ("Brandmeister", "A7"), ("Oberbrandmeisterin", "A8"), ("Obersekretär", "A7")]
FAMILIENSTAND = ["ledig", "verheiratet", "verwitwet", "geschieden", "eingetragene Lebenspartnerschaft"]
# Names that occur once per file (the first persons): a clerk looking for one person by name.
RARE = ["Quast", "Przybilla", "Oehlschläger"]

FOLD = {"ä": ("ae", "a"), "ö": ("oe", "o"), "ü": ("ue", "u"), "ß": ("ss", "ss"), "é": ("e", "e"),
        "è": ("e", "e"), "ë": ("e", "e"), "ı": ("ı", "ı")}


def match_key(s):
    """str_match_key for the characters of the lists above."""
    a, b = [], []
    for ch in s.lower():
        x, y = FOLD.get(ch, (ch, ch))
        a.append(x)
        b.append(y)
    a, b = "".join(a), "".join(b)
    return a if a == b else a + "\x1f" + b


def trigrams(key, tag):
    out = []
    for part in key.split("\x1f"):
        for i in range(len(part) - 2):
            g = tag + part[i:i + 3]
            if g not in out:
                out.append(g)
    return out


def tsv(v):
    if v is None:
        return "\\N"
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def iso(d):
    return d.isoformat() if d else None


def lebenslauf(rng, geb, periods):
    """periods non-overlapping periods from the 19th birthday on, the last one open."""
    zeit = [("AUSB", 1095, (41, 41), "FH für öffentliche Verwaltung NRW", "entschieden"),
            ("WEHR", 270, (41, 41), "Bundeswehr", "gesetzlich"),
            ("VORB", 730, (41, 41), None, "gesetzlich"),
            ("BEAMT", 1460, (41, 41), None, "gesetzlich"),
            ("EZ", 365, (41, 41), None, "gesetzlich"),
            ("BEAMT", 1095, (30, 41), None, "gesetzlich"),
            ("URLOB", 180, (41, 41), None, "gesetzlich"),
            ("BEAMT", 730, (20.5, 41), None, "gesetzlich"),
            ("SONST", 365, (1, 1), "Rechtsanwaltskanzlei", "offen"),
            ("BEAMT", 0, (41, 41), None, "gesetzlich")]
    start = geb.replace(year=geb.year + 19) if not (geb.month == 2 and geb.day == 29) else datetime.date(geb.year + 19, 3, 1)
    out = []
    for k in range(periods):
        z, days, umfang, herr, anerk = zeit[k % 10] if k < periods - 1 else zeit[9]
        days = max(30, days + rng.randint(-20, 20)) if k < periods - 1 else 0
        if periods > 10 and k < periods - 1:
            days = max(30, days // 4)
        ende = start + datetime.timedelta(days=days - 1) if days else None
        out.append({"beginn": iso(start), "ende": iso(ende), "zeitart": z, "umfang": list(umfang),
                    "dienstherr": herr or "Stadt Münster", "anerkennung": anerk})
        if ende:
            start = ende + datetime.timedelta(days=1 + (rng.randint(0, 60) if k % 4 == 3 else 0))
    return out


def person(rng, i, pnr, nr, periods=10):
    """The i-th generated person of a file: its import record (a dict in the file's key order)."""
    name = RARE[i] if i < len(RARE) else rng.choice(NAMES)
    if i >= len(RARE) and rng.random() < 0.05:
        name = name + "-" + rng.choice(NAMES)
    vorname = rng.choice(VORNAMEN)
    geb = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 20))
    plz, ort = rng.choice(ORTE)
    amt, bg = rng.choice(AEMTER)
    teil = rng.random() < 0.3
    fam = rng.choice(FAMILIENSTAND)
    ll = lebenslauf(rng, geb, periods)
    mail = f"{vorname}.{name}{i}@example.org".lower()
    mail = "".join(c if c.isascii() else "x" for c in mail)
    return {
        "pnr": pnr, "nr": nr, "art": "aktiv", "name": name, "vorname": vorname,
        "titel": "Dr." if rng.random() < 0.08 else None,
        "geburtsname": rng.choice(NAMES) if rng.random() < 0.2 else None,
        "geburtsdatum": iso(geb), "familienstand": fam,
        "familienstand_seit": iso(geb.replace(day=1) + datetime.timedelta(days=365 * 25)) if fam != "ledig" else None,
        "anschrift": {"strasse": f"{rng.choice(['Hauptstr.', 'Ludgeristr.', 'Am Markt', 'Kirchweg'])} {rng.randint(1, 120)}",
                      "plz": plz, "ort": ort, "land": "DE"},
        "telefon": f"0{rng.randint(200, 999)} {rng.randint(10000, 999999)}", "email": mail,
        "dienst": {"verhaeltnis": "lebenszeit", "amtsbezeichnung": amt, "besoldungsgruppe": bg,
                   "stufe": rng.randint(1, 8), "umfang": [30, 41] if teil else [41, 41],
                   "eintritt": ll[2]["beginn"],
                   "ruhestand_voraussichtlich": iso(datetime.date(geb.year + 67, geb.month, 1))},
        "versorgung": None,
        "lebenslauf": ll,
    }


def dec(x):
    return f"{x:.2f}"


def rows(p, pid, org_id, line):
    """The person's rows as the import stores them: (person TSV line, lebenslauf lines, person_such lines)."""
    a, d = p["anschrift"], p["dienst"]
    sn, sv = match_key(p["name"]), match_key(p["vorname"])
    inhalt = hashlib.md5(line.encode()).hexdigest()
    prow = [pid, org_id, p["nr"], p["art"], p["name"], p["vorname"], p["geburtsname"], p["titel"], p["geburtsdatum"],
            p["familienstand"], p["familienstand_seit"], a["strasse"], a["plz"], a["ort"], a["land"], p["telefon"],
            p["email"], d["verhaeltnis"], d["amtsbezeichnung"], d["besoldungsgruppe"], d["stufe"], dec(d["umfang"][0]),
            dec(d["umfang"][1]), d["eintritt"], d["ruhestand_voraussichtlich"], None, None, None, sn, sv, inhalt]
    ll = [[pid, k, x["beginn"], x["ende"], x["zeitart"], dec(x["umfang"][0]), dec(x["umfang"][1]), x["dienstherr"],
           x["anerkennung"]] for k, x in enumerate(p["lebenslauf"])]
    such = [[org_id, g, pid] for g in trigrams(sn, "n") + trigrams(sv, "v")]
    return ("\t".join(map(tsv, prow)) + "\n", ["\t".join(map(tsv, r)) + "\n" for r in ll],
            ["\t".join(map(tsv, r)) + "\n" for r in such])


# The column lists of the TSV files, for LOAD DATA (inhalt as hex).
PERSON_COLS = ("id, org_id, nr, art, name, vorname, geburtsname, titel, geburtsdatum, familienstand, familienstand_seit, "
               "strasse, plz, ort, land, telefon, email, dienst_verhaeltnis, dienst_amtsbezeichnung, "
               "dienst_besoldungsgruppe, dienst_stufe, dienst_stunden, dienst_regelstunden, dienst_eintritt, "
               "dienst_ruhestand_voraussichtlich, versorgung_art, versorgung_beginn, versorgung_bezug_nr, such_name, "
               "such_vorname, @inhalt")
LEBENSLAUF_COLS = "person_id, pos, beginn, ende, zeitart, stunden, regelstunden, dienstherr, anerkennung"
SUCH_COLS = "org_id, gram, person_id"


def nr_of(prefix, i):
    return f"{prefix}-{i:07d}"


def write(out_dir, pnr, org_id, persons, first_id=1, nr_prefix=None, long_periods=40, seed=12, jsonl=True):
    """Writes import.jsonl (if jsonl) and person.tsv, lebenslauf.tsv, person_such.tsv into out_dir for
    persons persons of organisation pnr (id org_id), person ids from first_id in file order; the first
    person has long_periods periods (0: 10 like all others). Returns the counts of rows per table."""
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(seed)
    nr_prefix = nr_prefix or f"P{pnr}"
    n = {"person": 0, "lebenslauf": 0, "person_such": 0, "bytes": 0}
    files = {k: open(os.path.join(out_dir, f"{k}.tsv"), "w", encoding="utf-8", newline="\n")
             for k in ("person", "lebenslauf", "person_such")}
    j = open(os.path.join(out_dir, "import.jsonl"), "w", encoding="utf-8", newline="\n") if jsonl else None
    try:
        for i in range(persons):
            p = person(rng, i, pnr, nr_of(nr_prefix, i), long_periods if (i == 0 and long_periods) else 10)
            line = json.dumps(p, ensure_ascii=False, separators=(",", ":"))
            if j:
                j.write(line + "\n")
            n["bytes"] += len(line.encode()) + 1
            pr, ll, such = rows(p, first_id + i, org_id, line)
            files["person"].write(pr)
            files["lebenslauf"].writelines(ll)
            files["person_such"].writelines(such)
            n["person"] += 1
            n["lebenslauf"] += len(ll)
            n["person_such"] += len(such)
    finally:
        for f in files.values():
            f.close()
        if j:
            j.close()
    return n


def write_jsonl_bytes(path, template, min_bytes):
    """An import file of at least min_bytes: copies of the import file template (whole lines), each
    copy's Nummern made unique by a prefix ("C1-P98001-0000000"); returns (persons, bytes)."""
    size = persons = 0
    with open(path, "wb") as out:
        k = 0
        while size < min_bytes:
            k += 1
            tag = f'"nr":"C{k}-'.encode()
            with open(template, "rb") as f:
                for line in f:
                    line = line.replace(b'"nr":"', tag, 1)
                    out.write(line)
                    size += len(line)
                    persons += 1
                    if size >= min_bytes:
                        break
    return persons, size


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__.strip().splitlines()[-1])
    print(write(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                int(sys.argv[5]) if len(sys.argv) == 6 else 1))
