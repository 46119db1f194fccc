//! The chat demo. `PORT=3000 cargo run --release --example chat` (or `scripts/chat.sh`, which
//! first installs the client bundle) and open http://127.0.0.1:3000/. With `REDIS_URL` set,
//! several chat processes (on different ports) on that Redis form one chat, and need no sticky
//! sessions: behind a round-robin load balancer, any node serves any client's requests (the
//! Redis adapter and the `RedisEngine`; see docs/scaling-out.md).

use fastsio::service::serve;
use fastsio_examples::chat;
use fastsio_examples::launch;
use fastsio_redis::RedisConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("chat demo").await?;
    let io = match std::env::var("REDIS_URL") {
        Ok(url) => chat::clustered_socket_io(RedisConfig::new(url))?,
        Err(_) => chat::socket_io()?,
    };
    let shutdown = launch::ctrl_c();
    serve(listener, chat::service(&io), shutdown).await?;
    io.close();
    Ok(())
}
