//! [`Timeout`]: bound how long a handler may take.

use std::time::Duration;

use super::{Middleware, Next};
use crate::handler::{AckErrorBody, AckReply, BoxFuture, EventContext};

/// Answers `timeout` when the rest of the chain takes longer than the limit (the handler is
/// dropped at that point).
#[derive(Debug, Clone, Copy)]
pub struct Timeout(pub Duration);

impl Middleware for Timeout {
    fn on_event(&self, cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        let limit = self.0;
        Box::pin(async move {
            match tokio::time::timeout(limit, next.run(cx)).await {
                Ok(reply) => reply,
                Err(_) => AckReply::Error(AckErrorBody::new(
                    "timeout",
                    format!("the handler took longer than {} ms", limit.as_millis()),
                )),
            }
        })
    }
}
