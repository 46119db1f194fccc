//! A handler whose future cannot move between threads fails to compile where it is written,
//! once, even though a router registers it (it is never silently left out).
use fastsio::prelude::*;

#[event("count")]
async fn count(Data(n): Data<u32>) -> Ack<u32> {
    let shared = std::rc::Rc::new(n);
    tokio::task::yield_now().await;
    Ack(*shared)
}

#[derive(Router)]
#[router(events(count))]
struct Counter;

fn main() {
    let _ = Server::builder().router(Counter).build();
}
