//! The chat demo. `PORT=3000 cargo run --release --example chat` (or `scripts/chat.sh`, which
//! first installs the client bundle) and open http://127.0.0.1:3000/.

use fastsio::service::serve;
use fastsio_examples::chat;

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
    println!("chat demo on http://127.0.0.1:{port}/");
    let io = chat::socket_io()?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(listener, chat::service(&io), shutdown).await?;
    io.close();
    Ok(())
}
