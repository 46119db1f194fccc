//! The dispatch path, without a network: an event with an ack request goes in through the
//! service (a polling POST), is decoded, dispatched to its handler, whose ack comes back out
//! (the next polling GET). What one acknowledged event costs the server, minus the sockets.
//!
//! `cargo bench -p fastsio --bench dispatch`

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use fastsio::prelude::*;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use serde::{Deserialize, Serialize};
use tower_service::Service;

#[derive(Serialize, Deserialize)]
struct Message {
    room: String,
    text: String,
}

async fn echo(args: RawArgs) -> RawArgs {
    args
}

async fn typed(Data(msg): Data<Message>) -> Ack<Message> {
    Ack(msg)
}

struct Client {
    service: fastsio::service::EngineService<fastsio::SioHandler>,
    url: String,
}

impl Client {
    async fn request(&mut self, method: Method, body: &'static str) -> Bytes {
        let req = Request::builder()
            .method(method)
            .uri(&self.url)
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("a valid request");
        let res = self.service.call(req).await.expect("infallible");
        res.into_body()
            .collect()
            .await
            .expect("an in-memory body")
            .to_bytes()
    }

    async fn connect(io: &Io) -> Client {
        let mut client = Client {
            service: io.service(),
            url: "/socket.io/?EIO=4&transport=polling".into(),
        };
        let open = client.request(Method::GET, "").await;
        let open: serde_json::Value = serde_json::from_slice(&open[1..]).expect("an open packet");
        let sid = open["sid"].as_str().expect("a sid").to_owned();
        client.url = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
        client.request(Method::POST, "40").await;
        let connected = client.request(Method::GET, "").await;
        assert!(connected.starts_with(b"40{"), "connected: {connected:?}");
        client
    }
}

fn dispatch(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let io = Server::builder()
        .routes(Routes::new("/").on("echo", echo).on("typed", typed))
        .build()
        .expect("a server");
    let mut client = runtime.block_on(Client::connect(&io));
    let mut round_trip = |name: &str, event: &'static str| {
        c.bench_function(name, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    client.request(Method::POST, event).await;
                    let ack = client.request(Method::GET, "").await;
                    assert!(ack.starts_with(b"431["), "ack: {ack:?}");
                })
            })
        });
    };
    round_trip(
        "dispatch/raw_echo_ack",
        r#"421["echo",{"room":"lobby","text":"hi"}]"#,
    );
    round_trip(
        "dispatch/typed_ack",
        r#"421["typed",{"room":"lobby","text":"hi"}]"#,
    );
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
