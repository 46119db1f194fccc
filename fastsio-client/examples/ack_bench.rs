//! The client's cost, for `docs/performance.md` (a measurement, not a test): CPU time per
//! acknowledged emit and memory per idle connection, read from `/proc/self` (Linux).
//!
//! Against any Socket.IO server answering `echo` with its argument as the ack (for instance
//! `node tests/js-server/server.mjs`):
//!
//! ```sh
//! cargo run --release -p fastsio-client --example ack_bench -- http://127.0.0.1:PORT 20000 10 200
//! ```
//!
//! Arguments: URL, acks, concurrent emitters (each waits for its ack before the next emit),
//! idle connections. Prints one JSON line.

use std::time::{Duration, Instant};

use fastsio_client::{Manager, Transport};
use serde_json::{Value, json};

/// User + system CPU time of this process, from `/proc/self/stat` (clock ticks of 10 ms).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After the name: state is field 0, utime 11, stime 12.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Resident memory of this process, in KiB, from `/proc/self/status`.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).map_or("http://127.0.0.1:3000", String::as_str);
    let acks: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .max(1);
    let idle: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(200);
    let timeout = Duration::from_secs(10);

    let socket = Manager::builder(url)
        .transports([Transport::WebSocket])
        .build()?
        .socket("/")
        .auth(json!({"name": "bench"}))
        .connect()
        .await?;
    for n in 0..100u32 {
        let _: Value = socket
            .emit_raw_with_ack("echo", &json!({ "n": n }), timeout)
            .await?;
    }
    let (cpu_start, wall_start) = (cpu(), Instant::now());
    let per_task = acks / concurrency;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let socket = socket.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..per_task {
                let _: Value = socket
                    .emit_raw_with_ack("echo", &json!({ "n": n }), timeout)
                    .await?;
            }
            Ok::<_, fastsio_client::AckError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let (cpu_used, wall) = (cpu() - cpu_start, wall_start.elapsed());
    let done = per_task * concurrency;

    let rss_before = rss_kib();
    let mut sockets = Vec::with_capacity(idle);
    for _ in 0..idle {
        let s = Manager::builder(url)
            .transports([Transport::WebSocket])
            .build()?
            .socket("/")
            .auth(json!({"name": "idle"}))
            .connect()
            .await?;
        sockets.push(s);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = rss_kib();
    println!(
        "{}",
        json!({
            "client": "fastsio-client",
            "acks": done,
            "concurrency": concurrency,
            "cpu_ms": cpu_used.as_millis() as u64,
            "cpu_us_per_ack": cpu_used.as_secs_f64() * 1e6 / done as f64,
            "acks_per_s": done as f64 / wall.as_secs_f64(),
            "idle_clients": idle,
            "kib_per_idle_client": (rss_after.saturating_sub(rss_before)) as f64 / idle.max(1) as f64,
        })
    );
    for s in sockets {
        s.disconnect();
    }
    socket.disconnect();
    Ok(())
}
