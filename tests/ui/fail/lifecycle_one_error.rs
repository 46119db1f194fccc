//! A connect or disconnect handler's mistake is reported where the handler is written, not
//! again where a router registers it.
use fastsio::prelude::*;

#[connect]
async fn on_connect() -> u32 {
    7
}

#[disconnect]
async fn on_disconnect() -> bool {
    true
}

#[derive(Router)]
#[router(connect = on_connect, disconnect = on_disconnect)]
struct Lifecycle;

fn main() {
    let _ = Server::builder().router(Lifecycle).build();
}
