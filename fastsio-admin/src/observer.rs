//! [`AdminObserver`]: the core [`Observer`] that turns what happens in the server into the
//! admin UI's events.

use std::sync::Arc;
use std::time::SystemTime;

use fastsio_core::engine::{CloseReason, TransportKind};
use fastsio_core::observer::Observer;
use fastsio_core::protocol::{EncodedPacket, EventArgs};
use fastsio_core::{DisconnectReason, Room, Socket, SocketRef};
use serde_json::json;
use serde_json::value::RawValue;

use crate::admin::Admin;
use crate::sent_event::event_args;
use crate::socket_details::{Issued, SocketDetails, iso_date, transport_name};

pub(crate) struct AdminObserver(pub Arc<Admin>);

fn now() -> String {
    iso_date(SystemTime::now())
}

impl AdminObserver {
    /// Tells the admins about each room with `event` (`room_joined` or `room_left`).
    fn rooms(&self, socket: &Socket, rooms: &[Room], event: &str) {
        if !self.0.verbose() {
            return;
        }
        let at = now();
        for room in rooms {
            let args = (socket.ns(), room.as_str(), socket.id(), &at);
            self.0.tell(socket, event, &args);
        }
    }

    /// Tells the admins about an event a socket received or was sent.
    fn event(&self, socket: &Socket, event: &str, args: &str) {
        let Ok(args) = serde_json::from_str::<&RawValue>(args) else {
            return;
        };
        self.0
            .tell(socket, event, &(socket.ns(), socket.id(), args, now()));
    }
}

impl Observer for AdminObserver {
    fn connection_opened(&self, transport: TransportKind) {
        if transport == TransportKind::Polling {
            self.0.polling_changed(1);
        }
        if self.0.active() {
            self.0.traffic.push("rawConnection", None);
        }
    }

    fn connection_upgraded(&self, sockets: &[SocketRef]) {
        self.0.polling_changed(-1);
        if !self.0.verbose() {
            return;
        }
        for socket in sockets {
            let update = json!({
                "id": socket.id(),
                "nsp": socket.ns(),
                "transport": transport_name(TransportKind::Websocket),
            });
            self.0.tell(socket, "socket_updated", &update);
        }
    }

    fn connection_closed(&self, transport: TransportKind, reason: CloseReason) {
        if transport == TransportKind::Polling {
            self.0.polling_changed(-1);
        }
        if self.0.active() {
            self.0
                .traffic
                .push("rawDisconnection", Some(reason.as_str()));
        }
    }

    fn packet_received(&self, bytes: usize) {
        if self.0.active() {
            self.0.traffic.received(bytes);
        }
    }

    fn packet_sent(&self, socket: &Socket, packet: &EncodedPacket) {
        if !self.0.active() {
            return;
        }
        let bytes = packet.text.len() + packet.attachments.iter().map(|a| a.len()).sum::<usize>();
        self.0.traffic.sent(1 + packet.attachments.len(), bytes);
        if self.0.verbose()
            && !self.0.is_admin(socket)
            && let Some(args) = event_args(&packet.text, socket.ns())
        {
            self.event(socket, "event_sent", args);
        }
    }

    fn socket_connected(&self, socket: &SocketRef) {
        if self.0.is_admin(socket) {
            self.0.admin_joined(socket);
        }
        if self.0.mode == crate::Mode::Development {
            socket.insert(Issued(SystemTime::now()));
        }
        if self.0.verbose() {
            self.0.tell(
                socket,
                "socket_connected",
                &(SocketDetails::of(socket), now()),
            );
        }
    }

    fn socket_disconnected(&self, socket: &SocketRef, reason: DisconnectReason) {
        if self.0.is_admin(socket) {
            self.0.admin_left();
        }
        if self.0.verbose() {
            let args = (socket.ns(), socket.id(), reason.as_str(), now());
            self.0.tell(socket, "socket_disconnected", &args);
        }
    }

    fn rooms_joined(&self, socket: &Socket, rooms: &[Room]) {
        self.rooms(socket, rooms, "room_joined");
    }

    fn rooms_left(&self, socket: &Socket, rooms: &[Room]) {
        self.rooms(socket, rooms, "room_left");
    }

    fn event_received(&self, socket: &SocketRef, args: &EventArgs) {
        if self.0.verbose() && !self.0.is_admin(socket) {
            self.event(socket, "event_received", args.raw());
        }
    }
}
