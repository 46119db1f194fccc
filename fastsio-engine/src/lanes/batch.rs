//! [`batch_wakes`]: lane wake-ups held back while a batch of frames is queued, so that the
//! lanes of a small batch run one after the other on one worker instead of waking another.
//!
//! A frame queued for a WebSocket connection wakes its connection, which queues it in its lane
//! and wakes the lane's runner. A message from another node that reaches a few sockets on each
//! lane wakes every lane: one runs on the worker that read the message, the others wake
//! another worker (a system call to wake it, and it goes back to sleep once its few frames are
//! written), which costs more than writing those few frames. In a batch, the lanes' wake-ups
//! are held back while the batch is small; at its end the first lane is woken, and each lane,
//! once its round is done, wakes the next ([`Lane::wake_then`]): a worker that wakes a task
//! while it runs one keeps it for itself, so the whole chain runs where the batch was queued.
//! A batch that grows past [`SMALL`] connections is worth the other workers: its lanes are
//! woken at once, and the rest of it wakes them as usual.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use super::lane::Lane;

/// Connections woken in a batch beyond which its lanes are woken at once (in parallel).
const SMALL: usize = 32;

/// What the batch of a thread does with lane wake-ups.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No batch runs: lanes are woken at once.
    None,
    /// A small batch runs: wake-ups are held back.
    Holding,
    /// A batch that grew past small runs: lanes are woken at once.
    Grown,
}

thread_local! {
    /// Checked on every wake-up: a `Cell` of its own, cheap to read.
    static MODE: Cell<Mode> = const { Cell::new(Mode::None) };
    /// Connections woken in the running batch so far.
    static WOKEN: Cell<usize> = const { Cell::new(0) };
    /// Each lane woken in the running batch, once, in the order of their first wake-up,
    /// while it holds them back (the memory is kept for the next batch).
    static LANES: RefCell<Vec<Arc<Lane>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `queue` (which queues frames for connections: the deliveries of a batch of messages
/// from other nodes, say), holding back the wake-ups of the lanes that serve those
/// connections until it returns, while it reaches few connections; then those lanes run one
/// after the other. Inside another batch, `queue` is simply part of it. The frames are queued
/// as usual (a lane that runs meanwhile on another thread writes them at once); only the
/// runners' wake-ups wait, so `queue` should be short: it runs synchronously and must not
/// block.
pub fn batch_wakes<R>(queue: impl FnOnce() -> R) -> R {
    if MODE.get() != Mode::None {
        return queue();
    }
    MODE.set(Mode::Holding);
    WOKEN.set(0);
    // Woken also when `queue` panics.
    let _release = Release;
    queue()
}

/// Ends the batch of this thread: its held lanes run, one after the other.
struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        MODE.set(Mode::None);
        let mut lanes = LANES.take();
        {
            let mut chain = lanes.drain(..);
            if let Some(first) = chain.next() {
                first.wake_then(chain.map(|lane| Arc::downgrade(&lane)));
            }
        }
        LANES.set(lanes);
    }
}

/// Holds back `lane`'s wake-up if a small batch is running on this thread (true), to be
/// given at its end; a batch that has just grown past small wakes its lanes now.
pub(super) fn hold(lane: &Arc<Lane>) -> bool {
    if MODE.get() != Mode::Holding {
        return false;
    }
    let woken = WOKEN.get() + 1;
    WOKEN.set(woken);
    let mut lanes = LANES.take();
    if !lanes.iter().any(|held| Arc::ptr_eq(held, lane)) {
        lanes.push(lane.clone());
    }
    if woken > SMALL {
        MODE.set(Mode::Grown);
        for lane in lanes.drain(..) {
            lane.wake();
        }
    }
    LANES.set(lanes);
    true
}
