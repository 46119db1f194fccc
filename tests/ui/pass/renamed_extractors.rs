//! Extractors are recognised by their traits, not their names: a renamed payload extractor
//! works, and a type of the user's named `Event` is the user's.
use fastsio::extract::{Data as Payload, ExtractError, FromConnectParts};
use fastsio::handler::ConnectContext;
use fastsio::prelude::{Ack, Router, SocketRef, connect, event};

struct Event(String);

impl<S: Sync> FromConnectParts<S> for Event {
    async fn from_connect_parts(cx: &mut ConnectContext, _: &S) -> Result<Self, ExtractError> {
        Ok(Event(cx.socket.id().to_string()))
    }
}

#[connect]
async fn on_connect(socket: SocketRef, Event(id): Event) {
    socket.insert(id);
}

#[event("add")]
async fn add(Payload((a, b)): Payload<(i64, i64)>) -> Ack<i64> {
    Ack(a + b)
}

#[derive(Router)]
#[router(connect = on_connect, events(add))]
struct Calc;

fn main() {
    let _ = fastsio::Server::builder().router(Calc).build();
}
