//! Handlers several client suites serve alike.

use std::future::Ready;

use bytes::Bytes;
use fastsio::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use crate::payloads::placeholder;

async fn whoami(socket: SocketRef) -> Ack<String> {
    Ack(socket.ns().to_string())
}

async fn hello(socket: SocketRef) {
    let _ = socket.emit_raw("hello", socket.ns());
}

/// `/` and `/admin`, each acking `whoami` with its own path; `/admin` also emits `hello`
/// (its path) on connect.
pub fn main_and_admin() -> [Routes; 2] {
    [
        Routes::new("/").on("whoami", whoami),
        Routes::new("/admin").on_connect(hello).on("whoami", whoami),
    ]
}

/// Acks with its payload.
pub async fn echo(Data(v): Data<Value>) -> Ack<Value> {
    Ack(v)
}

/// Acks with its arguments, attachments included.
pub async fn bin_echo(args: RawArgs) -> RawArgs {
    args
}

/// Emits `bin-back` with its attachments in reverse order, each byte inverted, behind
/// placeholders in nested JSON, and their count.
pub async fn bin_back(socket: SocketRef, Bin(bins): Bin) {
    let inverted: Vec<Bytes> = bins
        .iter()
        .rev()
        .map(|b| b.iter().map(|x| x ^ 0xff).collect::<Vec<u8>>().into())
        .collect();
    let data = json!({
        "first": placeholder(0),
        "nested": { "list": [placeholder(1)] },
        "count": bins.len(),
    });
    socket.emit_binary("bin-back", &data, inverted).unwrap();
}

/// Acks with each attachment's length and byte sum, and reports the attachments to `report`.
pub fn bin_info(
    report: UnboundedSender<Vec<Bytes>>,
) -> impl Fn(Bin) -> Ready<Ack<Vec<(usize, u64)>>> + Clone + Send + Sync + 'static {
    move |Bin(bins): Bin| {
        let info = bins
            .iter()
            .map(|b| (b.len(), b.iter().map(|&x| u64::from(x)).sum()))
            .collect();
        let _ = report.send(bins);
        std::future::ready(Ack(info))
    }
}

/// `greet (name, n)`: emits `greeting ("hello {name}", n * 2)`.
pub async fn greet(socket: SocketRef, Data((name, n)): Data<(String, u32)>) {
    socket
        .emit_raw("greeting", &(format!("hello {name}"), n * 2))
        .unwrap();
}

/// Two numbers to add.
#[derive(Deserialize)]
pub struct Sum {
    a: i64,
    b: i64,
}

/// Acks with `a + b`.
pub async fn sum(Data(s): Data<Sum>) -> Ack<i64> {
    Ack(s.a + s.b)
}

/// Always answers the ack error `{"code": "nope", "message": "refused"}`.
pub async fn fail() -> Result<Ack<()>, AckErrorBody> {
    Err(AckErrorBody::new("nope", "refused"))
}
