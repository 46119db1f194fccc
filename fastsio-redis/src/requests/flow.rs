//! The request/answer flows, written once over [`RequestWire`].

use std::sync::Arc;
use std::time::Duration;

use fastsio::ack::AckResponse;
use fastsio::adapter::{AdapterError, AdapterFuture, BroadcastOptions, RemoteAcks, RemoteSocket};
use fastsio::protocol::{EncodedPacket, EventArgs};
use serde_json::Value as Json;

use super::{Request, RequestWire};
use crate::error::err;
use crate::remote_socket;
use crate::wire::{packet_mp, random_id};

/// How many servers serve namespace `nsp`, this one included (on a Redis Cluster, the
/// subscribers of every node, summed).
pub(crate) async fn server_count<W: RequestWire>(
    wire: &W,
    nsp: &str,
) -> Result<usize, AdapterError> {
    let channel = wire.request_channel(nsp);
    wire.node().commands.subscribers(W::NUMSUB, &channel).await
}

/// Publishes the request `encode` writes (given the request id) and waits for one answer
/// from each other server, within the request timeout. Returns the answers' data.
pub(crate) async fn request<W: RequestWire>(
    wire: &W,
    nsp: &str,
    encode: impl FnOnce(&str) -> Vec<u8>,
) -> Result<Vec<Json>, AdapterError> {
    let requests = &wire.node().requests;
    let _permit = requests.permit()?;
    let others = server_count(wire, nsp).await?.saturating_sub(1);
    if others == 0 {
        return Ok(Vec::new());
    }
    let request_id = random_id(6);
    let (mut rx, _pending) = requests.register(&request_id);
    let message = encode(&request_id);
    wire.node()
        .outbox
        .publish(wire.request_channel(nsp), message)
        .await?;
    let deadline = tokio::time::Instant::now() + wire.node().config.request_timeout;
    let mut answers = Vec::with_capacity(others);
    while answers.len() < others {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(response)) => answers.push(W::answer_data(response)),
            _ => {
                return Err(err(format!(
                    "timeout reached: only {} responses received out of {others}",
                    answers.len()
                )));
            }
        }
    }
    Ok(answers)
}

/// The sockets `opts` selects on the other servers of `nsp` (node's `fetchSockets`).
pub(crate) fn fetch_sockets<W: RequestWire>(
    wire: Arc<W>,
    nsp: Result<String, AdapterError>,
    opts: BroadcastOptions,
) -> AdapterFuture<'static, Vec<RemoteSocket>> {
    Box::pin(async move {
        let nsp = nsp?;
        let answers = request(&*wire, &nsp, |id| {
            wire.encode(&nsp, Request::FetchSockets { id, opts: &opts })
        })
        .await?;
        Ok(answers
            .iter()
            .filter_map(|a| a.get("sockets").and_then(Json::as_array))
            .flatten()
            .filter_map(remote_socket::parse)
            .collect())
    })
}

/// Sends `[event, ...args]` to the other servers of `nsp` (node's `serverSideEmit`).
pub(crate) async fn server_side_emit<W: RequestWire>(
    wire: &W,
    nsp: &str,
    event: &str,
    args: Vec<Json>,
) -> Result<(), AdapterError> {
    let emit = Request::ServerSideEmit {
        id: None,
        event,
        args,
    };
    let message = wire.encode(nsp, emit);
    let channel = wire.request_channel(nsp);
    wire.node().outbox.publish(channel, message).await
}

/// Sends `[event, ...args]` to the other servers of `nsp` and collects one answer from each,
/// within the request timeout (node's `serverSideEmitWithAck`).
pub(crate) async fn server_side_emit_with_ack<W: RequestWire>(
    wire: &W,
    nsp: &str,
    event: &str,
    args: Vec<Json>,
) -> Result<Vec<Json>, AdapterError> {
    let answers = request(wire, nsp, |id| {
        let emit = Request::ServerSideEmit {
            id: Some(id),
            event,
            args,
        };
        wire.encode(nsp, emit)
    })
    .await?;
    Ok(answers
        .into_iter()
        .map(|mut a| {
            a.get_mut(W::SERVER_SIDE_ANSWER)
                .map(Json::take)
                .unwrap_or(Json::Null)
        })
        .collect())
}

/// Broadcasts `packet` to the sockets `opts` selects on the other servers of `nsp` and
/// collects their acks: each server says how many sockets it reached, then sends each ack
/// as it arrives; what arrived within `timeout` is returned. The slot for the operation is
/// taken at once.
pub(crate) fn broadcast_with_ack<W: RequestWire>(
    wire: Arc<W>,
    nsp: Result<String, AdapterError>,
    packet: EncodedPacket,
    opts: BroadcastOptions,
    timeout: Duration,
) -> AdapterFuture<'static, RemoteAcks> {
    let permit = wire.node().requests.permit();
    Box::pin(async move {
        let (_permit, nsp) = (permit?, nsp?);
        let deadline = tokio::time::Instant::now() + timeout;
        let servers = server_count(&*wire, &nsp).await?;
        if servers <= 1 {
            return Ok(RemoteAcks::default());
        }
        let packet = packet_mp(&nsp, &packet).ok_or_else(|| err("unreadable packet"))?;
        let request_id = random_id(6);
        let (mut rx, _pending) = wire.node().requests.register(&request_id);
        let broadcast = Request::BroadcastWithAck {
            id: &request_id,
            packet,
            opts: &opts,
            timeout,
        };
        let message = wire.encode(&nsp, broadcast);
        wire.node()
            .outbox
            .publish(wire.request_channel(&nsp), message)
            .await?;
        let mut acks = RemoteAcks::default();
        let mut counts = 0;
        while counts < servers - 1 || acks.responses.len() < acks.expected {
            let Ok(Some(response)) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                break;
            };
            let kind = response.get("type").and_then(Json::as_u64);
            let answer = W::answer_data(response);
            if kind == Some(W::BROADCAST_CLIENT_COUNT) {
                counts += 1;
                acks.expected += answer
                    .get("clientCount")
                    .and_then(Json::as_u64)
                    .unwrap_or(0) as usize;
            } else if kind == Some(W::BROADCAST_ACK) {
                let value = answer.get("packet").unwrap_or(&Json::Null);
                if let Ok(args) = EventArgs::parse(format!("[{value}]").into()) {
                    acks.responses.push(AckResponse {
                        args,
                        attachments: Vec::new(),
                    });
                }
            }
        }
        Ok(acks)
    })
}
