//! [`RedisStreamsAdapter`]: one namespace on the stream.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fastsio::Room;
use fastsio::adapter::{
    Adapter, AdapterError, AdapterFuture, BroadcastOptions, LocalNamespace, Recipients,
    RecoveryRecord, RemoteAcks, RemoteSocket, RestoredRecord, Stored,
};
use fastsio::engine::{Sid, Str};
use fastsio::protocol::EncodedPacket;

use super::Shared;
use super::entry::broadcast_data;
use super::held::Held;
use super::record;
use super::restore::restore;
use super::writer::{Job, Local, To};
use crate::adapter::RedisAdapter;
use crate::cluster::Inner;
use crate::error::err;

/// The [`Adapter`] of one namespace on a Redis stream: broadcasts and connection state
/// recovery through the stream, rooms and the other cluster operations through a
/// [`RedisAdapter`]. Made by [`RedisStreams::adapters`](super::RedisStreams::adapters).
pub struct RedisStreamsAdapter {
    cluster: RedisAdapter,
    shared: Arc<Shared>,
    namespace: OnceLock<Namespace>,
    held: Arc<Held>,
}

struct Namespace {
    path: String,
    local: LocalNamespace,
    /// How long a recovery record is kept (recovery on).
    ttl: Option<Duration>,
}

impl RedisStreamsAdapter {
    pub(crate) fn new(cluster: &Arc<Inner>, shared: Arc<Shared>) -> RedisStreamsAdapter {
        RedisStreamsAdapter {
            cluster: RedisAdapter::new(cluster.clone()),
            shared,
            namespace: OnceLock::new(),
            held: Arc::default(),
        }
    }

    /// Queues a broadcast entry (`data`); `local` waits for its id. When the queue is full,
    /// `local` is delivered at once, without an offset, and `Err` says other nodes miss it.
    fn add(&self, ns: &Namespace, data: String, local: Option<Local>) -> Result<(), AdapterError> {
        let job = Job::Entry {
            nsp: ns.path.clone(),
            data,
            local,
        };
        self.shared.jobs.try_send(job).map_err(|e| {
            if let Job::Entry {
                local: Some(local), ..
            } = e.into_inner()
            {
                local.send(None);
            }
            err("the stream's write queue is full")
        })
    }
}

impl Drop for RedisStreamsAdapter {
    fn drop(&mut self) {
        if let Some(ns) = self.namespace.get() {
            self.shared.namespaces().remove(&ns.path);
        }
    }
}

impl Adapter for RedisStreamsAdapter {
    fn init(&self, namespace: LocalNamespace) {
        self.cluster.init(namespace.clone());
        let Some(path) = namespace.path() else { return };
        let ns = Namespace {
            path: path.clone(),
            ttl: namespace.recovery().map(|r| r.max_disconnection_duration),
            local: namespace.clone(),
        };
        if self.namespace.set(ns).is_ok() {
            self.shared.namespaces().insert(path, namespace);
        }
    }

    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        match self.namespace.get() {
            Some(ns) if ns.ttl.is_some() => {
                let join = || self.cluster.add_all(sid, rooms);
                self.held.joined(&ns.local, sid, rooms, join)
            }
            _ => self.cluster.add_all(sid, rooms),
        }
    }

    fn del(&self, sid: Sid, rooms: &[Room]) {
        self.cluster.del(sid, rooms)
    }

    fn del_all(&self, sid: Sid) {
        self.held.forget(sid);
        self.cluster.del_all(sid)
    }

    fn socket_rooms(&self, sid: Sid) -> Vec<Room> {
        self.cluster.socket_rooms(sid)
    }

    fn rooms(&self) -> Vec<Room> {
        self.cluster.rooms()
    }

    fn for_each_target(&self, opts: &BroadcastOptions, f: &mut dyn FnMut(Sid)) {
        self.cluster.for_each_target(opts, f)
    }

    fn store_packet(&self, packet: EncodedPacket, to: Recipients<'_>) -> Stored {
        let Some(ns) = self.namespace.get() else {
            return Stored::Ready(packet);
        };
        let (opts, to) = match to {
            Recipients::Broadcast(opts) if opts.local => return Stored::Ready(packet),
            Recipients::Broadcast(opts) => (
                opts.clone(),
                To::Sockets(BroadcastOptions {
                    local: true,
                    ..opts.clone()
                }),
            ),
            Recipients::Socket(sid) => {
                let opts = BroadcastOptions {
                    rooms: vec![Room::from(sid.as_str())],
                    ..BroadcastOptions::default()
                };
                (opts, To::Socket(sid, self.held.clone()))
            }
        };
        let Some(data) = broadcast_data(&ns.path, &packet, &opts) else {
            return Stored::Ready(packet);
        };
        let local = Local {
            ns: ns.local.clone(),
            packet,
            to,
        };
        if let Err(e) = self.add(ns, data, Some(local)) {
            tracing::warn!(nsp = %ns.path, error = %e, "redis streams: broadcast kept on this node");
        }
        Stored::Deferred
    }

    fn persist_record(&self, record: RecoveryRecord) {
        let Some(Namespace { ttl: Some(ttl), .. }) = self.namespace.get() else {
            return;
        };
        let job = Job::Record {
            key: format!(
                "{}{}",
                self.shared.config.record_key_prefix,
                record.pid.as_str()
            ),
            value: record::encode(&record),
            ttl: *ttl,
        };
        if self.shared.jobs.try_send(job).is_err() {
            tracing::warn!("redis streams: the write queue is full, a recovery record is not kept");
        }
    }

    fn restore_record(
        &self,
        pid: Sid,
        offset: Str,
    ) -> AdapterFuture<'static, Option<RestoredRecord>> {
        let Some(ns) = self.namespace.get() else {
            return Box::pin(std::future::ready(Ok(None)));
        };
        Box::pin(restore(
            self.shared.clone(),
            ns.path.clone(),
            pid,
            offset.to_string(),
        ))
    }

    fn broadcast_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        let added = match self.namespace.get() {
            Some(ns) => broadcast_data(&ns.path, &packet, &opts)
                .ok_or_else(|| err("unreadable packet"))
                .and_then(|data| self.add(ns, data, None)),
            None => Err(err("the adapter serves no namespace yet")),
        };
        Some(Box::pin(std::future::ready(added)))
    }

    fn broadcast_with_ack_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
        timeout: Duration,
    ) -> Option<AdapterFuture<'static, RemoteAcks>> {
        self.cluster
            .broadcast_with_ack_remote(packet, opts, timeout)
    }

    fn fetch_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, Vec<RemoteSocket>>> {
        self.cluster.fetch_remote_sockets(opts)
    }

    fn add_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.cluster.add_remote_sockets(opts, rooms)
    }

    fn del_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.cluster.del_remote_sockets(opts, rooms)
    }

    fn disconnect_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.cluster.disconnect_remote_sockets(opts)
    }

    fn server_count(&self) -> AdapterFuture<'static, usize> {
        self.cluster.server_count()
    }
}
