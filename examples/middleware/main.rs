//! The seed's "Middlewares for Cross-Cutting Concerns" (see `examples/src/middleware.rs`).
//!
//! `PORT=3000 cargo run --example middleware` listens on 127.0.0.1:$PORT (Socket.IO at `/socket.io/`);
//! `RUST_LOG=debug` shows more.

use fastsio_examples::launch;
use fastsio_examples::middleware;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("middleware example (Socket.IO at /socket.io/)").await?;
    let io = middleware::socket_io()?;
    io.serve(listener, launch::ctrl_c()).await?;
    Ok(())
}
