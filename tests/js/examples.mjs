// The runnable examples (examples/src/<name>.rs) driven by the official socket.io-client@4.
//
// Usage: node examples.mjs <scenario> <base-url>
//   scenario: simple | typed-di | axum | middleware | routers | injection | current-user (one
//             per example; each has a matching test in tests/tests/examples.rs, which starts
//             that example's server)
//   base-url: e.g. http://127.0.0.1:3000 (Socket.IO at /socket.io/)
//
// Success: one JSON line {"ok":true,"scenario":...,"details":{...}} on stdout, exit 0; the Rust
// test asserts on the details too. Failure: the reason on stderr, exit 1. The whole run is
// bounded by GLOBAL_TIMEOUT_MS, each wait by STEP_TIMEOUT_MS.

import { bounded, check, checkEq, connected, nextEvent, refused } from "./sio_steps.mjs";
import { io } from "socket.io-client";

const [scenario, baseUrl] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 5_000;

const { fail, succeed } = bounded(`examples ${scenario ?? "?"}`, GLOBAL_TIMEOUT_MS);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** The next `event` on `emitter`, within the step bound unless told otherwise. */
const once = (emitter, event, ms = STEP_TIMEOUT_MS) => nextEvent(emitter, event, ms);

/** Records every event a socket receives, in order. */
function inbox(socket) {
  const events = [];
  socket.onAny((event, ...args) => events.push([event, ...args]));
  return events;
}

/** A socket of its own connection (`forceNew`), without reconnection: a dropped connection
 * must fail the run, not be papered over. */
function socketFor(nsp = "/", opts = {}) {
  return io(`${baseUrl}${nsp}`, { reconnection: false, forceNew: true, ...opts });
}

const connect = (nsp, opts) => connected(socketFor(nsp, opts), STEP_TIMEOUT_MS);
const refuse = (nsp, opts) => refused(socketFor(nsp, opts), STEP_TIMEOUT_MS);

/** emitWithAck bounded by the step timeout: resolves with the ack's first argument. */
const ask = (socket, event, ...args) => socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, ...args);

/** Like `ask`, but resolves with every argument of the ack. */
function askAll(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(STEP_TIMEOUT_MS).emit(event, ...args, (err, ...reply) => (err ? reject(err) : resolve(reply)));
  });
}

/** The `error` of an ack that must be an error (`{"error": {code, message, details?}}`). */
async function askError(socket, event, ...args) {
  const reply = await ask(socket, event, ...args);
  check(reply && typeof reply === "object" && reply.error, `${event}: expected an ack error, got ${JSON.stringify(reply)}`);
  return reply.error;
}

async function getJson(path) {
  const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
  const text = await res.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, contentType: res.headers.get("content-type"), body };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 20 ms until `done(value)`, failing after the step bound. */
async function until(what, probe, done) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never happened: ${what} (last: ${JSON.stringify(value)})`);
    await sleep(20);
  }
}

function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`expected binary data, got ${JSON.stringify(data)}`);
}

// ---------------------------------------------------------------------------------------------
// simple: `message` → `response` "Received: <data>" to the sender only.
// ---------------------------------------------------------------------------------------------

async function simple() {
  const a = await connect("/", { auth: { user: "a" } });
  const b = await connect("/", { transports: ["websocket"] });
  const aInbox = inbox(a);
  const bInbox = inbox(b);

  let response = once(a, "response");
  a.emit("message", "hello");
  const [text] = await response;
  checkEq(text, "Received: hello", "response to a string");

  response = once(a, "response");
  a.emit("message", { n: 1 });
  const [json] = await response;
  checkEq(json, 'Received: {"n":1}', "response to an object");

  // b's own message is handled after a's: a response leaked to b would already be in its inbox.
  response = once(b, "response");
  b.emit("message", "from b");
  await response;

  checkEq(aInbox, [["response", "Received: hello"], ["response", 'Received: {"n":1}']], "a's inbox");
  checkEq(bInbox, [["response", "Received: from b"]], "b's inbox");
  const details = { aId: a.id, bId: b.id, transport: a.io.engine.transport.name, responses: aInbox.map((e) => e[1]) };
  a.close();
  b.close();
  return details;
}

// ---------------------------------------------------------------------------------------------
// typed-di: typed auth, Handshake, State, validated payloads, typed acks, rooms through Io.
// ---------------------------------------------------------------------------------------------

async function typedDi() {
  const query = { client: "examples" };
  const ada = socketFor("/", { auth: { user: "ada" }, query });
  const welcome = once(ada, "welcome");
  await connected(ada, STEP_TIMEOUT_MS);
  const [adaWelcome] = await welcome;
  checkEq(adaWelcome, { sid: ada.id, user: "ada", motd: "be kind", client: "examples" }, "ada's welcome");
  const bob = await connect("/", { auth: { user: "bob" } });

  const noAuth = await refuse("/");
  checkEq(noAuth.data?.code, "validation_failed", "connect_error code without auth");
  const badAuth = await refuse("/", { auth: { user: 42 } });
  checkEq(badAuth.data?.code, "validation_failed", "connect_error code with a non-string user");

  const joined = once(ada, "joined");
  const joinAck = await ask(ada, "join_room", { room: "lobby" });
  checkEq(joinAck, { ok: true, room: "lobby" }, "join_room ack");
  checkEq((await joined)[0], { room: "lobby" }, "joined event");
  checkEq(await ask(bob, "join_room", { room: "lobby" }), { ok: true, room: "lobby" }, "bob's join_room ack");

  const adaGets = once(ada, "new_message");
  const bobGets = once(bob, "new_message");
  const sendAck = await ask(ada, "send_message", { text: "hi", room: "lobby" });
  const expected = { text: "hi", room: "lobby", from: "ada" };
  checkEq((await adaGets)[0], expected, "ada's new_message");
  checkEq((await bobGets)[0], expected, "bob's new_message");
  checkEq(sendAck, { delivered: 2, total: 1 }, "send_message ack");
  checkEq(await ask(bob, "send_message", { text: "yo", room: "nowhere" }), { delivered: 0, total: 2 }, "send to an empty room");

  const invalidJoin = await askError(ada, "join_room", { room: "" });
  checkEq(invalidJoin.code, "validation_failed", "join_room with an empty room");
  check(Array.isArray(invalidJoin.details?.room), `details.room: ${JSON.stringify(invalidJoin)}`);
  const invalidSend = await askError(ada, "send_message", { room: "lobby" });
  checkEq(invalidSend.code, "validation_failed", "send_message without text");

  ada.close();
  bob.close();
  return { welcome: adaWelcome, noAuth, badAuth, joinAck, sendAck, invalidJoin, invalidSend };
}

// ---------------------------------------------------------------------------------------------
// axum: HTTP routes and Socket.IO on one port.
// ---------------------------------------------------------------------------------------------

async function axumScenario() {
  const index = await getJson("/");
  const health = await getJson("/health");
  const statsBefore = await getJson("/stats");
  const missing = await getJson("/no/such/page");
  const engineError = await getJson("/socket.io/");

  const socket = socketFor("/");
  const hello = once(socket, "hello");
  await connected(socket, STEP_TIMEOUT_MS);
  const [helloData] = await hello;
  const pong = await ask(socket, "ping");
  const statsDuring = await getJson("/stats");
  socket.close();
  const statsAfter = await until(
    "the connection count drops to 0",
    () => getJson("/stats"),
    (s) => s.body?.connections === 0,
  );
  return { index, health, statsBefore, statsDuring, statsAfter, missing, engineError, hello: helloData, pong };
}

// ---------------------------------------------------------------------------------------------
// middleware: connect refusals, before-hook rejections, rate limits, after-hook audits.
// ---------------------------------------------------------------------------------------------

async function middleware() {
  // No Authorization header: free events pass, guarded ones are rejected by the before hook.
  const anon = await connect("/");
  const anonPing = await ask(anon, "ping");
  const anonJoin = await askError(anon, "join_room", "lobby");
  const anonSend = await askError(anon, "send_message", { text: "hi" });
  anon.close();

  // With the header: through the hook, then the rate limit (3 per window), then validation.
  const user = await connect("/", { extraHeaders: { authorization: "Bearer token" } });
  const join = await ask(user, "join_room", "lobby");
  const sends = [];
  sends.push(await ask(user, "send_message", { text: "" }));
  for (const text of ["one", "two", "three"]) sends.push(await ask(user, "send_message", { text }));
  const afterLimitPing = await ask(user, "ping");
  user.close();

  // /admin: refused without the token (connect_error with data), audited once in.
  const noToken = await refuse("/admin");
  const wrongToken = await refuse("/admin", { auth: { token: "guess" } });
  const admin = await connect("/admin", { auth: { token: "admin-secret" } });
  const action = await ask(admin, "admin_action", { action: "restart" });
  const invalidAction = await askError(admin, "admin_action", { action: "" });
  const audit = await ask(admin, "audit_log");
  const details = { anonPing, anonJoin, anonSend, join, sends, afterLimitPing, noToken, wrongToken, adminId: admin.id, action, invalidAction, audit };
  admin.close();
  return details;
}

// ---------------------------------------------------------------------------------------------
// routers: /chat and /admin, each router's events in its own namespace.
// ---------------------------------------------------------------------------------------------

async function routers() {
  const alice = await connect("/chat");
  const bob = await connect("/chat");
  const admin = await connect("/admin");

  const aliceGets = once(alice, "message");
  const bobGets = once(bob, "message");
  const delivered = await ask(alice, "message", { text: "hello" });
  const relayed = [(await aliceGets)[0], (await bobGets)[0]];
  const invalid = await askError(alice, "message", { text: "" });

  // /admin's event does nothing on /chat: events are handled in order, so had `user_ban` a
  // handler on /chat, alice would be gone before the next ack.
  alice.emit("user_ban", { sid: alice.id });
  const stillServed = await ask(alice, "message", { text: "still here" });
  check(alice.connected, "alice was disconnected by a user_ban sent on /chat");

  const bobId = bob.id;
  const banned = once(bob, "banned");
  const gone = once(bob, "disconnect");
  const banAck = await ask(admin, "user_ban", { sid: bobId, reason: "spam" });
  const [notice] = await banned;
  const [reason] = await gone;
  const banNobody = await ask(admin, "user_ban", { sid: "nobody" });
  const invalidBan = await askError(admin, "user_ban", { sid: "" });
  const details = { aliceId: alice.id, bobId, delivered, relayed, invalid, stillServed, banAck, notice, reason, banNobody, invalidBan };
  alice.close();
  admin.close();
  return details;
}

// ---------------------------------------------------------------------------------------------
// injection: every extractor, each handler acking what it extracted.
// ---------------------------------------------------------------------------------------------

async function injection() {
  const s = socketFor("/", { auth: { name: "ada" }, query: { tag: "t1" } });
  const connectedEvent = once(s, "connected");
  await connected(s, STEP_TIMEOUT_MS);
  const [onConnect] = await connectedEvent;
  const parts = await ask(s, "parts");
  const data = await ask(s, "data", { x: 2, y: 3 });
  const badData = await askError(s, "data", "not a point");
  const tuple = await ask(s, "tuple", "ab", 3);
  const valid = await ask(s, "valid", { email: "ada@example.com", age: 36 });
  const invalid = await askError(s, "valid", { email: "nope", age: 3 });
  const bin = await ask(s, "bin", Buffer.from([1, 2, 3]), Buffer.from([255]));
  const [rawJson, rawBytes, ...rawRest] = await askAll(s, "raw", { a: 1 }, Buffer.from([9, 8]));
  const raw = { json: rawJson, bytes: [...toBuffer(rawBytes)], rest: rawRest.length };
  const state = [await ask(s, "state"), await ask(s, "state")];
  const extension = [await ask(s, "extension"), await ask(s, "extension")];
  const optional = [await ask(s, "optional", 7), await ask(s, "optional", "seven")];
  const result = [await ask(s, "result", 5), await ask(s, "result", "five")];

  const badLogin = await refuse("/", { auth: { name: "" } });
  const noLogin = await refuse("/");

  const r = socketFor("/room/42", { auth: { guest: "bob" } });
  const enteredEvent = once(r, "entered");
  await connected(r, STEP_TIMEOUT_MS);
  const [entered] = await enteredEvent;
  const where = await ask(r, "where");
  r.close();
  const badRoom = await refuse("/room/abc", { auth: { guest: "bob" } });
  const noGuest = await refuse("/room/7");

  const leaver = await connect("/", { auth: { name: "cy" } });
  const leaverId = leaver.id;
  leaver.disconnect();
  const disconnects = await until(
    "the disconnect handler records cy",
    () => ask(s, "disconnects"),
    (list) => list.some((d) => d.sid === leaverId),
  );
  const details = {
    sid: s.id, onConnect, parts, data, badData, tuple, valid, invalid, bin, raw, state, extension, optional, result,
    badLogin, noLogin, entered, where, badRoom, noGuest, leaverId, disconnects,
  };
  s.close();
  return details;
}

// ---------------------------------------------------------------------------------------------
// current-user: the guide's custom async extractor, its typed errors and its per-event cache.
// ---------------------------------------------------------------------------------------------

async function currentUser() {
  const anon = await connect("/");
  const noToken = await askError(anon, "whoami");
  const mallory = await connect("/", { query: { token: "stolen" } });
  const unknown = await askError(mallory, "whoami");
  const ada = await connect("/", { query: { token: "t-ada" } });
  const me = await ask(ada, "whoami");
  const first = await ask(ada, "post", "hello");
  const second = await ask(ada, "post", "again");
  const bob = await connect("/", { query: { token: "t-bob" } });
  const forbidden = await askError(bob, "post", "hi");
  const badPayload = await askError(ada, "post", { text: "not a string" });
  for (const s of [anon, mallory, ada, bob]) s.close();
  return { noToken, unknown, me, first, second, forbidden, badPayload };
}

// ---------------------------------------------------------------------------------------------

const scenarios = {
  simple,
  "typed-di": typedDi,
  axum: axumScenario,
  middleware,
  routers,
  injection,
  "current-user": currentUser,
};

const run = scenarios[scenario];
if (!run || !baseUrl) fail(`usage: node examples.mjs <${Object.keys(scenarios).join("|")}> <base-url>`);
try {
  succeed({ scenario, details: await run() });
} catch (err) {
  fail(err?.stack ?? String(err));
}
