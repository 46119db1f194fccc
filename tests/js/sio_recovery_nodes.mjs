// Connection state recovery across two servers that share a cluster (fastsio-redis's
// RedisStreams), with the official socket.io-client@4.
//
// Usage: node sio_recovery_nodes.mjs <url-a> <url-b> <transport>
//
// `main` connects to A and gets a `welcome` (so it holds an offset); its connection drops;
// `control`, on B, asks B to emit what `main` misses meanwhile (`emit_missed`, answered once
// the emits are in the cluster); `main` comes back to B and must be recovered, then gets an
// `after` emitted to its room on B. Success: one JSON line {"ok":true,"details":{...}} on
// stdout, exit 0; failure: the reason on stderr, exit 1. Bounded by GLOBAL_TIMEOUT_MS.

import { dropAndComeBack, record } from "./recovery_steps.mjs";
import { bounded, check, connected, nextEvent } from "./sio_steps.mjs";
import { io } from "socket.io-client";

const [urlA, urlB, transport] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 20_000;
const STEP_TIMEOUT_MS = 8_000;

const { fail, succeed } = bounded("sio_recovery_nodes", GLOBAL_TIMEOUT_MS);

/** The next `event` on `emitter`, within the step bound unless told otherwise. */
const once = (emitter, event, ms = STEP_TIMEOUT_MS) => nextEvent(emitter, event, ms);

const client = (url) => io(url, { forceNew: true, reconnection: false, transports: [transport] });
const ask = (socket, event, ...args) => socket.timeout(STEP_TIMEOUT_MS).emitWithAck(event, ...args);

/** A stream id `<ms>-<seq>` as a pair of BigInts. */
function streamId(offset) {
  check(typeof offset === "string" && /^\d+-\d+$/.test(offset), `a stream id: ${JSON.stringify(offset)}`);
  const [ms, seq] = offset.split("-").map(BigInt);
  return { ms, seq };
}

const before = (a, b) => a.ms < b.ms || (a.ms === b.ms && a.seq < b.seq);

try {
  const control = await connected(client(urlB), STEP_TIMEOUT_MS);
  const main = client(urlA);
  const seen = record(main);
  // Back to the other server: the manager opens its next connection to `uri`.
  const { firstId, reason, welcome } = await dropAndComeBack(main, control, STEP_TIMEOUT_MS, () => {
    main.io.uri = urlB;
  });
  const [welcomeOffset] = welcome;
  streamId(welcomeOffset);
  const recovered = main.recovered;
  const secondId = main.id;
  const after = once(main, "after");
  await ask(control, "emit_after");
  await after;

  const offsets = seen.map((e) => streamId(e[e.length - 1]));
  for (let i = 1; i < offsets.length; i++) {
    check(before(offsets[i - 1], offsets[i]), `offsets increase: ${JSON.stringify(seen)}`);
  }
  check(before(streamId(welcomeOffset), offsets[0]), "missed events come after the welcome");
  control.close();
  main.close();
  succeed({ details: { reason, recovered, firstId, secondId, events: seen.map((e) => [e[0], e[1]]) } });
} catch (err) {
  fail(err?.stack ?? String(err));
}
