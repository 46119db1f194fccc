//! [`Outbox`]: a session's bounded queue of frames for the client, which also tells the
//! transport draining it that the session closed.
//!
//! One lock, a slot and a deque: a push is a lock, a store and at most one wake-up. The first
//! frame waits in the slot, inline: a session rarely has more than one queued (an ack, an
//! emit), and that one then touches no memory of its own (at a thousand sessions, a cache line
//! fetched per frame). The deque holds the others, allocated only when a second is queued, and
//! gives back what a burst made it grow to once drained.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use super::Frame;

/// A queue that grew past this many frames is shrunk back once it is empty.
const KEEP_CAPACITY: usize = 64;

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    Full,
    Closed,
}

pub(crate) struct Outbox {
    state: Mutex<State>,
    capacity: usize,
}

#[derive(Default)]
struct State {
    /// The first frame; empty only when `rest` is too.
    first: Option<Frame>,
    /// The frames after it.
    rest: VecDeque<Frame>,
    /// The transport waiting for the next frame.
    waiting: Option<Waker>,
    closed: bool,
}

impl State {
    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    fn push_back(&mut self, frame: Frame) {
        match self.first {
            None => self.first = Some(frame),
            Some(_) => self.rest.push_back(frame),
        }
    }

    /// The first frame; a queue left empty gives back what a burst made it grow to.
    fn pop_front(&mut self) -> Option<Frame> {
        let next = self.rest.pop_front();
        let moved = next.is_some();
        let frame = std::mem::replace(&mut self.first, next);
        if moved && self.rest.is_empty() && self.rest.capacity() > KEEP_CAPACITY {
            self.rest.shrink_to(KEEP_CAPACITY);
        }
        frame
    }

    /// Whether a frame is queued.
    fn is_empty(&self) -> bool {
        self.first.is_none()
    }
}

impl Outbox {
    /// An empty queue of at most `capacity` frames.
    pub(crate) fn new(capacity: usize) -> Self {
        Outbox {
            state: Mutex::new(State::default()),
            capacity: capacity.max(1),
        }
    }

    /// Queues `frame` and wakes the transport.
    pub(crate) fn push(&self, frame: Frame) -> Result<(), Refused> {
        let waiting = {
            let mut state = self.lock();
            if state.closed {
                return Err(Refused::Closed);
            }
            if state.len() >= self.capacity {
                return Err(Refused::Full);
            }
            state.push_back(frame);
            state.waiting.take()
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
        Ok(())
    }

    /// Frames queued.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// The next frame, if one is queued (closed or not).
    pub(crate) fn try_pop(&self) -> Option<Frame> {
        self.lock().pop_front()
    }

    /// [`Outbox::try_pop`], and whether more frames were queued behind it.
    pub(crate) fn try_pop_more(&self) -> Option<(Frame, bool)> {
        let mut state = self.lock();
        let frame = state.pop_front()?;
        Some((frame, !state.is_empty()))
    }

    /// The next frame, and whether more were queued behind it; `None` once the outbox is
    /// closed (what is still queued stays there for [`Outbox::try_pop`]).
    pub(crate) fn poll_pop_more(&self, cx: &mut Context<'_>) -> Poll<Option<(Frame, bool)>> {
        let mut state = self.lock();
        if state.closed {
            return Poll::Ready(None);
        }
        if let Some(frame) = state.pop_front() {
            return Poll::Ready(Some((frame, !state.is_empty())));
        }
        match &mut state.waiting {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next frame; `None` once the outbox is closed (what is still queued stays there for
    /// [`Outbox::try_pop`]).
    pub(crate) async fn pop(&self) -> Option<Frame> {
        std::future::poll_fn(|cx| self.poll_pop_more(cx).map(|popped| popped.map(|(f, _)| f))).await
    }

    /// Refuses further frames and wakes the transport, which then sees `None`.
    pub(crate) fn close(&self) {
        let waiting = {
            let mut state = self.lock();
            state.closed = true;
            state.waiting.take()
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave the deque half-changed.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Str;
    use futures_util::FutureExt;

    fn text(s: &'static str) -> Frame {
        Frame::Text(Str::from_static(s))
    }

    fn is_text(frame: Option<Frame>, expected: &str) -> bool {
        matches!(frame, Some(Frame::Text(t)) if t.as_str() == expected)
    }

    #[test]
    fn frames_come_out_in_order_and_the_bound_holds() {
        let outbox = Outbox::new(2);
        assert_eq!(outbox.push(text("a")), Ok(()));
        assert_eq!(outbox.push(text("b")), Ok(()));
        assert_eq!(outbox.push(text("c")), Err(Refused::Full));
        assert_eq!(outbox.len(), 2);
        assert!(is_text(outbox.pop().now_or_never().flatten(), "a"));
        assert!(is_text(outbox.try_pop(), "b"));
        assert!(outbox.pop().now_or_never().is_none());
    }

    #[test]
    fn a_pop_tells_whether_more_is_queued() {
        let outbox = Outbox::new(4);
        outbox.push(text("a")).unwrap();
        outbox.push(text("b")).unwrap();
        outbox.push(text("c")).unwrap();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let Poll::Ready(Some((first, more))) = outbox.poll_pop_more(&mut cx) else {
            panic!("a frame is queued");
        };
        assert!(is_text(Some(first), "a") && more);
        let (second, more) = outbox.try_pop_more().unwrap();
        assert!(is_text(Some(second), "b") && more);
        let (third, more) = outbox.try_pop_more().unwrap();
        assert!(is_text(Some(third), "c") && !more);
        assert!(outbox.try_pop_more().is_none());
        assert!(outbox.poll_pop_more(&mut cx).is_pending());
    }

    #[test]
    fn close_ends_the_wait_and_keeps_what_was_queued() {
        let outbox = Outbox::new(8);
        outbox.push(text("last")).unwrap();
        outbox.close();
        assert_eq!(outbox.push(text("late")), Err(Refused::Closed));
        assert_eq!(outbox.pop().now_or_never(), Some(None));
        assert!(is_text(outbox.try_pop(), "last"));
        assert!(outbox.try_pop().is_none());
    }

    #[tokio::test]
    async fn a_push_wakes_the_waiting_transport() {
        let outbox = std::sync::Arc::new(Outbox::new(8));
        let waiter = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.pop().await }
        });
        tokio::task::yield_now().await;
        outbox.push(text("x")).unwrap();
        assert!(is_text(waiter.await.unwrap(), "x"));
    }

    #[test]
    fn a_drained_burst_gives_its_memory_back() {
        let outbox = Outbox::new(10_000);
        for _ in 0..5_000 {
            outbox.push(text("x")).unwrap();
        }
        while outbox.try_pop().is_some() {}
        assert!(outbox.lock().rest.capacity() <= KEEP_CAPACITY);
    }
}
