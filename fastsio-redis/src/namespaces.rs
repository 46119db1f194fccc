//! [`Namespaces`]: the namespaces this node serves in the cluster, each with the adapter that
//! serves it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use fastsio::adapter::{LocalAdapter, LocalNamespace};
use foldhash::fast::RandomState;

/// A namespace this node serves.
#[derive(Clone)]
pub(crate) struct Served {
    /// Which adapter registered it (a later one replaces it, an earlier one's drop must not
    /// remove it).
    pub(crate) adapter: u64,
    pub(crate) ns: LocalNamespace,
    pub(crate) rooms: Arc<LocalAdapter>,
}

/// Paths to what serves them, hashed with foldhash: every broadcast heard looks its
/// namespace up.
type ByPath = HashMap<String, Served, RandomState>;

/// The namespaces served, by path, and the ids given to their adapters.
#[derive(Default)]
pub(crate) struct Namespaces {
    served: Mutex<ByPath>,
    adapter_ids: AtomicU64,
}

impl Namespaces {
    fn served(&self) -> MutexGuard<'_, ByPath> {
        self.served.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An id for a new adapter.
    pub(crate) fn next_adapter_id(&self) -> u64 {
        self.adapter_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// Serves `nsp` by `served` (replacing an earlier adapter); whether it was not served yet.
    pub(crate) fn insert(&self, nsp: &str, served: Served) -> bool {
        self.served().insert(nsp.to_string(), served).is_none()
    }

    /// Stops serving `nsp` if `adapter` still serves it; whether it did.
    pub(crate) fn remove(&self, nsp: &str, adapter: u64) -> bool {
        let mut served = self.served();
        let removed = served.get(nsp).is_some_and(|s| s.adapter == adapter);
        if removed {
            served.remove(nsp);
        }
        removed
    }

    /// What serves `nsp`, if it is served.
    pub(crate) fn get(&self, nsp: &str) -> Option<Served> {
        self.served().get(nsp).cloned()
    }

    /// The namespace at `nsp`, if it is served: for a broadcast, which needs nothing else.
    pub(crate) fn local(&self, nsp: &str) -> Option<LocalNamespace> {
        self.served().get(nsp).map(|served| served.ns.clone())
    }

    /// The paths of the namespaces served.
    pub(crate) fn paths(&self) -> Vec<String> {
        self.served().keys().cloned().collect()
    }
}
