use fastsio::prelude::*;

#[event("ping")]
async fn ping() {}

#[event("ping")]
async fn ping_again() {}

#[derive(Router)]
#[router(namespace = "/", events(ping, ping_again))]
struct Dup;

fn main() {}
