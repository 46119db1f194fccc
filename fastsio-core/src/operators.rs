//! [`BroadcastOperators`]: choose targets (`to`, `except`, `local`, `timeout`), then act on
//! them (`emit`, `emit_raw`, `emit_binary`, `emit_with_ack`, `emit_raw_with_ack`, `sockets`,
//! `join`, `leave`, `disconnect`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::join_all;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ack::AckError;
use crate::adapter::{AdapterError, AdapterFuture, BroadcastOptions, Recipients, RemoteSocket};
use crate::engine::Sid;
use crate::error::EmitError;
use crate::handler::ServerEvent;
use crate::namespace::Namespace;
use crate::protocol::EncodedPacket;
use crate::room::IntoRooms;
use crate::socket::SocketRef;

/// How long a broadcast waits for acks unless told otherwise.
const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// The acks of a broadcast: one entry per selected socket.
#[derive(Debug)]
pub struct AckResults<R> {
    /// This node's sockets, each with its ack (or why there is none).
    pub local: Vec<(Sid, Result<R, AckError>)>,
    /// Other nodes' sockets: the acks that arrived, then a [`AckError::Timeout`] for each
    /// socket reached that did not answer in time.
    pub remote: Vec<Result<R, AckError>>,
}

impl<R> AckResults<R> {
    /// Every ack, local and remote, without socket ids.
    pub fn into_values(self) -> impl Iterator<Item = Result<R, AckError>> {
        self.local.into_iter().map(|(_, r)| r).chain(self.remote)
    }
}

/// A selection of sockets in one namespace. Emits are encoded once and the bytes shared by
/// every target; a socket in several target rooms is reached once.
#[derive(Clone)]
pub struct BroadcastOperators {
    ns: Arc<Namespace>,
    opts: BroadcastOptions,
    timeout: Option<Duration>,
}

impl BroadcastOperators {
    pub(crate) fn new(ns: Arc<Namespace>) -> Self {
        BroadcastOperators {
            ns,
            opts: BroadcastOptions::default(),
            timeout: None,
        }
    }

    /// Adds target rooms (union).
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.rooms.extend(rooms.into_rooms());
        self
    }

    /// Same as [`to`](Self::to).
    pub fn within(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Leaves out the sockets in these rooms (a socket id names its own room).
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.except.extend(rooms.into_rooms());
        self
    }

    /// Only this node's sockets (no effect with a single node).
    pub fn local(mut self) -> Self {
        self.opts.local = true;
        self
    }

    /// Drops the emit for sockets that still have something queued instead of queueing more.
    pub fn volatile(mut self) -> Self {
        self.opts.volatile = true;
        self
    }

    /// How long [`emit_raw_with_ack`](Self::emit_raw_with_ack) and
    /// [`emit_with_ack`](Self::emit_with_ack) wait.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Emits `event` with `data` (one argument, several as a tuple, none as `()`) to every
    /// selected socket; returns how many local sockets it was queued for (none when an adapter
    /// that keeps it for connection state recovery sends it itself, see
    /// [`Stored::Deferred`](crate::adapter::Stored::Deferred)).
    pub fn emit_raw<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<usize, EmitError> {
        self.emit_binary(event, data, Vec::new())
    }

    /// Emits with binary attachments to every selected socket (on other nodes too); `data`
    /// holds their placeholders (`{"_placeholder":true,"num":N}`), as for
    /// [`Socket::emit_binary`](crate::Socket::emit_binary). Returns how many local sockets it
    /// was queued for.
    ///
    /// ```no_run
    /// # fn run(io: fastsio_core::Io) -> Result<(), fastsio_core::EmitError> {
    /// use bytes::Bytes;
    /// let file = serde_json::json!({"name": "a.png", "bytes": {"_placeholder": true, "num": 0}});
    /// io.to("gallery").emit_binary("file", &file, vec![Bytes::from_static(b"\x89PNG")])?;
    /// # Ok(()) }
    /// ```
    pub fn emit_binary<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        attachments: Vec<Bytes>,
    ) -> Result<usize, EmitError> {
        let packet = EncodedPacket::event(self.ns.path(), event, None, data, attachments)?;
        let packet = match self.opts.volatile {
            true => packet,
            false => match self
                .ns
                .recoverable(packet, Recipients::Broadcast(&self.opts))
            {
                Some(packet) => packet,
                None => return Ok(0),
            },
        };
        let delivered = self.ns.deliver(&packet, &self.opts);
        if !self.opts.local {
            self.spawn_remote(self.ns.adapter.broadcast_remote(packet, self.opts.clone()));
        }
        Ok(delivered)
    }

    /// Emits a typed event ([`ServerEvent`]) to every selected socket.
    pub fn emit<E: ServerEvent>(&self, event: &E) -> Result<usize, EmitError> {
        self.emit_raw(E::NAME, event)
    }

    /// Runs a cluster operation in the background; its failure is logged (local delivery
    /// never waits for other nodes).
    fn spawn_remote(&self, op: Option<AdapterFuture<'static, ()>>) {
        if let Some(op) = op {
            let ns = self.ns.path().to_string();
            tokio::spawn(async move {
                if let Err(e) = op.await {
                    tracing::warn!(%ns, error = %e, "cluster operation failed");
                }
            });
        }
    }

    /// Emits a typed event and collects each selected socket's ack, decoded as the event's
    /// declared [`ServerEvent::Ack`] type.
    pub async fn emit_with_ack<E: ServerEvent>(
        &self,
        event: &E,
    ) -> Result<AckResults<E::Ack>, EmitError> {
        self.emit_raw_with_ack(E::NAME, event).await
    }

    /// Emits and collects each selected socket's ack (decoded as `R`), waiting at most the
    /// timeout (5 s unless set).
    pub async fn emit_raw_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<AckResults<R>, EmitError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let id = self.ns.next_ack_id();
        let packet = EncodedPacket::event(self.ns.path(), event, Some(id), data, Vec::new())?;
        let timeout = self.timeout.unwrap_or(DEFAULT_ACK_TIMEOUT);
        let remote = match self.opts.local {
            true => None,
            false => self.ns.adapter.broadcast_with_ack_remote(
                packet.clone(),
                self.opts.clone(),
                timeout,
            ),
        };
        let wire = self.ns.parser.wire(&packet)?;
        let waits = self.ns.targets(&self.opts).into_iter().map(|socket| {
            let rx = socket.acks.register(id);
            let sent = socket.send_encoded(&packet, &wire);
            async move {
                let result = match sent {
                    Err(e) => Err(AckError::Send(e)),
                    Ok(()) => match tokio::time::timeout(timeout, rx).await {
                        Err(_) => Err(AckError::Timeout),
                        Ok(Err(_)) => Err(AckError::Disconnected),
                        Ok(Ok(response)) => response.data().map_err(AckError::Decode),
                    },
                };
                socket.acks.forget(id);
                (socket.id(), result)
            }
        });
        let remote = async {
            match remote {
                None => Ok(Vec::new()),
                Some(op) => op.await.map(|acks| {
                    let missing = acks.expected.saturating_sub(acks.responses.len());
                    acks.responses
                        .iter()
                        .map(|r| r.data().map_err(AckError::Decode))
                        .chain((0..missing).map(|_| Err(AckError::Timeout)))
                        .collect()
                }),
            }
        };
        let (local, remote) = tokio::join!(join_all(waits), remote);
        Ok(AckResults {
            local,
            remote: remote.map_err(EmitError::Adapter)?,
        })
    }

    /// The selected sockets of this node.
    pub fn sockets(&self) -> Vec<SocketRef> {
        self.ns.targets(&self.opts)
    }

    /// The selected sockets of the other nodes of the cluster (none with a single node).
    pub async fn fetch_remote_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        if self.opts.local {
            return Ok(Vec::new());
        }
        match self.ns.adapter.fetch_remote_sockets(self.opts.clone()) {
            Some(op) => op.await,
            None => Ok(Vec::new()),
        }
    }

    /// Makes every selected socket, on every node, join `rooms`.
    pub fn join(&self, rooms: impl IntoRooms) {
        let rooms = rooms.into_rooms();
        for socket in self.sockets() {
            socket.join(rooms.clone());
        }
        if !self.opts.local {
            self.spawn_remote(self.ns.adapter.add_remote_sockets(self.opts.clone(), rooms));
        }
    }

    /// Makes every selected socket, on every node, leave `rooms`.
    pub fn leave(&self, rooms: impl IntoRooms) {
        let rooms = rooms.into_rooms();
        for socket in self.sockets() {
            socket.leave(rooms.clone());
        }
        if !self.opts.local {
            self.spawn_remote(self.ns.adapter.del_remote_sockets(self.opts.clone(), rooms));
        }
    }

    /// Disconnects every selected socket, on every node.
    pub fn disconnect(&self) {
        for socket in self.sockets() {
            socket.disconnect();
        }
        if !self.opts.local {
            self.spawn_remote(self.ns.adapter.disconnect_remote_sockets(self.opts.clone()));
        }
    }

    /// How many servers share the namespace.
    pub async fn server_count(&self) -> Result<usize, AdapterError> {
        self.ns.adapter.server_count().await
    }
}
