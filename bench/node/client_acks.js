// node socket.io-client 4's cost per acknowledged emit and per idle connection, measured the
// same way as fastsio-client's `ack_bench` example (docs/performance.md):
//   node client_acks.js URL ACKS CONCURRENCY IDLE
// against a server answering `echo` with its argument as the ack. Prints one JSON line.
const { io } = require("socket.io-client");

const [url = "http://127.0.0.1:3000", acksArg = "20000", concArg = "10", idleArg = "200"] =
  process.argv.slice(2);
const acks = Number(acksArg);
const concurrency = Math.max(1, Number(concArg));
const idle = Number(idleArg);

const connect = (name) =>
  new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], auth: { name }, forceNew: true });
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

(async () => {
  const socket = await connect("bench");
  for (let n = 0; n < 100; n++) await socket.timeout(10_000).emitWithAck("echo", { n });
  const perTask = Math.floor(acks / concurrency);
  const cpu0 = cpuUs();
  const wall0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = 0; n < perTask; n++) await socket.timeout(10_000).emitWithAck("echo", { n });
    }),
  );
  const cpu = cpuUs() - cpu0;
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  const done = perTask * concurrency;
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const sockets = [];
  for (let i = 0; i < idle; i++) sockets.push(await connect("idle"));
  await new Promise((r) => setTimeout(r, 1000));
  global.gc?.();
  const rss1 = process.memoryUsage().rss;
  console.log(
    JSON.stringify({
      client: "socket.io-client",
      acks: done,
      concurrency,
      cpu_ms: Math.round(cpu / 1000),
      cpu_us_per_ack: cpu / done,
      acks_per_s: done / wall,
      idle_clients: idle,
      kib_per_idle_client: Math.max(0, rss1 - rss0) / 1024 / Math.max(1, idle),
    }),
  );
  for (const s of sockets) s.close();
  socket.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
