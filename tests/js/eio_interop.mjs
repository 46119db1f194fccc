// Engine.IO v4 interop client for the fastsio integration tests.
//
// Usage: node eio_interop.mjs <scenario> <base-url>
//   scenario: polling | websocket | upgrade | server-close
//   base-url: e.g. http://127.0.0.1:3000
//
// The server under test serves bare Engine.IO v4 at /engine.io/, echoes every
// message back unchanged, uses pingInterval 300 ms / pingTimeout 200 ms, and
// closes the session when it receives the text "close-me".
//
// Success: one JSON line {"ok":true,"scenario":...,"details":{...}} on stdout,
// exit 0. Failure: reason on stderr, exit 1.

import { bounded, nextEvent } from "./sio_steps.mjs";
import { randomBytes } from "node:crypto";
import { Socket } from "engine.io-client";

const [scenario, baseUrl] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 10_000;
const STEP_TIMEOUT_MS = 5_000;

const { fail, globalTimer } = bounded(`eio_interop ${scenario ?? "?"}`, GLOBAL_TIMEOUT_MS);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The next `event` on `emitter`, within the step bound unless told otherwise. */
const once = (emitter, event, ms = STEP_TIMEOUT_MS) => nextEvent(emitter, event, ms);

/** Binary data arrives as a Buffer in node (binaryType "nodebuffer"); accept any binary shape. */
function toBuffer(data) {
  if (typeof data === "string") return null;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`unexpected message type ${Object.prototype.toString.call(data)}`);
}

function describe(data) {
  return typeof data === "string" ? JSON.stringify(data) : `<binary ${toBuffer(data).length} bytes>`;
}

/** Opens a socket; any close before `state.closeExpected` is set, or any error, fails the run. */
async function connect(opts) {
  const socket = new Socket(baseUrl, { path: "/engine.io/", ...opts });
  const state = { closeExpected: false, pings: 0, binaryTypes: new Set() };
  socket.on("ping", () => state.pings++);
  socket.on("close", (reason, desc) => {
    if (!state.closeExpected) fail(`unexpected close: ${reason} ${desc?.description ?? desc ?? ""}`);
  });
  const inbox = [];
  const waiters = [];
  socket.on("message", (data) => {
    if (typeof data !== "string") state.binaryTypes.add(data.constructor.name);
    const waiter = waiters.shift();
    if (waiter) waiter(data);
    else inbox.push(data);
  });
  state.nextMessage = () => {
    if (inbox.length > 0) return Promise.resolve(inbox.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for an echo")), STEP_TIMEOUT_MS);
      waiters.push((data) => {
        clearTimeout(timer);
        resolve(data);
      });
    });
  };
  socket.on("error", (err) => fail(`socket error: ${err?.message ?? err}`));
  await once(socket, "open");
  return { socket, state };
}

/** Sends every payload at once (exercises payload batching), then checks the echoes in order. */
async function echoChecks({ socket, state }) {
  const payloads = [
    "hello",
    new Uint8Array([1, 2, 3, 4]),
    new Uint8Array(0),
    new Uint8Array(randomBytes(100 * 1024)),
    "héllo ✓ 😀",
  ];
  for (const payload of payloads) socket.send(payload);
  for (const sent of payloads) {
    const got = await state.nextMessage();
    const ok =
      typeof sent === "string"
        ? got === sent
        : typeof got !== "string" && Buffer.compare(toBuffer(got), Buffer.from(sent)) === 0;
    if (!ok) throw new Error(`echo mismatch: sent ${describe(sent)}, got ${describe(got)}`);
  }
  return payloads.length;
}

/** Waits > 3 heartbeat cycles and checks the session survived them. */
async function heartbeatCheck({ socket, state }) {
  const before = state.pings;
  await sleep(1_000);
  const pings = state.pings - before;
  if (socket.readyState !== "open") throw new Error(`socket not open after 1 s: ${socket.readyState}`);
  if (pings < 2) throw new Error(`expected at least 2 pings in 1 s, got ${pings}`);
  return pings;
}

async function clientClose({ socket, state }) {
  state.closeExpected = true;
  const closed = once(socket, "close");
  socket.close();
  const [reason] = await closed;
  return reason;
}

async function echoScenario(opts, afterOpen = async () => {}) {
  const conn = await connect(opts);
  const details = { sid: conn.socket.id, initialTransport: conn.socket.transport.name };
  await afterOpen(conn);
  details.transport = conn.socket.transport.name;
  details.echoed = await echoChecks(conn);
  details.pingsIn1s = await heartbeatCheck(conn);
  details.binaryTypes = [...conn.state.binaryTypes];
  details.closeReason = await clientClose(conn);
  return details;
}

const scenarios = {
  polling: () => echoScenario({ transports: ["polling"], upgrade: false }),
  websocket: () => echoScenario({ transports: ["websocket"] }),
  upgrade: () =>
    echoScenario({}, async ({ socket }) => {
      // The probe needs network round trips, so 'upgrade' cannot have fired yet.
      if (socket.transport.name !== "polling") throw new Error(`opened on ${socket.transport.name}, expected polling`);
      await once(socket, "upgrade");
      if (socket.transport.name !== "websocket") throw new Error(`transport after upgrade: ${socket.transport.name}`);
    }),
  "server-close": async () => {
    const { socket, state } = await connect({ transports: ["websocket"] });
    const sid = socket.id;
    state.closeExpected = true;
    const closed = once(socket, "close");
    socket.send("close-me");
    const [reason, desc] = await closed;
    if (reason !== "transport close" && reason !== "forced close") throw new Error(`unexpected close reason: ${reason}`);
    return { sid, closeReason: reason, closeDescription: desc?.description ?? null };
  },
};

if (!scenarios[scenario] || !baseUrl) {
  fail(`usage: node eio_interop.mjs <${Object.keys(scenarios).join("|")}> <base-url>`);
}

try {
  const details = await scenarios[scenario]();
  console.log(JSON.stringify({ ok: true, scenario, details }));
  // Let in-flight requests (e.g. the polling close packet) finish; exit anyway after 500 ms.
  clearTimeout(globalTimer);
  setTimeout(() => process.exit(0), 500).unref();
} catch (err) {
  fail(err?.message ?? String(err));
}
