// Shared steps of the client scripts: bounding the whole run, checks, waiting for an event, a
// connection to be accepted or refused, each bounded by a timeout so that a missing answer
// fails instead of hanging.

import { isDeepStrictEqual } from "node:util";

/** Bounds the run: `fail` prints `label: reason` on stderr and exits 1, and `globalTimer`
 * fails the run after `timeoutMs`; `succeed` clears it, prints `{"ok": true, ...result}` as
 * the result line and exits 0. */
export function bounded(label, timeoutMs) {
  const fail = (reason) => {
    console.error(`${label}: ${reason}`);
    process.exit(1);
  };
  const globalTimer = setTimeout(() => fail(`global timeout after ${timeoutMs} ms`), timeoutMs);
  const succeed = (result) => {
    clearTimeout(globalTimer);
    console.log(JSON.stringify({ ok: true, ...result }));
    process.exit(0);
  };
  return { fail, globalTimer, succeed };
}

/** Throws `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Deep equality (object key order aside: a JSON object is unordered). */
export function checkEq(actual, expected, what) {
  check(
    isDeepStrictEqual(actual, expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

/** Resolves with the arguments of the next `event` on `emitter`; rejects after `timeoutMs`. */
export function nextEvent(emitter, event, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), timeoutMs);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Resolves with `socket` on `connect`; rejects on `connect_error` or after `timeoutMs`. */
export function connected(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect for ${socket.nsp}`)), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(new Error(`connect_error on ${socket.nsp}: ${err.message} ${JSON.stringify(err.data)}`));
    });
  });
}

/** Resolves with `{message, data}` of the `connect_error` a refused connection gets. */
export function refused(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect_error for ${socket.nsp}`)), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      reject(new Error(`${socket.nsp} connected, expected a connect_error`));
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      socket.close();
      resolve({ message: err.message, data: err.data ?? null });
    });
  });
}
