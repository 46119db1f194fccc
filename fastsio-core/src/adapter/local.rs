//! [`LocalAdapter`]: rooms in memory, one node.

use std::collections::{HashMap, HashSet};
use std::sync::{OnceLock, RwLock};

use foldhash::fast::RandomState;

use super::small_set::SmallSet;
use super::{
    Adapter, AdapterFuture, BroadcastOptions, LocalNamespace, MemoryRecoveryStore, Recipients,
    RecoveryRecord, RestoredRecord, Stored,
};
use crate::engine::{Sid, Str};
use crate::protocol::EncodedPacket;
use crate::room::Room;

/// The in-memory adapter: a room → sockets index and its reverse, and, with connection state
/// recovery on, a [`MemoryRecoveryStore`].
#[derive(Debug, Default)]
pub struct LocalAdapter {
    index: RwLock<Index>,
    recovery: OnceLock<MemoryRecoveryStore>,
}

/// Both maps hash with foldhash, seeded per process: a room is looked up for every broadcast
/// to it, and SipHash cost as much as the rest of the lookup. Room names may come from
/// clients, so the seed stays random.
#[derive(Debug, Default)]
struct Index {
    rooms: HashMap<Room, SmallSet<Sid>, RandomState>,
    sockets: HashMap<Sid, SmallSet<Room>, RandomState>,
}

impl LocalAdapter {
    /// An empty adapter.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl Adapter for LocalAdapter {
    fn init(&self, namespace: LocalNamespace) {
        if let Some(config) = namespace.recovery() {
            let _ = self.recovery.set(MemoryRecoveryStore::new(config));
        }
    }

    fn store_packet(&self, packet: EncodedPacket, to: Recipients<'_>) -> Stored {
        Stored::Ready(match self.recovery.get() {
            Some(store) => store.store(packet, to),
            None => packet,
        })
    }

    fn persist_record(&self, record: RecoveryRecord) {
        if let Some(store) = self.recovery.get() {
            store.persist(record);
        }
    }

    fn restore_record(
        &self,
        pid: Sid,
        offset: Str,
    ) -> AdapterFuture<'static, Option<RestoredRecord>> {
        let restored = self
            .recovery
            .get()
            .and_then(|store| store.restore(pid, &offset));
        Box::pin(std::future::ready(Ok(restored)))
    }

    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        let mut index = self.write();
        for room in rooms {
            index.rooms.entry(room.clone()).or_default().insert(sid);
        }
        index
            .sockets
            .entry(sid)
            .or_default()
            .extend(rooms.iter().cloned());
    }

    fn del(&self, sid: Sid, rooms: &[Room]) {
        let mut index = self.write();
        for room in rooms {
            if let Some(members) = index.rooms.get_mut(room) {
                members.remove(&sid);
                if members.is_empty() {
                    index.rooms.remove(room);
                }
            }
            if let Some(joined) = index.sockets.get_mut(&sid) {
                joined.remove(room);
            }
        }
    }

    fn del_all(&self, sid: Sid) {
        let mut index = self.write();
        let Some(joined) = index.sockets.remove(&sid) else {
            return;
        };
        for room in joined.iter() {
            if let Some(members) = index.rooms.get_mut(room) {
                members.remove(&sid);
                if members.is_empty() {
                    index.rooms.remove(room);
                }
            }
        }
    }

    fn socket_rooms(&self, sid: Sid) -> Vec<Room> {
        self.read()
            .sockets
            .get(&sid)
            .map(|rooms| rooms.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn rooms(&self) -> Vec<Room> {
        self.read().rooms.keys().cloned().collect()
    }

    fn for_each_target(&self, opts: &BroadcastOptions, f: &mut dyn FnMut(Sid)) {
        let index = self.read();
        let excluded = |sid: &Sid| {
            !opts.except.is_empty()
                && index
                    .sockets
                    .get(sid)
                    .is_some_and(|rooms| opts.except.iter().any(|r| rooms.contains(r)))
        };
        match opts.rooms.as_slice() {
            [] => index
                .sockets
                .keys()
                .filter(|sid| !excluded(sid))
                .for_each(|sid| f(*sid)),
            [room] => {
                if let Some(members) = index.rooms.get(room) {
                    members
                        .iter()
                        .filter(|sid| !excluded(sid))
                        .for_each(|sid| f(*sid));
                }
            }
            rooms => {
                let mut seen = HashSet::with_hasher(RandomState::default());
                for room in rooms {
                    let Some(members) = index.rooms.get(room) else {
                        continue;
                    };
                    for sid in members.iter() {
                        if !excluded(sid) && seen.insert(*sid) {
                            f(*sid);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(adapter: &LocalAdapter, opts: &BroadcastOptions) -> Vec<Sid> {
        let mut out = Vec::new();
        adapter.for_each_target(opts, &mut |sid| out.push(sid));
        out.sort();
        out
    }

    #[test]
    fn multi_room_targets_are_deduplicated_and_except_applies() {
        let adapter = LocalAdapter::new();
        let (a, b, c) = (Sid::new(), Sid::new(), Sid::new());
        adapter.add_all(a, &["x".into(), "y".into()]);
        adapter.add_all(b, &["y".into()]);
        adapter.add_all(c, &["z".into()]);
        let opts = BroadcastOptions {
            rooms: vec!["x".into(), "y".into()],
            ..Default::default()
        };
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(targets(&adapter, &opts), expected);
        let opts = BroadcastOptions {
            except: vec!["x".into()],
            ..Default::default()
        };
        let mut expected = vec![b, c];
        expected.sort();
        assert_eq!(targets(&adapter, &opts), expected);
        adapter.del_all(a);
        assert!(adapter.socket_rooms(a).is_empty());
        assert!(!adapter.rooms().contains(&"x".into()));
    }
}
