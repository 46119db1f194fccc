//! [`Requests`]: this node's requests waiting for answers, and how many may wait at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use fastsio::adapter::AdapterError;
use serde_json::Value as Json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::error::err;

/// At most this many cluster requests wait for Redis at once; beyond, they fail at once.
const MAX_IN_FLIGHT: usize = 1024;
/// Responses buffered per pending request.
const RESPONSE_BUFFER: usize = 256;

/// The requests waiting for answers, by request id.
pub(crate) struct Requests {
    pending: Mutex<HashMap<String, mpsc::Sender<Json>>>,
    in_flight: Arc<Semaphore>,
}

impl Default for Requests {
    fn default() -> Self {
        Requests {
            pending: Mutex::new(HashMap::new()),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }
}

impl Requests {
    fn pending(&self) -> MutexGuard<'_, HashMap<String, mpsc::Sender<Json>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for one more cluster operation, or an error when too many wait already.
    pub(crate) fn permit(&self) -> Result<OwnedSemaphorePermit, AdapterError> {
        self.in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| err("too many cluster operations waiting for Redis"))
    }

    /// Routes the responses to `request_id` to the returned receiver until the guard drops.
    pub(crate) fn register(&self, request_id: &str) -> (mpsc::Receiver<Json>, Pending<'_>) {
        let (tx, rx) = mpsc::channel(RESPONSE_BUFFER);
        self.pending().insert(request_id.to_string(), tx);
        let guard = Pending {
            requests: self,
            id: request_id.to_string(),
        };
        (rx, guard)
    }

    /// Hands a response to the request waiting for it, if any.
    pub(crate) fn dispatch(&self, request_id: &str, response: Json) {
        let tx = self.pending().get(request_id).cloned();
        if let Some(tx) = tx
            && tx.try_send(response).is_err()
        {
            tracing::warn!("redis adapter: response buffer full, dropping a response");
        }
    }
}

/// Forgets a pending request when dropped.
pub(crate) struct Pending<'a> {
    requests: &'a Requests,
    id: String,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.requests.pending().remove(&self.id);
    }
}
