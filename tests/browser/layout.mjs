// Lays every page of a running Accord server out in Debian's Chromium at 360, 768 and 1400 px
// and measures what a reader would notice: a page wider than the window, a table wider than
// its container, chart text smaller than 12 px as rendered (font size times the SVG's scale
// on screen), and axe-core's WCAG 2.1 A/AA findings. Prints a JSON report; the Rust test
// (tests/it/layout.rs) judges it.
//
// Usage: node layout.mjs <base-url> <screenshot-dir> <paths.json>
//   paths.json: [{"path": "/", "name": "overview", "shot": true, "axe": true}, ...]; pages
//   with "shot" are photographed as the reader first sees them (the window, 900 px high) at
//   1400 and 360 px as <name>-1400.png and <name>-360.png; pages with "axe" are audited.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const [base, shots, pathsFile] = process.argv.slice(2);
const paths = JSON.parse(readFileSync(pathsFile, "utf8"));
mkdirSync(shots, { recursive: true });
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const report = { visited: 0, overflow: [], wide_tables: [], small_text: [], violations: [], errors: [] };
try {
  for (const width of [360, 768, 1400]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => report.errors.push(`${width}px: ${e}`));
    for (const { path, name, shot, axe } of paths) {
      const res = await page.goto(base + path, { waitUntil: "load" });
      if (res.status() !== 200) {
        report.errors.push(`${width}px ${path}: HTTP ${res.status()}`);
        continue;
      }
      report.visited += 1;
      // Every table view and folded detail open, as a reader would open them.
      await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
      const m = await page.evaluate(() => {
        const doc = document.documentElement;
        const out = { page: doc.scrollWidth - doc.clientWidth, tables: [], text: [] };
        for (const t of document.querySelectorAll("table")) {
          const box = t.parentElement.getBoundingClientRect();
          const own = t.getBoundingClientRect();
          // A table inside a collapsed <details> has no box: it is not on screen.
          if (own.width === 0) continue;
          if (own.right > box.right + 0.5 || own.width > doc.clientWidth) {
            out.tables.push({ id: t.id || t.caption?.textContent?.slice(0, 40) || "?", width: Math.round(own.width), container: Math.round(box.width) });
          }
        }
        for (const t of document.querySelectorAll("svg text")) {
          const ctm = t.getScreenCTM();
          if (!ctm || !t.textContent.trim()) continue;
          const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(ctm.a, ctm.b);
          if (px < 11.95) out.text.push({ text: t.textContent.trim().slice(0, 30), px: Math.round(px * 10) / 10 });
        }
        // What sticks out, innermost first, to name the culprit of an overflow.
        out.culprits = [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > doc.clientWidth + 0.5 && ![...e.children].some((c) => c.getBoundingClientRect().right > doc.clientWidth + 0.5))
          .slice(0, 3)
          .map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : ""} "${(e.textContent || "").trim().slice(0, 30)}"`);
        return out;
      });
      if (m.page > 0) report.overflow.push({ width, path, by: m.page, culprits: m.culprits });
      for (const t of m.tables) report.wide_tables.push({ width, path, ...t });
      if (m.text.length) report.small_text.push({ width, path, smallest: m.text.sort((a, b) => a.px - b.px).slice(0, 3), count: m.text.length });
      if (axe) {
        await page.evaluate(axeSource);
        const result = await page.evaluate(() =>
          // eslint-disable-next-line no-undef
          axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
        );
        for (const v of result.violations) {
          report.violations.push({ width, path, id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) });
        }
      }
      if (shot && (width === 1400 || width === 360)) {
        await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = false)));
        await page.screenshot({ path: `${shots}/${name}-${width}.png` });
      }
    }
    await context.close();
  }
} catch (e) {
  report.errors.push(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
