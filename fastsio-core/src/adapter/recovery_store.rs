//! [`MemoryRecoveryStore`]: connection state recovery in memory, for one namespace on one node.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use super::{Recipients, RecoveryRecord, RestoredRecord};
use crate::engine::Sid;
use crate::protocol::EncodedPacket;
use crate::recovery::RecoveryConfig;
use crate::room::Room;

/// Recovery records of disconnected sockets and the packets emitted since, bounded by
/// [`RecoveryConfig::max_disconnection_duration`] and its count and size caps.
///
/// Offsets are a counter, sent as decimal strings. Nothing runs in the background: what
/// expired is dropped by the next store, persist or restore (from the oldest end, so each
/// costs O(what is dropped)). [`LocalAdapter`](super::LocalAdapter) uses it; a cluster adapter
/// may too, for what stays on its node.
#[derive(Debug)]
pub struct MemoryRecoveryStore {
    config: RecoveryConfig,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_offset: u64,
    packets: VecDeque<StoredPacket>,
    bytes: usize,
    records: HashMap<Sid, (RecoveryRecord, Instant)>,
    /// Records in the order they were persisted (so in expiry order), possibly stale.
    expiry: VecDeque<(Instant, Sid)>,
}

#[derive(Debug)]
struct StoredPacket {
    offset: u64,
    at: Instant,
    to: StoredRecipients,
    packet: EncodedPacket,
    size: usize,
}

#[derive(Debug)]
enum StoredRecipients {
    Socket(Sid),
    Rooms { rooms: Vec<Room>, except: Vec<Room> },
}

impl StoredRecipients {
    fn include(&self, record: &RecoveryRecord) -> bool {
        match self {
            StoredRecipients::Socket(sid) => *sid == record.sid,
            StoredRecipients::Rooms { rooms, except } => {
                (rooms.is_empty() || rooms.iter().any(|r| record.rooms.contains(r)))
                    && !except.iter().any(|r| record.rooms.contains(r))
            }
        }
    }
}

impl MemoryRecoveryStore {
    /// An empty store with these limits.
    pub fn new(config: RecoveryConfig) -> Self {
        MemoryRecoveryStore {
            config,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn expired(&self, at: Instant, now: Instant) -> bool {
        now.saturating_duration_since(at) > self.config.max_disconnection_duration
    }

    /// Gives `packet` the next offset (as its last argument), keeps it for replay and returns
    /// it, ready to send.
    pub fn store(&self, packet: EncodedPacket, to: Recipients<'_>) -> EncodedPacket {
        let to = match to {
            Recipients::Socket(sid) => StoredRecipients::Socket(sid),
            Recipients::Broadcast(opts) => StoredRecipients::Rooms {
                rooms: opts.rooms.clone(),
                except: opts.except.clone(),
            },
        };
        let now = Instant::now();
        let mut inner = self.lock();
        let offset = inner.next_offset;
        inner.next_offset += 1;
        let packet = packet.with_offset(itoa::Buffer::new().format(offset));
        let size = packet.text.len() + packet.attachments.iter().map(|a| a.len()).sum::<usize>();
        inner.bytes += size;
        inner.packets.push_back(StoredPacket {
            offset,
            at: now,
            to,
            packet: packet.clone(),
            size,
        });
        while let Some(oldest) = inner.packets.front() {
            let over = inner.packets.len() > self.config.max_packets
                || inner.bytes > self.config.max_bytes;
            if !over && !self.expired(oldest.at, now) {
                break;
            }
            let size = oldest.size;
            inner.packets.pop_front();
            inner.bytes -= size;
        }
        packet
    }

    /// Keeps a disconnected socket's record until it comes back or expires.
    pub fn persist(&self, record: RecoveryRecord) {
        let now = Instant::now();
        let mut inner = self.lock();
        self.drop_expired_records(&mut inner, now);
        while inner.records.len() >= self.config.max_records {
            let Some((at, pid)) = inner.expiry.pop_front() else {
                break;
            };
            remove_if_persisted_at(&mut inner.records, pid, at);
        }
        if self.config.max_records == 0 {
            return;
        }
        inner.expiry.push_back((now, record.pid));
        inner.records.insert(record.pid, (record, now));
    }

    /// Takes the record of private id `pid` back with the packets it missed after `offset`: `None` when the
    /// record is unknown or expired, or when the offset is not one this store gave or some
    /// packet after it was already dropped (what the client missed cannot be told then).
    pub fn restore(&self, pid: Sid, offset: &str) -> Option<RestoredRecord> {
        let offset: u64 = offset.parse().ok()?;
        let now = Instant::now();
        let mut inner = self.lock();
        self.drop_expired_records(&mut inner, now);
        let (record, at) = inner.records.remove(&pid)?;
        if self.expired(at, now) || offset >= inner.next_offset {
            return None;
        }
        let first_kept = inner
            .packets
            .front()
            .map_or(inner.next_offset, |p| p.offset);
        if offset + 1 < first_kept {
            return None;
        }
        let missed = inner
            .packets
            .iter()
            .skip_while(|p| p.offset <= offset)
            .filter(|p| p.to.include(&record))
            .map(|p| p.packet.clone())
            .collect();
        Some(RestoredRecord { record, missed })
    }

    fn drop_expired_records(&self, inner: &mut Inner, now: Instant) {
        while let Some(&(at, pid)) = inner.expiry.front() {
            if !self.expired(at, now) {
                break;
            }
            inner.expiry.pop_front();
            remove_if_persisted_at(&mut inner.records, pid, at);
        }
    }
}

/// Removes record `pid` unless it was persisted again since `at` (its entry is newer).
fn remove_if_persisted_at(
    records: &mut HashMap<Sid, (RecoveryRecord, Instant)>,
    pid: Sid,
    at: Instant,
) {
    if records
        .get(&pid)
        .is_some_and(|(_, persisted)| *persisted == at)
    {
        records.remove(&pid);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::adapter::BroadcastOptions;

    fn event(n: u32) -> EncodedPacket {
        EncodedPacket::event("/", "e", None, &n, Vec::new()).unwrap()
    }

    fn record(rooms: &[&str]) -> RecoveryRecord {
        let sid = Sid::new();
        let mut all: Vec<Room> = rooms.iter().map(|r| Room::from(*r)).collect();
        all.push(Room::from(sid.as_str()));
        RecoveryRecord {
            sid,
            pid: Sid::new(),
            rooms: all,
            extensions: http::Extensions::new(),
        }
    }

    fn texts(restored: &RestoredRecord) -> Vec<&str> {
        restored.missed.iter().map(|p| &*p.text).collect()
    }

    #[test]
    fn replays_what_the_socket_would_have_received_in_order() {
        let store = MemoryRecoveryStore::new(RecoveryConfig::default());
        let s = record(&["a"]);
        let first = store.store(event(0), Recipients::Socket(s.sid));
        assert_eq!(&*first.text, r#"42["e",0,"0"]"#);
        store.persist(s.clone());
        let to_a = BroadcastOptions {
            rooms: vec!["a".into()],
            ..Default::default()
        };
        let to_b = BroadcastOptions {
            rooms: vec!["b".into()],
            ..Default::default()
        };
        let all_but_s = BroadcastOptions {
            except: vec![Room::from(s.sid.as_str())],
            ..Default::default()
        };
        store.store(event(1), Recipients::Broadcast(&to_a));
        store.store(event(2), Recipients::Broadcast(&to_b));
        store.store(event(3), Recipients::Broadcast(&all_but_s));
        store.store(event(4), Recipients::Socket(Sid::new()));
        store.store(
            event(5),
            Recipients::Broadcast(&BroadcastOptions::default()),
        );
        store.store(event(6), Recipients::Socket(s.sid));
        let restored = store.restore(s.pid, "0").unwrap();
        assert_eq!(restored.record.sid, s.sid);
        assert_eq!(
            texts(&restored),
            [r#"42["e",1,"1"]"#, r#"42["e",5,"5"]"#, r#"42["e",6,"6"]"#]
        );
        assert!(
            store.restore(s.pid, "0").is_none(),
            "a record is restored once"
        );
    }

    #[test]
    fn refuses_unknown_offsets_and_dropped_packets() {
        let config = RecoveryConfig {
            max_packets: 2,
            ..RecoveryConfig::default()
        };
        let store = MemoryRecoveryStore::new(config);
        let s = record(&[]);
        for n in 0..4 {
            store.store(event(n), Recipients::Socket(s.sid));
        }
        for offset in ["0", "4", "x", "-1", ""] {
            store.persist(s.clone());
            assert!(store.restore(s.pid, offset).is_none(), "offset {offset:?}");
        }
        store.persist(s.clone());
        let restored = store.restore(s.pid, "1").unwrap();
        assert_eq!(texts(&restored), [r#"42["e",2,"2"]"#, r#"42["e",3,"3"]"#]);
        store.persist(s.clone());
        assert!(store.restore(s.pid, "3").unwrap().missed.is_empty());
        assert!(store.restore(Sid::new(), "3").is_none());
    }

    #[test]
    fn records_expire_and_are_capped() {
        let expired = MemoryRecoveryStore::new(RecoveryConfig {
            max_disconnection_duration: Duration::ZERO,
            ..RecoveryConfig::default()
        });
        let s = record(&[]);
        expired.store(event(0), Recipients::Socket(s.sid));
        expired.persist(s.clone());
        std::thread::sleep(Duration::from_millis(2));
        assert!(expired.restore(s.pid, "0").is_none());

        let capped = MemoryRecoveryStore::new(RecoveryConfig {
            max_records: 1,
            ..RecoveryConfig::default()
        });
        let (a, b) = (record(&[]), record(&[]));
        capped.store(event(0), Recipients::Socket(a.sid));
        capped.persist(a.clone());
        capped.persist(b.clone());
        assert!(capped.restore(a.pid, "0").is_none());
        assert!(capped.restore(b.pid, "0").is_some());
    }
}
