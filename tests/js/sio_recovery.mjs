// Connection state recovery with the official socket.io-client@4 (which sends `pid` and
// `offset` in its CONNECT auth by itself once the server gave it a pid).
//
// Usage: node sio_recovery.mjs <scenario> <base-url> <transport>
//   scenario: recover | expired | bad-offset | bad-claims (see tests/sio_recovery.rs for the
//             server each one runs against)
//   transport: websocket | polling
//
// Two clients: `main`, whose connection is dropped and comes back, and `control`, which asks
// the server (once it has seen `main` go) to emit what `main` misses meanwhile. Success: one
// JSON line {"ok":true,"scenario":...,"details":{...}} on stdout, exit 0; failure: the reason
// on stderr, exit 1. The whole run is bounded by GLOBAL_TIMEOUT_MS.

import { connected } from "./sio_steps.mjs";
import { io } from "socket.io-client";

const [scenario, baseUrl, transport] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 5_000;

function fail(reason) {
  console.error(`sio_recovery ${scenario ?? "?"}: ${reason}`);
  process.exit(1);
}

const globalTimer = setTimeout(() => fail(`global timeout after ${GLOBAL_TIMEOUT_MS} ms`), GLOBAL_TIMEOUT_MS);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Resolves with the arguments of the next `event` on `emitter`, rejects after `ms`. */
function once(emitter, event, ms = STEP_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** A client with its own connection; it never reconnects by itself (the script decides). */
const client = (auth) =>
  io(baseUrl, { forceNew: true, reconnection: false, transports: [transport], ...(auth ? { auth } : {}) });

const ask = (socket, event, ...args) => socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, ...args);

/** Every `missed` and `after` event `socket` receives, with its arguments. */
function record(socket) {
  const seen = [];
  socket.on("missed", (...args) => seen.push(["missed", ...args]));
  socket.on("after", (...args) => seen.push(["after", ...args]));
  return seen;
}

/** Connects `main` (which gets a `welcome`, so it holds an offset), drops its connection,
 * has the server emit while it is away, and brings it back. */
async function dropAndComeBack(main, control, beforeReconnect = () => {}) {
  const welcome = once(main, "welcome");
  await connected(main, STEP_TIMEOUT_MS);
  await welcome;
  const firstId = main.id;
  check(main.recovered === false, "a first connection is not recovered");
  const gone = once(main, "disconnect");
  main.io.engine.close();
  const [reason] = await gone;
  await ask(control, "emit_missed", firstId);
  beforeReconnect();
  const back = connected(main, STEP_TIMEOUT_MS);
  main.connect();
  await back;
  return { firstId, reason };
}

/** The string offsets that end each replayed event: all distinct and increasing. */
function checkOffsets(events) {
  const offsets = events.map((e) => e[e.length - 1]);
  check(offsets.every((o) => typeof o === "string"), `offsets are strings: ${JSON.stringify(offsets)}`);
  for (let i = 1; i < offsets.length; i++) {
    check(BigInt(offsets[i - 1]) < BigInt(offsets[i]), `offsets increase: ${JSON.stringify(offsets)}`);
  }
}

const scenarios = {
  /** Back in time: same id, the missed events exactly once and in order, rooms restored. */
  async recover() {
    const control = await connected(client(), STEP_TIMEOUT_MS);
    const main = client();
    const seen = record(main);
    const { firstId, reason } = await dropAndComeBack(main, control);
    check(main.recovered === true, "socket.recovered after a timely reconnection");
    check(main.id === firstId, `same id: ${firstId} then ${main.id}`);
    const missed = seen.map((e) => e[1]);
    const after = once(main, "after");
    await ask(control, "emit_after");
    await after;
    checkOffsets(seen);
    const secondId = main.id;
    control.close();
    main.close();
    return { reason, firstId, secondId, missed, events: seen.map((e) => [e[0], e[1]]) };
  },

  /** Back too late: a fresh session, nothing replayed. */
  async expired() {
    const control = await connected(client(), STEP_TIMEOUT_MS);
    const main = client();
    const seen = record(main);
    let welcomeAgain;
    const { firstId } = await dropAndComeBack(main, control, () => {
      welcomeAgain = once(main, "welcome");
    });
    await welcomeAgain;
    check(main.recovered === false, "not recovered after the session expired");
    check(main.id !== firstId, "a new id after the session expired");
    const secondId = main.id;
    control.close();
    main.close();
    return { firstId, secondId, events: seen.map((e) => [e[0], e[1]]) };
  },

  /** A known session with an offset the server never gave: a fresh session. */
  async "bad-offset"() {
    const control = await connected(client(), STEP_TIMEOUT_MS);
    const main = client();
    const seen = record(main);
    const { firstId } = await dropAndComeBack(main, control, () => {
      // What the client claims on reconnection (socket.io-client keeps it in `_lastOffset`).
      main._lastOffset = "999999999";
    });
    check(main.recovered === false, "not recovered with an unknown offset");
    check(main.id !== firstId, "a new id with an unknown offset");
    const secondId = main.id;
    control.close();
    main.close();
    return { firstId, secondId, events: seen.map((e) => [e[0], e[1]]) };
  },

  /** Claims that name no session, or are not strings: each connects as a fresh session. */
  async "bad-claims"() {
    const claims = [
      { pid: "not-a-session", offset: "0" },
      { pid: "AAAAAAAAAAAAAAAAAAAAAA", offset: "0" },
      { pid: 42, offset: { x: 1 } },
      { pid: null, offset: null },
    ];
    const results = [];
    for (const auth of claims) {
      const socket = await connected(client(auth), STEP_TIMEOUT_MS);
      check(socket.recovered === false, `not recovered with ${JSON.stringify(auth)}`);
      results.push(socket.id);
      socket.close();
    }
    return { ids: results };
  },
};

try {
  const run = scenarios[scenario];
  if (!run) fail(`unknown scenario ${scenario}`);
  const details = await run();
  clearTimeout(globalTimer);
  console.log(JSON.stringify({ ok: true, scenario, details }));
  process.exit(0);
} catch (err) {
  fail(err?.stack ?? String(err));
}
