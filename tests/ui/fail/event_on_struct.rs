use fastsio::prelude::*;

#[event("joined")]
struct Joined {
    room: String,
}

fn main() {}
