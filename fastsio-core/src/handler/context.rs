//! What extractors read: [`EventContext`], [`ConnectContext`], [`DisconnectContext`].

use bytes::Bytes;

use crate::engine::Str;
use crate::protocol::EventArgs;
use crate::reason::DisconnectReason;

/// One received event, on its way to its handler.
#[derive(Debug)]
pub struct EventContext {
    /// The arguments, event name first.
    pub args: EventArgs,
    /// Binary attachments.
    pub attachments: Vec<Bytes>,
    /// The ack id, when the client asked for an ack.
    pub ack_id: Option<u64>,
    /// Values set by middleware for later extractors.
    pub extensions: http::Extensions,
    pub(crate) name: Str,
}

impl EventContext {
    pub(crate) fn new(args: EventArgs, attachments: Vec<Bytes>, ack_id: Option<u64>) -> Self {
        let name = event_name(&args);
        EventContext {
            args,
            attachments,
            ack_id,
            extensions: http::Extensions::new(),
            name,
        }
    }

    /// The event name.
    pub fn name(&self) -> &Str {
        &self.name
    }
}

/// The event name without allocating when it has no escapes.
fn event_name(args: &EventArgs) -> Str {
    let Some(raw) = args.get_str(0) else {
        return Str::default();
    };
    if raw.len() >= 2 && !raw.contains('\\') {
        raw.slice(1..raw.len() - 1)
    } else {
        serde_json::from_str::<String>(&raw)
            .map(Str::from)
            .unwrap_or_default()
    }
}

/// A connect request, on its way to the connect handler.
#[derive(Debug, Clone)]
pub struct ConnectContext {
    /// The auth payload as raw JSON (`{}` when the client sent none).
    pub auth: Str,
}

/// A disconnection, on its way to the disconnect handler.
#[derive(Debug, Clone, Copy)]
pub struct DisconnectContext {
    /// Why.
    pub reason: DisconnectReason,
}
