//! fastsio-client's reconnection and connection state recovery against a fastsio server and
//! node's socket.io 4 (`tests/js-server/server.mjs`, connectionStateRecovery on), through a
//! loopback proxy that cuts the connection: the client reconnects by itself with
//! backoff, claims its session (pid + offset), gets what it missed, keeps its id, reports
//! `recovered()`, and sends what was emitted while it was away.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastsio::RecoveryConfig;
use fastsio::prelude::*;
use fastsio_client::{DisconnectReason, Manager, Reconnection, Socket, Transport};
use fastsio_tests::ScriptServer;
use fastsio_tests::server::{TestServer, eventually};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(10);

/// A loopback TCP proxy whose connections can be cut, and which refuses new ones while down.
struct Proxy {
    port: u16,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    down: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(upstream: std::net::SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let tracked = conns.clone();
        let down = Arc::new(AtomicBool::new(false));
        let refusing = down.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if refusing.load(Ordering::SeqCst) {
                    continue;
                }
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tracked.lock().unwrap().push(pipe);
            }
        });
        Proxy { port, conns, down }
    }

    /// Accepts connections again.
    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    /// Drops every open connection, both ways, and refuses new ones until [`Proxy::restore`].
    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for conn in self.conns.lock().unwrap().drain(..) {
            conn.abort();
        }
    }
}

async fn tick(socket: SocketRef, Data(n): Data<u32>) {
    let _ = socket.within("r").emit_raw("tick", &n);
}

async fn next<T>(rx: &mut UnboundedReceiver<T>) -> T {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("in time")
        .expect("channel open")
}

#[tokio::test]
async fn recovers_the_session_after_a_dropped_transport_and_flushes_buffered_emits() {
    for transports in [&[Transport::WebSocket][..], &[Transport::Polling]] {
        // Short heartbeats: a polling session only ends when its heartbeat times out.
        let io = Server::builder()
            .ping_interval(Duration::from_millis(300))
            .ping_timeout(Duration::from_millis(300))
            .connection_state_recovery(RecoveryConfig::default())
            .routes(
                Routes::new("/")
                    .on_connect(|socket: SocketRef| async move { socket.join("r") })
                    .on("tick", tick),
            )
            .build()
            .unwrap();
        let server = TestServer::start(io.service()).await;
        let proxy = Proxy::start(server.addr).await;
        let (ticks_tx, mut ticks) = unbounded_channel();
        let (reasons_tx, mut reasons) = unbounded_channel();
        let (attempts_tx, mut attempts) = unbounded_channel();
        let socket = Manager::builder(&format!("http://127.0.0.1:{}", proxy.port))
            .transports(transports.iter().copied())
            .reconnection(Reconnection::default().delay(Duration::from_millis(50)))
            .build()
            .unwrap()
            .socket("/")
            .on_data("tick", move |_socket, n: u32| {
                let _ = ticks_tx.send(n);
                async {}
            })
            .on_disconnect(move |_socket, reason| {
                let _ = reasons_tx.send(reason);
                async {}
            })
            .on_reconnect_attempt(move |_socket, n| {
                let _ = attempts_tx.send(n);
                async {}
            })
            .connect()
            .await
            .unwrap();
        let id = socket.id().unwrap();
        assert!(!socket.recovered());
        socket.emit_raw("tick", &1).unwrap();
        assert_eq!(next(&mut ticks).await, 1);

        proxy.cut();
        let reason = next(&mut reasons).await;
        assert!(reason.reconnects(), "{reason:?}");
        assert_ne!(reason, DisconnectReason::ClientDisconnect);
        eventually("the server sees the drop", || io.sockets().is_empty()).await;
        io.to("r").emit_raw("tick", &2).unwrap();
        socket.emit_raw("tick", &3).unwrap();
        assert_eq!(next(&mut attempts).await, 1);
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
        assert!(socket.recovered(), "{transports:?}");
        assert_eq!(socket.id().unwrap(), id);
        socket.disconnect();
    }
}

#[tokio::test]
async fn recovers_a_node_socket_io_session_after_a_dropped_transport() {
    let server = ScriptServer::node("server.mjs").await;
    let upstream = std::net::SocketAddr::from(([127, 0, 0, 1], server.port));
    let control = Manager::builder(&format!("http://127.0.0.1:{}", server.port))
        .transports([Transport::WebSocket])
        .build()
        .unwrap()
        .socket("/ctl")
        .connect()
        .await
        .unwrap();
    for transports in [&[Transport::WebSocket][..], &[Transport::Polling]] {
        let proxy = Proxy::start(upstream).await;
        let (ticks_tx, mut ticks) = unbounded_channel();
        let (reasons_tx, mut reasons) = unbounded_channel();
        let socket = Manager::builder(&format!("http://127.0.0.1:{}", proxy.port))
            .transports(transports.iter().copied())
            .reconnection(Reconnection::default().delay(Duration::from_millis(50)))
            .build()
            .unwrap()
            .socket("/")
            .auth(serde_json::json!({"name": "r"}))
            .on_data("tick", move |_socket, n: u32| {
                let _ = ticks_tx.send(n);
                async {}
            })
            .on_disconnect(move |_socket, reason| {
                let _ = reasons_tx.send(reason);
                async {}
            })
            .connect()
            .await
            .unwrap();
        let id = socket.id().unwrap();
        assert!(!socket.recovered());
        socket.emit_raw("tick", &1).unwrap();
        assert_eq!(next(&mut ticks).await, 1);

        proxy.cut();
        let reason = next(&mut reasons).await;
        assert!(reason.reconnects(), "{reason:?}");
        // node keeps the session for recovery once it sees the drop (for polling, when the
        // heartbeat times out: server.mjs pings every second).
        wait_for_no_sockets(&control).await;
        let () = control.emit_raw_with_ack("tick", &2, WAIT).await.unwrap();
        socket.emit_raw("tick", &3).unwrap();
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
        assert!(socket.recovered(), "{transports:?}");
        assert_eq!(socket.id().unwrap(), id);
        socket.disconnect();
        wait_for_no_sockets(&control).await;
    }
}

/// Waits (bounded) until node's namespace `/` has no socket.
async fn wait_for_no_sockets(control: &Socket) {
    for _ in 0..200 {
        let count: usize = control.emit_raw_with_ack("count", &(), WAIT).await.unwrap();
        if count == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("node still counts sockets on /");
}
