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

import { dropAndComeBack, record } from "./recovery_steps.mjs";
import { bounded, check, connected, nextEvent } from "./sio_steps.mjs";
import { io } from "socket.io-client";

const [scenario, baseUrl, transport] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 5_000;

const { fail, succeed } = bounded(`sio_recovery ${scenario ?? "?"}`, GLOBAL_TIMEOUT_MS);

/** The next `event` on `emitter`, within the step bound unless told otherwise. */
const once = (emitter, event, ms = STEP_TIMEOUT_MS) => nextEvent(emitter, event, ms);

/** A client with its own connection; it never reconnects by itself (the script decides). */
const client = (auth) =>
  io(baseUrl, { forceNew: true, reconnection: false, transports: [transport], ...(auth ? { auth } : {}) });

const ask = (socket, event, ...args) => socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, ...args);

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
    const { firstId, reason } = await dropAndComeBack(main, control, STEP_TIMEOUT_MS);
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
    const { firstId } = await dropAndComeBack(main, control, STEP_TIMEOUT_MS, () => {
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
    const { firstId } = await dropAndComeBack(main, control, STEP_TIMEOUT_MS, () => {
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
  succeed({ scenario, details: await run() });
} catch (err) {
  fail(err?.stack ?? String(err));
}
