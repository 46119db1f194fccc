//! A handler named in the wrong list of a router does not compile.
use fastsio::prelude::*;

#[event("ping")]
async fn ping() {}

#[derive(Router)]
#[router(disconnect = ping)]
struct Lifecycle;

fn main() {
    let _ = Server::builder().router(Lifecycle).build();
}
