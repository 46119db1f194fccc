//! [`LocalNamespace`]: what a cluster adapter reaches of its namespace on this node.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::future::join_all;

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

    /// Sends a packet that carries ack id `id` to the selected local sockets and collects their
    /// acks within `timeout`: returns how many sockets it reached at once (what the asking node
    /// should expect) and a future of the acks.
    pub fn deliver_with_ack(
        &self,
        packet: &EncodedPacket,
        id: u64,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> (
        usize,
        impl std::future::Future<Output = Vec<AckResponse>> + Send + 'static,
    ) {
        let mut waits = Vec::new();
        for socket in self.sockets(opts) {
            let rx = socket.acks.register(id);
            if socket.send_packet(packet).is_ok() {
                waits.push(async move {
                    let response = tokio::time::timeout(timeout, rx).await;
                    socket.acks.forget(id);
                    response.ok().and_then(Result::ok)
                });
            } else {
                socket.acks.forget(id);
            }
        }
        let reached = waits.len();
        (reached, async move {
            join_all(waits).await.into_iter().flatten().collect()
        })
    }
}
