//! [`LocalNamespace`]: what a cluster adapter reaches of its namespace on this node.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, Stream, StreamExt};

use super::BroadcastOptions;
use crate::ack::AckResponse;
use crate::namespace::Namespace;
use crate::protocol::EncodedPacket;
use crate::recovery::RecoveryConfig;
use crate::room::Room;
use crate::socket::SocketRef;

/// This node's side of a namespace, for operations that other nodes ask for (a broadcast
/// received from Redis, say). Holds the namespace weakly: once it is gone, every operation is
/// a no-op.
#[derive(Clone)]
pub struct LocalNamespace(pub(crate) Weak<Namespace>);

impl LocalNamespace {
    fn get(&self) -> Option<Arc<Namespace>> {
        self.0.upgrade()
    }

    /// The namespace path (`None` once the namespace is gone).
    pub fn path(&self) -> Option<String> {
        self.get().map(|ns| ns.path().to_string())
    }

    /// The connection state recovery settings, when it is on (`None` once the namespace is
    /// gone).
    pub fn recovery(&self) -> Option<RecoveryConfig> {
        self.get().and_then(|ns| ns.recovery.clone())
    }

    /// Queues an encoded packet for the selected local sockets; returns how many.
    pub fn deliver(&self, packet: &EncodedPacket, opts: &BroadcastOptions) -> usize {
        self.get().map_or(0, |ns| ns.deliver(packet, opts))
    }

    /// The selected local sockets.
    pub fn sockets(&self, opts: &BroadcastOptions) -> Vec<SocketRef> {
        self.get().map(|ns| ns.targets(opts)).unwrap_or_default()
    }

    /// Makes the selected local sockets join `rooms`.
    pub fn join(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.sockets(opts) {
            socket.join(rooms.to_vec());
        }
    }

    /// Makes the selected local sockets leave `rooms`.
    pub fn leave(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.sockets(opts) {
            socket.leave(rooms.to_vec());
        }
    }

    /// Disconnects the selected local sockets.
    pub fn disconnect(&self, opts: &BroadcastOptions) {
        for socket in self.sockets(opts) {
            socket.disconnect();
        }
    }

    /// Sends a packet that asks for an ack to the selected local sockets and collects their
    /// acks within `timeout`. `packet` builds it around the ack id this namespace picks.
    /// Returns how many sockets it reached at once (what the asking node should expect) and
    /// the acks, as a stream in arrival order, so each can be relayed as soon as it comes.
    pub fn deliver_with_ack(
        &self,
        packet: impl FnOnce(u64) -> EncodedPacket,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> (usize, impl Stream<Item = AckResponse> + Send + 'static) {
        let waits = FuturesUnordered::new();
        if let Some(ns) = self.get() {
            let id = ns.next_ack_id();
            let packet = packet(id);
            // Put on the wire once for every target.
            match ns.parser.wire(&packet) {
                Err(e) => tracing::error!(error = %e, "broadcast packet not encodable: dropped"),
                Ok(wire) => {
                    for socket in ns.targets(opts) {
                        let rx = socket.acks.register(id);
                        if socket.send_encoded(&packet, &wire).is_ok() {
                            waits.push(async move {
                                let response = tokio::time::timeout(timeout, rx).await;
                                socket.acks.forget(id);
                                response.ok().and_then(Result::ok)
                            });
                        } else {
                            socket.acks.forget(id);
                        }
                    }
                }
            }
        }
        (waits.len(), waits.filter_map(std::future::ready))
    }
}
