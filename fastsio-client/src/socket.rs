//! [`Socket`]: one namespace of a connection; [`SocketBuilder`] declares its handlers.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use fastsio_protocol::ServerEvent;
use fastsio_protocol::sio::{EncodedPacket, EventArgs};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use crate::engine::Outgoing;
use crate::error::{AckError, ConnectError, EmitError, EngineError};
use crate::event::RawEvent;
use crate::handler::{Dispatch, Handlers};
use crate::manager::Manager;
use crate::reason::DisconnectReason;

/// Where a socket stands, as [`Socket::status`] reports it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Status {
    /// Connecting or reconnecting; the last transport error, if any.
    Connecting(Option<EngineError>),
    /// Connected to its namespace.
    Connected,
    /// Disconnected; reconnects unless the reason says otherwise.
    Disconnected(DisconnectReason),
    /// The server refused the namespace, or the manager gave up reconnecting: final.
    Failed(ConnectError),
}

type AckReply = (EventArgs, Vec<Bytes>);

/// A socket's state, shared by its handles, its task and the manager.
pub(crate) struct SocketInner {
    pub(crate) ns: String,
    auth: Option<Value>,
    pub(crate) manager: Manager,
    state: Mutex<SocketState>,
    acks: Mutex<HashMap<u64, oneshot::Sender<AckReply>>>,
    next_ack: AtomicU64,
    events: mpsc::Sender<Dispatch>,
    status: watch::Sender<Status>,
}

#[derive(Default)]
struct SocketState {
    engine: Option<Outgoing>,
    id: Option<Arc<str>>,
    pid: Option<String>,
    offset: Option<String>,
    recovered: bool,
    buffer: VecDeque<EncodedPacket>,
    closed: bool,
}

/// A connected namespace: emit to it, and the handlers declared on its [`SocketBuilder`] run
/// for what it receives (one at a time, in arrival order). Cloning shares the socket.
#[derive(Clone)]
pub struct Socket {
    pub(crate) inner: Arc<SocketInner>,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("ns", &self.inner.ns)
            .field("id", &self.id())
            .finish()
    }
}

impl Socket {
    /// A socket on `url`'s namespace (its path, `/` when none), on a connection of its own:
    /// `Socket::builder("http://127.0.0.1:3000/chat")`, like `io(url)` in JavaScript. Use a
    /// [`Manager`] to configure the connection or to share it between namespaces.
    pub fn builder(url: &str) -> SocketBuilder {
        match Manager::builder(url).build() {
            Ok(manager) => {
                let ns = manager.url_namespace();
                manager.socket(&ns)
            }
            Err(e) => SocketBuilder::failed(e),
        }
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.inner.ns
    }

    /// The socket id the server gave, while connected.
    pub fn id(&self) -> Option<Arc<str>> {
        self.inner.lock().id.clone()
    }

    /// Whether it is connected to its namespace now.
    pub fn connected(&self) -> bool {
        matches!(*self.inner.status.borrow(), Status::Connected)
    }

    /// Whether the last (re)connection recovered the previous session (connection state
    /// recovery: the server replayed what was missed and kept the id and rooms).
    pub fn recovered(&self) -> bool {
        self.inner.lock().recovered
    }

    /// The current status; `.changed().await` on it waits for the next one.
    pub fn status(&self) -> watch::Receiver<Status> {
        self.inner.status.subscribe()
    }

    /// The connection this socket uses.
    pub fn manager(&self) -> &Manager {
        &self.inner.manager
    }

    /// Emits `event` with `data`: one argument, several as a tuple, none as `()`. While
    /// disconnected the emit is buffered (up to the manager's `max_buffered`) and sent on
    /// reconnection.
    pub fn emit_raw<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        let packet = EncodedPacket::event(&self.inner.ns, event, None, data, Vec::new())?;
        self.inner.send(packet, false)
    }

    /// Emits a typed event: its wire name comes with its type (the `#[derive(ServerEvent)]`
    /// types a fastsio server uses can be shared with its clients).
    pub fn emit<E: ServerEvent>(&self, event: &E) -> Result<(), EmitError> {
        self.emit_raw(E::NAME, event)
    }

    /// Emits, dropping the packet instead of buffering it while disconnected.
    pub fn emit_volatile<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), EmitError> {
        let packet = EncodedPacket::event(&self.inner.ns, event, None, data, Vec::new())?;
        self.inner.send(packet, true)
    }

    /// Emits with binary attachments: `data` holds their placeholders
    /// (`{"_placeholder":true,"num":N}`, N indexing `attachments`).
    pub fn emit_binary<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        attachments: Vec<Bytes>,
    ) -> Result<(), EmitError> {
        let packet = EncodedPacket::event(&self.inner.ns, event, None, data, attachments)?;
        self.inner.send(packet, false)
    }

    /// Emits a typed event and waits for the server's ack, at most `timeout`, decoded as the
    /// event's declared ack type.
    pub async fn emit_with_ack<E: ServerEvent>(
        &self,
        event: &E,
        timeout: Duration,
    ) -> Result<E::Ack, AckError> {
        self.emit_raw_with_ack(E::NAME, event, timeout).await
    }

    /// Emits and waits for the server's ack, at most `timeout`, decoding its arguments as `R`
    /// (one argument as itself, several as a tuple).
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
        let (args, _) = self
            .emit_binary_with_ack(event, data, Vec::new(), timeout)
            .await?;
        args.deserialize(0).map_err(AckError::Decode)
    }

    /// Emits with binary attachments and waits for the ack's raw arguments and attachments.
    pub async fn emit_binary_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        attachments: Vec<Bytes>,
        timeout: Duration,
    ) -> Result<(EventArgs, Vec<Bytes>), AckError> {
        let inner = &self.inner;
        let id = inner.next_ack.fetch_add(1, Ordering::Relaxed);
        let packet = EncodedPacket::event(&inner.ns, event, Some(id), data, attachments)
            .map_err(EmitError::Encode)?;
        let (tx, rx) = oneshot::channel();
        inner
            .acks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        let _forget = ForgetAck { inner, id };
        inner.send(packet, false)?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            _ => Err(AckError::Timeout),
        }
    }

    /// Leaves the namespace (the server sees `client namespace disconnect`); the socket does
    /// not reconnect. The connection closes when its last socket leaves.
    pub fn disconnect(&self) {
        self.inner.manager.leave(self.inner.clone());
    }

    /// Sends the ack of a server event.
    pub(crate) fn send_ack<R: Serialize + ?Sized>(&self, id: u64, reply: &R) {
        match EncodedPacket::ack(&self.inner.ns, id, reply, Vec::new()) {
            Ok(packet) => {
                if let Err(e) = self.inner.send(packet, true) {
                    tracing::warn!(error = %e, "ack not sent");
                }
            }
            Err(e) => tracing::warn!(error = %e, "ack could not be encoded"),
        }
    }
}

/// Drops an ack's slot when its wait ends, however it ends.
struct ForgetAck<'a> {
    inner: &'a SocketInner,
    id: u64,
}

impl Drop for ForgetAck<'_> {
    fn drop(&mut self) {
        self.inner
            .acks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl SocketInner {
    fn lock(&self) -> MutexGuard<'_, SocketState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends now, or buffers while disconnected (volatile packets are dropped instead).
    fn send(&self, packet: EncodedPacket, volatile: bool) -> Result<(), EmitError> {
        let mut st = self.lock();
        if st.closed {
            return Err(EmitError::Closed);
        }
        if let Some(engine) = st.engine.as_ref().filter(|e| !e.is_closed()) {
            return match engine.send(self.manager.config().parser, &packet) {
                Err(EmitError::Full) if volatile => Ok(()),
                sent => sent,
            };
        }
        if volatile {
            return Ok(());
        }
        if st.buffer.len() >= self.manager.config().max_buffered {
            return Err(EmitError::Full);
        }
        st.buffer.push_back(packet);
        Ok(())
    }

    /// The CONNECT payload: the auth, with the recovery claim (pid, offset) when there is one.
    pub(crate) fn connect_payload(&self) -> String {
        let st = self.lock();
        let mut auth = self.auth.clone();
        if let (Some(pid), Some(offset)) = (&st.pid, &st.offset) {
            let mut map = match auth.take() {
                Some(Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            map.insert("pid".into(), pid.clone().into());
            map.insert("offset".into(), offset.clone().into());
            auth = Some(Value::Object(map));
        }
        auth.map(|a| a.to_string()).unwrap_or_default()
    }

    /// The server accepted the namespace.
    pub(crate) async fn connected(&self, sid: String, pid: Option<String>, engine: Outgoing) {
        {
            let mut st = self.lock();
            st.recovered = pid.is_some() && pid == st.pid;
            if !st.recovered {
                st.offset = None;
            }
            st.pid = pid;
            st.id = Some(sid.into());
            for packet in std::mem::take(&mut st.buffer) {
                if let Err(e) = engine.send(self.manager.config().parser, &packet) {
                    tracing::warn!(error = %e, "an emit buffered while disconnected was not sent");
                }
            }
            st.engine = Some(engine);
        }
        self.status.send_replace(Status::Connected);
        let _ = self.events.send(Dispatch::Connect).await;
    }

    /// The connection or the namespace is gone.
    pub(crate) async fn disconnected(&self, reason: DisconnectReason) {
        let was_connected = {
            let mut st = self.lock();
            st.id = None;
            st.closed |= !reason.reconnects() || !self.manager.config().reconnection.enabled();
            st.engine.take().is_some()
        };
        self.status
            .send_replace(Status::Disconnected(reason.clone()));
        if was_connected {
            let _ = self.events.send(Dispatch::Disconnect(reason)).await;
        }
    }

    /// The namespace was refused, or the manager gave up: final.
    pub(crate) fn failed(&self, error: ConnectError) {
        self.lock().closed = true;
        self.status.send_replace(Status::Failed(error));
    }

    /// The manager gave up connecting: final.
    pub(crate) async fn gave_up(&self, error: ConnectError) {
        let reconnected_before = matches!(error, ConnectError::ReconnectFailed { .. });
        self.failed(error);
        if reconnected_before {
            let _ = self.events.send(Dispatch::ReconnectFailed).await;
        }
    }

    /// A (re)connection attempt failed or is starting.
    pub(crate) async fn reconnecting(&self, attempt: u32, error: Option<EngineError>) {
        self.status.send_if_modified(|s| {
            if matches!(s, Status::Failed(_)) {
                return false;
            }
            *s = Status::Connecting(error);
            true
        });
        if attempt > 0 {
            let _ = self.events.send(Dispatch::ReconnectAttempt(attempt)).await;
        }
    }

    /// An event arrived: the recovery offset is noted (and taken off the arguments), then the
    /// socket's task runs it.
    pub(crate) async fn event(
        &self,
        mut args: EventArgs,
        attachments: Vec<Bytes>,
        ack: Option<u64>,
    ) {
        if ack.is_none() && args.len() >= 2 {
            let mut st = self.lock();
            if st.pid.is_some()
                && let Some(offset) = args.get(args.len() - 1).filter(|a| a.starts_with('"'))
            {
                st.offset = serde_json::from_str(offset).ok();
                let kept: Vec<&str> = (0..args.len() - 1).filter_map(|i| args.get(i)).collect();
                if let Ok(a) = EventArgs::parse(format!("[{}]", kept.join(",")).into()) {
                    args = a;
                }
            }
        }
        let event = RawEvent {
            args,
            attachments,
            ack,
        };
        let _ = self.events.send(Dispatch::Event(event)).await;
    }

    /// An ack arrived.
    pub(crate) fn ack(&self, id: u64, args: EventArgs, attachments: Vec<Bytes>) {
        let slot = self
            .acks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        match slot {
            Some(tx) => {
                let _ = tx.send((args, attachments));
            }
            None => tracing::debug!(id, "ack for no pending emit (timed out?)"),
        }
    }
}

/// Declares a socket's auth and handlers, then connects it.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use fastsio_client::{RawEvent, Socket};
/// let socket = Socket::builder("http://127.0.0.1:3000/chat")
///     .auth(serde_json::json!({"name": "ada"}))
///     .on_raw("welcome", |_socket, event: RawEvent| async move {
///         println!("{}", event.data::<serde_json::Value>().unwrap());
///     })
///     .connect()
///     .await?;
/// let ack: serde_json::Value = socket
///     .emit_raw_with_ack("join_room", &serde_json::json!({"room": "lobby"}), Duration::from_secs(5))
///     .await?;
/// # Ok(()) }
/// ```
pub struct SocketBuilder {
    target: Result<(Manager, String), EngineError>,
    auth: Option<Value>,
    handlers: Handlers,
}

impl SocketBuilder {
    pub(crate) fn new(manager: Manager, ns: String) -> Self {
        SocketBuilder {
            target: Ok((manager, ns)),
            auth: None,
            handlers: Handlers::default(),
        }
    }

    fn failed(error: EngineError) -> Self {
        SocketBuilder {
            target: Err(error),
            auth: None,
            handlers: Handlers::default(),
        }
    }

    /// The auth payload sent with each (re)connection: a JSON object, as the server's
    /// `Auth<T>` extractor reads it.
    pub fn auth<T: Serialize>(mut self, auth: T) -> Self {
        match serde_json::to_value(auth) {
            Ok(v) => self.auth = Some(v),
            Err(e) => tracing::warn!(error = %e, "auth could not be serialised: none sent"),
        }
        self
    }

    /// Handles a typed event: its name comes from the type (`#[derive(ServerEvent)]` with
    /// `Deserialize`), and the handler's output is the ack, of the event's declared ack type.
    /// A payload that does not fit the type is logged and ignored.
    pub fn on<E, F, Fut>(mut self, handler: F) -> Self
    where
        E: ServerEvent + DeserializeOwned + Send + 'static,
        E::Ack: Serialize + Send + 'static,
        F: Fn(Socket, E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = E::Ack> + Send + 'static,
    {
        self.handlers.on_typed(E::NAME, handler);
        self
    }

    /// Handles an event by name with a payload type of your choice (`T` reads the arguments
    /// as [`RawEvent::data`] does); the output is the ack.
    pub fn on_data<T, F, Fut, R>(mut self, event: &'static str, handler: F) -> Self
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(Socket, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Serialize + Send + 'static,
    {
        self.handlers.on_typed(event, handler);
        self
    }

    /// Handles an event by name, untyped: raw JSON arguments and binary attachments. The
    /// output is the ack (return `()` for an empty one).
    pub fn on_raw<F, Fut, R>(mut self, event: &str, handler: F) -> Self
    where
        F: Fn(Socket, RawEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Serialize + Send + 'static,
    {
        self.handlers.on_raw(event, handler);
        self
    }

    /// Runs for every event, before its own handler.
    pub fn on_any<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Socket, RawEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handlers.on_any(handler);
        self
    }

    /// Runs on each (re)connection to the namespace.
    pub fn on_connect<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handlers.on_connect(handler);
        self
    }

    /// Runs on each disconnection, with its reason.
    pub fn on_disconnect<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handlers.on_disconnect(handler);
        self
    }

    /// Runs before each reconnection attempt, with its number (from 1).
    pub fn on_reconnect_attempt<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Socket, u32) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handlers.on_reconnect_attempt(handler);
        self
    }

    /// Runs once when the manager gives up reconnecting (after the reconnection policy's
    /// `attempts`); the socket's status is then
    /// [`Status::Failed`]`(`[`ConnectError::ReconnectFailed`]`)`.
    pub fn on_reconnect_failed<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.handlers.on_reconnect_failed(handler);
        self
    }

    /// Connects and waits until the namespace is joined, the server refuses it, or the
    /// manager's `connect_timeout` passes (trying again meanwhile, per its reconnection
    /// policy). After this returns `Ok`, the socket reconnects by itself.
    pub async fn connect(self) -> Result<Socket, ConnectError> {
        let (manager, ns) = self.target.map_err(|e| ConnectError::Timeout(Some(e)))?;
        let (events, rx) = mpsc::channel(manager.config().queue.max(16));
        let (status, mut watch) = watch::channel(Status::Connecting(None));
        let inner = Arc::new(SocketInner {
            ns,
            auth: self.auth,
            manager: manager.clone(),
            state: Mutex::new(SocketState::default()),
            acks: Mutex::new(HashMap::new()),
            next_ack: AtomicU64::new(0),
            events,
            status,
        });
        tokio::spawn(self.handlers.run(Arc::downgrade(&inner), rx));
        manager.open(inner.clone());
        let socket = Socket { inner };
        let limit = manager.config().connect_timeout;
        let outcome = tokio::time::timeout(limit, async {
            loop {
                match &*watch.borrow_and_update() {
                    Status::Connected => return Ok(()),
                    Status::Failed(e) => return Err(e.clone()),
                    _ => {}
                }
                if watch.changed().await.is_err() {
                    return Err(ConnectError::Closed);
                }
            }
        })
        .await;
        match outcome {
            Ok(Ok(())) => Ok(socket),
            Ok(Err(e)) => {
                socket.disconnect();
                Err(e)
            }
            Err(_) => {
                let last = match &*watch.borrow() {
                    Status::Connecting(e) => e.clone(),
                    _ => None,
                };
                socket.disconnect();
                Err(ConnectError::Timeout(last))
            }
        }
    }
}
