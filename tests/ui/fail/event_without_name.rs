use fastsio::prelude::*;

#[event]
async fn join_room(socket: SocketRef) {
    let _ = socket;
}

fn main() {}
