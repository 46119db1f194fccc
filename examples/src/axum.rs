//! The seed README's "FastAPI Integration", with axum: ordinary HTTP routes and Socket.IO on one
//! port. `io.layer()` puts Socket.IO in front of the axum `Router`: requests under
//! `/socket.io/` go to Socket.IO, every other path falls through to axum's routes (and its 404).
//! The HTTP side reads the server handle ([`Io`]) from axum's own state, to report live
//! connections.
//!
//! ```python
//! @app.get("/")
//! async def index():
//!     return {"message": "FastAPI + fastsio"}
//!
//! @sio.event
//! async def connect(sid: SocketID, environ: Environ, auth: Auth):
//!     await sio.emit("hello", {"message": "Welcome!"}, to=sid)
//!
//! combined_app = fastsio.ASGIApp(sio, app)
//! ```

use std::future::Future;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::State as HttpState;
use axum::routing::get;
use fastsio::BuildError;
use fastsio::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// `await sio.emit("hello", {"message": "Welcome!"}, to=sid)`.
#[derive(Serialize, ServerEvent, schemars::JsonSchema)]
#[server_event("hello")]
struct Hello {
    message: &'static str,
    /// The client's IP address, as the HTTP server saw it (`environ["REMOTE_ADDR"]`).
    remote_ip: Option<String>,
}

async fn connect(socket: SocketRef, environ: Handshake) {
    let _ = socket.emit(&Hello {
        message: "Welcome!",
        remote_ip: environ.remote_addr.map(|addr| addr.ip().to_string()),
    });
}

/// Answers `ping` with `pong`, to show an acknowledged event next to the HTTP routes.
async fn ping() -> Ack<&'static str> {
    Ack("pong")
}

/// The Socket.IO side.
pub fn socket_io() -> Result<Io, BuildError> {
    Server::builder()
        .routes(
            Routes::new("/")
                .on_connect(connect)
                .on("ping", ping)
                .emits::<Hello>(),
        )
        .asyncapi(fastsio::contract::AsyncApi::new().title("axum example"))
        .build()
}

async fn index() -> Json<Value> {
    Json(json!({"message": "FastAPI + fastsio"}))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Live numbers from the Socket.IO server, read through axum's state.
async fn stats(HttpState(io): HttpState<Io>) -> Json<Value> {
    Json(json!({
        "connections": io.connection_count(),
        "sockets": io.sockets().len(),
    }))
}

/// The combined app (`fastsio.ASGIApp(sio, app)`): axum routes, with Socket.IO layered in front.
pub fn app(io: &Io) -> axum::Router {
    axum::Router::new()
        .route("/", get(index))
        .route("/health", get(health))
        .route("/stats", get(stats))
        .with_state(io.clone())
        .layer(io.layer())
}

/// Serves the combined app with `axum::serve` (`uvicorn.run(combined_app, ...)`) until
/// `shutdown` resolves. Then every Socket.IO client is disconnected first, so that axum's
/// graceful shutdown is not left waiting for their long-lived connections.
///
/// Served with connect info: with fastsio's `axum` feature, handshakes read the peer address
/// from it.
pub async fn serve(
    listener: TcpListener,
    io: Io,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(&io).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            io.close();
        })
        .await
}
