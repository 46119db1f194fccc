use fastsio::prelude::*;

#[event("say")]
async fn say(Data(text): Data<String>, socket: SocketRef) {
    let _ = (text, socket);
}

#[event("two")]
async fn two(Data(a): Data<u8>, Bin(b): Bin) {
    let _ = (a, b);
}

fn main() {}
