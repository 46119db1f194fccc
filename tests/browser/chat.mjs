// Browser test of the chat demo page (examples/chat/static) in real headless Chromium, driven
// with playwright-core (installed in tests/js/node_modules from tests/js/package-lock.json).
//
//   node tests/browser/chat.mjs BASE_URL [--skip-restart]
//
// BASE_URL is the running chat server, e.g. http://127.0.0.1:3000/. Chromium is Debian's
// `chromium` on PATH (scripts/ensure-chromium.sh installs it); Playwright's own browser
// download is never used.
//
// Protocol with the driver (the Rust test):
//   stdout  exactly two kinds of line: `READY-FOR-RESTART` once the first part passed (then
//           the script waits), and at the end one JSON line `{"ok":true,...}` on success.
//           Progress and diagnostics go to stderr.
//   stdin   after READY-FOR-RESTART the script reads lines until one is `RESTARTED` (the
//           driver restarted the server on the same port); stdin closing first is a failure.
//   exit    0 on success; 1 on any failure, after saving one screenshot per page to
//           $SCREENSHOT_DIR/browser-failure-<n>.png (n = 1 for page A, 2 for page B;
//           SCREENSHOT_DIR defaults to the workspace's target/); 2 on bad usage.
// `--skip-restart` (or CHAT_SKIP_RESTART=1) leaves out the restart part: nothing is printed
// or read between the two parts.
// Everything is bounded: the whole run gives up after 60 s.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const require = createRequire(new URL("../js/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const TOTAL_MS = 60_000;
const STEP_MS = 10_000;
const started = Date.now();

const argv = process.argv.slice(2);
const skipRestart = argv.includes("--skip-restart") || process.env.CHAT_SKIP_RESTART === "1";
const baseArg = argv.find((a) => !a.startsWith("--")) || process.env.CHAT_URL;
if (!baseArg) {
  console.error("usage: node tests/browser/chat.mjs BASE_URL [--skip-restart]");
  process.exit(2);
}
const base = new URL(baseArg).href;
const screenshotDir = path.resolve(
  process.env.SCREENSHOT_DIR || fileURLToPath(new URL("../../target/", import.meta.url)),
);

const log = (...args) =>
  console.error(`[chat-browser ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...args);

let context = null;
let userDataDir = null;
const pages = []; // [{label, page, errors: []}]
const steps = [];
let currentStep = "start";
let failing = false;

function remaining() {
  return TOTAL_MS - (Date.now() - started);
}

// A step's time limit: STEP_MS (or `ms`), never past the overall budget (keeping 5 s for the
// failure path: screenshots and closing the browser).
function limit(ms = STEP_MS) {
  return Math.max(1, Math.min(ms, remaining() - 5_000));
}

function cleanup() {
  if (userDataDir) {
    try {
      fs.rmSync(userDataDir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

async function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function fail(error) {
  if (failing) return;
  failing = true;
  console.error(`FAILED in step "${currentStep}": ${error && error.stack ? error.stack : error}`);
  try {
    fs.mkdirSync(screenshotDir, { recursive: true });
  } catch {
    // reported below when the screenshot fails
  }
  for (const [i, p] of pages.entries()) {
    const file = path.join(screenshotDir, `browser-failure-${i + 1}.png`);
    try {
      await withTimeout(p.page.screenshot({ path: file, fullPage: true, timeout: 3_000 }), 4_000);
      console.error(`screenshot of page ${p.label}: ${file}`);
    } catch (e) {
      console.error(`no screenshot of page ${p.label}: ${e.message}`);
    }
    try {
      const state = await withTimeout(
        p.page.evaluate(() => ({
          status: document.getElementById("status")?.textContent,
          state: document.getElementById("status")?.dataset.state,
          rooms: [...document.querySelectorAll("#rooms li")].map(
            (li) => `${li.dataset.room}${li.dataset.joined === "true" ? "" : " (stale)"}`,
          ),
          errors: [...document.querySelectorAll("#errors > li")].map((li) => li.innerText),
        })),
        2_000,
      );
      console.error(`page ${p.label}: ${JSON.stringify(state)}`);
    } catch {
      // the page may be gone
    }
    if (p.errors.length) console.error(`page ${p.label} errors: ${p.errors.join(" | ")}`);
  }
  if (context) await withTimeout(context.close().catch(() => {}), 3_000);
  cleanup();
  process.exit(1);
}

// The whole run is bounded: past the budget the failure path runs (and past that, exit).
setTimeout(() => {
  fail(new Error(`the test did not finish within ${TOTAL_MS / 1000} s`));
  setTimeout(() => process.exit(1), 4_000).unref();
}, TOTAL_MS - 4_000).unref();
process.on("unhandledRejection", (e) => fail(e));

async function step(name, fn) {
  currentStep = name;
  const t = Date.now();
  log(`step: ${name}`);
  await fn();
  for (const p of pages) {
    if (p.errors.length) throw new Error(`page ${p.label} raised: ${p.errors.join(" | ")}`);
  }
  steps.push({ name, ms: Date.now() - t });
}

// ---- page helpers -----------------------------------------------------------------------------
// Both pages are tabs of one window: only the front tab gets animation frames, so every action
// first brings its page to the front, and every wait polls on a timer (timer throttling of
// background tabs is off in Playwright's Chromium flags) instead of on animation frames.

let front = null;
async function toFront(page) {
  if (front !== page) {
    await page.bringToFront();
    front = page;
  }
}

const poll = (ms = STEP_MS) => ({ polling: 100, timeout: limit(ms) });

async function openPage(label) {
  const page = pages.length === 0 && context.pages().length ? context.pages()[0] : await context.newPage();
  const entry = { label, page, errors: [] };
  page.on("pageerror", (e) => entry.errors.push(`uncaught: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") log(`page ${label} console error: ${m.text()}`);
  });
  pages.push(entry);
  await toFront(page);
  await page.goto(base, { waitUntil: "load", timeout: limit() });
  return page;
}

async function connect(page, name) {
  await toFront(page);
  await page.fill("#name", name, { timeout: limit() });
  await page.click("#connect", { timeout: limit() });
  await page.waitForFunction(
    () => {
      const s = document.getElementById("status");
      return s.dataset.state === "connected" && Boolean(s.dataset.sid);
    },
    null,
    poll(),
  );
  return page.getAttribute("#status", "data-sid");
}

function waitJoined(page, room) {
  return page.waitForFunction(
    (room) =>
      [...document.querySelectorAll("#rooms li")].some(
        (li) => li.dataset.room === room && li.dataset.joined === "true",
      ),
    room,
    poll(),
  );
}

async function join(page, room) {
  await toFront(page);
  await page.fill("#room", room, { timeout: limit() });
  await page.click("#join", { timeout: limit() });
  await waitJoined(page, room);
}

async function leave(page, room) {
  await toFront(page);
  await page.fill("#room", room, { timeout: limit() });
  await page.click("#leave", { timeout: limit() });
  await page.waitForFunction(
    (room) =>
      ![...document.querySelectorAll("#rooms li")].some((li) => li.dataset.room === room),
    room,
    poll(),
  );
}

async function selectRoom(page, room) {
  await toFront(page);
  await page.evaluate((room) => {
    const li = [...document.querySelectorAll("#rooms li")].find((li) => li.dataset.room === room);
    if (!li) throw new Error(`room ${room} is not in #rooms`);
    li.querySelector("button").click();
  }, room);
}

async function send(page, text) {
  await toFront(page);
  await page.fill("#text", text, { timeout: limit() });
  await page.click("#send", { timeout: limit() });
}

// Waits until #messages shows `room` with a message from `name` reading exactly `text`.
function expectMessage(page, room, name, text) {
  return page.waitForFunction(
    ({ room, name, text }) =>
      document.getElementById("messages").dataset.room === room &&
      [...document.querySelectorAll("#messages .message")].some(
        (li) =>
          li.querySelector(".sender")?.textContent === name &&
          li.querySelector(".text")?.textContent === text,
      ),
    { room, name, text },
    poll(),
  );
}

function expectSystem(page, text) {
  return page.waitForFunction(
    (text) =>
      [...document.querySelectorAll("#messages .system")].some((li) =>
        li.textContent.includes(text),
      ),
    text,
    poll(),
  );
}

// Tries to join `room`, which the server must refuse: waits for the validation error (code,
// message, details) at the top of #errors and checks the room did not appear in #rooms.
async function expectJoinRefused(page, room) {
  await toFront(page);
  const context = `join ${JSON.stringify(room)}`;
  await page.fill("#room", room, { timeout: limit() });
  await page.click("#join", { timeout: limit() });
  const handle = await page.waitForFunction(
    (context) => {
      const li = document.querySelector("#errors > li");
      if (!li || li.dataset.context !== context) return null;
      return {
        code: li.dataset.code,
        message: li.querySelector(".message")?.textContent ?? "",
        details: [...li.querySelectorAll(".details li")].map((d) => d.textContent),
        visible: li.offsetParent !== null,
      };
    },
    context,
    poll(),
  );
  const shown = await handle.jsonValue();
  if (shown.code !== "validation_failed") {
    throw new Error(`joining ${context}: expected validation_failed, got ${JSON.stringify(shown)}`);
  }
  if (!shown.message || !shown.details.length || !shown.visible) {
    throw new Error(`joining ${context}: the error lacks its message or details: ${JSON.stringify(shown)}`);
  }
  const rooms = await page.$$eval("#rooms li", (lis) => lis.map((li) => li.dataset.room));
  if (rooms.includes(room)) throw new Error(`the refused room ${context} shows in #rooms`);
  return shown;
}

// Waits for a line `RESTARTED` on stdin.
function waitRestarted(ms) {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: process.stdin });
    const timer = setTimeout(() => {
      reject(new Error(`no RESTARTED line on stdin within ${Math.round(ms / 1000)} s`));
      rl.close();
    }, ms);
    let done = false;
    rl.on("line", (line) => {
      if (line.trim() === "RESTARTED") {
        done = true;
        clearTimeout(timer);
        rl.close();
        resolve();
      }
    });
    rl.on("close", () => {
      clearTimeout(timer);
      if (!done) reject(new Error("stdin closed before a RESTARTED line"));
    });
  });
}

// ---- the test ---------------------------------------------------------------------------------

async function main() {
  let executablePath;
  try {
    executablePath = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("`chromium` is not on PATH: run scripts/ensure-chromium.sh");
  }
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fastsio-chat-browser-"));
  log(`chromium ${executablePath}, page ${base}`);

  await step("launch chromium", async () => {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      timeout: limit(20_000),
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });

  let a;
  let b;
  const sids = {};
  await step("A and B open the page and connect", async () => {
    a = await openPage("A");
    b = await openPage("B");
    sids.a = await connect(a, "alice");
    sids.b = await connect(b, "bob");
    const me = await a.textContent("#me");
    if (me !== "alice") throw new Error(`page A shows the name ${JSON.stringify(me)}`);
  });

  await step("both join lobby", async () => {
    await join(a, "lobby");
    await join(b, "lobby");
    await expectSystem(a, "bob joined");
  });

  // Includes markup: it must show as text, never as elements.
  const hello = 'hello from alice <b id="injected">bold</b> & <img src=x onerror="window.__xss=1">';
  await step("A sends, both see it", async () => {
    await send(a, hello);
    await expectMessage(b, "lobby", "alice", hello);
    await expectMessage(a, "lobby", "alice", hello);
    for (const p of [a, b]) {
      const injected = await p.evaluate(
        () => document.querySelector("#messages b, #messages img") !== null || window.__xss === 1,
      );
      if (injected) throw new Error("a message's markup was rendered as HTML");
    }
  });

  await step("B replies, A sees it", async () => {
    await send(b, "hi alice, bob here");
    await expectMessage(a, "lobby", "bob", "hi alice, bob here");
  });

  await step("A joins and leaves a second room", async () => {
    await join(a, "side-room");
    await leave(a, "side-room");
    await waitJoined(a, "lobby");
    await selectRoom(a, "lobby");
    await expectMessage(a, "lobby", "bob", "hi alice, bob here");
  });

  const refused = {};
  await step("invalid room names show validation errors", async () => {
    refused.empty = await expectJoinRefused(a, "");
    refused.long = await expectJoinRefused(a, "x".repeat(70));
    log(`validation error shown: ${JSON.stringify(refused.long)}`);
  });

  if (!skipRestart) {
    await step("server restart", async () => {
      process.stdout.write("READY-FOR-RESTART\n");
      await waitRestarted(Math.max(1, remaining() - 20_000));
    });

    await step("both pages reconnect and rejoin lobby", async () => {
      for (const [p, old] of [
        [a, sids.a],
        [b, sids.b],
      ]) {
        await p.waitForFunction(
          (old) => {
            const s = document.getElementById("status");
            return s.dataset.state === "connected" && s.dataset.sid && s.dataset.sid !== old;
          },
          old,
          poll(15_000),
        );
        await waitJoined(p, "lobby");
        const reconnects = Number(await p.getAttribute("#status", "data-reconnects"));
        if (!(reconnects >= 1)) throw new Error(`data-reconnects is ${reconnects}, expected >= 1`);
      }
      sids.a2 = await a.getAttribute("#status", "data-sid");
      sids.b2 = await b.getAttribute("#status", "data-sid");
    });

    await step("messages flow again after the restart", async () => {
      await send(a, "alice, after the restart");
      await expectMessage(b, "lobby", "alice", "alice, after the restart");
      await send(b, "bob, after the restart");
      await expectMessage(a, "lobby", "bob", "bob, after the restart");
    });
  }

  currentStep = "close";
  await withTimeout(context.close(), 5_000);
  context = null;
  cleanup();
  process.stdout.write(
    `${JSON.stringify({
      ok: true,
      elapsed_ms: Date.now() - started,
      restart: !skipRestart,
      steps,
      sids,
      validation_error: refused.long,
    })}\n`,
  );
  process.exit(0);
}

main().catch(fail);
