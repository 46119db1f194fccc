//! [`RequestWire`]: what a wire protocol does its own way in the request/answer flow.

use serde_json::Value as Json;

use super::Request;
use crate::node::Node;

/// A wire protocol's side of the request/answer flow: where requests go, how each request is
/// written, how an answer reads.
pub(crate) trait RequestWire: Send + Sync + 'static {
    /// The `PUBSUB` subcommand that counts the servers of a namespace (`NUMSUB`,
    /// `SHARDNUMSUB`): the subscribers of its [request channel](Self::request_channel).
    const NUMSUB: &'static str;
    /// The type of the answer that says how many sockets a broadcast with acks reached.
    const BROADCAST_CLIENT_COUNT: u64;
    /// The type of the answer that carries one socket's ack to a broadcast.
    const BROADCAST_ACK: u64;
    /// The field of a server-side emit's answer data that holds the handler's answer.
    const SERVER_SIDE_ANSWER: &'static str;

    /// This node: its waiting requests, its connections, its request timeout.
    fn node(&self) -> &Node;
    /// The channel every server of `nsp` reads requests on.
    fn request_channel(&self, nsp: &str) -> String;

    /// `request` as it goes on the wire for namespace `nsp`.
    fn encode(&self, nsp: &str, request: Request<'_>) -> Vec<u8>;
    /// What an answer says, without its envelope.
    fn answer_data(response: Json) -> Json;
}
