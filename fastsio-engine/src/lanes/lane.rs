//! [`Lane`]: the connections one task serves, and the task (the runner) that serves them.
//!
//! A lane polls each ready connection once per round, in the order they became ready, and
//! yields to the runtime between rounds: the scheduling of a `FuturesUnordered`, but with the
//! ready queue and the connections held by the lane rather than by its task. That is what lets
//! another task take a lane over while its runner is stuck in one connection's poll: the
//! [`watchdog`](super::watchdog) calls [`Lane::take_over`], a new runner serves the ready queue
//! from then on, and the old one, once its poll returns, puts that connection back in the queue
//! and ends. Each connection is polled by one runner at a time: only a runner that took it from
//! the ready queue polls it, and it goes back in the queue only after that poll.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};

use futures_util::task::{ArcWake, AtomicWaker, waker_ref};
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio::task::coop;

/// A connection loop, boxed.
pub(super) type Connection = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The connections of one lane, and who serves them.
pub(super) struct Lane {
    /// New connections, from [`Lanes::spawn`](super::Lanes::spawn). A runner holds this lock
    /// for its bookkeeping (not while it polls a connection): it checks that it is still the
    /// lane's runner and registers its waker under it, so a runner that was taken over can no
    /// longer register a waker after the new runner did, and swallow its wake-ups.
    control: Mutex<mpsc::UnboundedReceiver<Connection>>,
    /// Connections woken and not polled since, in the order they woke.
    ready: Mutex<VecDeque<Arc<Member>>>,
    /// Every connection of the lane, so that they are dropped with it (a connection that waits
    /// is otherwise held only by its own waker, inside the I/O it waits on).
    members: Mutex<HashMap<usize, Arc<Member>>>,
    /// How many `members` there are.
    count: AtomicUsize,
    /// No more `incoming`: the engine is gone.
    closed: AtomicBool,
    /// The current runner's waker.
    waker: AtomicWaker,
    /// The generation of the runner that serves the lane; a runner of an older one ends.
    runner: AtomicU64,
    /// A runner was started by [`Lane::take_over`] and has not run yet.
    handing_over: AtomicBool,
    /// Connection polls begun, and whether one is under way: how the watchdog sees progress.
    polls: AtomicU64,
    polling: AtomicBool,
    /// The lanes to wake, in order, once this one's next round is done (a small batch's, see
    /// [`batch_wakes`](super::batch_wakes)); bounded by the number of lanes.
    then: Mutex<Vec<Weak<Lane>>>,
}

/// One connection of a lane.
struct Member {
    state: AtomicU8,
    /// The connection loop; `None` once it has ended.
    future: Mutex<Option<Connection>>,
    lane: Weak<Lane>,
}

/// Waiting for a wake-up.
const IDLE: u8 = 0;
/// In the ready queue.
const QUEUED: u8 = 1;
/// Being polled.
const RUNNING: u8 = 2;
/// Being polled, and woken meanwhile: back in the queue after this poll.
const NOTIFIED: u8 = 3;
/// Being polled, and woken meanwhile only by itself, inside [`rechecked`]: queued again after
/// this poll only behind many ready connections (it looked again at what it waits on), and its
/// turn counts as yielded.
const SELF_WOKEN: u8 = 4;

thread_local! {
    /// The member this thread is polling, while it is inside [`rechecked`].
    static RECHECKING: Cell<*const Member> = const { Cell::new(std::ptr::null()) };
    /// The member this thread is polling.
    static POLLING: Cell<*const Member> = const { Cell::new(std::ptr::null()) };
}

/// Ready connections from which a connection that only woke itself goes back in the queue
/// behind them (see [`Lane::settle`]). While tasks are ready, tokio looks for I/O events only
/// every 61 task polls, and a round of the lane's runner (one task poll) serves about
/// [`YIELDS_PER_ROUND`] busy connections: a connection put back behind fewer would be polled
/// again before its client's next message could have been seen, and find nothing. Behind
/// this many, it usually finds that message, read without the wake-up that would otherwise
/// queue the connection again.
const BUSY_QUEUE: usize = 128;

/// Runner rounds end early after this many connections woke themselves while being polled (as
/// `FuturesUnordered` does), so that connections with more work share the lane's turn with the
/// other tasks of the runtime.
const YIELDS_PER_ROUND: usize = 2;

impl Lane {
    pub(super) fn new(incoming: mpsc::UnboundedReceiver<Connection>) -> Lane {
        Lane {
            control: Mutex::new(incoming),
            ready: Mutex::new(VecDeque::new()),
            members: Mutex::new(HashMap::new()),
            count: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            waker: AtomicWaker::new(),
            runner: AtomicU64::new(0),
            handing_over: AtomicBool::new(false),
            polls: AtomicU64::new(0),
            polling: AtomicBool::new(false),
            then: Mutex::new(Vec::new()),
        }
    }

    /// The lane's first runner: serves it until the engine is gone and every connection of the
    /// lane has ended (or another runner takes over).
    pub(super) fn serve(self: Arc<Self>) -> impl Future<Output = ()> + Send + 'static {
        let generation = self.runner.load(Ordering::Acquire);
        async move { poll_fn(|cx| self.round(generation, cx)).await }
    }

    /// Starts a new runner on `runtime` that serves the lane from now on, unless one started
    /// this way has not run yet.
    pub(super) fn take_over(self: &Arc<Self>, runtime: &Handle) {
        if self.handing_over.swap(true, Ordering::AcqRel) {
            return;
        }
        let generation = self.runner.fetch_add(1, Ordering::AcqRel) + 1;
        let lane = self.clone();
        tracing::debug!("a lane is stuck in one connection: another task takes it over");
        runtime.spawn(async move { poll_fn(|cx| lane.round(generation, cx)).await });
    }

    /// Connection polls begun so far, and whether the lane has work (a poll under way, or
    /// connections waiting for one).
    pub(super) fn activity(&self) -> (u64, bool) {
        let polls = self.polls.load(Ordering::Acquire);
        let busy = self.polling.load(Ordering::Acquire) || !lock(&self.ready).is_empty();
        (polls, busy)
    }

    /// One round of runner `generation`: new connections in, then each ready connection
    /// polled once.
    fn round(self: &Arc<Self>, generation: u64, cx: &mut Context<'_>) -> Poll<()> {
        let mut control = lock(&self.control);
        if self.runner.load(Ordering::Acquire) != generation {
            return Poll::Ready(());
        }
        self.handing_over.store(false, Ordering::Release);
        // A runner taken over may have left this set.
        self.polling.store(false, Ordering::Release);
        self.waker.register(cx.waker());
        self.take_incoming(&mut control, cx);
        let mut yielded = 0;
        for polled in 0..self.count.load(Ordering::Acquire) {
            // tokio's cooperative budget is the lane task's: once it is spent, every socket
            // operation of a connection polled now would be refused (and its wake-up deferred),
            // a poll for nothing. The round ends; the rest stay queued, in order, for the next.
            // The first connection is polled whatever the budget, so that every round moves
            // `polls` on (the watchdog reads a lane with work and no new poll as stuck).
            if polled > 0 && !coop::has_budget_remaining() {
                break;
            }
            let Some(member) = lock(&self.ready).pop_front() else {
                break;
            };
            member.state.store(RUNNING, Ordering::Release);
            self.polls.fetch_add(1, Ordering::AcqRel);
            self.polling.store(true, Ordering::Release);
            drop(control);
            let ended = member.poll();
            control = lock(&self.control);
            if self.runner.load(Ordering::Acquire) != generation {
                // Taken over during that poll: the connection goes to the new runner.
                drop(control);
                if self.settle(member, ended) {
                    self.waker.wake();
                }
                return Poll::Ready(());
            }
            self.polling.store(false, Ordering::Release);
            if self.settle(member, ended) {
                yielded += 1;
                if yielded == YIELDS_PER_ROUND {
                    break;
                }
            }
        }
        drop(control);
        self.pass_on();
        if self.closed.load(Ordering::Acquire) && self.count.load(Ordering::Acquire) == 0 {
            return Poll::Ready(());
        }
        if !lock(&self.ready).is_empty() {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Moves what [`Lanes::spawn`](super::Lanes::spawn) sent into the lane, ready to be polled.
    fn take_incoming(
        self: &Arc<Self>,
        incoming: &mut mpsc::UnboundedReceiver<Connection>,
        cx: &mut Context<'_>,
    ) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        loop {
            match incoming.poll_recv(cx) {
                Poll::Ready(Some(connection)) => {
                    let member = Arc::new(Member {
                        state: AtomicU8::new(QUEUED),
                        future: Mutex::new(Some(connection)),
                        lane: Arc::downgrade(self),
                    });
                    lock(&self.members).insert(member.key(), member.clone());
                    self.count.fetch_add(1, Ordering::AcqRel);
                    lock(&self.ready).push_back(member);
                }
                Poll::Ready(None) => {
                    self.closed.store(true, Ordering::Release);
                    return;
                }
                Poll::Pending => return,
            }
        }
    }

    /// After a poll: an ended connection leaves the lane; one woken during its poll goes back
    /// in the ready queue (true: it yielded); any other waits for its next wake-up. One that
    /// only woke itself inside [`rechecked`] has already looked at everything it waits on: it
    /// goes back in the queue only behind [`BUSY_QUEUE`] ready connections or more, and
    /// otherwise waits; its turn counts as yielded either way.
    fn settle(&self, member: Arc<Member>, ended: bool) -> bool {
        if ended {
            lock(&self.members).remove(&member.key());
            self.count.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        match member
            .state
            .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => false,
            Err(SELF_WOKEN) => {
                let mut ready = lock(&self.ready);
                if ready.len() < BUSY_QUEUE
                    && member
                        .state
                        .compare_exchange(SELF_WOKEN, IDLE, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                {
                    return true;
                }
                member.state.store(QUEUED, Ordering::Release);
                ready.push_back(member);
                true
            }
            Err(_) => {
                member.state.store(QUEUED, Ordering::Release);
                lock(&self.ready).push_back(member);
                true
            }
        }
    }

    /// Queues a woken connection and wakes the runner (at the end of the batch, during a
    /// [`batch_wakes`](super::batch_wakes)).
    fn schedule(self: &Arc<Self>, member: Arc<Member>) {
        lock(&self.ready).push_back(member);
        if !super::batch::hold(self) {
            self.wake();
        }
    }

    /// Wakes the runner.
    pub(super) fn wake(&self) {
        self.waker.wake();
    }

    /// Wakes the runner, and `after` one after the other, each once the lane before it has
    /// done a round: run from a worker thread, the woken task stays on that worker (it runs
    /// next there), so the chain does not wake another worker.
    pub(super) fn wake_then(&self, after: impl Iterator<Item = Weak<Lane>>) {
        lock(&self.then).extend(after);
        self.wake();
    }

    /// After a round: wakes the next lane of the chain this lane was woken with, which takes
    /// the rest of it.
    fn pass_on(&self) {
        let (next, rest) = {
            let mut then = lock(&self.then);
            if then.is_empty() {
                return;
            }
            let next = then.remove(0);
            let rest = match then.is_empty() {
                true => Vec::new(),
                false => std::mem::take(&mut *then),
            };
            (next, rest)
        };
        match next.upgrade() {
            Some(next) => next.wake_then(rest.into_iter()),
            None => {
                for lane in rest.iter().filter_map(Weak::upgrade) {
                    lane.wake();
                }
            }
        }
    }
}

impl Drop for Lane {
    /// Drops the connections that have not ended (the runtime is shutting down): each is held
    /// by its own waker too, so it would not go away by itself.
    fn drop(&mut self) {
        let members: Vec<_> = std::mem::take(&mut *lock(&self.members))
            .into_values()
            .collect();
        for member in members {
            let future = lock(&member.future).take();
            drop(future);
        }
    }
}

impl Member {
    /// The member's key in [`Lane::members`].
    fn key(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }

    /// Polls the connection once; true if it has ended (or panicked: that ends it alone).
    fn poll(self: &Arc<Self>) -> bool {
        let waker = waker_ref(self);
        let mut cx = Context::from_waker(&waker);
        let mut slot = lock(&self.future);
        let Some(future) = slot.as_mut() else {
            return true;
        };
        POLLING.set(Arc::as_ptr(self));
        let polled = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
        POLLING.set(std::ptr::null());
        // Left set if `rechecked` unwound.
        RECHECKING.set(std::ptr::null());
        match polled {
            Ok(Poll::Pending) => false,
            Ok(Poll::Ready(())) => {
                *slot = None;
                true
            }
            Err(_) => {
                tracing::error!("a websocket connection loop panicked");
                *slot = None;
                true
            }
        }
    }
}

impl ArcWake for Member {
    fn wake_by_ref(member: &Arc<Self>) {
        let mut state = member.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                IDLE => QUEUED,
                RUNNING | SELF_WOKEN if RECHECKING.get() == Arc::as_ptr(member) => SELF_WOKEN,
                RUNNING | SELF_WOKEN => NOTIFIED,
                _ => return,
            };
            if next == state {
                return;
            }
            match member.state.compare_exchange_weak(
                state,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) if next == QUEUED => break,
                Ok(_) => return,
                Err(now) => state = now,
            }
        }
        if let Some(lane) = member.lane.upgrade() {
            lane.schedule(member.clone());
        }
    }
}

/// Runs `handle` (the handling of what a lane's connection read, inside that connection's
/// poll), after which the connection looks again at everything it waits on before its poll
/// returns `Pending`: the wake-ups it gives itself meanwhile (a frame it queued for its own
/// client) need not have it polled again at once. It is polled again only if many other
/// connections are ready before it (see [`Lane::settle`]), and they still count as a turn it
/// yielded, as any wake-up during its poll does, so that a round of the lane ends after
/// [`YIELDS_PER_ROUND`] busy connections, as before. Outside a lane's poll, `handle` just runs.
pub(crate) fn rechecked<R>(handle: impl FnOnce() -> R) -> R {
    RECHECKING.set(POLLING.get());
    let handled = handle();
    RECHECKING.set(std::ptr::null());
    handled
}

/// Locks `mutex`; a panic while it was held poisons nothing that matters here (each critical
/// section leaves its data consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
