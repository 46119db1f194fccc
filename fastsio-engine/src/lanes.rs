//! [`Lanes`]: the WebSocket connection loops, run in turn by a few tasks rather than one task
//! each, so that every busy connection is served as often as every other.
//!
//! Tokio's multi-thread scheduler keeps at most 256 ready tasks in a worker's local queue and
//! moves the rest to a global queue it looks at only now and then. With a thousand busy
//! connections, each its own task, the ones that land in the global queue wait tens of
//! milliseconds while the others are served again and again (a p99 latency a hundred times the
//! median). A lane holds its connections in one task and polls them in the order they became
//! ready: each ready connection is polled once per round, and the lane yields to the runtime
//! between rounds (and whenever tokio's cooperative budget runs out), so the other tasks of the
//! runtime get their turn too.
//!
//! There is one lane per worker thread of the runtime that opens the first connection. A
//! connection stays on its lane; lanes are tasks, so the runtime can move them between workers.

use std::future::{Future, poll_fn};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use futures_util::FutureExt;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;

/// A connection loop, boxed.
type Connection = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The lanes of one engine, started on first use.
#[derive(Default)]
pub(crate) struct Lanes {
    lanes: OnceLock<Box<[mpsc::UnboundedSender<Connection>]>>,
    next: AtomicUsize,
}

impl Lanes {
    /// Runs `connection` on the next lane, round robin. If the lanes are gone (the runtime that
    /// started them has shut down), it runs as a task of its own instead.
    pub(crate) fn spawn(&self, connection: impl Future<Output = ()> + Send + 'static) {
        let lanes = self.lanes.get_or_init(start);
        let lane = &lanes[self.next.fetch_add(1, Ordering::Relaxed) % lanes.len()];
        if let Err(mpsc::error::SendError(connection)) = lane.send(Box::pin(connection)) {
            tokio::spawn(connection);
        }
    }
}

/// One lane per worker thread of the current runtime.
fn start() -> Box<[mpsc::UnboundedSender<Connection>]> {
    let workers = tokio::runtime::Handle::current()
        .metrics()
        .num_workers()
        .max(1);
    (0..workers)
        .map(|_| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(rx));
            tx
        })
        .collect()
}

/// Takes new connections and polls the ready ones, until the engine is gone and every
/// connection of the lane has ended.
async fn run(mut incoming: mpsc::UnboundedReceiver<Connection>) {
    let mut connections = FuturesUnordered::new();
    let mut open = true;
    poll_fn(|cx| {
        while open {
            match incoming.poll_recv(cx) {
                Poll::Ready(Some(connection)) => connections.push(guarded(connection)),
                Poll::Ready(None) => open = false,
                Poll::Pending => break,
            }
        }
        // Each ready connection once, then back to the runtime (FuturesUnordered yields after
        // one round); an ended connection is simply dropped from the set.
        while let Poll::Ready(ended) = connections.poll_next_unpin(cx) {
            if ended.is_none() {
                return if open { Poll::Pending } else { Poll::Ready(()) };
            }
        }
        Poll::Pending
    })
    .await
}

/// A connection whose panic ends that connection alone, not its whole lane.
async fn guarded(connection: Connection) {
    if AssertUnwindSafe(connection).catch_unwind().await.is_err() {
        tracing::error!("a websocket connection loop panicked");
    }
}
