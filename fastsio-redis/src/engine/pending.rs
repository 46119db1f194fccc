//! [`Pending`]: this node's requests to other engines that wait for an answer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::message::Body;

/// The requests waiting, by request id.
pub(crate) struct Pending {
    next: AtomicU64,
    waiting: Mutex<HashMap<u64, mpsc::Sender<Body>>>,
    max: usize,
}

/// One waiting request: its answers arrive on `answers`; dropping it stops the wait.
pub(crate) struct Waiting<'a> {
    pub id: u64,
    pub answers: mpsc::Receiver<Body>,
    pending: &'a Pending,
}

impl Pending {
    pub(crate) fn new(max: usize) -> Self {
        Pending {
            next: AtomicU64::new(1),
            waiting: Mutex::new(HashMap::new()),
            max,
        }
    }

    /// A new request, or `None` when too many wait already.
    pub(crate) fn open(&self) -> Option<Waiting<'_>> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        // Two answers at most: "accepted", then the answer.
        let (tx, answers) = mpsc::channel(2);
        let mut waiting = self.lock();
        if waiting.len() >= self.max {
            return None;
        }
        waiting.insert(id, tx);
        Some(Waiting {
            id,
            answers,
            pending: self,
        })
    }

    /// Hands an answer to the request waiting for it, if any still does.
    pub(crate) fn answer(&self, id: u64, body: Body) {
        let tx = self.lock().get(&id).cloned();
        if let Some(tx) = tx {
            let _ = tx.try_send(body);
        }
    }

    /// Whether request `id` still waits.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.lock().contains_key(&id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::Sender<Body>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.pending.lock().remove(&self.id);
    }
}
