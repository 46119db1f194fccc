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
//!
//! A connection that blocks its thread while it is polled (an event handler doing CPU work or a
//! synchronous call, which runs inline on the lane) would hold every other connection of its
//! lane with it. A [`watchdog`] notices a lane that has work but has not moved on for a couple
//! of milliseconds, and starts another task that takes the lane's connections over; the stuck
//! task finishes its one poll and then ends (see [`lane`]).
//!
//! Code that queues frames for many connections at once (a message from another node) can
//! hold the lanes' wake-ups back until it is done ([`batch_wakes`]): each lane is then woken
//! once for the whole batch.

mod batch;
mod lane;
mod watchdog;

pub use batch::batch_wakes;
pub(crate) use lane::rechecked;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::mpsc;

use lane::{Connection, Lane};

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

/// One lane per worker thread of the current runtime; watched for stalls when there is
/// another worker to take a stuck lane over.
fn start() -> Box<[mpsc::UnboundedSender<Connection>]> {
    let runtime = Handle::current();
    let workers = runtime.metrics().num_workers().max(1);
    let watched = workers > 1 && runtime.runtime_flavor() == RuntimeFlavor::MultiThread;
    (0..workers)
        .map(|_| {
            let (tx, rx) = mpsc::unbounded_channel();
            let lane = Arc::new(Lane::new(rx));
            if watched {
                watchdog::watch(&lane, runtime.clone());
            }
            tokio::spawn(lane.serve());
            tx
        })
        .collect()
}
