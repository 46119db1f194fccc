//! Handlers several client suites serve alike.

use fastsio::prelude::*;

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
