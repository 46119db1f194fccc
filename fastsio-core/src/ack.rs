//! Acknowledgements the server asks clients for: [`AckResponse`], [`AckError`], and the
//! per-socket table of waiting acks.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;

use crate::protocol::EventArgs;

/// What a client acknowledged with.
#[derive(Debug, Clone, Default)]
pub struct AckResponse {
    /// The ack's arguments.
    pub args: EventArgs,
    /// Binary attachments that came with it.
    pub attachments: Vec<Bytes>,
}

impl AckResponse {
    /// The arguments as `T`: one argument reads as itself, several as a tuple.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.args.deserialize(0)
    }
}

/// Why an ack did not arrive as expected.
#[derive(Debug)]
pub enum AckError {
    /// No ack within the timeout.
    Timeout,
    /// The socket disconnected first.
    Disconnected,
    /// The packet could not be sent (closed or full session).
    Send(crate::engine::SendError),
    /// The ack's arguments do not fit the expected type.
    Decode(serde_json::Error),
    /// The emit's arguments could not be serialised.
    Encode(serde_json::Error),
}

impl std::fmt::Display for AckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AckError::Timeout => f.write_str("ack timed out"),
            AckError::Disconnected => f.write_str("socket disconnected before the ack"),
            AckError::Send(e) => write!(f, "could not send: {e}"),
            AckError::Decode(e) => write!(f, "ack does not fit the expected type: {e}"),
            AckError::Encode(e) => write!(f, "could not encode the emit: {e}"),
        }
    }
}

impl std::error::Error for AckError {}

/// The acks a socket waits for.
#[derive(Debug, Default)]
pub(crate) struct AckTable {
    waiting: Mutex<HashMap<u64, oneshot::Sender<AckResponse>>>,
}

impl AckTable {
    /// Waits for the ack with this id (ids come from the namespace, so one broadcast shares
    /// one id).
    pub fn register(&self, id: u64) -> oneshot::Receiver<AckResponse> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id, tx);
        rx
    }

    /// Delivers an ack; false if nobody waits for this id.
    pub fn resolve(&self, id: u64, response: AckResponse) -> bool {
        match self.lock().remove(&id) {
            Some(tx) => tx.send(response).is_ok(),
            None => false,
        }
    }

    /// Forgets a waiter (timed out or dropped).
    pub fn forget(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Drops every waiter: they see the socket as disconnected.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many acks are awaited.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<AckResponse>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}
