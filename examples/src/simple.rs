//! The seed README's "Quick Start / Simple Server": log connections and disconnections, and
//! answer every `message` with a `response` `"Received: <data>"` sent to its sender only. Browsers
//! on any origin may connect (`cors_allowed_origins="*"` in the seed).
//!
//! ```python
//! @sio.on("message")
//! async def handle_message(sid: SocketID, data: Data):
//!     await sio.emit("response", f"Received: {data}", to=sid)
//! ```

use fastsio::BuildError;
use fastsio::engine::CorsConfig;
use fastsio::prelude::*;
use serde_json::Value;

/// `connect`: logs who connected, from where, with which auth payload; accepts everyone.
async fn connect(sid: SocketId, environ: Handshake, Auth(auth): Auth<Value>) {
    tracing::info!(
        sid = %sid.0,
        addr = ?environ.remote_addr,
        transport = environ.query_param("transport").as_deref().unwrap_or("?"),
        %auth,
        "client connected"
    );
}

/// `disconnect`: logs who left, and why.
async fn disconnect(sid: SocketId, Reason(reason): Reason) {
    tracing::info!(sid = %sid.0, %reason, "client disconnected");
}

/// `message`: emits `response` "Received: <data>" to the sender (`to=sid`). A string is shown
/// as is, anything else as its JSON text (Python would show its `repr`).
async fn handle_message(io: Io, sid: SocketId, Data(data): Data<Value>) {
    let shown = match &data {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if let Err(e) = io
        .to(sid.0)
        .emit_raw("response", &format!("Received: {shown}"))
    {
        tracing::warn!(sid = %sid.0, error = %e, "could not answer");
    }
}

/// The simple server: CORS open to any origin, three handlers on the main namespace.
pub fn socket_io() -> Result<Io, BuildError> {
    Server::builder()
        .cors(CorsConfig::any())
        .routes(
            Routes::new("/")
                .on_connect(connect)
                .on_disconnect(disconnect)
                .on("message", handle_message),
        )
        .asyncapi(fastsio::contract::AsyncApi::new().title("simple example"))
        .build()
}
