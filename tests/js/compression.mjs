// Compression interop client for the fastsio integration tests: engine.io-client (node) over a
// WebSocket that offers permessage-deflate (its default), and over polling with fetch, which
// sends `Accept-Encoding: gzip, deflate` and decodes the answers.
//
// Usage: node compression.mjs <scenario> <base-url>
//   scenario: websocket | upgrade | polling-fetch | socket.io
//   base-url: e.g. http://127.0.0.1:3000
//
// The server under test serves bare Engine.IO v4 at /engine.io/ and echoes every message back;
// for `socket.io`, it serves Socket.IO at /socket.io/ and answers `message` with
// `message-back` carrying the same arguments.
//
// Success: one JSON line {"ok":true,"scenario":...,"details":{...}} on stdout, exit 0.
// `details.extensions` is what the WebSocket negotiated, `details.contentEncodings` the
// Content-Encoding of every polling GET answer. Failure: reason on stderr, exit 1.

import { bounded, connected, nextEvent } from "./sio_steps.mjs";
import { randomBytes } from "node:crypto";
import { Fetch, NodeWebSocket, Socket } from "engine.io-client";
import { io } from "socket.io-client";

const [scenario, baseUrl] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 10_000;
const STEP_TIMEOUT_MS = 5_000;

const { fail, globalTimer } = bounded(`compression ${scenario ?? "?"}`, GLOBAL_TIMEOUT_MS);

/** Every polling GET answer's Content-Encoding ("" when none), in order. */
const contentEncodings = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const res = await realFetch(url, init);
  if ((init?.method ?? "GET") === "GET") contentEncodings.push(res.headers.get("content-encoding") ?? "");
  return res;
};

/** The next `event` on `emitter`, within the step bound unless told otherwise. */
const once = (emitter, event, ms = STEP_TIMEOUT_MS) => nextEvent(emitter, event, ms);

function nextMessage(socket) {
  return once(socket, "message").then(([data]) => data);
}

const same = (sent, got) =>
  typeof sent === "string"
    ? got === sent
    : typeof got !== "string" && Buffer.compare(Buffer.from(got), Buffer.from(sent)) === 0;

const describe = (data) => (typeof data === "string" ? `<text ${data.length} chars>` : `<binary ${data.length} bytes>`);

/** Echoes small and large (compressible and not), text and binary messages, one at a time. */
async function echoChecks(socket) {
  const payloads = [
    "small",
    "héllo ✓ 😀 ".repeat(2_000),
    new Uint8Array(Buffer.alloc(50_000, 7)),
    new Uint8Array(randomBytes(20_000)),
    new Uint8Array([1, 2, 3]),
  ];
  for (const sent of payloads) {
    const got = nextMessage(socket);
    socket.send(sent);
    const echoed = await got;
    if (!same(sent, echoed)) throw new Error(`echo mismatch: sent ${describe(sent)}, got ${describe(echoed)}`);
  }
  return payloads.length;
}

async function run(opts, afterOpen = async () => {}) {
  const socket = new Socket(baseUrl, { path: "/engine.io/", ...opts });
  socket.on("error", (err) => fail(`socket error: ${err?.message ?? err} ${err?.description ?? ""} ${err?.context?.status ?? ""}`));
  let closeExpected = false;
  socket.on("close", (reason) => {
    if (!closeExpected) fail(`unexpected close: ${reason}`);
  });
  await once(socket, "open");
  await afterOpen(socket);
  const details = { transport: socket.transport.name };
  if (socket.transport.name === "websocket") details.extensions = socket.transport.ws.extensions;
  details.echoed = await echoChecks(socket);
  details.contentEncodings = contentEncodings;
  closeExpected = true;
  socket.close();
  return details;
}

const scenarios = {
  websocket: () => run({ transports: [NodeWebSocket] }),
  upgrade: () => run({ transports: [Fetch, NodeWebSocket] }, (socket) => once(socket, "upgrade")),
  "polling-fetch": () => run({ transports: [Fetch], upgrade: false }),
  "socket.io": async () => {
    const socket = await connected(io(baseUrl, { transports: ["websocket"], reconnection: false }), STEP_TIMEOUT_MS);
    const args = ["small", "socket.io ".repeat(10_000), Buffer.alloc(30_000, 3)];
    let echoed = 0;
    for (const arg of args) {
      const back = once(socket, "message-back");
      socket.emit("message", arg);
      const [got] = await back;
      if (!same(typeof arg === "string" ? arg : new Uint8Array(arg), got)) throw new Error(`echo mismatch for ${describe(arg)}`);
      echoed++;
    }
    const details = { extensions: socket.io.engine.transport.ws.extensions, echoed };
    socket.disconnect();
    return details;
  },
};

if (!scenarios[scenario] || !baseUrl) {
  fail(`usage: node compression.mjs <${Object.keys(scenarios).join("|")}> <base-url>`);
}

try {
  const details = await scenarios[scenario]();
  console.log(JSON.stringify({ ok: true, scenario, details }));
  clearTimeout(globalTimer);
  setTimeout(() => process.exit(0), 300).unref();
} catch (err) {
  fail(err?.message ?? String(err));
}
