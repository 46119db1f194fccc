//! An extractor in the wrong kind of handler, in any position and whether or not the handler
//! declares its state, is reported with the kinds of handler it belongs to.
use fastsio::prelude::*;

#[derive(serde::Deserialize)]
struct Token {
    token: String,
}

#[event("hello")]
async fn hello(socket: SocketRef, Auth(t): Auth<Token>) {
    let _ = (socket, t.token);
}

#[event("bye")]
async fn bye(Reason(r): Reason) {
    let _ = r;
}

#[connect]
async fn on_connect(Data(d): Data<u8>) {
    let _ = d;
}

#[disconnect]
async fn on_disconnect(Data(d): Data<u8>) {
    let _ = d;
}

#[derive(Clone)]
struct AppState;

#[event("stateful", state = AppState)]
async fn stateful(Auth(t): Auth<Token>) {
    let _ = t.token;
}

#[disconnect(state = AppState)]
async fn stateful_left(Valid(v): Valid<u8>) {
    let _ = v;
}

fn main() {}
