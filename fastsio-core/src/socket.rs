//! [`Socket`] and [`SocketRef`]: one client connected to one namespace.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ack::{AckError, AckResponse, AckTable};
use crate::adapter::{Recipients, RecoveryRecord, RestoredRecord};
use crate::client::ClientData;
use crate::engine::{
    CloseReason, Connection, Frame, RequestInfo, SendError, Sid, Str, TransportKind,
};
use crate::error::EmitError;
use crate::event_queue::{EventQueue, Push};
use crate::extract::from_socket;
use crate::handler::{
    AckErrorBody, AckReply, BoxFuture, DisconnectContext, EventContext, ServerEvent,
};
use crate::namespace::Namespace;
use crate::operators::BroadcastOperators;
use crate::protocol::{EncodedPacket, Header, PacketKind, Parser, Wire, encode, encode_parts};
use crate::reason::DisconnectReason;
use crate::room::{IntoRooms, Room};
use crate::server::{Io, NoAckPolicy, ServerInner};

const CONNECTING: u8 = 0;
const CONNECTED: u8 = 1;
const DISCONNECTED: u8 = 2;

/// A client connected to a namespace.
pub struct Socket {
    id: Sid,
    pub(crate) ns: Arc<Namespace>,
    pub(crate) conn: Arc<Connection<ClientData>>,
    server: Weak<ServerInner>,
    auth: Str,
    pub(crate) acks: AckTable,
    extensions: RwLock<http::Extensions>,
    state: AtomicU8,
    connect_buffer: Mutex<Vec<Frame>>,
    events: EventQueue,
    /// The private session id, with connection state recovery on (Socket.IO v5 clients).
    pid: Option<Sid>,
    recovered: bool,
}

/// How a socket begins: fresh, or recovering one that lost its connection.
pub(crate) enum Start {
    /// A new socket; `pid` is set when connection state recovery is on.
    Fresh { pid: Option<Sid> },
    /// A recovered socket: its id, rooms and session values, and what it missed (queued
    /// right after the CONNECT reply).
    Recovered(RestoredRecord),
}

/// A shared handle to a [`Socket`]; the handler argument that gives the socket itself.
#[derive(Clone)]
pub struct SocketRef(pub(crate) Arc<Socket>);

impl std::ops::Deref for SocketRef {
    type Target = Socket;
    fn deref(&self) -> &Socket {
        &self.0
    }
}

impl std::fmt::Debug for SocketRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.id)
            .field("ns", &self.ns.path())
            .finish()
    }
}

from_socket!(SocketRef, |socket| socket.clone());

impl Socket {
    pub(crate) fn create(
        ns: Arc<Namespace>,
        conn: Arc<Connection<ClientData>>,
        server: Weak<ServerInner>,
        auth: Str,
        start: Start,
    ) -> SocketRef {
        let (id, pid, extensions, missed, rooms) = match start {
            Start::Fresh { pid } => (Sid::new(), pid, http::Extensions::new(), Vec::new(), None),
            Start::Recovered(RestoredRecord { record, missed }) => {
                let mut frames = Vec::new();
                for packet in &missed {
                    match ns.parser.wire(packet) {
                        Ok(wire) => frames.extend(wire.frames()),
                        Err(e) => tracing::error!(error = %e, "kept packet not encodable: dropped"),
                    }
                }
                let RecoveryRecord {
                    sid,
                    pid,
                    rooms,
                    extensions,
                } = record;
                (sid, Some(pid), extensions, frames, Some(rooms))
            }
        };
        let socket = SocketRef(Arc::new(Socket {
            id,
            ns,
            conn,
            server,
            auth,
            acks: AckTable::default(),
            extensions: RwLock::new(extensions),
            state: AtomicU8::new(CONNECTING),
            connect_buffer: Mutex::new(missed),
            events: EventQueue::default(),
            pid,
            recovered: rooms.is_some(),
        }));
        if let Some(rooms) = rooms {
            socket.ns.adapter.add_all(id, &rooms);
        }
        socket
    }

    /// The socket id (distinct from the connection id, as in Socket.IO v5).
    pub fn id(&self) -> Sid {
        self.id
    }

    /// The namespace path (`/`, `/chat`, or a dynamic namespace's concrete path).
    pub fn ns(&self) -> &str {
        self.ns.path()
    }

    /// The values of a dynamic namespace's parameters (`/room/{id}` connected as `/room/42`
    /// gives `id` = `42`).
    pub fn ns_param(&self, name: &str) -> Option<&str> {
        self.ns.param(name)
    }

    /// The opening request of the connection.
    pub fn request(&self) -> Arc<RequestInfo> {
        self.conn.request().clone()
    }

    /// The server handle (`None` once the server is gone).
    pub fn io(&self) -> Option<Io> {
        self.server.upgrade()?.io()
    }

    /// The raw auth payload of the CONNECT packet (`{}` when none).
    pub fn auth(&self) -> &Str {
        &self.auth
    }

    /// Whether the socket is connected.
    pub fn connected(&self) -> bool {
        self.state.load(Ordering::Acquire) == CONNECTED
    }

    /// Whether this socket recovered the session of one whose connection was lost
    /// ([connection state recovery](crate::RecoveryConfig)): same id, rooms and session
    /// values, and the events missed meanwhile queued right after the CONNECT reply.
    pub fn recovered(&self) -> bool {
        self.recovered
    }

    /// The private session id, with connection state recovery on.
    pub(crate) fn pid(&self) -> Option<Sid> {
        self.pid
    }

    /// Sends an event, which connection state recovery first stores for replay and gives its
    /// offset. Not once the socket is closed: that emit fails, and is not replayed either
    /// (`io.to(id)` reaches a session waiting for its client).
    fn send_event(&self, packet: EncodedPacket) -> Result<(), SendError> {
        let packet = match self.pid {
            Some(_) if self.state.load(Ordering::Acquire) != DISCONNECTED => {
                self.ns.recoverable(packet, Recipients::Socket(self.id))
            }
            _ => Some(packet),
        };
        packet.map_or(Ok(()), |packet| self.send_packet(&packet))
    }

    /// Emits `event` to this client; `data` is one argument, or several as a tuple, or none
    /// as `()`.
    pub fn emit_raw<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        let packet = EncodedPacket::event(self.ns.path(), event, None, data, Vec::new())?;
        Ok(self.send_event(packet)?)
    }

    /// Emits a typed event ([`ServerEvent`]): its wire name comes with its type.
    pub fn emit<E: ServerEvent>(&self, event: &E) -> Result<(), EmitError> {
        self.emit_raw(E::NAME, event)
    }

    /// Emits a typed event and waits for the client's ack, at most `timeout`, decoded as the
    /// event's declared [`ServerEvent::Ack`] type.
    pub async fn emit_with_ack<E: ServerEvent>(
        &self,
        event: &E,
        timeout: Duration,
    ) -> Result<E::Ack, AckError> {
        self.emit_raw_with_ack(E::NAME, event, timeout).await
    }

    /// Emits with binary attachments; `data` holds their placeholders
    /// (`{"_placeholder":true,"num":N}`), as received through [`RawArgs`](crate::extract::RawArgs).
    pub fn emit_binary<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        attachments: Vec<Bytes>,
    ) -> Result<(), EmitError> {
        let packet = EncodedPacket::event(self.ns.path(), event, None, data, attachments)?;
        Ok(self.send_event(packet)?)
    }

    /// Emits and waits for the client's ack, at most `timeout`, decoding it as `R`.
    pub async fn emit_raw_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
        timeout: Duration,
    ) -> Result<R, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let id = self.ns.next_ack_id();
        let packet = EncodedPacket::event(self.ns.path(), event, Some(id), data, Vec::new())
            .map_err(AckError::Encode)?;
        let rx = self.acks.register(id);
        let _forget = ForgetAck { socket: self, id };
        self.send_packet(&packet).map_err(AckError::Send)?;
        let response = match tokio::time::timeout(timeout, rx).await {
            Err(_) => return Err(AckError::Timeout),
            Ok(Err(_)) => return Err(AckError::Disconnected),
            Ok(Ok(response)) => response,
        };
        response.data().map_err(AckError::Decode)
    }

    /// Queues an encoded packet (buffered until the connection is confirmed).
    pub(crate) fn send_packet(&self, packet: &EncodedPacket) -> Result<(), SendError> {
        match self.ns.parser.wire(packet) {
            Ok(wire) => self.send_encoded(packet, &wire),
            Err(e) => {
                tracing::error!(sid = %self.id, error = %e, "packet not encodable: dropped");
                Ok(())
            }
        }
    }

    /// Queues `packet`, already put in the parser's wire format (a broadcast's wire form is
    /// shared by every target); an installed observer sees the packet.
    pub(crate) fn send_encoded(
        &self,
        packet: &EncodedPacket,
        wire: &Wire<'_>,
    ) -> Result<(), SendError> {
        if let Some(observer) = &self.ns.observer {
            observer.packet_sent(self, packet);
        }
        self.send_wire(wire)
    }

    /// Queues a packet made for this socket alone (an ack): in JSON, with no observer to show
    /// it to, its buffers move into the frames (the text is not shared, so sharing it costs
    /// nothing); otherwise as [`send_packet`](Self::send_packet).
    fn send_own_packet(&self, packet: EncodedPacket) -> Result<(), SendError> {
        if self.ns.observer.is_some() || self.ns.parser != Parser::Json {
            return self.send_packet(&packet);
        }
        let EncodedPacket { text, attachments } = packet;
        let frames = attachments.into_iter().map(Frame::Binary);
        self.send_frames(std::iter::once(Frame::Text(text)).chain(frames))
    }

    /// Queues a packet in the parser's wire format (buffered until the connection is
    /// confirmed).
    fn send_wire(&self, packet: &Wire<'_>) -> Result<(), SendError> {
        match packet.single() {
            // Once per delivery of a broadcast: one frame, queued without a chain of them.
            Some(frame) => self.send_frames(std::iter::once(frame.clone())),
            None => self.send_frames(packet.frames()),
        }
    }

    /// Queues a packet's frames (buffered until the connection is confirmed).
    fn send_frames(&self, frames: impl Iterator<Item = Frame>) -> Result<(), SendError> {
        if self.state.load(Ordering::Acquire) == CONNECTING {
            let mut buffer = self
                .connect_buffer
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if self.state.load(Ordering::Acquire) == CONNECTING {
                buffer.extend(frames);
                return Ok(());
            }
        }
        if self.state.load(Ordering::Acquire) == DISCONNECTED {
            return Err(SendError::Closed);
        }
        let mut frames = frames;
        frames.try_for_each(|frame| self.conn.send(frame))
    }

    /// Joins rooms. With [`ServerConfig::max_rooms_per_socket`](crate::ServerConfig) set, a
    /// join that would pass the limit joins nothing (and is logged); [`try_join`](Self::try_join)
    /// says so.
    pub fn join(&self, rooms: impl IntoRooms) {
        if let Err(e) = self.try_join(rooms) {
            tracing::warn!(sid = %self.id, error = %e, "join refused");
        }
    }

    /// Joins rooms, or none of them when that would pass the server's
    /// `max_rooms_per_socket` (the socket's own room does not count).
    pub fn try_join(&self, rooms: impl IntoRooms) -> Result<(), RoomLimit> {
        let rooms = rooms.into_rooms();
        let limit = self
            .server
            .upgrade()
            .and_then(|server| server.config.max_rooms_per_socket);
        if let Some(max) = limit {
            let mut joined = self.rooms();
            let own = Room::from(self.id.as_str());
            joined.retain(|r| *r != own);
            let new = rooms
                .iter()
                .filter(|r| **r != own && !joined.contains(r))
                .count();
            if joined.len() + new > max {
                return Err(RoomLimit { max });
            }
        }
        self.add_rooms(&rooms);
        Ok(())
    }

    /// Leaves rooms.
    pub fn leave(&self, rooms: impl IntoRooms) {
        self.del_rooms(&rooms.into_rooms());
    }

    /// Leaves every room but its own.
    pub fn leave_all(&self) {
        let own = Room::from(self.id.as_str());
        let rooms: Vec<Room> = self.rooms().into_iter().filter(|r| *r != own).collect();
        self.del_rooms(&rooms);
    }

    /// The rooms the socket is in (its own included).
    pub fn rooms(&self) -> Vec<Room> {
        self.ns.adapter.socket_rooms(self.id)
    }

    /// The id of the Engine.IO connection the socket rides on (shared by the connection's
    /// sockets in other namespaces).
    pub fn connection_id(&self) -> Sid {
        self.conn.id()
    }

    /// The transport the connection uses now.
    pub fn transport(&self) -> TransportKind {
        self.conn.transport()
    }

    /// Joins rooms in the adapter, telling the observer (if any) which ones are new.
    fn add_rooms(&self, rooms: &[Room]) {
        let Some(observer) = &self.ns.observer else {
            return self.ns.adapter.add_all(self.id, rooms);
        };
        let before = self.rooms();
        self.ns.adapter.add_all(self.id, rooms);
        let joined: Vec<Room> = rooms
            .iter()
            .filter(|r| !before.contains(r))
            .cloned()
            .collect();
        if !joined.is_empty() {
            observer.rooms_joined(self, &joined);
        }
    }

    /// Leaves rooms in the adapter, telling the observer (if any) which ones it was in.
    fn del_rooms(&self, rooms: &[Room]) {
        let Some(observer) = &self.ns.observer else {
            return self.ns.adapter.del(self.id, rooms);
        };
        let before = self.rooms();
        self.ns.adapter.del(self.id, rooms);
        let left: Vec<Room> = rooms
            .iter()
            .filter(|r| before.contains(r))
            .cloned()
            .collect();
        if !left.is_empty() {
            observer.rooms_left(self, &left);
        }
    }

    /// Leaves every room, its own included.
    fn del_all_rooms(&self) {
        let Some(observer) = &self.ns.observer else {
            return self.ns.adapter.del_all(self.id);
        };
        let before = self.rooms();
        self.ns.adapter.del_all(self.id);
        if !before.is_empty() {
            observer.rooms_left(self, &before);
        }
    }

    /// Broadcasts to rooms, from this socket: the socket itself is left out.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.broadcast().to(rooms)
    }

    /// Broadcasts to rooms, this socket included if it is in them.
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        BroadcastOperators::new(self.ns.clone()).to(rooms)
    }

    /// Broadcasts to every socket of the namespace but this one, minus `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperators {
        self.broadcast().except(rooms)
    }

    /// Broadcasts to every other socket of the namespace.
    pub fn broadcast(&self) -> BroadcastOperators {
        BroadcastOperators::new(self.ns.clone()).except(self.id)
    }

    /// Stores a typed value in the socket's session (one value per type).
    pub fn insert<T: Clone + Send + Sync + 'static>(&self, value: T) -> Option<T> {
        self.extensions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(value)
    }

    /// A copy of the session value of type `T`.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.extensions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get::<T>()
            .cloned()
    }

    /// Removes the session value of type `T`.
    pub fn remove<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.extensions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove::<T>()
    }

    /// Acks the client is still expected to send.
    pub fn pending_acks(&self) -> usize {
        self.acks.len()
    }
}

/// A join refused by the server's `max_rooms_per_socket`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomLimit {
    /// The limit.
    pub max: usize,
}

impl std::fmt::Display for RoomLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a socket may be in at most {} rooms", self.max)
    }
}

impl std::error::Error for RoomLimit {}

/// Removes a waiter when its ack-waiting future ends or is dropped.
struct ForgetAck<'a> {
    socket: &'a Socket,
    id: u64,
}

impl Drop for ForgetAck<'_> {
    fn drop(&mut self) {
        self.socket.acks.forget(self.id);
    }
}

impl SocketRef {
    /// Disconnects the socket from its namespace (the client sees "io server disconnect").
    pub fn disconnect(&self) {
        if self.state.load(Ordering::Acquire) != CONNECTED {
            return;
        }
        let header = Header {
            kind: PacketKind::Disconnect,
            ns: self.ns.path(),
            id: None,
        };
        let _ = self.send_packet(&encode(header, "", Vec::new()));
        self.close(DisconnectReason::ServerNamespaceDisconnect);
    }

    /// Closes the socket's whole connection, leaving every namespace the client joined on it
    /// (node's `socket.disconnect(true)`); its sockets get
    /// [`DisconnectReason::ForcedServerClose`].
    pub fn close_connection(&self) {
        self.conn.close(CloseReason::ForcedClose);
    }

    /// Confirms the connection: answers CONNECT, flushes what the connect handler emitted,
    /// starts the event loop and registers the socket (unless it closed meanwhile).
    pub(crate) fn confirm(&self, reply: EncodedPacket, max_pending_events: usize) {
        self.events.open(max_pending_events);
        let buffered = {
            let mut buffer = self
                .connect_buffer
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if self
                .state
                .compare_exchange(CONNECTING, CONNECTED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                return;
            }
            std::mem::take(&mut *buffer)
        };
        let reply = self.ns.parser.wire(&reply);
        if let Err(e) = &reply {
            tracing::error!(sid = %self.id, error = %e, "CONNECT reply not encodable");
        }
        let _ = reply
            .iter()
            .flat_map(Wire::frames)
            .chain(buffered)
            .try_for_each(|frame| self.conn.send(frame));
        self.ns.insert(self.clone());
        self.add_rooms(&[Room::from(self.id.as_str())]);
        if !self.connected() {
            self.ns.remove(self.id);
            self.del_all_rooms();
        } else if let Some(observer) = &self.ns.observer {
            observer.socket_connected(self);
        }
    }

    /// Hands an event to the socket's ordered handler loop; gives it back when the loop's
    /// queue is full (the connection then waits, see [`Socket::enqueue_wait`]).
    #[must_use]
    pub(crate) fn enqueue(&self, cx: EventContext) -> Option<Box<EventContext>> {
        if self.events.begin() {
            self.start_worker(Some(cx));
            return None;
        }
        match self.events.push(cx) {
            Push::Queued => None,
            Push::StartWorker => {
                self.start_worker(None);
                None
            }
            Push::Full(cx) => Some(cx),
        }
    }

    /// Runs the event worker right here as far as it goes without waiting (a handler that
    /// answers at once costs no task and no wake-up of another task): `first` (an event that
    /// was not queued, see [`EventQueue::begin`]), then the queued ones. Whatever has to wait
    /// continues as a task of its own.
    fn start_worker(&self, first: Option<EventContext>) {
        let mut first = match first {
            Some(_) if !self.connected() => {
                self.events.clear();
                return;
            }
            Some(event) => self.call(event),
            None => None,
        };
        let mut cx = Context::from_waker(Waker::noop());
        while let Some(mut call) = first.take().or_else(|| self.next_call()) {
            let reply = match catch_unwind(AssertUnwindSafe(|| call.future.as_mut().poll(&mut cx)))
            {
                Ok(Poll::Ready(reply)) => reply,
                Ok(Poll::Pending) => {
                    tokio::spawn(run_events(self.clone(), call));
                    return;
                }
                Err(_) => panicked(self.id, &call.name),
            };
            self.reply(call.id, reply, &call.name);
        }
    }

    /// Calls the handler of the next queued event; `None` once the queue is empty, which ends
    /// the worker (or the socket is gone: the queue is dropped).
    fn next_call(&self) -> Option<Call> {
        while let Some(cx) = self.events.pop() {
            if !self.connected() {
                self.events.clear();
                return None;
            }
            if let Some(call) = self.call(cx) {
                return Some(call);
            }
        }
        None
    }

    /// Calls the handler of `cx`; `None` if the event has none.
    fn call(&self, cx: EventContext) -> Option<Call> {
        let id = cx.ack_id;
        let name = cx.name().clone();
        let handler = self.ns.handlers.events.get(name.as_str()).or(self
            .ns
            .handlers
            .fallback
            .as_ref());
        let Some(handler) = handler else {
            match id {
                Some(ack) => tracing::debug!(
                    sid = %self.id,
                    event = %name,
                    ack,
                    "no handler for event: the ack the client asked for is never sent"
                ),
                None => tracing::debug!(sid = %self.id, event = %name, "no handler for event"),
            }
            return None;
        };
        // Middleware may panic before the future exists.
        let future = catch_unwind(AssertUnwindSafe(|| handler.call(cx)))
            .unwrap_or_else(|_| Box::pin(std::future::ready(panicked(self.id, &name))));
        Some(Call { future, id, name })
    }

    /// Waits for room in the handler loop's queue, then hands the event over.
    pub(crate) async fn enqueue_wait(&self, cx: EventContext) {
        if self.events.push_wait(cx).await {
            self.start_worker(None);
        }
    }

    /// Marks the socket gone, frees its rooms and acks, and runs the disconnect handler.
    pub(crate) fn close(&self, reason: DisconnectReason) {
        let was = self.state.swap(DISCONNECTED, Ordering::AcqRel);
        if was == DISCONNECTED {
            return;
        }
        self.conn.data().remove_socket(self.ns.path());
        self.acks.clear();
        self.events.clear();
        if was == CONNECTING {
            self.ns.adapter.del_all(self.id);
            return;
        }
        self.ns.remove(self.id);
        if let Some(observer) = &self.ns.observer {
            observer.socket_disconnected(self, reason);
        }
        let record = self.recovery_record(reason);
        // The socket gets nothing more, but its rooms stay readable until its disconnect
        // handler has run (to tell the other members, say). Its recovery record is kept only after
        // that, so a quick comeback never has its restored rooms cleared by this cleanup.
        let Some(handler) = self.ns.handlers.disconnect.clone() else {
            self.forget(record);
            return;
        };
        let socket = self.clone();
        tokio::spawn(async move {
            // The call itself runs inside the guard: extraction and middleware may panic
            // before the future exists.
            let call = async {
                handler
                    .call(DisconnectContext {
                        socket: socket.clone(),
                        reason,
                    })
                    .await
            };
            if AssertUnwindSafe(call).catch_unwind().await.is_err() {
                tracing::error!("disconnect handler panicked");
            }
            socket.forget(record);
        });
    }

    /// What connection state recovery keeps of a socket that lost its connection.
    fn recovery_record(&self, reason: DisconnectReason) -> Option<RecoveryRecord> {
        let pid = self.pid.filter(|_| reason.recoverable())?;
        Some(RecoveryRecord {
            sid: self.id,
            pid,
            rooms: self.rooms(),
            extensions: self
                .extensions
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        })
    }

    /// Frees the socket's rooms, then keeps its recovery record, if it has one.
    fn forget(&self, record: Option<RecoveryRecord>) {
        self.del_all_rooms();
        if let Some(record) = record {
            self.ns.adapter.persist_record(record);
        }
    }

    /// Sends an ack for `id`, or applies the no-ack policy to an error nobody asked for.
    pub(crate) fn reply(&self, id: Option<u64>, reply: AckReply, event: &Str) {
        let Some(id) = id else {
            if let AckReply::Error(body) = reply {
                self.unacked_error(event, body);
            }
            return;
        };
        let (json, attachments) = match reply {
            AckReply::Args { json, attachments } => (json, attachments),
            error @ AckReply::Error(_) => (Str::from(error.to_json().into_owned()), Vec::new()),
        };
        let header = Header {
            kind: PacketKind::Ack,
            ns: self.ns.path(),
            id: Some(id),
        };
        let _ = self.send_own_packet(encode_parts(header, &["[", &json, "]"], attachments));
    }

    /// Applies the server's [`NoAckPolicy`] to a handler error no ack can carry.
    fn unacked_error(&self, event: &Str, body: AckErrorBody) {
        let policy = self
            .server
            .upgrade()
            .map(|s| s.config.no_ack_policy)
            .unwrap_or_default();
        match policy {
            NoAckPolicy::Log => {
                tracing::warn!(sid = %self.id, %event, code = %body.code, message = %body.message, "handler error with no ack requested");
            }
            NoAckPolicy::EmitException => {
                let exception = serde_json::json!({"event": event.as_str(), "error": body});
                let _ = self.emit_raw("exception", &exception);
            }
            NoAckPolicy::Disconnect => self.disconnect(),
        }
    }

    /// Resolves a waiting ack.
    pub(crate) fn on_ack(&self, id: u64, response: AckResponse) {
        if !self.acks.resolve(id, response) {
            tracing::debug!(sid = %self.id, id, "ack for no waiter");
        }
    }
}

/// An event's handler, called: its future and what its ack needs.
struct Call {
    future: BoxFuture<AckReply>,
    id: Option<u64>,
    name: Str,
}

/// The reply of a handler that panicked.
fn panicked(sid: Sid, event: &Str) -> AckReply {
    tracing::error!(%sid, %event, "handler panicked");
    AckReply::Error(AckErrorBody::new("internal", "internal error"))
}

/// The socket's ordered event worker, once a handler had to wait: `first` to its end, then
/// the other events one at a time, in arrival order, until the queue is empty.
async fn run_events(socket: SocketRef, first: Call) {
    let mut next = Some(first);
    while let Some(mut call) = next {
        let reply = match AssertUnwindSafe(call.future.as_mut()).catch_unwind().await {
            Ok(reply) => reply,
            Err(_) => panicked(socket.id, &call.name),
        };
        socket.reply(call.id, reply, &call.name);
        next = socket.next_call();
    }
}
