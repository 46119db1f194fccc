//! [`RedisAdapter`]: one namespace's rooms on this node, and its operations on other nodes
//! through Redis.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fastsio::Room;
use fastsio::adapter::{
    Adapter, AdapterError, AdapterFuture, BroadcastOptions, LocalAdapter, LocalNamespace,
    RemoteAcks, RemoteSocket,
};
use fastsio::engine::Sid;
use fastsio::protocol::EncodedPacket;
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

use crate::cluster::Inner;
use crate::error::err;
use crate::namespaces::Served;
use crate::publisher::Published;
use crate::requests;
use crate::wire::{encode_mp, opts_mp, opts_request_json, packet_mp, request_type, rooms_json};

/// The [`Adapter`] of one namespace: this node's rooms in a [`LocalAdapter`], other nodes
/// through Redis. Made by [`RedisCluster::adapters`](crate::RedisCluster::adapters); it joins
/// the cluster when its namespace is created, and leaves it when dropped.
pub struct RedisAdapter {
    id: u64,
    local: Arc<LocalAdapter>,
    nsp: OnceLock<String>,
    cluster: Arc<Inner>,
}

impl RedisAdapter {
    pub(crate) fn new(cluster: Arc<Inner>) -> RedisAdapter {
        RedisAdapter {
            id: cluster.node.namespaces.next_adapter_id(),
            local: Arc::new(LocalAdapter::new()),
            nsp: OnceLock::new(),
            cluster,
        }
    }

    fn nsp(&self) -> Result<String, AdapterError> {
        self.nsp
            .get()
            .cloned()
            .ok_or_else(|| err("the adapter serves no namespace yet"))
    }

    /// Queues a request nobody answers (join, leave, disconnect) now, so it keeps its order
    /// with this node's broadcasts.
    fn fire(
        &self,
        kind: u64,
        opts: &BroadcastOptions,
        extra: (&str, Json),
    ) -> Option<AdapterFuture<'static, ()>> {
        let queued = self.nsp().and_then(|nsp| {
            let mut body = json!({
                "uid": self.cluster.node.uid,
                "type": kind,
                "opts": opts_request_json(opts),
            });
            body[extra.0] = extra.1;
            let channel = self.cluster.channels.request(&nsp);
            self.cluster
                .node
                .outbox
                .enqueue(channel, body.to_string().into_bytes())
        });
        Some(outcome(queued))
    }
}

fn outcome(queued: Result<Published, AdapterError>) -> AdapterFuture<'static, ()> {
    Box::pin(async move { queued?.wait().await })
}

impl Drop for RedisAdapter {
    fn drop(&mut self) {
        if let Some(nsp) = self.nsp.get() {
            self.cluster.unserve(nsp, self.id);
        }
    }
}

impl Adapter for RedisAdapter {
    fn init(&self, namespace: LocalNamespace) {
        let Some(nsp) = namespace.path() else { return };
        if self.nsp.set(nsp.clone()).is_err() {
            return;
        }
        let served = Served {
            adapter: self.id,
            ns: namespace,
            rooms: self.local.clone(),
        };
        self.cluster.serve(&nsp, served);
    }

    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        self.local.add_all(sid, rooms)
    }

    fn del(&self, sid: Sid, rooms: &[Room]) {
        self.local.del(sid, rooms)
    }

    fn del_all(&self, sid: Sid) {
        self.local.del_all(sid)
    }

    fn socket_rooms(&self, sid: Sid) -> Vec<Room> {
        self.local.socket_rooms(sid)
    }

    fn rooms(&self) -> Vec<Room> {
        self.local.rooms()
    }

    fn for_each_target(&self, opts: &BroadcastOptions, f: &mut dyn FnMut(Sid)) {
        self.local.for_each_target(opts, f)
    }

    fn broadcast_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        // Queued now, in emit order; the future only reports the outcome.
        let queued = self.nsp().and_then(|nsp| {
            let packet = packet_mp(&nsp, &packet).ok_or_else(|| err("unreadable packet"))?;
            let msg = Mp::Array(vec![
                Mp::from(self.cluster.node.uid.as_str()),
                packet,
                opts_mp(&opts, None),
            ]);
            let channel = match opts.rooms.as_slice() {
                [room] => self.cluster.channels.room(&nsp, room),
                _ => self.cluster.channels.broadcast(&nsp),
            };
            self.cluster.node.outbox.enqueue(channel, encode_mp(&msg))
        });
        Some(outcome(queued))
    }

    fn broadcast_with_ack_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
        timeout: Duration,
    ) -> Option<AdapterFuture<'static, RemoteAcks>> {
        Some(requests::broadcast_with_ack(
            self.cluster.clone(),
            self.nsp(),
            packet,
            opts,
            timeout,
        ))
    }

    fn fetch_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, Vec<RemoteSocket>>> {
        Some(requests::fetch_sockets(
            self.cluster.clone(),
            self.nsp(),
            opts,
        ))
    }

    fn add_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.fire(
            request_type::REMOTE_JOIN,
            &opts,
            ("rooms", rooms_json(&rooms)),
        )
    }

    fn del_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.fire(
            request_type::REMOTE_LEAVE,
            &opts,
            ("rooms", rooms_json(&rooms)),
        )
    }

    fn disconnect_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        self.fire(
            request_type::REMOTE_DISCONNECT,
            &opts,
            ("close", Json::Bool(false)),
        )
    }

    fn server_count(&self) -> AdapterFuture<'static, usize> {
        let cluster = self.cluster.clone();
        let nsp = self.nsp();
        Box::pin(async move { requests::server_count(&*cluster, &nsp?).await })
    }
}
