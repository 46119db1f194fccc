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
use std::time::Duration;

use bytes::Bytes;
use fastsio_protocol::eio::{Frame, Packet, Str};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};

pub(crate) use dial::Dialer;
#[cfg(feature = "tls")]
pub(crate) use dial::Tls;
pub(crate) use endpoint::Endpoint;
pub(crate) use open::OpenInfo;
use polling::Polling;
use websocket::{Received, Ws};

use crate::error::EngineError;

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
    pub tx: mpsc::Sender<Frame>,
    /// What the server sent.
    pub rx: mpsc::Receiver<EngineEvent>,
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
    let (tx, out) = mpsc::channel(config.queue);
    let (events, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        let cause = Driver {
            config,
            info,
            transport,
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
                if let Err(cause) = self.handle(packet).await {
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
                    let sent = self.transport.send(&batch).await;
                    batch.clear();
                    if let Err(e) = sent {
                        return CloseCause::TransportError(e);
                    }
                }
                probed = async { upgrade.as_mut().expect("guarded").await }, if upgrade.is_some() => {
                    upgrade = None;
                    match probed {
                        Ok(ws) => {
                            if let Err(e) = self.switch(ws, &mut packets).await {
                                return CloseCause::TransportError(e);
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
        tracing::debug!("upgraded to websocket");
        Ok(())
    }

    async fn handle(&mut self, packet: Packet) -> Result<(), CloseCause> {
        let event = match packet {
            Packet::Ping => {
                return self
                    .transport
                    .send(&[Frame::PONG])
                    .await
                    .map_err(CloseCause::TransportError);
            }
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
