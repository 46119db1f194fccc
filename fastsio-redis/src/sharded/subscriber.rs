//! The sharded subscriber task: one RESP3 connection (`SSUBSCRIBE` replies and `smessage`s
//! arrive as push messages), reconnected forever, subscribed to the channels of every
//! namespace this node serves.

use std::sync::Weak;
use std::time::Duration;

use fastsio::adapter::AdapterError;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ProtocolVersion, PushKind, Value};
use tokio::sync::mpsc;

use super::Shared;
use crate::error::err;
use crate::subscriber::Control;

/// Pause between reconnection attempts.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// Starts the subscriber task on a RESP3 twin of `client`; it stops once the cluster is
/// gone.
pub(crate) fn start(
    client: redis::Client,
    inner: Weak<Shared>,
    control: mpsc::UnboundedReceiver<Control>,
) -> Result<(), AdapterError> {
    let info = client.get_connection_info().clone();
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    let client = redis::Client::open(info.set_redis_settings(settings)).map_err(err)?;
    tokio::spawn(run(client, inner, control));
    Ok(())
}

async fn run(
    client: redis::Client,
    inner: Weak<Shared>,
    mut control: mpsc::UnboundedReceiver<Control>,
) {
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
                let Some(namespaces) = inner.upgrade().map(|i| i.served_namespaces()) else {
                    return;
                };
                let mut ok = true;
                for nsp in namespaces {
                    ok &= subscribe(&inner, &mut conn, &nsp, true).await;
                }
                while ok {
                    tokio::select! {
                        change = control.recv() => match change {
                            Some(Control::Subscribe(nsp)) => {
                                ok = subscribe(&inner, &mut conn, &nsp, true).await;
                            }
                            Some(Control::Unsubscribe(nsp)) => {
                                ok = subscribe(&inner, &mut conn, &nsp, false).await;
                            }
                            None => return,
                        },
                        push = pushes.recv() => match push {
                            Some(push) if push.kind == PushKind::Disconnection => break,
                            Some(push) if push.kind == PushKind::SMessage => {
                                let Some(inner) = inner.upgrade() else { return };
                                if let [_, Value::BulkString(payload)] = push.data.as_slice() {
                                    inner.on_message(payload);
                                }
                            }
                            Some(_) => {}
                            None => break,
                        },
                    }
                }
                tracing::warn!("sharded redis adapter: subscription lost, reconnecting");
            }
        }
        match inner.upgrade() {
            Some(inner) => inner.subscriptions.set().clear(),
            None => return,
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// `SSUBSCRIBE`s (or `SUNSUBSCRIBE`s) a namespace's channels, one per command: each
/// command then gets exactly one confirmation as its reply.
async fn subscribe(
    inner: &Weak<Shared>,
    conn: &mut MultiplexedConnection,
    nsp: &str,
    on: bool,
) -> bool {
    let Some(inner) = inner.upgrade() else {
        return false;
    };
    if !on {
        inner.subscriptions.set().remove(nsp);
    }
    let command = if on { "SSUBSCRIBE" } else { "SUNSUBSCRIBE" };
    let channels = [inner.channel(nsp), inner.response_channel(nsp, &inner.uid)];
    let timeout = inner.config.request_timeout;
    for channel in channels {
        let mut cmd = redis::cmd(command);
        cmd.arg(channel);
        let result = match tokio::time::timeout(timeout, cmd.query_async::<()>(conn)).await {
            Ok(result) => result.map_err(err),
            Err(_) => Err(err("timed out waiting for Redis")),
        };
        if let Err(e) = result {
            tracing::warn!(nsp, command, error = %e, "sharded redis adapter: subscription failed");
            return false;
        }
    }
    if on {
        inner.subscriptions.set().insert(nsp.to_string());
    }
    true
}
