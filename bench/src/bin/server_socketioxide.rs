//! The socketioxide bench server: the same contract as `server-fastsio` (see
//! `docs/performance.md`), written as socketioxide's docs show (a layer on axum), default
//! settings, on 127.0.0.1:$PORT (default 3000).
//!
//! With `REDIS_URL` set, it is one node of a cluster on that Redis through `socketioxide-redis`
//! (its `redis` driver, RESP3, as its docs show): the cross-node cases of
//! `scripts/bench-redis.sh`.

use axum::serve::ListenerExt;
use fastsio_bench::{server_port, server_runtime};
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide_redis::{RedisAdapter, RedisAdapterCtr};

fn on_connect<A: Adapter>(socket: SocketRef<A>) {
    // Acknowledged with the same data.
    socket.on(
        "echo",
        async |ack: AckSender<A>, Data(data): Data<Value>| {
            let _ = ack.send(&data);
        },
    );
    // Relayed to every socket of `/`, the sender included.
    socket.on(
        "broadcast",
        async |io: SocketIo<A>, Data(data): Data<Value>| {
            let _ = io.emit("broadcast", &data).await;
        },
    );
    socket.on(
        "join",
        async |socket: SocketRef<A>, ack: AckSender<A>, Data(room): Data<String>| {
            socket.join(room);
            let _ = ack.send("ok");
        },
    );
    socket.on(
        "to_room",
        async |socket: SocketRef<A>, Data((room, data)): Data<(String, Value)>| {
            let _ = socket.within(room).emit("room", &data).await;
        },
    );
}

/// On the runtime `BENCH_RUNTIME` selects (see [`server_runtime`]).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    server_runtime()?.block_on(serve())
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let port = server_port();
    let app = match std::env::var("REDIS_URL") {
        Ok(url) => {
            let client = redis::Client::open(format!("{url}?protocol=resp3"))?;
            let adapter = RedisAdapterCtr::new_with_redis(&client).await?;
            let (layer, io) = SocketIo::builder()
                .with_adapter::<RedisAdapter<_>>(adapter)
                .build_layer();
            io.ns("/", async |socket: SocketRef<RedisAdapter<_>>| {
                on_connect(socket)
            })
            .await?;
            axum::Router::new().layer(layer)
        }
        Err(_) => {
            let (layer, io) = SocketIo::new_layer();
            io.ns("/", async |socket: SocketRef| on_connect(socket));
            axum::Router::new().layer(layer)
        }
    };
    // Same TCP settings as the other servers: no Nagle delay.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    println!("server-socketioxide listening on 127.0.0.1:{port}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
