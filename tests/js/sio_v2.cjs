// socket.io-client 2.x (Engine.IO 3, Socket.IO protocol 4) scenarios for the fastsio interop
// tests (tests/tests/sio_v2.rs). The server must be built with `.allow_eio3(true)`.
//
// Usage: node sio_v2.cjs <scenario> <base-url>
//   scenario: connect | websocket | events | ack | binary | namespace | refused
//   base-url: e.g. http://127.0.0.1:3000 (Socket.IO path /socket.io/)
//
// Each scenario talks to the server that sio_v2.rs builds for it (see the test for what the
// server does). Success: one JSON line {"ok":true,"scenario":...,...} on stdout, exit 0.
// Failure: the reason on stderr, exit 1. The whole run is bounded by GLOBAL_TIMEOUT_MS.

"use strict";

const io = require("socket.io-client-v2");

const [scenario, baseUrl] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 5_000;

function fail(reason) {
  console.error(`sio_v2 ${scenario ?? "?"}: ${reason}`);
  process.exit(1);
}

const globalTimer = setTimeout(() => fail(`global timeout after ${GLOBAL_TIMEOUT_MS} ms`), GLOBAL_TIMEOUT_MS);

function check(cond, what) {
  if (!cond) throw new Error(what);
}

/** Resolves with the arguments of the next `event`, rejects after STEP_TIMEOUT_MS. */
function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), STEP_TIMEOUT_MS);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Emits with an ack callback; resolves with the ack's arguments. */
function call(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for '${event}'`)), STEP_TIMEOUT_MS);
    socket.emit(event, ...args, (...reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

/** Makes received values printable (Buffers become {"bytes": [ints]}). */
function jsonable(value) {
  if (Buffer.isBuffer(value)) return { bytes: [...value] };
  if (value instanceof ArrayBuffer) return { bytes: [...Buffer.from(value)] };
  if (Array.isArray(value)) return value.map(jsonable);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  }
  return value;
}

/** A socket that records every event it receives, and fails the run on an unexpected close. */
function open(nsp, opts = {}) {
  const socket = io(baseUrl + nsp, { forceNew: true, reconnection: false, ...opts });
  socket.received = [];
  const onevent = socket.onevent;
  socket.onevent = function (packet) {
    socket.received.push(packet.data ?? []);
    onevent.call(this, packet);
  };
  socket.on("connect_error", (e) => fail(`connect_error: ${e?.message ?? e}`));
  socket.on("disconnect", (reason) => {
    if (!socket.closing) fail(`unexpected disconnect: ${reason}`);
  });
  return socket;
}

async function connected(socket) {
  if (!socket.connected) await once(socket, "connect");
  return socket;
}

function close(socket) {
  socket.closing = true;
  socket.close();
}

/** The arguments of the first `event` received so far, or of the next one. */
async function received(socket, event) {
  const seen = socket.received.find((args) => args[0] === event);
  if (seen) return seen.slice(1);
  return once(socket, event);
}

async function waitUntil(what, cond) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const transportOf = (socket) => socket.io.engine.transport.name;

// Server: "/"'s connect handler emits "welcome" {token, eio, transport} read from the opening
// request's query string. Engine.IO 3 clients ping the server: wait for two pongs.
async function connectScenario(opts, upgrade) {
  const socket = open("/", { query: { token: "abc" }, ...opts });
  let pongs = 0;
  socket.on("pong", () => pongs++);
  await connected(socket);
  const [welcome] = await received(socket, "welcome");
  if (upgrade) await waitUntil("upgrade to websocket", () => transportOf(socket) === "websocket");
  await waitUntil("two pongs", () => pongs >= 2);
  const result = { id: socket.id, welcome, transport: transportOf(socket), pongs };
  close(socket);
  return result;
}

// Server: "greet" (name, n) -> emits "greeting" ("hello " + name, n * 2); "note" is recorded.
async function events() {
  const socket = await connected(open("/"));
  socket.emit("note", { text: "from v2", list: [1, 2, 3] });
  socket.emit("greet", "v2", 21);
  const greeting = await received(socket, "greeting");
  close(socket);
  return { greeting };
}

// Server: "sum" {a, b} -> ack a + b; "fail" -> error ack. The Rust test asks "question" {x}
// (we answer {answer: x * 2}) and then emits "done".
async function ack() {
  const socket = open("/");
  const questions = [];
  socket.on("question", (data, cb) => {
    questions.push(data);
    cb({ answer: data.x * 2 });
  });
  await connected(socket);
  const result = {
    sum: await call(socket, "sum", { a: 2, b: 40 }),
    fail: await call(socket, "fail"),
  };
  await received(socket, "done");
  result.questions = questions;
  close(socket);
  return result;
}

// Server: "blob" echoes its arguments (attachments included) as "blob-back"; "blob-ack" acks
// with its arguments.
async function binary() {
  const socket = await connected(open("/"));
  const blob = Buffer.from([...Array(256).keys(), 0, 255]);
  socket.emit("blob", { label: "raw" }, blob);
  const back = await received(socket, "blob-back");
  check(back.length === 2, `blob-back has ${back.length} arguments`);
  check(Buffer.isBuffer(back[1]), `blob-back's attachment is ${Object.prototype.toString.call(back[1])}`);
  check(back[1].equals(blob), "blob-back's bytes differ from those sent");
  const acked = await call(socket, "blob-ack", blob, "tail");
  check(Buffer.isBuffer(acked[0]), `the ack's attachment is ${Object.prototype.toString.call(acked[0])}`);
  check(acked[0].equals(blob), "the ack's bytes differ from those sent");
  close(socket);
  return { back: jsonable(back), acked: jsonable(acked) };
}

// Server: "/" and "/admin" answer "whoami" with their path; "/admin" emits "hello" with its
// path on connect. "/nope" does not exist.
async function namespace() {
  const manager = new io.Manager(baseUrl, { reconnection: false });
  const root = manager.socket("/");
  const admin = manager.socket("/admin");
  for (const s of [root, admin]) {
    s.received = [];
    const onevent = s.onevent;
    s.onevent = function (packet) {
      s.received.push(packet.data ?? []);
      onevent.call(this, packet);
    };
  }
  await Promise.all([connected(root), connected(admin)]);
  const result = {
    hello: await received(admin, "hello"),
    whoamiRoot: await call(root, "whoami"),
    whoamiAdmin: await call(admin, "whoami"),
    adminId: admin.id,
  };
  result.rootEvents = root.received;
  const nope = manager.socket("/nope");
  result.unknown = await once(nope, "error");
  result.nopeConnected = nope.connected;
  manager.engine.close();
  return result;
}

// Server: "/secure"'s connect handler reads `token` from the query string: "secret" is
// accepted, "wrong" refused with message "bad token" and data {reason: "token mismatch"}, no
// token refused with message "no token" and no data. socket.io-client 2.x reports a refusal as
// an "error" event on the socket, with the ERROR packet's payload as its argument.
async function refused() {
  const refusal = async (query) => {
    const socket = io(`${baseUrl}/secure`, { forceNew: true, reconnection: false, query });
    socket.on("connect", () => fail(`connected with ${JSON.stringify(query)}`));
    const args = await once(socket, "error");
    socket.close();
    return args;
  };
  const wrong = await refusal({ token: "wrong" });
  const missing = await refusal({});
  const ok = await connected(open("/secure", { query: { token: "secret" } }));
  const whoami = await call(ok, "whoami");
  close(ok);
  return { wrong, missing, whoami };
}

const SCENARIOS = {
  connect: () => connectScenario({}, true),
  websocket: () => connectScenario({ transports: ["websocket"] }, false),
  events,
  ack,
  binary,
  namespace,
  refused,
};

if (!SCENARIOS[scenario] || !baseUrl) {
  console.error(`usage: node sio_v2.cjs <${Object.keys(SCENARIOS).join("|")}> <base-url>`);
  process.exit(2);
}

SCENARIOS[scenario]()
  .then((result) => {
    clearTimeout(globalTimer);
    console.log(JSON.stringify({ ok: true, scenario, ...result }));
    process.exit(0);
  })
  .catch((e) => fail(e?.stack ?? e));
