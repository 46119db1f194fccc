use fastsio::prelude::*;

#[event]
async fn join_room(socket: SocketRef) {
    let _ = socket;
}



#[event("painted", colour = "blue", state = (), state = ())]
async fn painted() {}
fn main() {}
