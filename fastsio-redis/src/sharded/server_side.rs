//! Server-side emits on the sharded cluster (node's `serverSideEmit`).

use std::sync::Arc;

use fastsio::adapter::AdapterError;
use rmpv::Value as Mp;
use serde_json::Value as Json;

use super::ShardedRedisCluster;
use super::message::{encode, message_type};
use crate::server_side::ServerSideEvent;
use crate::wire::{json_to_mp, map};

impl ShardedRedisCluster {
    /// Handles events other servers send with `serverSideEmit`; when the sender asks for an
    /// ack, the handler's return value is the answer (`null` for `None`). It runs on the
    /// subscriber task: it must not block.
    ///
    /// ```no_run
    /// # fn run(cluster: fastsio_redis::ShardedRedisCluster) {
    /// cluster.on_server_side_emit(|ev| (ev.event == "ping").then(|| serde_json::json!("pong")));
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

    /// Sends an event to the other servers of namespace `nsp`.
    pub async fn server_side_emit(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<(), AdapterError> {
        let data = map(vec![("packet", event_packet(event, args))]);
        let body = encode(&self.inner.uid, nsp, message_type::SERVER_SIDE_EMIT, data);
        self.inner
            .outbox
            .publish(self.inner.channel(nsp), body)
            .await
    }

    /// Sends an event to the other servers of `nsp` and collects one answer from each,
    /// within the request timeout (an error names how many answered).
    pub async fn server_side_emit_with_ack(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<Vec<Json>, AdapterError> {
        let packet = event_packet(event, args);
        let responses = self
            .inner
            .request(nsp, message_type::SERVER_SIDE_EMIT, |request_id| {
                map(vec![
                    ("packet", packet),
                    ("requestId", Mp::from(request_id)),
                ])
            })
            .await?;
        Ok(responses
            .into_iter()
            .map(|mut r| r.get_mut("packet").map(Json::take).unwrap_or(Json::Null))
            .collect())
    }
}

/// `[event, ...args]`.
fn event_packet(event: &str, args: Vec<Json>) -> Mp {
    let mut packet = Vec::with_capacity(args.len() + 1);
    packet.push(Mp::from(event));
    packet.extend(args.iter().map(|a| json_to_mp(a, &[])));
    Mp::Array(packet)
}
