//! Requests as socket.io-adapter's cluster messages: on the namespace's channel, answered on
//! this server's response channel, the answer in the response's `data`.

use rmpv::Value as Mp;
use serde_json::Value as Json;

use super::Shared;
use super::message::{encode, message_type};
use crate::node::Node;
use crate::requests::{Request, RequestWire};
use crate::wire::{json_to_mp, map, opts_mp};

impl RequestWire for Shared {
    const NUMSUB: &'static str = "SHARDNUMSUB";
    const BROADCAST_CLIENT_COUNT: u64 = message_type::BROADCAST_CLIENT_COUNT;
    const BROADCAST_ACK: u64 = message_type::BROADCAST_ACK;
    const SERVER_SIDE_ANSWER: &'static str = "packet";

    fn node(&self) -> &Node {
        &self.node
    }

    fn request_channel(&self, nsp: &str) -> String {
        self.channel(nsp)
    }

    fn encode(&self, nsp: &str, request: Request<'_>) -> Vec<u8> {
        let (kind, data) = match request {
            Request::FetchSockets { id, opts } => (
                message_type::FETCH_SOCKETS,
                vec![("opts", opts_mp(opts, None)), ("requestId", Mp::from(id))],
            ),
            Request::ServerSideEmit { id, event, args } => {
                let mut data = vec![("packet", event_packet(event, args))];
                data.extend(id.map(|id| ("requestId", Mp::from(id))));
                (message_type::SERVER_SIDE_EMIT, data)
            }
            Request::BroadcastWithAck {
                id,
                packet,
                opts,
                timeout,
            } => (
                message_type::BROADCAST,
                vec![
                    ("packet", packet),
                    ("requestId", Mp::from(id)),
                    ("opts", opts_mp(opts, Some(timeout))),
                ],
            ),
        };
        encode(&self.node.uid, nsp, kind, map(data))
    }

    fn answer_data(mut response: Json) -> Json {
        response.get_mut("data").map(Json::take).unwrap_or_default()
    }
}

/// `[event, ...args]`.
fn event_packet(event: &str, args: Vec<Json>) -> Mp {
    let mut packet = Vec::with_capacity(args.len() + 1);
    packet.push(Mp::from(event));
    packet.extend(args.iter().map(json_to_mp));
    Mp::Array(packet)
}
