//! Connection state recovery with the official socket.io-client@4 (`tests/js/sio_recovery.mjs`):
//! a client whose connection drops and comes back in time gets the same id, its rooms and
//! session values, and every event it missed (to itself, its rooms, everyone) exactly once and
//! in order, but not volatile ones nor those for rooms it was not in; one that comes back too
//! late, or with a claim that names no recovery record, starts afresh. A raw WebSocket client checks
//! the wire: the pid in the CONNECT reply, and which emits carry an offset.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastsio::adapter::{
    Adapter, AdapterFuture, BroadcastOptions, LocalAdapter, LocalNamespace, Recipients,
    RecoveryRecord, RestoredRecord, Stored,
};
use fastsio::engine::{Sid, Str};
use fastsio::middleware::RequireAuth;
use fastsio::prelude::*;
use fastsio::protocol::EncodedPacket;
use fastsio::{RecoveryConfig, Room};
use fastsio_tests::local_rooms;
use fastsio_tests::recovery::emit_missed;
use fastsio_tests::reports::drain;
use fastsio_tests::run_node;
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::sio::ack_id;
use fastsio_tests::ws::WsClient;
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::watch;

/// Generous bound on a whole script run (the script bounds itself at 15 s; the first run may
/// also install the npm packages).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
/// Bound on waiting for the server to keep a dropped socket's recovery record.
const PERSIST_WAIT: Duration = Duration::from_secs(5);

/// The in-memory adapter, telling which recovery records it has kept: the server waits for that
/// before emitting what the dropped client is to miss, so the run has one order only.
struct Watched {
    local: LocalAdapter,
    persisted: watch::Sender<Vec<Sid>>,
}

impl Adapter for Watched {
    fn init(&self, namespace: LocalNamespace) {
        self.local.init(namespace)
    }
    local_rooms!(local);
    fn store_packet(&self, packet: EncodedPacket, to: Recipients<'_>) -> Stored {
        self.local.store_packet(packet, to)
    }
    fn persist_record(&self, record: RecoveryRecord) {
        let sid = record.sid;
        self.local.persist_record(record);
        self.persisted.send_modify(|kept| kept.push(sid));
    }
    fn restore_record(
        &self,
        pid: Sid,
        offset: Str,
    ) -> AdapterFuture<'static, Option<RestoredRecord>> {
        self.local.restore_record(pid, offset)
    }
}

/// A session value, to see it come back.
#[derive(Clone, Debug, PartialEq)]
struct Tag(String);

/// What the server saw of one connection.
#[derive(Debug)]
struct Connected {
    id: String,
    recovered: bool,
    tag: Option<String>,
}

struct Setup {
    io: Io,
    connections: UnboundedReceiver<Connected>,
    disconnects: UnboundedReceiver<String>,
    middleware_runs: Arc<AtomicUsize>,
}

/// A server with recovery as `config` says. On a fresh connection it joins `r`, stores a
/// [`Tag`] and emits `welcome`; `emit_missed(sid)` waits until that socket's record is kept,
/// then emits to it, to `r`, to everyone, and what it must not get back (another room, all but
/// `r`, a volatile emit), waiting `linger` before it answers; `emit_after` emits to `r`.
fn server(config: RecoveryConfig, linger: Duration) -> Setup {
    let (persisted, watcher) = watch::channel(Vec::<Sid>::new());
    let (conn_tx, connections) = unbounded_channel();
    let (disc_tx, disconnects) = unbounded_channel();
    let middleware_runs = Arc::new(AtomicUsize::new(0));
    let on_connect = move |socket: SocketRef| {
        let conn_tx: UnboundedSender<Connected> = conn_tx.clone();
        async move {
            if !socket.recovered() {
                socket.join("r");
                socket.insert(Tag(format!("tag-{}", socket.id())));
                socket.emit_raw("welcome", &()).unwrap();
            }
            let _ = conn_tx.send(Connected {
                id: socket.id().to_string(),
                recovered: socket.recovered(),
                tag: socket.get::<Tag>().map(|t| t.0),
            });
        }
    };
    let on_disconnect = move |Reason(reason): Reason| {
        let disc_tx = disc_tx.clone();
        async move {
            let _ = disc_tx.send(reason.to_string());
        }
    };
    let emit_missed = move |io: Io, Data(sid): Data<String>| {
        let mut watcher = watcher.clone();
        async move {
            let kept = watcher.wait_for(|kept| kept.iter().any(|s| s.as_str() == sid));
            tokio::time::timeout(PERSIST_WAIT, kept)
                .await
                .expect("the dropped socket's recovery record is kept")
                .expect("the adapter is alive");
            emit_missed(&io, &sid);
            tokio::time::sleep(linger).await;
            Ack(true)
        }
    };
    let emit_after = |io: Io| async move {
        io.to("r").emit_raw("after", &"to-room").unwrap();
        Ack(true)
    };
    let counter = middleware_runs.clone();
    let count_connects = RequireAuth::new(move |_req, _auth| {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok(()) }
    });
    let io = Server::builder()
        .connect_timeout(Duration::from_secs(5))
        .connection_state_recovery(config)
        .adapter(move || Watched {
            local: LocalAdapter::new(),
            persisted: persisted.clone(),
        })
        .middleware(count_connects)
        .routes(
            Routes::new("/")
                .on_connect(on_connect)
                .on_disconnect(on_disconnect)
                .on("emit_missed", emit_missed)
                .on("emit_after", emit_after),
        )
        .build()
        .unwrap();
    Setup {
        io,
        connections,
        disconnects,
        middleware_runs,
    }
}

async fn run(io: &Io, scenario: &str, transport: &str) -> Value {
    let server = TestServer::start(io.service()).await;
    let out = run_node(
        "sio_recovery.mjs",
        &[scenario, &server.http(""), transport],
        SCRIPT_TIMEOUT,
    )
    .await;
    out.passed()["details"].clone()
}

/// The connections of `main` (the control client connects first).
fn main_connections(setup: &mut Setup) -> Vec<Connected> {
    drain(&mut setup.connections).into_iter().skip(1).collect()
}

async fn recovers(transport: &str) {
    let mut setup = server(RecoveryConfig::default(), Duration::ZERO);
    let details = run(&setup.io, "recover", transport).await;
    assert_eq!(details["firstId"], details["secondId"]);
    assert_eq!(
        details["reason"], "forced close",
        "the client closed its transport"
    );
    assert_eq!(
        details["events"],
        json!([
            ["missed", "to-socket"],
            ["missed", "to-room"],
            ["missed", "to-all"],
            ["after", "to-room"],
        ]),
        "every missed event once, in order, then a room emit after recovery"
    );
    let connections = main_connections(&mut setup);
    let id = details["firstId"].as_str().unwrap();
    assert_eq!(connections.len(), 2, "{connections:?}");
    assert!(!connections[0].recovered);
    assert!(connections[1].recovered);
    assert_eq!(connections[1].id, id);
    assert_eq!(
        connections[1].tag.as_deref(),
        Some(format!("tag-{id}").as_str()),
        "session values come back"
    );
    // The control client and the first connection of `main`: a recovered socket skips them.
    assert_eq!(setup.middleware_runs.load(Ordering::SeqCst), 2);
    assert!(
        drain(&mut setup.disconnects).contains(&"transport close".to_string()),
        "the dropped socket's disconnect handler ran"
    );
}

#[tokio::test]
async fn recovers_over_websocket() {
    recovers("websocket").await;
}

#[tokio::test]
async fn recovers_over_polling() {
    recovers("polling").await;
}

#[tokio::test]
async fn middleware_runs_again_unless_skipped() {
    let config = RecoveryConfig {
        skip_middlewares: false,
        ..RecoveryConfig::default()
    };
    let mut setup = server(config, Duration::ZERO);
    let details = run(&setup.io, "recover", "websocket").await;
    assert_eq!(details["firstId"], details["secondId"]);
    let connections = main_connections(&mut setup);
    assert!(connections[1].recovered);
    assert_eq!(setup.middleware_runs.load(Ordering::SeqCst), 3);
}

/// Runs `scenario` over WebSocket and checks the comeback got a new id, no replay, and that
/// the server recovered no connection.
async fn starts_afresh(mut setup: Setup, scenario: &str) {
    let details = run(&setup.io, scenario, "websocket").await;
    assert_ne!(details["firstId"], details["secondId"]);
    assert_eq!(details["events"], json!([]), "nothing replayed");
    let connections = drain(&mut setup.connections);
    assert!(connections.iter().all(|c| !c.recovered), "{connections:?}");
}

#[tokio::test]
async fn a_late_comeback_starts_afresh() {
    let config = RecoveryConfig {
        max_disconnection_duration: Duration::from_millis(1),
        ..RecoveryConfig::default()
    };
    // The server answers `emit_missed` only once the record has outlived its 1 ms.
    starts_afresh(server(config, Duration::from_millis(20)), "expired").await;
}

#[tokio::test]
async fn an_unknown_offset_starts_afresh() {
    starts_afresh(
        server(RecoveryConfig::default(), Duration::ZERO),
        "bad-offset",
    )
    .await;
}

#[tokio::test]
async fn claims_that_name_no_record_start_afresh() {
    let mut setup = server(RecoveryConfig::default(), Duration::ZERO);
    let details = run(&setup.io, "bad-claims", "websocket").await;
    assert_eq!(details["ids"].as_array().unwrap().len(), 4);
    let connections = drain(&mut setup.connections);
    assert_eq!(connections.len(), 4);
    assert!(connections.iter().all(|c| !c.recovered && c.tag.is_some()));
}

/// Opens a WebSocket session at `url` and connects to `/`; returns the client, the socket id
/// and the private id (pid) of the CONNECT reply.
async fn connect_with_pid(url: &str) -> (WsClient, String, String) {
    let mut ws = WsClient::connect(url).await;
    ws.next_text().await;
    ws.send_text("40").await;
    let reply = ws.next_text().await;
    let reply: Value = serde_json::from_str(reply.strip_prefix("40").unwrap()).unwrap();
    let id = |key: &str| {
        reply[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {reply}"))
    };
    let (sid, pid) = (id("sid").to_string(), id("pid").to_string());
    (ws, sid, pid)
}

/// On the wire: the CONNECT reply carries the pid; an emit to the socket or a broadcast carries
/// its offset as last argument, a volatile emit or one that asks for an ack does not; a
/// Socket.IO v4 client (socket.io 2.x) gets no pid and no offset on what is emitted to it.
#[tokio::test]
async fn pid_and_offsets_on_the_wire() {
    let on_connect = |socket: SocketRef| async move {
        socket.emit_raw("one", &1).unwrap();
    };
    let io = Server::builder()
        .allow_eio3(true)
        .connection_state_recovery(RecoveryConfig::default())
        .routes(Routes::new("/").on_connect(on_connect))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, sid, pid) =
        connect_with_pid(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    let (sid, pid) = (sid.as_str(), pid.as_str());
    assert_eq!(pid.len(), 22, "{pid}");
    assert_ne!(sid, pid);
    assert_eq!(ws.next_text().await, r#"42["one",1,"0"]"#);
    io.emit_raw("all", &2).unwrap();
    assert_eq!(ws.next_text().await, r#"42["all",2,"1"]"#);
    io.to(sid).volatile().emit_raw("volatile", &3).unwrap();
    assert_eq!(ws.next_text().await, r#"42["volatile",3]"#);
    let ask = tokio::spawn({
        let io = io.clone();
        async move {
            io.of("/")
                .unwrap()
                .timeout(Duration::from_secs(5))
                .emit_raw_with_ack::<_, i32>("ask", &4)
                .await
        }
    });
    let question = ws.next_text().await;
    let id = ack_id(&question);
    assert_eq!(question, format!(r#"42{id}["ask",4]"#));
    ws.send_text(&format!("43{id}[5]")).await;
    let acks = ask.await.unwrap().unwrap();
    assert_eq!(*acks.local[0].1.as_ref().unwrap(), 5);

    let mut v3 = WsClient::connect(&server.ws("/socket.io/?EIO=3&transport=websocket")).await;
    v3.next_text().await;
    assert_eq!(v3.next_text().await, "40");
    assert_eq!(v3.next_text().await, r#"42["one",1]"#);
}

/// A stream-style adapter, the model of node's Redis Streams adapter: each kept emit becomes
/// an entry of a log that gives it its id (the offset) when it is appended, and the adapter
/// delivers it itself, as each node does when it reads the entry back.
#[derive(Clone, Default)]
struct Streamed(Arc<StreamedInner>);

#[derive(Default)]
struct StreamedInner {
    local: LocalAdapter,
    namespace: Mutex<Option<LocalNamespace>>,
    log: Mutex<Vec<(String, EncodedPacket, BroadcastOptions)>>,
    records: Mutex<HashMap<Sid, RecoveryRecord>>,
}

impl Adapter for Streamed {
    fn init(&self, namespace: LocalNamespace) {
        *self.0.namespace.lock().unwrap() = Some(namespace);
    }
    local_rooms!(0.local);
    fn store_packet(&self, packet: EncodedPacket, to: Recipients<'_>) -> Stored {
        let opts = match to {
            Recipients::Socket(sid) => BroadcastOptions {
                rooms: vec![Room::from(sid.as_str())],
                ..Default::default()
            },
            Recipients::Broadcast(opts) => opts.clone(),
        };
        let mut log = self.0.log.lock().unwrap();
        let id = format!("{}-0", log.len() + 1);
        let packet = packet.with_offset(&id);
        log.push((id, packet.clone(), opts.clone()));
        let namespace = self.0.namespace.lock().unwrap().clone().unwrap();
        tokio::spawn(async move { namespace.deliver(&packet, &opts) });
        Stored::Deferred
    }
    fn persist_record(&self, record: RecoveryRecord) {
        self.0.records.lock().unwrap().insert(record.pid, record);
    }
    fn restore_record(
        &self,
        pid: Sid,
        offset: Str,
    ) -> AdapterFuture<'static, Option<RestoredRecord>> {
        let record = self.0.records.lock().unwrap().remove(&pid);
        let log = self.0.log.lock().unwrap();
        let restored = record.and_then(|record| {
            let at = log.iter().position(|(id, _, _)| *id == *offset)?;
            let missed = log[at + 1..]
                .iter()
                .filter(|(_, _, opts)| {
                    opts.rooms.is_empty() || opts.rooms.iter().any(|r| record.rooms.contains(r))
                })
                .map(|(_, packet, _)| packet.clone())
                .collect();
            Some(RestoredRecord { record, missed })
        });
        Box::pin(std::future::ready(Ok(restored)))
    }
}

/// An adapter that sends kept emits itself ([`Stored::Deferred`]) with offsets of its own:
/// clients get them from it, and a client coming back with one of them is recovered with what
/// the adapter says it missed.
#[tokio::test]
async fn an_adapter_may_send_kept_emits_itself() {
    let streamed = Streamed::default();
    let io = Server::builder()
        .connection_state_recovery(RecoveryConfig::default())
        .adapter({
            let streamed = streamed.clone();
            move || streamed.clone()
        })
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let url = server.ws("/socket.io/?EIO=4&transport=websocket");
    let (mut ws, sid, pid) = connect_with_pid(&url).await;
    let sid = sid.as_str();
    assert_eq!(io.emit_raw("a", &1).unwrap(), 0, "the adapter sends it");
    assert_eq!(ws.next_text().await, r#"42["a",1,"1-0"]"#);
    ws.close().await;
    eventually("the recovery record is kept", || {
        !streamed.0.records.lock().unwrap().is_empty()
    })
    .await;
    io.to(sid).emit_raw("b", &2).unwrap();

    let mut back = WsClient::connect(&url).await;
    back.next_text().await;
    back.send_text(&format!(r#"40{{"pid":"{pid}","offset":"1-0"}}"#))
        .await;
    assert_eq!(
        back.next_text().await,
        format!(r#"40{{"sid":"{sid}","pid":"{pid}"}}"#)
    );
    assert_eq!(back.next_text().await, r#"42["b",2,"2-0"]"#);
}
