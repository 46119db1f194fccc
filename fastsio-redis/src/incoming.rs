//! What other nodes send: broadcasts, requests (applied to this node's sockets, answered on
//! the response channel) and responses to this node's requests.

use std::sync::Arc;

use bytes::Bytes;
use fastsio::Room;
use fastsio::adapter::{Adapter, BroadcastOptions, LocalNamespace};
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

use crate::channels::ChannelKind;
use crate::cluster::Inner;
use crate::remote_socket::describe;
use crate::requests::{AckAnswer, deliver_with_acks};
use crate::wire::{
    Broadcast, RemotePacket, decode, encode_mp, json_to_mp, map, opts_from_json, read_broadcast,
    read_broadcast_tree, request_type, rooms_from_json, rooms_json,
};

impl Inner {
    pub(crate) fn on_message(self: &Arc<Self>, channel: &[u8], payload: Bytes) {
        match self.channels.kind(channel) {
            Some(ChannelKind::Broadcast) => self.on_broadcast(payload),
            Some(ChannelKind::Request(nsp)) => self.on_request(nsp, payload),
            Some(ChannelKind::Response) => self.on_response(payload),
            None => {}
        }
    }

    /// `[uid, packet, opts]` in msgpack: an emit to deliver to this node's sockets. Read
    /// straight from the bytes when it has the shape node publishes, as a JSON tree otherwise.
    fn on_broadcast(&self, payload: Bytes) {
        let uid = &self.node.uid;
        let read =
            read_broadcast(&payload, uid).or_else(|| read_broadcast_tree(payload.clone(), uid));
        let (nsp, packet, opts) = match read {
            Some(Broadcast::Remote(nsp, packet, opts)) => (nsp, packet, opts),
            Some(Broadcast::Own) => return,
            None => {
                tracing::debug!("redis adapter: malformed broadcast");
                return;
            }
        };
        if let Some(local) = self.node.namespaces.local(&nsp) {
            local.deliver(&packet, &opts);
        }
    }

    fn on_request(self: &Arc<Self>, nsp: &str, payload: Bytes) {
        let Some((request, bins)) = decode(payload) else {
            tracing::debug!("redis adapter: malformed request ignored");
            return;
        };
        if request.get("uid").and_then(Json::as_str) == Some(self.node.uid.as_str()) {
            return;
        }
        let (Some(kind), Some(served)) = (
            request.get("type").and_then(Json::as_u64),
            self.node.namespaces.get(nsp),
        ) else {
            return;
        };
        let local = served.ns;
        let request_id = request.get("requestId").cloned().unwrap_or(Json::Null);
        let respond = |body: Json| {
            self.node
                .outbox
                .publish_detached(self.channels.response(nsp), body.to_string().into_bytes());
        };
        match kind {
            request_type::SOCKETS => {
                let opts = BroadcastOptions {
                    rooms: rooms_from_json(request.get("rooms")),
                    local: true,
                    ..Default::default()
                };
                let ids: Vec<String> = local
                    .sockets(&opts)
                    .iter()
                    .map(|s| s.id().to_string())
                    .collect();
                respond(json!({"requestId": request_id, "sockets": ids}));
            }
            request_type::ALL_ROOMS => {
                let rooms = served.rooms.rooms();
                respond(json!({"requestId": request_id, "rooms": rooms_json(&rooms)}));
            }
            request_type::REMOTE_JOIN
            | request_type::REMOTE_LEAVE
            | request_type::REMOTE_DISCONNECT => {
                let Some((opts, rooms, answer)) = targets(&request) else {
                    return;
                };
                if answer && local.sockets(&opts).is_empty() {
                    return;
                }
                match kind {
                    request_type::REMOTE_JOIN => local.join(&opts, &rooms),
                    request_type::REMOTE_LEAVE => local.leave(&opts, &rooms),
                    _ => local.disconnect(&opts),
                }
                if answer {
                    respond(json!({"requestId": request_id}));
                }
            }
            request_type::REMOTE_FETCH => {
                let opts = opts_from_json(request.get("opts"));
                let sockets: Vec<Json> = local.sockets(&opts).iter().map(describe).collect();
                respond(json!({"requestId": request_id, "sockets": sockets}));
            }
            request_type::SERVER_SIDE_EMIT => {
                let wants_ack = !request_id.is_null();
                if let Some(answer) =
                    self.node
                        .server_side
                        .handle(nsp, request.get("data"), wants_ack)
                {
                    respond(json!({
                        "type": request_type::SERVER_SIDE_EMIT,
                        "requestId": request_id,
                        "data": answer,
                    }));
                }
            }
            request_type::BROADCAST => self.broadcast_with_ack(local, &request, bins),
            _ => tracing::debug!(kind, "redis adapter: unknown request type ignored"),
        }
    }

    /// A broadcast that wants acks: this node's count first, then each ack as it arrives.
    fn broadcast_with_ack(
        self: &Arc<Self>,
        local: LocalNamespace,
        request: &Json,
        bins: Vec<Bytes>,
    ) {
        let Some(packet) = request
            .get("packet")
            .and_then(|p| RemotePacket::from_json(p, bins))
        else {
            return;
        };
        let Some(nsp) = local.path() else { return };
        let request_id = request.get("requestId").cloned().unwrap_or(Json::Null);
        let opts = opts_from_json(request.get("opts"));
        let channel = self.channels.response(&nsp);
        let this = self.clone();
        let answer = move |answer| match answer {
            AckAnswer::ClientCount(reached) => {
                let count = json!({
                    "type": request_type::BROADCAST_CLIENT_COUNT,
                    "requestId": request_id,
                    "clientCount": reached,
                });
                this.node
                    .outbox
                    .publish_detached(channel.clone(), count.to_string().into_bytes());
            }
            AckAnswer::Ack(packet) => {
                let body = map(vec![
                    ("type", Mp::from(request_type::BROADCAST_ACK)),
                    ("requestId", json_to_mp(&request_id)),
                    ("packet", packet),
                ]);
                this.node
                    .outbox
                    .publish_detached(channel.clone(), encode_mp(&body));
            }
        };
        let timeout = self.node.config.request_timeout;
        deliver_with_acks(&local, &packet, &opts, request, timeout, answer);
    }

    fn on_response(&self, payload: Bytes) {
        let Some((response, _)) = decode(payload) else {
            return;
        };
        if let Some(id) = response.get("requestId").and_then(Json::as_str) {
            let id = id.to_string();
            self.node.requests.dispatch(&id, response);
        }
    }
}

/// The sockets and rooms a join, leave or disconnect request names: `{opts, rooms}` from
/// `socketsJoin` and the like, or `{sid, room}` for one socket (which wants an answer).
fn targets(request: &Json) -> Option<(BroadcastOptions, Vec<Room>, bool)> {
    if request.get("opts").is_some() {
        let rooms = rooms_from_json(request.get("rooms"));
        return Some((opts_from_json(request.get("opts")), rooms, false));
    }
    let sid = request.get("sid")?.as_str()?;
    let opts = BroadcastOptions {
        rooms: vec![Room::from(sid)],
        local: true,
        ..Default::default()
    };
    let rooms = rooms_from_json(Some(&json!([request.get("room")])));
    Some((opts, rooms, true))
}
