//! A command-line client of the chat demo, on fastsio-client:
//!
//! `chat_client --url URL --name NAME [--room ROOM]... [--say TEXT]... [--transport websocket|polling] [--wait SECS]`
//!
//! It prints one JSON line per event and per ack; see `examples/src/chat_client.rs` for the
//! whole contract.

use std::io::Write;
use std::sync::Arc;

use fastsio_examples::chat_client;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let print = Arc::new(|line: String| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    });
    std::process::exit(chat_client::run(&args, print).await);
}
