//! [`RedisAdapter`]: one namespace's rooms on this node, and its operations on other nodes
//! through Redis.

use std::sync::Arc;
use std::time::Duration;

use fastsio::Room;
use fastsio::adapter::{
    Adapter, AdapterError, AdapterFuture, BroadcastOptions, LocalNamespace, RemoteAcks,
    RemoteSocket,
};
use fastsio::engine::Sid;
use fastsio::protocol::EncodedPacket;
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

use crate::cluster::Inner;
use crate::error::err;
use crate::membership::Membership;
use crate::publisher::Published;
use crate::wire::{encode_mp, opts_mp, opts_request_json, packet_mp, request_type, rooms_json};

/// The [`Adapter`] of one namespace: this node's rooms in a [`LocalAdapter`], other nodes
/// through Redis. Made by [`RedisCluster::adapters`](crate::RedisCluster::adapters); it joins
/// the cluster when its namespace is created, and leaves it when dropped.
///
/// [`LocalAdapter`]: fastsio::adapter::LocalAdapter
pub struct RedisAdapter {
    member: Membership<Inner>,
}

impl RedisAdapter {
    pub(crate) fn new(cluster: Arc<Inner>) -> RedisAdapter {
        RedisAdapter {
            member: Membership::new(cluster),
        }
    }

    /// Queues a request nobody answers (join, leave, disconnect) now, so it keeps its order
    /// with this node's broadcasts.
    fn fire(
        &self,
        kind: u64,
        opts: &BroadcastOptions,
        extra: (&str, Json),
    ) -> Option<AdapterFuture<'static, ()>> {
        let queued = self.member.nsp().and_then(|nsp| {
            let mut body = json!({
                "uid": self.member.cluster.node.uid,
                "type": kind,
                "opts": opts_request_json(opts),
            });
            body[extra.0] = extra.1;
            let channel = self.member.cluster.channels.request(&nsp);
            self.member
                .cluster
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

impl Adapter for RedisAdapter {
    fn init(&self, namespace: LocalNamespace) {
        self.member.init(namespace)
    }

    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        self.member.local.add_all(sid, rooms)
    }

    fn del(&self, sid: Sid, rooms: &[Room]) {
        self.member.local.del(sid, rooms)
    }

    fn del_all(&self, sid: Sid) {
        self.member.local.del_all(sid)
    }

    fn socket_rooms(&self, sid: Sid) -> Vec<Room> {
        self.member.local.socket_rooms(sid)
    }

    fn rooms(&self) -> Vec<Room> {
        self.member.local.rooms()
    }

    fn for_each_target(&self, opts: &BroadcastOptions, f: &mut dyn FnMut(Sid)) {
        self.member.local.for_each_target(opts, f)
    }

    fn broadcast_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        // Queued now, in emit order; the future only reports the outcome.
        let queued = self.member.nsp().and_then(|nsp| {
            let packet = packet_mp(&nsp, &packet).ok_or_else(|| err("unreadable packet"))?;
            let msg = Mp::Array(vec![
                Mp::from(self.member.cluster.node.uid.as_str()),
                packet,
                opts_mp(&opts, None),
            ]);
            let channel = match opts.rooms.as_slice() {
                [room] => self.member.cluster.channels.room(&nsp, room),
                _ => self.member.cluster.channels.broadcast(&nsp),
            };
            self.member
                .cluster
                .node
                .outbox
                .enqueue(channel, encode_mp(&msg))
        });
        Some(outcome(queued))
    }

    fn broadcast_with_ack_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
        timeout: Duration,
    ) -> Option<AdapterFuture<'static, RemoteAcks>> {
        Some(self.member.broadcast_with_ack(packet, opts, timeout))
    }

    fn fetch_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, Vec<RemoteSocket>>> {
        Some(self.member.fetch_sockets(opts))
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
        self.member.server_count()
    }
}
