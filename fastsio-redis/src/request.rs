//! Requests in `@socket.io/redis-adapter`'s shapes: JSON on `{prefix}-request#{nsp}#`
//! (a broadcast with acks in msgpack), answered with the whole response.

use std::time::Duration;

use fastsio::adapter::BroadcastOptions;
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

use crate::cluster::Inner;
use crate::node::Node;
use crate::requests::RequestWire;
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

    fn fetch_sockets_request(
        &self,
        _nsp: &str,
        request_id: &str,
        opts: &BroadcastOptions,
    ) -> Vec<u8> {
        let body = json!({
            "uid": self.node.uid,
            "requestId": request_id,
            "type": request_type::REMOTE_FETCH,
            "opts": opts_request_json(opts),
        });
        body.to_string().into_bytes()
    }

    fn server_side_emit_request(
        &self,
        _nsp: &str,
        request_id: Option<&str>,
        event: &str,
        args: Vec<Json>,
    ) -> Vec<u8> {
        let mut body = json!({"uid": self.node.uid});
        if let Some(request_id) = request_id {
            body["requestId"] = json!(request_id);
        }
        body["type"] = json!(request_type::SERVER_SIDE_EMIT);
        body["data"] = json!(event_data(event, args));
        body.to_string().into_bytes()
    }

    fn broadcast_request(
        &self,
        _nsp: &str,
        request_id: &str,
        packet: Mp,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> Vec<u8> {
        encode_mp(&map(vec![
            ("uid", Mp::from(self.node.uid.as_str())),
            ("requestId", Mp::from(request_id)),
            ("type", Mp::from(request_type::BROADCAST)),
            ("packet", packet),
            ("opts", opts_mp(opts, Some(timeout))),
        ]))
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
