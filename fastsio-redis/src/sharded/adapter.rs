//! [`ShardedRedisAdapter`]: one namespace's rooms on this node, and its operations on other
//! nodes through sharded pub/sub.

use std::sync::Arc;
use std::time::Duration;

use fastsio::Room;
use fastsio::adapter::{
    Adapter, AdapterFuture, BroadcastOptions, LocalNamespace, RemoteAcks, RemoteSocket,
};
use fastsio::engine::Sid;
use fastsio::protocol::EncodedPacket;
use rmpv::Value as Mp;

use super::message::{encode, message_type};
use super::{Shared, SubscriptionMode};
use crate::error::err;
use crate::membership::Membership;
use crate::wire::{json_to_mp, map, opts_mp, packet_mp, rooms_json};

/// The [`Adapter`] of one namespace on a [`ShardedRedisCluster`](super::ShardedRedisCluster):
/// this node's rooms in a [`LocalAdapter`], other nodes through sharded pub/sub. It joins
/// the cluster when its namespace is created, and leaves it when dropped.
///
/// [`LocalAdapter`]: fastsio::adapter::LocalAdapter
pub struct ShardedRedisAdapter {
    member: Membership<Shared>,
}

impl ShardedRedisAdapter {
    pub(crate) fn new(cluster: Arc<Shared>) -> ShardedRedisAdapter {
        ShardedRedisAdapter {
            member: Membership::new(cluster),
        }
    }

    /// In the dynamic modes, counts the members of the rooms with a channel of their own
    /// that a socket joins (`on`) or leaves; `before` are the rooms it was in.
    fn track(&self, rooms: &[Room], before: &[Room], on: bool) {
        let (Some(nsp), mode) = (self.member.path(), self.member.cluster.mode) else {
            return;
        };
        let subscriptions = &self.member.cluster.subscriptions;
        for (i, room) in rooms.iter().enumerate() {
            let changes = before.contains(room) != on && !rooms[..i].contains(room);
            if !changes || !mode.has_room_channel(room) {
                continue;
            }
            let channel = self.member.cluster.room_channel(nsp, room);
            if on {
                subscriptions.want(channel);
            } else {
                subscriptions.unwant(&channel);
            }
        }
    }

    /// Queues a message nobody answers now, so it keeps its order with this node's
    /// broadcasts; the future reports whether it was published.
    fn publish(&self, kind: u64, data: Vec<(&str, Mp)>) -> AdapterFuture<'static, ()> {
        match self.member.nsp() {
            Ok(nsp) => self.publish_on(self.member.cluster.channel(&nsp), kind, data),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }

    /// Queues a message on `channel`.
    fn publish_on(
        &self,
        channel: String,
        kind: u64,
        data: Vec<(&str, Mp)>,
    ) -> AdapterFuture<'static, ()> {
        let queued = self.member.nsp().and_then(|nsp| {
            let body = encode(&self.member.cluster.node.uid, &nsp, kind, map(data));
            self.member.cluster.node.outbox.enqueue(channel, body)
        });
        Box::pin(async move { queued?.wait().await })
    }
}

impl Drop for ShardedRedisAdapter {
    /// Forgets the room channels of this node's rooms; the membership then stops serving the
    /// namespace.
    fn drop(&mut self) {
        let member = &self.member;
        if let Some(nsp) = member.path()
            && member.cluster.mode != SubscriptionMode::Static
        {
            for room in member.local.rooms() {
                let channel = member.cluster.room_channel(nsp, &room);
                member.cluster.subscriptions.forget(&channel);
            }
        }
    }
}

fn rooms_mp(rooms: &[Room]) -> Mp {
    json_to_mp(&rooms_json(rooms))
}

impl Adapter for ShardedRedisAdapter {
    fn init(&self, namespace: LocalNamespace) {
        self.member.init(namespace)
    }

    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        if self.member.cluster.mode == SubscriptionMode::Static {
            return self.member.local.add_all(sid, rooms);
        }
        let before = self.member.local.socket_rooms(sid);
        self.member.local.add_all(sid, rooms);
        self.track(rooms, &before, true);
    }

    fn del(&self, sid: Sid, rooms: &[Room]) {
        if self.member.cluster.mode == SubscriptionMode::Static {
            return self.member.local.del(sid, rooms);
        }
        let before = self.member.local.socket_rooms(sid);
        self.member.local.del(sid, rooms);
        self.track(rooms, &before, false);
    }

    fn del_all(&self, sid: Sid) {
        if self.member.cluster.mode == SubscriptionMode::Static {
            return self.member.local.del_all(sid);
        }
        let before = self.member.local.socket_rooms(sid);
        self.member.local.del_all(sid);
        self.track(&before, &before, false);
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
        let packet = self.member.nsp().and_then(|nsp| {
            let packet = packet_mp(&nsp, &packet).ok_or_else(|| err("unreadable packet"))?;
            Ok((packet, nsp))
        });
        let (packet, nsp) = match packet {
            Ok(ok) => ok,
            Err(e) => return Some(Box::pin(async move { Err(e) })),
        };
        // The dynamic modes send a broadcast to one room on that room's channel.
        let channel = match opts.rooms.as_slice() {
            [room] if self.member.cluster.mode.has_room_channel(room) => {
                self.member.cluster.room_channel(&nsp, room)
            }
            _ => self.member.cluster.channel(&nsp),
        };
        let data = vec![("packet", packet), ("opts", opts_mp(&opts, None))];
        Some(self.publish_on(channel, message_type::BROADCAST, data))
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
        let data = vec![("opts", opts_mp(&opts, None)), ("rooms", rooms_mp(&rooms))];
        Some(self.publish(message_type::SOCKETS_JOIN, data))
    }

    fn del_remote_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> Option<AdapterFuture<'static, ()>> {
        let data = vec![("opts", opts_mp(&opts, None)), ("rooms", rooms_mp(&rooms))];
        Some(self.publish(message_type::SOCKETS_LEAVE, data))
    }

    fn disconnect_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, ()>> {
        let data = vec![
            ("opts", opts_mp(&opts, None)),
            ("close", Mp::Boolean(false)),
        ];
        Some(self.publish(message_type::DISCONNECT_SOCKETS, data))
    }

    fn server_count(&self) -> AdapterFuture<'static, usize> {
        self.member.server_count()
    }
}
