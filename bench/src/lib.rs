//! Shared pieces of the bench binaries: the small Engine.IO v4 / Socket.IO v5 client the load
//! generator speaks over WebSocket, the bench servers' port and runtime, `/proc` readers for the server's CPU time and memory, and
//! percentile helpers.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub mod polling;

/// A client connection.
pub type Ws = WebSocketStream<TcpStream>;

/// How long any single protocol step (connect, handshake, one ack) may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong on a connection.
#[derive(Debug)]
pub struct ClientError(pub String);

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for ClientError {
    fn from(e: E) -> Self {
        ClientError(e.to_string())
    }
}

fn err(msg: impl Into<String>) -> ClientError {
    ClientError(msg.into())
}

/// The next text frame, or an error on close, binary data or a step timeout.
pub async fn next_text(ws: &mut Ws) -> Result<String, ClientError> {
    loop {
        match tokio::time::timeout(STEP_TIMEOUT, ws.next()).await {
            Err(_) => return Err(err("timed out waiting for a frame")),
            Ok(None) => return Err(err("connection closed")),
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(Some(Ok(Message::Text(t)))) => return Ok(t.as_str().to_owned()),
            Ok(Some(Ok(Message::Close(_)))) => return Err(err("server closed the WebSocket")),
            Ok(Some(Ok(Message::Binary(_)))) => return Err(err("unexpected binary frame")),
            Ok(Some(Ok(_))) => continue, // WebSocket ping/pong: tungstenite answers itself
        }
    }
}

/// Sends one text frame.
pub async fn send_text(ws: &mut Ws, text: String) -> Result<(), ClientError> {
    ws.send(Message::text(text)).await?;
    Ok(())
}

/// Opens a Socket.IO connection to namespace `/` at 127.0.0.1:`port`, path `/socket.io/`,
/// WebSocket only: WebSocket handshake, Engine.IO open packet (`0{..}`), `40` CONNECT, and
/// the server's `40{"sid":..}`. Engine.IO pings (`2`) that arrive meanwhile are answered.
pub async fn sio_connect(port: u16) -> Result<Ws, ClientError> {
    sio_connect_from(port, None).await
}

/// [`sio_connect`] from the loopback source address `source` (127.0.0.x) instead of the
/// kernel's choice: each source address has its own range of ephemeral ports, so more
/// connections than one range holds can reach one server port.
pub async fn sio_connect_from(port: u16, source: Option<Ipv4Addr>) -> Result<Ws, ClientError> {
    let server = SocketAddr::from(([127, 0, 0, 1], port));
    let connect = async {
        match source {
            None => TcpStream::connect(server).await,
            Some(ip) => {
                let socket = TcpSocket::new_v4()?;
                socket.bind(SocketAddr::from((ip, 0)))?;
                socket.connect(server).await
            }
        }
    };
    let tcp = tokio::time::timeout(STEP_TIMEOUT, connect)
        .await
        .map_err(|_| err("TCP connect timed out"))??;
    tcp.set_nodelay(true)?;
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    // A small read buffer: thousands of idle client connections stay cheap.
    let config = WebSocketConfig::default().read_buffer_size(4096);
    let (mut ws, _) = tokio::time::timeout(
        STEP_TIMEOUT,
        tokio_tungstenite::client_async_with_config(url, tcp, Some(config)),
    )
    .await
    .map_err(|_| err("WebSocket handshake timed out"))??;
    let open = next_text(&mut ws).await?;
    if !open.starts_with("0{") {
        return Err(err(format!("expected the open packet, got {open:?}")));
    }
    send_text(&mut ws, "40".into()).await?;
    loop {
        let text = next_text(&mut ws).await?;
        if text.starts_with("40") {
            return Ok(ws);
        } else if text == "2" {
            send_text(&mut ws, "3".into()).await?;
        } else {
            return Err(err(format!("expected CONNECT, got {text:?}")));
        }
    }
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port` (at most `limit`).
pub async fn wait_listening(port: u16, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// CPU time (user + system) of process `pid` in microseconds, from `/proc/PID/stat`.
pub fn cpu_time_us(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name "(..)", which may contain spaces: field 3 is the first.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?; // field 14
    let stime: u64 = fields.get(12)?.parse().ok()?; // field 15
    Some((utime + stime) * 1_000_000 / clock_ticks())
}

fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as u64 } else { 100 }
}

/// Busy CPU time of the whole machine (all cores, everything but idle and iowait) in
/// microseconds, from `/proc/stat`.
pub fn machine_busy_us() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal [guest guest_nice: inside user, nice]
    let busy: u64 = v.iter().take(8).sum::<u64>() - v.get(3)? - v.get(4)?;
    Some(busy * 1_000_000 / clock_ticks())
}

/// Resident memory of process `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A bench server's port: `$PORT`, default 3000.
pub fn server_port() -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000)
}

/// A bench server's runtime: Tokio's default multi-thread one (one worker per core it may run
/// on: one, pinned by scripts/bench.sh), or with `BENCH_RUNTIME=current_thread` (a
/// diagnostic: see docs/performance.md) the single-threaded one.
pub fn server_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    match std::env::var("BENCH_RUNTIME").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
}

/// The `p`-th percentile (0..=100) of sorted values (nearest rank); 0 when empty.
pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of some values (mean of the middle two for an even count); NaN when empty.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

pub mod redis_load;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_medians() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[], 50.0), 0);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn proc_readers_work_on_self() {
        let pid = std::process::id();
        assert!(cpu_time_us(pid).is_some());
        assert!(machine_busy_us().is_some());
        assert!(rss_kib(pid).unwrap() > 0);
    }
}
