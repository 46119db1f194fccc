//! [`EventQueue`]: a socket's received events waiting for their handlers, in order.
//!
//! No task waits on an idle socket: the first event starts a worker that drains the queue
//! and ends when it is empty, so an idle connection costs an empty `VecDeque`.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::handler::EventContext;

/// What [`EventQueue::push`] did.
pub(crate) enum Push {
    /// Queued behind a running worker.
    Queued,
    /// Queued; no worker was running, so the caller starts one.
    StartWorker,
    /// The queue is full: the event comes back (the connection then waits).
    Full(Box<EventContext>),
}

#[derive(Default)]
struct State {
    items: VecDeque<EventContext>,
    running: bool,
    limit: usize,
    /// An event was refused since the last pop: a [`EventQueue::push_wait`] may be waiting
    /// for room.
    refused: bool,
}

/// A bounded, ordered queue with at most one worker.
#[derive(Default)]
pub(crate) struct EventQueue {
    state: Mutex<State>,
    space: Notify,
}

impl EventQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts accepting up to `limit` waiting events.
    pub fn open(&self, limit: usize) {
        self.lock().limit = limit.max(1);
    }

    /// Marks the worker running if none is and nothing waits: the caller then runs its event
    /// at once, as the worker, without queueing it, and ends the worker with
    /// [`pop`](Self::pop) like any other. False while the queue does not accept events.
    pub fn begin(&self) -> bool {
        let mut state = self.lock();
        let idle = !state.running && state.items.is_empty() && state.limit > 0;
        if idle {
            state.running = true;
        }
        idle
    }

    /// Queues an event unless the queue is full.
    pub fn push(&self, cx: EventContext) -> Push {
        let mut state = self.lock();
        if state.items.len() >= state.limit {
            state.refused = true;
            return Push::Full(Box::new(cx));
        }
        state.items.push_back(cx);
        if state.running {
            Push::Queued
        } else {
            state.running = true;
            Push::StartWorker
        }
    }

    /// Waits for room, then queues; true when the caller must start a worker.
    pub async fn push_wait(&self, mut cx: EventContext) -> bool {
        loop {
            let space = self.space.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            match self.push(cx) {
                Push::Queued => return false,
                Push::StartWorker => return true,
                Push::Full(back) => cx = *back,
            }
            space.await;
        }
    }

    /// The next event for the worker; `None` ends the worker (the queue is empty). Tells a
    /// [`push_wait`](Self::push_wait) that was refused there is room now.
    pub fn pop(&self) -> Option<EventContext> {
        let mut state = self.lock();
        let next = state.items.pop_front();
        if next.is_none() {
            state.running = false;
        }
        let refused = std::mem::take(&mut state.refused);
        drop(state);
        if refused {
            self.space.notify_one();
        }
        next
    }

    /// Drops what waits (the socket is gone).
    pub fn clear(&self) {
        let mut state = self.lock();
        state.items.clear();
        state.limit = 0;
        drop(state);
        self.space.notify_waiters();
    }
}
