//! The conformance server for the official protocol test suites.
//!
//! `PORT=3000 cargo run --release --example conformance` listens on 127.0.0.1:$PORT.

use fastsio::service::serve;
use fastsio_examples::conformance;
use fastsio_examples::launch;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("conformance server").await?;
    let io = conformance::socket_io()?;
    let shutdown = launch::ctrl_c();
    serve(
        listener,
        conformance::service(&io, conformance::echo_engine()),
        shutdown,
    )
    .await?;
    io.close();
    Ok(())
}
