use fastsio::prelude::*;

#[derive(serde::Deserialize)]
struct Token {
    token: String,
}

#[event("hello")]
async fn hello(Auth(t): Auth<Token>) {
    let _ = t.token;
}

#[connect]
async fn on_connect(Reason(r): Reason, Data(d): Data<u8>) {
    let _ = (r, d);
}

#[disconnect]
async fn on_disconnect(Event(e): Event) {
    let _ = e;
}

fn main() {}
