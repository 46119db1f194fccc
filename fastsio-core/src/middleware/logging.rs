//! [`Logging`]: a tracing span per event and per connection.

use std::time::Instant;

use tracing::Instrument;

use super::{ConnectNext, Middleware, Next};
use crate::error::ConnectError;
use crate::handler::{AckReply, BoxFuture, ConnectContext, EventContext};

/// Wraps every event in an `event` span (namespace, event, sid) and logs its duration and
/// outcome (`ok` or the error code) at INFO; connections get a `connect` span likewise.
#[derive(Debug, Clone, Copy, Default)]
pub struct Logging;

impl Middleware for Logging {
    fn on_event(&self, cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        let span = tracing::info_span!(
            "event",
            ns = %cx.socket.ns(),
            event = %cx.name(),
            sid = %cx.socket.id(),
        );
        let start = Instant::now();
        Box::pin(
            async move {
                let reply = next.run(cx).await;
                let outcome = match &reply {
                    AckReply::Args { .. } => "ok",
                    AckReply::Error(e) => &e.code,
                };
                tracing::info!(
                    duration_us = start.elapsed().as_micros() as u64,
                    outcome,
                    "event handled"
                );
                reply
            }
            .instrument(span),
        )
    }

    fn on_connect(
        &self,
        cx: ConnectContext,
        next: ConnectNext,
    ) -> BoxFuture<Result<(), ConnectError>> {
        let span = tracing::info_span!("connect", ns = %cx.socket.ns(), sid = %cx.socket.id());
        let start = Instant::now();
        Box::pin(
            async move {
                let result = next.run(cx).await;
                match &result {
                    Ok(()) => tracing::info!(
                        duration_us = start.elapsed().as_micros() as u64,
                        "connected"
                    ),
                    Err(e) => tracing::info!(
                        duration_us = start.elapsed().as_micros() as u64,
                        refused = %e.message,
                        "connection refused"
                    ),
                }
                result
            }
            .instrument(span),
        )
    }
}
