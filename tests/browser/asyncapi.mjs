// Opens the chat's API docs page (`/asyncapi`, rendered by the AsyncAPI React component that
// the chat serves from its npm packages) in headless Chromium and reads what it shows:
//
//   node tests/browser/asyncapi.mjs BASE_URL TEXT...
//
// Waits until the page's text contains every TEXT (bounded: 30 s), then prints one JSON line
// {"ok": true, "found": [...]} and exits 0. On failure prints {"ok": false, "missing": [...],
// "errors": [...]}, saves $SCREENSHOT_DIR/browser-asyncapi.png (default: target/) and exits 1.
// Chromium is Debian's `chromium` (scripts/ensure-chromium.sh); playwright-core comes from
// tests/js.

import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(new URL("../js/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, ...wanted] = process.argv.slice(2);
if (!base || wanted.length === 0) {
  console.error("usage: node asyncapi.mjs BASE_URL TEXT...");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const shots = process.env.SCREENSHOT_DIR || path.join(here, "../../target");

const executablePath = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
const browser = await chromium.launch({
  executablePath,
  headless: true,
  timeout: 20_000,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const errors = [];
let missing = wanted;
const page = await browser.newPage();
page.on("pageerror", (e) => errors.push(String(e)));
page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
try {
  await page.goto(new URL("asyncapi", base).href, { timeout: 15_000 });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = await page.evaluate(() => document.body.innerText);
    missing = wanted.filter((w) => !text.includes(w));
    if (missing.length === 0) break;
    await page.waitForTimeout(200);
  }
} catch (e) {
  errors.push(String(e));
}
const ok = missing.length === 0;
if (!ok) {
  await page.screenshot({ path: path.join(shots, "browser-asyncapi.png"), fullPage: true }).catch(() => {});
}
await browser.close();
console.log(JSON.stringify(ok ? { ok, found: wanted } : { ok, missing, errors }));
process.exit(ok ? 0 : 1);
