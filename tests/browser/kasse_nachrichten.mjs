// kasse_nachrichten.mjs — the fund clerk's messages (SPEC §15 /kasse/nachrichten) in the browser, keyboard
// only, every state through axe-core and html-validate, every page at 320 px. Registered by run.mjs, which
// passes its helpers in `h`.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export default function register(h) {
  const { test, BASE, ART, mvctl, sql, next, activate, loginWithTan, visit, check, submit, tabTo, tabType, tabPress,
    tabFollow, tabChoose, tabFile, adminSession, createSb, noSidewaysScrolling } = h;

  test("Kasse (fach): inbox with filters, a message with its document, unread again, reply and new message with documents; 320 px (keyboard only)", async (page, context) => {
    // an organisation whose Sachbearbeiterin wrote to the Kasse from the group Beihilfe with a PDF
    const a = await adminSession(page);
    const sb = await createSb(page, { gruppen: [0] });
    const betreff = `Antrag ${next()}`;
    sql(`INSERT INTO nachricht (org_id, gruppe, ordner, absender, absender_konto_id, betreff, text, anhaenge, erstellt) ` +
      `SELECT o.id, 0, 'gesendet', 'Sabine Sachlich', a.id, '${betreff}', 'Bitte um Prüfung.', 1, NOW() FROM organisation o ` +
      `JOIN account a ON a.org_id = o.id AND a.kennung = '${sb.kennung}' WHERE o.pnr = '${a.pnr}'`);
    sql(`INSERT INTO anhang (nachricht_id, dateiname, typ, groesse, daten) SELECT MAX(id), 'antrag.pdf', 'application/pdf', 40, ` +
      `'%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n' FROM nachricht WHERE betreff = '${betreff}'`);
    const pdf = path.join(ART, "kasse-bescheid.pdf");
    mkdirSync(ART, { recursive: true });
    writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
    await context.clearCookies();
    // the fund clerk: from here on the keyboard only
    const k = { email: `fach${next()}@example.org`, password: `Quitte-${next()}-Feige!` };
    k.kennung = JSON.parse(mvctl("--json", "kasse", "add", "--vorname", "Frieda", "--name", "Fach", "--email", k.email,
      "--rolle", "fach")).nutzerkennung;
    await activate(page, k);
    await loginWithTan(page, k, 0);
    await tabFollow(page, "a[href='/kasse/nachrichten']", "Kasse: Nachrichten");
    await tabType(page, "#filter-pnr", a.pnr);
    await tabChoose(page, "#filter-gruppe", "Beihilfe");
    await tabPress(page, "#filter-ungelesen", "Space");
    await tabPress(page, "form.filter button[type=submit]", "Enter", "Kasse: Nachrichten gefiltert");
    const rows = await page.$$eval("table.list tbody tr", (trs) => trs.map((tr) => tr.textContent));
    if (rows.length !== 1 || !rows[0].includes(betreff) || !rows[0].includes("ungelesen") || !rows[0].includes(`PNR: ${a.pnr}`))
      throw new Error(`filtered inbox: ${JSON.stringify(rows)}`);
    await visit(page, "/kasse/nachrichten?pnr=1&von=31.02.2026", "Kasse: Nachrichten, Filter mit Fehlern");
    await page.goBack();
    await tabFollow(page, "table.list tbody a", "Kasse: Nachricht");
    await tabTo(page, "ul.attachments a");
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    if (download.suggestedFilename() !== "antrag.pdf") throw new Error(`download name ${download.suggestedFilename()}`);
    if (!(await page.textContent("main")).includes("Frieda Fach am")) throw new Error("not marked read");
    await tabPress(page, "main form[action$='/ungelesen'] button", "Enter", "Kasse: wieder ungelesen");
    if (!(await page.textContent("main")).includes("wieder als ungelesen markiert")) throw new Error("no note");
    await tabFollow(page, "table.list tbody a", "Kasse: Nachricht (wieder)");
    await tabFollow(page, "a[href*='antwort=']", "Kasse: Antworten");
    await tabType(page, "#f-nachricht", "Geprüft, anbei der Bescheid.");
    await tabFile(page, "#f-anhang", pdf);
    await tabPress(page, "main button[type=submit]", "Enter", "Kasse: Antwort gesendet");
    if (!(await page.textContent("main")).includes("Ihre Nachricht wurde an die Organisation gesendet."))
      throw new Error("reply not confirmed");
    // Neue Nachricht: first with errors, then to the group Beihilfe with a document
    await tabFollow(page, "a[href='/kasse/nachrichten/neu']", "Kasse: Neue Nachricht");
    await tabPress(page, "#f-pnr", "Enter", "Kasse: Neue Nachricht mit Fehlern");
    await tabType(page, "#f-pnr", a.pnr);
    await tabChoose(page, "#f-gruppe", "Beihilfe");
    await tabType(page, "#f-betreff", "Rundschreiben");
    await tabType(page, "#f-nachricht", "Bitte beachten Sie das Rundschreiben.");
    await tabFile(page, "#f-anhang", pdf);
    await tabPress(page, "main button[type=submit]", "Enter", "Kasse: Neue Nachricht gesendet");
    const list = JSON.parse(mvctl("--json", "message", "list", "--pnr", a.pnr)).filter((m) => m.richtung === "an_mitglied");
    const got = list.map((m) => `${m.postfach}|${m.betreff}|${m.anhaenge}`).sort().join();
    if (got !== `beihilfe|AW: ${betreff}|1,beihilfe|Rundschreiben|1`) throw new Error(`stored: ${got}`);
    // 320 px: the inbox and everything it links to, the forms with errors
    const pages = await noSidewaysScrolling(page, "Kasse (fach)", ["/kasse/nachrichten"],
      ["/kasse/nachrichten/neu", `/kasse/nachrichten?pnr=${a.pnr}`, "/kasse/nachrichten?pnr=1"]);
    for (const p of ["/kasse/nachrichten", "/kasse/nachrichten/neu"])
      if (!pages.includes(p)) throw new Error(`${p} not reached at 320 px (${pages.join(" ")})`);
    if (!pages.some((p) => /^\/kasse\/nachrichten\/\d+$/.test(p))) throw new Error(`no message at 320 px (${pages.join(" ")})`);
  });
}
