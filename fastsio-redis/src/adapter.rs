//! [`RedisAdapter`]: one namespace's rooms on this node, and its operations on other nodes
//! through Redis.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fastsio::Room;
use fastsio::ack::AckResponse;
use fastsio::adapter::{
    Adapter, AdapterError, AdapterFuture, BroadcastOptions, LocalAdapter, LocalNamespace,
    RemoteAcks, RemoteSocket,
};
use fastsio::engine::Sid;
use fastsio::protocol::{EncodedPacket, EventArgs};
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

use crate::cluster::{Inner, Served};
use crate::error::err;
use crate::publisher::Published;
use crate::remote_socket;
use crate::wire::{
    encode_mp, map, opts_mp, opts_request_json, packet_mp, random_id, request_type, rooms_json,
};

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
            id: cluster.next_adapter_id(),
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
                "uid": self.cluster.uid,
                "type": kind,
                "opts": opts_request_json(opts),
            });
            body[extra.0] = extra.1;
            let channel = self.cluster.channels.request(&nsp);
            self.cluster
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
                Mp::from(self.cluster.uid.as_str()),
                packet,
                opts_mp(&opts, None),
            ]);
            let channel = match opts.rooms.as_slice() {
                [room] => self.cluster.channels.room(&nsp, room),
                _ => self.cluster.channels.broadcast(&nsp),
            };
            self.cluster.outbox.enqueue(channel, encode_mp(&msg))
        });
        Some(outcome(queued))
    }

    fn broadcast_with_ack_remote(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
        timeout: Duration,
    ) -> Option<AdapterFuture<'static, RemoteAcks>> {
        let cluster = self.cluster.clone();
        let nsp = self.nsp();
        let permit = cluster.permit();
        Some(Box::pin(async move {
            let (_permit, nsp) = (permit?, nsp?);
            let deadline = tokio::time::Instant::now() + timeout;
            let servers = cluster.server_count(&nsp).await?;
            if servers <= 1 {
                return Ok(RemoteAcks::default());
            }
            let packet = packet_mp(&nsp, &packet).ok_or_else(|| err("unreadable packet"))?;
            let request_id = random_id(6);
            let (mut rx, _pending) = cluster.register(&request_id);
            let body = map(vec![
                ("uid", Mp::from(cluster.uid.as_str())),
                ("requestId", Mp::from(request_id.as_str())),
                ("type", Mp::from(request_type::BROADCAST)),
                ("packet", packet),
                ("opts", opts_mp(&opts, Some(timeout))),
            ]);
            let channel = cluster.channels.request(&nsp);
            cluster.outbox.publish(channel, encode_mp(&body)).await?;
            let mut acks = RemoteAcks::default();
            let mut counts = 0;
            while counts < servers - 1 || acks.responses.len() < acks.expected {
                let Ok(Some(response)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                    break;
                };
                match response.get("type").and_then(Json::as_u64) {
                    Some(request_type::BROADCAST_CLIENT_COUNT) => {
                        counts += 1;
                        acks.expected += response
                            .get("clientCount")
                            .and_then(Json::as_u64)
                            .unwrap_or(0) as usize;
                    }
                    Some(request_type::BROADCAST_ACK) => {
                        let value = response.get("packet").cloned().unwrap_or(Json::Null);
                        if let Ok(args) = EventArgs::parse(format!("[{value}]").into()) {
                            acks.responses.push(AckResponse {
                                args,
                                attachments: Vec::new(),
                            });
                        }
                    }
                    _ => {}
                }
            }
            Ok(acks)
        }))
    }

    fn fetch_remote_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> Option<AdapterFuture<'static, Vec<RemoteSocket>>> {
        let cluster = self.cluster.clone();
        let nsp = self.nsp();
        Some(Box::pin(async move {
            let nsp = nsp?;
            let uid = cluster.uid.clone();
            let responses = cluster
                .request(&nsp, |request_id| {
                    json!({
                        "uid": uid,
                        "requestId": request_id,
                        "type": request_type::REMOTE_FETCH,
                        "opts": opts_request_json(&opts),
                    })
                })
                .await?;
            Ok(responses
                .iter()
                .filter_map(|r| r.get("sockets").and_then(Json::as_array))
                .flatten()
                .filter_map(remote_socket::parse)
                .collect())
        }))
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
        Box::pin(async move { cluster.server_count(&nsp?).await })
    }
}
