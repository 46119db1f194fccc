// The node socket.io@4 bench server: the same contract as bench/src/bin/server_fastsio.rs
// (see docs/performance.md), default settings, namespace "/", path /socket.io/, on
// 127.0.0.1:$PORT (default 3000).
// With REDIS_URL set, it is one node of a cluster on that Redis through
// @socket.io/redis-adapter 8 (createAdapter on node-redis 4, as its README shows): the
// cross-node cases of scripts/bench-redis.sh.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3000);
const httpServer = http.createServer();
const io = new Server(httpServer, { serveClient: false });

async function useRedis(url) {
  const { createClient } = require("redis");
  const { createAdapter } = require("@socket.io/redis-adapter");
  const pubClient = createClient({ url });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  io.adapter(createAdapter(pubClient, subClient));
}

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

(process.env.REDIS_URL ? useRedis(process.env.REDIS_URL) : Promise.resolve()).then(
  () => {
    httpServer.listen(port, "127.0.0.1", () => {
      console.log(`server-node listening on 127.0.0.1:${port}`);
    });
  },
  (err) => {
    console.error(`server-node: redis: ${err}`);
    process.exit(1);
  },
);

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
