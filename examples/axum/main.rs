//! The seed's "FastAPI Integration", with axum (see `examples/src/axum.rs`): HTTP routes and
//! Socket.IO on one port.
//!
//! `PORT=3000 cargo run --example axum` listens on 127.0.0.1:$PORT; try
//! `curl http://127.0.0.1:3000/health` and `curl http://127.0.0.1:3000/stats`.

use fastsio_examples::axum as example;

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
    println!("axum example on http://127.0.0.1:{port}/ (Socket.IO at /socket.io/)");
    let io = example::socket_io()?;
    example::serve(listener, io, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
