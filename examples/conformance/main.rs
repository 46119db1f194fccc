//! The conformance server for the official protocol test suites.
//!
//! `PORT=3000 cargo run --release --example conformance` listens on 127.0.0.1:$PORT.

use fastsio::service::serve;
use fastsio_examples::conformance;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("conformance server listening on http://127.0.0.1:{port}");
    let io = conformance::socket_io()?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(
        listener,
        conformance::service(&io, conformance::echo_engine()),
        shutdown,
    )
    .await?;
    io.close();
    Ok(())
}
