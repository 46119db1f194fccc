//! The Engine.IO v4 client: transports (polling, WebSocket, the upgrade between them) and
//! heartbeats, driven by one task per connection.

mod dial;
mod endpoint;
mod http;
mod open;
mod polling;
mod websocket;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use fastsio_protocol::eio::{Frame, Packet, Str};
use fastsio_protocol::sio::{EncodedPacket, Parser, Wire};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout, timeout_at};

pub(crate) use dial::Dialer;
#[cfg(feature = "tls")]
pub(crate) use dial::Tls;
pub(crate) use endpoint::Endpoint;
pub(crate) use open::OpenInfo;
use polling::Polling;
use websocket::{Received, Ws};

use crate::error::{EmitError, EngineError};

/// How the Engine.IO connection is opened.
#[derive(Debug, Clone)]
pub(crate) struct EngineConfig {
    pub endpoint: Endpoint,
    pub headers: ::http::HeaderMap,
    pub polling: bool,
    pub websocket: bool,
    pub upgrade: bool,
    pub max_incoming: usize,
    pub connect_timeout: Duration,
    pub queue: usize,
}

/// What the connection's task reports.
#[derive(Debug)]
pub(crate) enum EngineEvent {
    /// A text message (the Engine.IO `4` stripped).
    Message(Str),
    /// A binary message.
    Binary(Bytes),
    /// The connection is over.
    Closed(CloseCause),
}

/// Why an Engine.IO connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CloseCause {
    /// No packet for pingInterval + pingTimeout.
    PingTimeout,
    /// The server closed it.
    TransportClose,
    /// It failed.
    TransportError(EngineError),
    /// The client closed it.
    ClientClose,
}

/// The two ends of an open connection.
pub(crate) struct EngineLink {
    /// Frames to send, in order.
    pub tx: Outgoing,
    /// What the server sent.
    pub rx: mpsc::Receiver<EngineEvent>,
}

/// The sending end of a connection: its queue, and the largest message the server accepts.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    frames: mpsc::Sender<Frame>,
    limit: Arc<PayloadLimit>,
}

/// The server's `maxPayload` (from its handshake), measured as the transport in use sends a
/// frame: polling sends binary as base64 (`b...`), WebSocket as it is.
#[derive(Debug)]
struct PayloadLimit {
    max: usize,
    websocket: AtomicBool,
}

impl Outgoing {
    /// Whether the connection is gone.
    pub fn is_closed(&self) -> bool {
        self.frames.is_closed()
    }

    /// Queues a packet's frames in the parser's format, all or none: a frame over the
    /// server's `maxPayload` fails with [`EmitError::TooLarge`] (the server would close the
    /// connection on it), a full queue with [`EmitError::Full`].
    pub fn send(&self, parser: Parser, packet: &EncodedPacket) -> Result<(), EmitError> {
        let wire = parser.wire(packet).map_err(EmitError::Encode)?;
        if self.frames.capacity() < self.check(&wire)? {
            return Err(EmitError::Full);
        }
        for frame in wire.frames() {
            let _ = self.frames.try_send(frame);
        }
        Ok(())
    }

    /// [`send`](Self::send), waiting for room in the queue (for the manager's own packets).
    pub async fn send_waiting(
        &self,
        parser: Parser,
        packet: &EncodedPacket,
    ) -> Result<(), EmitError> {
        let wire = parser.wire(packet).map_err(EmitError::Encode)?;
        self.check(&wire)?;
        for frame in wire.frames() {
            if self.frames.send(frame).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    /// The number of frames of `wire`, when each fits the server's `maxPayload`.
    fn check(&self, wire: &Wire<'_>) -> Result<usize, EmitError> {
        let websocket = self.limit.websocket.load(Ordering::Acquire);
        let mut count = 0;
        for frame in wire.frames() {
            let size = match (&frame, websocket) {
                (Frame::Binary(b), true) => b.len(),
                _ => frame.encoded_len(),
            };
            if size > self.limit.max {
                return Err(EmitError::TooLarge {
                    size,
                    max: self.limit.max,
                });
            }
            count += 1;
        }
        Ok(count)
    }
}

enum Transport {
    Polling(Box<Polling>),
    WebSocket(Box<Ws>),
}

impl Transport {
    /// Reads the next packets into `into`; false when the server closed the transport.
    async fn recv(&mut self, into: &mut Vec<Packet>) -> Result<bool, EngineError> {
        match self {
            Transport::Polling(p) => {
                into.extend(p.recv().await?);
                Ok(true)
            }
            Transport::WebSocket(ws) => match websocket::recv(ws).await? {
                Received::Packet(p) => {
                    into.push(p);
                    Ok(true)
                }
                Received::Open(_) => Err(EngineError::Protocol("a second open packet".into())),
                Received::Closed => Ok(false),
            },
        }
    }

    async fn send(&mut self, frames: &[Frame]) -> Result<(), EngineError> {
        match self {
            Transport::Polling(p) => p.send(frames).await,
            Transport::WebSocket(ws) => websocket::send_all(ws, frames).await,
        }
    }
}

/// Opens a connection (bounded by `connect_timeout`) and starts its task.
pub(crate) async fn connect(config: Arc<EngineConfig>) -> Result<EngineLink, EngineError> {
    let (transport, info, first) = timeout(config.connect_timeout, open(&config))
        .await
        .map_err(|_| EngineError::Timeout)??;
    let (frames, out) = mpsc::channel(config.queue);
    let (events, rx) = mpsc::channel(256);
    let limit = Arc::new(PayloadLimit {
        max: info.max_payload,
        websocket: AtomicBool::new(matches!(transport, Transport::WebSocket(_))),
    });
    let tx = Outgoing {
        frames,
        limit: limit.clone(),
    };
    tokio::spawn(async move {
        let cause = Driver {
            config,
            info,
            transport,
            limit,
            events: events.clone(),
        }
        .run(first, out)
        .await;
        tracing::debug!(?cause, "engine.io connection closed");
        let _ = events.send(EngineEvent::Closed(cause)).await;
    });
    Ok(EngineLink { tx, rx })
}

async fn open(config: &EngineConfig) -> Result<(Transport, OpenInfo, Vec<Packet>), EngineError> {
    let (endpoint, headers) = (&config.endpoint, &config.headers);
    if config.polling {
        let (polling, info, first) = Polling::open(endpoint, headers, config.max_incoming).await?;
        return Ok((Transport::Polling(Box::new(polling)), info, first));
    }
    let mut ws = websocket::open(endpoint, headers, None, config.max_incoming).await?;
    match websocket::recv(&mut ws).await? {
        Received::Open(text) => Ok((
            Transport::WebSocket(Box::new(ws)),
            OpenInfo::parse(&text)?,
            Vec::new(),
        )),
        _ => Err(EngineError::Protocol(
            "the server did not open the session".into(),
        )),
    }
}

/// Opens a WebSocket on session `sid` and probes it (`2probe` → `3probe`).
async fn probe(config: Arc<EngineConfig>, sid: String) -> Result<Ws, EngineError> {
    let mut ws = websocket::open(
        &config.endpoint,
        &config.headers,
        Some(&sid),
        config.max_incoming,
    )
    .await?;
    websocket::send(&mut ws, Frame::Text(Str::from_static("2probe"))).await?;
    match websocket::recv(&mut ws).await? {
        Received::Packet(Packet::PongProbe) => Ok(ws),
        _ => Err(EngineError::Protocol("the probe was not answered".into())),
    }
}

type Upgrade = Pin<Box<dyn Future<Output = Result<Ws, EngineError>> + Send>>;

struct Driver {
    config: Arc<EngineConfig>,
    info: OpenInfo,
    transport: Transport,
    limit: Arc<PayloadLimit>,
    events: mpsc::Sender<EngineEvent>,
}

impl Driver {
    async fn run(mut self, first: Vec<Packet>, mut out: mpsc::Receiver<Frame>) -> CloseCause {
        let dead_after = self.info.dead_after();
        let mut deadline = Instant::now() + dead_after;
        let mut upgrade: Option<Upgrade> = match self.transport {
            Transport::Polling(_)
                if self.config.websocket
                    && self.config.upgrade
                    && self.info.upgrades.iter().any(|u| u == "websocket") =>
            {
                let probe = probe(self.config.clone(), self.info.sid.clone());
                let limit = self.config.connect_timeout;
                Some(Box::pin(async move {
                    timeout(limit, probe)
                        .await
                        .map_err(|_| EngineError::Timeout)?
                }))
            }
            _ => None,
        };
        let mut packets = first;
        let mut batch = Vec::new();
        loop {
            for packet in packets.drain(..) {
                if let Err(cause) = self.handle(packet, deadline).await {
                    return cause;
                }
            }
            tokio::select! {
                received = self.transport.recv(&mut packets) => match received {
                    Ok(true) => deadline = Instant::now() + dead_after,
                    Ok(false) => return CloseCause::TransportClose,
                    Err(e) => return CloseCause::TransportError(e),
                },
                frame = out.recv() => {
                    let Some(frame) = frame else {
                        let _ = self.transport.send(&[Frame::CLOSE]).await;
                        return CloseCause::ClientClose;
                    };
                    batch.push(frame);
                    // One POST per turn on polling, so heartbeats interleave with a burst.
                    let most = match self.transport {
                        Transport::Polling(_) => polling::MAX_PACKETS_PER_POST,
                        Transport::WebSocket(_) => 256,
                    };
                    while batch.len() < most {
                        match out.try_recv() {
                            Ok(frame) => batch.push(frame),
                            Err(_) => break,
                        }
                    }
                    let sent = before(deadline, self.transport.send(&batch)).await;
                    batch.clear();
                    if let Err(cause) = sent {
                        return cause;
                    }
                }
                probed = async { upgrade.as_mut().expect("guarded").await }, if upgrade.is_some() => {
                    upgrade = None;
                    match probed {
                        Ok(ws) => {
                            if let Err(cause) = before(deadline, self.switch(ws, &mut packets)).await {
                                return cause;
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "upgrade failed, staying on polling"),
                    }
                }
                _ = sleep_until(deadline) => return CloseCause::PingTimeout,
            }
        }
    }

    /// Completes the upgrade: waits for the GET in flight (the server ends it), then `5`.
    async fn switch(&mut self, mut ws: Ws, packets: &mut Vec<Packet>) -> Result<(), EngineError> {
        if let Transport::Polling(p) = &mut self.transport
            && p.polling()
        {
            packets.extend(p.recv().await?);
        }
        websocket::send(&mut ws, Frame::Text(Str::from_static("5"))).await?;
        self.transport = Transport::WebSocket(Box::new(ws));
        self.limit.websocket.store(true, Ordering::Release);
        tracing::debug!("upgraded to websocket");
        Ok(())
    }

    async fn handle(&mut self, packet: Packet, deadline: Instant) -> Result<(), CloseCause> {
        let event = match packet {
            Packet::Ping => return before(deadline, self.transport.send(&[Frame::PONG])).await,
            Packet::Close => return Err(CloseCause::TransportClose),
            Packet::Message(text) => EngineEvent::Message(text),
            Packet::Binary(data) => EngineEvent::Binary(data),
            _ => return Ok(()),
        };
        self.events
            .send(event)
            .await
            .map_err(|_| CloseCause::ClientClose)
    }
}

/// Runs `io` (a send, or the end of the upgrade) until `deadline`, when the server is deemed
/// dead: a write that hangs means a dead server, as a silent read does.
async fn before<T>(
    deadline: Instant,
    io: impl Future<Output = Result<T, EngineError>>,
) -> Result<T, CloseCause> {
    match timeout_at(deadline, io).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(CloseCause::TransportError(e)),
        Err(_) => Err(CloseCause::PingTimeout),
    }
}
