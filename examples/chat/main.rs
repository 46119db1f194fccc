//! The chat demo. `PORT=3000 cargo run --release --example chat` (or `scripts/chat.sh`, which
//! first installs the client bundle) and open http://127.0.0.1:3000/. With `REDIS_URL` set,
//! several chat processes (on different ports) on that Redis form one chat, and need no sticky
//! sessions: behind a round-robin load balancer, any node serves any client's requests (the
//! Redis adapter and the `RedisEngine`; see docs/scaling-out.md). With `REDIS_CLUSTER` set to
//! comma-separated node URLs instead, the adapter runs on that Redis Cluster.
//! `cargo run --example chat -- --typescript` prints the chat's TypeScript declarations for
//! `socket.io-client` and exits.

use fastsio::service::serve;
use fastsio_examples::chat;
use fastsio_examples::launch;
use fastsio_redis::RedisConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if chat::Command::from_args(std::env::args().skip(1)) == chat::Command::PrintTypeScript {
        print!("{}", chat::typescript()?);
        return Ok(());
    }
    let listener = launch::listen("chat demo").await?;
    let redis = match (std::env::var("REDIS_CLUSTER"), std::env::var("REDIS_URL")) {
        (Ok(nodes), _) => Some(RedisConfig::cluster(nodes.split(','))),
        (_, Ok(url)) => Some(RedisConfig::new(url)),
        _ => None,
    };
    let io = match redis {
        Some(redis) => chat::clustered_socket_io(redis)?,
        None => chat::socket_io()?,
    };
    let shutdown = launch::ctrl_c();
    serve(listener, chat::service(&io), shutdown).await?;
    io.close();
    Ok(())
}
