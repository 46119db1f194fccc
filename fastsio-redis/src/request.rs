//! Requests in `@socket.io/redis-adapter`'s shapes: JSON on `{prefix}-request#{nsp}#`
//! (a broadcast with acks in msgpack), answered with the whole response.

use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

use crate::cluster::Inner;
use crate::node::Node;
use crate::requests::{Request, RequestWire};
use crate::wire::{encode_mp, map, opts_mp, opts_request_json, request_type};

impl RequestWire for Inner {
    const NUMSUB: &'static str = "NUMSUB";
    const BROADCAST_CLIENT_COUNT: u64 = request_type::BROADCAST_CLIENT_COUNT;
    const BROADCAST_ACK: u64 = request_type::BROADCAST_ACK;
    const SERVER_SIDE_ANSWER: &'static str = "data";

    fn node(&self) -> &Node {
        &self.node
    }

    fn request_channel(&self, nsp: &str) -> String {
        self.channels.request(nsp)
    }

    fn encode(&self, _nsp: &str, request: Request<'_>) -> Vec<u8> {
        let uid = self.node.uid.as_str();
        match request {
            Request::FetchSockets { id, opts } => json!({
                "uid": uid,
                "requestId": id,
                "type": request_type::REMOTE_FETCH,
                "opts": opts_request_json(opts),
            })
            .to_string()
            .into_bytes(),
            Request::ServerSideEmit { id, event, args } => {
                let mut body = json!({"uid": uid});
                if let Some(id) = id {
                    body["requestId"] = json!(id);
                }
                body["type"] = json!(request_type::SERVER_SIDE_EMIT);
                body["data"] = json!(event_data(event, args));
                body.to_string().into_bytes()
            }
            Request::BroadcastWithAck {
                id,
                packet,
                opts,
                timeout,
            } => encode_mp(&map(vec![
                ("uid", Mp::from(uid)),
                ("requestId", Mp::from(id)),
                ("type", Mp::from(request_type::BROADCAST)),
                ("packet", packet),
                ("opts", opts_mp(opts, Some(timeout))),
            ])),
        }
    }

    fn answer_data(response: Json) -> Json {
        response
    }
}

/// `[event, ...args]`.
fn event_data(event: &str, args: Vec<Json>) -> Vec<Json> {
    let mut data = Vec::with_capacity(args.len() + 1);
    data.push(Json::String(event.to_string()));
    data.extend(args);
    data
}
