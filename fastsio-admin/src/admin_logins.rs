//! [`AdminLogins`]: the logins handed to admins, so that a reloaded UI logs in again
//! with its session id instead of the password.

use std::collections::VecDeque;
use std::sync::Mutex;

/// The most recent session ids, oldest first, at most `max`.
pub(crate) struct AdminLogins {
    ids: Mutex<VecDeque<String>>,
    max: usize,
}

impl AdminLogins {
    pub fn new(max: usize) -> Self {
        AdminLogins {
            ids: Mutex::new(VecDeque::new()),
            max,
        }
    }

    /// A new random session id, remembered (forgetting the oldest beyond `max`).
    pub fn open(&self) -> String {
        let id = format!("{:016x}", rand::random::<u64>());
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if ids.len() >= self.max {
            ids.pop_front();
        }
        ids.push_back(id.clone());
        id
    }

    /// Whether `id` was handed out and not forgotten since.
    pub fn contains(&self, id: &str) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|known| known == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_beyond_the_limit() {
        let logins = AdminLogins::new(2);
        let (a, b) = (logins.open(), logins.open());
        assert!(logins.contains(&a) && logins.contains(&b));
        let c = logins.open();
        assert!(!logins.contains(&a));
        assert!(logins.contains(&b) && logins.contains(&c));
        assert!(!logins.contains("not-a-session"));
    }
}
