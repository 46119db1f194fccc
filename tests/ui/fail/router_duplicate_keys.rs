use fastsio::prelude::*;

#[event("a")]
async fn a() {}

#[derive(Router)]
#[router(namespace = "/x", namespace = "/y", events(a), events(a))]
struct Twice;

#[derive(serde::Serialize, ServerEvent)]
#[server_event("one")]
#[server_event("two")]
struct TwoNames;

fn main() {}
