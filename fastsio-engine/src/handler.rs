//! [`EngineHandler`]: what the layer above Engine.IO (Socket.IO, or a bare echo) implements.

use std::sync::Arc;

use bytes::Bytes;

use super::{CloseReason, Connection, Str};

/// What [`EngineHandler::backpressure`] hands the transport to wait on.
pub type Backpressure = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Receives the events of every session of an [`Engine`](super::Engine).
///
/// Calls for one session arrive in order (open, messages in arrival order, close once) and
/// must not block: hand long work to a task.
pub trait EngineHandler: Send + Sync + 'static {
    /// Per-connection data the handler keeps in each [`Connection`].
    type Data: Default + Send + Sync + 'static;

    /// A session opened (its open packet is on its way).
    fn on_open(&self, session: &Arc<Connection<Self::Data>>);

    /// A text message arrived.
    fn on_message(&self, session: &Arc<Connection<Self::Data>>, text: Str);

    /// A binary message arrived.
    fn on_binary(&self, session: &Arc<Connection<Self::Data>>, data: Bytes);

    /// After each message: `Some(wait)` when the handler cannot take more from this session
    /// yet. The transport then stops reading from the client until `wait` resolves
    /// (backpressure that reaches the client's TCP window), while still writing to it.
    fn backpressure(&self, session: &Arc<Connection<Self::Data>>) -> Option<Backpressure> {
        let _ = session;
        None
    }

    /// The session moved from polling to WebSocket.
    fn on_upgrade(&self, session: &Arc<Connection<Self::Data>>) {
        let _ = session;
    }

    /// The session closed; it is no longer reachable by its id.
    fn on_close(&self, session: &Arc<Connection<Self::Data>>, reason: CloseReason);
}
