//! The task every session has: heartbeat while open, then clean-up once closed.

use std::sync::Arc;

use super::{CloseReason, Engine, EngineHandler, Frame, ProtocolVersion, Session, TransportKind};

/// Runs a session's heartbeat until it closes, then tells the handler and frees the session.
///
/// v4: ping every `ping_interval`, close if the pong does not come within `ping_timeout`.
/// v3: the client pings; close if no ping comes within `ping_interval + ping_timeout`.
pub(crate) async fn run<H: EngineHandler>(engine: Arc<Engine<H>>, session: Arc<Session<H::Data>>) {
    let interval = engine.config.ping_interval;
    let timeout = engine.config.ping_timeout;
    let beat = async {
        let mut next_ping = session.created() + interval;
        loop {
            match session.version() {
                ProtocolVersion::V4 => {
                    tokio::time::sleep_until(next_ping).await;
                    let deadline = next_ping + timeout;
                    session.expect_pong_by(deadline);
                    if session.send(Frame::PING).is_err() {
                        return;
                    }
                    if tokio::time::timeout_at(deadline, session.heartbeat.notified())
                        .await
                        .is_err()
                    {
                        session.close(CloseReason::PingTimeout);
                        return;
                    }
                    next_ping = tokio::time::Instant::now() + interval;
                }
                ProtocolVersion::V3 => {
                    if tokio::time::timeout(interval + timeout, session.heartbeat.notified())
                        .await
                        .is_err()
                    {
                        session.close(CloseReason::PingTimeout);
                        return;
                    }
                }
            }
        }
    };
    tokio::select! {
        _ = beat => {}
        _ = session.closed() => {}
    }
    let reason = session.close_reason().unwrap_or(CloseReason::ForcedClose);
    tracing::debug!(sid = %session.id(), %reason, "session closed");
    engine.handler.on_close(&session, reason);
    // A polling client closed by the server still gets what was queued for it (a Socket.IO
    // disconnect, say) and a close packet with its next poll, if that comes in time.
    if reason.by_server() && session.transport() == TransportKind::Polling {
        let _ = tokio::time::timeout(timeout, session.drained.notified()).await;
    }
    engine.remove_session(session.id());
}
