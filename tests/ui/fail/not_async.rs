use fastsio::prelude::*;

#[event("sync")]
fn not_async(Data(x): Data<u8>, socket: SocketRef) {
    let _ = (x, socket);
}

fn main() {}
