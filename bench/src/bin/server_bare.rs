//! The floor of the echo case, not a Socket.IO server: tokio and tokio-tungstenite alone,
//! speaking just enough Engine.IO v4 / Socket.IO v5 for `load echo` and `load connect` on
//! 127.0.0.1:$PORT (default 3000). It answers the open packet and the CONNECT, and acks `echo`
//! by rewriting `42<id>["echo",<args>]` into `43<id>[<args>]` without parsing the arguments.
//! It has no heartbeat, no namespaces, no rooms, no session table and no handlers: a Socket.IO
//! server on the same runtime and WebSocket library cannot cost less per ack than this
//! (docs/performance.md reads the other servers' figures against it).

use fastsio_bench::server_port;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Tokio's default multi-thread runtime, like the other bench servers.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve())
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let port = server_port();
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("server-bare listening on 127.0.0.1:{port}");
    let mut next_id = 0u64;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        next_id += 1;
        tokio::spawn(connection(stream, next_id));
    }
}

async fn connection(stream: TcpStream, id: u64) {
    // fastsio's buffer sizes: tungstenite's default 128 KiB read buffer is zeroed on every
    // read, which would make this floor a good deal higher than it is.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(8 * 1024);
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let (mut tx, mut rx) = ws.split();
    let open = format!(
        r#"0{{"sid":"bare{id:018}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}}"#
    );
    if tx.send(Message::text(open)).await.is_err() {
        return;
    }
    while let Some(Ok(Message::Text(text))) = rx.next().await {
        let reply = if text.as_str() == "40" {
            format!(r#"40{{"sid":"bare{id:018}"}}"#)
        } else if let Some(ack) = echo_ack(text.as_str()) {
            ack
        } else {
            continue;
        };
        if tx.send(Message::text(reply)).await.is_err() {
            return;
        }
    }
}

/// `42<id>["echo",<args>]` → `43<id>[<args>]`.
fn echo_ack(text: &str) -> Option<String> {
    let rest = text.strip_prefix("42")?;
    let digits = rest.find('[')?;
    let args = rest[digits..].strip_prefix(r#"["echo","#)?;
    Some(format!("43{}[{args}", &rest[..digits]))
}
