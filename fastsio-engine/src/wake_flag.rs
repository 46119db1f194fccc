//! [`WakeFlag`]: the waker of one of the futures a task waits on, which remembers being woken,
//! so that the task polls that future again only once it was.
//!
//! A WebSocket connection loop waits on two things: the client's next message and its session's
//! outbox. Polling the read side is not free (the connection's read state and the socket's
//! readiness are looked at, a system call made when that readiness is stale), and a broadcast
//! wakes the loop once per frame queued: without the flag, every delivery would pay for a read
//! attempt that finds nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::task::{ArcWake, AtomicWaker, waker_ref};

pub(crate) struct WakeFlag {
    /// Woken since the last poll that returned `Pending` (or never polled yet).
    woken: AtomicBool,
    /// The task to wake in turn.
    task: AtomicWaker,
}

impl WakeFlag {
    /// A flag that is set: the first [`poll`](Self::poll) polls.
    pub(crate) fn new() -> Arc<WakeFlag> {
        Arc::new(WakeFlag {
            woken: AtomicBool::new(true),
            task: AtomicWaker::new(),
        })
    }

    /// Polls with `poll` under this flag's waker if the flag was woken since `poll` last
    /// returned `Pending`; `Pending` without polling otherwise. The task of `cx` is woken
    /// whenever the flag is.
    pub(crate) fn poll<T>(
        self: &Arc<Self>,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.task.register(cx.waker());
        if !self.woken.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        let waker = waker_ref(self);
        let ready = poll(&mut Context::from_waker(&waker));
        if ready.is_ready() {
            // What is ready may be followed by more: the next call polls again.
            self.woken.store(true, Ordering::Release);
        }
        ready
    }
}

impl ArcWake for WakeFlag {
    fn wake_by_ref(flag: &Arc<Self>) {
        flag.woken.store(true, Ordering::Release);
        flag.task.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::task::noop_waker_ref;
    use std::sync::atomic::AtomicUsize;

    /// Counts the polls it gets; returns `Pending` and keeps the waker it was given.
    #[derive(Default)]
    struct Probe {
        polls: AtomicUsize,
        waker: std::sync::Mutex<Option<std::task::Waker>>,
    }

    impl Probe {
        fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::Relaxed);
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }

        fn polls(&self) -> usize {
            self.polls.load(Ordering::Relaxed)
        }
    }

    #[test]
    fn polls_again_only_once_woken() {
        let flag = WakeFlag::new();
        let probe = Probe::default();
        let mut cx = Context::from_waker(noop_waker_ref());
        assert!(flag.poll(&mut cx, |cx| probe.poll(cx)).is_pending());
        assert!(flag.poll(&mut cx, |cx| probe.poll(cx)).is_pending());
        assert_eq!(probe.polls(), 1, "not woken: not polled");
        let waker = probe.waker.lock().unwrap().take().unwrap();
        waker.wake();
        assert!(flag.poll(&mut cx, |cx| probe.poll(cx)).is_pending());
        assert_eq!(probe.polls(), 2, "woken: polled");
    }

    #[test]
    fn ready_keeps_polling_and_wakes_reach_the_task() {
        let flag = WakeFlag::new();
        let mut cx = Context::from_waker(noop_waker_ref());
        assert_eq!(flag.poll(&mut cx, |_| Poll::Ready(1)), Poll::Ready(1));
        assert_eq!(flag.poll(&mut cx, |_| Poll::Ready(2)), Poll::Ready(2));

        struct Count(AtomicUsize);
        impl ArcWake for Count {
            fn wake_by_ref(count: &Arc<Self>) {
                count.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let task = Arc::new(Count(AtomicUsize::new(0)));
        let task_waker = waker_ref(&task);
        let probe = Probe::default();
        let mut cx = Context::from_waker(&task_waker);
        assert!(flag.poll(&mut cx, |cx| probe.poll(cx)).is_pending());
        probe.waker.lock().unwrap().take().unwrap().wake();
        assert_eq!(task.0.load(Ordering::Relaxed), 1);
    }
}
