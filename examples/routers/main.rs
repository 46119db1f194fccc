//! The seed's "Routers for Code Organization" (see `examples/src/routers.rs`).
//!
//! `PORT=3000 cargo run --example routers` listens on 127.0.0.1:$PORT (Socket.IO at `/socket.io/`);
//! `RUST_LOG=debug` shows more.

use fastsio_examples::routers;

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
    println!("routers example: Socket.IO on http://127.0.0.1:{port}/socket.io/");
    let io = routers::socket_io()?;
    io.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
