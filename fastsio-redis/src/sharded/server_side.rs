//! Server-side emits on the sharded cluster (node's `serverSideEmit`).

use fastsio::adapter::AdapterError;
use serde_json::Value as Json;

use super::ShardedRedisCluster;
use crate::requests;
use crate::server_side::ServerSideEvent;

impl ShardedRedisCluster {
    /// Handles events other servers send with `serverSideEmit`, as
    /// [`RedisCluster::on_server_side_emit`](crate::RedisCluster::on_server_side_emit) does.
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
        self.inner.node.server_side.set(handler);
    }

    /// Sends an event to the other servers of namespace `nsp`.
    pub async fn server_side_emit(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<(), AdapterError> {
        requests::server_side_emit(&*self.inner, nsp, event, args).await
    }

    /// Sends an event to the other servers of `nsp` and collects one answer from each,
    /// within the request timeout (an error names how many answered).
    pub async fn server_side_emit_with_ack(
        &self,
        nsp: &str,
        event: &str,
        args: Vec<Json>,
    ) -> Result<Vec<Json>, AdapterError> {
        requests::server_side_emit_with_ack(&*self.inner, nsp, event, args).await
    }
}
