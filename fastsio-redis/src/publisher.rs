//! [`Outbox`]: messages wait here for the publisher task, which sends them in order, as many
//! per round trip as are waiting.
//!
//! One batch is in flight at a time, so under load the messages queued during a round trip
//! go together in the next. A busy stream still splits: the first message queued after an
//! answer finds the publisher idle and would go alone, the rest a round trip later. Each
//! batch costs Redis a read and a write to every subscriber, so while the stream is busy the
//! publisher lingers, briefly, until half as many messages as in the last batch are waiting.

use std::sync::Arc;
use std::time::Duration;

use fastsio::adapter::AdapterError;
use tokio::sync::{mpsc, oneshot};

use crate::connection::{Commands, Routed};
use crate::error::err;

/// At most this many messages go in one pipelined round trip to Redis.
const MAX_BATCH: usize = 256;

/// How messages are published.
#[derive(Clone)]
pub(crate) enum Publish {
    /// `PUBLISH`, every message routed by this key in a Redis Cluster: classic pub/sub
    /// reaches every node whichever node publishes, and one node for all of them keeps them
    /// in order.
    Classic(String),
    /// `SPUBLISH`, each message on the master of its channel's slot.
    Sharded,
}

struct Outgoing {
    channel: String,
    payload: Vec<u8>,
    done: oneshot::Sender<Result<(), AdapterError>>,
}

/// Tells when a queued message was published (or why not).
pub(crate) struct Published(oneshot::Receiver<Result<(), AdapterError>>);

impl Published {
    pub(crate) async fn wait(self) -> Result<(), AdapterError> {
        self.0
            .await
            .unwrap_or_else(|_| Err(err("the publisher has stopped")))
    }
}

/// The queue in front of the publisher task; the task stops when the outbox is dropped.
pub(crate) struct Outbox(mpsc::Sender<Outgoing>);

impl Outbox {
    /// Starts the publisher task (inside a tokio runtime), sending as `how` says; at most
    /// `max_queued` messages wait, beyond which publishing fails at once. While the stream is
    /// busy, a batch waits at most `linger` to gather more (see [`Gather`]); zero never waits.
    pub(crate) fn start(
        commands: Arc<Commands>,
        how: Publish,
        max_queued: usize,
        linger: Duration,
    ) -> Outbox {
        let (tx, rx) = mpsc::channel(max_queued.max(1));
        tokio::spawn(publish(commands, how, Gather::new(linger), rx));
        Outbox(tx)
    }

    /// Queues a message: messages are published in the order they are queued, so a node's
    /// broadcasts reach the others in order.
    pub(crate) fn enqueue(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<Published, AdapterError> {
        let (done, published) = oneshot::channel();
        let message = Outgoing {
            channel,
            payload,
            done,
        };
        self.0.try_send(message).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => err("too many messages waiting for Redis"),
            mpsc::error::TrySendError::Closed(_) => err("the publisher has stopped"),
        })?;
        Ok(Published(published))
    }

    /// Queues a message and waits until it is published.
    pub(crate) async fn publish(
        &self,
        channel: String,
        payload: Vec<u8>,
    ) -> Result<(), AdapterError> {
        self.enqueue(channel, payload)?.wait().await
    }

    /// Queues a message nobody waits for (answers to other nodes); a failure is logged.
    pub(crate) fn publish_detached(&self, channel: String, payload: Vec<u8>) {
        if let Err(e) = self.enqueue(channel, payload) {
            tracing::warn!(error = %e, "redis adapter: dropping a message");
        }
    }
}

async fn publish(
    commands: Arc<Commands>,
    how: Publish,
    mut gather: Gather,
    mut outbox: mpsc::Receiver<Outgoing>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while outbox.recv_many(&mut batch, MAX_BATCH).await > 0 {
        gather.more(&mut outbox, &mut batch).await;
        let cmds: Vec<Routed> = batch
            .iter()
            .map(|m| {
                let (command, key) = match &how {
                    Publish::Classic(key) => ("PUBLISH", key.as_bytes()),
                    Publish::Sharded => ("SPUBLISH", m.channel.as_bytes()),
                };
                let mut cmd = redis::cmd(command);
                cmd.arg(&m.channel).arg(&m.payload);
                Routed::new(key, cmd)
            })
            .collect();
        let result = commands.batch(&cmds).await.map(drop);
        if let Err(e) = &result {
            tracing::warn!(error = %e, messages = batch.len(), "redis adapter: publish failed");
        }
        gather.answered(batch.len());
        for m in batch.drain(..) {
            let _ = m.done.send(result.clone());
        }
    }
}

/// When a batch waits for more: only while the stream is busy, that is when the last batch
/// held more than one message; then until half as many are waiting, for at most `linger`.
/// A message on a quiet node goes at once; the first one after a burst waits one linger at
/// most, and the stream counts as quiet again.
struct Gather {
    linger: Duration,
    /// The size of the last batch.
    last: usize,
}

impl Gather {
    fn new(linger: Duration) -> Gather {
        Gather { linger, last: 0 }
    }

    /// Adds to `batch` what arrives while it should wait.
    async fn more(&mut self, outbox: &mut mpsc::Receiver<Outgoing>, batch: &mut Vec<Outgoing>) {
        let enough = self.last / 2;
        if batch.len() >= enough || self.linger.is_zero() {
            return;
        }
        let fill = async {
            while batch.len() < enough {
                // Zero: the outbox is closed, and what was gathered goes.
                if outbox.recv_many(batch, MAX_BATCH - batch.len()).await == 0 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(self.linger, fill).await;
    }

    /// A batch of `size` messages was answered.
    fn answered(&mut self, size: usize) {
        self.last = size;
    }
}
