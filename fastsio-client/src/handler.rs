//! The handlers a socket runs, in arrival order, on its own task.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::event::RawEvent;
use crate::reason::DisconnectReason;
use crate::socket::{Socket, SocketInner};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
type EventFn = Arc<dyn Fn(Socket, RawEvent) -> BoxFuture + Send + Sync>;
type ConnectFn = Arc<dyn Fn(Socket) -> BoxFuture + Send + Sync>;
type DisconnectFn = Arc<dyn Fn(Socket, DisconnectReason) -> BoxFuture + Send + Sync>;
type AttemptFn = Arc<dyn Fn(Socket, u32) -> BoxFuture + Send + Sync>;

/// Runs a handler's future, then sends its output as the ack the server asked for.
fn replying<R: Serialize + Send + 'static>(
    socket: Socket,
    ack: Option<u64>,
    fut: impl Future<Output = R> + Send + 'static,
) -> BoxFuture {
    Box::pin(async move {
        let reply = fut.await;
        if let Some(id) = ack {
            socket.send_ack(id, &reply);
        }
    })
}

/// What the socket's task runs, in order.
pub(crate) enum Dispatch {
    Event(RawEvent),
    Connect,
    Disconnect(DisconnectReason),
    ReconnectAttempt(u32),
    ReconnectFailed,
}

/// Every handler of a socket, fixed when it connects.
#[derive(Default, Clone)]
pub(crate) struct Handlers {
    /// By the event name's JSON text (`"\"welcome\""`), as it arrives.
    events: HashMap<String, EventFn>,
    any: Vec<EventFn>,
    connect: Vec<ConnectFn>,
    disconnect: Vec<DisconnectFn>,
    attempt: Vec<AttemptFn>,
    failed: Vec<ConnectFn>,
}

impl Handlers {
    pub fn on_raw<F, Fut, R>(&mut self, event: &str, handler: F)
    where
        F: Fn(Socket, RawEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Serialize + Send + 'static,
    {
        self.insert(
            event,
            Arc::new(move |socket, event| {
                let ack = event.ack;
                replying(socket.clone(), ack, handler(socket, event))
            }),
        );
    }

    pub fn on_typed<T, F, Fut, R>(&mut self, event: &'static str, handler: F)
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(Socket, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Serialize + Send + 'static,
    {
        self.insert(
            event,
            Arc::new(move |socket, raw: RawEvent| match raw.data::<T>() {
                Ok(data) => replying(socket.clone(), raw.ack, handler(socket, data)),
                Err(e) => {
                    tracing::warn!(event, error = %e, "event payload does not fit its type: ignored");
                    Box::pin(async {})
                }
            }),
        );
    }

    fn insert(&mut self, event: &str, handler: EventFn) {
        let key = serde_json::to_string(event).expect("a string serialises");
        self.events.insert(key, handler);
    }

    pub fn on_any<F, Fut>(&mut self, handler: F)
    where
        F: Fn(Socket, RawEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.any.push(Arc::new(move |socket, event| {
            Box::pin(handler(socket, event))
        }));
    }

    pub fn on_connect<F, Fut>(&mut self, handler: F)
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.connect
            .push(Arc::new(move |socket| Box::pin(handler(socket))));
    }

    pub fn on_disconnect<F, Fut>(&mut self, handler: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.disconnect.push(Arc::new(move |socket, reason| {
            Box::pin(handler(socket, reason))
        }));
    }

    pub fn on_reconnect_attempt<F, Fut>(&mut self, handler: F)
    where
        F: Fn(Socket, u32) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.attempt
            .push(Arc::new(move |socket, n| Box::pin(handler(socket, n))));
    }

    pub fn on_reconnect_failed<F, Fut>(&mut self, handler: F)
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.failed
            .push(Arc::new(move |socket| Box::pin(handler(socket))));
    }

    /// Runs the socket's handlers until it is gone.
    pub async fn run(self, socket: std::sync::Weak<SocketInner>, mut rx: mpsc::Receiver<Dispatch>) {
        while let Some(dispatch) = rx.recv().await {
            let Some(inner) = socket.upgrade() else {
                return;
            };
            let socket = Socket { inner };
            match dispatch {
                Dispatch::Event(event) => {
                    for any in &self.any {
                        any(socket.clone(), event.clone()).await;
                    }
                    match event.args.get(0).and_then(|name| self.events.get(name)) {
                        Some(handler) => handler(socket, event).await,
                        None => tracing::debug!(event = %event.name(), "no handler for event"),
                    }
                }
                Dispatch::Connect => {
                    for h in &self.connect {
                        h(socket.clone()).await;
                    }
                }
                Dispatch::Disconnect(reason) => {
                    for h in &self.disconnect {
                        h(socket.clone(), reason.clone()).await;
                    }
                }
                Dispatch::ReconnectAttempt(n) => {
                    for h in &self.attempt {
                        h(socket.clone(), n).await;
                    }
                }
                Dispatch::ReconnectFailed => {
                    for h in &self.failed {
                        h(socket.clone()).await;
                    }
                }
            }
        }
    }
}
