//! Server-side emits: events between servers (node's `serverSideEmit`), not to clients.

use std::sync::{Arc, Mutex};

use fastsio::adapter::AdapterError;
use serde_json::Value as Json;

use crate::cluster::RedisCluster;
use crate::requests;

/// An event another server sent with `serverSideEmit` (node) or
/// [`RedisCluster::server_side_emit`].
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSideEvent {
    /// The namespace it was sent on.
    pub nsp: String,
    /// The event name.
    pub event: String,
    /// Its arguments.
    pub args: Vec<Json>,
    /// Whether the sender waits for an answer (the handler's return value).
    pub wants_ack: bool,
}

type ServerSideHandler = Arc<dyn Fn(ServerSideEvent) -> Option<Json> + Send + Sync>;

/// Where a cluster keeps its handler of server-side emits.
#[derive(Default)]
pub(crate) struct ServerSideSlot(Mutex<Option<ServerSideHandler>>);

impl ServerSideSlot {
    /// Makes `handler` the handler, replacing the previous one.
    pub(crate) fn set(
        &self,
        handler: impl Fn(ServerSideEvent) -> Option<Json> + Send + Sync + 'static,
    ) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(handler));
    }

    /// Hands `packet` (`[event, ...args]`) another server sent on `nsp` to the handler.
    /// Returns the answer to send back (`null` without a handler, or for `None`) when the
    /// sender wants one; nothing for a malformed packet.
    pub(crate) fn handle(&self, nsp: &str, packet: Option<&Json>, wants_ack: bool) -> Option<Json> {
        let packet = packet?.as_array()?;
        let event = packet.first()?.as_str()?;
        let handler = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let answer = handler.and_then(|handler| {
            handler(ServerSideEvent {
                nsp: nsp.to_string(),
                event: event.to_string(),
                args: packet[1..].to_vec(),
                wants_ack,
            })
        });
        wants_ack.then(|| answer.unwrap_or(Json::Null))
    }
}

impl RedisCluster {
    /// Handles events other servers send with `serverSideEmit`; when the sender asks for an
    /// ack, the handler's return value is the answer (`null` for `None`). It runs on the
    /// subscriber task: it must not block.
    ///
    /// ```no_run
    /// # fn run(cluster: fastsio_redis::RedisCluster) {
    /// cluster.on_server_side_emit(|ev| {
    ///     (ev.event == "ping").then(|| serde_json::json!("pong"))
    /// });
    /// # }
    /// ```
    pub fn on_server_side_emit(
        &self,
        handler: impl Fn(ServerSideEvent) -> Option<Json> + Send + Sync + 'static,
    ) {
        self.inner.node.server_side.set(handler);
    }

    /// Sends an event to the other servers of namespace `nsp` (node's `serverSideEmit`).
    pub async fn server_side_emit(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<(), AdapterError> {
        requests::server_side_emit(&*self.inner, nsp, event, args).await
    }

    /// Sends an event to the other servers of `nsp` and collects one answer from each, within
    /// the request timeout (node's `serverSideEmitWithAck`; an error names how many
    /// answered).
    pub async fn server_side_emit_with_ack(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<Vec<Json>, AdapterError> {
        requests::server_side_emit_with_ack(&*self.inner, nsp, event, args).await
    }
}
