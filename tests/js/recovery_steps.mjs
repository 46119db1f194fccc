// Shared steps of the connection state recovery scripts: `main`'s connection drops and comes
// back while `control` has the server emit what `main` misses meanwhile.

import { check, connected, nextEvent } from "./sio_steps.mjs";

/** Every `missed` and `after` event `socket` receives, with its arguments. */
export function record(socket) {
  const seen = [];
  socket.on("missed", (...args) => seen.push(["missed", ...args]));
  socket.on("after", (...args) => seen.push(["after", ...args]));
  return seen;
}

/** Connects `main` (which gets a `welcome`, so it holds an offset), drops its connection,
 * has the server emit while it is away (`emit_missed`, asked through `control`), and brings
 * it back, each step within `timeoutMs`; `beforeReconnect` runs just before it comes back.
 * Returns `main`'s first id, why it dropped and the `welcome` arguments. */
export async function dropAndComeBack(main, control, timeoutMs, beforeReconnect = () => {}) {
  const welcome = nextEvent(main, "welcome", timeoutMs);
  await connected(main, timeoutMs);
  const welcomeArgs = await welcome;
  const firstId = main.id;
  check(main.recovered === false, "a first connection is not recovered");
  const gone = nextEvent(main, "disconnect", timeoutMs);
  main.io.engine.close();
  const [reason] = await gone;
  await control.timeout(timeoutMs).emitWithAck("emit_missed", firstId);
  beforeReconnect();
  const back = connected(main, timeoutMs);
  main.connect();
  await back;
  return { firstId, reason, welcome: welcomeArgs };
}
