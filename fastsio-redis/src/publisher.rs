//! [`Outbox`]: messages wait here for the publisher task, which sends them in order, as many
//! per round trip as are waiting.

use std::sync::Arc;

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
    /// `max_queued` messages wait, beyond which publishing fails at once.
    pub(crate) fn start(commands: Arc<Commands>, how: Publish, max_queued: usize) -> Outbox {
        let (tx, rx) = mpsc::channel(max_queued.max(1));
        tokio::spawn(publish(commands, how, rx));
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

async fn publish(commands: Arc<Commands>, how: Publish, mut outbox: mpsc::Receiver<Outgoing>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while outbox.recv_many(&mut batch, MAX_BATCH).await > 0 {
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
        for m in batch.drain(..) {
            let _ = m.done.send(result.clone());
        }
    }
}
