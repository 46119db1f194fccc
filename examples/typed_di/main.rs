//! The seed's "With Type Safety and Dependency Injection" (see `examples/src/typed_di.rs`).
//!
//! `PORT=3000 cargo run --example typed_di` listens on 127.0.0.1:$PORT (Socket.IO at `/socket.io/`);
//! `RUST_LOG=debug` shows more.

use fastsio_examples::launch;
use fastsio_examples::typed_di;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("typed_di example (Socket.IO at /socket.io/)").await?;
    let io = typed_di::socket_io()?;
    io.serve(listener, launch::ctrl_c()).await?;
    Ok(())
}
