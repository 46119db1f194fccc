//! [`Traffic`]: the aggregated counts of `server_stats` (connections, disconnections by
//! reason, packets and bytes each way), collected between two stats.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Distinct (second, type, reason) entries kept between two stats; beyond, new ones are
/// dropped (only reached with no stats sent for a long time).
const MAX_ENTRIES: usize = 4_096;

/// One entry of `aggregatedEvents`, as the admin UI reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AggregatedEvent {
    /// Milliseconds since the epoch, rounded down to the second.
    timestamp: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "subType", skip_serializing_if = "Option::is_none")]
    sub_type: Option<&'static str>,
    count: u64,
}

/// Counts since the last [`Traffic::take`].
#[derive(Default)]
pub(crate) struct Traffic {
    packets_in: AtomicU64,
    bytes_in: AtomicU64,
    packets_out: AtomicU64,
    bytes_out: AtomicU64,
    events: Mutex<Vec<AggregatedEvent>>,
}

fn this_second() -> u64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    ms - ms % 1_000
}

impl Traffic {
    pub fn received(&self, bytes: usize) {
        self.packets_in.fetch_add(1, Ordering::Relaxed);
        self.bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn sent(&self, packets: usize, bytes: usize) {
        self.packets_out
            .fetch_add(packets as u64, Ordering::Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts a `rawConnection` or a `rawDisconnection` (with its reason).
    pub fn push(&self, kind: &'static str, sub_type: Option<&'static str>) {
        let timestamp = this_second();
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let same = |e: &&mut AggregatedEvent| {
            e.timestamp == timestamp && e.kind == kind && e.sub_type == sub_type
        };
        if let Some(event) = events.iter_mut().find(same) {
            event.count += 1;
        } else if events.len() < MAX_ENTRIES {
            events.push(AggregatedEvent {
                timestamp,
                kind,
                sub_type,
                count: 1,
            });
        }
    }

    /// Everything counted since the last call, and starts over.
    pub fn take(&self) -> Vec<AggregatedEvent> {
        let mut events =
            std::mem::take(&mut *self.events.lock().unwrap_or_else(|e| e.into_inner()));
        let timestamp = this_second();
        let counters = [
            ("packetsIn", &self.packets_in),
            ("bytesIn", &self.bytes_in),
            ("packetsOut", &self.packets_out),
            ("bytesOut", &self.bytes_out),
        ];
        for (kind, counter) in counters {
            let count = counter.swap(0, Ordering::Relaxed);
            if count > 0 {
                events.push(AggregatedEvent {
                    timestamp,
                    kind,
                    sub_type: None,
                    count,
                });
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_same_second_entries_and_starts_over() {
        let traffic = Traffic::default();
        traffic.push("rawConnection", None);
        traffic.push("rawDisconnection", Some("transport close"));
        traffic.received(10);
        traffic.sent(2, 30);
        let counted: Vec<(&str, Option<&str>, u64)> = traffic
            .take()
            .iter()
            .map(|e| (e.kind, e.sub_type, e.count))
            .collect();
        assert!(counted.contains(&("rawConnection", None, 1)));
        assert!(counted.contains(&("rawDisconnection", Some("transport close"), 1)));
        assert!(counted.contains(&("packetsIn", None, 1)));
        assert!(counted.contains(&("bytesIn", None, 10)));
        assert!(counted.contains(&("packetsOut", None, 2)));
        assert!(counted.contains(&("bytesOut", None, 30)));
        assert!(traffic.take().is_empty());
    }
}
