//! The subscriber task: one pub/sub connection of its own, reconnected forever, subscribed to
//! the channels of every namespace this node serves, read by this task itself and handing
//! messages to the cluster. On a Redis Cluster it listens on one node (classic pub/sub reaches
//! every node), and turns to the next node each time it reconnects.

use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::cluster::Inner;
use crate::pubsub::{Push, Stop, Subscribed};
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
        let info = servers.node(turn).get_connection_info();
        turn = turn.wrapping_add(1);
        let Some((timeout, max_frame)) = inner.upgrade().map(|i| {
            let config = &i.node.config;
            (config.request_timeout, config.max_message_size)
        }) else {
            return;
        };
        match Subscribed::open(info, timeout, max_frame).await {
            Err(e) => tracing::warn!(error = %e, "redis adapter: cannot subscribe, retrying"),
            Ok(conn) => match listen(&inner, &mut control, conn).await {
                Stop::Gone => return,
                Stop::Failed(e) => {
                    tracing::warn!(error = %e, "redis adapter: subscription lost, reconnecting");
                }
            },
        }
        match inner.upgrade() {
            Some(inner) => inner.subscriptions.set().clear(),
            None => return,
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// Subscribes to every namespace served, then follows the changes and hands the messages on
/// until the connection fails or the cluster is gone.
async fn listen(
    inner: &Weak<Inner>,
    control: &mut mpsc::UnboundedReceiver<Control>,
    mut conn: Subscribed,
) -> Stop {
    let mut pending = Pending::default();
    let mut asked = BTreeSet::new();
    let Some(namespaces) = inner.upgrade().map(|i| i.node.namespaces.paths()) else {
        return Stop::Gone;
    };
    for nsp in namespaces {
        let subscribe = Control::Subscribe(nsp);
        if let Err(stop) = change(inner, &mut conn, &mut pending, &mut asked, subscribe).await {
            return stop;
        }
    }
    loop {
        let step = tokio::select! {
            change_asked = control.recv() => match change_asked {
                Some(wanted) => change(inner, &mut conn, &mut pending, &mut asked, wanted).await,
                None => Err(Stop::Gone),
            },
            push = conn.next() => match push {
                Ok(push) => receive_read(inner, &mut pending, &mut conn, push),
                Err(e) => Err(Stop::Failed(e)),
            },
        };
        if let Err(stop) = step {
            return stop;
        }
    }
}

/// Handles `first` and the frames the same read brought, as one batch: each lane whose
/// sockets get deliveries from them is woken once, at the end.
fn receive_read(
    inner: &Weak<Inner>,
    pending: &mut Pending,
    conn: &mut Subscribed,
    first: Push,
) -> Result<(), Stop> {
    fastsio::engine::batch_wakes(|| {
        receive(inner, pending, first)?;
        while let Some(push) = conn.next_read()? {
            receive(inner, pending, push)?;
        }
        Ok(())
    })
}

/// Handles one frame from Redis.
fn receive(inner: &Weak<Inner>, pending: &mut Pending, push: Push) -> Result<(), Stop> {
    let Some(inner) = inner.upgrade() else {
        return Err(Stop::Gone);
    };
    match push {
        Push::Message { channel, payload } => inner.on_message(&channel, payload),
        Push::Confirmed => pending.confirm(&inner),
        Push::Pong | Push::Status | Push::Sharded { .. } => {}
        Push::Error(e) => {
            return Err(Stop::Failed(io::Error::other(format!(
                "Redis refused: {e}"
            ))));
        }
    }
    Ok(())
}

/// Sends the (un)subscriptions of a namespace, unless `asked` (the namespaces subscribed on
/// this connection) shows there is nothing to change: a namespace served before the
/// connection opened is both in the first round and in the queue. The namespace counts as
/// subscribed once Redis has confirmed all of them; it stops counting as soon as it is
/// unsubscribed.
async fn change(
    inner: &Weak<Inner>,
    conn: &mut Subscribed,
    pending: &mut Pending,
    asked: &mut BTreeSet<String>,
    wanted: Control,
) -> Result<(), Stop> {
    let Some(inner) = inner.upgrade() else {
        return Err(Stop::Gone);
    };
    let (nsp, on) = match wanted {
        Control::Subscribe(nsp) => (nsp, true),
        Control::Unsubscribe(nsp) => (nsp, false),
    };
    let changes = match on {
        true => asked.insert(nsp.clone()),
        false => asked.remove(&nsp),
    };
    if !changes {
        return Ok(());
    }
    let (pattern, channels) = channels(&inner, &nsp);
    let (by_pattern, by_name): (&[u8], &[u8]) = match on {
        true => (b"PSUBSCRIBE", b"SUBSCRIBE"),
        false => (b"PUNSUBSCRIBE", b"UNSUBSCRIBE"),
    };
    if !on {
        inner.subscriptions.set().remove(&nsp);
        pending.forget(&nsp);
    }
    pending.expect(on.then(|| nsp.clone()), 1 + channels.len());
    // Drop the strong reference before waiting on the socket.
    drop(inner);
    conn.send(&[by_pattern, pattern.as_bytes()]).await?;
    let mut command: Vec<&[u8]> = vec![by_name];
    command.extend(channels.iter().map(|c| c.as_bytes()));
    conn.send(&command).await?;
    Ok(())
}

/// The channels of a namespace: its broadcasts (a pattern: every room), its requests, the
/// responses (to all, and to this node).
fn channels(inner: &Inner, nsp: &str) -> (String, [String; 3]) {
    let c = &inner.channels;
    let subscribed = [
        c.request(nsp),
        c.response(nsp),
        c.response_to(nsp, &inner.node.uid),
    ];
    (c.broadcast_pattern(nsp), subscribed)
}

/// The confirmations awaited, in the order the commands were sent: how many, and the
/// namespace they complete the subscription of (none for an unsubscription). One entry per
/// namespace change: bounded as the changes are.
#[derive(Default)]
struct Pending(VecDeque<(Option<String>, usize)>);

impl Pending {
    fn expect(&mut self, nsp: Option<String>, confirmations: usize) {
        self.0.push_back((nsp, confirmations));
    }

    /// A subscription being unsubscribed before it was confirmed will not count as done.
    fn forget(&mut self, nsp: &str) {
        for (waiting, _) in &mut self.0 {
            if waiting.as_deref() == Some(nsp) {
                *waiting = None;
            }
        }
    }

    fn confirm(&mut self, inner: &Arc<Inner>) {
        let Some((nsp, left)) = self.0.front_mut() else {
            return;
        };
        *left -= 1;
        if *left == 0 {
            if let Some(nsp) = nsp.take() {
                inner.subscriptions.set().insert(nsp);
            }
            self.0.pop_front();
        }
    }
}
