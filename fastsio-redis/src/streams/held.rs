//! [`Held`]: packets for a socket that is still connecting. An emit to a socket in its
//! connect handler gets its offset once Redis answers, which may be before the socket joins
//! its namespace; such a packet waits here until the socket joins its own room (right after
//! the CONNECT reply), then goes out. Bounded: beyond [`MAX_SOCKETS`] sockets, the oldest
//! waiting ones are dropped (a socket that closed while connecting never comes for its
//! packets).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use fastsio::Room;
use fastsio::adapter::{BroadcastOptions, LocalNamespace};
use fastsio::engine::Sid;
use fastsio::protocol::EncodedPacket;

/// Sockets whose packets may wait at once.
pub(crate) const MAX_SOCKETS: usize = 1024;

#[derive(Default)]
pub(crate) struct Held(Mutex<Inner>);

#[derive(Default)]
struct Inner {
    packets: HashMap<Sid, Vec<EncodedPacket>>,
    /// Sockets in the order their first packet came, possibly gone already.
    order: VecDeque<Sid>,
}

fn to(sid: Sid) -> BroadcastOptions {
    BroadcastOptions {
        rooms: vec![Room::from(sid.as_str())],
        local: true,
        ..BroadcastOptions::default()
    }
}

impl Held {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `packet` to socket `sid`, or keeps it until the socket joins (no socket of that
    /// id is in the namespace yet).
    pub(crate) fn send(&self, ns: &LocalNamespace, sid: Sid, packet: EncodedPacket) {
        let mut inner = self.lock();
        if ns.deliver(&packet, &to(sid)) > 0 {
            return;
        }
        if !inner.packets.contains_key(&sid) {
            while inner.packets.len() >= MAX_SOCKETS {
                let Some(oldest) = inner.order.pop_front() else {
                    break;
                };
                inner.packets.remove(&oldest);
            }
            inner.order.push_back(sid);
        }
        inner.packets.entry(sid).or_default().push(packet);
    }

    /// Runs `join` (a socket joining `rooms`), then, when it is socket `sid` joining its own
    /// room, sends it what waits for it.
    pub(crate) fn joined(
        &self,
        ns: &LocalNamespace,
        sid: Sid,
        rooms: &[Room],
        join: impl FnOnce(),
    ) {
        let mut inner = self.lock();
        join();
        if inner.packets.is_empty() || !rooms.iter().any(|r| &**r == sid.as_str()) {
            return;
        }
        if let Some(packets) = inner.packets.remove(&sid) {
            inner.order.retain(|s| *s != sid);
            for packet in &packets {
                ns.deliver(packet, &to(sid));
            }
        }
    }

    /// Forgets what waits for socket `sid`.
    pub(crate) fn forget(&self, sid: Sid) {
        let mut inner = self.lock();
        if inner.packets.remove(&sid).is_some() {
            inner.order.retain(|s| *s != sid);
        }
    }
}
