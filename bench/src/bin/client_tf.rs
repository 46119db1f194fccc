//! tf-rust-socketio's cost (the async client of the `tf-rust-socketio` crate), measured the same
//! way as fastsio-client's `ack_bench` example and node's `bench/node/client_acks.js`
//! (`docs/performance.md`, `scripts/bench-client.sh`): CPU time per acknowledged emit and memory
//! per idle connection, from `/proc/self` (Linux).
//!
//! ```sh
//! cargo run --release -p fastsio-bench --bin client-tf -- http://127.0.0.1:PORT 20000 10 200
//! ```
//!
//! Arguments: URL, acks, concurrent emitters (each waits for its ack before the next emit),
//! idle connections, against a server answering `echo` with its argument as the ack. Prints one
//! JSON line.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fastsio_bench::{cpu_time_us, rss_kib};
use futures_util::FutureExt;
use serde_json::json;
use tf_rust_socketio::asynchronous::{Client, ClientBuilder};
use tf_rust_socketio::{Event, Payload, TransportType};
use tokio::sync::oneshot;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long one ack (or one connection) may take before the run fails.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A WebSocket-only connection to `/` with auth `{"name": name}`, once the server's CONNECT
/// packet has arrived (tf-rust-socketio's `connect` returns before it).
async fn connect(url: &str, name: &str) -> Result<Client, BoxError> {
    let (tx, rx) = oneshot::channel::<()>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let client = ClientBuilder::new(url)
        .transport_type(TransportType::Websocket)
        .auth(json!({ "name": name }))
        .on(Event::Connect, move |_, _| {
            if let Some(tx) = tx.lock().ok().and_then(|mut tx| tx.take()) {
                let _ = tx.send(());
            }
            async {}.boxed()
        })
        .connect()
        .await?;
    tokio::time::timeout(TIMEOUT, rx).await??;
    Ok(client)
}

/// Emits `echo` with `{"n": n}` and waits for its ack.
async fn echo(client: &Client, n: usize) -> Result<(), BoxError> {
    let (tx, rx) = oneshot::channel::<()>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    client
        .emit_with_ack(
            "echo",
            json!({ "n": n }),
            TIMEOUT,
            move |_: Payload, _: Client| {
                if let Some(tx) = tx.lock().ok().and_then(|mut tx| tx.take()) {
                    let _ = tx.send(());
                }
                async {}.boxed()
            },
        )
        .await?;
    tokio::time::timeout(TIMEOUT, rx).await??;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).map_or("http://127.0.0.1:3000", String::as_str);
    let acks: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .max(1);
    let idle: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(200);
    let pid = std::process::id();

    let client = connect(url, "bench").await?;
    for n in 0..100 {
        echo(&client, n).await?;
    }
    let cpu_start = cpu_time_us(pid).ok_or("no /proc/self/stat")?;
    let wall_start = Instant::now();
    let per_task = acks / concurrency;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..per_task {
                echo(&client, n).await?;
            }
            Ok::<_, BoxError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let cpu_used = cpu_time_us(pid).ok_or("no /proc/self/stat")? - cpu_start;
    let wall = wall_start.elapsed();
    let done = per_task * concurrency;

    let rss_before = rss_kib(pid).unwrap_or(0);
    let mut clients = Vec::with_capacity(idle);
    for _ in 0..idle {
        clients.push(connect(url, "idle").await?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = rss_kib(pid).unwrap_or(0);
    println!(
        "{}",
        json!({
            "client": "tf-rust-socketio",
            "acks": done,
            "concurrency": concurrency,
            "cpu_ms": cpu_used / 1000,
            "cpu_us_per_ack": cpu_used as f64 / done as f64,
            "acks_per_s": done as f64 / wall.as_secs_f64(),
            "idle_clients": idle,
            "kib_per_idle_client": rss_after.saturating_sub(rss_before) as f64 / idle.max(1) as f64,
        })
    );
    for c in clients {
        let _ = c.disconnect().await;
    }
    let _ = client.disconnect().await;
    Ok(())
}
