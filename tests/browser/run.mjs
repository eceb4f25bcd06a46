// Browser tests of Meine Versorgung (issue 5): Debian's Chromium driven by playwright-core,
// axe-core (WCAG 2.1 AA) on every page state visited, html-validate on every page's HTML.
// Runs inside scripts/test-stack (MV_VAR_DIR, MV_HTTP_PORT, MV_SINK_HTTP_PORT). Screenshots of a
// failing test go to tests/artifacts/; with MV_SCREENSHOTS=all every checked page state is kept in
// tests/artifacts/pages/. Ends with "browser: N passed, M failed".
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";
import { HtmlValidate } from "html-validate";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import registerKassePortaladmin from "./kasse_portaladmin.mjs";
import registerKasseNachrichten from "./kasse_nachrichten.mjs";
import registerKasseMeldungen from "./kasse_meldungen.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const BASE = `http://127.0.0.1:${process.env.MV_HTTP_PORT}`;
const SINK = `http://127.0.0.1:${process.env.MV_SINK_HTTP_PORT}`;
const ART = path.join(ROOT, "tests", "artifacts");
const validator = new HtmlValidate({ extends: ["html-validate:standard"], rules: { "no-trailing-whitespace": "off" } });
let uid = Date.now() % 1000000;
const next = () => ++uid;

function mvctl(...args) {
  return execFileSync(path.join(ROOT, "scripts", "mvctl"), args, { encoding: "utf8" });
}
function stack(cmd, env = {}) {
  execFileSync(path.join(ROOT, "scripts", "stack"), [cmd], { env: { ...process.env, ...env }, stdio: "ignore" });
}
async function mails(to) {
  const r = await fetch(`${SINK}/api/messages`);
  return (await r.json()).filter((m) => m.to.toLowerCase().includes(to.toLowerCase()));
}
async function waitMail(to, subject, seen = 0) {
  for (let i = 0; i < 100; i++) {
    const m = (await mails(to)).filter((x) => x.subject.includes(subject));
    if (m.length > seen) return m[m.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail "${subject}" to ${to}`);
}
const linkIn = (mail, p) => mail.body.match(new RegExp(`${BASE}(${p}\\?token=[A-Za-z0-9_-]+)`))[1];

// every page state: axe at WCAG 2.1 AA and html-validate
const checked = [];
async function check(page, label, html) {
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  if (axe.violations.length)
    throw new Error(`${label}: axe: ${axe.violations.map((v) => `${v.id} (${v.nodes.map((n) => n.target).join(" ")})`).join("; ")}`);
  if (html) {
    const report = await validator.validateString(html);
    if (!report.valid)
      throw new Error(`${label}: html-validate: ${report.results.flatMap((r) => r.messages).map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`).join("; ")}`);
  }
  checked.push(label);
  if (process.env.MV_SCREENSHOTS === "all") {
    mkdirSync(path.join(ART, "pages"), { recursive: true });
    const name = `${String(checked.length).padStart(3, "0")}-${label.replace(/[^A-Za-z0-9ÄÖÜäöüß]+/g, "-").slice(0, 60)}.png`;
    await page.screenshot({ path: path.join(ART, "pages", name), fullPage: true });
  }
}
async function visit(page, url, label) {
  const resp = await page.goto(BASE + url);
  await check(page, label || url, await resp.text());
  return resp;
}
async function submit(page, label) {
  const [resp] = await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  if (resp && (resp.status() === 403 || resp.status() >= 500)) throw new Error(`${label}: HTTP ${resp.status()}`);
  await check(page, label, resp ? await resp.text() : null);
}

async function newAdmin() {
  const pnr = String(700000000 + next());
  mvctl("org", "add", "--name", `Browserstadt ${pnr}`, "--bereich", "Beihilfe", "--pnr", pnr, "--abr", "1");
  const email = `browser${next()}@example.org`;
  const kennung = JSON.parse(mvctl("--json", "admin", "add", "--pnr", pnr, "--vorname", "Bea", "--name", "Browser",
    "--email", email, "--geburtsdatum", "1980-02-03")).nutzerkennung;
  return { pnr, email, kennung, password: `Kiwi-${next()}-Banane!` };
}

async function loginWithTan(page, who, tanMailsBefore) {
  await visit(page, "/anmelden", "Anmelden");
  await page.focus("#f-kennung");
  await page.keyboard.type(who.kennung);
  await page.keyboard.press("Tab");
  await page.keyboard.type(who.password);
  await submit(page, "TAN-Seite");
  const tan = (await waitMail(who.email, "Ihre TAN", tanMailsBefore)).body.match(/^(\d{6})$/m)[1];
  await page.focus("#f-tan");
  await page.keyboard.type(tan);
  await submit(page, "Startseite");
}

// Keyboard only: Tab until the element matching `selector` has the focus (never a click), and
// require a visible focus indicator on it (WCAG 2.4.7).
async function tabTo(page, selector, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (!el || el === document.body || !el.matches(sel)) return null;
      const s = getComputedStyle(el);
      return { visible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none" };
    }, selector);
    if (hit) {
      if (!hit.visible) throw new Error(`${selector}: focus not visible`);
      return;
    }
  }
  throw new Error(`${selector}: not reachable with Tab`);
}
async function tabType(page, selector, text) {
  await tabTo(page, selector);
  await page.keyboard.type(text);
}
async function tabPress(page, selector, key, label) {
  await tabTo(page, selector);
  if (key === "Enter" && label) return submit(page, label);
  await page.keyboard.press(key);
}
// follow a link or press a button by keyboard and wait for the next page
async function tabFollow(page, selector, label) {
  await tabTo(page, selector);
  const [resp] = await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  if (resp && (resp.status() === 403 || resp.status() >= 500)) throw new Error(`${label}: HTTP ${resp.status()}`);
  await check(page, label, resp ? await resp.text() : null);
  return resp;
}

// the administrator sets the password through the mailed link (set-up for flows that test other things)
async function activate(page, who) {
  await page.goto(BASE + linkIn(await waitMail(who.email, "Passwort festlegen"), "/passwort-setzen"));
  await page.fill("#f-passwort", who.password);
  await page.fill("#f-passwort_wiederholung", who.password);
  await clickSubmit(page);
}

async function clickSubmit(page) {
  const [resp] = await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
  if (resp && (resp.status() === 403 || resp.status() >= 500)) throw new Error(`${page.url()}: HTTP ${resp.status()}`);
  return resp;
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("registration from both mails, login with TAN, settings, logout (keyboard only)", async (page) => {
  const a = await newAdmin();
  await page.goto(BASE + linkIn(await waitMail(a.email, "Passwort festlegen"), "/passwort-setzen"));
  await check(page, "Passwort festlegen", null);
  await page.focus("#f-passwort");
  await page.keyboard.type("kurz");
  await tabType(page, "#f-passwort_wiederholung", "kurz"); // (past the field's show/hide toggle)
  await submit(page, "Passwort festlegen mit Fehlern");
  await page.focus("#f-passwort");
  await page.keyboard.type(a.password);
  await tabType(page, "#f-passwort_wiederholung", a.password);
  await submit(page, "Anmeldeseite nach Passwort");
  if (!(await page.textContent("main")).includes("Ihr Passwort wurde gespeichert")) throw new Error("no confirmation");
  await page.goto(BASE + linkIn(await waitMail(a.email, "Nutzerkennung abrufen"), "/nutzerkennung"));
  await check(page, "Nutzerkennung abrufen", null);
  for (const [id, v] of [["#f-vorname", "Bea"], ["#f-name", "Browser"], ["#f-geburtsdatum", "03.02.1980"], ["#f-mitgliedsnummer", a.pnr]]) {
    await page.focus(id);
    await page.keyboard.type(v);
  }
  await submit(page, "Nutzerkennung angezeigt");
  if (!(await page.textContent("main")).includes(a.kennung)) throw new Error("Nutzerkennung not shown");
  await loginWithTan(page, a, 0);
  if (!(await page.textContent("h1")).includes("Guten Tag, Bea Browser!")) throw new Error("no greeting");
  await visit(page, "/einstellungen", "Einstellungen");
  await visit(page, "/mitgliederdaten", "Mitgliederdaten");
  // the user menu by keyboard: open it, Abmelden
  await page.focus("details.user-menu > summary");
  await page.keyboard.press("Enter");
  await page.focus("details.user-menu button.linklike");
  await submit(page, "Abgemeldet");
  if (!page.url().endsWith("/anmelden?grund=abgemeldet")) throw new Error(`after logout: ${page.url()}`);
});

test("administrator: create (errors, success dialog), overview, details, edit, lock, groups (keyboard only)", async (page) => {
  const a = await newAdmin();
  await page.goto(BASE + linkIn(await waitMail(a.email, "Passwort festlegen"), "/passwort-setzen"));
  await tabType(page, "#f-passwort", a.password);
  await tabType(page, "#f-passwort_wiederholung", a.password);
  await submit(page, "Anmeldeseite nach Passwort");
  await loginWithTan(page, a, 0);
  await tabFollow(page, "a[href='/sachbearbeiter/neu']", "Neuen Sachbearbeiter anlegen");
  await tabPress(page, "#f-vorname", "Enter", "Anlegen mit Fehlern");
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  if (focused !== "fehler-zusammenfassung") throw new Error(`first error not focused (${focused})`);
  // each error message is tied to its field
  const described = await page.evaluate(() => [...document.querySelectorAll("p.error[id]")].every((p) =>
    document.querySelector(`[aria-describedby~="${p.id}"]`)));
  if (!described) throw new Error("an error message is not referenced by aria-describedby");
  await tabType(page, "#f-vorname", "Sven");
  await tabType(page, "#f-name", "Sachlich");
  await tabType(page, "#f-email", `sven${next()}@example.org`);
  await tabPress(page, "#f-gruppe-0", "Space");
  await tabPress(page, "#f-recht-anspruchsberechtigte", "Space");
  await tabPress(page, "details.info > summary", "Enter"); // the info field of a right, opened by keyboard
  if (!(await page.$("details.info[open]"))) throw new Error("info field not opened by Enter");
  await check(page, "Info-Feld zu einem Recht geöffnet", null);
  await tabPress(page, "#f-nutzungsbedingungen", "Space");
  await tabPress(page, "main button[type=submit]", "Enter", "ANLAGE ERFOLGREICH");
  await page.waitForSelector("dialog[open] h2:has-text('ANLAGE ERFOLGREICH')");
  const inDialog = await page.evaluate(() => !!document.activeElement.closest("dialog[open]"));
  if (!inDialog) throw new Error("focus not in the success dialog");
  await page.keyboard.press("Escape");
  await page.waitForSelector("dialog[open]", { state: "detached" }).catch(() => {});
  if (await page.isVisible("dialog[open]")) throw new Error("success dialog not closed by Escape");
  await tabFollow(page, "a[href='/sachbearbeiter']", "Übersicht: Sachbearbeiter");
  await tabFollow(page, "table.list tbody a", "Sachbearbeiterdetails");
  await tabFollow(page, "a[href$='/bearbeiten']", "Sachbearbeiterdetails ändern");
  await tabType(page, "#f-vorname", "Svenja"); // Tab selects the field's text: typing replaces it
  await tabPress(page, "main button[type=submit]", "Enter", "Sachbearbeiterdetails gespeichert");
  if (!(await page.textContent("main")).includes("Svenja")) throw new Error("edit not saved");
  await tabPress(page, "form[data-dialog='dlg-sperren'] button", "Enter"); // asks first (issue 11 item 13)
  await page.waitForSelector("#dlg-sperren[open]");
  await tabPress(page, "#dlg-sperren button.danger", "Enter", "Benutzer gesperrt");
  if (!(await page.textContent("main")).includes("Der Benutzer wurde gesperrt")) throw new Error("not locked");
  await tabPress(page, "form[action$='/entsperren'] button", "Enter", "Benutzer entsperrt");
  if (!(await page.textContent("main")).includes("Der Benutzer wurde entsperrt")) throw new Error("not unlocked");
  await tabFollow(page, "a[href='/gruppen']", "Übersicht: Gruppen");
  await tabFollow(page, "table.list tbody a[href='/gruppen/beihilfe']", "Gruppendetails");
  await tabType(page, "#f-email", `beihilfe${next()}@example.org`);
  await tabPress(page, "main button[type=submit]", "Enter", "Gruppendetails gespeichert");
  await visit(page, "/protokoll", "Änderungsprotokoll");
});

test("Sachbearbeiter: reads the Kasse's message, opens the PDF, answers with a document (keyboard only)", async (page, context) => {
  const a = await newAdmin();
  await activate(page, a);
  await loginWithTan(page, a, 0);
  const sbMail = `sabine${next()}@example.org`;
  await page.goto(BASE + "/sachbearbeiter/neu");
  await page.fill("#f-vorname", "Sabine");
  await page.fill("#f-name", "Sachbearbeiterin");
  await page.fill("#f-email", sbMail);
  await page.check("#f-gruppe-0");
  await page.check("#f-nutzungsbedingungen");
  await clickSubmit(page);
  const kennung = page.url().match(/S201-[A-Z0-9]{12}/)[0];
  const pdf = path.join(ART, "bescheid.pdf");
  mkdirSync(ART, { recursive: true });
  writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
  mvctl("message", "send", "--pnr", a.pnr, "--gruppe", "beihilfe", "--betreff", "Ihr Bescheid", "--text", "Anbei.", "--anhang", pdf);
  await context.clearCookies();
  // from here on the Sachbearbeiter uses the keyboard only
  const sb = { kennung, email: sbMail, password: `Mango-${next()}-Birne!` };
  await page.goto(BASE + linkIn(await waitMail(sbMail, "Passwort festlegen"), "/passwort-setzen"));
  await tabType(page, "#f-passwort", sb.password);
  await tabType(page, "#f-passwort_wiederholung", sb.password);
  await submit(page, "Anmeldeseite nach Passwort");
  await loginWithTan(page, sb, 0);
  await tabFollow(page, "a[href='/postfach']", "Postfach");
  await tabFollow(page, "a[href='/postfach/beihilfe']", "Gruppenpostfach Beihilfe");
  await tabFollow(page, "table.list tbody a", "Nachricht");
  await tabTo(page, "ul.attachments a");
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  if (download.suggestedFilename() !== "bescheid.pdf") throw new Error(`download name ${download.suggestedFilename()}`);
  await tabFollow(page, "a[href*='antwort=']", "Antworten");
  await tabType(page, "#f-nachricht", "Danke, erhalten.");
  await tabTo(page, "#f-anhang");
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  await chooser.setFiles(pdf);
  await tabPress(page, "main button[type=submit]", "Enter", "Gesendet");
  const list = JSON.parse(mvctl("--json", "message", "list", "--pnr", a.pnr));
  const answer = list.find((m) => m.richtung === "an_kasse");
  if (!answer || answer.anhaenge !== 1 || answer.betreff !== "AW: Ihr Bescheid") throw new Error(`answer: ${JSON.stringify(list)}`);
  // Neue Nachricht with errors, and an over-size document: refused, the form keeps the input
  await visit(page, "/postfach/persoenlich/neu", "Neue Nachricht");
  await tabPress(page, "main button[type=submit]", "Enter", "Neue Nachricht mit Fehlern");
  const big = path.join(ART, "zu-gross.pdf");
  writeFileSync(big, Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(11 * 1048576, 0x20)]));
  await tabType(page, "#f-betreff", "Zu groß");
  await tabType(page, "#f-nachricht", "Anbei ein großes Dokument.");
  await tabTo(page, "#f-anhang");
  const [chooser2] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  await chooser2.setFiles(big);
  await tabTo(page, "main button[type=submit]");
  const [resp] = await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  if (resp.status() !== 413) throw new Error(`over-size upload: HTTP ${resp.status()}`);
  await check(page, "Dokument zu groß (413)", await resp.text());
  const after = JSON.parse(mvctl("--json", "message", "list", "--pnr", a.pnr));
  if (after.length !== list.length) throw new Error("the refused message was stored");
});

test("search jumps to the FAQ answer; support (keyboard only); static pages; 320 px wide", async (page) => {
  await visit(page, "/anmelden", "Anmelden (anonym)");
  await tabType(page, "#suche-q", "TAN gültig");
  await submit(page, "Suchergebnis");
  await tabTo(page, "ol.results a[href='/faq#faq-tan-gueltig']");
  await Promise.all([page.waitForURL(/\/faq#faq-tan-gueltig$/), page.keyboard.press("Enter")]);
  await check(page, "FAQ", null);
  if (!(await page.isVisible("#faq-tan-gueltig"))) throw new Error("answer not visible");
  await tabFollow(page, "footer a[href='/support']", "Support");
  await tabPress(page, "#f-betreff", "Enter", "Support mit Fehlern");
  await tabType(page, "#f-betreff", "Anmeldung");
  await tabType(page, "#f-nachricht", "Ich erhalte keine TAN.");
  await tabType(page, "#f-rueckruf", "0251 12345");
  await tabPress(page, "main button[type=submit]", "Enter", "Support bestätigt (Tastatur)");
  if (!(await page.textContent("main")).includes("Ihre Anfrage wurde an den Support")) throw new Error("no support confirmation");
  for (const p of ["/impressum", "/datenschutz", "/nutzungsbedingungen", "/barrierefreiheit", "/suche?q=xyzzy"])
    await visit(page, p, p);
  await page.setViewportSize({ width: 320, height: 700 });
  for (const p of ["/anmelden", "/faq", "/support"]) {
    await page.goto(BASE + p);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (over > 1) throw new Error(`${p} scrolls sideways at 320 px (${over} px)`);
  }
});

test("every form with its errors, confirmations and refusal pages pass axe and html-validate", async (page) => {
  // logged out
  await visit(page, "/anmelden", "Anmelden");
  await page.fill("#f-kennung", "X201-AAAAAAAAAAAA");
  await page.fill("#f-passwort", "falsch");
  await submit(page, "Anmelden fehlgeschlagen");
  await visit(page, "/passwort-vergessen", "Passwort zurücksetzen");
  await page.focus("#f-kennung");
  await submit(page, "Passwort zurücksetzen mit Fehler");
  await page.fill("#f-kennung", "X201-AAAAAAAAAAAA");
  await submit(page, "Passwort zurücksetzen bestätigt");
  await visit(page, "/passwort-setzen?token=" + "A".repeat(43), "Link ungültig (410)");
  await visit(page, "/gibt-es-nicht", "Seite nicht gefunden (404)");
  await page.goto(BASE + "/support");
  await page.fill("#f-betreff", "Frage");
  await page.fill("#f-nachricht", "Wie geht das?");
  await page.fill("#f-rueckruf", "0251 1");
  await submit(page, "Support bestätigt");
  if (!(await page.textContent("main")).includes("Ihre Anfrage wurde an den Support")) throw new Error("no support confirmation");
  // logged in as administrator
  const a = await newAdmin();
  await activate(page, a);
  await visit(page, "/anmelden", "Anmelden");
  await page.fill("#f-kennung", a.kennung);
  await page.fill("#f-passwort", a.password);
  await submit(page, "TAN-Seite");
  await page.fill("#f-tan", "000000");
  await submit(page, "TAN falsch");
  await loginWithTan(page, a, 1);
  await visit(page, "/einstellungen", "Einstellungen");
  await page.fill("#f-passwort_alt", a.password);
  await page.fill("#f-passwort_neu", "kurz");
  await submit(page, "Passwort ändern mit Fehlern");
  await visit(page, "/gruppen/beihilfe", "Gruppendetails");
  await page.fill("#f-email", "keine-adresse");
  await submit(page, "Gruppendetails mit Fehler");
  await visit(page, "/feedback", "Feedback");
  await page.focus("#f-betreff");
  await submit(page, "Feedback mit Fehlern");
  await page.fill("#f-betreff", "Lob");
  await page.fill("#f-nachricht", "Gut.");
  await page.focus("#f-betreff"); // Enter in the text area would start a new line
  await submit(page, "Feedback bestätigt");
  await visit(page, "/sachbearbeiter?name=Niemand", "Übersicht ohne Treffer");
  await visit(page, "/sachbearbeiter/S201-AAAAAAAAAAAA", "Sachbearbeiter nicht gefunden (404)");
  await visit(page, "/postfach", "Postfach als Administrator (403)");
  // 200 % zoom of a 1280 px window is a 640 px wide layout
  await page.setViewportSize({ width: 640, height: 800 });
  for (const p of ["/sachbearbeiter", "/gruppen", "/protokoll", "/einstellungen"]) {
    await page.goto(BASE + p);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (over > 1) throw new Error(`${p} scrolls sideways at 640 px (200 % zoom) (${over} px)`);
  }
});

// ---- issue 11 item 13: "Benutzer sperren" asks first ---------------------------------------------------
// With JavaScript a modal dialog (keyboard: the focus moves into it, Escape and "Abbrechen" cancel, the
// focus returns to the button); without JavaScript (mv.js blocked) the button leads to a confirmation page.
test("lock asks first: dialog by keyboard (focus in, Escape cancels, focus returns), confirmation page without JavaScript", async (page, context) => {
  const a = await newAdmin();
  await activate(page, a);
  await loginWithTan(page, a, 0);
  await page.goto(BASE + "/sachbearbeiter/neu");
  await page.fill("#f-vorname", "Sina");
  await page.fill("#f-name", "Sperrprobe");
  await page.fill("#f-email", `sperrprobe${next()}@example.org`);
  await page.check("#f-gruppe-0");
  await page.check("#f-nutzungsbedingungen");
  await clickSubmit(page);
  const details = "/sachbearbeiter/" + page.url().match(/S201-[A-Z0-9]{12}/)[0];
  const status = async () => (await (await page.request.get(BASE + details, { headers: { Accept: "application/json" } })).json()).status;
  const focusIn = () => page.evaluate(() => {
    const el = document.activeElement;
    return !el || el === document.body ? "body" : el.closest("#dlg-sperren") ? "dialog:" + el.textContent
      : el.matches("form[data-dialog='dlg-sperren'] button") ? "lock button" : el.outerHTML.slice(0, 120);
  });
  await visit(page, details, "Sachbearbeiterdetails vor dem Sperren");
  for (const cancel of ["Escape", "Abbrechen"]) {
    await tabPress(page, "form[data-dialog='dlg-sperren'] button", "Enter");
    await page.waitForSelector("#dlg-sperren[open]");
    if (cancel === "Escape") await check(page, "Dialog: Benutzer sperren", null);
    if ((await focusIn()) !== "dialog:Abbrechen") throw new Error(`focus not in the dialog on Abbrechen: ${await focusIn()}`);
    if (!(await page.textContent("#dlg-sperren")).includes("Möchten Sie den Benutzer Sina Sperrprobe"))
      throw new Error("no question in the dialog");
    for (let i = 0; i < 3; i++) { // a modal dialog: Tab never reaches the page behind
      await page.keyboard.press("Tab");
      const where = await focusIn();
      if (!where.startsWith("dialog:") && where !== "body") throw new Error(`Tab left the open dialog: ${where}`);
    }
    if (cancel === "Abbrechen") await tabTo(page, "#dlg-sperren button[formmethod=dialog]");
    await page.keyboard.press(cancel === "Escape" ? "Escape" : "Enter");
    await page.waitForSelector("#dlg-sperren", { state: "hidden" });
    if ((await focusIn()) !== "lock button") throw new Error(`${cancel}: focus not returned to the button: ${await focusIn()}`);
    if ((await status()) !== "Angelegt") throw new Error(`${cancel} locked the user`);
  }
  await tabPress(page, "form[data-dialog='dlg-sperren'] button", "Enter");
  await page.waitForSelector("#dlg-sperren[open]");
  await tabPress(page, "#dlg-sperren button.danger", "Enter", "Benutzer gesperrt (Dialog)");
  if ((await status()) !== "Gesperrt") throw new Error("Sperren in the dialog did not lock");
  await tabPress(page, "form[action$='/entsperren'] button", "Enter", "Benutzer entsperrt");
  // without JavaScript: the same button leads to the confirmation page
  const plain = await context.newPage();
  await plain.route("**/static/mv.js", (route) => route.abort());
  await visit(plain, details, "Sachbearbeiterdetails ohne JavaScript");
  await tabFollow(plain, "form[data-dialog='dlg-sperren'] button", "Benutzer sperren: Bestätigungsseite");
  if (!(await plain.textContent("main")).includes("Möchten Sie den Benutzer Sina Sperrprobe")) throw new Error("no question");
  await tabFollow(plain, "main a.btn.secondary", "Sachbearbeiterdetails nach Abbrechen");
  if (!plain.url().endsWith(details) || (await status()) !== "Angelegt") throw new Error(`Abbrechen: ${plain.url()}`);
  await tabFollow(plain, "form[data-dialog='dlg-sperren'] button", "Benutzer sperren: Bestätigungsseite");
  await tabPress(plain, "main button.danger", "Enter", "Benutzer gesperrt (ohne JavaScript)");
  if (!(await plain.textContent("main")).includes("Der Benutzer wurde gesperrt")) throw new Error("not locked");
  if ((await status()) !== "Gesperrt") throw new Error("the confirmation page did not lock");
  await plain.close();
});

test("inactivity: warning, Ich bin noch hier, Inaktivität festgestellt", async (page) => {
  stack("restart-app", { MV_IDLE_TIMEOUT_S: "8", MV_IDLE_WARNING_S: "4" });
  try {
    const a = await newAdmin();
    await activate(page, a);
    await loginWithTan(page, a, 0);
    await page.focus("#suche-q"); // where the user was before the warning
    await page.waitForSelector("#dlg-warnung[open]", { timeout: 7000 });
    await check(page, "Dialog: Ihre Sitzung läuft bald ab", null);
    // (any key press while the warning is open counts as activity and keeps the session, §1.3)
    await page.focus("#btn-noch-hier");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#dlg-warnung", { state: "hidden" });
    const back = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (back !== "suche-q") throw new Error(`focus not returned after the dialog (${back})`);
    await page.waitForSelector("#dlg-abgelaufen[open]", { timeout: 12000 });
    await check(page, "Dialog: Inaktivität festgestellt", null);
    // a modal dialog: the page behind is inert, Tab never reaches it
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press("Tab");
      const where = await page.evaluate(() => document.activeElement === document.body ? "body"
        : document.activeElement.closest("#dlg-abgelaufen") ? "dialog" : document.activeElement.outerHTML.slice(0, 120));
      if (where !== "dialog" && where !== "body") throw new Error(`Tab left the open dialog: ${where}`);
    }
    await Promise.all([page.waitForNavigation(), page.click("#btn-abgelaufen-ok")]);
    if (!page.url().endsWith("/anmelden?grund=inaktiv")) throw new Error(page.url());
    const r = await page.goto(BASE + "/einstellungen");
    if (!page.url().includes("/anmelden")) throw new Error("session still alive on the server");
  } finally {
    stack("restart-app");
  }
});

// ---- issue 11: readable details, the success dialog, narrow screens, small things ----

// An administrator logged in (set-up for the tests below).
async function adminSession(page) {
  const a = await newAdmin();
  await activate(page, a);
  await loginWithTan(page, a, 0);
  return a;
}
async function createSb(page, { gruppen = [0], rechte = [], vorname = "Sabine" } = {}) {
  await page.goto(BASE + "/sachbearbeiter/neu");
  await page.fill("#f-vorname", vorname);
  await page.fill("#f-name", `Sachlich${next()}`);
  const email = `sb${next()}@example.org`;
  await page.fill("#f-email", email);
  for (const g of gruppen) await page.check(`#f-gruppe-${g}`);
  for (const k of rechte) await page.check(`#f-recht-${k}`);
  await page.check("#f-nutzungsbedingungen");
  await clickSubmit(page);
  return { kennung: page.url().match(/S201-[A-Z0-9]{12}/)[0], email };
}
// WCAG relative luminance and contrast ratio
const luminance = ([r, g, b]) => {
  const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const contrast = (l1, l2) => (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
// What an element looks like on screen: the darkest and lightest pixel and the mean luminance of its
// screenshot (decoded in a blank page of the same context: the portal's CSP allows no data: images).
async function pixels(context, locator) {
  const png = (await locator.screenshot()).toString("base64");
  const blank = await context.newPage();
  try {
    const px = await blank.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      return Array.from(g.getImageData(0, 0, c.width, c.height).data);
    }, png);
    let lo = 1, hi = 0, sum = 0;
    for (let i = 0; i < px.length; i += 4) {
      const l = luminance([px[i], px[i + 1], px[i + 2]]);
      lo = Math.min(lo, l);
      hi = Math.max(hi, l);
      sum += l;
    }
    return { lo, hi, mean: sum / (px.length / 4) };
  } finally {
    await blank.close();
  }
}

test("Sachbearbeiterdetails: assigned groups and rights are clearly drawn read-only boxes (issue 11, item 11)", async (page, context) => {
  await adminSession(page);
  const sb = await createSb(page, { gruppen: [0, 3], rechte: ["anspruchsberechtigte"] });
  await visit(page, `/sachbearbeiter/${sb.kennung}`, "Sachbearbeiterdetails (Lesesicht)");
  const boxes = page.locator("main fieldset input[type=checkbox]");
  const n = await boxes.count();
  if (n !== 10) throw new Error(`${n} read-only boxes, expected 6 groups and 4 rights`);
  const seen = { on: [], off: [] };
  for (let i = 0; i < n; i++) {
    const box = boxes.nth(i);
    const { id, on, disabled, label } = await box.evaluate((el) => ({
      id: el.id, on: el.checked, disabled: el.disabled, label: getComputedStyle(document.querySelector(`label[for="${el.id}"]`)).color,
    }));
    if (!disabled) throw new Error(`${id} is not read-only`);
    const rgb = label.match(/\d+/g).slice(0, 3).map(Number);
    if (contrast(luminance(rgb), 1) < 4.5) throw new Error(`${id}: label greyed out (${label})`);
    const p = await pixels(context, box);
    // the box itself stands out from the white card (WCAG 1.4.11: 3:1) …
    if (contrast(p.lo, 1) < 3) throw new Error(`${id} (${on ? "ticked" : "not ticked"}): box hardly visible, ${contrast(p.lo, 1).toFixed(2)}:1 against white`);
    // … and a tick stands out from its box
    if (on && contrast(p.lo, p.hi) < 3) throw new Error(`${id}: tick hardly visible, ${contrast(p.lo, p.hi).toFixed(2)}:1`);
    seen[on ? "on" : "off"].push(p.mean);
  }
  const expected = ["f-gruppe-0", "f-gruppe-3", "f-recht-postfach", "f-recht-anspruchsberechtigte"];
  const ticked = await page.$$eval("main fieldset input[type=checkbox]:checked", (els) => els.map((e) => e.id));
  if (ticked.join() !== expected.join()) throw new Error(`ticked: ${ticked}`);
  // ticked and empty boxes are told apart at a glance
  const darkestOff = Math.min(...seen.off), lightestOn = Math.max(...seen.on);
  if (darkestOff - lightestOn < 0.3) throw new Error(`ticked and empty boxes look alike (mean luminance ${lightestOn.toFixed(2)} / ${darkestOff.toFixed(2)})`);
});

test("ANLAGE ERFOLGREICH: centred, once — not again after reload or Back (issue 11, item 12)", async (page) => {
  await adminSession(page);
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    const sb = await createSb(page);
    await page.waitForSelector("dialog[open] h2:has-text('ANLAGE ERFOLGREICH')");
    await check(page, `ANLAGE ERFOLGREICH (${width} px)`, null);
    const box = await page.evaluate(() => {
      const d = document.querySelector("dialog[open]").getBoundingClientRect();
      return { top: d.top, below: window.innerHeight - d.bottom, left: d.left, right: window.innerWidth - d.right };
    });
    if (Math.abs(box.top - box.below) > 2 || Math.abs(box.left - box.right) > 2)
      throw new Error(`dialog not centred at ${width} px: ${JSON.stringify(box)}`);
    await page.click("dialog[open] button");
    await page.reload();
    if (await page.$("dialog.success")) throw new Error(`dialog again after reload (${width} px)`);
    if (!(await page.textContent("main")).includes(sb.kennung)) throw new Error("details not shown after reload");
    await Promise.all([page.waitForNavigation(), page.click("main a[href='/sachbearbeiter']")]);
    await page.goBack();
    if (!page.url().includes(sb.kennung)) throw new Error(`Back led to ${page.url()}`);
    if (await page.$("dialog.success")) throw new Error(`dialog again after Back (${width} px)`);
  }
});

// Every page reachable by links from `starts` (and the pages only a form leads to, `extra`) at 320 px:
// nothing scrolls sideways — neither the page (WCAG 1.4.10) nor a part of it, such as a table in a
// scrolling box (form fields, whose text may scroll, excepted) — and each passes axe and html-validate.
// Downloads and other origins are not followed; ids, the six Gruppendetails and the mailboxes count as one page.
async function noSidewaysScrolling(page, who, starts, extra = []) {
  await page.setViewportSize({ width: 320, height: 800 });
  const key = (u) => {
    const url = new URL(u, BASE);
    return url.pathname.replace(/S201-[A-Z0-9]{12}/g, "{kennung}").replace(/\/\d+(?=\/|$)/g, "/{id}")
      .replace(/^\/gruppen\/[a-z-]+$/, "/gruppen/{gruppe}").replace(/^\/postfach\/[a-z-]+/, "/postfach/{postfach}") + url.search;
  };
  const queue = [...starts, ...extra], seen = new Set(), visited = [];
  while (queue.length && visited.length < 80) {
    const url = queue.shift();
    if (seen.has(key(url))) continue;
    seen.add(key(url));
    const resp = await page.goto(BASE + url);
    if (resp.status() >= 500) throw new Error(`${who} ${url}: HTTP ${resp.status()}`);
    visited.push(url);
    const wide = await page.evaluate(() => {
      const out = [];
      if (document.documentElement.scrollWidth > 320) out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
      for (const el of document.querySelectorAll("body *")) {
        if (el.matches("input, textarea, select") || el.scrollWidth <= el.clientWidth + 1) continue;
        const ox = getComputedStyle(el).overflowX;
        if (ox === "auto" || ox === "scroll")
          out.push(`${el.tagName.toLowerCase()}.${el.className} scrolls sideways (${el.scrollWidth} > ${el.clientWidth} px)`);
      }
      return out;
    });
    if (wide.length) throw new Error(`${who} ${url} at 320 px: ${wide.join("; ")}`);
    await check(page, `320 px, ${who}: ${url}`, await resp.text());
    const links = await page.$$eval("a[href]", (as) => as.map((a) => a.href));
    for (const l of links) {
      const u = new URL(l);
      if (u.origin !== BASE || u.pathname.startsWith("/anhang/") || u.pathname.startsWith("/formular-anlage/") ||
        u.pathname.startsWith("/kasse/anhang/") || u.pathname.startsWith("/kasse/meldung-anlage/")) continue;
      if (!seen.has(key(u.pathname + u.search))) queue.push(u.pathname + u.search);
    }
  }
  return visited;
}

test("320 px: every page of administrator, Sachbearbeiter and visitor without sideways scrolling; tables as stacked rows (issue 11, item 15)", async (page, context) => {
  const a = await adminSession(page);
  const sb = await createSb(page, { gruppen: [0, 1, 2, 3, 4, 5], rechte: ["anspruchsberechtigte", "kontaktdaten"], vorname: "Maximiliane-Wilhelmine" });
  await createSb(page, { gruppen: [0] });
  await page.goto(BASE + "/gruppen/beihilfe");
  await page.fill("#f-email", `beihilfe.postfach.der.stadtverwaltung${next()}@example.org`);
  await clickSubmit(page);
  // the overview's table at 320 px: one block per Sachbearbeiter, every value under its column's name
  await page.setViewportSize({ width: 320, height: 800 });
  await page.goto(BASE + "/sachbearbeiter");
  const row = await page.evaluate((k) => {
    const tr = [...document.querySelectorAll("table.list tbody tr")].find((t) => t.textContent.includes(k));
    return [...tr.cells].map((td) => {
      const r = td.getBoundingClientRect();
      return { label: getComputedStyle(td, "::before").content, right: r.right, width: r.width, text: td.textContent };
    });
  }, sb.kennung);
  const labels = row.map((c) => c.label.replace(/ \/ ""$/, "")); // (the label is left out for screen readers)
  if (labels.join() !== '"Name","Vorname","Nutzerkennung","Gruppe","Benutzerstatus"')
    throw new Error(`cells without their column's name: ${labels.join()}`);
  if (row.some((c) => c.right > 320 || c.width < 200)) throw new Error(`overview row not stacked: ${JSON.stringify(row)}`);
  const adminPages = await noSidewaysScrolling(page, "Administrator", ["/"],
    ["/suche?q=TAN", "/sachbearbeiter?name=Niemand", `/sachbearbeiter/${sb.kennung}/bearbeiten`]);
  // the Sachbearbeiter: a message from the Kasse with a document, one sent
  const pdf = path.join(ART, "bescheid.pdf");
  mkdirSync(ART, { recursive: true });
  writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
  mvctl("message", "send", "--pnr", a.pnr, "--kennung", sb.kennung, "--betreff", "Festsetzung der Versorgungsbezüge nach Ruhestandsversetzung",
    "--text", "Anbei.", "--anhang", pdf);
  await context.clearCookies();
  const s = { kennung: sb.kennung, email: sb.email, password: `Mango-${next()}-Birne!` };
  await page.setViewportSize({ width: 1280, height: 800 });
  await activate(page, s);
  await loginWithTan(page, s, 0);
  await page.goto(BASE + "/postfach/persoenlich/neu");
  await page.fill("#f-betreff", "Rückfrage zur Festsetzung");
  await page.fill("#f-nachricht", "Bitte um Rückruf.");
  await clickSubmit(page);
  const sbPages = await noSidewaysScrolling(page, "Sachbearbeiter", ["/"], ["/suche?q=TAN"]);
  await context.clearCookies();
  const anonPages = await noSidewaysScrolling(page, "Besucher", ["/anmelden"], ["/passwort-vergessen", "/suche?q=TAN"]);
  for (const [who, pages, must] of [["Administrator", adminPages, ["/sachbearbeiter", "/gruppen", "/protokoll", `/sachbearbeiter/${sb.kennung}`, "/gruppen/beihilfe", "/einstellungen", "/impressum"]],
    ["Sachbearbeiter", sbPages, ["/postfach", "/postfach/persoenlich", "/postfach/persoenlich?ordner=gesendet", "/postfach/persoenlich/neu"]],
    ["Besucher", anonPages, ["/anmelden", "/faq", "/support", "/datenschutz"]]])
    for (const p of must)
      if (!pages.includes(p)) throw new Error(`${who}: ${p} not reached (${pages.join(" ")})`);
  if (!sbPages.some((p) => /^\/nachricht\/\d+$/.test(p))) throw new Error(`Sachbearbeiter: no message opened (${sbPages.join(" ")})`);
});

test("login: Registrieren beside Passwort vergessen; password fields show and hide by keyboard, and work without JavaScript (issue 11, item 16)", async (page, context) => {
  await visit(page, "/anmelden", "Anmelden mit Registrieren und Passwort-Anzeige");
  const row = await page.evaluate(() => {
    const box = (sel) => document.querySelector(sel).getBoundingClientRect();
    const f = box("main a[href='/passwort-vergessen']"), g = box("main a[href='#registrieren']");
    return { sameRow: Math.abs(f.top - g.top) < 2, after: g.left >= f.right, text: document.querySelector("main a[href='#registrieren']").textContent };
  });
  if (!row.sameRow || !row.after || row.text !== "Registrieren") throw new Error(`Registrieren not beside Passwort vergessen: ${JSON.stringify(row)}`);
  // the toggle follows the password field in the Tab order and works with Space and Enter
  await page.fill("#f-passwort", "Geheim-2024-Wort!");
  await page.focus("#f-passwort");
  await tabTo(page, "button.pw-toggle", 1);
  const state = () => page.evaluate(() => {
    const b = document.querySelector("button.pw-toggle");
    return [document.querySelector("#f-passwort").type, b.getAttribute("aria-pressed"), b.getAttribute("aria-label"), b.getAttribute("aria-controls")].join();
  });
  if ((await state()) !== "password,false,Passwort anzeigen,f-passwort") throw new Error(`toggle at start: ${await state()}`);
  await page.keyboard.press("Space");
  if ((await state()) !== "text,true,Passwort anzeigen,f-passwort") throw new Error(`after Space: ${await state()}`);
  await check(page, "Anmelden: Passwort angezeigt", null);
  await page.keyboard.press("Enter");
  if ((await state()) !== "password,false,Passwort anzeigen,f-passwort") throw new Error(`after Enter: ${await state()}`);
  // "Registrieren" by keyboard leads to how a registration happens
  await tabTo(page, "main a[href='#registrieren']");
  await Promise.all([page.waitForURL(/#registrieren$/), page.keyboard.press("Enter")]);
  const shown = await page.evaluate(() => {
    const s = document.querySelector("#registrieren"), r = s.getBoundingClientRect();
    return s.matches(":target") && r.top >= 0 && r.top < window.innerHeight && s.textContent.includes("Portal-Administratoren der Kassen");
  });
  if (!shown) throw new Error("Registrieren did not lead to its explanation");
  await check(page, "Anmelden: Registrieren", null);
  // both fields of "Passwort festlegen" have their toggle; a shown password is sent like a hidden one
  const a = await newAdmin();
  await page.goto(BASE + linkIn(await waitMail(a.email, "Passwort festlegen"), "/passwort-setzen"));
  if ((await page.$$("button.pw-toggle")).length !== 2) throw new Error("Passwort festlegen: not a toggle per field");
  await tabType(page, "#f-passwort", a.password);
  await tabPress(page, "button.pw-toggle[aria-controls='f-passwort']", "Space");
  await tabType(page, "#f-passwort_wiederholung", a.password);
  await submit(page, "Anmeldeseite nach Passwort (angezeigt eingegeben)");
  if (!(await page.textContent("main")).includes("Ihr Passwort wurde gespeichert")) throw new Error("password not saved");
  // without JavaScript: no toggle, the login works
  const nojs = await context.browser().newContext({ javaScriptEnabled: false, locale: "de-DE" });
  try {
    const p = await nojs.newPage();
    await p.goto(BASE + "/anmelden");
    if (await p.$("button.pw-toggle")) throw new Error("a toggle without JavaScript");
    if ((await p.getAttribute("#f-passwort", "type")) !== "password") throw new Error("password field not hidden");
    await p.fill("#f-kennung", a.kennung);
    await p.fill("#f-passwort", a.password);
    await Promise.all([p.waitForNavigation(), p.press("#f-passwort", "Enter")]);
    if (!p.url().endsWith("/anmelden/tan")) throw new Error(`login without JavaScript: ${p.url()}`);
  } finally {
    await nojs.close();
  }
});

// ---- issue 12: Anspruchsberechtigte (list, person with time line, Kontaktdaten ändern) ----

// SQL as root on the stack's database (persons are written as `mvctl ab import` writes them)
function sql(stmt) {
  return execFileSync("mariadb", ["--no-defaults", `--socket=${process.env.MV_VAR_DIR}/run/mysqld.sock`, "-u", "root",
    "-N", "-B", "meineversorgung", "-e", stmt], { encoding: "utf8" });
}
// str_match_key and trigrams for names with ASCII and ä ö ü (see tests/http/test_ab_pages.py)
function matchKey(s) {
  const f = (m) => s.toLowerCase().replace(/ä/g, m[0]).replace(/ö/g, m[1]).replace(/ü/g, m[2]).replace(/ß/g, "ss");
  const a = f(["ae", "oe", "ue"]), b = f(["a", "o", "u"]);
  return a === b ? [a] : [a, b];
}
function addPerson(pnr, name, vorname, cols, lebenslauf = []) {
  const nr = `B-${next()}${Date.now() % 100000}`.slice(0, 20);
  const lit = (v) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replace(/\\/g, "\\\\").replace(/'/g, "''")}'`);
  const key = (s) => { const k = matchKey(s); return k.length === 1 ? lit(k[0]) : `CONCAT(${lit(k[0])}, CHAR(31 USING utf8mb4), ${lit(k[1])})`; };
  const c = { nr, name, vorname, ...cols };
  sql(`INSERT INTO person (org_id, ${Object.keys(c).join(", ")}, such_name, such_vorname, inhalt) SELECT id, ` +
    `${Object.values(c).map(lit).join(", ")}, ${key(name)}, ${key(vorname)}, RANDOM_BYTES(16) FROM organisation WHERE pnr = '${pnr}'`);
  const grams = [];
  for (const [tag, s] of [["n", name], ["v", vorname]])
    for (const part of matchKey(s))
      for (let i = 0; i + 3 <= part.length; i++) if (!grams.includes(tag + part.slice(i, i + 3))) grams.push(tag + part.slice(i, i + 3));
  if (grams.length)
    sql(`INSERT INTO person_such (org_id, gram, person_id) SELECT p.org_id, g.g, p.id FROM person p JOIN (${grams.map((g) => `SELECT ${lit(g)} AS g`).join(" UNION ALL ")}) g WHERE p.nr = '${nr}'`);
  lebenslauf.forEach(([beginn, ende, zeitart, st, rs, an, herr], pos) =>
    sql(`INSERT INTO lebenslauf (person_id, pos, beginn, ende, zeitart, stunden, regelstunden, dienstherr, anerkennung) ` +
      `SELECT id, ${pos}, ${lit(beginn)}, ${lit(ende)}, '${zeitart}', ${st}, ${rs}, ${lit(herr || "Stadt Münster")}, '${an}' FROM person WHERE nr = '${nr}'`));
  sql(`UPDATE organisation o SET ab_anzahl = (SELECT COUNT(*) FROM person p WHERE p.org_id = o.id) WHERE pnr = '${pnr}'`);
  return nr;
}

test("Anspruchsberechtigte: list, person with Lebenslauf and time line, Kontaktdaten ändern (keyboard only; 320 px) (issue 12)", async (page, context) => {
  const a = await adminSession(page);
  const sb = await createSb(page, { rechte: ["anspruchsberechtigte", "kontaktdaten"] });
  const nr = addPerson(a.pnr, "Müller-Lüdenscheidt", "Erika", {
    art: "aktiv", titel: "Dr.", geburtsdatum: "1975-04-12", familienstand: "verheiratet", familienstand_seit: "2003-06-14",
    strasse: "Hauptstraße 1", plz: "48143", ort: "Münster", land: "DE", telefon: "0251 1234", email: "erika.mueller-luedenscheidt@example.org",
    dienst_verhaeltnis: "lebenszeit", dienst_amtsbezeichnung: "Stadtoberinspektorin", dienst_besoldungsgruppe: "A10", dienst_stufe: 6,
    dienst_stunden: 30, dienst_regelstunden: 41, dienst_eintritt: "2001-08-01",
  }, [["1994-10-01", "1997-09-30", "AUSB", 1, 1, "entschieden", "Fachhochschule für öffentliche Verwaltung Nordrhein-Westfalen"],
    ["1997-10-01", "1998-09-30", "SONST", 1, 1, "offen"],
    ["2001-08-01", "2010-07-31", "BEAMT", 41, 41, "gesetzlich"], ["2010-08-01", "2015-07-31", "BEAMT", 30, 41, "gesetzlich"],
    ["2015-08-01", "2016-07-31", "EZ", 1, 1, "gesetzlich"], ["2016-08-01", null, "BEAMT", 30, 41, "gesetzlich"]]);
  addPerson(a.pnr, "Schmidt", "Anna", { art: "hinterbliebene", geburtsdatum: "1950-01-02", versorgung_art: "witwengeld",
    versorgung_beginn: "2020-02-01", versorgung_bezug_nr: "V-0001" });
  await context.clearCookies();
  const s = { kennung: sb.kennung, email: sb.email, password: `Pflaume-${next()}-Kirsche!` };
  await activate(page, s);
  await loginWithTan(page, s, 0);
  // the list from the navigation, a name filter (anywhere, folded), a bad date at its field
  await tabFollow(page, "nav a[href='/anspruchsberechtigte']", "Anspruchsberechtigte");
  await tabType(page, "#filter-name", "luedensch");
  await tabPress(page, "#filter-name", "Enter", "Anspruchsberechtigte gefiltert");
  if (!(await page.textContent("main")).includes("1 - 1 von 1")) throw new Error("the name filter did not find the person");
  await tabType(page, "#filter-geburtsdatum", "31.02.1975");
  await tabPress(page, "#filter-geburtsdatum", "Enter", "Anspruchsberechtigte: ungültiges Geburtsdatum");
  if (!(await page.textContent("#filter-geburtsdatum-fehler")).includes("TT.MM.JJJJ")) throw new Error("no message at the date");
  await page.goto(BASE + "/anspruchsberechtigte?name=luedensch");
  // the person: sections, Lebenslauf table, time line as an image named in German
  await tabFollow(page, `main a[href='/anspruchsberechtigte/${nr}']`, "Person mit Lebenslauf und Zeitleiste");
  const tl = await page.evaluate(() => {
    const svg = document.querySelector("figure.timeline svg");
    return svg && { role: svg.getAttribute("role"), label: svg.getAttribute("aria-label"), bars: svg.querySelectorAll("rect").length };
  });
  if (!tl || tl.role !== "img" || !tl.label.startsWith("Zeitleiste") || tl.bars !== 6) throw new Error(`time line: ${JSON.stringify(tl)}`);
  // Kontaktdaten ändern: an invalid post (errors at the fields), then a valid one
  await tabFollow(page, `main a[href='/anspruchsberechtigte/${nr}/kontaktdaten']`, "Kontaktdaten ändern");
  await tabTo(page, "#f-plz");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("4814");
  await tabTo(page, "#f-telefon");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("0251 abc");
  await submit(page, "Kontaktdaten ändern mit Fehlern");
  if (!(await page.$("#f-plz-fehler")) || !(await page.$("#f-telefon-fehler"))) throw new Error("no errors at PLZ and Telefon");
  await tabTo(page, "#f-plz");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("48149");
  await tabTo(page, "#f-telefon");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("0251 4321");
  await submit(page, "Person nach gespeicherten Kontaktdaten");
  const main = await page.textContent("main");
  if (!main.includes("Die Kontaktdaten wurden gespeichert") || !main.includes("noch nicht an die Kasse übermittelt"))
    throw new Error("the change is not shown on the person's page");
  // 320 px: list, person (table stacked, time line scaled), form — nothing scrolls sideways
  const pages = await noSidewaysScrolling(page, "Sachbearbeiter (Anspruchsberechtigte)", ["/anspruchsberechtigte"],
    [`/anspruchsberechtigte/${nr}/kontaktdaten`, "/anspruchsberechtigte?geburtsdatum=31.02.1975"]);
  for (const p of ["/anspruchsberechtigte", `/anspruchsberechtigte/${nr}`, `/anspruchsberechtigte/${nr}/kontaktdaten`])
    if (!pages.includes(p)) throw new Error(`${p} not reached at 320 px (${pages.join(" ")})`);
  // the stacked list and Lebenslauf name every value's column (from mv.css: no data-label per cell)
  for (const [url, sel, want] of [["/anspruchsberechtigte", "table.ab-liste", '"Name","Vorname","Nr.","Geburtsdatum","Art"'],
    [`/anspruchsberechtigte/${nr}`, "table.lebenslauf", '"Beginn","Ende","Zeitart","Umfang","Dienstherr","Anerkennung","ruhegehaltfähige Tage"']]) {
    await page.goto(BASE + url);
    const labels = await page.$$eval(`${sel} tbody tr:first-child td`, (tds) =>
      tds.map((td) => getComputedStyle(td, "::before").content.replace(/ \/ ""$/, "")));
    if (labels.join() !== want) throw new Error(`${url} at 320 px: cells without their column's name: ${labels.join()}`);
  }
});

// An active official of the organisation pnr through the Kasse's import (one JSON line).
function importPerson(pnr, nr) {
  mkdirSync(ART, { recursive: true });
  const file = path.join(ART, `person-${nr}.jsonl`);
  writeFileSync(file, JSON.stringify({ pnr, nr, art: "aktiv", name: "Muster", vorname: "Erika", geburtsdatum: "1975-04-12",
    dienst: { verhaeltnis: "lebenszeit", amtsbezeichnung: "Stadtoberinspektorin", besoldungsgruppe: "A10", stufe: 6,
      umfang: [30, 41], eintritt: "2001-08-01" },
    lebenslauf: [{ beginn: "2001-08-01", ende: null, zeitart: "BEAMT", umfang: [30, 41], anerkennung: "gesetzlich" }] }) + "\n");
  mvctl("ab", "import", "--file", file);
}
// keyboard only: choose the option whose label starts with text in the <select> sel (type-ahead)
async function tabChoose(page, sel, text) {
  await tabTo(page, sel);
  await page.keyboard.type(text);
  const label = await page.$eval(sel, (s) => s.options[s.selectedIndex].text);
  if (!label.startsWith(text)) throw new Error(`${sel}: chose "${label}", not "${text}…"`);
}
async function tabFile(page, sel, file) {
  await tabTo(page, sel);
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  await chooser.setFiles(file);
}

test("Meldungen: a form with errors, submitted with its Urkunde, Rückfrage answered, erledigt with the Kasse's document, a withdrawal; printable; 320 px (keyboard only)", async (page) => {
  const a = await adminSession(page);
  const sb = await createSb(page, { gruppen: [1], rechte: ["anspruchsberechtigte", "formulare"], vorname: "Fenja" });
  const nr = `B-${next()}`;
  importPerson(a.pnr, nr);
  const pdf = path.join(ART, "urkunde.pdf");
  writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
  await page.context().clearCookies();
  sb.password = `Quitte-${next()}-Pflaume!`;
  await page.goto(BASE + linkIn(await waitMail(sb.email, "Passwort festlegen"), "/passwort-setzen"));
  await tabType(page, "#f-passwort", sb.password);
  await tabType(page, "#f-passwort_wiederholung", sb.password);
  await submit(page, "Anmeldeseite nach Passwort");
  await loginWithTan(page, sb, 0);
  // from here on the keyboard only
  await tabFollow(page, "nav a[href='/formulare']", "Meldungen (leer)");
  await tabFollow(page, "a[href='/formulare/neu']", "Neue Meldung");
  await tabPress(page, "main button[type=submit]", "Enter", "Neue Meldung mit Fehlern");
  await tabTo(page, "#f-formular");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  if (!(await page.isChecked("#f-formular-ernennung"))) throw new Error("the arrow keys did not choose Ernennung");
  await tabType(page, "#f-nr", nr);
  await tabPress(page, "main button[type=submit]", "Enter", "Formular Ernennung / Beförderung");
  if (!(await page.textContent("main")).includes("Stadtoberinspektorin")) throw new Error("no Dienstverhältnis beside the form");
  await tabTo(page, "button[value=einreichen]");
  await submit(page, "Ernennung mit Fehlern");
  await tabChoose(page, "#f-anlass", "Bef");
  await tabType(page, "#f-wirksam_ab", "01.01.2030");
  await tabType(page, "#f-amtsbezeichnung", "Stadtamtsrätin");
  await tabType(page, "#f-besoldungsgruppe", "A12");
  await tabType(page, "#f-stufe", "5");
  await tabFile(page, "#f-anlage", pdf);
  await tabTo(page, "button[value=einreichen]");
  await submit(page, "Eingangsbestätigung");
  const az = (await page.textContent("main")).match(/BF\d{3}-\d{4}-\d{6,9}/)[0];
  if (!page.url().endsWith(`/formulare/${az}?eingereicht=1`)) throw new Error(`after submitting: ${page.url()}`);
  // printed: no navigation, no buttons; the Aktenzeichen and the values
  await page.emulateMedia({ media: "print" });
  const printed = await page.evaluate(() => ({
    nav: getComputedStyle(document.querySelector("nav")).display,
    actions: getComputedStyle(document.querySelector(".actions")).display,
    head: getComputedStyle(document.querySelector(".print-only")).display }));
  if (printed.nav !== "none" || printed.actions !== "none" || printed.head === "none") throw new Error(`print: ${JSON.stringify(printed)}`);
  await page.emulateMedia({ media: "screen" });
  mvctl("meldung", "status", "--az", az, "--status", "in_bearbeitung");
  mvctl("meldung", "status", "--az", az, "--status", "rueckfrage", "--text", "Bitte die Urkunde beidseitig.");
  await visit(page, "/formulare", "Meldungen mit Rückfrage");
  await tabFollow(page, `a[href='/formulare/${az}']`, "Meldung mit Rückfrage");
  await tabType(page, "#f-text", "Anbei beidseitig.");
  await tabFile(page, "#f-anlage", pdf);
  await tabPress(page, "main form[action$='/antwort'] button[type=submit]", "Enter", "Meldung nach der Antwort");
  mvctl("meldung", "status", "--az", az, "--status", "in_bearbeitung");
  mvctl("meldung", "status", "--az", az, "--status", "erledigt", "--anhang", pdf);
  await visit(page, `/formulare/${az}`, "Meldung erledigt");
  const links = await page.$$eval("ul.documents a", (as) => as.length);
  if (links !== 3) throw new Error(`documents: ${links}`);
  // a withdrawal
  await visit(page, `/formulare/neu/versorgungsauskunft?nr=${nr}`, "Versorgungsauskunft");
  await tabChoose(page, "#f-variante", "Ruhestand mit");
  await tabChoose(page, "#f-anlass", "Voll");
  await tabTo(page, "button[value=einreichen]");
  await submit(page, "Eingangsbestätigung Versorgungsauskunft");
  await tabPress(page, "main form[action$='/zurueckziehen'] button", "Enter", "Meldung zurückgezogen");
  if (!(await page.textContent("main")).includes("Zurückgezogen")) throw new Error("not withdrawn");
  await noSidewaysScrolling(page, "Sachbearbeiterin mit Meldungen", ["/formulare", "/formulare/neu", `/formulare/${az}`,
    `/formulare/neu/beschaeftigungsumfang?nr=${nr}`, `/formulare/neu/beurlaubung?nr=${nr}`, `/formulare/neu/abgang?nr=${nr}`,
    `/formulare/neu/versorgungsfall?nr=${nr}`]);
});

registerKassePortaladmin({ test, mvctl, next, activate, loginWithTan, visit, tabTo, tabType, tabPress, tabFollow,
  tabChoose, noSidewaysScrolling });
registerKasseNachrichten({ test, BASE, ART, mvctl, sql, next, activate, loginWithTan, visit, check, submit, tabTo, tabType,
  tabPress, tabFollow, tabChoose, tabFile, adminSession, createSb, noSidewaysScrolling });
registerKasseMeldungen({ test, ART, mvctl, sql, next, activate, loginWithTan, visit, tabTo, tabType, tabPress, tabFollow,
  tabChoose, tabFile, adminSession, noSidewaysScrolling });

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let passed = 0, failed = 0;
// MV_BROWSER_ONLY=text runs only the tests whose name contains text (while working on them)
const only = process.env.MV_BROWSER_ONLY;
for (const t of tests.filter((x) => !only || x.name.includes(only))) {
  const context = await browser.newContext({ acceptDownloads: true, locale: "de-DE" });
  const page = await context.newPage();
  // file choosers are intercepted from the start: Playwright turns interception on asynchronously when
  // the first listener is added, so a waitForEvent("filechooser") set up together with the key press
  // could lose the race under load and the chooser would open unseen
  page.on("filechooser", () => {});
  const t0 = Date.now();
  try {
    await t.fn(page, context);
    passed++;
    console.log(`PASS  browser: ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (e) {
    failed++;
    mkdirSync(ART, { recursive: true });
    const shot = path.join(ART, `${t.name.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`FAIL  browser: ${t.name}\n      ${String(e.stack || e).split("\n").slice(0, 4).join("\n      ")}\n      screenshot: ${path.relative(ROOT, shot)}`);
  }
  await context.close();
}
await browser.close();
console.log(`\n${checked.length} page states checked with axe (WCAG 2.1 AA)${""}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
