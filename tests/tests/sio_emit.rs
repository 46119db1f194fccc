//! Emitting from handlers over a real socket (in-process, through `fastsio_client::testing`):
//! `socket.emit(..)?` in a handler returning `Result<_, AckErrorBody>` sends the event when it
//! encodes, and answers the ack with an `emit_failed` error when it does not.

use std::time::Duration;

use fastsio::prelude::*;
use fastsio_client::testing::{TestClient, TestServer};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// Bound on every wait: only a broken build gets near it.
const WAIT: Duration = Duration::from_secs(10);

/// A value whose serialisation always fails, as a map with non-string keys would.
struct Unencodable;

impl Serialize for Unencodable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("not representable as JSON"))
    }
}

async fn relay(
    socket: SocketRef,
    Data(what): Data<String>,
) -> Result<Ack<&'static str>, AckErrorBody> {
    if what == "ok" {
        socket.emit_raw("relayed", "hello")?;
    } else {
        socket.emit_raw("relayed", &Unencodable)?;
    }
    Ok(Ack("sent"))
}

#[tokio::test]
async fn a_failed_emit_answers_the_ack_with_emit_failed() {
    let io = Server::builder()
        .routes(Routes::new("/").on("relay", relay))
        .build()
        .unwrap();
    let server = TestServer::in_process(io.service());
    let mut client = TestClient::connect(&server, "/").await.unwrap();
    let socket = client.socket().clone();

    let ack: String = socket.emit_raw_with_ack("relay", "ok", WAIT).await.unwrap();
    assert_eq!(ack, "sent");
    let relayed = client.expect_raw("relayed", WAIT).await.unwrap();
    assert_eq!(relayed.data::<String>().unwrap(), "hello");

    let reply: Value = socket
        .emit_raw_with_ack("relay", "bad", WAIT)
        .await
        .unwrap();
    assert_eq!(reply["error"]["code"], "emit_failed", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("not representable as JSON"), "{reply}");

    let ack: String = socket.emit_raw_with_ack("relay", "ok", WAIT).await.unwrap();
    assert_eq!(ack, "sent");
    let relayed = client.expect_raw("relayed", WAIT).await.unwrap();
    assert_eq!(relayed.data::<String>().unwrap(), "hello");
}
