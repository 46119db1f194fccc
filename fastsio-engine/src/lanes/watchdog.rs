//! The watchdog: one thread for the whole process that looks at every watched [`Lane`] each
//! [`TICK`] and hands over a lane that had work at two looks in a row and began no connection
//! poll in between: its
//! runner is stuck in one connection's poll (an event handler that blocks its thread, say), or
//! it was never run (it waits in the local queue of a worker blocked by something else).
//!
//! A thread rather than a task, because the runtime's workers are exactly what may be stuck.
//! While no lane has work the thread looks less and less often (up to [`MAX_TICK`]), and it
//! sleeps for good while no lane is watched.

use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use tokio::runtime::Handle;

use super::lane::Lane;

/// How often lanes are looked at while one has work: a stuck lane is taken over after one to
/// two ticks.
const TICK: Duration = Duration::from_millis(1);
/// How often lanes are looked at while none has work.
const MAX_TICK: Duration = Duration::from_millis(16);

/// A lane under watch, and what was seen of it at the last look.
struct Watched {
    lane: Weak<Lane>,
    runtime: Handle,
    /// Connection polls begun, at the last look.
    polls: u64,
    /// The lane had work at the last look.
    busy: bool,
}

/// The watched lanes, and the signal that there are some.
struct Watchdog {
    lanes: Mutex<Vec<Watched>>,
    added: Condvar,
}

/// Watches `lane` (whose runners run on `runtime`) until it is dropped.
pub(super) fn watch(lane: &Arc<Lane>, runtime: Handle) {
    static WATCHDOG: OnceLock<Arc<Watchdog>> = OnceLock::new();
    let watchdog = WATCHDOG.get_or_init(|| {
        let watchdog = Arc::new(Watchdog {
            lanes: Mutex::new(Vec::new()),
            added: Condvar::new(),
        });
        let looking = watchdog.clone();
        let started = std::thread::Builder::new()
            .name("fastsio-lanes-watchdog".into())
            .spawn(move || looking.run());
        if let Err(e) = started {
            tracing::warn!(error = %e, "no watchdog thread: a blocking handler will stall its lane");
        }
        watchdog
    });
    let mut lanes = watchdog
        .lanes
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    lanes.push(Watched {
        lane: Arc::downgrade(lane),
        runtime,
        polls: 0,
        busy: false,
    });
    watchdog.added.notify_one();
}

impl Watchdog {
    fn run(&self) {
        let mut tick = TICK;
        loop {
            std::thread::sleep(tick);
            tick = if self.look() {
                TICK
            } else {
                (tick * 2).min(MAX_TICK)
            };
        }
    }

    /// Looks at every lane once, taking over those stalled across a whole tick; true if one
    /// had work. Waits here while no lane is watched.
    fn look(&self) -> bool {
        let mut alive = Vec::new();
        let mut busy = false;
        {
            let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
            lanes.retain(|watched| watched.lane.strong_count() > 0);
            while lanes.is_empty() {
                lanes = self
                    .added
                    .wait(lanes)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            for watched in lanes.iter_mut() {
                let Some(lane) = watched.lane.upgrade() else {
                    continue;
                };
                let (polls, has_work) = lane.activity();
                if has_work && watched.busy && polls == watched.polls {
                    lane.take_over(&watched.runtime);
                }
                watched.polls = polls;
                watched.busy = has_work;
                busy |= has_work;
                // Dropped after the lock: the last reference to a lane drops its connections.
                alive.push(lane);
            }
        }
        drop(alive);
        busy
    }
}
