// Socket.IO v5 interop client (the official socket.io-client@4) for the fastsio tests.
//
// Usage: node sio_interop.mjs <scenario> <base-url>
//   scenario: see `scenarios` at the bottom (each has a matching test in tests/sio_interop.rs,
//             whose server provides the handlers the scenario relies on)
//   base-url: e.g. http://127.0.0.1:3000 (the server serves Socket.IO at /socket.io/)
//
// Success: one JSON line {"ok":true,"scenario":...,"details":{...}} on stdout, exit 0; the Rust
// test asserts on the details too. Failure: the reason on stderr, exit 1. The whole run is
// bounded by GLOBAL_TIMEOUT_MS.

import { bounded, check, checkEq, connected, nextEvent, refused } from "./sio_steps.mjs";
import { io } from "socket.io-client";

const [scenario, baseUrl] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 5_000;

const { fail, globalTimer } = bounded(`sio_interop ${scenario ?? "?"}`, GLOBAL_TIMEOUT_MS);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** The next `event` on `emitter`, within the step bound unless told otherwise. */
const once = (emitter, event, ms = STEP_TIMEOUT_MS) => nextEvent(emitter, event, ms);

/** Creates a socket for `nsp` (a path, "/" for the main namespace). No reconnection: a
 * dropped connection must fail the run, not be papered over. */
function socketFor(nsp = "/", opts = {}) {
  return io(`${baseUrl}${nsp}`, { reconnection: false, ...opts });
}

const connect = (nsp, opts) => connected(socketFor(nsp, opts), STEP_TIMEOUT_MS);

/** emitWithAck bounded by the step timeout (a missing ack rejects instead of hanging). */
const ask = (socket, event, ...args) => socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, ...args);

/** Any binary shape as a Buffer (node delivers Buffers; be liberal in what we accept). */
function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`expected binary data, got ${JSON.stringify(data)}`);
}

function checkBytes(actual, expected, what) {
  const got = toBuffer(actual);
  check(
    Buffer.compare(got, expected) === 0,
    `${what}: expected ${expected.length} bytes [${expected.subarray(0, 8).toString("hex")}...], got ${got.length} [${got.subarray(0, 8).toString("hex")}...]`,
  );
}

const transportOf = (socket) => socket.io.engine.transport.name;

// ---------------------------------------------------------------------------------------------
// 1. Transports. Server: on_connect emits "welcome" {sid}; "echo" acks its argument; "notify"
//    emits "notified" (value, sid); heartbeats every 100 ms.
// ---------------------------------------------------------------------------------------------

/** Echo round trip and a server emit triggered by the client; returns what was observed. */
async function roundTrips(socket, tag) {
  const payload = { tag, n: 42, list: [1, "two", null], text: "héllo ✓ 😀" };
  checkEq(await ask(socket, "echo", payload), payload, `echo ack (${tag})`);
  const notified = once(socket, "notified");
  socket.emit("notify", tag);
  const [value, sid] = await notified;
  checkEq(value, tag, `notified value (${tag})`);
  check(sid === socket.id, `notified sid ${sid} is not socket.id ${socket.id}`);
}

/** Resolves once `n` more server pings have been seen. */
function pings(engine, n) {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error(`saw ${seen} of ${n} pings`)), STEP_TIMEOUT_MS);
    const onPing = () => {
      if (++seen < n) return;
      clearTimeout(timer);
      engine.off("ping", onPing);
      resolve(seen);
    };
    engine.on("ping", onPing);
  });
}

async function transportScenario(opts, expectUpgrade) {
  const socket = socketFor("/", opts);
  const initialTransport = transportOf(socket);
  const upgraded = expectUpgrade ? once(socket.io.engine, "upgrade", 10_000) : null;
  const heartbeats = pings(socket.io.engine, 3);
  const welcome = once(socket, "welcome");
  await connected(socket, STEP_TIMEOUT_MS);
  const [hello] = await welcome;
  check(hello.sid === socket.id, `welcome sid ${hello.sid} is not socket.id ${socket.id}`);
  await roundTrips(socket, "first");
  if (upgraded) await upgraded;
  // The session outlives several heartbeats (answered on whichever transport is current).
  const heartbeatsSeen = await heartbeats;
  await roundTrips(socket, "second");
  const details = { sid: socket.id, initialTransport, finalTransport: transportOf(socket), heartbeatsSeen };
  socket.disconnect();
  return details;
}

const transportScenarios = {
  "transport-websocket": () => transportScenario({ transports: ["websocket"] }, false),
  "transport-polling": () => transportScenario({ transports: ["polling"], upgrade: false }, false),
  "transport-upgrade": () => transportScenario({}, true),
};

// ---------------------------------------------------------------------------------------------
// 2. Namespaces. Server: "/" and "/admin" answer "whoami" with their path; "/room/{id}" answers
//    "param" with its id; nothing else exists.
// ---------------------------------------------------------------------------------------------

async function namespaces() {
  // All at once: the CONNECT packets share the first polling request.
  const sockets = await Promise.all(["/", "/admin", "/room/42", "/room/abc"].map((nsp) => connect(nsp)));
  const [root, admin, room42, roomAbc] = sockets;
  check(
    sockets.every((s) => s.io === root.io),
    "namespaces were not multiplexed over one connection",
  );
  const details = {
    whoami: { "/": await ask(root, "whoami"), "/admin": await ask(admin, "whoami") },
    params: { "/room/42": await ask(room42, "param"), "/room/abc": await ask(roomAbc, "param") },
    sids: sockets.map((s) => s.id),
    refused: {},
  };
  for (const nsp of ["/nope", "/room", "/room/1/2"]) {
    details.refused[nsp] = await refused(socketFor(nsp), STEP_TIMEOUT_MS);
  }
  // A refused namespace leaves the others of the connection alone.
  checkEq(await ask(admin, "whoami"), "/admin", "whoami after the refusals");
  check(root.io.engine.readyState === "open", `engine ${root.io.engine.readyState} after refusals`);
  for (const s of sockets) s.disconnect();
  return details;
}

// ---------------------------------------------------------------------------------------------
// 3. Auth. Server: "/" accepts auth {token: "s3cret"}, refuses another token with
//    ConnectError("unauthorized", {reason, got}); "whoami" acks the auth payload it received.
// ---------------------------------------------------------------------------------------------

async function auth() {
  const good = await connect("/", { forceNew: true, auth: { token: "s3cret", user: "ada" } });
  const seen = await ask(good, "whoami");
  good.disconnect();
  const wrong = await refused(socketFor("/", { forceNew: true, auth: { token: "guess" } }), STEP_TIMEOUT_MS);
  const missing = await refused(socketFor("/", { forceNew: true }), STEP_TIMEOUT_MS);
  return { seen, wrong, missing };
}

// ---------------------------------------------------------------------------------------------
// 4. Acks both ways. Server: "sum" {a,b} -> a+b; "divmod" (a, b) -> (a/b, a%b); "noop" -> empty
//    ack; "fail" -> error ack; "ask-me" makes the server emit_with_ack "question" {q} and acks
//    what it decoded; "ask-bin" makes it emit_with_ack "question-bin", acked here with a Buffer;
//    "ask-silent" makes it emit "silent" (never acked here) and acks "timeout" when its wait
//    times out; any other event reaches a fallback that acks [event name, its arguments].
// ---------------------------------------------------------------------------------------------

function emitWithCallback(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(STEP_TIMEOUT_MS).emit(event, ...args, (err, ...ackArgs) => {
      if (err) reject(new Error(`${event}: ${err.message}`));
      else resolve(ackArgs);
    });
  });
}

async function acks() {
  const socket = await connect("/", { transports: ["websocket"] });
  let questions = 0;
  socket.on("question", (data, ack) => {
    questions++;
    ack({ answer: data.q * 7, echoed: data }, "extra");
  });
  socket.on("question-bin", (...args) => {
    // Emitted with no arguments: the ack callback comes first.
    if (args.length !== 1 || typeof args[0] !== "function") fail(`question-bin args: ${JSON.stringify(args)}`);
    args[0](Buffer.from([1, 2, 3]));
  });
  let silent = 0;
  socket.on("silent", () => {
    silent++; // Never acknowledged.
  });
  const details = {
    sum: await ask(socket, "sum", { a: 2, b: 3 }),
    divmod: await emitWithCallback(socket, "divmod", 17, 5),
    noop: await emitWithCallback(socket, "noop"),
    fail: await ask(socket, "fail", { why: "testing" }),
    wrongType: await ask(socket, "sum", "not an object"),
    missingField: await ask(socket, "sum", { a: 1 }),
    serverAsked: await ask(socket, "ask-me", 6),
    serverAskedBinary: await ask(socket, "ask-bin"),
    serverTimedOut: await ask(socket, "ask-silent"),
    fallback: await ask(socket, "no-such-handler", 1, { two: 2 }),
  };
  details.questions = questions;
  details.silent = silent;
  // The connection is still fine after the ignored ack.
  checkEq(await ask(socket, "sum", { a: 1, b: 1 }), 2, "sum after the timeout");
  socket.disconnect();
  return details;
}

// ---------------------------------------------------------------------------------------------
// 5. Binary. Server: "bin-info" (Bin) acks [len, sum] per attachment; "bin-echo" (RawArgs) acks
//    its arguments back unchanged; "bin-back" (Bin) emits "bin-back" {first, nested: {list:
//    [second]}, count} with every attachment's bytes inverted (x ^ 0xff), in reverse order.
// ---------------------------------------------------------------------------------------------

const bytes0 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const bytes1 = Buffer.from("hello, binary ✓", "utf8");
const bytesBig = Buffer.from(Array.from({ length: 100 * 1024 }, (_, i) => (i * 31 + 7) & 0xff));
const invert = (buf) => Buffer.from(buf.map((b) => b ^ 0xff));
const sumOf = (buf) => buf.reduce((acc, b) => acc + b, 0);

async function binary(opts) {
  const socket = await connect("/", opts);
  const details = { transport: transportOf(socket) };

  // A Buffer at the top level, then Buffers nested in an object (and one empty Buffer).
  details.flatInfo = await ask(socket, "bin-info", bytes0);
  const nested = { name: "files", files: [bytes1, { inner: bytesBig }], empty: Buffer.alloc(0), n: 3 };
  details.nestedInfo = await ask(socket, "bin-info", nested);
  checkEq(
    details.nestedInfo,
    [[bytes1.length, sumOf(bytes1)], [bytesBig.length, sumOf(bytesBig)], [0, 0]],
    "bin-info of the nested object",
  );

  // Relayed through RawArgs in an ack: same shape, same bytes, several arguments.
  const echoed = await emitWithCallback(socket, "bin-echo", "label", nested, bytes0);
  check(echoed.length === 3, `bin-echo acked ${echoed.length} arguments, expected 3`);
  const [label, echoedNested, echoedFlat] = echoed;
  checkEq(label, "label", "bin-echo label");
  checkEq(echoedNested.name, "files", "bin-echo nested name");
  checkEq(echoedNested.n, 3, "bin-echo nested n");
  checkBytes(echoedNested.files[0], bytes1, "bin-echo files[0]");
  checkBytes(echoedNested.files[1].inner, bytesBig, "bin-echo files[1].inner");
  checkBytes(echoedNested.empty, Buffer.alloc(0), "bin-echo empty");
  checkBytes(echoedFlat, bytes0, "bin-echo flat");
  details.receivedTypes = [echoedFlat, echoedNested.files[0]].map((b) => b.constructor.name);

  // Sent with emit_binary by the server: transformed bytes prove the server read them.
  const back = once(socket, "bin-back");
  socket.emit("bin-back", { a: bytes0, b: [bytes1] });
  const [got] = await back;
  checkEq(got.count, 2, "bin-back count");
  checkBytes(got.first, invert(bytes1), "bin-back first");
  checkBytes(got.nested.list[0], invert(bytes0), "bin-back nested.list[0]");

  // Text after binary: the packet reassembly state is clean.
  checkEq(await ask(socket, "bin-info", "no binary here"), [], "bin-info without attachments");
  details.finalTransport = transportOf(socket);
  socket.disconnect();
  return details;
}

// ---------------------------------------------------------------------------------------------
// 6. Rooms. Server: auth {i}; "join" joins the given rooms and acks the socket's rooms; the
//    Rust test then broadcasts (to, except, socket.to, emit_with_ack "poll") and emits "done".
// ---------------------------------------------------------------------------------------------

const CLIENTS = 10;
const roomsOf = (i) => (i < 3 ? ["a"] : i < 6 ? ["b"] : i < 8 ? ["a", "b"] : []);

async function rooms() {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const socket = socketFor("/", { forceNew: true, auth: { i } });
      const got = [];
      socket.onAny((event, ...args) => {
        if (event !== "done") got.push([event, ...args.filter((a) => typeof a !== "function")]);
      });
      socket.on("poll", (question, ack) => ack({ i, question }));
      const done = once(socket, "done", GLOBAL_TIMEOUT_MS);
      await connected(socket, STEP_TIMEOUT_MS);
      const joined = await ask(socket, "join", roomsOf(i));
      checkEq(joined.filter((r) => r !== socket.id).sort(), roomsOf(i), `rooms of client ${i}`);
      check(joined.includes(socket.id), `client ${i} is not in its own room`);
      return { i, socket, got, done };
    }),
  );
  await Promise.all(clients.map((c) => c.done));
  const details = clients.map(({ i, socket, got }) => ({ i, sid: socket.id, rooms: roomsOf(i), got }));
  for (const { socket } of clients) socket.disconnect();
  return details;
}

// ---------------------------------------------------------------------------------------------
// 7. Disconnect. Server, on "/" and "/chat": auth {name}; "watch" joins room "watchers"; "ping"
//    acks "pong"; "kick-me" makes the server disconnect the socket. The disconnect handler tells
//    the Rust test and emits "left" (name, nsp, reason) to the watchers, which is how this
//    script knows the server has seen each disconnection before it moves on or exits. The
//    same server, closed by the Rust test (`io.close()`), serves the "shutdown" scenario.
// ---------------------------------------------------------------------------------------------

/** A connection watching "/" and "/chat"; `left(name)` resolves with the server's notice. */
async function watcher(opts) {
  const root = await connect("/", { ...opts, forceNew: true, auth: { name: "watcher" } });
  const chat = await connected(root.io.socket("/chat", { auth: { name: "watcher" } }), STEP_TIMEOUT_MS);
  const notices = [];
  const waiting = new Map();
  for (const s of [root, chat]) {
    await ask(s, "watch");
    s.on("left", (name, nsp, reason) => {
      notices.push({ name, nsp, reason });
      waiting.get(name)?.();
    });
  }
  const left = (name) =>
    new Promise((resolve, reject) => {
      const found = () => notices.find((n) => n.name === name);
      if (found()) return resolve(found());
      const timer = setTimeout(() => reject(new Error(`the server never reported '${name}' left`)), STEP_TIMEOUT_MS);
      waiting.set(name, () => {
        clearTimeout(timer);
        resolve(found());
      });
    });
  const close = () => {
    chat.disconnect();
    root.disconnect();
  };
  return { left, notices, close };
}

async function disconnects(opts) {
  const watch = await watcher(opts);

  // The server disconnects us: no reconnection attempt follows.
  const kicked = await connect("/", { ...opts, forceNew: true, auth: { name: "kicked" } });
  const kickedOff = once(kicked, "disconnect");
  kicked.emit("kick-me");
  const [kickedReason] = await kickedOff;
  check(!kicked.active, "a socket disconnected by the server must not reconnect");
  await watch.left("kicked");

  // We leave one namespace of a multiplexed connection: the other one keeps working.
  const main = await connect("/", { ...opts, forceNew: true, auth: { name: "main" } });
  const chat = await connected(main.io.socket("/chat", { auth: { name: "chat" } }), STEP_TIMEOUT_MS);
  const chatOff = once(chat, "disconnect");
  chat.disconnect();
  const [chatReason] = await chatOff;
  await watch.left("chat");
  checkEq(await ask(main, "ping"), "pong", "main namespace after /chat left");

  // The same client socket joins /chat again on the same connection (a new server socket).
  const firstChatSid = chat.id;
  chat.auth = { name: "chat-again" };
  await connected(chat.connect(), STEP_TIMEOUT_MS);
  check(chat.id !== firstChatSid, "the second /chat connection reused the first sid");
  checkEq(await ask(chat, "ping"), "pong", "/chat after reconnecting");
  const chatAgainOff = once(chat, "disconnect");
  chat.disconnect();
  await chatAgainOff;
  await watch.left("chat-again");

  // We leave the last namespace (the client then closes the connection too).
  const mainOff = once(main, "disconnect");
  main.disconnect();
  const [mainReason] = await mainOff;
  await watch.left("main");

  // The connection drops without a DISCONNECT packet.
  const dropped = await connect("/", { ...opts, forceNew: true, auth: { name: "dropped" } });
  dropped.io.engine.close();
  await watch.left("dropped");

  watch.close();
  return { kickedReason, chatReason, mainReason, notices: watch.notices };
}

/** Two clients (one per transport) stay connected until the Rust test closes the server. */
async function shutdown() {
  const clients = ["websocket", "polling"].map((transport) =>
    socketFor("/", { forceNew: true, transports: [transport], upgrade: false, auth: { name: transport } }),
  );
  // Listening from the start: the close may arrive in the same polling payload as the CONNECT
  // reply, before the code after `await connected(...)` runs.
  const reasons = Promise.all(clients.map((c) => once(c, "disconnect", 10_000)));
  await Promise.all(clients.map((c) => connected(c, STEP_TIMEOUT_MS)));
  return Object.fromEntries((await reasons).map(([reason], i) => [transportOf(clients[i]), reason]));
}

// ---------------------------------------------------------------------------------------------
// 8. Bursts, as ordinary code produces them (a loop of emits, a replay of history), which
//    node's server takes in its stride. Server: "echo" acks its argument; "flood" (n) emits
//    "item" 0..n to the caller, then acks how many emits it queued.
// ---------------------------------------------------------------------------------------------

const BURST = 2_000;

/** Records why `socket` disconnected, for failure messages. */
function disconnectReason(socket) {
  const state = { reason: null };
  socket.on("disconnect", (reason) => (state.reason = reason));
  return state;
}

/** BURST acked emits at once, over each transport (over polling they share a POST or two). */
async function clientBurst() {
  const details = {};
  for (const transport of ["polling", "websocket"]) {
    const socket = await connect("/", { forceNew: true, transports: [transport], upgrade: false });
    const gone = disconnectReason(socket);
    const acks = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => ask(socket, "echo", i)));
    details[transport] = acks.filter((a, i) => a.status === "fulfilled" && a.value === i).length;
    if (gone.reason) details[`${transport} disconnected`] = gone.reason;
    socket.disconnect();
  }
  for (const transport of ["polling", "websocket"]) {
    check(details[transport] === BURST, `only some emits were acked: ${JSON.stringify(details)}`);
  }
  return details;
}

/** The server emits BURST events from one handler. */
async function serverBurst() {
  const socket = await connect("/", { transports: ["websocket"] });
  const gone = disconnectReason(socket);
  const items = [];
  socket.on("item", (i) => items.push(i));
  const queued = await ask(socket, "flood", BURST).catch((err) => {
    throw new Error(`${err.message} (disconnected: ${gone.reason}) after ${items.length} of ${BURST} items`);
  });
  checkEq(
    items,
    Array.from({ length: BURST }, (_, i) => i),
    "items, in order",
  );
  socket.disconnect();
  return { queued, received: items.length };
}

// ---------------------------------------------------------------------------------------------

const scenarios = {
  ...transportScenarios,
  namespaces,
  auth,
  acks,
  "binary-websocket": () => binary({ transports: ["websocket"] }),
  "binary-polling": () => binary({ transports: ["polling"], upgrade: false }),
  rooms,
  "disconnects-websocket": () => disconnects({ transports: ["websocket"] }),
  "disconnects-polling": () => disconnects({ transports: ["polling"], upgrade: false }),
  shutdown,
  "client-burst": clientBurst,
  "server-burst": serverBurst,
};

const run = scenarios[scenario];
if (!run || !baseUrl) fail(`usage: sio_interop.mjs <${Object.keys(scenarios).join("|")}> <base-url>`);
try {
  const details = await run();
  console.log(JSON.stringify({ ok: true, scenario, details }));
  // Exit once the event loop drains, that is once every connection has closed and its last
  // packets (a DISCONNECT on a polling POST, say) have reached the server.
  clearTimeout(globalTimer);
  setTimeout(() => fail("a connection was still open 3 s after the scenario ended"), 3_000).unref();
} catch (err) {
  fail(err?.stack ?? String(err));
}
