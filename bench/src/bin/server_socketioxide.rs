//! The socketioxide bench server: the same contract as `server-fastsio` (see
//! `docs/performance.md`), written as socketioxide's docs show (a layer on axum), default
//! settings, on 127.0.0.1:$PORT (default 3000).

use axum::serve::ListenerExt;
use fastsio_bench::{server_port, server_runtime};
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};

fn on_connect(socket: SocketRef) {
    // Acknowledged with the same data.
    socket.on("echo", async |ack: AckSender, Data(data): Data<Value>| {
        let _ = ack.send(&data);
    });
    // Relayed to every socket of `/`, the sender included.
    socket.on(
        "broadcast",
        async |io: SocketIo, Data(data): Data<Value>| {
            let _ = io.emit("broadcast", &data).await;
        },
    );
    socket.on(
        "join",
        async |socket: SocketRef, ack: AckSender, Data(room): Data<String>| {
            socket.join(room);
            let _ = ack.send("ok");
        },
    );
    socket.on(
        "to_room",
        async |socket: SocketRef, Data((room, data)): Data<(String, Value)>| {
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
    let (layer, io) = SocketIo::new_layer();
    io.ns("/", async |socket: SocketRef| on_connect(socket));
    let app = axum::Router::new().layer(layer);
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
