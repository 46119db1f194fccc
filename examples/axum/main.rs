//! The seed's "FastAPI Integration", with axum (see `examples/src/axum.rs`): HTTP routes and
//! Socket.IO on one port.
//!
//! `PORT=3000 cargo run --example axum` listens on 127.0.0.1:$PORT; try
//! `curl http://127.0.0.1:3000/health` and `curl http://127.0.0.1:3000/stats`.

use fastsio_examples::axum as example;
use fastsio_examples::launch;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("axum example (Socket.IO at /socket.io/)").await?;
    let io = example::socket_io()?;
    example::serve(listener, io, launch::ctrl_c()).await?;
    Ok(())
}
