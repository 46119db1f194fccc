//! [`Observer`]: a read-only view of what happens in a server, for instrumentation (the admin
//! UI of `fastsio-admin`, metrics).

use crate::DisconnectReason;
use crate::engine::{CloseReason, TransportKind};
use crate::protocol::{EncodedPacket, EventArgs};
use crate::room::Room;
use crate::socket::{Socket, SocketRef};

/// Told about connections, sockets, rooms and packets, as they happen.
///
/// Installed with [`ServerBuilder::observer`](crate::ServerBuilder::observer). Without one
/// the server pays a single branch at each point below; with one, the calls run on the
/// server's own tasks, so they must be quick and must not block (hand slow work to a task).
/// Every method does nothing by default.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use fastsio_core::{Server, SocketRef, observer::Observer};
///
/// #[derive(Default)]
/// struct CountSockets(AtomicUsize);
///
/// impl Observer for CountSockets {
///     fn socket_connected(&self, _: &SocketRef) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let io = Server::builder().observer(CountSockets::default()).build().unwrap();
/// # let _ = io;
/// ```
#[allow(unused_variables)]
pub trait Observer: Send + Sync + 'static {
    /// An Engine.IO connection opened on `transport`.
    fn connection_opened(&self, transport: TransportKind) {}

    /// A connection moved from polling to WebSocket; `sockets` are its Socket.IO sockets.
    fn connection_upgraded(&self, sockets: &[SocketRef]) {}

    /// A connection closed; `transport` is the one it was using.
    fn connection_closed(&self, transport: TransportKind, reason: CloseReason) {}

    /// A Socket.IO message of `bytes` bytes arrived (text or binary attachment).
    fn packet_received(&self, bytes: usize) {}

    /// A packet was queued for `socket` (events, acks, disconnections; emitted to many
    /// sockets, it is reported once per socket, sharing its bytes).
    fn packet_sent(&self, socket: &Socket, packet: &EncodedPacket) {}

    /// A socket joined a namespace (its connect handler accepted it).
    fn socket_connected(&self, socket: &SocketRef) {}

    /// A connected socket left its namespace.
    fn socket_disconnected(&self, socket: &SocketRef, reason: DisconnectReason) {}

    /// A socket joined `rooms` (only those it was not in yet).
    fn rooms_joined(&self, socket: &Socket, rooms: &[Room]) {}

    /// A socket left `rooms` (only those it was in).
    fn rooms_left(&self, socket: &Socket, rooms: &[Room]) {}

    /// An event arrived for `socket`: `args` is the whole array, event name first.
    fn event_received(&self, socket: &SocketRef, args: &EventArgs) {}
}
