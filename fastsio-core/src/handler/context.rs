//! What extractors and middleware read: [`EventContext`], [`ConnectContext`],
//! [`DisconnectContext`]. One type per stage: the middleware chain and the extractors see the
//! same value.

use bytes::Bytes;

use crate::engine::Str;
use crate::protocol::EventArgs;
use crate::reason::DisconnectReason;
use crate::socket::SocketRef;

/// One received event on its way through the middleware chain to its handler.
///
/// `extensions` is the event's scratch space: middleware leaves values there for later
/// extractors ([`Extension`](crate::extract::Extension)), and
/// [`Cached`](crate::extract::Cached) keeps the extractors' values there, so each is computed
/// once per event.
#[derive(Debug)]
pub struct EventContext {
    /// The socket that sent the event.
    pub socket: SocketRef,
    /// The arguments, event name first.
    pub args: EventArgs,
    /// Binary attachments.
    pub attachments: Vec<Bytes>,
    /// The ack id, when the client asked for an ack.
    pub ack_id: Option<u64>,
    /// Values set by middleware and cached extractors, for later extractors.
    pub extensions: http::Extensions,
    pub(crate) name: Str,
}

impl EventContext {
    pub(crate) fn new(
        socket: SocketRef,
        args: EventArgs,
        attachments: Vec<Bytes>,
        ack_id: Option<u64>,
    ) -> Self {
        let name = event_name(&args);
        EventContext {
            socket,
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

    /// A copy for a `before` hook: same event, same extensions (attachments shared).
    pub(crate) fn copy(&self) -> Self {
        EventContext {
            socket: self.socket.clone(),
            args: self.args.clone(),
            attachments: self.attachments.clone(),
            ack_id: self.ack_id,
            extensions: self.extensions.clone(),
            name: self.name.clone(),
        }
    }
}

/// The event name without allocating when it has no escapes.
fn event_name(args: &EventArgs) -> Str {
    let Some(raw) = args.get(0) else {
        return Str::default();
    };
    if raw.len() >= 2 && !raw.contains('\\') {
        // One slice of the packet (the quotes left out), not a slice of a slice.
        let start = raw.as_ptr() as usize - args.raw().as_ptr() as usize;
        args.raw().slice(start + 1..start + raw.len() - 1)
    } else {
        serde_json::from_str::<String>(raw)
            .map(Str::from)
            .unwrap_or_default()
    }
}

/// A connect request on its way through the connect middleware to the connect handler.
#[derive(Debug)]
pub struct ConnectContext {
    /// The socket being connected (not yet confirmed to the client).
    pub socket: SocketRef,
    /// The auth payload as raw JSON (`{}` when the client sent none).
    pub auth: Str,
    /// Values set by connect middleware and cached extractors, for later extractors.
    pub extensions: http::Extensions,
}

impl ConnectContext {
    pub(crate) fn new(socket: SocketRef, auth: Str) -> Self {
        ConnectContext {
            socket,
            auth,
            extensions: http::Extensions::new(),
        }
    }
}

/// A disconnection on its way to the disconnect handler.
#[derive(Debug)]
pub struct DisconnectContext {
    /// The socket that left.
    pub socket: SocketRef,
    /// Why.
    pub reason: DisconnectReason,
}
