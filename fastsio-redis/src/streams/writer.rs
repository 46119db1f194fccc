//! The writer: one task that adds broadcasts to the stream and keeps lost sessions, in the
//! order they were queued, a batch per round trip. An entry this node's sockets are waiting
//! for is delivered to them once Redis gave it its id (its offset), as node does; when Redis
//! fails, they get it at once without an offset, and other nodes do not.

use std::sync::Arc;
use std::time::Duration;

use fastsio::adapter::{BroadcastOptions, LocalNamespace};
use fastsio::engine::Sid;
use fastsio::protocol::EncodedPacket;
use redis::Value;
use tokio::sync::mpsc;

use super::StreamsConfig;
use super::entry::BROADCAST;
use super::held::Held;
use crate::connection::{Commands, Routed};

/// Jobs taken from the queue at once, written in one pipeline.
const BATCH: usize = 64;

/// Something to write.
pub(crate) enum Job {
    /// A broadcast entry (`data` as [`broadcast_data`](super::entry::broadcast_data) makes
    /// it), and the local delivery that waits for its id.
    Entry {
        nsp: String,
        data: String,
        local: Option<Local>,
    },
    /// A lost session (its key, its value) and how long it is kept.
    Session {
        key: String,
        value: String,
        ttl: Duration,
    },
}

/// A packet for this node's sockets, sent once its entry has an id.
pub(crate) struct Local {
    pub(crate) ns: LocalNamespace,
    pub(crate) packet: EncodedPacket,
    pub(crate) to: To,
}

/// Who a [`Local`] packet is for.
pub(crate) enum To {
    /// One socket, which may still be connecting.
    Socket(Sid, Arc<Held>),
    /// The sockets these options select.
    Sockets(BroadcastOptions),
}

impl Local {
    /// Sends the packet, with `offset` as its offset if given.
    pub(crate) fn send(self, offset: Option<&str>) {
        let packet = match offset {
            Some(offset) => self.packet.with_offset(offset),
            None => self.packet,
        };
        match self.to {
            To::Socket(sid, held) => held.send(&self.ns, sid, packet),
            To::Sockets(opts) => {
                self.ns.deliver(&packet, &opts);
            }
        }
    }
}

/// Starts the writer; it ends when the returned sender and its clones are gone.
pub(crate) fn start(
    commands: Arc<Commands>,
    config: &StreamsConfig,
    uid: String,
) -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let writer = Writer {
        commands,
        stream: config.stream_name.clone(),
        max_len: config.max_len,
        uid,
    };
    tokio::spawn(writer.run(rx));
    tx
}

struct Writer {
    commands: Arc<Commands>,
    stream: String,
    max_len: usize,
    uid: String,
}

impl Writer {
    async fn run(self, mut rx: mpsc::Receiver<Job>) {
        let mut batch = Vec::with_capacity(BATCH);
        while rx.recv_many(&mut batch, BATCH).await > 0 {
            self.write(&mut batch).await;
        }
    }

    /// The command that writes `job`, routed by its key.
    fn command(&self, job: &Job) -> Routed {
        match job {
            Job::Entry { nsp, data, .. } => {
                let mut cmd = redis::cmd("XADD");
                cmd.arg(&self.stream)
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(self.max_len)
                    .arg("*")
                    .arg("uid")
                    .arg(&self.uid)
                    .arg("nsp")
                    .arg(nsp)
                    .arg("type")
                    .arg(BROADCAST)
                    .arg("data")
                    .arg(data);
                Routed::new(self.stream.as_bytes(), cmd)
            }
            Job::Session { key, value, ttl } => {
                let mut cmd = redis::cmd("SET");
                cmd.arg(key)
                    .arg(value)
                    .arg("PX")
                    .arg(ttl.as_millis().max(1) as u64);
                Routed::new(key.as_bytes(), cmd)
            }
        }
    }

    async fn write(&self, batch: &mut Vec<Job>) {
        let cmds: Vec<Routed> = batch.iter().map(|job| self.command(job)).collect();
        let replies = match self.commands.batch(&cmds).await {
            Ok(replies) => replies,
            Err(e) => {
                tracing::warn!(error = %e, "redis streams: writing failed, broadcasts stay on this node");
                Vec::new()
            }
        };
        let mut replies = replies.into_iter();
        for job in batch.drain(..) {
            let reply = replies.next();
            let Job::Entry {
                local: Some(local), ..
            } = job
            else {
                continue;
            };
            match reply {
                Some(Value::BulkString(id)) => local.send(std::str::from_utf8(&id).ok()),
                _ => local.send(None),
            }
        }
    }
}
