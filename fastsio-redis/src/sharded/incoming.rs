//! What other servers publish: messages applied to this node's sockets (answered on the
//! sender's response channel), and answers to this node's requests.

use std::sync::Arc;

use bytes::Bytes;
use fastsio::adapter::LocalNamespace;
use rmpv::Value as Mp;
use serde_json::Value as Json;

use super::Shared;
use super::message::{encode, message_type};
use crate::remote_socket::describe;
use crate::requests::{AckAnswer, deliver_with_acks};
use crate::wire::{
    Broadcast, RemotePacket, decode, json_to_mp, map, opts_from_json, read_sharded_broadcast,
    rooms_from_json,
};

/// A message being handled: who sent it, for which namespace, its data.
struct Incoming<'a> {
    uid: &'a str,
    nsp: &'a str,
    data: &'a Json,
}

impl Shared {
    /// A broadcast (without acks) is read straight from its bytes; any other message as a JSON
    /// tree.
    pub(crate) fn on_message(self: &Arc<Self>, payload: Bytes) {
        match read_sharded_broadcast(&payload, &self.node.uid) {
            Some((_, Broadcast::Own)) => return,
            Some((nsp, Broadcast::Remote(_, packet, opts))) => {
                if let Some(local) = self.node.namespaces.local(nsp) {
                    local.deliver(&packet, &opts);
                }
                return;
            }
            None => {}
        }
        let Some((message, bins)) = decode(payload) else {
            tracing::debug!("sharded redis adapter: malformed message ignored");
            return;
        };
        let (Some(uid), Some(nsp), Some(kind), Some(data)) = (
            message.get("uid").and_then(Json::as_str),
            message.get("nsp").and_then(Json::as_str),
            message.get("type").and_then(Json::as_u64),
            message.get("data"),
        ) else {
            return;
        };
        if uid == self.node.uid {
            return;
        }
        let Some(served) = self.node.namespaces.get(nsp) else {
            return;
        };
        let local = served.ns;
        let msg = Incoming { uid, nsp, data };
        match kind {
            message_type::BROADCAST => self.on_broadcast(&local, &msg, bins),
            message_type::SOCKETS_JOIN => local.join(
                &opts_from_json(data.get("opts")),
                &rooms_from_json(data.get("rooms")),
            ),
            message_type::SOCKETS_LEAVE => local.leave(
                &opts_from_json(data.get("opts")),
                &rooms_from_json(data.get("rooms")),
            ),
            message_type::DISCONNECT_SOCKETS => local.disconnect(&opts_from_json(data.get("opts"))),
            message_type::FETCH_SOCKETS => {
                let sockets = local.sockets(&opts_from_json(data.get("opts")));
                let sockets: Vec<Json> = sockets.iter().map(describe).collect();
                self.respond(
                    &msg,
                    message_type::FETCH_SOCKETS_RESPONSE,
                    vec![("sockets", json_to_mp(&Json::Array(sockets)))],
                );
            }
            message_type::SERVER_SIDE_EMIT => self.on_server_side_emit(&msg),
            message_type::FETCH_SOCKETS_RESPONSE
            | message_type::SERVER_SIDE_EMIT_RESPONSE
            | message_type::BROADCAST_CLIENT_COUNT
            | message_type::BROADCAST_ACK => {
                if let Some(id) = data.get("requestId").and_then(Json::as_str) {
                    let id = id.to_string();
                    self.node.requests.dispatch(&id, message);
                }
            }
            _ => tracing::debug!(kind, "sharded redis adapter: unknown message type ignored"),
        }
    }

    /// Publishes an answer to `msg` on its sender's response channel, with its request id.
    fn respond(&self, msg: &Incoming<'_>, kind: u64, mut data: Vec<(&str, Mp)>) {
        let request_id = msg.data.get("requestId").map(json_to_mp);
        data.push(("requestId", request_id.unwrap_or(Mp::Nil)));
        let body = encode(&self.node.uid, msg.nsp, kind, map(data));
        self.node
            .outbox
            .publish_detached(self.response_channel(msg.nsp, msg.uid), body);
    }

    fn on_server_side_emit(&self, msg: &Incoming<'_>) {
        let wants_ack = msg.data.get("requestId").is_some_and(|id| !id.is_null());
        let packet = msg.data.get("packet");
        if let Some(answer) = self.node.server_side.handle(msg.nsp, packet, wants_ack) {
            self.respond(
                msg,
                message_type::SERVER_SIDE_EMIT_RESPONSE,
                vec![("packet", json_to_mp(&answer))],
            );
        }
    }

    /// A broadcast: delivered to this node's sockets; with a request id, this node's count
    /// first, then each ack as it arrives.
    fn on_broadcast(
        self: &Arc<Self>,
        local: &LocalNamespace,
        msg: &Incoming<'_>,
        bins: Vec<Bytes>,
    ) {
        let Some(packet) = msg
            .data
            .get("packet")
            .and_then(|p| RemotePacket::from_json(p, bins))
        else {
            tracing::debug!("sharded redis adapter: unreadable broadcast packet");
            return;
        };
        let opts = opts_from_json(msg.data.get("opts"));
        if msg.data.get("requestId").is_none_or(Json::is_null) {
            local.deliver(&packet.encode(None), &opts);
            return;
        }
        let this = self.clone();
        let (uid, nsp, data) = (msg.uid.to_string(), msg.nsp.to_string(), msg.data.clone());
        let answer = move |answer| {
            let msg = Incoming {
                uid: &uid,
                nsp: &nsp,
                data: &data,
            };
            match answer {
                AckAnswer::ClientCount(reached) => this.respond(
                    &msg,
                    message_type::BROADCAST_CLIENT_COUNT,
                    vec![("clientCount", Mp::from(reached as u64))],
                ),
                AckAnswer::Ack(packet) => {
                    this.respond(&msg, message_type::BROADCAST_ACK, vec![("packet", packet)])
                }
            }
        };
        let timeout = self.node.config.request_timeout;
        deliver_with_acks(local, &packet, &opts, msg.data, timeout, answer);
    }
}
