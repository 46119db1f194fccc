//! The sharded subscriber task: one RESP3 connection (`SSUBSCRIBE` replies and `smessage`s
//! arrive as push messages), reconnected forever, subscribed to the channels this node
//! wants.

use std::sync::{Arc, Weak};
use std::time::Duration;

use fastsio::adapter::AdapterError;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ProtocolVersion, PushKind, Value};
use tokio::sync::mpsc;

use super::Shared;
use super::subscriptions::Subscriptions;
use crate::error::err;

/// Pause between reconnection attempts.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// Starts the subscriber task on a RESP3 twin of `client`; it stops once the cluster is
/// gone (which wakes it through `subscriptions`).
pub(crate) fn start(
    client: redis::Client,
    inner: Weak<Shared>,
    subscriptions: Arc<Subscriptions>,
) -> Result<(), AdapterError> {
    let info = client.get_connection_info().clone();
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    let client = redis::Client::open(info.set_redis_settings(settings)).map_err(err)?;
    tokio::spawn(run(client, inner, subscriptions));
    Ok(())
}

async fn run(client: redis::Client, inner: Weak<Shared>, subscriptions: Arc<Subscriptions>) {
    loop {
        // Unbounded, as redis-rs requires of a push sender; drained by this task alone.
        let (tx, mut pushes) = mpsc::unbounded_channel();
        let config = AsyncConnectionConfig::new().set_push_sender(tx);
        match client
            .get_multiplexed_async_connection_with_config(&config)
            .await
        {
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
                                if let [_, Value::BulkString(payload)] = push.data.as_slice() {
                                    shared.on_message(payload);
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
async fn reconcile(inner: &Weak<Shared>, conn: &mut MultiplexedConnection) -> bool {
    let Some(inner) = inner.upgrade() else {
        return false;
    };
    let (add, remove) = inner.subscriptions.diff();
    let timeout = inner.node.config.request_timeout;
    let changes = add.into_iter().map(|c| (c, true));
    for (channel, on) in changes.chain(remove.into_iter().map(|c| (c, false))) {
        // One channel per command: each command then gets exactly one confirmation as its
        // reply.
        let mut cmd = redis::cmd(if on { "SSUBSCRIBE" } else { "SUNSUBSCRIBE" });
        cmd.arg(&channel);
        let result = match tokio::time::timeout(timeout, cmd.query_async::<()>(conn)).await {
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
