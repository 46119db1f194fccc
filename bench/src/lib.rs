//! Shared pieces of the bench binaries: the small Engine.IO v4 / Socket.IO v5 client the load
//! generator speaks over WebSocket, the bench servers' port and runtime, `/proc` readers for the server's CPU time and memory, and
//! percentile helpers.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

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

/// The read buffer of a client connection that receives events (tungstenite reads in chunks
/// of this size and zero-fills the chunk before each read).
pub const READ_BUFFER: usize = 4096;

/// The read buffer of a connection that only connects and then idles (the connect scenario):
/// the open packet and the CONNECT answer fit in it.
pub const IDLE_READ_BUFFER: usize = 512;

/// Opens a Socket.IO connection to namespace `/` at 127.0.0.1:`port`, path `/socket.io/`,
/// WebSocket only: WebSocket handshake, Engine.IO open packet (`0{..}`), `40` CONNECT, and
/// the server's `40{"sid":..}`. Engine.IO pings (`2`) that arrive meanwhile are answered.
pub async fn sio_connect(port: u16) -> Result<Ws, ClientError> {
    sio_connect_from(port, None, READ_BUFFER).await
}

/// [`sio_connect`] from the loopback source address `source` (127.0.0.x) instead of the
/// kernel's choice (each source address has its own range of ephemeral ports, so more
/// connections than one range holds can reach one server port), with a read buffer of
/// `read_buffer` bytes.
pub async fn sio_connect_from(
    port: u16,
    source: Option<Ipv4Addr>,
    read_buffer: usize,
) -> Result<Ws, ClientError> {
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
    let mut tcp = tokio::time::timeout(STEP_TIMEOUT, connect)
        .await
        .map_err(|_| err("TCP connect timed out"))??;
    tcp.set_nodelay(true)?;
    let early = tokio::time::timeout(STEP_TIMEOUT, upgrade(&mut tcp, port))
        .await
        .map_err(|_| err("WebSocket handshake timed out"))??;
    let config = WebSocketConfig::default().read_buffer_size(read_buffer);
    let mut ws = WebSocketStream::from_partially_read(tcp, early, Role::Client, Some(config)).await;
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

/// The largest `101` answer [`upgrade`] reads.
const MAX_UPGRADE_ANSWER: usize = 1024;

/// The WebSocket handshake of a client: the upgrade request a socket.io client sends over
/// tungstenite (the same header lines in the same order, a fresh random key), written in one
/// go, then the server's answer, checked as RFC 6455 says a client must: status 101,
/// `Upgrade: websocket`, `Connection: Upgrade` and the `Sec-WebSocket-Accept` of the key.
/// Returns the bytes the server sent after the answer's head (the start of its first frames).
async fn upgrade(tcp: &mut TcpStream, port: u16) -> Result<Vec<u8>, ClientError> {
    let key = generate_key();
    let mut request = Vec::with_capacity(192);
    request.extend_from_slice(
        b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:",
    );
    request.extend_from_slice(port.to_string().as_bytes());
    request.extend_from_slice(
        b"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ",
    );
    request.extend_from_slice(key.as_bytes());
    request.extend_from_slice(b"\r\n\r\n");
    tcp.write_all(&request).await?;
    let mut answer = [0u8; MAX_UPGRADE_ANSWER];
    let mut len = 0;
    loop {
        let n = tcp.read(&mut answer[len..]).await?;
        if n == 0 {
            return Err(err("connection closed during the WebSocket handshake"));
        }
        len += n;
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut head = httparse::Response::new(&mut headers);
        match head.parse(&answer[..len]) {
            Ok(httparse::Status::Complete(head_len)) => {
                check_upgrade(&head, &key)?;
                return Ok(answer[head_len..len].to_vec());
            }
            Ok(httparse::Status::Partial) if len < answer.len() => {}
            Ok(httparse::Status::Partial) => {
                return Err(err("WebSocket handshake answer too long"));
            }
            Err(e) => return Err(err(format!("bad WebSocket handshake answer: {e}"))),
        }
    }
}

/// Whether `head` accepts the upgrade of `key`.
fn check_upgrade(head: &httparse::Response<'_, '_>, key: &str) -> Result<(), ClientError> {
    if head.code != Some(101) {
        return Err(err(format!("WebSocket handshake answered {:?}", head.code)));
    }
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    if !header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case(b"websocket")) {
        return Err(err("WebSocket handshake answer without Upgrade: websocket"));
    }
    if !header("connection").is_some_and(|v| v.eq_ignore_ascii_case(b"upgrade")) {
        return Err(err(
            "WebSocket handshake answer without Connection: Upgrade",
        ));
    }
    if header("sec-websocket-accept") != Some(derive_accept_key(key.as_bytes()).as_bytes()) {
        return Err(err(
            "WebSocket handshake answer with a wrong Sec-WebSocket-Accept",
        ));
    }
    Ok(())
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
    use fastsio::prelude::*;
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn connects_to_a_socket_io_server_and_acks_round_trip() {
        let io = Server::builder()
            .routes(Routes::new("/").on("echo", |args: RawArgs| async move { args }))
            .build()
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { io.serve(listener, std::future::pending()).await });
        for read_buffer in [IDLE_READ_BUFFER, READ_BUFFER] {
            let mut ws = sio_connect_from(port, None, read_buffer).await.unwrap();
            send_text(&mut ws, r#"421["echo","x"]"#.into())
                .await
                .unwrap();
            assert_eq!(next_text(&mut ws).await.unwrap(), r#"431["x"]"#);
        }
    }

    /// A loopback server that answers the upgrade with these header lines.
    async fn answering(lines: &'static str) -> Result<Ws, ClientError> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = tcp.read(&mut request).await;
            let _ = tcp.write_all(lines.as_bytes()).await;
            let _ = tcp.read(&mut request).await;
        });
        sio_connect(port).await
    }

    #[tokio::test]
    async fn refuses_an_answer_that_does_not_accept_its_key() {
        let wrong_key = answering(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
        );
        assert!(
            wrong_key
                .await
                .unwrap_err()
                .0
                .contains("Sec-WebSocket-Accept")
        );
        let not_upgraded = answering("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        assert!(not_upgraded.await.unwrap_err().0.contains("400"));
    }

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
