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

use std::cell::RefCell;
use std::sync::Arc;

use super::lane::Lane;

/// Connections woken in a batch beyond which its lanes are woken at once (in parallel).
const SMALL: usize = 32;

/// The batch running on this thread.
#[derive(Default)]
struct Held {
    /// A batch is running on this thread.
    active: bool,
    /// Connections woken in it so far.
    woken: usize,
    /// Each lane woken in it, once, in the order of their first wake-up, while it is small
    /// (its memory is kept for the next batch).
    lanes: Vec<Arc<Lane>>,
}

thread_local! {
    static HELD: RefCell<Held> = RefCell::new(Held::default());
}

/// Runs `queue` (which queues frames for connections: the deliveries of a batch of messages
/// from other nodes, say), holding back the wake-ups of the lanes that serve those
/// connections until it returns, while it reaches few connections; then those lanes run one
/// after the other. Inside another batch, `queue` is simply part of it. The frames are queued
/// as usual (a lane that runs meanwhile on another thread writes them at once); only the
/// runners' wake-ups wait, so `queue` should be short: it runs synchronously and must not
/// block.
pub fn batch_wakes<R>(queue: impl FnOnce() -> R) -> R {
    let outermost = HELD.with_borrow_mut(|held| !std::mem::replace(&mut held.active, true));
    if !outermost {
        return queue();
    }
    // Woken also when `queue` panics.
    let _release = Release;
    queue()
}

/// Ends the batch of this thread: its held lanes run, one after the other.
struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        let mut lanes = HELD.with_borrow_mut(|held| {
            held.active = false;
            held.woken = 0;
            std::mem::take(&mut held.lanes)
        });
        {
            let mut chain = lanes.drain(..);
            if let Some(first) = chain.next() {
                first.wake_then(chain.map(|lane| Arc::downgrade(&lane)));
            }
        }
        HELD.with_borrow_mut(|held| held.lanes = lanes);
    }
}

/// Holds back `lane`'s wake-up if a small batch is running on this thread (true), to be
/// given at its end; a batch that has just grown past small wakes its lanes now.
pub(super) fn hold(lane: &Arc<Lane>) -> bool {
    let grown = HELD.with_borrow_mut(|held| {
        if !held.active || held.woken > SMALL {
            return None;
        }
        held.woken += 1;
        if !held.lanes.iter().any(|held| Arc::ptr_eq(held, lane)) {
            held.lanes.push(lane.clone());
        }
        Some((held.woken > SMALL).then(|| std::mem::take(&mut held.lanes)))
    });
    match grown {
        None => false,
        Some(None) => true,
        Some(Some(mut lanes)) => {
            for lane in lanes.drain(..) {
                lane.wake();
            }
            HELD.with_borrow_mut(|held| held.lanes = lanes);
            true
        }
    }
}
