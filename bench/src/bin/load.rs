//! The load generator: speaks Engine.IO v4 / Socket.IO v5 over WebSocket to a bench server on
//! 127.0.0.1 and measures one scenario.
//!
//! ```text
//! load <echo|block|broadcast|connect|rooms|polling|polling-broadcast> --port P [--pid SERVER_PID]
//!      [--server NAME] [options]
//!   --clients N       echo clients / broadcast receivers / connections     (100 / 1000 / 10000;
//!                     polling 100, polling-broadcast 200)
//!   --duration S      measured seconds (echo, broadcast, rooms)             (4)
//!   --warmup S        seconds run before measuring                          (1)
//!   --payload B       bytes of payload per message                          (64)
//!   --window W        fan-out emits in flight (broadcast 2, rooms 64)
//!   --rooms R --members M   rooms scenario: R rooms of M members            (1000 x 10)
//!   --concurrency C   connection handshakes in flight                       (64)
//!   --idle S          connect: seconds idle before reading the server's RSS (2)
//!   --sender-port P   fan-out: the sender connects to this port (another node of a cluster,
//!                     e.g. two server-fastsio with REDIS_URL), the receivers to --port
//!   --spread-ports P,Q  fan-out: receivers spread round-robin over --port and these ports
//!                     (the other nodes of a cluster); --pid is then --port's node, and its CPU
//!                     is also reported per delivery to its own receivers (`node_*` fields)
//!   --redis-pid PID   fan-out: Redis's CPU time in the window, reported per emit
//!   --block-ms MS     block: how long the server's `block` handler spins per call     (200)
//!   --block-pause S   block: pause of the blocking client between its calls          (0)
//! ```
//!
//! `block` is `echo` plus one more client that calls the server's `block` handler (a handler
//! that keeps its thread busy for `--block-ms`) again and again: the echo clients' figures show
//! what such a handler costs the other connections.
//!
//! `polling` is `echo` with every client on `transport=polling` only (one keep-alive HTTP/1.1
//! connection each: POST the event, long GETs until its ack). `polling-broadcast` is
//! `broadcast` to receivers on `transport=polling` only (the sender on WebSocket); it also
//! counts the packets per poll answer, and ends with a check that a poll answer carries
//! everything queued for it: the receivers stop polling, a new connection emits 16 broadcasts,
//! and each receiver's next poll must answer all 16 (in any order: `reordered` counts order).
//!
//! `connect` beyond 20 000 connections uses several source addresses (127.0.0.2, .3, ..: one
//! per 20 000 connections, each with its own ephemeral port range).
//!
//! With `--pid`, the server's CPU time (`/proc/PID/stat`, utime + stime) is read at the start
//! and the end of the measured window and reported per operation, and (connect) its `VmRSS`
//! before and after. Prints one table line, then one JSON line (starting with `{`).
//!
//! Every loop is bounded: the measured window by `--duration`, every protocol step by a 10 s
//! timeout, the whole run by a hard limit. Only 127.0.0.1 is ever contacted.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fastsio_bench::polling::Polling;
use fastsio_bench::{
    ClientError, IDLE_READ_BUFFER, READ_BUFFER, STEP_TIMEOUT, Ws, cpu_time_us, machine_busy_us,
    next_text, percentile, redis_load, rss_kib, send_text, sio_connect, sio_connect_from,
    wait_listening,
};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Echo,
    /// Echo, next to a client whose handler blocks its thread.
    Block,
    Broadcast,
    Connect,
    Rooms,
    /// Echo over HTTP long-polling.
    Polling,
    /// Broadcast to receivers on HTTP long-polling.
    PollingBroadcast,
}

impl Scenario {
    /// Its name on the command line and in the JSON line.
    fn name(self) -> &'static str {
        match self {
            Scenario::Echo => "echo",
            Scenario::Block => "block",
            Scenario::Broadcast => "broadcast",
            Scenario::Connect => "connect",
            Scenario::Rooms => "rooms",
            Scenario::Polling => "polling",
            Scenario::PollingBroadcast => "polling-broadcast",
        }
    }
}

#[derive(Debug, Clone)]
struct Opts {
    scenario: Scenario,
    port: u16,
    /// Where the fan-out sender connects (another node of a cluster); `port` by default.
    sender_port: Option<u16>,
    /// Fan-out: more ports the receivers spread over, round-robin after `port`.
    spread_ports: Vec<u16>,
    /// Fan-out: the Redis server whose CPU time is read in the window.
    redis_pid: Option<u32>,
    pid: Option<u32>,
    server: String,
    clients: usize,
    duration: Duration,
    warmup: Duration,
    payload: usize,
    window: u64,
    rooms: usize,
    members: usize,
    concurrency: usize,
    idle: Duration,
    block_ms: u64,
    block_pause: Duration,
}

const USAGE: &str = "usage: load <echo|block|broadcast|connect|rooms|polling|polling-broadcast> --port P [--pid PID] [--server NAME] \
[--sender-port P] [--spread-ports P,Q] [--redis-pid PID] [--clients N] [--duration S] [--warmup S] [--payload B] [--window W] [--rooms R] [--members M] \
[--concurrency C] [--idle S] [--block-ms MS] [--block-pause S]";

fn parse_args() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let scenario = match args.next().as_deref() {
        Some("echo") => Scenario::Echo,
        Some("block") => Scenario::Block,
        Some("broadcast") => Scenario::Broadcast,
        Some("connect") => Scenario::Connect,
        Some("rooms") => Scenario::Rooms,
        Some("polling") => Scenario::Polling,
        Some("polling-broadcast") => Scenario::PollingBroadcast,
        _ => return Err(USAGE.into()),
    };
    let mut o = Opts {
        scenario,
        port: 3000,
        sender_port: None,
        spread_ports: Vec::new(),
        redis_pid: None,
        pid: None,
        server: "server".into(),
        clients: match scenario {
            Scenario::Echo | Scenario::Polling => 100,
            Scenario::PollingBroadcast => 200,
            Scenario::Block | Scenario::Broadcast => 1000,
            _ => 10_000,
        },
        duration: Duration::from_secs(4),
        warmup: Duration::from_secs(1),
        payload: 64,
        window: if scenario == Scenario::Rooms { 64 } else { 2 },
        rooms: 1000,
        members: 10,
        concurrency: 64,
        idle: Duration::from_secs(2),
        block_ms: 200,
        block_pause: Duration::ZERO,
    };
    let secs = |v: &str| -> Result<Duration, String> {
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("bad number of seconds {v:?}"))
    };
    let num = |v: &str| -> Result<usize, String> {
        v.parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("bad count {v:?}"))
    };
    while let Some(flag) = args.next() {
        let v = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--port" => o.port = v.parse().map_err(|_| format!("bad port {v:?}"))?,
            "--sender-port" => {
                o.sender_port = Some(v.parse().map_err(|_| format!("bad port {v:?}"))?)
            }
            "--spread-ports" => o.spread_ports = redis_load::parse_ports(&v)?,
            "--redis-pid" => o.redis_pid = Some(v.parse().map_err(|_| format!("bad pid {v:?}"))?),
            "--pid" => o.pid = Some(v.parse().map_err(|_| format!("bad pid {v:?}"))?),
            "--server" => o.server = v,
            "--clients" => o.clients = num(&v)?,
            "--duration" => o.duration = secs(&v)?,
            "--warmup" => o.warmup = secs(&v)?,
            "--payload" => o.payload = num(&v)?.min(1 << 20),
            "--window" => o.window = num(&v)? as u64,
            "--rooms" => o.rooms = num(&v)?,
            "--members" => o.members = num(&v)?,
            "--concurrency" => o.concurrency = num(&v)?,
            "--idle" => o.idle = secs(&v)?,
            "--block-ms" => o.block_ms = num(&v)? as u64,
            "--block-pause" => o.block_pause = secs(&v)?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    if o.scenario == Scenario::Rooms {
        o.clients = o.rooms * o.members;
    }
    o.window = o.window.min(RING as u64 / 2);
    Ok(o)
}

/// Measurement phase flags shared by every client task.
#[derive(Default)]
struct Phase {
    /// Inside the measured window: count and time what arrives.
    measuring: AtomicBool,
    /// Stop issuing new requests.
    stop: AtomicBool,
}

/// CPU time of the server and of this process, and wall time, at one instant.
struct Sample {
    at: Instant,
    server_cpu_us: Option<u64>,
    load_cpu_us: Option<u64>,
    machine_busy_us: Option<u64>,
}

impl Sample {
    fn take(pid: Option<u32>) -> Sample {
        Sample {
            at: Instant::now(),
            server_cpu_us: pid.and_then(cpu_time_us),
            load_cpu_us: cpu_time_us(std::process::id()),
            machine_busy_us: machine_busy_us(),
        }
    }
}

/// What one measured window cost.
struct Window {
    secs: f64,
    server_cpu_us: Option<u64>,
    load_cpu_us: Option<u64>,
    machine_busy_us: Option<u64>,
}

impl Window {
    fn between(a: &Sample, b: &Sample) -> Window {
        Window {
            secs: (b.at - a.at).as_secs_f64(),
            server_cpu_us: a.server_cpu_us.zip(b.server_cpu_us).map(|(a, b)| b - a),
            load_cpu_us: a.load_cpu_us.zip(b.load_cpu_us).map(|(a, b)| b - a),
            machine_busy_us: a.machine_busy_us.zip(b.machine_busy_us).map(|(a, b)| b - a),
        }
    }

    /// Adds the common fields for `ops` operations to `out`.
    fn report(&self, ops: u64, out: &mut serde_json::Map<String, Value>) {
        out.insert("window_s".into(), json!(round(self.secs, 3)));
        out.insert("ops".into(), json!(ops));
        out.insert(
            "ops_per_s".into(),
            json!(round(ops as f64 / self.secs.max(1e-9), 1)),
        );
        let per_op = self
            .server_cpu_us
            .filter(|_| ops > 0)
            .map(|us| round(us as f64 / ops as f64, 3));
        out.insert("cpu_us_per_op".into(), json!(per_op));
        let pct = |us: Option<u64>| us.map(|us| round(us as f64 / 1e4 / self.secs.max(1e-9), 1));
        out.insert("server_cpu_pct".into(), json!(pct(self.server_cpu_us)));
        out.insert("load_cpu_pct".into(), json!(pct(self.load_cpu_us)));
        // Everything else the machine did meanwhile (other processes, and the kernel's
        // softirq work for loopback traffic): a noise indicator.
        let other = self
            .machine_busy_us
            .zip(self.server_cpu_us.zip(self.load_cpu_us))
            .map(|(busy, (s, l))| busy.saturating_sub(s + l));
        out.insert("other_cpu_pct".into(), json!(pct(other)));
    }
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// Opens `n` connections, `concurrency` handshakes at a time, each with a read buffer of
/// `read_buffer` bytes; `then` runs on each new connection (joining a room, or handing it to a task) before it counts as open. Returns
/// what `then` made of the open ones in order of index, the handshake latencies (µs,
/// sorted) and the failures.
async fn connect_all<T, F, Fut>(
    ports: &[u16],
    n: usize,
    concurrency: usize,
    read_buffer: usize,
    then: F,
) -> (Vec<(usize, T)>, Vec<u32>, Vec<String>)
where
    F: Fn(usize, Ws) -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let then = &then;
    let results: Vec<(usize, Duration, Result<T, ClientError>)> = futures_util::stream::iter(0..n)
        .map(|i| async move {
            let start = Instant::now();
            let ws = match sio_connect_from(ports[i % ports.len()], source_address(i), read_buffer)
                .await
            {
                Ok(ws) => then(i, ws).await,
                Err(e) => Err(e),
            };
            (i, start.elapsed(), ws)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut open = Vec::with_capacity(n);
    let mut latencies = Vec::with_capacity(n);
    let mut failures = Vec::new();
    for (i, took, ws) in results {
        match ws {
            Ok(ws) => {
                open.push((i, ws));
                latencies.push(took.as_micros().min(u32::MAX as u128) as u32);
            }
            Err(e) => failures.push(e.0),
        }
    }
    open.sort_by_key(|(i, _)| *i);
    latencies.sort_unstable();
    (open, latencies, failures)
}

/// Connections per loopback source address: below the 28 000 ports of Linux's default
/// ephemeral range.
const PER_SOURCE: usize = 20_000;

/// The source address of connection `i`: the kernel's choice (127.0.0.1) for the first
/// [`PER_SOURCE`], then 127.0.0.2, 127.0.0.3, ..
fn source_address(i: usize) -> Option<Ipv4Addr> {
    let k = i / PER_SOURCE;
    (k > 0).then(|| Ipv4Addr::new(127, 0, (1 + k / 250) as u8, (1 + k % 250) as u8))
}

fn first_failures(failures: &[String]) -> Option<String> {
    failures
        .first()
        .map(|f| format!("{} connection(s) failed, first: {f}", failures.len()))
}

// ---------------------------------------------------------------------------------------------
// echo

#[derive(Default)]
struct EchoStats {
    /// Acks received inside the measured window.
    acks: u64,
    /// Their latencies, µs.
    latencies: Vec<u32>,
    /// Requests sent, acks received (whole run).
    sent: u64,
    acked: u64,
    /// Acks that did not match the request (wrong id or payload) or never came.
    mismatches: u64,
    error: Option<String>,
}

impl EchoStats {
    /// Counts an ack of a request sent at `start`; inside the measured window, also its latency.
    fn ack_received(&mut self, phase: &Phase, start: Instant) {
        self.acked += 1;
        if phase.measuring.load(Ordering::Relaxed) {
            self.acks += 1;
            self.latencies
                .push(start.elapsed().as_micros().min(u32::MAX as u128) as u32);
        }
    }
}

fn echo_payload(client: usize, seq: u64, len: usize) -> String {
    let mut p = format!("c{client:06}s{seq:012}");
    while p.len() < len {
        p.push('x');
    }
    p.truncate(len);
    p
}

/// One closed-loop client: emit `echo` with an ack id, wait for the matching ack, repeat.
async fn echo_client(idx: usize, mut ws: Ws, phase: Arc<Phase>, payload_len: usize) -> EchoStats {
    let mut stats = EchoStats::default();
    let mut seq: u64 = 0;
    while !phase.stop.load(Ordering::Relaxed) {
        let payload = echo_payload(idx, seq, payload_len);
        let expected = format!("43{seq}[\"{payload}\"]");
        let start = Instant::now();
        if let Err(e) = send_text(&mut ws, format!("42{seq}[\"echo\",\"{payload}\"]")).await {
            stats.error = Some(e.0);
            return stats;
        }
        stats.sent += 1;
        loop {
            match next_text(&mut ws).await {
                Err(e) => {
                    stats.mismatches += 1; // the ack never came
                    stats.error = Some(e.0);
                    return stats;
                }
                Ok(t) if t == "2" => {
                    if let Err(e) = send_text(&mut ws, "3".into()).await {
                        stats.error = Some(e.0);
                        return stats;
                    }
                }
                Ok(t) if t == expected => break,
                Ok(t) => {
                    stats.mismatches += 1;
                    stats.error = Some(format!("unexpected packet {t:.80?}"));
                    return stats;
                }
            }
        }
        stats.ack_received(&phase, start);
        seq += 1;
    }
    let _ = ws.close(None).await;
    stats
}

/// The `block` scenario's extra client: calls `block` with an ack id, waits for the ack,
/// pauses, repeats. Returns the calls acked and the error that ended it, if any.
async fn blocking_client(
    mut ws: Ws,
    phase: Arc<Phase>,
    ms: u64,
    pause: Duration,
) -> (u64, Option<String>) {
    let mut calls = 0;
    while !phase.stop.load(Ordering::Relaxed) {
        let expected = format!("43{calls}[]");
        if let Err(e) = send_text(&mut ws, format!("42{calls}[\"block\",{ms}]")).await {
            return (calls, Some(e.0));
        }
        loop {
            match next_text(&mut ws).await {
                Err(e) => return (calls, Some(e.0)),
                Ok(t) if t == "2" => {
                    if let Err(e) = send_text(&mut ws, "3".into()).await {
                        return (calls, Some(e.0));
                    }
                }
                Ok(t) if t == expected => break,
                Ok(t) => return (calls, Some(format!("unexpected packet {t:.80?}"))),
            }
        }
        calls += 1;
        tokio::time::sleep(pause).await;
    }
    let _ = ws.close(None).await;
    (calls, None)
}

async fn run_echo(o: &Opts, out: &mut serde_json::Map<String, Value>) -> Result<String, String> {
    let (conns, _, failures) = connect_all(
        &[o.port],
        o.clients,
        o.concurrency,
        READ_BUFFER,
        |_, ws| async { Ok(ws) },
    )
    .await;
    if conns.is_empty() {
        return Err(first_failures(&failures).unwrap_or_default());
    }
    let phase = Arc::new(Phase::default());
    let blocker = match o.scenario {
        Scenario::Block => {
            let ws = sio_connect(o.port).await.map_err(|e| e.0)?;
            let client = blocking_client(ws, phase.clone(), o.block_ms, o.block_pause);
            Some(tokio::spawn(client))
        }
        _ => None,
    };
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|(i, ws)| tokio::spawn(echo_client(i, ws, phase.clone(), o.payload)))
        .collect();
    tokio::time::sleep(o.warmup).await;
    let a = Sample::take(o.pid);
    phase.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(o.duration).await;
    phase.measuring.store(false, Ordering::Relaxed);
    let b = Sample::take(o.pid);
    phase.stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        match tokio::time::timeout(STEP_TIMEOUT + Duration::from_secs(1), t).await {
            Ok(Ok(stats)) => all.push(stats),
            _ => all.push(EchoStats {
                mismatches: 1,
                error: Some("client task did not finish".into()),
                ..EchoStats::default()
            }),
        }
    }
    let mut extra_errors = Vec::new();
    // The blocking client counts for errors only, not for the echo figures.
    if let Some(blocker) = blocker {
        let limit = STEP_TIMEOUT + Duration::from_millis(o.block_ms) + o.block_pause;
        let (calls, error) = match tokio::time::timeout(limit, blocker).await {
            Ok(Ok(done)) => done,
            _ => (0, Some("the blocking client did not finish".into())),
        };
        out.insert("block_calls".into(), json!(calls));
        if let Some(e) = error {
            extra_errors.push(format!("blocking client: {e}"));
        }
    }
    Ok(echo_report(
        all,
        &failures,
        extra_errors,
        Window::between(&a, &b),
        out,
    ))
}

/// The figures of an echo run from its clients' stats; `failures`: connections that did not
/// open; `extra_errors`: errors besides the clients'. The summary line.
fn echo_report(
    mut all: Vec<EchoStats>,
    failures: &[String],
    extra_errors: Vec<String>,
    window: Window,
    out: &mut serde_json::Map<String, Value>,
) -> String {
    let acks: u64 = all.iter().map(|s| s.acks).sum();
    let mut lat: Vec<u32> = all
        .iter()
        .flat_map(|s| s.latencies.iter().copied())
        .collect();
    lat.sort_unstable();
    let max_acks = all.iter().map(|s| s.acks).max().unwrap_or(0);
    let min_acks = all.iter().map(|s| s.acks).min().unwrap_or(0);
    let fairness = (min_acks > 0).then(|| round(max_acks as f64 / min_acks as f64, 3));
    let clients = all.len();
    all.extend(extra_errors.into_iter().map(|e| EchoStats {
        error: Some(e),
        ..EchoStats::default()
    }));
    let mismatches: u64 = all.iter().map(|s| s.mismatches).sum();
    let errors: Vec<&String> = all.iter().filter_map(|s| s.error.as_ref()).collect();
    window.report(acks, out);
    out.insert("connected".into(), json!(clients));
    out.insert(
        "sent".into(),
        json!(all.iter().map(|s| s.sent).sum::<u64>()),
    );
    out.insert(
        "acked".into(),
        json!(all.iter().map(|s| s.acked).sum::<u64>()),
    );
    for (name, p) in [("p50_us", 50.0), ("p90_us", 90.0), ("p99_us", 99.0)] {
        out.insert(name.into(), json!(percentile(&lat, p)));
    }
    out.insert("max_us".into(), json!(lat.last().copied().unwrap_or(0)));
    out.insert("min_client_acks".into(), json!(min_acks));
    out.insert("max_client_acks".into(), json!(max_acks));
    out.insert("fairness".into(), json!(fairness));
    out.insert("mismatches".into(), json!(mismatches));
    out.insert("errors".into(), json!(failures.len() + errors.len()));
    if let Some(e) = first_failures(failures).or(errors.first().map(|e| e.to_string())) {
        out.insert("first_error".into(), json!(e));
    }
    format!(
        "acks/s {:>9.0}  cpu/ack {:>6} µs  p50 {:>7} p90 {:>7} p99 {:>7} µs  fairness {}",
        acks as f64 / window.secs,
        fmt_opt(out.get("cpu_us_per_op")),
        percentile(&lat, 50.0),
        percentile(&lat, 90.0),
        percentile(&lat, 99.0),
        fmt_opt(out.get("fairness")),
    )
}

fn fmt_opt(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(n)) => format!("{:.2}", n.as_f64().unwrap_or(f64::NAN)),
        _ => "-".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// broadcast and rooms: one sender, fan-out to many receivers

/// Sequence numbers in flight are tracked in a ring of this many slots.
const RING: usize = 4096;

struct Fanout {
    phase: Phase,
    /// Deliveries of each sequence number still being counted (slot `seq % RING`).
    slots: Vec<AtomicU32>,
    /// Deliveries every emit must reach.
    expected: u32,
    /// Sequence numbers fully delivered.
    done: AtomicU64,
    /// Sequence numbers sent.
    sent: AtomicU64,
    /// Sent inside the measured window.
    sent_in_window: AtomicU64,
    notify: Notify,
    epoch: Instant,
    pad: String,
    /// Prefix of what receivers get: `42["broadcast",` or `42["room",`.
    prefix: &'static str,
    /// Rooms scenario: the number of rooms (sequence `s` goes to room `s % rooms`).
    rooms: Option<u64>,
    /// Once stopped, emit one more (the last one, which answers the polls still waiting).
    release: AtomicBool,
    /// That last emit was made: no other follows.
    released: AtomicBool,
}

impl Fanout {
    fn body(&self, seq: u64, t: u64) -> String {
        format!("{{\"pad\":\"{}\",\"seq\":{seq},\"t\":{t}}}", self.pad)
    }

    /// The next emit, or `None` once stopped or while `window` emits are in flight.
    fn next_emit(&self, window: u64) -> Option<String> {
        let sent = self.sent.load(Ordering::Relaxed);
        if self.phase.stop.load(Ordering::Relaxed) {
            if !self.release.load(Ordering::Acquire) || self.released.swap(true, Ordering::AcqRel) {
                return None;
            }
        } else if sent - self.done.load(Ordering::Acquire) >= window {
            return None;
        }
        self.slots[sent as usize % RING].store(0, Ordering::Relaxed);
        let t = self.epoch.elapsed().as_nanos() as u64;
        let body = self.body(sent, t);
        self.sent.store(sent + 1, Ordering::Release);
        if self.phase.measuring.load(Ordering::Relaxed) {
            self.sent_in_window.fetch_add(1, Ordering::Relaxed);
        }
        Some(match self.rooms {
            None => format!("42[\"broadcast\",{body}]"),
            Some(rooms) => format!("42[\"to_room\",\"r{}\",{body}]", sent % rooms),
        })
    }
}

impl Fanout {
    /// The bookkeeping of a fan-out to `receivers` sockets (and the sender), in `rooms` rooms
    /// or to all.
    fn new(o: &Opts, receivers: usize, rooms: Option<usize>) -> Fanout {
        Fanout {
            phase: Phase::default(),
            slots: (0..RING).map(|_| AtomicU32::new(0)).collect(),
            // Broadcast: every socket of the namespace, the sender included; rooms: the members.
            expected: match rooms {
                None => receivers as u32 + 1,
                Some(_) => o.members as u32,
            },
            done: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            sent_in_window: AtomicU64::new(0),
            notify: Notify::new(),
            epoch: Instant::now(),
            pad: "x".repeat(o.payload.saturating_sub(40).max(1)),
            prefix: if rooms.is_some() {
                "42[\"room\","
            } else {
                "42[\"broadcast\","
            },
            rooms: rooms.map(|r| r as u64),
            release: AtomicBool::new(false),
            released: AtomicBool::new(false),
        }
    }
}

/// One receiving connection's bookkeeping.
#[derive(Default)]
struct Receiver {
    /// The sequence number due next if deliveries arrive in order.
    next: u64,
    /// Its sequence numbers are `first + k * step` (its room's, in the rooms scenario).
    first: u64,
    step: u64,
    /// Which of them arrived (bit `seq / step`), to catch duplicates.
    seen: Vec<u64>,
    received: u64,
    in_window: u64,
    latencies: Vec<u32>,
    /// Wrong content, wrong room or duplicates.
    mismatches: u64,
    /// Deliveries that arrived after a later one (Socket.IO promises per-socket order).
    reordered: u64,
    /// In no room: any delivery is a mismatch.
    expects_nothing: bool,
    error: Option<String>,
}

enum Got {
    Ping,
    Delivery,
    Bad,
}

impl Receiver {
    fn new(first: u64, step: u64) -> Receiver {
        Receiver {
            next: first,
            first,
            step,
            ..Receiver::default()
        }
    }

    fn on_text(&mut self, text: &str, f: &Fanout) -> Got {
        if text == "2" {
            return Got::Ping;
        }
        let Some((seq, t)) = parse_delivery(text, f.prefix) else {
            self.mismatches += 1;
            self.error = Some(format!("unexpected packet {text:.80?}"));
            return Got::Bad;
        };
        let now = f.epoch.elapsed().as_nanos() as u64;
        let expected = format!("{}{}]", f.prefix, f.body(seq, t));
        let (word, bit) = ((seq / self.step) as usize / 64, (seq / self.step) % 64);
        if word >= self.seen.len() {
            self.seen.resize(word + 1024, 0);
        }
        let duplicate = self.seen[word] & (1 << bit) != 0;
        self.seen[word] |= 1 << bit;
        if !same_delivery(text, &expected)
            || seq % self.step != self.first % self.step
            || duplicate
            || self.expects_nothing
        {
            self.mismatches += 1;
            self.error
                .get_or_insert_with(|| format!("unexpected delivery {seq}: {text:.80?}"));
        }
        if seq < self.next {
            self.reordered += 1;
        }
        self.next = self.next.max(seq + self.step);
        self.received += 1;
        if f.phase.measuring.load(Ordering::Relaxed) {
            self.in_window += 1;
            self.latencies
                .push((now.saturating_sub(t) / 1000).min(u32::MAX as u64) as u32);
        }
        if f.slots[seq as usize % RING].fetch_add(1, Ordering::AcqRel) + 1 == f.expected {
            f.done.fetch_add(1, Ordering::AcqRel);
            f.notify.notify_one();
        }
        Got::Delivery
    }

    /// Handles one read from `ws`: checks a delivery, answers a ping. False when the
    /// connection is done for, with `error` saying why.
    async fn on_message(
        &mut self,
        ws: &mut Ws,
        msg: Option<Result<Message, WsError>>,
        f: &Fanout,
    ) -> bool {
        match msg {
            Some(Ok(Message::Text(t))) => match self.on_text(t.as_str(), f) {
                Got::Ping => {
                    if let Err(e) = send_text(ws, "3".into()).await {
                        self.error = Some(e.0);
                        return false;
                    }
                    true
                }
                Got::Delivery => true,
                Got::Bad => false,
            },
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => true,
            Some(Ok(other)) => {
                self.error = Some(format!("unexpected frame {other:.80?}"));
                false
            }
            Some(Err(e)) => {
                self.error = Some(e.to_string());
                false
            }
            None => {
                self.error = Some("connection closed".into());
                false
            }
        }
    }
}

/// `text` is `expected`, or `expected` with one more argument, a string: the offset a server
/// with connection state recovery on adds (bench server `fastsio-recovery`).
fn same_delivery(text: &str, expected: &str) -> bool {
    text == expected
        || expected
            .strip_suffix(']')
            .and_then(|head| text.strip_prefix(head))
            .and_then(|rest| rest.strip_prefix(",\""))
            .and_then(|rest| rest.strip_suffix("\"]"))
            .is_some_and(|offset| !offset.contains('"'))
}

/// `(seq, t)` of `<prefix>{"pad":"..","seq":S,"t":T}]`.
fn parse_delivery(text: &str, prefix: &str) -> Option<(u64, u64)> {
    let body = text.strip_prefix(prefix)?;
    let number = |key: &str| -> Option<u64> {
        let at = body.find(key)? + key.len();
        let digits: &str = &body[at..];
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        digits[..end].parse().ok()
    };
    Some((number("\"seq\":")?, number("\"t\":")?))
}

/// A receiving connection: counts and checks deliveries, answers pings, until shut down.
async fn receive(
    mut ws: Ws,
    mut rx: Receiver,
    f: Arc<Fanout>,
    mut shutdown: watch::Receiver<bool>,
) -> Receiver {
    loop {
        let msg = tokio::select! {
            m = ws.next() => m,
            _ = shutdown.changed() => break,
        };
        if !rx.on_message(&mut ws, msg, &f).await {
            break;
        }
    }
    rx
}

/// The sending connection: emits while fewer than `window` emits are in flight; also a
/// receiver (`rx`) of what the server sends it.
async fn send_loop(
    mut ws: Ws,
    mut rx: Receiver,
    f: Arc<Fanout>,
    window: u64,
    mut shutdown: watch::Receiver<bool>,
) -> Receiver {
    loop {
        if let Some(text) = f.next_emit(window) {
            if let Err(e) = send_text(&mut ws, text).await {
                rx.error = Some(e.0);
                break;
            }
            continue;
        }
        let msg = tokio::select! {
            m = ws.next() => m,
            _ = f.notify.notified() => continue,
            _ = tokio::time::sleep(Duration::from_millis(20)) => continue,
            _ = shutdown.changed() => break,
        };
        if !rx.on_message(&mut ws, msg, &f).await {
            break;
        }
    }
    rx
}

/// How long a join waits for its ack before it is sent again.
const JOIN_WAIT: Duration = Duration::from_secs(2);
/// How many times a join is sent before the connection counts as failed.
const JOIN_ATTEMPTS: u64 = 4;

/// Joins room `r{room}`: `42<n>["join","r<room>"]`, then waits for the ack `43<n>[..]`.
///
/// A join whose ack has not come within [`JOIN_WAIT`] is sent again with the next ack id
/// (joining twice is harmless), and counted in `retries`: socketioxide sends the CONNECT packet
/// before it runs the namespace's connect handler as a task of its own, so an event sent as
/// soon as the client is connected can reach it before its handler is registered, and is
/// dropped without an ack.
async fn join(mut ws: Ws, room: usize, retries: Arc<AtomicU64>) -> Result<Ws, ClientError> {
    for attempt in 0..JOIN_ATTEMPTS {
        if attempt > 0 {
            retries.fetch_add(1, Ordering::Relaxed);
        }
        send_text(&mut ws, format!("42{attempt}[\"join\",\"r{room}\"]")).await?;
        let deadline = tokio::time::Instant::now() + JOIN_WAIT;
        loop {
            let Ok(t) = tokio::time::timeout_at(deadline, next_text(&mut ws)).await else {
                break;
            };
            let t = t?;
            if t == "2" {
                send_text(&mut ws, "3".into()).await?;
            } else if t.starts_with("43") && t[2..].starts_with(|c: char| c.is_ascii_digit()) {
                return Ok(ws);
            } else {
                return Err(ClientError(format!("expected the join ack, got {t:.80?}")));
            }
        }
    }
    Err(ClientError(format!(
        "no join ack after {JOIN_ATTEMPTS} attempts of {} s",
        JOIN_WAIT.as_secs()
    )))
}

async fn run_fanout(o: &Opts, out: &mut serde_json::Map<String, Value>) -> Result<String, String> {
    let rooms = (o.scenario == Scenario::Rooms).then_some(o.rooms);
    let join_retries = Arc::new(AtomicU64::new(0));
    let ports = redis_load::receiver_ports(o.port, &o.spread_ports);
    let (conns, _, failures) = match rooms {
        None => {
            connect_all(
                &ports,
                o.clients,
                o.concurrency,
                READ_BUFFER,
                |_, ws| async { Ok(ws) },
            )
            .await
        }
        Some(r) => {
            let retries = join_retries.clone();
            connect_all(
                &ports,
                o.clients,
                o.concurrency,
                READ_BUFFER,
                move |i, ws| join(ws, i % r, retries.clone()),
            )
            .await
        }
    };
    if !failures.is_empty() {
        // Every receiver must be there, or the fan-out counts cannot add up.
        return Err(first_failures(&failures).unwrap_or_default());
    }
    let sender = sio_connect(o.sender_port.unwrap_or(o.port))
        .await
        .map_err(|e| e.0)?;
    let receivers = conns.len();
    let f = Arc::new(Fanout::new(o, receivers, rooms));
    let (stop_tx, stop_rx) = watch::channel(false);
    let step = rooms.map_or(1, |r| r as u64);
    let mut tasks: Vec<_> = conns
        .into_iter()
        .map(|(i, ws)| {
            let first = rooms.map_or(0, |r| (i % r) as u64);
            tokio::spawn(receive(
                ws,
                Receiver::new(first, step),
                f.clone(),
                stop_rx.clone(),
            ))
        })
        .collect();
    // In the rooms scenario the sender is in no room: its receiver expects nothing.
    let mut sender_rx = Receiver::new(0, 1);
    sender_rx.expects_nothing = rooms.is_some();
    tasks.push(tokio::spawn(send_loop(
        sender,
        sender_rx,
        f.clone(),
        o.window,
        stop_rx.clone(),
    )));
    tokio::time::sleep(o.warmup).await;
    let redis_a = o.redis_pid.and_then(cpu_time_us);
    let a = Sample::take(o.pid);
    f.phase.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(o.duration).await;
    f.phase.measuring.store(false, Ordering::Relaxed);
    let b = Sample::take(o.pid);
    let redis_b = o.redis_pid.and_then(cpu_time_us);
    f.phase.stop.store(true, Ordering::Relaxed);
    // Let what is in flight land.
    let drain_start = Instant::now();
    while f.done.load(Ordering::Acquire) < f.sent.load(Ordering::Acquire)
        && drain_start.elapsed() < STEP_TIMEOUT
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = stop_tx.send(true);
    let mut all = Vec::new();
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(5), t).await {
            Ok(Ok(rx)) => all.push(rx),
            _ => all.push(Receiver {
                mismatches: 1,
                error: Some("receiver task did not finish".into()),
                ..Receiver::default()
            }),
        }
    }
    let redis_cpu_us = redis_a.zip(redis_b).map(|(a, b)| b.saturating_sub(a));
    if rooms.is_some() {
        out.insert(
            "join_retries".into(),
            json!(join_retries.load(Ordering::Relaxed)),
        );
    }
    Ok(fanout_report(
        o,
        &f,
        &all,
        rooms,
        (Window::between(&a, &b), ports.len(), redis_cpu_us),
        out,
    ))
}

/// The figures of a fan-out run from its receivers' bookkeeping (`all`: one per receiver, in
/// order, then the sender's), the measured window, the number of nodes the receivers are spread
/// over and Redis's CPU in the window; the summary line.
fn fanout_report(
    o: &Opts,
    f: &Fanout,
    all: &[Receiver],
    rooms: Option<usize>,
    (window, nodes, redis_cpu_us): (Window, usize, Option<u64>),
    out: &mut serde_json::Map<String, Value>,
) -> String {
    let receivers = all.len() - 1;
    let sent = f.sent.load(Ordering::Acquire);
    // What each connection should have received: every emit (broadcast), or its room's.
    let due = |i: usize| -> u64 {
        match rooms {
            None => sent,
            Some(_) if i == receivers => 0,
            Some(r) => {
                let k = (i % r) as u64;
                let r = r as u64;
                if sent > k { (sent - k).div_ceil(r) } else { 0 }
            }
        }
    };
    let missing: u64 = all
        .iter()
        .enumerate()
        .map(|(i, rx)| due(i).abs_diff(rx.received))
        .sum();
    let mismatches: u64 = all.iter().map(|rx| rx.mismatches).sum::<u64>() + missing;
    let deliveries: u64 = all.iter().map(|rx| rx.in_window).sum();
    let mut lat: Vec<u32> = all
        .iter()
        .flat_map(|rx| rx.latencies.iter().copied())
        .collect();
    lat.sort_unstable();
    window.report(deliveries, out);
    // Deliveries to --port's own receivers (the receiving node of a spread cluster).
    let node_deliveries: u64 = all[..receivers]
        .iter()
        .enumerate()
        .filter(|(i, _)| i % nodes == 0)
        .map(|(_, rx)| rx.in_window)
        .sum();
    redis_load::report(
        &redis_load::Costs {
            node_cpu_us: window.server_cpu_us,
            node_deliveries,
            redis_cpu_us,
            emits: f.sent_in_window.load(Ordering::Relaxed),
            nodes,
        },
        out,
    );
    out.insert("connected".into(), json!(receivers + 1));
    if let Some(r) = rooms {
        out.insert("rooms".into(), json!(r));
        out.insert("members".into(), json!(o.members));
    }
    out.insert("window".into(), json!(o.window));
    out.insert("emits".into(), json!(sent));
    out.insert(
        "emits_in_window".into(),
        json!(f.sent_in_window.load(Ordering::Relaxed)),
    );
    for (name, p) in [("p50_us", 50.0), ("p90_us", 90.0), ("p99_us", 99.0)] {
        out.insert(name.into(), json!(percentile(&lat, p)));
    }
    out.insert("max_us".into(), json!(lat.last().copied().unwrap_or(0)));
    out.insert("missing".into(), json!(missing));
    out.insert(
        "reordered".into(),
        json!(all.iter().map(|rx| rx.reordered).sum::<u64>()),
    );
    out.insert("mismatches".into(), json!(mismatches));
    let errors: Vec<&String> = all.iter().filter_map(|rx| rx.error.as_ref()).collect();
    out.insert("errors".into(), json!(errors.len()));
    if let Some(e) = errors.first() {
        out.insert("first_error".into(), json!(e));
    }
    format!(
        "deliveries/s {:>9.0}  cpu/delivery {:>6} µs  p50 {:>7} p99 {:>7} µs  emits {}  reordered {}",
        deliveries as f64 / window.secs,
        fmt_opt(out.get("cpu_us_per_op")),
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        sent,
        out["reordered"],
    )
}

// ---------------------------------------------------------------------------------------------
// polling: echo and broadcast on HTTP long-polling

/// Opens `n` polling connections, `concurrency` at a time: the open ones in order of index,
/// and the failures.
async fn connect_polling(port: u16, n: usize, concurrency: usize) -> (Vec<Polling>, Vec<String>) {
    let mut results: Vec<(usize, Result<Polling, ClientError>)> = futures_util::stream::iter(0..n)
        .map(|i| async move { (i, Polling::connect(port).await) })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    let mut open = Vec::with_capacity(n);
    let mut failures = Vec::new();
    for (_, r) in results {
        match r {
            Ok(p) => open.push(p),
            Err(e) => failures.push(e.0),
        }
    }
    (open, failures)
}

/// One closed-loop polling client: POST `echo` with an ack id, poll until the matching ack,
/// repeat.
async fn polling_echo_client(
    idx: usize,
    mut p: Polling,
    phase: Arc<Phase>,
    payload_len: usize,
) -> EchoStats {
    let mut stats = EchoStats::default();
    let mut seq: u64 = 0;
    while !phase.stop.load(Ordering::Relaxed) {
        let payload = echo_payload(idx, seq, payload_len);
        let expected = format!("43{seq}[\"{payload}\"]");
        let start = Instant::now();
        if let Err(e) = p.post(&format!("42{seq}[\"echo\",\"{payload}\"]")).await {
            stats.error = Some(e.0);
            return stats;
        }
        stats.sent += 1;
        let mut acked = false;
        while !acked {
            let packets = match p.poll().await {
                Ok(packets) => packets,
                Err(e) => {
                    stats.mismatches += 1; // the ack never came
                    stats.error = Some(e.0);
                    return stats;
                }
            };
            for t in packets {
                if t == "2" {
                    if let Err(e) = p.post("3").await {
                        stats.error = Some(e.0);
                        return stats;
                    }
                } else if t == expected && !acked {
                    acked = true;
                } else {
                    stats.mismatches += 1;
                    stats.error = Some(format!("unexpected packet {t:.80?}"));
                    return stats;
                }
            }
        }
        stats.ack_received(&phase, start);
        seq += 1;
    }
    stats
}

async fn run_polling_echo(
    o: &Opts,
    out: &mut serde_json::Map<String, Value>,
) -> Result<String, String> {
    let (conns, failures) = connect_polling(o.port, o.clients, o.concurrency).await;
    if conns.is_empty() {
        return Err(first_failures(&failures).unwrap_or_default());
    }
    let phase = Arc::new(Phase::default());
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, p)| tokio::spawn(polling_echo_client(i, p, phase.clone(), o.payload)))
        .collect();
    tokio::time::sleep(o.warmup).await;
    let a = Sample::take(o.pid);
    phase.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(o.duration).await;
    phase.measuring.store(false, Ordering::Relaxed);
    let b = Sample::take(o.pid);
    phase.stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        match tokio::time::timeout(STEP_TIMEOUT * 4 + Duration::from_secs(1), t).await {
            Ok(Ok(stats)) => all.push(stats),
            _ => all.push(EchoStats {
                mismatches: 1,
                error: Some("client task did not finish".into()),
                ..EchoStats::default()
            }),
        }
    }
    Ok(echo_report(
        all,
        &failures,
        Vec::new(),
        Window::between(&a, &b),
        out,
    ))
}

/// Packets per poll answer of one polling receiver.
#[derive(Default)]
struct PollCounts {
    answers: u64,
    packets: u64,
    most: u64,
}

/// A polling receiver: polls, counts and checks deliveries, answers pings, until it got the
/// last emit (see [`Fanout::release`]).
async fn poll_receive(
    mut p: Polling,
    mut rx: Receiver,
    f: Arc<Fanout>,
) -> (Polling, Receiver, PollCounts) {
    let mut counts = PollCounts::default();
    while !(f.released.load(Ordering::Acquire) && rx.received >= f.sent.load(Ordering::Acquire)) {
        let packets = match p.poll().await {
            Ok(packets) => packets,
            Err(e) => {
                rx.error = Some(e.0);
                break;
            }
        };
        counts.answers += 1;
        counts.packets += packets.len() as u64;
        counts.most = counts.most.max(packets.len() as u64);
        for t in packets {
            match rx.on_text(&t, &f) {
                Got::Ping => {
                    if let Err(e) = p.post("3").await {
                        rx.error = Some(e.0);
                        return (p, rx, counts);
                    }
                }
                Got::Delivery => {}
                Got::Bad => return (p, rx, counts),
            }
        }
    }
    (p, rx, counts)
}

/// Broadcasts the check of a polling fan-out makes while the receivers do not poll.
const QUEUED_CHECK: u64 = 16;

/// The end of a polling fan-out: a new WebSocket connection emits [`QUEUED_CHECK`] broadcasts
/// while no receiver polls, and waits for its own copies; then each receiver polls once, and
/// that answer must carry all of them. Returns how many receivers' answers did not,
/// and the first error.
async fn queued_check(o: &Opts, f: &Fanout, receivers: &mut [Polling]) -> (u64, Option<String>) {
    let mut ws = match sio_connect(o.port).await {
        Ok(ws) => ws,
        Err(e) => return (receivers.len() as u64, Some(e.0)),
    };
    let base = 1u64 << 40;
    let expected: Vec<String> = (0..QUEUED_CHECK)
        .map(|k| format!("{}{}]", f.prefix, f.body(base + k, 0)))
        .collect();
    for k in 0..QUEUED_CHECK {
        let emit = format!("42[\"broadcast\",{}]", f.body(base + k, 0));
        if let Err(e) = send_text(&mut ws, emit).await {
            return (receivers.len() as u64, Some(e.0));
        }
    }
    // Its own copies say the server has handled the emits (the polls below tell what the
    // receivers got either way).
    let mut own = 0;
    let mut first = None;
    while own < expected.len() {
        match next_text(&mut ws).await {
            Ok(t) if t == "2" => {
                let _ = send_text(&mut ws, "3".into()).await;
            }
            // A server that runs one socket's handlers concurrently may reorder them.
            Ok(t) if expected.contains(&t) => own += 1,
            Ok(t) => {
                first = Some(format!("the checker got {t:.80?}"));
                break;
            }
            Err(e) => {
                first = Some(format!("the checker got {own} of its copies: {}", e.0));
                break;
            }
        }
    }
    // The server emitted to its sockets in turn; give the last ones a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let polls = receivers.iter_mut().map(|p| async {
        let answer = p.poll().await;
        answer.map(|packets| {
            let mut packets: Vec<String> = packets.into_iter().filter(|t| t != "2").collect();
            packets.sort();
            packets
        })
    });
    let answers: Vec<Result<Vec<String>, ClientError>> =
        futures_util::future::join_all(polls).await;
    let mut sorted = expected.clone();
    sorted.sort();
    let mut incomplete = 0;
    for answer in answers {
        match answer {
            Ok(packets) if packets == sorted => {}
            Ok(packets) => {
                incomplete += 1;
                first.get_or_insert_with(|| {
                    format!(
                        "a poll answered {} of the {QUEUED_CHECK} queued broadcasts",
                        packets.iter().filter(|t| expected.contains(t)).count()
                    )
                });
            }
            Err(e) => {
                incomplete += 1;
                first.get_or_insert(e.0);
            }
        }
    }
    let _ = ws.close(None).await;
    (incomplete, first)
}

async fn run_polling_fanout(
    o: &Opts,
    out: &mut serde_json::Map<String, Value>,
) -> Result<String, String> {
    let (conns, failures) = connect_polling(o.port, o.clients, o.concurrency).await;
    if !failures.is_empty() {
        return Err(first_failures(&failures).unwrap_or_default());
    }
    let sender = sio_connect(o.port).await.map_err(|e| e.0)?;
    let receivers = conns.len();
    let f = Arc::new(Fanout::new(o, receivers, None));
    let (stop_tx, stop_rx) = watch::channel(false);
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|p| tokio::spawn(poll_receive(p, Receiver::new(0, 1), f.clone())))
        .collect();
    let sender_task = tokio::spawn(send_loop(
        sender,
        Receiver::new(0, 1),
        f.clone(),
        o.window,
        stop_rx,
    ));
    tokio::time::sleep(o.warmup).await;
    let a = Sample::take(o.pid);
    f.phase.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(o.duration).await;
    f.phase.measuring.store(false, Ordering::Relaxed);
    let b = Sample::take(o.pid);
    f.phase.stop.store(true, Ordering::Relaxed);
    // One last emit answers the polls still waiting; then let everything land.
    f.release.store(true, Ordering::Release);
    f.notify.notify_one();
    let drain_start = Instant::now();
    while (!f.released.load(Ordering::Acquire)
        || f.done.load(Ordering::Acquire) < f.sent.load(Ordering::Acquire))
        && drain_start.elapsed() < STEP_TIMEOUT
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = stop_tx.send(true);
    let mut all = Vec::new();
    let mut polls = Vec::new();
    let mut counts = PollCounts::default();
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(5), t).await {
            Ok(Ok((p, rx, c))) => {
                all.push(rx);
                polls.push(p);
                counts.answers += c.answers;
                counts.packets += c.packets;
                counts.most = counts.most.max(c.most);
            }
            _ => all.push(Receiver {
                mismatches: 1,
                error: Some("receiver task did not finish".into()),
                ..Receiver::default()
            }),
        }
    }
    all.push(
        match tokio::time::timeout(Duration::from_secs(5), sender_task).await {
            Ok(Ok(rx)) => rx,
            _ => Receiver {
                mismatches: 1,
                error: Some("sender task did not finish".into()),
                ..Receiver::default()
            },
        },
    );
    let (incomplete, check_error) = queued_check(o, &f, &mut polls).await;
    let line = fanout_report(o, &f, &all, None, (Window::between(&a, &b), 1, None), out);
    out.insert(
        "packets_per_poll".into(),
        json!(round(
            counts.packets as f64 / counts.answers.max(1) as f64,
            2
        )),
    );
    out.insert("most_packets_per_poll".into(), json!(counts.most));
    out.insert("queued_incomplete".into(), json!(incomplete));
    if incomplete > 0 {
        let mismatches = out.get("mismatches").and_then(Value::as_u64).unwrap_or(0);
        out.insert("mismatches".into(), json!(mismatches + incomplete));
        if let Some(e) = check_error {
            out.entry("first_error").or_insert(json!(e));
        }
    }
    Ok(format!(
        "{line}  packets/poll {:.2} (max {})  queued check {}/{}",
        counts.packets as f64 / counts.answers.max(1) as f64,
        counts.most,
        polls.len() as u64 - incomplete.min(polls.len() as u64),
        polls.len(),
    ))
}

// ---------------------------------------------------------------------------------------------
// connect

/// Holds a connection open and idle, answering pings, until shut down.
async fn hold(mut ws: Ws, mut shutdown: watch::Receiver<bool>) {
    loop {
        let msg = tokio::select! {
            m = ws.next() => m,
            _ = shutdown.changed() => break,
        };
        match msg {
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                if send_text(&mut ws, "3".into()).await.is_err() {
                    break;
                }
            }
            Some(Ok(_)) => {}
            _ => break,
        }
    }
}

async fn run_connect(o: &Opts, out: &mut serde_json::Map<String, Value>) -> Result<String, String> {
    // One connection first, so what the server sets up once is not counted.
    let warm = sio_connect(o.port).await.map_err(|e| e.0)?;
    drop(warm);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_before = o.pid.and_then(rss_kib);
    let (stop_tx, stop_rx) = watch::channel(false);
    let a = Sample::take(o.pid);
    let (holders, latencies, failures) = connect_all(
        &[o.port],
        o.clients,
        o.concurrency,
        IDLE_READ_BUFFER,
        |_, ws| {
            let holder = tokio::spawn(hold(ws, stop_rx.clone()));
            async { Ok(holder) }
        },
    )
    .await;
    let b = Sample::take(o.pid);
    let open = holders.len();
    tokio::time::sleep(o.idle).await;
    let rss_after = o.pid.and_then(rss_kib);
    let _ = stop_tx.send(true);
    for (_, h) in holders {
        let _ = tokio::time::timeout(Duration::from_secs(5), h).await;
    }
    let window = Window::between(&a, &b);
    window.report(open as u64, out);
    out.insert("connected".into(), json!(open));
    out.insert("concurrency".into(), json!(o.concurrency));
    let per_conn = rss_before
        .zip(rss_after)
        .filter(|_| open > 0)
        .map(|(a, b)| round((b as f64 - a as f64) / open as f64, 2));
    out.insert("rss_before_kib".into(), json!(rss_before));
    out.insert("rss_after_kib".into(), json!(rss_after));
    out.insert("rss_kib_per_conn".into(), json!(per_conn));
    out.insert("mismatches".into(), json!(0));
    out.insert("connect_p50_us".into(), json!(percentile(&latencies, 50.0)));
    out.insert("connect_p99_us".into(), json!(percentile(&latencies, 99.0)));
    out.insert("errors".into(), json!(failures.len()));
    if let Some(e) = first_failures(&failures) {
        out.insert("first_error".into(), json!(e));
    }
    Ok(format!(
        "connects/s {:>9.0}  cpu/connect {:>6} µs  idle RSS {} KiB/conn ({} connections)",
        open as f64 / window.secs,
        fmt_opt(out.get("cpu_us_per_op")),
        per_conn.map_or("-".into(), |v| format!("{v:.2}")),
        open,
    ))
}

// ---------------------------------------------------------------------------------------------

fn case_name(o: &Opts) -> String {
    let name = match o.scenario {
        Scenario::Echo => format!("echo-{}", o.clients),
        Scenario::Block => format!("block-{}", o.clients),
        Scenario::Broadcast => format!("broadcast-{}", o.clients),
        Scenario::Connect => format!("connect-{}", o.clients),
        Scenario::Rooms => format!("rooms-{}x{}", o.rooms, o.members),
        Scenario::Polling => format!("polling-{}", o.clients),
        Scenario::PollingBroadcast => format!("polling-broadcast-{}", o.clients),
    };
    // A fan-out with another window than the default is another case.
    match o.scenario {
        Scenario::Broadcast | Scenario::PollingBroadcast if o.window != 2 => {
            format!("{name}-w{}", o.window)
        }
        _ => name,
    }
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let case = case_name(&o);
    let mut out = serde_json::Map::new();
    out.insert("server".into(), json!(o.server));
    out.insert("case".into(), json!(case));
    out.insert("scenario".into(), json!(o.scenario.name()));
    out.insert("clients".into(), json!(o.clients));
    out.insert("payload".into(), json!(o.payload));
    // Hard limit for the whole run.
    let limit = o.warmup + o.duration + o.idle + Duration::from_secs(180);
    let result = runtime.block_on(async {
        if !wait_listening(o.port, Duration::from_secs(15)).await {
            return Err(format!("nothing listens on 127.0.0.1:{}", o.port));
        }
        let run = async {
            match o.scenario {
                Scenario::Echo | Scenario::Block => run_echo(&o, &mut out).await,
                Scenario::Polling => run_polling_echo(&o, &mut out).await,
                Scenario::PollingBroadcast => run_polling_fanout(&o, &mut out).await,
                Scenario::Broadcast | Scenario::Rooms => run_fanout(&o, &mut out).await,
                Scenario::Connect => run_connect(&o, &mut out).await,
            }
        };
        tokio::time::timeout(limit, run)
            .await
            .unwrap_or_else(|_| Err("the run hit its time limit".into()))
    });
    // Idle connections still held are dropped with the runtime, without waiting.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(line) => {
            let bad = out.get("mismatches").and_then(Value::as_u64).unwrap_or(0)
                + out.get("errors").and_then(Value::as_u64).unwrap_or(0);
            let cpu = |k: &str| fmt_opt(out.get(k));
            println!(
                "{:<13} {:<16} {line}  cpu% server {} load {} other {}  mismatches {}  errors {}",
                o.server,
                case,
                cpu("server_cpu_pct"),
                cpu("load_cpu_pct"),
                cpu("other_cpu_pct"),
                out.get("mismatches").unwrap_or(&json!(0)),
                out.get("errors").unwrap_or(&json!(0)),
            );
            out.insert("ok".into(), json!(bad == 0));
            println!("{}", Value::Object(out));
        }
        Err(e) => {
            println!("{:<13} {:<16} FAILED: {e}", o.server, case);
            out.insert("ok".into(), json!(false));
            out.insert("first_error".into(), json!(e));
            println!("{}", Value::Object(out));
            std::process::exit(1);
        }
    }
}
