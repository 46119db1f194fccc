// The node socket.io@4 bench server: the same contract as bench/src/bin/server_fastsio.rs
// (see docs/performance.md), default settings, namespace "/", path /socket.io/, on
// 127.0.0.1:$PORT (default 3000). With REDIS_URL set, it is one node of a cluster on that Redis
// through @socket.io/redis-adapter 8 (createShardedAdapter with REDIS_ADAPTER=sharded): the
// cross-node peer of scripts/bench-redis.sh.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3000);
const httpServer = http.createServer();
const io = new Server(httpServer, { serveClient: false });

io.on("connection", (socket) => {
  // Acknowledged with the same arguments.
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  // Emitted to every socket of "/", the sender included, with the same arguments.
  socket.on("broadcast", (...args) => {
    io.emit("broadcast", ...args);
  });
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack("ok");
  });
  socket.on("to_room", (room, ...args) => {
    io.to(room).emit("room", ...args);
  });
});

async function listen() {
  if (process.env.REDIS_URL) {
    const { createClient } = require("redis");
    const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: process.env.REDIS_URL });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    const sharded = process.env.REDIS_ADAPTER === "sharded";
    io.adapter(sharded ? createShardedAdapter(pub, sub) : createAdapter(pub, sub));
  }
  httpServer.listen(port, "127.0.0.1", () => {
    console.log(`server-node listening on 127.0.0.1:${port}`);
  });
}
listen();

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
