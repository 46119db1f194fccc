//! The sharded subscriber task: connections of its own, read by this task itself (as the
//! classic subscriber's: no driver task, no channel between them), reconnected forever,
//! subscribed to the channels this node wants. On one server it is one connection. On a
//! Redis Cluster a channel is subscribed first on the node the task started from, and where
//! a `MOVED` reply sends it ([`Links`]); a channel the server unsubscribes (its slot moved,
//! its master stepped down) is subscribed again, and redirected if need be; a lost
//! connection drops them all, and they are made again after a pause, from the next node.

use std::io;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::Shared;
use super::links::{Answer, Links};
use super::subscriptions::Subscriptions;
use crate::pubsub::{Push, Stop};
use crate::servers::Servers;

/// Pause between reconnection attempts.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// Starts the subscriber task; it stops once the cluster is gone (which wakes it through
/// `subscriptions`).
pub(crate) fn start(servers: Servers, inner: Weak<Shared>, subscriptions: Arc<Subscriptions>) {
    tokio::spawn(run(servers, inner, subscriptions));
}

async fn run(servers: Servers, inner: Weak<Shared>, subscriptions: Arc<Subscriptions>) {
    let mut turn = 0usize;
    loop {
        let Some((timeout, max_frame)) = inner.upgrade().map(|i| {
            let config = &i.node.config;
            (config.request_timeout, config.max_message_size)
        }) else {
            return;
        };
        let origin = servers.node(turn).get_connection_info();
        turn = turn.wrapping_add(1);
        match Links::open(origin, timeout, max_frame).await {
            Err(e) => {
                tracing::warn!(error = %e, "sharded redis adapter: cannot subscribe, retrying");
            }
            Ok(links) => match listen(&inner, &subscriptions, links).await {
                Stop::Gone => return,
                Stop::Failed(e) => {
                    tracing::warn!(error = %e, "sharded redis adapter: subscription lost, reconnecting");
                }
            },
        }
        if inner.strong_count() == 0 {
            return;
        }
        subscriptions.lost();
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// Subscribes to the channels wanted, then follows the changes and hands the messages on
/// until a connection fails or the cluster is gone.
async fn listen(inner: &Weak<Shared>, subscriptions: &Subscriptions, mut links: Links) -> Stop {
    if let Err(stop) = reconcile(inner, subscriptions, &mut links).await {
        return stop;
    }
    loop {
        let deadline = links.deadline();
        let step = tokio::select! {
            () = subscriptions.changed() => reconcile(inner, subscriptions, &mut links).await,
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)),
                if deadline.is_some() =>
            {
                Err(Stop::Failed(io::ErrorKind::TimedOut.into()))
            }
            read = links.next() => match read {
                Ok((link, push)) => receive_read(inner, subscriptions, &mut links, link, push).await,
                Err(e) => Err(Stop::Failed(e)),
            },
        };
        if let Err(stop) = step {
            return stop;
        }
    }
}

/// Subscribes to the channels wanted and not confirmed, unsubscribes from the others (those
/// whose answer is not awaited already).
async fn reconcile(
    inner: &Weak<Shared>,
    subscriptions: &Subscriptions,
    links: &mut Links,
) -> Result<(), Stop> {
    if inner.strong_count() == 0 {
        return Err(Stop::Gone);
    }
    let (add, remove) = subscriptions.diff();
    let changes = add.into_iter().map(|c| (c, true));
    for (channel, on) in changes.chain(remove.into_iter().map(|c| (c, false))) {
        if !links.in_flight(&channel) {
            links.ask(channel, on).await?;
        }
    }
    Ok(())
}

/// Handles `first` and the frames the same read of connection `link` brought, as one batch
/// (each lane whose sockets get deliveries from them is woken once, see
/// [`batch_wakes`](fastsio::engine::batch_wakes)); then follows the redirections they
/// asked for, and subscribes again to the channels the server dropped.
async fn receive_read(
    inner: &Weak<Shared>,
    subscriptions: &Subscriptions,
    links: &mut Links,
    link: usize,
    first: Push,
) -> Result<(), Stop> {
    let Some(shared) = inner.upgrade() else {
        return Err(Stop::Gone);
    };
    let mut moved = Vec::new();
    let mut dropped = false;
    fastsio::engine::batch_wakes(|| {
        let mut push = Some(first);
        while let Some(next) = push {
            match receive(&shared, subscriptions, links, link, next)? {
                Some(Answer::Moved(asked, to)) => moved.push((asked, to)),
                Some(Answer::Dropped) => dropped = true,
                Some(Answer::Confirmed) | None => {}
            }
            push = links.next_read(link)?;
        }
        Ok::<_, io::Error>(())
    })?;
    // Drop the strong reference before waiting on a socket.
    drop(shared);
    for (asked, to) in moved {
        links.follow(asked, to).await?;
    }
    if dropped {
        reconcile(inner, subscriptions, links).await?;
    }
    Ok(())
}

/// Handles one frame from connection `link`; an answer to an (un)subscription may ask for
/// more.
fn receive(
    shared: &Arc<Shared>,
    subscriptions: &Subscriptions,
    links: &mut Links,
    link: usize,
    push: Push,
) -> io::Result<Option<Answer>> {
    let answer = match push {
        Push::Message { payload, .. } => {
            shared.on_message(payload);
            return Ok(None);
        }
        Push::Sharded { channel, on } => {
            let channel = String::from_utf8_lossy(&channel);
            let answer = links.answered(link, &channel, on);
            subscriptions.confirm(channel.into_owned(), on);
            answer
        }
        Push::Error(e) => links.refused(link, &e)?,
        Push::Confirmed | Push::Pong | Push::Status => return Ok(None),
    };
    Ok(Some(answer))
}
