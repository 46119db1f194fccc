//! Mistakes in handlers that no router registers: each fails where the handler is written.
use fastsio::prelude::*;

struct NotDeserialize;

#[event("clock")]
async fn clock(t: std::time::Instant) {
    let _ = t;
}

#[event("answer")]
async fn answer() -> std::time::Instant {
    std::time::Instant::now()
}

#[event("payload")]
async fn payload(Data(d): Data<NotDeserialize>) {
    let _ = d;
}

#[derive(serde::Deserialize)]
struct NotValidate {
    name: String,
}

#[event("validated")]
async fn validated(Valid(v): Valid<NotValidate>) {
    let _ = v.name;
}

#[event("by_ref")]
async fn by_ref(socket: &SocketRef) {
    let _ = socket;
}

#[connect]
async fn refuses() -> Result<(), String> {
    Ok(())
}

#[disconnect]
async fn leaves() -> u8 {
    0
}

fn main() {}
