//! The seed's "Quick Start / Simple Server" (see `examples/src/simple.rs`).
//!
//! `PORT=3000 cargo run --example simple` listens on 127.0.0.1:$PORT (Socket.IO at `/socket.io/`);
//! `RUST_LOG=debug` shows more.

use fastsio_examples::launch;
use fastsio_examples::simple;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("simple example (Socket.IO at /socket.io/)").await?;
    let io = simple::socket_io()?;
    io.serve(listener, launch::ctrl_c()).await?;
    Ok(())
}
