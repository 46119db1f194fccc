//! The fastsio side of the client tests (`client_interop.rs`, `client_msgpack.rs`): the event
//! types the client shares with the server, and handlers answering the same contract as
//! `tests/js-server/server.mjs` and `tests/py/server.py`.

use std::time::Duration;

use bytes::Bytes;
use fastsio::ConnectError as Refusal;
use fastsio::extract::RawArgs;
use fastsio::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Bound on every wait: only a broken build gets near it.
pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Serialize, Deserialize, ServerEvent)]
#[server_event("greet", ack = String)]
pub struct Greet {
    pub text: String,
}

#[derive(Serialize, Deserialize, ServerEvent)]
#[server_event("echo", ack = Echoed)]
pub struct Echo {
    pub n: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Echoed {
    pub n: u32,
}

pub async fn on_connect(socket: SocketRef, Auth(auth): Auth<Value>) -> Result<(), Refusal> {
    if auth["name"] == "bad" {
        return Err(Refusal::new("not allowed").with_data(json!({"code": 7})));
    }
    let _ = socket.emit(&Greet {
        text: format!("hi {}", auth["name"].as_str().unwrap_or("?")),
    });
    Ok(())
}

pub async fn echo(Data(e): Data<Echo>) -> Ack<Echoed> {
    Ack(Echoed { n: e.n })
}

/// Asks the client a question (an emit with ack) and acks with its answer.
pub async fn ask_back(socket: SocketRef) -> Ack<String> {
    let answer = socket
        .emit_with_ack(
            &Greet {
                text: "question".into(),
            },
            WAIT,
        )
        .await;
    Ack(answer.unwrap_or_else(|e| format!("no answer: {e}")))
}

/// Sends the attachments back, reversed, as event `bin`, and acks with their count.
pub async fn bin(socket: SocketRef, raw: RawArgs) -> Ack<usize> {
    let reversed: Vec<Bytes> = raw
        .attachments
        .iter()
        .map(|a| a.iter().rev().copied().collect::<Vec<u8>>().into())
        .collect();
    let n = reversed.len();
    let placeholders: Vec<Value> = (0..n)
        .map(|i| json!({"_placeholder": true, "num": i}))
        .collect();
    let _ = socket.emit_binary("bin", &placeholders, reversed);
    Ack(n)
}

/// Sends the argument back as event `n`.
pub async fn relay(socket: SocketRef, Data(v): Data<Value>) {
    let _ = socket.emit_raw("n", &v);
}

/// Acks with the handshake's `x-test` header and `token` query parameter.
pub async fn whoami(hs: Handshake) -> Ack<Value> {
    Ack(json!({
        "header": hs.headers.get("x-test").and_then(|v| v.to_str().ok()),
        "token": hs.query_param("token"),
    }))
}

/// Namespace `ns` with every handler above: `echo`, `ask_back`, `bin`, `relay` and `whoami`.
pub fn routes(ns: &str) -> Routes {
    Routes::new(ns)
        .on_connect(on_connect)
        .on("echo", echo)
        .on("ask_back", ask_back)
        .on("bin", bin)
        .on("relay", relay)
        .on("whoami", whoami)
}
