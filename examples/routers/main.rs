//! The seed's "Routers for Code Organization" (see `examples/src/routers.rs`).
//!
//! `PORT=3000 cargo run --example routers` listens on 127.0.0.1:$PORT (Socket.IO at `/socket.io/`);
//! `RUST_LOG=debug` shows more.

use fastsio_examples::launch;
use fastsio_examples::routers;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("routers example (Socket.IO at /socket.io/)").await?;
    let io = routers::socket_io()?;
    io.serve(listener, launch::ctrl_c()).await?;
    Ok(())
}
