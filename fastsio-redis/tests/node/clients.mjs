// socket.io-client@4 sockets driven by the Rust cluster tests: `node clients.mjs`, then one
// JSON command per stdin line, one JSON answer per stdout line. Every event a socket receives
// is recorded (binary as {"bin": [bytes]}); an event that asks for an ack is answered with the
// socket's name.
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const sockets = new Map();
const WAIT_MS = 5000;

const plain = (v) => {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    return { bin: [...new Uint8Array(v.buffer ?? v, v.byteOffset ?? 0, v.byteLength)] };
  }
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
};

const until = (test) =>
  new Promise((resolve) => {
    const started = Date.now();
    const check = () => {
      if (test() || Date.now() - started > WAIT_MS) resolve();
      else setTimeout(check, 10);
    };
    check();
  });

async function run(cmd) {
  const entry = sockets.get(cmd.name);
  switch (cmd.cmd) {
    case "connect": {
      const socket = io(cmd.url + (cmd.nsp ?? "/"), {
        transports: cmd.transports ?? ["websocket"],
        query: cmd.query ?? {},
        auth: cmd.auth ?? {},
        reconnection: cmd.reconnection ?? false,
      });
      const record = { socket, events: [], disconnected: false, connects: 0 };
      socket.on("connect", () => (record.connects += 1));
      socket.onAny((event, ...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        record.events.push([event, ...args.map(plain)]);
        if (ack) ack(cmd.name);
      });
      socket.on("disconnect", () => (record.disconnected = true));
      sockets.set(cmd.name, record);
      await until(() => socket.connected);
      return { connected: socket.connected, id: socket.id };
    }
    case "wait": {
      // Waits (at most 5 s) for `count` events, then hands over and forgets what arrived.
      await until(() => entry.events.length >= cmd.count);
      return { events: entry.events.splice(0) };
    }
    case "emit":
      // Emits and waits (at most 5 s) for the server's ack.
      try {
        const ack = await entry.socket.timeout(WAIT_MS).emitWithAck(cmd.event, ...cmd.args);
        return { ack: plain(ack) };
      } catch (e) {
        return { error: e.message };
      }
    case "reconnected":
      // Waits (at most 5 s) for the socket's next connection after a disconnection.
      await until(() => entry.connects >= 2 && entry.socket.connected);
      return { connected: entry.socket.connected, recovered: entry.socket.recovered, id: entry.socket.id };
    case "disconnected":
      await until(() => entry.disconnected);
      return { disconnected: entry.disconnected };
    case "close":
      for (const { socket } of sockets.values()) socket.close();
      return { ok: true };
    default:
      return { error: "unknown command" };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  process.stdout.write(JSON.stringify(await run(JSON.parse(line))) + "\n");
}
process.exit(0);
