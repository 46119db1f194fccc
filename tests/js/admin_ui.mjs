// The admin side of @socket.io/admin-ui 0.5, spoken with socket.io-client@4 the way the UI's
// App.vue does (connect to the admin namespace with `auth` {username, password} or
// {sessionId}, listen to its server events, send its commands), against a fastsio server
// instrumented by fastsio-admin.
//
// Usage: node admin_ui.mjs <scenario> <base-url>
//   scenario: see `scenarios` at the bottom (each has a matching test in tests/admin_ui.rs,
//             whose server provides the admin namespace and the handlers the scenario uses)
//   base-url: e.g. http://127.0.0.1:3000
//
// Success: one JSON line {"ok":true,"scenario":...,"details":{...}} on stdout, exit 0.
// Failure: the reason on stderr, exit 1. The whole run is bounded by GLOBAL_TIMEOUT_MS.

import { bounded, check, checkEq, connected, refused } from "./sio_steps.mjs";
import { io } from "socket.io-client";

const [scenario, baseUrl] = process.argv.slice(2);
const GLOBAL_TIMEOUT_MS = 20_000;
const STEP_TIMEOUT_MS = 5_000;
const USER = { username: "admin", password: "s3cret" };

// The events the UI listens to (App.vue registerEventListeners).
const ADMIN_EVENTS = [
  "session",
  "config",
  "server_stats",
  "all_sockets",
  "socket_connected",
  "socket_updated",
  "socket_disconnected",
  "room_joined",
  "room_left",
  "event_received",
  "event_sent",
];

const { fail, succeed } = bounded(`admin_ui ${scenario ?? "?"}`, GLOBAL_TIMEOUT_MS);

/** A socket that fails the run if it drops, instead of reconnecting. */
function socketFor(nsp, opts = {}) {
  return io(`${baseUrl}${nsp}`, { reconnection: false, forceNew: true, ...opts });
}

/** An admin connection like the UI's, recording every admin event it gets in order. */
function adminSocket(auth, opts = {}) {
  const socket = socketFor("/admin", { auth, withCredentials: true, ...opts });
  const log = [];
  const waiters = [];
  for (const event of ADMIN_EVENTS) {
    socket.on(event, (...args) => {
      log.push({ event, args });
      for (const w of [...waiters]) w();
    });
  }
  /** Resolves with the args of the first recorded `event` (from index `from` on) that
   * `pred` accepts; rejects after the step timeout. */
  socket.waitFor = (event, pred = () => true, what = event, from = 0) =>
    new Promise((resolve, reject) => {
      const find = () => log.slice(from).find((e) => e.event === event && pred(...e.args));
      const found = find();
      if (found) return resolve(found.args);
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        const seen = log.slice(from).map((e) => `${e.event} ${JSON.stringify(e.args)}`.slice(0, 200));
        reject(new Error(`timed out waiting for ${what}; got:\n${seen.join("\n")}`));
      }, STEP_TIMEOUT_MS);
      const waiter = () => {
        const hit = find();
        if (hit) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(hit.args);
        }
      };
      waiters.push(waiter);
    });
  socket.log = log;
  return socket;
}

const ack = (socket, ...args) => socket.timeout(STEP_TIMEOUT_MS).emitWithAck(...args);

const isDate = (s) => typeof s === "string" && !Number.isNaN(Date.parse(s)) && s.endsWith("Z");

/** The next `server_stats` after `from` that `pred` accepts. */
const stats = (admin, pred, what) =>
  admin.waitFor("server_stats", pred, what, admin.log.length).then(([s]) => s);

const nsCount = (s, name) => s.namespaces.find((n) => n.name === name)?.socketsCount;

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/** Wrong or missing credentials are refused with the UI's message; the right ones get a
 * session id that logs in again without the password. */
async function login() {
  const noAuth = await refused(socketFor("/admin"), STEP_TIMEOUT_MS);
  const wrong = await refused(
    socketFor("/admin", { auth: { username: "admin", password: "nope" } }),
    STEP_TIMEOUT_MS,
  );
  const forged = await refused(socketFor("/admin", { auth: { sessionId: "0123456789abcdef" } }), STEP_TIMEOUT_MS);
  const admin = adminSocket(USER);
  await connected(admin, STEP_TIMEOUT_MS);
  const [session] = await admin.waitFor("session");
  const [config] = await admin.waitFor("config");
  const [serverStats] = await admin.waitFor("server_stats");
  admin.close();
  const again = adminSocket({ sessionId: session });
  await connected(again, STEP_TIMEOUT_MS);
  await again.waitFor("config");
  const sessionsOnReconnect = again.log.filter((e) => e.event === "session").length;
  again.close();
  return { noAuth, wrong, forged, session, config, serverStats, sessionsOnReconnect };
}

/** Development mode: sockets, rooms and events as they happen, stats with the right counts,
 * and the commands acting on a regular client. */
async function live() {
  const admin = adminSocket(USER);
  await connected(admin, STEP_TIMEOUT_MS);
  const [config] = await admin.waitFor("config");
  const [allSockets] = await admin.waitFor("all_sockets");

  // A regular client on the main namespace, polling then upgraded as by default.
  const client = socketFor("/");
  await connected(client, STEP_TIMEOUT_MS);
  const clientId = client.id;
  const [details, connectedAt] = await admin.waitFor(
    "socket_connected",
    (s) => s.id === clientId,
    "socket_connected of the client",
  );
  check(isDate(connectedAt), `socket_connected date: ${connectedAt}`);
  const [ownRoom] = await admin.waitFor(
    "room_joined",
    (nsp, room, id) => id === clientId && room === clientId,
    "room_joined of the client's own room",
  );

  // Its upgrade to WebSocket.
  const [upgraded] = await admin.waitFor(
    "socket_updated",
    (u) => u.id === clientId && u.transport === "websocket",
    "socket_updated of the client",
  );

  // Its events: received (with the ack callback left out) and sent.
  const echoed = await ack(client, "echo", { x: 1 });
  const received = await admin.waitFor("event_received", (nsp, id) => id === clientId, "event_received");
  const sent = await admin.waitFor("event_sent", (nsp, id) => id === clientId, "event_sent");

  // Rooms joined and left by a handler.
  await ack(client, "join_room", "lobby");
  const joined = await admin.waitFor("room_joined", (nsp, room) => room === "lobby", "room_joined lobby");

  // Stats counting the admin and the client.
  const twoClients = await stats(
    admin,
    (s) =>
      s.clientsCount === 2 &&
      s.pollingClientsCount === 0 &&
      nsCount(s, "/") === 1 &&
      nsCount(s, "/admin") === 1,
    "server_stats with two clients",
  );

  // Commands: join, leave, emit, then _disconnect, aimed at the client's own room.
  const joinAck = await ack(admin, "join", "/", "vip", clientId);
  await admin.waitFor("room_joined", (nsp, room, id) => room === "vip" && id === clientId, "room_joined vip");
  const roomsAfterJoin = await ack(client, "rooms");
  const leaveAck = await ack(admin, "leave", "/", "vip", clientId);
  await admin.waitFor("room_left", (nsp, room, id) => room === "vip" && id === clientId, "room_left vip");
  const roomsAfterLeave = await ack(client, "rooms");
  const hello = new Promise((resolve) => client.once("hello", (...args) => resolve(args)));
  const emitAck = await ack(admin, "emit", "/", "lobby", "hello", 1, "two");
  const helloArgs = await hello;
  const unknownNs = await ack(admin, "join", "/nowhere", "vip");
  const gone = new Promise((resolve) => client.once("disconnect", (reason) => resolve(reason)));
  const disconnectAck = await ack(admin, "_disconnect", "/", false, clientId);
  const clientReason = await gone;
  const [, , serverReason] = await admin.waitFor(
    "socket_disconnected",
    (nsp, id) => id === clientId,
    "socket_disconnected of the client",
  );
  const leftOnDisconnect = await admin.waitFor(
    "room_left",
    (nsp, room, id) => room === "lobby" && id === clientId,
    "room_left lobby on disconnect",
  );
  // _disconnect with close: the whole connection goes.
  const other = socketFor("/");
  await connected(other, STEP_TIMEOUT_MS);
  const otherId = other.id;
  const otherGone = new Promise((resolve) => other.once("disconnect", (reason) => resolve(reason)));
  await ack(admin, "_disconnect", "/", true, otherId);
  const otherClientReason = await otherGone;
  const [, , otherServerReason] = await admin.waitFor(
    "socket_disconnected",
    (nsp, id) => id === otherId,
    "socket_disconnected of the closed client",
  );
  client.close();
  admin.close();
  return {
    otherClientReason,
    otherServerReason,
    upgraded,
    config,
    allSockets,
    details,
    ownRoom,
    echoed,
    received,
    sent,
    joined,
    twoClients,
    joinAck,
    roomsAfterJoin,
    leaveAck,
    roomsAfterLeave,
    emitAck,
    helloArgs,
    unknownNs,
    disconnectAck,
    clientReason,
    serverReason,
    leftOnDisconnect,
    clientId,
  };
}

/** Read-only: no commands announced, each one refused, the client untouched. The client
 * connects first, so the admin finds it in `all_sockets`. */
async function readonly() {
  const client = socketFor("/");
  await connected(client, STEP_TIMEOUT_MS);
  const clientId = client.id;
  const admin = adminSocket(USER);
  await connected(admin, STEP_TIMEOUT_MS);
  const [config] = await admin.waitFor("config");
  const [allSockets] = await admin.waitFor("all_sockets");
  const refusals = [
    await ack(admin, "join", "/", "vip", clientId),
    await ack(admin, "leave", "/", clientId, clientId),
    await ack(admin, "emit", "/", null, "hello", 1),
    await ack(admin, "_disconnect", "/", false, clientId),
  ];
  const rooms = await ack(client, "rooms");
  const stillConnected = client.connected;
  client.close();
  admin.close();
  return { config, allSockets, refusals, rooms, stillConnected, clientId };
}

/** Production: stats only, no per-socket events. */
async function production() {
  const admin = adminSocket(USER);
  await connected(admin, STEP_TIMEOUT_MS);
  const [config] = await admin.waitFor("config");
  const client = socketFor("/");
  await connected(client, STEP_TIMEOUT_MS);
  await ack(client, "echo", { x: 1 });
  await ack(client, "join_room", "lobby");
  const withClient = await stats(admin, (s) => nsCount(s, "/") === 1, "server_stats with the client");
  // Two more stats later, whatever verbose event there were to come would have come.
  await stats(admin, () => true, "a later server_stats");
  await stats(admin, () => true, "another server_stats");
  const aggregated = admin.log
    .filter((e) => e.event === "server_stats")
    .flatMap((e) => e.args[0].aggregatedEvents)
    .map((e) => e.type);
  const events = [...new Set(admin.log.map((e) => e.event))].sort();
  client.close();
  admin.close();
  return { config, withClient, aggregated: [...new Set(aggregated)].sort(), events };
}

const scenarios = { login, live, readonly, production };

const run = scenarios[scenario];
if (!run) fail(`unknown scenario ${scenario}`);
try {
  succeed({ scenario, details: await run() });
} catch (e) {
  fail(e.stack ?? String(e));
}
