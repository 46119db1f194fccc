// A node socket.io@4 server for the fastsio-client interop tests, with the same contract as
// the fastsio server of tests/tests/client_interop.rs. Listens on 127.0.0.1 with a free port
// and prints {"port": N} on its first line. With `--msgpack`, it speaks socket.io-msgpack-parser;
// `--path=/custom/` serves another Engine.IO path, `--max-payload=N` sets maxHttpBufferSize,
// `--ping=MS` sets pingInterval and pingTimeout.
import http from "node:http";
import { Server } from "socket.io";
import msgpackParser from "socket.io-msgpack-parser";

const option = (name) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const httpServer = http.createServer();
const io = new Server(httpServer, {
  serveClient: false,
  pingInterval: Number(option("ping") ?? 1000),
  pingTimeout: Number(option("ping") ?? 1000),
  path: option("path") ?? "/socket.io/",
  maxHttpBufferSize: Number(option("max-payload") ?? 1e6),
  connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true },
  ...(process.argv.includes("--msgpack") ? { parser: msgpackParser } : {}),
});

io.use((socket, next) => {
  if (socket.handshake.auth?.name === "bad") {
    const err = new Error("not allowed");
    err.data = { code: 7 };
    return next(err);
  }
  next();
});

io.on("connection", (socket) => {
  if (!socket.recovered) {
    socket.join("r");
    socket.emit("greet", { text: `hi ${socket.handshake.auth?.name ?? "?"}` });
  }
  socket.on("echo", (e, ack) => ack({ n: e.n }));
  socket.on("ask_back", async (ack) => {
    try {
      ack(await socket.timeout(10_000).emitWithAck("greet", { text: "question" }));
    } catch (e) {
      ack(`no answer: ${e}`);
    }
  });
  socket.on("bin", (...args) => {
    const ack = args.pop();
    const files = args[0].map((b) => Buffer.from(b).reverse());
    socket.emit("bin", files);
    ack(files.length);
  });
  socket.on("relay", (n) => socket.emit("n", n));
  socket.on("whoami", (ack) =>
    ack({
      header: socket.handshake.headers["x-test"] ?? null,
      token: socket.handshake.query.token ?? null,
    }),
  );
  socket.on("tick", (n) => io.to("r").emit("tick", n));
});

// Control: emits to room "r" of "/" while a test client is away; counts the sockets of "/".
io.of("/ctl").on("connection", (socket) => {
  socket.on("tick", (n, ack) => {
    io.to("r").emit("tick", n);
    ack();
  });
  socket.on("count", (ack) => ack(io.of("/").sockets.size));
});

httpServer.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: httpServer.address().port }));
});
process.on("SIGTERM", () => process.exit(0));
