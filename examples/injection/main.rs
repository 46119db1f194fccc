//! The seed's "Available Types for Injection": every extractor (see `examples/src/injection.rs`).
//!
//! `PORT=3000 cargo run --example injection` listens on 127.0.0.1:$PORT (Socket.IO at `/socket.io/`);
//! `RUST_LOG=debug` shows more.

use fastsio_examples::injection;
use fastsio_examples::launch;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("injection example (Socket.IO at /socket.io/)").await?;
    let io = injection::socket_io()?;
    io.serve(listener, launch::ctrl_c()).await?;
    Ok(())
}
