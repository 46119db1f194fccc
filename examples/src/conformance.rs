//! The conformance server: what the official engine.io-protocol test suite expects.
//!
//! `/engine.io/` is bare Engine.IO v4 (v3 too) echoing every message back, text or binary,
//! with pingInterval 300 ms, pingTimeout 200 ms and maxPayload 1 000 000. The text message
//! `close-me` makes the server close the session (interop tests use it).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fastsio::engine::{CloseReason, Engine, EngineConfig, EngineHandler, Frame, Session, Str};
use fastsio::service::{EngineService, NotFound};

/// Echoes every message back to its sender.
pub struct Echo;

impl EngineHandler for Echo {
    type Data = ();

    fn on_open(&self, _: &Arc<Session<()>>) {}

    fn on_message(&self, session: &Arc<Session<()>>, text: Str) {
        if text == "close-me" {
            session.close(CloseReason::ForcedClose);
        } else {
            let _ = session.send(Frame::message(&text));
        }
    }

    fn on_binary(&self, session: &Arc<Session<()>>, data: Bytes) {
        let _ = session.send(Frame::Binary(data));
    }

    fn on_close(&self, _: &Arc<Session<()>>, _: CloseReason) {}
}

/// The Engine.IO settings of the suites.
pub fn engine_config() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.path = "/engine.io/".into();
    config.ping_interval = Duration::from_millis(300);
    config.ping_timeout = Duration::from_millis(200);
    config.max_payload = 1_000_000;
    config.allow_eio3 = true;
    config
}

/// The echo engine.
pub fn echo_engine() -> Arc<Engine<Echo>> {
    Engine::new(engine_config(), Echo)
}

/// Everything the conformance server answers.
pub fn service(engine: Arc<Engine<Echo>>) -> EngineService<Echo, NotFound> {
    EngineService::new(engine)
}
