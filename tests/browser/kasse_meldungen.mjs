// kasse_meldungen.mjs — the fund clerk's Meldungen and the read-only Anspruchsberechtigte (SPEC §15) in the
// browser, keyboard only, every state through axe-core and html-validate, every page at 320 px. Registered by
// run.mjs, which passes its helpers in `h`.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export default function register(h) {
  const { test, ART, mvctl, sql, next, activate, loginWithTan, visit, tabTo, tabType, tabPress, tabFollow, tabChoose,
    tabFile, adminSession, noSidewaysScrolling } = h;

  test("Kasse (fach): Meldungen queue with filters, a Meldung with its document, status changes with errors, text and document; Anspruchsberechtigte read-only; 320 px (keyboard only)", async (page, context) => {
    // an organisation with an official and a submitted Ernennung with its Urkunde (as the form stores them)
    const a = await adminSession(page);
    const nr = `KB-${next()}`;
    mkdirSync(ART, { recursive: true });
    const file = path.join(ART, `kasse-person-${nr}.jsonl`);
    writeFileSync(file, JSON.stringify({ pnr: a.pnr, nr, art: "aktiv", name: "Muster", vorname: "Erika",
      geburtsdatum: "1975-04-12", dienst: { verhaeltnis: "lebenszeit", amtsbezeichnung: "Stadtoberinspektorin",
        besoldungsgruppe: "A10", stufe: 6, umfang: [30, 41], eintritt: "2001-08-01" },
      lebenslauf: [{ beginn: "2001-08-01", ende: null, zeitart: "BEAMT", umfang: [30, 41], anerkennung: "gesetzlich" }] }) + "\n");
    mvctl("ab", "import", "--file", file);
    const werte = '{"anlass":"befoerderung","wirksam_ab":"2030-01-01","amtsbezeichnung":"Stadtamtsrätin","besoldungsgruppe":"A12","stufe":"5"}';
    sql(`INSERT INTO meldung (org_id, formular, person_nr, person_name, status, werte, anlagen, erstellt_von, erstellt_am, ` +
      `geaendert_am, eingereicht_am) SELECT id, 'ernennung', '${nr}', 'Muster, Erika', 'eingereicht', '${werte}', 1, ` +
      `'S201-BROWSER00001', NOW(), NOW(), NOW() FROM organisation WHERE pnr = '${a.pnr}'`);
    const id = sql(`SELECT MAX(id) FROM meldung WHERE person_nr = '${nr}'`).trim();
    const az = `BF201-2026-${id.padStart(6, "0")}`;
    sql(`UPDATE meldung SET aktenzeichen = '${az}' WHERE id = ${id}`);
    sql(`INSERT INTO meldung_verlauf (meldung_id, status, at, seite, von, von_name) VALUES (${id}, 'eingereicht', NOW(), ` +
      `'organisation', 'S201-BROWSER00001', 'Fenja Sachlich')`);
    sql(`INSERT INTO meldung_anlage (meldung_id, verlauf_id, seite, dateiname, typ, groesse, daten) SELECT ${id}, MAX(id), ` +
      `'organisation', 'urkunde.pdf', 'application/pdf', 40, '%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n' ` +
      `FROM meldung_verlauf WHERE meldung_id = ${id}`);
    const pdf = path.join(ART, "kasse-schreiben.pdf");
    writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
    await context.clearCookies();
    // the fund clerk: from here on the keyboard only
    const k = { email: `fachm${next()}@example.org`, password: `Quitte-${next()}-Mango!` };
    k.kennung = JSON.parse(mvctl("--json", "kasse", "add", "--vorname", "Maren", "--name", "Meldung", "--email", k.email,
      "--rolle", "fach")).nutzerkennung;
    await activate(page, k);
    await loginWithTan(page, k, 0);
    await tabFollow(page, "a[href='/kasse/meldungen']", "Kasse: Meldungen");
    await tabChoose(page, "#filter-status", "Eingereicht");
    await tabChoose(page, "#filter-formular", "Ernennung");
    await tabType(page, "#filter-pnr", a.pnr);
    await tabChoose(page, "#filter-reihenfolge", "Neueste");
    await tabPress(page, "form.filters button[type=submit]", "Enter", "Kasse: Meldungen gefiltert");
    const rows = await page.$$eval("table.list tbody tr", (trs) => trs.map((tr) => tr.textContent));
    if (rows.length !== 1 || !rows[0].includes(az) || !rows[0].includes(`PNR: ${a.pnr}`) || !rows[0].includes("Neu von der Organisation"))
      throw new Error(`filtered queue: ${JSON.stringify(rows)}`);
    await visit(page, "/kasse/meldungen?status=entwurf&pnr=1", "Kasse: Meldungen, Filter mit Fehlern");
    await page.goBack();
    await tabFollow(page, `table.list tbody a[href='/kasse/meldungen/${az}']`, "Kasse: Meldung");
    const main = await page.textContent("main");
    for (const want of ["Stadtamtsrätin", "Ernennung", `PNR: ${a.pnr}`, "Muster, Erika", "Fenja Sachlich"])
      if (!main.includes(want)) throw new Error(`the Meldung lacks ${want}`);
    await tabTo(page, "ul.documents a");
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    if (download.suggestedFilename() !== "urkunde.pdf") throw new Error(`download name ${download.suggestedFilename()}`);
    // a move with an error (Ablehnung without its reason), then In Bearbeitung, then a Rückfrage with a document
    await tabChoose(page, "#f-status", "Abgelehnt");
    await tabPress(page, "main form[action$='/status'] button[type=submit]", "Enter", "Kasse: Status mit Fehlern");
    if (!(await page.textContent("#f-text-fehler")).includes("Grund")) throw new Error("no error at the text");
    await tabChoose(page, "#f-status", "In Bearbeitung");
    await tabPress(page, "main form[action$='/status'] button[type=submit]", "Enter", "Kasse: In Bearbeitung");
    if (!(await page.textContent("main")).includes("Der Status wurde geändert.")) throw new Error("no confirmation");
    await tabChoose(page, "#f-status", "Rückfrage");
    await tabType(page, "#f-text", "Bitte die Urkunde beidseitig.");
    await tabFile(page, "#f-anlage", pdf);
    await tabPress(page, "main form[action$='/status'] button[type=submit]", "Enter", "Kasse: Rückfrage");
    const show = JSON.parse(mvctl("--json", "meldung", "show", "--az", az));
    if (show.status !== "rueckfrage" || show.anlagen.length !== 2) throw new Error(`stored: ${JSON.stringify(show)}`);
    if (!(await page.textContent("main")).includes("keine Änderung durch die Versorgungskasse möglich"))
      throw new Error("a Rückfrage waits for the organisation");
    // the Anspruchsberechtigte of the organisation, read-only
    await tabFollow(page, "a[href='/kasse/anspruchsberechtigte']", "Kasse: Anspruchsberechtigte");
    await tabType(page, "#filter-pnr", a.pnr);
    await tabPress(page, "form.filter button[type=submit]", "Enter", "Kasse: Anspruchsberechtigte einer Organisation");
    await tabFollow(page, `a[href='/kasse/anspruchsberechtigte/${a.pnr}:${nr}']`, "Kasse: Person");
    const person = await page.textContent("main");
    if (!person.includes("Lebenslauf") || person.includes("Kontaktdaten ändern")) throw new Error("not the read-only person page");
    const logged = sql(`SELECT COUNT(*) FROM ab_zugriff WHERE wer = '${k.kennung}' AND person_nr = '${nr}' AND aktenzeichen IS NULL`).trim();
    if (logged !== "1") throw new Error(`access log: ${logged}`);
    // 320 px: the queue, the Meldung, the lists and the person, the forms with errors
    const pages = await noSidewaysScrolling(page, "Kasse (fach) Meldungen",
      [`/kasse/meldungen?pnr=${a.pnr}`, `/kasse/meldungen/${az}`, `/kasse/anspruchsberechtigte/${a.pnr}:${nr}`],
      ["/kasse/meldungen?status=gibtsnicht", "/kasse/anspruchsberechtigte", "/kasse/anspruchsberechtigte?pnr=1"]);
    for (const p of [`/kasse/meldungen/${az}`, `/kasse/anspruchsberechtigte?pnr=${a.pnr}`])
      if (!pages.includes(p)) throw new Error(`${p} not reached at 320 px (${pages.join(" ")})`);
  });
}
