//! [`TakeOvers`]: the sessions this node is taking over, and the requests forwarded for them
//! meanwhile, served once the session is here.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use fastsio::engine::Sid;
use http::Request;

/// At most this many requests wait for one session: a client has a poll and a post in
/// flight, and a few more while its requests are being retried.
const MAX_HELD: usize = 16;

/// A forwarded request waiting for its session to arrive.
pub(crate) struct Held {
    pub sender: String,
    pub id: u64,
    pub request: Request<Bytes>,
}

/// The take-overs in flight, by session.
#[derive(Default)]
pub(crate) struct TakeOvers(Mutex<HashMap<Sid, Vec<Held>>>);

impl TakeOvers {
    /// From now on (this node's take-over request went out), requests for `sid` wait here.
    pub(crate) fn begin(&self, sid: Sid) {
        self.lock().entry(sid).or_default();
    }

    /// Keeps a request for a session being taken over; gives it back otherwise.
    pub(crate) fn hold(&self, sid: Sid, held: Held) -> Option<Held> {
        let mut takeovers = self.lock();
        let Some(waiting) = takeovers.get_mut(&sid) else {
            return Some(held);
        };
        if waiting.len() < MAX_HELD {
            waiting.push(held);
        } else {
            tracing::debug!(%sid, "redis engine: too many requests wait for a take-over");
        }
        None
    }

    /// The take-over of `sid` ended: the requests that waited for it.
    pub(crate) fn end(&self, sid: Sid) -> Vec<Held> {
        self.lock().remove(&sid).unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Sid, Vec<Held>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
