//! [`Subscriptions`]: the channels this node wants (counted: a room's channel is wanted while
//! the room has members here) and the ones Redis has confirmed; the subscriber reconciles
//! the two whenever the wanted set changes, and after each reconnection.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

#[derive(Default)]
pub(crate) struct Subscriptions {
    wanted: Mutex<HashMap<String, usize>>,
    confirmed: Mutex<HashSet<String>>,
    changed: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Subscriptions {
    /// One more reason to be subscribed to `channel`.
    pub(crate) fn want(&self, channel: String) {
        let mut wanted = lock(&self.wanted);
        let count = wanted.entry(channel).or_default();
        *count += 1;
        if *count == 1 {
            self.changed.notify_one();
        }
    }

    /// One reason less; the last one gone, the subscriber unsubscribes.
    pub(crate) fn unwant(&self, channel: &str) {
        let mut wanted = lock(&self.wanted);
        if let Some(count) = wanted.get_mut(channel) {
            *count -= 1;
            if *count == 0 {
                wanted.remove(channel);
                self.changed.notify_one();
            }
        }
    }

    /// No more reason to be subscribed to `channel`, however many there were.
    pub(crate) fn forget(&self, channel: &str) {
        if lock(&self.wanted).remove(channel).is_some() {
            self.changed.notify_one();
        }
    }

    /// Whether Redis confirmed the subscription to `channel`.
    pub(crate) fn is_confirmed(&self, channel: &str) -> bool {
        lock(&self.confirmed).contains(channel)
    }

    /// Wakes the subscriber as a change would.
    pub(crate) fn wake(&self) {
        self.changed.notify_one();
    }

    /// Resolves when the wanted set changed since the last call.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await
    }

    /// What to subscribe to and what to unsubscribe from.
    pub(crate) fn diff(&self) -> (Vec<String>, Vec<String>) {
        let wanted = lock(&self.wanted);
        let confirmed = lock(&self.confirmed);
        let add = wanted
            .keys()
            .filter(|c| !confirmed.contains(*c))
            .cloned()
            .collect();
        let remove = confirmed
            .iter()
            .filter(|c| !wanted.contains_key(*c))
            .cloned()
            .collect();
        (add, remove)
    }

    /// Records a confirmed subscription (`on`) or unsubscription.
    pub(crate) fn confirm(&self, channel: String, on: bool) {
        let mut confirmed = lock(&self.confirmed);
        if on {
            confirmed.insert(channel);
        } else {
            confirmed.remove(&channel);
        }
    }

    /// The connection is gone, and its subscriptions with it.
    pub(crate) fn lost(&self) {
        lock(&self.confirmed).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_stays_wanted_until_its_last_member_leaves() {
        let s = Subscriptions::default();
        s.want("r".into());
        s.want("r".into());
        assert_eq!(s.diff(), (vec!["r".to_string()], vec![]));
        s.confirm("r".into(), true);
        s.unwant("r");
        assert_eq!(s.diff(), (vec![], vec![]));
        s.unwant("r");
        assert_eq!(s.diff(), (vec![], vec!["r".to_string()]));
        s.confirm("r".into(), false);
        s.want("x".into());
        s.confirm("x".into(), true);
        s.lost();
        assert_eq!(s.diff(), (vec!["x".to_string()], vec![]));
        s.forget("x");
        assert_eq!(s.diff(), (vec![], vec![]));
    }
}
