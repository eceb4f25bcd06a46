// kasse_portaladmin.mjs — the Kasse's portal administrator (SPEC §15 "portaladmin") in the browser, keyboard
// only, every state through axe-core and html-validate, every page at 320 px: an organisation created (with a
// refused duplicate PNR), an administrator created and changed, a Funktionseinschränkung switched off, the
// Nutzerkennung look-up, the Protokoll (changes and access to personal data), Feedback und Support.
// Registered by run.mjs, which passes its helpers in `h`.

export default function register(h) {
  const { test, mvctl, next, activate, loginWithTan, visit, tabTo, tabType, tabPress, tabFollow, tabChoose,
    noSidewaysScrolling } = h;

  test("Kasse (portaladmin): organisation with errors, administrator created and changed, Funktionseinschränkung, Nutzerkennung, Protokoll, Feedback und Support; 320 px (keyboard only)", async (page) => {
    const taken = String(600000000 + next());
    mvctl("org", "add", "--name", `Vorhanden ${taken}`, "--bereich", "Beihilfe", "--pnr", taken, "--abr", "1");
    const k = { email: `portal${next()}@example.org`, password: `Birne-${next()}-Kiwi!` };
    k.kennung = JSON.parse(mvctl("--json", "kasse", "add", "--vorname", "Petra", "--name", "Portal", "--email", k.email,
      "--rolle", "portaladmin")).nutzerkennung;
    await activate(page, k);
    await loginWithTan(page, k, 0);
    // Organisation anlegen: first with a PNR that is taken
    await tabFollow(page, "a[href='/kasse/organisationen']", "Kasse: Organisationen");
    await tabFollow(page, "main a[href='/kasse/organisationen/neu']", "Kasse: Organisation anlegen");
    const pnr = String(610000000 + next());
    await tabType(page, "#f-name", "Mäuserast");
    await tabType(page, "#f-bereich", "Beamtenversorgung");
    await tabType(page, "#f-pnr", taken);
    await tabType(page, "#f-abr", "102898");
    await tabPress(page, "main button[type=submit]", "Enter", "Kasse: Organisation anlegen, PNR vergeben");
    const err = await page.textContent("#f-pnr-fehler");
    if (!err.includes(`Eine Organisation mit der PNR ${taken} gibt es bereits.`)) throw new Error(`pnr error: ${err}`);
    await page.focus("#f-pnr");
    await page.keyboard.press("Control+A");
    await page.keyboard.type(pnr);
    await tabPress(page, "main button[type=submit]", "Enter", "Kasse: Organisation");
    if (!(await page.textContent("main")).includes(`Mäuserast (Beamtenversorgung) (PNR: ${pnr}, Abr: 102898)`))
      throw new Error("the organisation's line is missing");
    // Administrator anlegen (with an error first)
    await tabFollow(page, `main a[href='/kasse/organisationen/${pnr}/administratoren/neu']`, "Kasse: Administrator anlegen");
    const email = `verwalter${next()}@example.org`;
    await tabType(page, "#f-vorname", "Vera");
    await tabType(page, "#f-name", "Verwalter");
    await tabType(page, "#f-email", email);
    await tabType(page, "#f-geburtsdatum", "31.02.1980");
    await tabPress(page, "main button[type=submit]", "Enter", "Kasse: Administrator anlegen, Datum falsch");
    await page.focus("#f-geburtsdatum");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("01.02.1980");
    await tabPress(page, "main button[type=submit]", "Enter", "Kasse: Organisation mit neuem Administrator");
    if (!(await page.textContent("main .alert")).includes("wurde angelegt")) throw new Error("no notice");
    // a Funktionseinschränkung: Formulare switched off (Space on the checkbox)
    await tabTo(page, "#f-recht-formulare");
    await page.keyboard.press("Space");
    await tabPress(page, "main form[action$='/einschraenkungen'] button[type=submit]", "Enter",
      "Kasse: Funktionseinschränkungen gespeichert");
    if (await page.isChecked("#f-recht-formulare")) throw new Error("Formulare still available");
    // the administrator's name changed
    await tabFollow(page, "main a[href$='/bearbeiten']", "Kasse: Administrator bearbeiten");
    await page.focus("#f-name");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("Verwalterin");
    await tabPress(page, "main button[type=submit]", "Enter", "Kasse: Organisation, Administrator geändert");
    if (!(await page.textContent("main")).includes("Vera Verwalterin")) throw new Error("name not changed");
    // Nutzerkennung suchen
    await tabFollow(page, "a[href='/kasse/nutzerkennung']", "Kasse: Nutzerkennung suchen");
    await tabType(page, "#f-pnr", pnr);
    await tabPress(page, "main form button[type=submit]", "Enter", "Kasse: Nutzerkennung gefunden");
    if (!/X201-[A-Z0-9]{12}/.test(await page.textContent("main table"))) throw new Error("no Nutzerkennung found");
    // Protokoll: this organisation's changes, then the access log
    await tabFollow(page, "a[href='/kasse/protokoll']", "Kasse: Protokoll");
    await tabType(page, "#f-pnr", pnr);
    await tabChoose(page, "#filter-ereignis", "Administrator angelegt");
    await tabPress(page, "main form button[type=submit]", "Enter", "Kasse: Protokoll gefiltert");
    const rows = await page.$$eval("table.list tbody tr", (trs) => trs.map((tr) => tr.textContent));
    if (rows.length !== 1 || !rows[0].includes(k.kennung)) throw new Error(`Protokoll rows: ${rows}`);
    await tabChoose(page, "#filter-bereich", "Zugriffe");
    await tabChoose(page, "#filter-ereignis", "Alle");
    await tabPress(page, "main form button[type=submit]", "Enter", "Kasse: Zugriffe auf personenbezogene Daten");
    await tabFollow(page, "a[href='/kasse/rueckmeldungen']", "Kasse: Feedback und Support");
    await noSidewaysScrolling(page, "Portal-Administratorin der Kasse", ["/", "/kasse/organisationen",
      `/kasse/organisationen/${pnr}`, "/kasse/nutzerkennung", `/kasse/nutzerkennung?pnr=${pnr}`, "/kasse/protokoll",
      "/kasse/protokoll?bereich=zugriffe", "/kasse/rueckmeldungen"]);
  });
}
