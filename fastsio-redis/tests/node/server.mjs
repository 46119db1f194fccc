// A node socket.io@4 server on @socket.io/redis-adapter@8, driven by the Rust interop test:
// `node server.mjs <redis url> <key prefix> [static|dynamic|dynamic-private]` (with a mode:
// `createShardedAdapter` in that subscription mode, on Redis 7 sharded pub/sub); prints
// `{"ready": port}`, then reads one JSON command per stdin line and prints one JSON answer per
// line.
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";

const [url, key, subscriptionMode] = process.argv.slice(2);
const pub = createClient({ url });
const sub = pub.duplicate();
pub.on("error", (e) => console.error("redis pub error", e.message));
sub.on("error", (e) => console.error("redis sub error", e.message));
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer();
const io = new Server(http, {
  adapter:
    subscriptionMode
      ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode })
      : createAdapter(pub, sub, { key, requestsTimeout: 2000 }),
  pingInterval: 20000,
});
io.on("connection", (socket) => {
  socket.data = { node: "node" };
  const room = socket.handshake.query.room;
  if (room) socket.join(room);
  socket.emit("hello", socket.id);
});

const received = [];
io.on("from rust", (...args) => {
  const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
  received.push(args);
  if (ack) ack({ from: "node", got: args });
});

const answer = (v) => process.stdout.write(JSON.stringify(v) + "\n");

async function run(cmd) {
  let ops = io.of("/");
  if (cmd.rooms) ops = ops.to(cmd.rooms);
  if (cmd.except) ops = ops.except(cmd.except);
  switch (cmd.cmd) {
    case "emit":
      ops.emit(cmd.event, ...cmd.args);
      return { ok: true };
    case "emitjson":
      ops.emit(cmd.event, ...JSON.parse(cmd.json));
      return { ok: true };
    case "emitbin":
      ops.emit(cmd.event, { bytes: Buffer.from(cmd.bytes) });
      return { ok: true };
    case "received":
      return { received };
    case "sse":
      io.serverSideEmit(cmd.event, ...cmd.args);
      return { ok: true };
    case "sseack":
      try {
        return { answers: await io.serverSideEmitWithAck(cmd.event, ...cmd.args) };
      } catch (e) {
        return { error: e.message };
      }
    case "allRooms":
      return { rooms: [...(await io.of("/").adapter.allRooms())].sort() };
    case "count":
      return { count: await io.of("/").adapter.serverCount() };
    case "fetch": {
      const sockets = await ops.fetchSockets();
      return {
        sockets: sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data })),
      };
    }
    case "join":
      ops.socketsJoin(cmd.room);
      return { ok: true };
    case "disconnect":
      ops.disconnectSockets();
      return { ok: true };
    case "ack": {
      try {
        const acks = await ops.timeout(cmd.timeout).emitWithAck(cmd.event, ...cmd.args);
        return { acks };
      } catch (e) {
        return { error: e.message };
      }
    }
    default:
      return { error: "unknown command" };
  }
}

http.listen(0, "127.0.0.1", () => answer({ ready: http.address().port }));
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  answer(await run(JSON.parse(line)));
}
process.exit(0);
