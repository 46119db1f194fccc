//! The adapter seam: a cluster adapter sees every operation that must reach other nodes, and
//! local delivery never waits for it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastsio::Room;
use fastsio::ack::{AckError, AckResponse};
use fastsio::adapter::{
    Adapter, AdapterFuture, BroadcastOptions, LocalAdapter, LocalNamespace, RemoteAcks,
    RemoteSocket,
};
use fastsio::engine::Sid;
use fastsio::prelude::*;
use fastsio::protocol::{EncodedPacket, EventArgs};
use fastsio_tests::local_rooms;
use fastsio_tests::server::{TestServer, eventually};
use fastsio_tests::sio::ack_id;
use fastsio_tests::ws::WsClient;

/// Local rooms plus a log of what would have gone to other nodes.
#[derive(Default, Clone)]
struct Recording {
    local: Arc<LocalAdapter>,
    log: Arc<Mutex<Vec<String>>>,
    namespace: Arc<Mutex<Option<LocalNamespace>>>,
}

impl Recording {
    fn record(&self, entry: String) -> Option<AdapterFuture<'static, ()>> {
        self.log.lock().unwrap().push(entry);
        Some(Box::pin(std::future::ready(Ok(()))))
    }
}

impl Adapter for Recording {
    fn init(&self, namespace: LocalNamespace) {
        *self.namespace.lock().unwrap() = Some(namespace);
    }
    local_rooms!(local);
    fn broadcast_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.record(format!("broadcast {} to {:?}", packet.text, opts.rooms))
    }
    fn broadcast_with_ack_remote(
        &self,
        _: EncodedPacket,
        _: BroadcastOptions,
        _: Duration,
    ) -> Option<AdapterFuture<'static, RemoteAcks>> {
        let response = |v: &str| AckResponse {
            args: EventArgs::parse(v.into()).unwrap(),
            attachments: Vec::new(),
        };
        Some(Box::pin(std::future::ready(Ok(RemoteAcks {
            expected: 3,
            responses: vec![response("[\"n2\"]"), response("[\"n3\"]")],
        }))))
    }
    fn fetch_remote_sockets(
        &self,
        _: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, Vec<RemoteSocket>>> {
        let remote = RemoteSocket {
            id: Sid::new().to_string(),
            rooms: vec!["r".into()],
            handshake: serde_json::json!({}),
            data: serde_json::json!({"node": 2}),
        };
        Some(Box::pin(std::future::ready(Ok(vec![remote]))))
    }
    fn add_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.record(format!("join {rooms:?} for {:?}", opts.rooms))
    }
    fn disconnect_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.record(format!("disconnect {:?}", opts.rooms))
    }
    fn server_count(&self) -> AdapterFuture<'static, usize> {
        Box::pin(std::future::ready(Ok(2)))
    }
}

#[tokio::test]
async fn cluster_operations_reach_the_adapter_and_local_ones_do_not() {
    let adapter = Recording::default();
    let log = adapter.log.clone();
    let io = Server::builder()
        .ping_interval(Duration::from_secs(10))
        .adapter({
            let adapter = adapter.clone();
            move || adapter.clone()
        })
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    ws.next_text().await;
    ws.send_text("40").await;
    ws.next_text().await;

    assert_eq!(io.emit_raw("all", &1).unwrap(), 1);
    assert_eq!(ws.next_text().await, r#"42["all",1]"#);
    io.to("r").local().emit_raw("local only", &()).unwrap();
    io.to("r").join("s");
    let ops = io.of("/").unwrap();
    assert_eq!(ops.server_count().await.unwrap(), 2);
    let remote = ops.fetch_remote_sockets().await.unwrap();
    assert_eq!(remote[0].data["node"], 2);
    assert!(
        ops.clone()
            .local()
            .fetch_remote_sockets()
            .await
            .unwrap()
            .is_empty()
    );
    let acks = tokio::spawn({
        let ops = ops.clone();
        async move {
            ops.timeout(Duration::from_secs(5))
                .emit_raw_with_ack::<_, String>("who", &())
                .await
        }
    });
    let question = ws.next_text().await;
    let id = ack_id(&question);
    ws.send_text(&format!(r#"43{id}["n1"]"#)).await;
    let acks = acks.await.unwrap().unwrap();
    assert_eq!(acks.local.len(), 1);
    assert_eq!(acks.local[0].1.as_ref().unwrap(), "n1");
    assert_eq!(acks.remote.len(), 3);
    assert_eq!(acks.remote[0].as_ref().unwrap(), "n2");
    assert!(matches!(acks.remote[2], Err(AckError::Timeout)));
    let from_remote = EncodedPacket::event("/", "from-remote", None, &7, Vec::new()).unwrap();
    let namespace = adapter.namespace.lock().unwrap().clone().unwrap();
    assert_eq!(namespace.path().as_deref(), Some("/"));
    assert_eq!(
        namespace.deliver(&from_remote, &BroadcastOptions::default()),
        1
    );
    assert_eq!(ws.next_text().await, r#"42["from-remote",7]"#);
    io.to("gone").disconnect();
    eventually("remote operations recorded", || {
        log.lock().unwrap().len() == 3
    })
    .await;
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![
            r#"broadcast 42["all",1] to []"#.to_string(),
            r#"join ["s"] for ["r"]"#.to_string(),
            r#"disconnect ["gone"]"#.to_string(),
        ]
    );
}
