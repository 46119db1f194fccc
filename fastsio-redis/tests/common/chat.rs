//! `examples/chat` scaled out: chat servers on one Redis (its adapter and its engine).

use fastsio::prelude::*;
use fastsio_examples::chat;
use fastsio_redis::RedisConfig;
use fastsio_tests::server::{TestServer, eventually_async};

/// `n` chat servers on the Redis at `url`, under `prefix`, once every one of them is subscribed
/// (`/chat` counts `n` servers).
pub async fn chat_nodes(url: &str, prefix: &str, n: usize) -> Vec<(Io, TestServer)> {
    let mut nodes = Vec::new();
    for _ in 0..n {
        let io = chat::clustered_socket_io(RedisConfig::new(url).prefix(prefix)).unwrap();
        let server = TestServer::start_http(chat::service(&io)).await;
        nodes.push((io, server));
    }
    for (io, _) in &nodes {
        let ops = io.of("/chat").unwrap();
        eventually_async("every chat server subscribed", || {
            let ops = ops.clone();
            async move { ops.server_count().await.ok() == Some(n) }
        })
        .await;
    }
    nodes
}
