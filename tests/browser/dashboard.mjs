// Drives the dashboard of a running Accord server in Debian's Chromium: navigation, the log
// explorer's search, the in-browser verification of an entry (and its failure when the proof
// or the entry bytes are tampered with on the way), screenshots, and an axe-core check of
// every page visited at WCAG 2.1 levels A and AA. Prints a JSON report; the Rust test
// (tests/browser.rs) judges it.
//
// Usage: node dashboard.mjs <base-url> <screenshot-dir>
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const [base, shots, tokenParty, token] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const report = { pages: [], violations: [], errors: [], steps: {} };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  // Every page runs under its Content-Security-Policy; any violation it reports is recorded.
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  report.csp = [];
  const page = await context.newPage();
  // Waits until the page's in-browser check has a verdict, verified or failed.
  const settled = () =>
    page.waitForFunction(
      () => /verified|failed/.test(document.querySelector("output#verdict")?.className ?? ""),
      null,
      { timeout: 20000 },
    );
  const flip = (b64) => {
    const bytes = Buffer.from(b64, "base64");
    bytes[0] ^= 1;
    return bytes.toString("base64");
  };
  page.on("pageerror", (e) => report.errors.push(String(e)));

  const visit = async (path, name) => {
    const started = Date.now();
    const res = await page.goto(base + path, { waitUntil: "load" });
    report.pages.push({
      path,
      status: res.status(),
      ms: Date.now() - started,
      title: await page.title(),
      csp: (await res.allHeaders())["content-security-policy"] ?? null,
    });
    for (const v of await page.evaluate(() => window.__csp)) report.csp.push({ path, violation: v });
    await audit(path);
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  };
  const audit = async (path) => {
    // Evaluated through the DevTools protocol, which the page's CSP rightly does not govern
    // (an inline <script> tag would be refused, as the CSP means it to be).
    await page.evaluate(axeSource);
    const result = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
    );
    for (const v of result.violations) {
      report.violations.push({
        path,
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      });
    }
  };

  for (const [path, name] of [
    ["/", "overview"],
    ["/catalog", "catalog"],
    ["/negotiations", "negotiations"],
    ["/calendar", "calendar"],
    ["/overdue", "overdue"],
    ["/log", "log"],
    ["/party/cert-aldoria", "party"],
    ["/party/state-dunmore/indicator/remediation_within_deadline", "explain"],
    ["/norm/vulnerability-disclosure", "norm"],
    ["/regions", "regions"],
    ["/region/europe", "region"],
    ["/region/europe/report", "region-report"],
    ["/docket", "docket"],
    ["/docket/2026-002", "case"],
    ["/certifications", "certifications"],
    ["/credential/0", "credential"],
    ["/intel", "sharing"],
    ["/login", "login"],
  ]) {
    await visit(path, name);
  }

  // Navigation: from the overview to the log through the menu, then a search by index.
  await page.goto(base + "/");
  await page.getByRole("link", { name: "Log", exact: true }).click();
  await page.waitForURL("**/log");
  await page.getByLabel("Entry index").fill("7");
  await page.getByRole("button", { name: "Open" }).click();
  await page.waitForURL("**/log/7");
  report.steps.search = page.url().endsWith("/log/7");

  // A filter in the URL: the overview of one region.
  await page.goto(base + "/");
  await page.getByLabel("Region").selectOption("africa");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL("**/?region=africa**");
  report.steps.filter = (await page.locator("#parties-by-region tbody tr").count()) === 1;

  // The explain view from a party's indicators.
  await page.goto(base + "/party/state-dunmore");
  await page.getByRole("link", { name: "remediation within deadline" }).click();
  await page.waitForURL("**/indicator/remediation_within_deadline**");
  report.steps.explain = (await page.locator("#items tbody tr").count()) > 0;

  // A party signs in with its token and sees its own view; signing out removes it.
  if (token) {
    await page.goto(base + "/login");
    await page.getByLabel("Token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/party/" + tokenParty);
    report.steps.own_view = await page.getByRole("heading", { name: "Your view" }).isVisible();
    report.steps.own_cache = (await (await page.request.get(base + "/party/" + tokenParty)).headers())["cache-control"];
    await audit("/party/" + tokenParty + " (signed in)");
    await page.screenshot({ path: `${shots}/party-signed-in.png`, fullPage: true });
    // The party reads its own confidential evidence with the form of its session: the
    // content arrives as a download, and the read is logged.
    const first = page.locator("#my-evidence tbody button").first();
    if ((await first.count()) > 0) {
      const download = page.waitForEvent("download");
      await first.click();
      const file = await (await download).path();
      report.steps.evidence_read = readFileSync(file, "utf8").length > 0;
    }
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(base + "/");
    await page.goto(base + "/party/" + tokenParty);
    report.steps.signed_out = (await page.getByRole("heading", { name: "Your view" }).count()) === 0;
  }

  // The log only grew: the consistency of an early checkpoint with the latest, in the page.
  await page.goto(base + "/log/checkpoints");
  await settled();
  report.steps.consistency = {
    verified: (await page.locator("output#verdict").getAttribute("class")) === "verified",
    text: await page.locator("output#verdict").textContent(),
  };
  await audit("/log/checkpoints");
  await page.screenshot({ path: `${shots}/checkpoints.png`, fullPage: true });
  await page.route("**/proof/consistency*", async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.proof[json.proof.length - 1] = flip(json.proof[json.proof.length - 1]);
    await route.fulfill({ response, json });
  });
  await page.reload();
  await settled();
  report.steps.consistency_tampered = (await page.locator("output#verdict").getAttribute("class")) === "failed";
  await page.unroute("**/proof/consistency*");

  // The in-browser verification of the entry.
  await page.goto(base + "/log/7");
  const verdict = page.locator("output#verdict");
  await settled();
  report.steps.verified = (await verdict.getAttribute("class")) === "verified";
  report.steps.verified_text = await verdict.textContent();
  await audit("/log/7");
  await page.screenshot({ path: `${shots}/entry-verified.png`, fullPage: true });

  // A tampered inclusion proof must fail, in plain view.
  await page.route("**/proof/inclusion*", async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.proof[0] = flip(json.proof[0]);
    await route.fulfill({ response, json });
  });
  await page.reload();
  await settled();
  report.steps.tampered_proof = {
    failed: (await verdict.getAttribute("class")) === "failed",
    text: await verdict.textContent(),
  };
  await page.screenshot({ path: `${shots}/entry-tampered-proof.png`, fullPage: true });
  await page.unroute("**/proof/inclusion*");

  // So must tampered entry bytes in the bundle.
  await page.route("**/tile/entries/**", async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    // Walk the bundle (16-bit lengths) to entry 7 and flip a byte in its middle.
    let at = 0;
    for (let i = 0; i < 7; i++) at += 2 + body.readUInt16BE(at);
    body[at + 2 + (body.readUInt16BE(at) >> 1)] ^= 1;
    await route.fulfill({ response, body });
  });
  await page.reload();
  await settled();
  report.steps.tampered_entry = {
    failed: (await verdict.getAttribute("class")) === "failed",
    text: await verdict.textContent(),
  };
  await page.unroute("**/tile/entries/**");

  // A verifier key the reader pasted that is not the instance's: the signature check fails.
  await page.reload();
  await settled();
  await page.getByLabel("Verifier key").fill("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  await page.getByRole("button", { name: "Verify again" }).click();
  await page.waitForFunction(() => document.querySelector("output#verdict")?.className === "failed", null, { timeout: 20000 });
  report.steps.wrong_key = { failed: true, text: await verdict.textContent() };
} catch (e) {
  report.errors.push(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
