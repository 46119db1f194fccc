//! A handler that blocks its thread (here: waiting on a condition variable, as a synchronous
//! database driver would) must not hold the other connections served by the same task. The
//! server runs on two workers, so its WebSocket connections are split over two lanes; the
//! blocking handler is released only after every other socket got its ack, which can happen
//! only if the server kept serving them meanwhile.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use fastsio::prelude::*;
use fastsio_tests::routes::echo;
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::sio::connect;
use fastsio_tests::ws::WsClient;

/// How long a blocked handler waits for its release at most (a bound so a broken build fails
/// instead of hanging; the test releases it long before).
const BLOCK_BOUND: Duration = Duration::from_secs(10);

/// Holds `block` handlers until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<GateState>);

#[derive(Default)]
struct GateState {
    /// `block` calls begun.
    entered: AtomicUsize,
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn set(&self, open: bool) {
        *self.0.open.lock().unwrap() = open;
        self.0.opened.notify_all();
    }
}

/// Blocks its thread until the gate opens; acks whether it did (false: the bound ran out).
async fn block(State(gate): State<Gate>) -> Ack<bool> {
    gate.0.entered.fetch_add(1, Ordering::SeqCst);
    let open = gate.0.open.lock().unwrap();
    let (open, _) = gate
        .0
        .opened
        .wait_timeout_while(open, BLOCK_BOUND, |open| !*open)
        .unwrap();
    Ack(*open)
}

/// A server with `block` and `echo` on two workers (so two lanes), and a runtime of its own
/// for the clients.
struct Setup {
    server_runtime: tokio::runtime::Runtime,
    clients: tokio::runtime::Runtime,
    gate: Gate,
    io: Io,
    server: TestServer,
}

impl Setup {
    fn start() -> Setup {
        let server_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let clients = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let gate = Gate::default();
        let io = Server::builder()
            .routes(Routes::new("/").on("block", block).on("echo", echo))
            .with_state(gate.clone())
            .build()
            .unwrap();
        let server = clients
            .block_on(server_runtime.spawn(TestServer::start(io.service())))
            .unwrap();
        Setup {
            server_runtime,
            clients,
            gate,
            io,
            server,
        }
    }
}

/// Each neighbour's echo is acked while `block` holds its thread.
async fn neighbours_are_served(neighbours: &mut [WsClient], round: usize) {
    for (i, ws) in neighbours.iter_mut().enumerate() {
        ws.send_text(&format!("42{round}[\"echo\",{i}]")).await;
        assert_eq!(ws.next_text().await, format!("43{round}[{i}]"));
    }
}

#[test]
fn a_blocking_handler_does_not_hold_the_other_sockets_of_its_lane() {
    let Setup {
        server_runtime,
        clients,
        gate,
        io: _,
        server,
    } = Setup::start();
    clients.block_on(async {
        // Connections go to the two lanes in turn: the blocker shares its lane with 2 of them.
        let (mut blocker, _) = connect(&server, "/").await;
        let mut neighbours = Vec::new();
        for _ in 0..5 {
            neighbours.push(connect(&server, "/").await.0);
        }
        for round in 1..=2 {
            gate.set(false);
            // An echo queued behind the blocking call: it must be answered after it.
            blocker.send_text(&format!("4210{round}[\"block\"]")).await;
            blocker
                .send_text(&format!("4220{round}[\"echo\",\"after\"]"))
                .await;
            eventually("the blocking handler runs", || {
                gate.0.entered.load(Ordering::SeqCst) == round
            })
            .await;
            neighbours_are_served(&mut neighbours, round).await;
            gate.set(true);
            assert_eq!(blocker.next_text().await, format!("4310{round}[true]"));
            assert_eq!(blocker.next_text().await, format!("4320{round}[\"after\"]"));
        }
    });
    server_runtime.shutdown_background();
}

/// A batch of deliveries ([`fastsio::engine::batch_wakes`]) runs the lanes it reaches one
/// after the other; the first of them here is blocked by a handler, and the deliveries of the
/// batch still reach every socket, on both lanes, before the handler is released.
#[test]
fn a_batch_of_deliveries_reaches_every_lane_while_one_is_blocked() {
    let Setup {
        server_runtime,
        clients,
        gate,
        io,
        server,
    } = Setup::start();
    clients.block_on(async {
        // Connections go to the two lanes in turn: others 1 and 3 share the blocker's lane.
        let (mut blocker, _) = connect(&server, "/").await;
        let mut others = Vec::new();
        for _ in 0..5 {
            others.push(connect(&server, "/").await);
        }
        gate.set(false);
        blocker.send_text("4210[\"block\"]").await;
        eventually("the blocking handler runs", || {
            gate.0.entered.load(Ordering::SeqCst) == 1
        })
        .await;
        // The blocked lane's sockets first: the batch's chain starts with the blocked lane.
        let batch: Vec<(usize, String)> = [1, 3, 0, 2, 4]
            .into_iter()
            .map(|i| (i, others[i].1.clone()))
            .collect();
        let sender = io.clone();
        server_runtime
            .spawn(async move {
                fastsio::engine::batch_wakes(|| {
                    for (i, sid) in batch {
                        sender.to(sid).emit_raw("batch", &i).unwrap();
                    }
                });
            })
            .await
            .unwrap();
        for (i, (ws, _)) in others.iter_mut().enumerate() {
            assert_eq!(ws.next_text().await, format!("42[\"batch\",{i}]"));
        }
        gate.set(true);
        assert_eq!(blocker.next_text().await, "4310[true]");
    });
    server_runtime.shutdown_background();
}
