//! fastsio-client's reconnection, recovery and heartbeats against a fastsio server and node's
//! socket.io 4 (`tests/js-server/server.mjs`, connectionStateRecovery on), through a loopback
//! proxy (`fastsio_tests::proxy`) that cuts or freezes the connection, on WebSocket, polling
//! and the upgrade:
//! - after a dropped transport the client reconnects by itself with backoff, claims its
//!   session (pid + offset), gets what it missed, keeps its id, reports `recovered()`, and
//!   sends what was emitted while it was away, but not the volatile emits;
//! - a server that goes silent is a `ping timeout` disconnect, then a reconnection; emits
//!   made meanwhile are buffered up to `max_buffered`, then fail with `EmitError::Full`;
//! - with the server gone, the reconnection attempts are numbered from 1, and the client gives
//!   up after the policy's `attempts` with `reconnect_failed`.

use std::net::SocketAddr;
use std::time::Duration;

use fastsio::RecoveryConfig;
use fastsio::prelude::*;
use fastsio_client::{
    ConnectError, DisconnectReason, EmitError, EngineError, Manager, Reconnection, Socket,
    SocketBuilder, Status, Transport,
};
use fastsio_tests::ScriptServer;
use fastsio_tests::proxy::Proxy;
use fastsio_tests::server::{TestServer, eventually};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

const WAIT: Duration = Duration::from_secs(10);

const TRANSPORTS: [&[Transport]; 3] = [
    &[Transport::WebSocket],
    &[Transport::Polling],
    &[Transport::Polling, Transport::WebSocket],
];

/// What a client's handlers saw, in order.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Connect,
    Disconnect(DisconnectReason),
    Attempt(u32),
    GaveUp,
}

/// A client of `/` through `url`, with fast reconnection (`policy` on top), reporting its
/// connection events to `seen` and the `tick` events it gets to `ticks`.
fn client(
    url: &str,
    transports: &[Transport],
    policy: Reconnection,
    seen: UnboundedSender<Seen>,
    ticks: UnboundedSender<u32>,
) -> SocketBuilder {
    let (on_connect, on_disconnect, on_attempt) = (seen.clone(), seen.clone(), seen.clone());
    Manager::builder(url)
        .transports(transports.iter().copied())
        .reconnection(policy)
        .connect_timeout(WAIT)
        .build()
        .unwrap()
        .socket("/")
        .auth(serde_json::json!({"name": "r"}))
        .on_data("tick", move |_socket, n: u32| {
            let _ = ticks.send(n);
            async {}
        })
        .on_connect(move |_socket| {
            let _ = on_connect.send(Seen::Connect);
            async {}
        })
        .on_disconnect(move |_socket, reason| {
            let _ = on_disconnect.send(Seen::Disconnect(reason));
            async {}
        })
        .on_reconnect_attempt(move |_socket, n| {
            let _ = on_attempt.send(Seen::Attempt(n));
            async {}
        })
        .on_reconnect_failed(move |_socket| {
            let _ = seen.send(Seen::GaveUp);
            async {}
        })
}

fn fast() -> Reconnection {
    Reconnection::default()
        .delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(100))
}

async fn next<T>(rx: &mut UnboundedReceiver<T>) -> T {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("in time")
        .expect("channel open")
}

/// A [`client`] connected through a new proxy to `addr`, past its first `on_connect`: the
/// proxy, the socket, what its handlers see and the ticks it gets.
async fn connected(
    addr: SocketAddr,
    transports: &[Transport],
    policy: Reconnection,
) -> (
    Proxy,
    Socket,
    UnboundedReceiver<Seen>,
    UnboundedReceiver<u32>,
) {
    let proxy = Proxy::start(addr).await;
    let (seen_tx, mut seen) = unbounded_channel();
    let (ticks_tx, ticks) = unbounded_channel();
    let socket = client(&proxy.url(), transports, policy, seen_tx, ticks_tx)
        .connect()
        .await
        .unwrap();
    assert_eq!(next(&mut seen).await, Seen::Connect);
    (proxy, socket, seen, ticks)
}

/// The server behind the proxy, as a test drives it while its client is away.
enum Upstream {
    /// A fastsio server, driven through its `Io`.
    Fastsio(Io),
    /// node's `server.mjs`, driven through a socket on its control namespace `/ctl`.
    Node(Socket),
}

impl Upstream {
    /// Waits (bounded) until the server has seen its client of `/` go: it then keeps the
    /// session for recovery (for polling, once the heartbeat times out).
    async fn wait_gone(&self) {
        match self {
            Upstream::Fastsio(io) => {
                eventually("the server sees the drop", || io.sockets().is_empty()).await;
            }
            Upstream::Node(control) => {
                for _ in 0..200 {
                    let count: usize = control.emit_raw_with_ack("count", &(), WAIT).await.unwrap();
                    if count == 0 {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                panic!("node still counts sockets on /");
            }
        }
    }

    /// Emits `tick` with `n` to room `r` of `/`.
    async fn tick(&self, n: u32) {
        match self {
            Upstream::Fastsio(io) => {
                io.to("r").emit_raw("tick", &n).unwrap();
            }
            Upstream::Node(control) => {
                let () = control.emit_raw_with_ack("tick", &n, WAIT).await.unwrap();
            }
        }
    }
}

/// The fastsio server of these tests: `tick` to room `r`, which every socket joins; short
/// heartbeats, since a polling session only ends when its heartbeat times out.
fn fastsio_server() -> Io {
    async fn tick(socket: SocketRef, Data(n): Data<u32>) {
        let _ = socket.within("r").emit_raw("tick", &n);
    }
    Server::builder()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(300))
        .connection_state_recovery(RecoveryConfig::default())
        .routes(
            Routes::new("/")
                .on_connect(|socket: SocketRef| async move { socket.join("r") })
                .on("tick", tick),
        )
        .build()
        .unwrap()
}

/// node's `server.mjs`, and its control socket.
async fn node_server() -> (ScriptServer, Upstream) {
    let server = ScriptServer::node("server.mjs").await;
    let control = Manager::builder(&format!("http://127.0.0.1:{}", server.port))
        .transports([Transport::WebSocket])
        .build()
        .unwrap()
        .socket("/ctl")
        .connect()
        .await
        .unwrap();
    (server, Upstream::Node(control))
}

/// Cuts the connection to `upstream` (at `addr`) under a connected client, and checks what
/// the client gets back once the proxy lets it through again.
async fn recovers_the_session_after_a_dropped_transport(
    upstream: &Upstream,
    addr: SocketAddr,
    transports: &[Transport],
) {
    let (proxy, socket, mut seen, mut ticks) = connected(addr, transports, fast()).await;
    let id = socket.id().unwrap();
    assert!(!socket.recovered());
    // A volatile emit is sent while connected.
    socket.emit_volatile("tick", &1).unwrap();
    assert_eq!(next(&mut ticks).await, 1, "{transports:?}");

    proxy.cut();
    let Seen::Disconnect(reason) = next(&mut seen).await else {
        panic!("expected a disconnect");
    };
    assert!(reason.reconnects(), "{reason:?}");
    assert_ne!(reason, DisconnectReason::ClientDisconnect);
    upstream.wait_gone().await;
    upstream.tick(2).await;
    // While away: the volatile emit is dropped, the other one buffered.
    socket.emit_volatile("tick", &30).unwrap();
    socket.emit_raw("tick", &3).unwrap();
    assert_eq!(next(&mut seen).await, Seen::Attempt(1));
    proxy.restore();

    assert_eq!(
        next(&mut ticks).await,
        2,
        "missed while away: {transports:?}"
    );
    assert_eq!(
        next(&mut ticks).await,
        3,
        "buffered while away: {transports:?}"
    );
    socket.emit_raw("tick", &4).unwrap();
    assert_eq!(
        next(&mut ticks).await,
        4,
        "after the reconnection: {transports:?}"
    );
    assert!(socket.recovered(), "{transports:?}");
    assert_eq!(socket.id().unwrap(), id);
    socket.disconnect();
    upstream.wait_gone().await;
}

/// Freezes the connection to the server at `addr` under a connected client (the server hangs,
/// silent): the client disconnects with `ping timeout`, buffers emits up to its bound, tries
/// again, and reconnects once the server answers again.
async fn a_silent_server_is_a_ping_timeout_then_a_reconnection(
    _upstream: &Upstream,
    addr: SocketAddr,
    transports: &[Transport],
) {
    let (proxy, socket, mut seen, mut ticks) = connected(addr, transports, fast()).await;

    proxy.freeze();
    assert_eq!(
        next(&mut seen).await,
        Seen::Disconnect(DisconnectReason::PingTimeout),
        "{transports:?}"
    );
    assert_eq!(DisconnectReason::PingTimeout.as_str(), "ping timeout");
    assert_eq!(next(&mut seen).await, Seen::Attempt(1));
    // While away, emits are buffered up to `max_buffered` (1024 by default; to an event the
    // servers ignore).
    for n in 0..1024 {
        socket.emit_raw("ignored", &n).unwrap();
    }
    assert!(matches!(
        socket.emit_raw("ignored", &1024),
        Err(EmitError::Full)
    ));
    proxy.restore();
    let mut last = 1;
    loop {
        match next(&mut seen).await {
            Seen::Attempt(n) => {
                assert_eq!(n, last + 1, "{transports:?}");
                last = n;
            }
            Seen::Connect => break,
            other => panic!("{other:?} while reconnecting ({transports:?})"),
        }
    }
    socket.emit_raw("tick", &7).unwrap();
    assert_eq!(next(&mut ticks).await, 7, "{transports:?}");
    socket.disconnect();
}

/// Takes the server at `addr` away for good under a connected client: the attempts are
/// numbered 1, 2, 3, then the client gives up (`attempts(3)`) and its emits fail.
async fn gives_up_after_its_reconnection_attempts(
    _upstream: &Upstream,
    addr: SocketAddr,
    transports: &[Transport],
) {
    let policy = fast().randomization(0.5).attempts(3);
    let (proxy, socket, mut seen, _ticks) = connected(addr, transports, policy).await;

    proxy.cut();
    let Seen::Disconnect(reason) = next(&mut seen).await else {
        panic!("expected a disconnect");
    };
    assert!(reason.reconnects(), "{reason:?}");
    for n in 1..=3 {
        assert_eq!(next(&mut seen).await, Seen::Attempt(n), "{transports:?}");
    }
    assert_eq!(next(&mut seen).await, Seen::GaveUp, "{transports:?}");
    let status = socket.status().borrow().clone();
    let Status::Failed(ConnectError::ReconnectFailed { attempts, last }) = status else {
        panic!("expected the final failure, got {status:?}");
    };
    assert_eq!(attempts, 3);
    assert!(last.is_some(), "the last attempt's error");
    assert!(matches!(
        socket.emit_raw("tick", &1),
        Err(EmitError::Closed)
    ));
}

/// Each scenario against a fastsio server and node's socket.io 4, on each transport.
macro_rules! against_both {
    ($($scenario:ident),*) => {
        mod fastsio_server {
            $(#[tokio::test]
            async fn $scenario() {
                let io = super::fastsio_server();
                let server = super::TestServer::start(io.service()).await;
                let upstream = super::Upstream::Fastsio(io);
                for transports in super::TRANSPORTS {
                    super::$scenario(&upstream, server.addr, transports).await;
                }
            })*
        }
        mod node_server {
            $(#[tokio::test]
            async fn $scenario() {
                let (server, upstream) = super::node_server().await;
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port));
                for transports in super::TRANSPORTS {
                    super::$scenario(&upstream, addr, transports).await;
                }
            })*
        }
    };
}

against_both!(
    recovers_the_session_after_a_dropped_transport,
    a_silent_server_is_a_ping_timeout_then_a_reconnection,
    gives_up_after_its_reconnection_attempts
);

#[tokio::test]
async fn connecting_to_a_server_that_is_down_gives_up_after_the_attempts() {
    // A port nothing listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    for transports in TRANSPORTS {
        let (seen_tx, mut seen) = unbounded_channel();
        let (ticks_tx, _ticks) = unbounded_channel();
        let url = format!("http://127.0.0.1:{port}");
        let policy = fast().attempts(2);
        let refused = client(&url, transports, policy, seen_tx, ticks_tx)
            .connect()
            .await
            .unwrap_err();
        let ConnectError::ReconnectFailed { attempts, last } = refused else {
            panic!("expected the final failure, got {refused:?}");
        };
        assert_eq!(attempts, 2, "{transports:?}");
        assert!(matches!(last, Some(EngineError::Io(_))), "{last:?}");
        assert_eq!(next(&mut seen).await, Seen::Attempt(1));
        assert_eq!(next(&mut seen).await, Seen::Attempt(2));
    }
}
