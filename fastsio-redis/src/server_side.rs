//! Server-side emits: events between servers (node's `serverSideEmit`), not to clients.

use std::sync::Arc;

use fastsio::adapter::AdapterError;
use serde_json::{Value as Json, json};

use crate::cluster::RedisCluster;
use crate::wire::request_type;

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

pub(crate) type ServerSideHandler = Arc<dyn Fn(ServerSideEvent) -> Option<Json> + Send + Sync>;

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
        *self
            .inner
            .server_side
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(handler));
    }

    /// Sends an event to the other servers of namespace `nsp` (node's `serverSideEmit`).
    pub async fn server_side_emit(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<(), AdapterError> {
        let body = json!({
            "uid": self.inner.uid,
            "type": request_type::SERVER_SIDE_EMIT,
            "data": event_data(event, args),
        });
        let channel = self.inner.channels.request(nsp);
        self.inner
            .outbox
            .publish(channel, body.to_string().into_bytes())
            .await
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
        let data = event_data(event, args);
        let uid = &self.inner.uid;
        let responses = self
            .inner
            .request(nsp, |request_id| {
                json!({
                    "uid": uid,
                    "requestId": request_id,
                    "type": request_type::SERVER_SIDE_EMIT,
                    "data": data,
                })
            })
            .await?;
        Ok(responses
            .into_iter()
            .map(|mut r| r.get_mut("data").map(Json::take).unwrap_or(Json::Null))
            .collect())
    }
}

/// `[event, ...args]`.
fn event_data(event: &str, args: Vec<Json>) -> Vec<Json> {
    let mut data = Vec::with_capacity(args.len() + 1);
    data.push(Json::String(event.to_string()));
    data.extend(args);
    data
}
