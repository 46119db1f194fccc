//! The sharded subscriber task: one RESP3 connection (`SSUBSCRIBE` replies and `smessage`s
//! arrive as push messages), reconnected forever, subscribed to the channels this node
//! wants. On a Redis Cluster it is a cluster connection: each channel is subscribed on the
//! master of its slot, and a channel the server unsubscribes (its slot moved, its master
//! stepped down) is subscribed again where it now lives; a lost node means a new connection,
//! on the slot map of the moment.

use std::sync::{Arc, Weak};
use std::time::Duration;

use fastsio::adapter::AdapterError;
use redis::aio::MultiplexedConnection;
use redis::cluster_async::ClusterConnection;
use redis::{AsyncConnectionConfig, ProtocolVersion, PushInfo, PushKind, Value};
use tokio::sync::mpsc;

use super::Shared;
use super::subscriptions::Subscriptions;
use crate::error::err;
use crate::servers::{Servers, connect_pushes};

/// Pause between reconnection attempts.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// Where the subscriber connects.
enum Source {
    /// A RESP3 client of the one server.
    Single(redis::Client),
    /// The nodes of a cluster.
    Cluster(Vec<redis::Client>),
}

/// A RESP3 connection whose push messages go to the subscriber.
enum PushLink {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl PushLink {
    /// Subscribes to `channel` (`on`) or unsubscribes from it; resolves once confirmed.
    async fn set(&mut self, channel: &str, on: bool) -> redis::RedisResult<()> {
        match self {
            // One channel per command: each command then gets exactly one confirmation as
            // its reply.
            PushLink::Single(conn) => {
                let mut cmd = redis::cmd(if on { "SSUBSCRIBE" } else { "SUNSUBSCRIBE" });
                cmd.arg(channel);
                cmd.query_async::<()>(conn).await
            }
            PushLink::Cluster(conn) if on => conn.ssubscribe(channel).await,
            PushLink::Cluster(conn) => conn.sunsubscribe(channel).await,
        }
    }
}

impl Source {
    async fn connect(
        &self,
        timeout: Duration,
        pushes: mpsc::UnboundedSender<PushInfo>,
    ) -> redis::RedisResult<PushLink> {
        match self {
            Source::Single(client) => {
                let config = AsyncConnectionConfig::new().set_push_sender(pushes);
                let conn = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?;
                Ok(PushLink::Single(conn))
            }
            Source::Cluster(nodes) => {
                let conn = connect_pushes(nodes, timeout, pushes).await?;
                Ok(PushLink::Cluster(conn))
            }
        }
    }
}

/// Starts the subscriber task (on a RESP3 twin of a single server's client); it stops once
/// the cluster is gone (which wakes it through `subscriptions`).
pub(crate) fn start(
    servers: Servers,
    inner: Weak<Shared>,
    subscriptions: Arc<Subscriptions>,
) -> Result<(), AdapterError> {
    let source = match servers {
        Servers::Single(client) => {
            let info = client.get_connection_info().clone();
            let settings = info
                .redis_settings()
                .clone()
                .set_protocol(ProtocolVersion::RESP3);
            Source::Single(redis::Client::open(info.set_redis_settings(settings)).map_err(err)?)
        }
        Servers::Cluster(nodes) => Source::Cluster(nodes),
    };
    tokio::spawn(run(source, inner, subscriptions));
    Ok(())
}

async fn run(source: Source, inner: Weak<Shared>, subscriptions: Arc<Subscriptions>) {
    loop {
        // Unbounded, as redis-rs requires of a push sender; drained by this task alone.
        let (tx, mut pushes) = mpsc::unbounded_channel();
        let Some(timeout) = inner.upgrade().map(|i| i.node.config.request_timeout) else {
            return;
        };
        match source.connect(timeout, tx).await {
            Err(e) => {
                tracing::warn!(error = %e, "sharded redis adapter: cannot subscribe, retrying")
            }
            Ok(mut conn) => {
                let mut ok = reconcile(&inner, &mut conn).await;
                while ok {
                    tokio::select! {
                        () = subscriptions.changed() => {
                            ok = reconcile(&inner, &mut conn).await;
                        }
                        push = pushes.recv() => match push {
                            Some(push) if push.kind == PushKind::SMessage => {
                                let Some(shared) = inner.upgrade() else { return };
                                let mut data = push.data;
                                if let (2, Some(Value::BulkString(payload))) =
                                    (data.len(), data.pop())
                                {
                                    shared.on_message(payload.into());
                                }
                            }
                            Some(push) if push.kind == PushKind::SUnsubscribe => {
                                // Ours, or the server's (the slot moved): subscribed again
                                // if still wanted.
                                if let Some(Value::BulkString(channel)) = push.data.first() {
                                    let channel = String::from_utf8_lossy(channel);
                                    subscriptions.confirm(channel.into_owned(), false);
                                    ok = reconcile(&inner, &mut conn).await;
                                }
                            }
                            Some(push) => ok = push.kind != PushKind::Disconnection,
                            None => ok = false,
                        },
                    }
                }
                tracing::warn!("sharded redis adapter: subscription lost, reconnecting");
            }
        }
        if inner.strong_count() == 0 {
            return;
        }
        subscriptions.lost();
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// Subscribes to the channels wanted and not confirmed, unsubscribes from the others; `false`
/// when the connection failed.
async fn reconcile(inner: &Weak<Shared>, conn: &mut PushLink) -> bool {
    let Some(inner) = inner.upgrade() else {
        return false;
    };
    let (add, remove) = inner.subscriptions.diff();
    let timeout = inner.node.config.request_timeout;
    let changes = add.into_iter().map(|c| (c, true));
    for (channel, on) in changes.chain(remove.into_iter().map(|c| (c, false))) {
        let result = match tokio::time::timeout(timeout, conn.set(&channel, on)).await {
            Ok(result) => result.map_err(err),
            Err(_) => Err(err("timed out waiting for Redis")),
        };
        if let Err(e) = result {
            tracing::warn!(channel, error = %e, "sharded redis adapter: subscription failed");
            return false;
        }
        inner.subscriptions.confirm(channel, on);
    }
    true
}
