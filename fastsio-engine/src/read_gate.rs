//! [`ReadGate`]: polls a WebSocket connection's read side only when the socket woke it.
//!
//! A connection loop waits on two things at once, its socket and its outbox, and is woken by
//! either. Polling the read side after an outbox wake-up finds nothing to read, but is not free:
//! tungstenite prepares (zero-fills) its read buffer before every read attempt, and a broadcast
//! wakes every receiver once per delivery. The gate gives the read side a waker of its own,
//! which records that the socket woke it before waking the connection's task; the loop polls
//! the read side only when that happened, or when its last poll returned something (more
//! frames may already be buffered).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::task::{ArcWake, AtomicWaker, waker_ref};

/// The read side's waker and whether it fired; one per connection loop.
pub(crate) struct ReadGate {
    /// The read side may have something: poll it.
    open: AtomicBool,
    /// The connection's task.
    task: AtomicWaker,
}

impl ReadGate {
    /// A gate that lets the first poll through.
    pub(crate) fn new() -> Arc<ReadGate> {
        Arc::new(ReadGate {
            open: AtomicBool::new(true),
            task: AtomicWaker::new(),
        })
    }

    /// Runs `read` (a read of the connection's socket) under the gate: it is polled only while
    /// the gate is open, with the gate's waker; a result leaves the gate open for the next read.
    /// Cancel-safe when `read` is.
    pub(crate) async fn read<F: Future>(self: &Arc<Self>, read: F) -> F::Output {
        let mut read = pin!(read);
        std::future::poll_fn(|cx: &mut Context<'_>| {
            self.task.register(cx.waker());
            if !self.open.swap(false, Ordering::AcqRel) {
                return Poll::Pending;
            }
            let waker = waker_ref(self);
            match read.as_mut().poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(out) => {
                    self.open.store(true, Ordering::Release);
                    Poll::Ready(out)
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
}

impl ArcWake for ReadGate {
    fn wake_by_ref(gate: &Arc<Self>) {
        gate.open.store(true, Ordering::Release);
        gate.task.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[tokio::test]
    async fn a_read_is_polled_again_only_after_its_own_wake_up() {
        let gate = ReadGate::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        // First poll goes through and registers the gate's waker with the channel.
        assert!(gate.read(rx.recv()).now_or_never().is_none());
        // The send wakes the gate's waker, which opens the gate: the next read gets the value.
        tx.send(1).unwrap();
        let gate2 = gate.clone();
        let waited = tokio::spawn(async move {
            let mut rx = rx;
            gate2.read(rx.recv()).await
        });
        assert_eq!(waited.await.unwrap(), Some(1));
    }

    #[test]
    fn a_closed_gate_does_not_poll_the_read() {
        let gate = ReadGate::new();
        gate.open.store(false, Ordering::Release);
        let mut polled = false;
        let read = std::future::poll_fn(|_| {
            polled = true;
            Poll::Ready(())
        });
        assert!(gate.read(read).now_or_never().is_none());
        assert!(!polled);
    }
}
