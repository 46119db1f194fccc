//! Requests to the other servers of a namespace, answered on this server's response channel.

use rmpv::Value as Mp;
use serde_json::Value as Json;

use super::Shared;
use super::message::encode;
use crate::error::err;
use crate::wire::random_id;
use fastsio::adapter::AdapterError;

impl Shared {
    /// Publishes a message of type `kind` whose `data` (built from the request id) asks for
    /// an answer, and waits for one answer from each other server within the request
    /// timeout. Returns the answers' `data`.
    pub(crate) async fn request(
        &self,
        nsp: &str,
        kind: u64,
        data: impl FnOnce(&str) -> Mp,
    ) -> Result<Vec<Json>, AdapterError> {
        let _permit = self.permit()?;
        let others = self.server_count(nsp).await?.saturating_sub(1);
        if others == 0 {
            return Ok(Vec::new());
        }
        let request_id = random_id(6);
        let (mut rx, _pending) = self.register(&request_id);
        let message = encode(&self.uid, nsp, kind, data(&request_id));
        self.outbox.publish(self.channel(nsp), message).await?;
        let deadline = tokio::time::Instant::now() + self.config.request_timeout;
        let mut responses = Vec::with_capacity(others);
        while responses.len() < others {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(mut r)) => {
                    responses.push(r.get_mut("data").map(Json::take).unwrap_or_default())
                }
                _ => {
                    return Err(err(format!(
                        "timeout reached: only {} responses received out of {others}",
                        responses.len()
                    )));
                }
            }
        }
        Ok(responses)
    }
}
