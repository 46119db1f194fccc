//! The floor of the echo, connect and broadcast cases, not a Socket.IO server: tokio and
//! tokio-tungstenite alone, speaking just enough Engine.IO v4 / Socket.IO v5 for `load echo`,
//! `load connect` and `load broadcast` on 127.0.0.1:$PORT (default 3000). It answers the open
//! packet and the CONNECT, acks `echo` by rewriting `42<id>["echo",<args>]` into
//! `43<id>[<args>]` without parsing the arguments, and answers `42["broadcast",<args>]` by
//! writing that same frame, encoded once, to every connection (the sender included) through
//! each connection's bounded queue. It has no heartbeat, no namespaces, no rooms and no
//! handlers: a Socket.IO server on the same runtime and WebSocket library cannot cost less per
//! ack or per delivery than this (docs/performance.md reads the other servers' figures
//! against it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use fastsio_bench::server_port;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Frames a connection's queue holds; a broadcast to a connection whose queue is full is
/// dropped (the load generator reports it missing).
const QUEUE: usize = 1024;

/// Every open connection's queue of broadcast frames.
type Peers = Arc<Mutex<HashMap<u64, mpsc::Sender<Message>>>>;

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
    let peers = Peers::default();
    let mut next_id = 0u64;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        next_id += 1;
        tokio::spawn(connection(stream, next_id, peers.clone()));
    }
}

async fn connection(stream: TcpStream, id: u64, peers: Peers) {
    // fastsio's buffer sizes: tungstenite's default 128 KiB read buffer is zeroed on every
    // read, which would make this floor a good deal higher than it is.
    let config = WebSocketConfig::default()
        .read_buffer_size(2048)
        .write_buffer_size(8 * 1024);
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let mut ws = ws;
    let open = format!(
        r#"0{{"sid":"bare{id:018}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}}"#
    );
    if ws.send(Message::text(open)).await.is_err() {
        return;
    }
    let (queue, mut queued) = mpsc::channel(QUEUE);
    peers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, queue);
    loop {
        let reply = tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => reply(&text, id, &peers),
                _ => break,
            },
            Some(frame) = queued.recv() => {
                // Everything queued goes out in one flush.
                let mut sent = ws.feed(frame).await;
                while let (Ok(()), Ok(frame)) = (&sent, queued.try_recv()) {
                    sent = ws.feed(frame).await;
                }
                if sent.and(ws.flush().await).is_err() {
                    break;
                }
                None
            }
        };
        if let Some(reply) = reply
            && ws.send(Message::text(reply)).await.is_err()
        {
            break;
        }
    }
    peers.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
}

/// The answer to `text`, if any; a broadcast is queued to every connection instead.
fn reply(text: &str, id: u64, peers: &Peers) -> Option<String> {
    if text == "40" {
        Some(format!(r#"40{{"sid":"bare{id:018}"}}"#))
    } else if text.starts_with(r#"42["broadcast","#) {
        // Encoded once: every connection's copy shares these bytes.
        let frame = Message::text(text.to_owned());
        for queue in peers.lock().unwrap_or_else(|e| e.into_inner()).values() {
            let _ = queue.try_send(frame.clone());
        }
        None
    } else {
        echo_ack(text)
    }
}

/// `42<id>["echo",<args>]` → `43<id>[<args>]`.
fn echo_ack(text: &str) -> Option<String> {
    let rest = text.strip_prefix("42")?;
    let digits = rest.find('[')?;
    let args = rest[digits..].strip_prefix(r#"["echo","#)?;
    Some(format!("43{}[{args}", &rest[..digits]))
}
