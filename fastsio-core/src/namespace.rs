//! [`Namespace`]: a namespace's live sockets, rooms and handlers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::adapter::{Adapter, BroadcastOptions, LocalNamespace, Recipients, Stored};
use crate::engine::{Sid, Str};
use crate::observer::Observer;
use crate::protocol::{EncodedPacket, Parser};
use crate::recovery::RecoveryConfig;
use crate::routes::NamespaceHandlers;
use crate::socket::SocketRef;

/// A namespace's sockets, by sid.
type Sockets = HashMap<Sid, SocketRef, foldhash::fast::RandomState>;

/// A namespace: its sockets, its adapter (rooms) and its handlers.
pub struct Namespace {
    path: Str,
    params: Vec<(String, String)>,
    pub(crate) handlers: Arc<NamespaceHandlers>,
    /// By sid. Sids are random and made by the server, so a fast, non-cryptographic hasher
    /// is enough: a lookup per delivery, where SipHash cost about 160 instructions.
    sockets: RwLock<Sockets>,
    pub(crate) adapter: Arc<dyn Adapter>,
    pub(crate) observer: Option<Arc<dyn Observer>>,
    ack_ids: AtomicU64,
    pub(crate) parser: Parser,
    /// Connection state recovery, when on.
    pub(crate) recovery: Option<RecoveryConfig>,
}

impl Namespace {
    pub(crate) fn new(
        path: Str,
        params: Vec<(String, String)>,
        handlers: Arc<NamespaceHandlers>,
        adapter: Arc<dyn Adapter>,
        parser: Parser,
        observer: Option<Arc<dyn Observer>>,
        recovery: Option<RecoveryConfig>,
    ) -> Arc<Self> {
        let ns = Arc::new(Namespace {
            path,
            params,
            handlers,
            sockets: RwLock::new(Sockets::default()),
            adapter,
            observer,
            ack_ids: AtomicU64::new(0),
            parser,
            recovery,
        });
        ns.adapter.init(LocalNamespace(Arc::downgrade(&ns)));
        ns
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The dynamic-namespace parameters, in path order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// A dynamic-namespace parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The connected sockets.
    pub fn sockets(&self) -> Vec<SocketRef> {
        self.read().values().cloned().collect()
    }

    /// A connected socket by id.
    pub fn socket(&self, sid: Sid) -> Option<SocketRef> {
        self.read().get(&sid).cloned()
    }

    /// Connected sockets.
    pub fn socket_count(&self) -> usize {
        self.read().len()
    }

    pub(crate) fn next_ack_id(&self) -> u64 {
        self.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// With connection state recovery on, has the adapter store `packet` for replay and give
    /// it its offset; otherwise `packet` itself. `None`: the adapter sends it.
    pub(crate) fn recoverable(
        &self,
        packet: EncodedPacket,
        to: Recipients<'_>,
    ) -> Option<EncodedPacket> {
        match self.recovery {
            None => Some(packet),
            Some(_) => match self.adapter.store_packet(packet, to) {
                Stored::Ready(packet) => Some(packet),
                Stored::Deferred => None,
            },
        }
    }

    pub(crate) fn insert(&self, socket: SocketRef) {
        self.write().insert(socket.id(), socket);
    }

    pub(crate) fn remove(&self, sid: Sid) {
        self.write().remove(&sid);
    }

    /// The local sockets a broadcast selects, each once.
    pub(crate) fn targets(&self, opts: &BroadcastOptions) -> Vec<SocketRef> {
        let sockets = self.read();
        let mut out = Vec::new();
        self.adapter.for_each_target(opts, &mut |sid| {
            if let Some(socket) = sockets.get(&sid) {
                out.push(socket.clone());
            }
        });
        out
    }

    /// Queues one encoded packet for every selected local socket; returns how many.
    pub(crate) fn deliver(&self, packet: &EncodedPacket, opts: &BroadcastOptions) -> usize {
        let wire = match self.parser.wire(packet) {
            Ok(wire) => wire,
            Err(e) => {
                tracing::error!(error = %e, "broadcast packet not encodable: dropped");
                return 0;
            }
        };
        let sockets = self.read();
        let mut count = 0;
        self.adapter.for_each_target(opts, &mut |sid| {
            if let Some(socket) = sockets.get(&sid)
                && !(opts.volatile && socket.conn.queued() > 0)
                && socket.send_encoded(packet, &wire).is_ok()
            {
                count += 1;
            }
        });
        count
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Sockets> {
        self.sockets.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Sockets> {
        self.sockets.write().unwrap_or_else(|e| e.into_inner())
    }
}
