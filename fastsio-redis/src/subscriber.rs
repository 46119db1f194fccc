//! The subscriber task: one pub/sub connection, reconnected forever, subscribed to the
//! channels of every namespace this node serves, handing messages to the cluster. On a Redis
//! Cluster it listens on one node (classic pub/sub reaches every node), and turns to the next
//! node each time it reconnects.

use std::collections::BTreeSet;
use std::sync::{Mutex, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::PubSubSink;
use tokio::sync::mpsc;

use crate::cluster::Inner;
use crate::servers::Servers;

/// Pause between reconnection attempts.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// A change of the namespaces served.
pub(crate) enum Control {
    Subscribe(String),
    Unsubscribe(String),
}

/// What the subscriber is asked to do and what it has done.
pub(crate) struct Subscriptions {
    /// One message per namespace created or dropped: bounded by the server's namespace limit.
    control: mpsc::UnboundedSender<Control>,
    subscribed: Mutex<BTreeSet<String>>,
}

impl Subscriptions {
    pub(crate) fn new() -> (Subscriptions, mpsc::UnboundedReceiver<Control>) {
        let (control, rx) = mpsc::unbounded_channel();
        let subscriptions = Subscriptions {
            control,
            subscribed: Mutex::new(BTreeSet::new()),
        };
        (subscriptions, rx)
    }

    pub(crate) fn subscribe(&self, nsp: &str) {
        let _ = self.control.send(Control::Subscribe(nsp.to_string()));
    }

    pub(crate) fn unsubscribe(&self, nsp: &str) {
        let _ = self.control.send(Control::Unsubscribe(nsp.to_string()));
    }

    pub(crate) fn is_subscribed(&self, nsp: &str) -> bool {
        self.set().contains(nsp)
    }

    fn set(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.subscribed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Starts the subscriber task; it stops once the cluster is gone.
pub(crate) fn start(
    servers: Servers,
    inner: Weak<Inner>,
    control: mpsc::UnboundedReceiver<Control>,
) {
    tokio::spawn(run(servers, inner, control));
}

async fn run(servers: Servers, inner: Weak<Inner>, mut control: mpsc::UnboundedReceiver<Control>) {
    // Nodes of a cluster share the subscribers out, starting from a random one.
    let mut turn = rand::random_range(0..servers.node_count());
    loop {
        let client = servers.node(turn);
        turn = turn.wrapping_add(1);
        match client.get_async_pubsub().await {
            Err(e) => tracing::warn!(error = %e, "redis adapter: cannot subscribe, retrying"),
            Ok(pubsub) => {
                let (mut sink, mut stream) = pubsub.split();
                let Some(namespaces) = inner.upgrade().map(|i| i.node.namespaces.paths()) else {
                    return;
                };
                let mut ok = true;
                for nsp in namespaces {
                    ok &= subscribe(&inner, &mut sink, &nsp).await;
                }
                while ok {
                    tokio::select! {
                        change = control.recv() => match change {
                            Some(Control::Subscribe(nsp)) => {
                                ok = subscribe(&inner, &mut sink, &nsp).await;
                            }
                            Some(Control::Unsubscribe(nsp)) => {
                                ok = unsubscribe(&inner, &mut sink, &nsp).await;
                            }
                            None => return,
                        },
                        msg = stream.next() => match msg {
                            None => break,
                            Some(msg) => {
                                let Some(inner) = inner.upgrade() else { return };
                                inner.on_message(msg.get_channel_name(), msg.get_payload_bytes());
                            }
                        },
                    }
                }
                tracing::warn!("redis adapter: subscription lost, reconnecting");
            }
        }
        match inner.upgrade() {
            Some(inner) => inner.subscriptions.set().clear(),
            None => return,
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// The channels of a namespace: its broadcasts (a pattern: every room), its requests, the
/// responses (to all, and to this node).
fn channels(inner: &Inner, nsp: &str) -> (String, Vec<String>) {
    let c = &inner.channels;
    let subscribed = vec![
        c.request(nsp),
        c.response(nsp),
        c.response_to(nsp, &inner.node.uid),
    ];
    (c.broadcast_pattern(nsp), subscribed)
}

async fn subscribe(inner: &Weak<Inner>, sink: &mut PubSubSink, nsp: &str) -> bool {
    let Some(inner) = inner.upgrade() else {
        return false;
    };
    let (pattern, subscribed) = channels(&inner, nsp);
    let result = async {
        sink.psubscribe(pattern).await?;
        sink.subscribe(subscribed).await
    }
    .await;
    match result {
        Ok(()) => {
            inner.subscriptions.set().insert(nsp.to_string());
            true
        }
        Err(e) => {
            tracing::warn!(nsp, error = %e, "redis adapter: subscribe failed");
            false
        }
    }
}

async fn unsubscribe(inner: &Weak<Inner>, sink: &mut PubSubSink, nsp: &str) -> bool {
    let Some(inner) = inner.upgrade() else {
        return false;
    };
    inner.subscriptions.set().remove(nsp);
    let (pattern, subscribed) = channels(&inner, nsp);
    let result = async {
        sink.punsubscribe(pattern).await?;
        sink.unsubscribe(subscribed).await
    }
    .await;
    if let Err(e) = &result {
        tracing::warn!(nsp, error = %e, "redis adapter: unsubscribe failed");
    }
    result.is_ok()
}
