//! The guide's custom async extractor, `CurrentUser` (see `examples/src/current_user.rs` and
//! `docs/guide/custom-extractors.md`).
//!
//! `PORT=3000 cargo run --example current_user` listens on 127.0.0.1:$PORT (Socket.IO at
//! `/socket.io/`); connect with `io(url, { query: { token: "t-ada" } })`.

use fastsio_examples::current_user;
use fastsio_examples::launch;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("current_user example (Socket.IO at /socket.io/)").await?;
    let io = current_user::socket_io()?;
    io.serve(listener, launch::ctrl_c()).await?;
    Ok(())
}
