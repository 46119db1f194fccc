//! Answering a broadcast that wants acks: the other side of
//! [`broadcast_with_ack`](super::broadcast_with_ack).

use std::time::Duration;

use fastsio::adapter::{BroadcastOptions, LocalNamespace};
use futures_util::StreamExt;
use rmpv::Value as Mp;
use serde_json::Value as Json;

use crate::wire::{RemotePacket, ack_mp};

/// One answer to a broadcast that wants acks.
pub(crate) enum AckAnswer {
    /// How many of this node's sockets the broadcast reached.
    ClientCount(usize),
    /// One socket's ack.
    Ack(Mp),
}

/// Delivers `packet` to this node's sockets that `opts` selects and waits for their acks,
/// within the timeout the request's data (`request`) names, `default_timeout` without one.
/// `answer` sends this node's count first, then each ack as it arrives.
pub(crate) fn deliver_with_acks(
    local: &LocalNamespace,
    packet: &RemotePacket,
    opts: &BroadcastOptions,
    request: &Json,
    default_timeout: Duration,
    answer: impl Fn(AckAnswer) + Send + 'static,
) {
    let timeout = request
        .pointer("/opts/flags/timeout")
        .and_then(Json::as_u64)
        .map(Duration::from_millis)
        .unwrap_or(default_timeout);
    let (reached, mut acks) = local.deliver_with_ack(|id| packet.encode(Some(id)), opts, timeout);
    answer(AckAnswer::ClientCount(reached));
    if reached == 0 {
        return;
    }
    tokio::spawn(async move {
        while let Some(ack) = acks.next().await {
            if let Some(ack) = ack_mp(&ack) {
                answer(AckAnswer::Ack(ack));
            }
        }
    });
}
