//! The task every session has: heartbeat while open, then clean-up once closed.

use std::sync::Arc;

use tokio::time::Instant;

use super::{
    CloseReason, Connection, Engine, EngineHandler, Frame, ProtocolVersion, TransportKind,
};

/// Runs a session's heartbeat until it closes, then tells the handler and frees the session.
///
/// v4: ping every `ping_interval`, close if the pong does not come within `ping_timeout`.
/// v3: the client pings; close if no ping comes within `ping_interval + ping_timeout`.
/// Either way the session's deadline is at most `ping_interval + ping_timeout` after the
/// client's last answer.
pub(crate) async fn run<H: EngineHandler>(
    engine: Arc<Engine<H>>,
    session: Arc<Connection<H::Data>>,
) {
    if let Some(delay) = engine.connect_delay()
        && session.is_delayed()
    {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = session.closed() => {}
        }
        if session.is_handed_over() {
            return;
        }
        engine.end_delay(&session);
    }
    // The settings are read where they are used rather than kept in locals: this future lives
    // as long as its session, and every byte it holds is a byte per idle connection.
    let config = &engine.config;
    let beat = async {
        let mut next_ping = session.created() + config.ping_interval;
        loop {
            match session.version() {
                ProtocolVersion::V4 => {
                    session.set_deadline(next_ping + config.ping_timeout);
                    tokio::time::sleep_until(next_ping).await;
                    session.expect_pong();
                    if session.send(Frame::PING).is_err() {
                        return;
                    }
                    let deadline = next_ping + config.ping_timeout;
                    if tokio::time::timeout_at(deadline, session.heartbeat.notified())
                        .await
                        .is_err()
                    {
                        session.close(CloseReason::PingTimeout);
                        return;
                    }
                    next_ping = Instant::now() + config.ping_interval;
                }
                ProtocolVersion::V3 => {
                    let deadline = Instant::now() + config.ping_interval + config.ping_timeout;
                    session.set_deadline(deadline);
                    if tokio::time::timeout_at(deadline, session.heartbeat.notified())
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
    if session.is_handed_over() {
        return;
    }
    let reason = session.close_reason().unwrap_or(CloseReason::ForcedClose);
    tracing::debug!(sid = %session.id(), %reason, "session closed");
    engine.handler.on_close(&session, reason);
    // A polling client closed by the server still gets what was queued for it (a Socket.IO
    // disconnect, say) and a close packet with its next poll; one that closed the session
    // itself gets a noop for a poll sent at the same moment as its close. That last poll is
    // awaited for at most `ping_timeout`, and never past the heartbeat's deadline: a client
    // that stopped polling is gone by then, whatever closed its session.
    if reason.answers_last_poll() && session.transport() == TransportKind::Polling {
        let mut until = Instant::now() + engine.config.ping_timeout;
        if let Some(deadline) = session.deadline() {
            until = until.min(deadline);
        }
        let _ = tokio::time::timeout_at(until, session.drained.notified()).await;
    }
    engine.remove_session(session.id());
}
