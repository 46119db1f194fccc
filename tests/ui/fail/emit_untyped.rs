use fastsio::prelude::*;

#[derive(serde::Serialize)]
struct Joined {
    room: String,
}

async fn greet(socket: SocketRef) {
    let _ = socket.emit(&Joined { room: "lobby".into() });
}

fn main() {
    let _ = greet;
}
