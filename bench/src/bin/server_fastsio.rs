//! The fastsio bench server (the contract every bench server follows, see `docs/performance.md`):
//!
//! - namespace `/`, path `/socket.io/`, default settings, on 127.0.0.1:$PORT (default 3000);
//! - `echo`: acknowledged with the same arguments;
//! - `broadcast`: emitted as `broadcast`, same arguments, to every socket of the namespace
//!   (the sender included);
//! - `join` (room name): the socket joins the room, acknowledged with `"ok"`;
//! - `to_room` (room name, data): `room` with `data` emitted to every socket in the room;
//! - `block` (milliseconds, at most 1000): busy-loops that long on its thread, then acks with no
//!   argument (a handler that blocks, for the `block` scenario; fastsio's servers only).
//!
//! With `REDIS_URL` set, it is one node of a cluster on that Redis (`fastsio-redis`): its
//! broadcasts reach the sockets of the other nodes too (the cross-node cases of
//! `scripts/bench-redis.sh`). `REDIS_ADAPTER=sharded` puts it on Redis 7 sharded pub/sub
//! (`ShardedRedisCluster`) instead of the classic one; `REDIS_CLUSTER` (comma-separated node
//! URLs) puts it on a Redis Cluster instead of the one server of `REDIS_URL`.
//!
//! With `BENCH_RECOVERY=1` (server `fastsio-recovery` in scripts/bench.sh) connection state
//! recovery is on: every emit is also kept for replay, which measures what that costs.
//!
//! With `BENCH_CONTRACT=1` (server `fastsio-contract` in scripts/bench.sh) the API contract is
//! on: the AsyncAPI document and the TypeScript declarations are built at `build()` and their
//! routes served beside the Socket.IO path, which measures what the contract costs per event
//! and per polling request.

use fastsio::prelude::*;
use fastsio_bench::{server_port, server_runtime};
use fastsio_redis::{RedisCluster, RedisConfig, ShardedRedisCluster};
use serde_json::value::RawValue;

/// Acknowledged with the raw arguments, untouched.
async fn echo(args: RawArgs) -> RawArgs {
    args
}

/// Relayed raw to every socket of `/`.
async fn broadcast(io: Io, args: RawArgs) {
    let _ = io.emit_raw("broadcast", &args);
}

async fn join(socket: SocketRef, Data(room): Data<String>) -> Ack<&'static str> {
    socket.join(room);
    Ack("ok")
}

async fn to_room(socket: SocketRef, Data((room, data)): Data<(String, Box<RawValue>)>) {
    let _ = socket.within(room).emit_raw("room", &data);
}

/// Spins on its thread for the given milliseconds (at most 1000), never yielding: CPU work a
/// user forgot to move to `spawn_blocking`.
async fn block(Data(ms): Data<u64>) {
    let until = std::time::Instant::now() + std::time::Duration::from_millis(ms.min(1000));
    while std::time::Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// A middleware that only passes events on: with `BENCH_MIDDLEWARE=1` (server `fastsio-mw`
/// in scripts/bench.sh) every event crosses it, which measures what one middleware costs.
struct PassThrough;

impl fastsio::middleware::Middleware for PassThrough {}

/// On the runtime `BENCH_RUNTIME` selects (see [`server_runtime`]).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    server_runtime()?.block_on(serve())
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let port = server_port();
    let with_middleware = std::env::var("BENCH_MIDDLEWARE").is_ok_and(|v| v == "1");
    let with_recovery = std::env::var("BENCH_RECOVERY").is_ok_and(|v| v == "1");
    let with_contract = std::env::var("BENCH_CONTRACT").is_ok_and(|v| v == "1");
    let builder = Server::builder();
    let redis = match (std::env::var("REDIS_CLUSTER"), std::env::var("REDIS_URL")) {
        (Ok(nodes), _) => Some(RedisConfig::cluster(nodes.split(','))),
        (_, Ok(url)) => Some(RedisConfig::new(url)),
        _ => None,
    };
    let sharded = std::env::var("REDIS_ADAPTER").is_ok_and(|v| v == "sharded");
    let builder = match redis {
        Some(redis) if sharded => builder.adapter(ShardedRedisCluster::new(redis)?.adapters()),
        Some(redis) => builder.adapter(RedisCluster::new(redis)?.adapters()),
        None => builder,
    };
    let builder = if with_middleware {
        builder.middleware(PassThrough)
    } else {
        builder
    };
    let builder = if with_recovery {
        builder.connection_state_recovery(fastsio::RecoveryConfig::default())
    } else {
        builder
    };
    let builder = if with_contract {
        builder.asyncapi(fastsio::contract::AsyncApi::new().title("fastsio bench server"))
    } else {
        builder
    };
    let io = builder
        .routes(
            Routes::new("/")
                .on("echo", echo)
                .on("broadcast", broadcast)
                .on("join", join)
                .on("to_room", to_room)
                .on("block", block),
        )
        .build()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("server-fastsio listening on 127.0.0.1:{port}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    io.serve(listener, shutdown).await?;
    Ok(())
}
