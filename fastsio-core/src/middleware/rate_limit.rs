//! [`RateLimit`]: at most N events per rolling window, per socket.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::{Middleware, Next};
use crate::handler::{AckErrorBody, AckReply, BoxFuture, EventContext};

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Lets at most `max` events through per socket in any rolling `window` (a burst of `max`
/// passes at once); the excess is answered with `rate_limited` and never reaches the handler.
///
/// Exact over the window, unlike a token bucket (GCRA) that would admit one more event as soon
/// as part of the window has passed: each socket keeps the times of its last `max` accepted
/// events, in its own session, freed with it.
///
/// ```
/// use fastsio_core::middleware::{MiddlewareScope, RateLimit};
/// let limit = RateLimit::per_second(20).events(["send_message"]);
/// # let _ = limit;
/// ```
#[derive(Debug, Clone)]
pub struct RateLimit {
    id: u64,
    max: usize,
    window: Duration,
}

impl RateLimit {
    /// At most `max` events per `window`.
    pub fn new(max: usize, window: Duration) -> Self {
        RateLimit {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            max,
            window,
        }
    }

    /// At most `max` events per rolling second.
    pub fn per_second(max: usize) -> Self {
        Self::new(max, Duration::from_secs(1))
    }
}

/// The accepted-event times of one socket, per rate limiter.
#[derive(Clone, Default)]
struct Windows(Arc<Mutex<HashMap<u64, VecDeque<Instant>>>>);

impl Middleware for RateLimit {
    fn on_event(&self, cx: EventContext, next: Next) -> BoxFuture<AckReply> {
        let windows = match cx.socket.get::<Windows>() {
            Some(w) => w,
            None => {
                let w = Windows::default();
                cx.socket.insert(w.clone());
                w
            }
        };
        let now = Instant::now();
        let allowed = {
            let mut all = windows.0.lock().unwrap_or_else(|e| e.into_inner());
            let times = all.entry(self.id).or_default();
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            let allowed = times.len() < self.max;
            if allowed {
                times.push_back(now);
            }
            allowed
        };
        if allowed {
            next.run(cx)
        } else {
            Box::pin(std::future::ready(AckReply::Error(AckErrorBody::new(
                "rate_limited",
                format!(
                    "too many events: at most {} per {} ms",
                    self.max,
                    self.window.as_millis()
                ),
            ))))
        }
    }
}
