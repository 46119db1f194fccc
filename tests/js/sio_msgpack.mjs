// socket.io-client@4 with socket.io-msgpack-parser against a fastsio server built with
// `Parser::MsgPack` (see tests/tests/sio_msgpack.rs, whose server provides the handlers).
//
// Usage: node sio_msgpack.mjs <websocket|polling> <base-url>
//
// One run covers: a refused connect (connect_error with data), auth, events and acks both ways
// (JSON values, a validation error, binary Buffers in events, acks and server emits), a second
// namespace on the same connection, refused and unknown namespaces, and a broadcast to a room.
// Success: one JSON line {"ok":true,"details":{...}} on stdout, exit 0 (the Rust test asserts on
// the details too). Failure: the reason on stderr, exit 1. Bounded by GLOBAL_TIMEOUT_MS.

import { bounded, check, checkEq, connected, nextEvent, refused } from "./sio_steps.mjs";
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";

const [transport, baseUrl] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 5_000;

const { fail, globalTimer } = bounded(`sio_msgpack ${transport ?? "?"}`, GLOBAL_TIMEOUT_MS);

function checkBytes(actual, expected, what) {
  check(Buffer.isBuffer(actual), `${what}: expected a Buffer, got ${JSON.stringify(actual)}`);
  check(Buffer.compare(actual, expected) === 0, `${what}: got ${actual.toString("hex")}`);
}

/** The next `event` on `emitter`, within the step bound unless told otherwise. */
const once = (emitter, event, ms = STEP_TIMEOUT_MS) => nextEvent(emitter, event, ms);

const transports =
  transport === "polling" ? { transports: ["polling"], upgrade: false } : { transports: ["websocket"] };

/** A new connection (its own manager) to `nsp`, with the msgpack parser and no reconnection. */
function socketFor(nsp, opts = {}) {
  return io(`${baseUrl}${nsp}`, { reconnection: false, forceNew: true, parser: msgpackParser, ...transports, ...opts });
}

const ask = (socket, event, ...args) => socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, ...args);
const good = { auth: { token: "s3cret" } };

async function run() {
  const details = {};

  // A refused connect carries its message and data.
  details.refusedAuth = await refused(socketFor("/", { auth: { token: "nope" } }), STEP_TIMEOUT_MS);

  // Auth, and an emit from the connect handler arriving after the CONNECT reply.
  const main = socketFor("/", good);
  const welcome = once(main, "welcome");
  await connected(main, STEP_TIMEOUT_MS);
  const [hello] = await welcome;
  checkEq(hello, { sid: main.id }, "welcome");
  details.transport = main.io.engine.transport.name;
  details.whoami = await ask(main, "whoami");

  // JSON values survive the msgpack round trip.
  const payload = {
    text: "héllo ✓ 😀",
    ints: [0, -1, 127, 128, -33, 65536, 2 ** 40, -(2 ** 40)],
    floats: [1.5, -0.25],
    nested: { list: [null, true, false, { deep: ["x"] }] },
    empty: { obj: {}, arr: [] },
  };
  checkEq(await ask(main, "echo", payload), payload, "echo");
  details.valid = await ask(main, "sum", { a: 2, b: 3 });
  details.invalid = await ask(main, "sum", { a: "two" });

  // Binary, client to server: the handler reports lengths and byte sums.
  const flat = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  details.flatInfo = await ask(main, "bin-info", flat);
  const big = Buffer.from(Array.from({ length: 100 * 1024 }, (_, i) => (i * 31 + 7) & 0xff));
  details.multiInfo = await ask(main, "bin-info", {
    a: Buffer.from("hello, binary ✓"),
    list: [big, Buffer.alloc(0)],
  });

  // Binary relayed back in an ack.
  const echoed = await ask(main, "bin-echo", { tag: "x", data: Buffer.from([1, 2, 3]) });
  check(echoed.tag === "x", `bin-echo tag: ${JSON.stringify(echoed)}`);
  checkBytes(echoed.data, Buffer.from([1, 2, 3]), "bin-echo data");

  // Binary, server to client: the bytes come back inverted, last first.
  const back = once(main, "bin-back");
  main.emit("bin-back", Buffer.from([1, 2]), Buffer.from([3]));
  const [backData] = await back;
  checkBytes(backData.first, Buffer.from([0xfc]), "bin-back first");
  checkBytes(backData.nested.list[0], Buffer.from([0xfe, 0xfd]), "bin-back nested");
  check(backData.count === 2, `bin-back count: ${backData.count}`);

  // The server asks, the client acks with a value and a Buffer.
  let questions = 0;
  main.on("question", (a, b, ack) => {
    questions += 1;
    ack({ got: [a, b] }, Buffer.from([9, 8, 7]));
  });
  details.serverAsked = await ask(main, "ask-client");
  details.questions = questions;

  // A second namespace on the same connection; refused and unknown ones.
  const admin = main.io.socket("/admin", good);
  await connected(admin, STEP_TIMEOUT_MS);
  details.adminWhoami = await ask(admin, "whoami");
  details.refusedPrivate = await refused(main.io.socket("/private", good), STEP_TIMEOUT_MS);
  details.refusedUnknown = await refused(main.io.socket("/nope", good), STEP_TIMEOUT_MS);

  // A broadcast to a room reaches its members only.
  const members = [socketFor("/", good), socketFor("/", good)];
  const outsider = socketFor("/", good);
  await Promise.all([...members, outsider].map((s) => connected(s, STEP_TIMEOUT_MS)));
  for (const m of members) checkEq(await ask(m, "join", "r"), "r", "join");
  let outsiderGot = 0;
  outsider.on("shouted", () => (outsiderGot += 1));
  const shouts = members.map((m) => once(m, "shouted"));
  details.delivered = await ask(main, "shout", { room: "r", msg: "hi all" });
  for (const [msg, from] of await Promise.all(shouts)) {
    check(msg === "hi all" && from === main.id, `shouted: ${msg} from ${from}`);
  }
  // A broadcast with acks: every member answers with a Buffer too.
  members.forEach((m, i) => m.on("poll", (q, ack) => ack(`${q} ${i}`, Buffer.from([i]))));
  details.polled = (await ask(main, "poll-room", "r")).sort();
  // The broadcast was queued before the shout's ack: an outsider's round trip started after it
  // would follow any copy it got.
  checkEq(await ask(outsider, "echo", "after"), "after", "outsider echo");
  details.outsiderGot = outsiderGot;

  for (const s of [...members, outsider, admin, main]) s.disconnect();
  return details;
}

if (!["websocket", "polling"].includes(transport) || !baseUrl) {
  fail("usage: sio_msgpack.mjs <websocket|polling> <base-url>");
}
try {
  const details = await run();
  console.log(JSON.stringify({ ok: true, details }));
  clearTimeout(globalTimer);
  setTimeout(() => fail("a connection was still open 3 s after the run ended"), 3_000).unref();
} catch (err) {
  fail(err?.stack ?? String(err));
}
