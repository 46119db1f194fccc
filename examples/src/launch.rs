//! What every example binary does first: logging and a loopback listener on `$PORT`.

use tokio::net::TcpListener;

/// Logs at `RUST_LOG` (default `info`), binds 127.0.0.1:`$PORT` (default 3000) and prints where
/// `what` is served.
pub async fn listen(what: &str) -> std::io::Result<TcpListener> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("{what} on http://127.0.0.1:{port}/");
    Ok(listener)
}

/// Resolves on Ctrl-C.
pub async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}
