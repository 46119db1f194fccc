//! The conformance server: what the official engine.io-protocol and socket.io-protocol test
//! suites expect, on one port.
//!
//! - `/engine.io/`: bare Engine.IO (v4, and v3) echoing every message back, text or binary;
//!   the text message `close-me` makes the server close the session (interop tests use it).
//! - `/socket.io/`: namespaces `/` and `/custom`; on connect the server emits `auth` with the
//!   client's auth payload; on `/`, `message` is echoed as `message-back` with all its
//!   arguments (binary included) and `message-with-ack` is acknowledged with the same
//!   arguments. Connect timeout 1000 ms.
//!
//! Both use pingInterval 300 ms, pingTimeout 200 ms and maxPayload 1 000 000.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fastsio::engine::{CloseReason, Connection, Engine, EngineConfig, EngineHandler, Frame, Str};
use fastsio::extract::RawArgs;
use fastsio::service::{EngineService, NotFound};
use fastsio::{BuildError, Io, Routes, Server, SioHandler, SocketRef};
use serde_json::value::RawValue;

/// Echoes every message back to its sender.
pub struct Echo;

impl EngineHandler for Echo {
    type Data = ();

    fn on_open(&self, _: &Arc<Connection<()>>) {}

    fn on_message(&self, session: &Arc<Connection<()>>, text: Str) {
        if text == "close-me" {
            session.close(CloseReason::ForcedClose);
        } else {
            let _ = session.send(Frame::message(&text));
        }
    }

    fn on_binary(&self, session: &Arc<Connection<()>>, data: Bytes) {
        let _ = session.send(Frame::Binary(data));
    }

    fn on_close(&self, _: &Arc<Connection<()>>, _: CloseReason) {}
}

const PING_INTERVAL: Duration = Duration::from_millis(300);
const PING_TIMEOUT: Duration = Duration::from_millis(200);

/// The Engine.IO settings of the suites.
pub fn engine_config() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.path = "/engine.io/".into();
    config.ping_interval = PING_INTERVAL;
    config.ping_timeout = PING_TIMEOUT;
    config.max_payload = 1_000_000;
    config.allow_eio3 = true;
    config
}

/// The echo engine.
pub fn echo_engine() -> Arc<Engine<Echo>> {
    Engine::new(engine_config(), Echo)
}

async fn send_auth(socket: SocketRef) {
    let auth = RawValue::from_string(socket.auth().to_string()).ok();
    let _ = socket.emit_raw("auth", &auth);
}

async fn message(socket: SocketRef, args: RawArgs) {
    let attachments = args.attachments.clone();
    let _ = socket.emit_binary("message-back", &args, attachments);
}

async fn message_with_ack(args: RawArgs) -> RawArgs {
    args
}

/// The Socket.IO server of the suite.
pub fn socket_io() -> Result<Io, BuildError> {
    Server::builder()
        .ping_interval(PING_INTERVAL)
        .ping_timeout(PING_TIMEOUT)
        .max_payload(1_000_000)
        .connect_timeout(Duration::from_millis(1000))
        .allow_eio3(true)
        .routes(
            Routes::new("/")
                .on_connect(send_auth)
                .on("message", message)
                .on("message-with-ack", message_with_ack),
        )
        .routes(Routes::new("/custom").on_connect(send_auth))
        .build()
}

/// Everything the conformance server answers: `/socket.io/`, then `/engine.io/`, else 404.
pub fn service(
    io: &Io,
    engine: Arc<Engine<Echo>>,
) -> EngineService<SioHandler, EngineService<Echo, NotFound>> {
    tower_layer::Layer::layer(&io.layer(), EngineService::new(engine))
}
