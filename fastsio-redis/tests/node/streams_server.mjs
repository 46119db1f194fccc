// A node socket.io@4 server on @socket.io/redis-streams-adapter with connection state recovery
// on, for the RedisStreams interop test:
// `node streams_server.mjs <redis url> <stream> <session key prefix> <channel prefix>`;
// prints `{"ready": port}` and serves until killed.
//
// On a fresh connection a socket joins `r` and gets `welcome`. `emit_missed(sid)` waits until
// a lost session is kept in Redis, emits what that socket misses (to it, to `r`, to everyone)
// and must not get (another room, all but `r`) plus a volatile emit to `r`, and answers once
// they are all in the stream; `emit_after` emits to `r`; `emit_json(room, json)` emits
// `fidelity` with the arguments `json` holds, to `room` (to all when null). Every wait is
// bounded.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";

const [url, streamName, sessionKeyPrefix, channelPrefix] = process.argv.slice(2);
const redis = createClient({ url });
redis.on("error", (e) => console.error("redis error", e.message));
await redis.connect();

const http = createServer();
const io = new Server(http, {
  adapter: createAdapter(redis, { streamName, sessionKeyPrefix, channelPrefix }),
  connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true },
  pingInterval: 20000,
});

/** Polls `check` every 10 ms, at most 5 s. */
async function until(what, check) {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

io.on("connection", (socket) => {
  if (!socket.recovered) {
    socket.join("r");
    socket.emit("welcome");
  }
  socket.on("emit_missed", async (sid, ack) => {
    await until("the lost session is kept", async () => (await redis.keys(`${sessionKeyPrefix}*`)).length > 0);
    io.to(sid).emit("missed", "to-socket");
    io.to("other").emit("missed", "other-room");
    io.to("r").emit("missed", "to-room");
    io.to("r").volatile.emit("missed", "volatile");
    io.except("r").emit("missed", "except-r");
    io.emit("missed", "to-all");
    await until("the emits are in the stream", async () => {
      const last = await redis.xRevRange(streamName, "+", "-", { COUNT: 10 });
      return last.some((e) => e.message.data?.includes('"to-all"'));
    });
    ack(true);
  });
  socket.on("emit_json", (room, json, ack) => {
    (room ? io.to(room) : io).emit("fidelity", ...JSON.parse(json));
    ack(true);
  });
  socket.on("emit_after", (ack) => {
    io.to("r").emit("after", "to-room");
    ack(true);
  });
});

http.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ ready: http.address().port }));
});
