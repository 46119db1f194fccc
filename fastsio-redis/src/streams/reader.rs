//! The reader: one task per node that follows the stream (`XREAD BLOCK`, on a connection of
//! its own) and delivers the broadcasts of other nodes to this node's sockets, each with its
//! entry id as offset. After a Redis failure it reconnects and goes on from the last entry it
//! read, so nothing still in the stream is skipped.

use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::Duration;

use redis::Value;

use super::entry::{Entry, range_reply, read_reply};
use super::{Shared, StreamsConfig};
use crate::connection::Link;
use crate::servers::Servers;

/// How long the reader waits before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);
/// Time allowed for a reply beyond the `XREAD` block.
const SLACK: Duration = Duration::from_secs(5);

/// Starts the reader; it ends once `shared` is gone (within one `XREAD` block).
pub(crate) fn start(servers: Servers, shared: Weak<Shared>, config: &StreamsConfig) {
    let reader = Reader {
        servers,
        shared,
        stream: config.stream_name.clone(),
        count: config.read_count.max(1),
        block: config.block,
    };
    tokio::spawn(reader.run());
}

struct Reader {
    servers: Servers,
    shared: Weak<Shared>,
    stream: String,
    count: usize,
    block: Duration,
}

impl Reader {
    async fn run(self) {
        let mut conn = None;
        let mut offset = None;
        while self.shared.strong_count() > 0 {
            let read = self.step(&mut conn, &mut offset).await;
            self.set_reading(read.is_ok());
            if let Err(e) = read {
                tracing::warn!(error = %e, "redis streams: reading the stream failed, retrying");
                conn = None;
                tokio::time::sleep(RETRY).await;
            }
        }
    }

    /// Reads once from `offset` (first, where the stream ends now) and delivers what came.
    async fn step(
        &self,
        conn: &mut Option<Link>,
        offset: &mut Option<String>,
    ) -> redis::RedisResult<()> {
        let conn = match conn {
            Some(conn) => conn,
            None => conn.insert(self.servers.connect(self.block + SLACK).await?),
        };
        let from = match offset {
            Some(from) => from,
            None => {
                let mut cmd = redis::cmd("XREVRANGE");
                cmd.arg(&self.stream).arg("+").arg("-").arg("COUNT").arg(1);
                let last: Value = conn.query(&cmd).await?;
                let last = range_reply(&last).pop().map(|e| e.id);
                let from = offset.insert(last.unwrap_or_else(|| "0-0".into()));
                self.set_reading(true);
                from
            }
        };
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT")
            .arg(self.count)
            .arg("BLOCK")
            .arg(self.block.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.stream)
            .arg(&*from);
        let reply: Value = conn.query(&cmd).await?;
        let entries = read_reply(&reply);
        if let Some(last) = entries.last() {
            *from = last.id.clone();
        }
        if let Some(shared) = self.shared.upgrade() {
            for entry in &entries {
                deliver(&shared, entry);
            }
        }
        Ok(())
    }

    fn set_reading(&self, reading: bool) {
        if let Some(shared) = self.shared.upgrade() {
            shared.reading.store(reading, Ordering::Relaxed);
        }
    }
}

/// Delivers a broadcast of another node to this node's sockets.
fn deliver(shared: &Shared, entry: &Entry) {
    if entry.uid.as_deref() == Some(shared.uid.as_str()) {
        return;
    }
    let Some(ns) = entry.nsp.as_deref().and_then(|nsp| shared.namespace(nsp)) else {
        return;
    };
    if let Some((packet, opts)) = entry.broadcast() {
        ns.deliver(&packet, &opts);
    }
}
