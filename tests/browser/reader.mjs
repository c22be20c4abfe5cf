// A reader's tasks, done in Debian's Chromium by clicking links from the overview and reading
// what the page shows (rendered text only, `innerText`): the final outcome of a case, why a
// party is on the tier it is on, the tally of an instrument. Each task counts its clicks.
// Prints a JSON report; the Rust test (tests/it/reading.rs) compares each text with the API.
//
// Usage: node reader.mjs <base-url> <tasks.json>
//   tasks.json: [{"kind": "case", "id": "2026-002"},
//                {"kind": "party", "id": "kestrel-software", "name": "Kestrel Software"},
//                {"kind": "instrument", "id": "norm-joint-exercises", "title": "…"}]
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [base, tasksFile] = process.argv.slice(2);
const tasks = JSON.parse(readFileSync(tasksFile, "utf8"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const report = { tasks: [], errors: [] };
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  for (const task of tasks) {
    let clicks = 0;
    const click = async (locator) => {
      await locator.first().click();
      await page.waitForLoadState("load");
      clicks += 1;
    };
    try {
      await page.goto(base + "/");
      let text = "";
      if (task.kind === "case") {
        await click(page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Docket", exact: true }));
        await click(page.getByRole("link", { name: task.id, exact: true }));
        text = await page.locator("p", { hasText: "Outcome:" }).first().innerText();
      } else if (task.kind === "party") {
        await click(page.getByRole("link", { name: task.name, exact: true }));
        text = await page.locator("p.decision").first().innerText();
      } else if (task.kind === "instrument") {
        await click(page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Negotiations", exact: true }));
        const card = page.locator("article.instrument", { has: page.getByRole("link", { name: task.title, exact: true }) });
        text = await card.innerText();
      }
      report.tasks.push({ ...task, clicks, url: page.url(), text });
    } catch (e) {
      report.errors.push(`${task.kind} ${task.id}: ${e}`);
    }
  }
} catch (e) {
  report.errors.push(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
