use fastsio::prelude::*;

#[derive(serde::Serialize, ServerEvent)]
struct Joined {
    room: String,
}

#[derive(serde::Serialize, ServerEvent)]
#[server_event("connect_error", reply = u8)]
struct Bad;

fn main() {}
