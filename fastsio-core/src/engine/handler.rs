//! [`EngineHandler`]: what the layer above Engine.IO (Socket.IO, or a bare echo) implements.

use std::sync::Arc;

use bytes::Bytes;

use super::{CloseReason, Session, Str};

/// Receives the events of every session of an [`Engine`](super::Engine).
///
/// Calls for one session arrive in order (open, messages in arrival order, close once) and
/// must not block: hand long work to a task.
pub trait EngineHandler: Send + Sync + 'static {
    /// Per-session data the handler keeps in each [`Session`].
    type Data: Default + Send + Sync + 'static;

    /// A session opened (its open packet is on its way).
    fn on_open(&self, session: &Arc<Session<Self::Data>>);

    /// A text message arrived.
    fn on_message(&self, session: &Arc<Session<Self::Data>>, text: Str);

    /// A binary message arrived.
    fn on_binary(&self, session: &Arc<Session<Self::Data>>, data: Bytes);

    /// The session closed; it is no longer reachable by its id.
    fn on_close(&self, session: &Arc<Session<Self::Data>>, reason: CloseReason);
}
