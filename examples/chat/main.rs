//! The chat demo. `PORT=3000 cargo run --release --example chat` (or `scripts/chat.sh`, which
//! first installs the client bundle) and open http://127.0.0.1:3000/.

use fastsio::service::serve;
use fastsio_examples::chat;
use fastsio_examples::launch;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("chat demo").await?;
    let io = chat::socket_io()?;
    let shutdown = launch::ctrl_c();
    serve(listener, chat::service(&io), shutdown).await?;
    io.close();
    Ok(())
}
