//! The Socket.IO side of one Engine.IO connection: [`ClientData`] (its sockets, one per
//! namespace, and a binary packet being reassembled) and the packet dispatch.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::sync::Notify;

use crate::ack::AckResponse;
use crate::engine::{
    Backpressure, CloseReason, Connection, EngineHandler, ProtocolVersion, Sid, Str,
};
use crate::error::ConnectError;
use crate::handler::{ConnectContext, EventContext};
use crate::namespace::Namespace;
use crate::protocol::{
    Completion, EncodedPacket, Header, Packet, PacketKind, Parser, PartialBinary, decode, encode,
};
#[cfg(feature = "msgpack")]
use crate::protocol::{ParseError, msgpack};
use crate::reason::DisconnectReason;
use crate::recovery::RecoveryClaim;
use crate::server::ServerInner;
use crate::socket::{Socket, SocketRef, Start};

/// Per-connection Socket.IO state, kept in the Engine.IO session.
///
/// What only some connections ever hold (a binary packet being reassembled, a stalled event)
/// is boxed: every idle connection carries this struct, so it stays small.
#[derive(Default)]
pub struct ClientData {
    sockets: Mutex<Vec<(Str, SocketRef)>>,
    partial: Mutex<Option<Box<PartialBinary>>>,
    connected_once: AtomicBool,
    connected: Notify,
    /// An event whose socket's handler queue was full: the connection reads nothing more
    /// until it is handed over.
    stalled: Mutex<Option<Box<(SocketRef, EventContext)>>>,
    /// Whether `stalled` may hold an event: the connection checks after every message, and
    /// most never stall.
    maybe_stalled: AtomicBool,
}

impl ClientData {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Str, SocketRef)>> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn socket(&self, ns: &str) -> Option<SocketRef> {
        self.lock()
            .iter()
            .find(|(path, _)| path == ns)
            .map(|(_, s)| s.clone())
    }

    fn add_socket(&self, ns: Str, socket: SocketRef) -> bool {
        let mut sockets = self.lock();
        if sockets.iter().any(|(path, _)| *path == ns) {
            return false;
        }
        // Most connections join one namespace: room for one, not the four a first push gives.
        sockets.reserve_exact(1);
        sockets.push((ns, socket));
        true
    }

    pub(crate) fn remove_socket(&self, ns: &str) {
        self.lock().retain(|(path, _)| path != ns);
    }

    fn take_all(&self) -> Vec<SocketRef> {
        self.lock().drain(..).map(|(_, s)| s).collect()
    }

    fn all(&self) -> Vec<SocketRef> {
        self.lock().iter().map(|(_, s)| s.clone()).collect()
    }
}

/// The engine handler of a Socket.IO server.
pub struct SioHandler(pub(crate) Arc<ServerInner>);

type Conn = Arc<Connection<ClientData>>;

impl EngineHandler for SioHandler {
    type Data = ClientData;

    fn on_open(&self, session: &Conn) {
        if let Some(observer) = &self.0.observer {
            observer.connection_opened(session.transport());
        }
        match session.version() {
            ProtocolVersion::V3 => {
                let packet = Packet {
                    kind: PacketKind::Connect,
                    ns: Str::from_static("/"),
                    query: None,
                    id: None,
                    attachments: 0,
                    data: Str::default(),
                    args: Default::default(),
                };
                connect(&self.0, session, packet);
            }
            ProtocolVersion::V4 => {
                let session = session.clone();
                let timeout = self.0.config.connect_timeout;
                tokio::spawn(async move {
                    let data = session.data();
                    tokio::select! {
                        _ = tokio::time::sleep(timeout) => {
                            if !data.connected_once.load(Ordering::Acquire) {
                                tracing::debug!(sid = %session.id(), "no CONNECT in time: closing");
                                session.close(CloseReason::ForcedClose);
                            }
                        }
                        _ = data.connected.notified() => {}
                        _ = session.closed() => {}
                    }
                });
            }
        }
    }

    fn on_message(&self, session: &Conn, text: Str) {
        if let Some(observer) = &self.0.observer {
            observer.packet_received(text.len());
        }
        #[cfg(feature = "msgpack")]
        if self.0.config.parser == Parser::MsgPack {
            return refuse(session, &ParseError::UnexpectedText.to_string());
        }
        let pending = session
            .data()
            .partial
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if pending.is_some() {
            return refuse(session, "text packet while attachments were expected");
        }
        let packet = match decode(text, self.0.config.max_attachments) {
            Ok(p) => p,
            Err(e) => return refuse(session, &e.to_string()),
        };
        if packet.attachments > 0 {
            *session
                .data()
                .partial
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(Box::new(PartialBinary::new(packet)));
            return;
        }
        dispatch(&self.0, session, packet, Vec::new());
    }

    fn on_binary(&self, session: &Conn, data: Bytes) {
        if let Some(observer) = &self.0.observer {
            observer.packet_received(data.len());
        }
        #[cfg(feature = "msgpack")]
        if self.0.config.parser == Parser::MsgPack {
            return match msgpack::decode(data, self.0.config.max_attachments) {
                Ok((packet, attachments)) => dispatch(&self.0, session, packet, attachments),
                Err(e) => refuse(session, &e.to_string()),
            };
        }
        let pending = session
            .data()
            .partial
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(partial) = pending else {
            return refuse(session, "unexpected binary attachment");
        };
        match (*partial).push(data) {
            Ok(Completion::Done(packet, attachments)) => {
                dispatch(&self.0, session, packet, attachments)
            }
            Ok(Completion::Pending(partial))
                if partial.received_bytes() > self.0.config.engine.max_payload =>
            {
                refuse(session, "binary attachments larger than max_payload in all")
            }
            Ok(Completion::Pending(partial)) => {
                *session
                    .data()
                    .partial
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(Box::new(partial));
            }
            Err(e) => refuse(session, &e.to_string()),
        }
    }

    fn backpressure(&self, session: &Conn) -> Option<Backpressure> {
        let maybe_stalled = &session.data().maybe_stalled;
        if !maybe_stalled.load(Ordering::Acquire) {
            return None;
        }
        maybe_stalled.store(false, Ordering::Release);
        let (socket, cx) = *session
            .data()
            .stalled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        Some(Box::pin(async move { socket.enqueue_wait(cx).await }))
    }

    fn on_upgrade(&self, session: &Conn) {
        if let Some(observer) = &self.0.observer {
            observer.connection_upgraded(&session.data().all());
        }
    }

    fn respond(
        &self,
        method: &http::Method,
        path: &str,
    ) -> Option<http::Response<crate::engine::EngineBody>> {
        self.0.contract.as_ref()?.routes.respond(method, path)
    }

    fn on_close(&self, session: &Conn, reason: CloseReason) {
        if let Some(observer) = &self.0.observer {
            observer.connection_closed(session.transport(), reason);
        }
        for socket in session.data().take_all() {
            socket.close(DisconnectReason::from(reason));
        }
    }
}

fn refuse(session: &Conn, why: &str) {
    tracing::debug!(sid = %session.id(), why, "malformed Socket.IO packet: closing");
    session.close(CloseReason::ParseError);
}

fn dispatch(server: &Arc<ServerInner>, session: &Conn, packet: Packet, attachments: Vec<Bytes>) {
    match packet.kind {
        PacketKind::Connect => connect(server, session, packet),
        PacketKind::Disconnect => {
            if let Some(socket) = session.data().socket(&packet.ns) {
                socket.close(DisconnectReason::ClientNamespaceDisconnect);
            }
        }
        PacketKind::Event | PacketKind::BinaryEvent => {
            let Some(socket) = session.data().socket(&packet.ns).filter(|s| s.connected()) else {
                tracing::debug!(sid = %session.id(), ns = %packet.ns, "event for a namespace not joined");
                return;
            };
            if let Some(observer) = &server.observer {
                observer.event_received(&socket, &packet.args);
            }
            if let Some(cx) = socket.enqueue(EventContext::new(
                socket.clone(),
                packet.args,
                attachments,
                packet.id,
            )) {
                let data = session.data();
                *data.stalled.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(Box::new((socket, *cx)));
                data.maybe_stalled.store(true, Ordering::Release);
            }
        }
        PacketKind::Ack | PacketKind::BinaryAck => {
            if let (Some(socket), Some(id)) = (session.data().socket(&packet.ns), packet.id) {
                socket.on_ack(
                    id,
                    AckResponse {
                        args: packet.args,
                        attachments,
                    },
                );
            }
        }
        PacketKind::ConnectError => refuse(session, "CONNECT_ERROR from a client"),
    }
}

fn connect(server: &Arc<ServerInner>, session: &Conn, packet: Packet) {
    let Some(ns) = server.namespace(&packet.ns) else {
        let error = ConnectError::new("Invalid namespace");
        send_connect_error(session, server.config.parser, &packet.ns, &error);
        return;
    };
    if session.data().socket(&packet.ns).is_some() {
        tracing::debug!(sid = %session.id(), ns = %packet.ns, "already connected to this namespace");
        return;
    }
    session.data().connected_once.store(true, Ordering::Release);
    session.data().connected.notify_one();
    let v5 = session.version() == ProtocolVersion::V4;
    let auth = if v5 && !packet.data.is_empty() {
        packet.data
    } else {
        Str::from_static("{}")
    };
    let recovery = v5 && server.config.connection_state_recovery.is_some();
    let claim = recovery.then(|| RecoveryClaim::parse(&auth)).flatten();
    let (server, session) = (server.clone(), session.clone());
    let Some(claim) = claim else {
        let pid = recovery.then(Sid::new);
        let start = Start::Fresh { pid };
        if let Some(socket) = attach(&server, &session, &ns, packet.ns, auth.clone(), start) {
            tokio::spawn(handshake(server, session, ns, socket, auth));
        }
        return;
    };
    tokio::spawn(async move {
        let restored = ns
            .adapter
            .restore_record(claim.pid, claim.offset)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(ns = %ns.path(), error = %e, "connection state recovery failed");
                None
            });
        let start = match restored {
            Some(restored) => Start::Recovered(restored),
            None => Start::Fresh {
                pid: Some(Sid::new()),
            },
        };
        let Some(socket) = attach(&server, &session, &ns, packet.ns, auth.clone(), start) else {
            return;
        };
        if let Some(reason) = session.close_reason() {
            // The connection closed while the recovery record was looked up: it may have missed it.
            socket.close(DisconnectReason::from(reason));
            return;
        }
        handshake(server, session, ns, socket, auth).await
    });
}

/// Creates the socket and adds it to the connection; `None` if the connection already has
/// one for the namespace.
fn attach(
    server: &Arc<ServerInner>,
    session: &Conn,
    ns: &Arc<Namespace>,
    path: Str,
    auth: Str,
    start: Start,
) -> Option<SocketRef> {
    let socket = Socket::create(
        ns.clone(),
        session.clone(),
        Arc::downgrade(server),
        auth,
        start,
    );
    if !session.data().add_socket(path, socket.clone()) {
        tracing::debug!(sid = %session.id(), ns = %ns.path(), "already connected to this namespace");
        if socket.recovered() {
            ns.adapter.del_all(socket.id());
        }
        return None;
    }
    Some(socket)
}

/// Runs the connect handler (behind its middleware, unless a recovered socket skips it), then
/// answers CONNECT, or refuses it.
async fn handshake(
    server: Arc<ServerInner>,
    session: Conn,
    ns: Arc<Namespace>,
    socket: SocketRef,
    auth: Str,
) {
    let skip_middlewares = socket.recovered()
        && server
            .config
            .connection_state_recovery
            .as_ref()
            .is_some_and(|r| r.skip_middlewares);
    let handler = match skip_middlewares {
        true => ns.handlers.connect_bare.clone(),
        false => ns.handlers.connect.clone(),
    };
    let accepted = match handler {
        None => Ok(()),
        Some(handler) => {
            let call = async {
                handler
                    .call(ConnectContext::new(socket.clone(), auth))
                    .await
            };
            AssertUnwindSafe(call)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    tracing::error!("connect handler panicked");
                    Err(ConnectError::new("internal error"))
                })
        }
    };
    let v5 = session.version() == ProtocolVersion::V4;
    match accepted {
        Ok(()) => {
            let payload = match (v5, socket.pid()) {
                (false, _) => String::new(),
                (true, None) => format!(r#"{{"sid":"{}"}}"#, socket.id()),
                (true, Some(pid)) => format!(r#"{{"sid":"{}","pid":"{pid}"}}"#, socket.id()),
            };
            let header = Header {
                kind: PacketKind::Connect,
                ns: ns.path(),
                id: None,
            };
            socket.confirm(
                encode(header, &payload, Vec::new()),
                server.config.max_pending_events,
            );
        }
        Err(e) => {
            socket.close(DisconnectReason::ServerNamespaceDisconnect);
            if v5 {
                send_connect_error(&session, ns.parser, ns.path(), &e);
            } else {
                send_legacy_connect_error(&session, ns.parser, ns.path(), &e);
            }
        }
    }
}

fn send_connect_error(session: &Conn, parser: Parser, ns: &str, error: &ConnectError) {
    let payload = serde_json::to_string(error)
        .unwrap_or_else(|_| r#"{"message":"connection refused"}"#.into());
    send_error_packet(session, parser, ns, &payload);
}

/// Socket.IO v4 clients (socket.io 2.x) get the refusal's data, or else its message, as the
/// error packet's payload, as node's server sends it to them.
fn send_legacy_connect_error(session: &Conn, parser: Parser, ns: &str, error: &ConnectError) {
    let payload = match &error.data {
        Some(data) => serde_json::to_string(data),
        None => serde_json::to_string(&error.message),
    }
    .unwrap_or_else(|_| r#""connection refused""#.into());
    send_error_packet(session, parser, ns, &payload);
}

fn send_error_packet(session: &Conn, parser: Parser, ns: &str, payload: &str) {
    let header = Header {
        kind: PacketKind::ConnectError,
        ns,
        id: None,
    };
    let packet: EncodedPacket = encode(header, payload, Vec::new());
    match parser.wire(&packet) {
        Ok(wire) => {
            let _ = wire.frames().try_for_each(|frame| session.send(frame));
        }
        Err(e) => tracing::error!(error = %e, "CONNECT_ERROR not encodable"),
    }
}
