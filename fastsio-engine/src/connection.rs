//! [`Connection`]: one Engine.IO client, whatever its transport: id, outgoing queue, state.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use std::sync::{Arc, OnceLock};
use tokio::time::Instant;

use tokio::sync::{Mutex, Notify};

use super::outbox::{Outbox, Refused};
use super::{CloseReason, EngineConfig, Frame, OverflowPolicy, ProtocolVersion, RequestInfo, Sid};

/// The transport a session currently uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// HTTP long-polling (possibly in the middle of an upgrade).
    Polling,
    /// WebSocket.
    Websocket,
}

const POLLING: u8 = 0;
const UPGRADING: u8 = 1;
const WEBSOCKET: u8 = 2;

/// `deadline_ms` when no heartbeat deadline runs.
const NO_DEADLINE: u64 = u64::MAX;

/// The session's connection waits for an upgrade that may move it to another node (see
/// [`SessionCluster`](super::SessionCluster)).
const DELAYED: u8 = 1;
/// The session moved to another node.
const HANDED_OVER: u8 = 2;

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The session is closed.
    Closed,
    /// The outgoing queue is full; the overflow policy was applied (the frame is dropped, and
    /// with [`OverflowPolicy::Close`] the session is closed too).
    Full,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SendError::Closed => "session closed",
            SendError::Full => "outgoing queue full",
        })
    }
}

impl std::error::Error for SendError {}

/// One Engine.IO connection (a "session" in the protocol's words: one sid, whichever
/// transports it uses over time). Cheap to share (`Arc<Connection<D>>`); `D` is the
/// per-connection data of the layer above (the Socket.IO client state).
pub struct Connection<D> {
    id: Sid,
    version: ProtocolVersion,
    supports_binary: bool,
    request: Arc<RequestInfo>,
    state: AtomicU8,
    /// `DELAYED`, `HANDED_OVER`, or 0.
    cluster: AtomicU8,
    pub(crate) outbox: Outbox,
    /// Held by the transport that writes the outbox: one at a time (a long-poll, or the
    /// WebSocket connection once the upgrade is done).
    pub(crate) writer: Mutex<()>,
    overflow: OverflowPolicy,
    close_reason: OnceLock<CloseReason>,
    closed: Notify,
    awaiting_pong: AtomicBool,
    created: Instant,
    /// The heartbeat's deadline, in milliseconds since `created`: past it the session is dead.
    /// [`NO_DEADLINE`] while the heartbeat renews it (the client has just answered).
    deadline_ms: AtomicU64,
    pub(crate) heartbeat: Notify,
    pub(crate) transport_change: Notify,
    pub(crate) posting: AtomicBool,
    pub(crate) drained: Notify,
    drained_flag: AtomicBool,
    data: D,
}

impl<D> Connection<D> {
    pub(crate) fn new(
        id: Sid,
        version: ProtocolVersion,
        transport: TransportKind,
        supports_binary: bool,
        request: RequestInfo,
        config: &EngineConfig,
        data: D,
    ) -> Self {
        Connection {
            id,
            version,
            supports_binary,
            request: Arc::new(request),
            state: AtomicU8::new(match transport {
                TransportKind::Polling => POLLING,
                TransportKind::Websocket => WEBSOCKET,
            }),
            cluster: AtomicU8::new(0),
            outbox: Outbox::new(config.max_buffered_frames),
            writer: Mutex::new(()),
            overflow: config.overflow,
            close_reason: OnceLock::new(),
            closed: Notify::new(),
            awaiting_pong: AtomicBool::new(false),
            created: Instant::now(),
            deadline_ms: AtomicU64::new(NO_DEADLINE),
            heartbeat: Notify::new(),
            transport_change: Notify::new(),
            posting: AtomicBool::new(false),
            drained: Notify::new(),
            drained_flag: AtomicBool::new(false),
            data,
        }
    }

    /// The session id.
    pub fn id(&self) -> Sid {
        self.id
    }

    /// The protocol revision the client speaks.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The opening request.
    pub fn request(&self) -> &Arc<RequestInfo> {
        &self.request
    }

    /// The data of the layer above.
    pub fn data(&self) -> &D {
        &self.data
    }

    /// The current transport.
    pub fn transport(&self) -> TransportKind {
        match self.state.load(Ordering::Acquire) {
            WEBSOCKET => TransportKind::Websocket,
            _ => TransportKind::Polling,
        }
    }

    pub(crate) fn supports_binary(&self) -> bool {
        self.supports_binary
    }

    pub(crate) fn is_upgrading(&self) -> bool {
        self.state.load(Ordering::Acquire) == UPGRADING
    }

    /// Polling → upgrading; false if the session is not on polling.
    pub(crate) fn begin_upgrade(&self) -> bool {
        self.state
            .compare_exchange(POLLING, UPGRADING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    pub(crate) fn abort_upgrade(&self) {
        if self
            .state
            .compare_exchange(UPGRADING, POLLING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.transport_change.notify_waiters();
        }
    }

    pub(crate) fn finish_upgrade(&self) {
        self.state.store(WEBSOCKET, Ordering::Release);
        self.transport_change.notify_waiters();
    }

    /// Delays the session's connection (see [`SessionCluster`](super::SessionCluster)).
    pub(crate) fn delay(&self) {
        self.cluster.store(DELAYED, Ordering::Release);
    }

    /// Whether the session's connection is delayed.
    pub(crate) fn is_delayed(&self) -> bool {
        self.cluster.load(Ordering::Acquire) == DELAYED
    }

    /// Delayed → connected; false if the session was not delayed.
    pub(crate) fn end_delay(&self) -> bool {
        self.cluster
            .compare_exchange(DELAYED, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Delayed → handed over; false if the session was not delayed.
    pub(crate) fn mark_handed_over(&self) -> bool {
        self.cluster
            .compare_exchange(DELAYED, HANDED_OVER, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Whether the session moved to another node.
    pub(crate) fn is_handed_over(&self) -> bool {
        self.cluster.load(Ordering::Acquire) == HANDED_OVER
    }

    /// When the session was created: heartbeat deadlines count from here.
    pub(crate) fn created(&self) -> Instant {
        self.created
    }

    /// Sets the heartbeat's deadline: unless the client answers before it, the session is dead
    /// at `deadline` (and freed, however it was closed).
    pub(crate) fn set_deadline(&self, deadline: Instant) {
        let ms = deadline.duration_since(self.created).as_millis() as u64;
        self.deadline_ms.store(ms, Ordering::Release);
    }

    /// The heartbeat's deadline; `None` while the heartbeat renews it.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self.deadline_ms.load(Ordering::Acquire) {
            NO_DEADLINE => None,
            ms => Some(self.created + Duration::from_millis(ms)),
        }
    }

    /// Records that a ping was sent and its pong is awaited (v4).
    pub(crate) fn expect_pong(&self) {
        self.awaiting_pong.store(true, Ordering::Release);
    }

    /// Records a pong (v4); true if one was awaited. The deadline is then lifted until the
    /// heartbeat sets the next one.
    pub(crate) fn pong_received(&self) -> bool {
        let awaited = self.awaiting_pong.swap(false, Ordering::AcqRel);
        if awaited {
            self.deadline_ms.store(NO_DEADLINE, Ordering::Release);
        }
        awaited
    }

    /// Records a ping from the client (v3): the deadline is lifted until the heartbeat sets the
    /// next one.
    pub(crate) fn ping_received(&self) {
        self.deadline_ms.store(NO_DEADLINE, Ordering::Release);
    }

    /// Whether the heartbeat's deadline has passed, whether or not its timer has fired yet (so
    /// a request arriving right at the deadline sees the session as gone). An expired session
    /// is closed with [`CloseReason::PingTimeout`] unless it already was.
    pub(crate) fn expire_if_overdue(&self) -> bool {
        let expired = self.deadline().is_some_and(|d| d <= Instant::now());
        if expired {
            self.close(CloseReason::PingTimeout);
        }
        expired
    }

    /// Queues a frame for the client. Never waits: a full queue applies the configured
    /// [`OverflowPolicy`].
    pub fn send(&self, frame: Frame) -> Result<(), SendError> {
        match self.outbox.push(frame) {
            Ok(()) => Ok(()),
            Err(Refused::Closed) => Err(SendError::Closed),
            Err(Refused::Full) => {
                if self.overflow == OverflowPolicy::Close {
                    tracing::debug!(sid = %self.id, "outgoing queue full: closing the session");
                    self.close(CloseReason::TransportError);
                }
                Err(SendError::Full)
            }
        }
    }

    /// Frames queued and not yet written to the transport.
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }

    /// Closes the session (the first reason given wins). When the server closes it
    /// ([`CloseReason::ForcedClose`], [`CloseReason::ServerShutdown`]), the frames still queued
    /// are written first; when the transport failed or the client left, they are dropped. The
    /// layer above hears of the close once.
    pub fn close(&self, reason: CloseReason) {
        if self.close_reason.set(reason).is_ok() {
            self.outbox.close();
            self.closed.notify_waiters();
        }
    }

    /// Records that the last poll of a closed session was answered; false if one already was.
    pub(crate) fn mark_drained(&self) -> bool {
        let first = !self.drained_flag.swap(true, Ordering::AcqRel);
        if first {
            self.drained.notify_one();
        }
        first
    }

    /// Whether the session is closed.
    pub fn is_closed(&self) -> bool {
        self.close_reason.get().is_some()
    }

    /// Why the session closed, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.get().copied()
    }

    /// Resolves when the session closes.
    pub async fn closed(&self) {
        let notified = self.closed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if !self.is_closed() {
            notified.await;
        }
    }
}

impl<D> std::fmt::Debug for Connection<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("version", &self.version)
            .field("transport", &self.transport())
            .field("closed", &self.is_closed())
            .finish()
    }
}
