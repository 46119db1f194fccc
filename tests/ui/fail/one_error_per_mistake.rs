//! A mistake reported where the handler is written is not reported again where a router
//! registers it.
use fastsio::prelude::*;

#[event("answer")]
async fn answer() -> std::time::Instant {
    std::time::Instant::now()
}

#[event("by_ref")]
async fn by_ref(socket: &SocketRef) {
    let _ = socket;
}

#[derive(Router)]
#[router(events(answer, by_ref))]
struct Mistakes;

fn main() {
    let _ = Server::builder().router(Mistakes).build();
}
