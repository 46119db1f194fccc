//! Emitting from handlers over a real socket: `socket.emit(..)?` in a handler returning
//! `Result<_, AckErrorBody>` sends the event when it encodes, and answers the ack with an
//! `emit_failed` error when it does not.

use fastsio::prelude::*;
use fastsio_tests::server::TestServer;
use fastsio_tests::sio;
use serde::{Serialize, Serializer};
use serde_json::Value;

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
    let server = TestServer::start(io.service()).await;
    let (mut ws, _) = sio::connect(&server, "/").await;

    ws.send_text(r#"421["relay","ok"]"#).await;
    assert_eq!(ws.next_text().await, r#"42["relayed","hello"]"#);
    assert_eq!(ws.next_text().await, r#"431["sent"]"#);

    ws.send_text(r#"422["relay","bad"]"#).await;
    let reply = ws.next_text().await;
    let body: Value = serde_json::from_str(reply.strip_prefix("432").unwrap()).unwrap();
    assert_eq!(body[0]["error"]["code"], "emit_failed", "{reply}");
    let message = body[0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("not representable as JSON"), "{reply}");

    ws.send_text(r#"423["relay","ok"]"#).await;
    assert_eq!(ws.next_text().await, r#"42["relayed","hello"]"#);
    assert_eq!(ws.next_text().await, r#"433["sent"]"#);
}
