use fastsio::prelude::*;

#[event("plain")]
async fn plain(text: String) {
    let _ = text;
}

#[derive(Router)]
#[router(events(plain))]
struct Plain;

fn main() {
    let _ = Server::builder().router(Plain).build();
}
