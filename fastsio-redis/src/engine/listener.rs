//! The listener task: one pub/sub connection, reconnected forever, subscribed to the
//! channels of every node and of this one; it serves other nodes' requests and hands this
//! node's answers to the requests waiting for them.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use fastsio::engine::{LocalSessions, Sid, TakeOver};
use futures_util::StreamExt;

use super::Inner;
use super::message::{Body, Message};
use super::takeovers::Held;

/// Pause between reconnection attempts.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

pub(crate) fn start(client: redis::Client, inner: Weak<Inner>) {
    tokio::spawn(run(client, inner));
}

async fn run(client: redis::Client, inner: Weak<Inner>) {
    loop {
        let channels = match inner.upgrade() {
            Some(i) => [i.channel(None), i.channel(Some(&i.uid))],
            None => return,
        };
        match client.get_async_pubsub().await {
            Err(e) => tracing::warn!(error = %e, "redis engine: cannot subscribe, retrying"),
            Ok(mut pubsub) => match pubsub.subscribe(&channels).await {
                Err(e) => tracing::warn!(error = %e, "redis engine: subscribe failed"),
                Ok(()) => {
                    set_subscribed(&inner, true);
                    let mut stream = pubsub.on_message();
                    while let Some(msg) = stream.next().await {
                        let Some(inner) = inner.upgrade() else { return };
                        if let Some(message) = Message::decode(msg.get_payload_bytes()) {
                            on_message(&inner, message);
                        }
                    }
                    set_subscribed(&inner, false);
                    tracing::warn!("redis engine: subscription lost, reconnecting");
                }
            },
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

fn set_subscribed(inner: &Weak<Inner>, subscribed: bool) {
    if let Some(inner) = inner.upgrade() {
        inner.subscribed.store(subscribed, Ordering::Release);
    }
}

/// Every node sees the messages to all in the same order (Redis's): a request forwarded
/// before a take-over is answered by the node that handed the session over, one forwarded
/// after it by the node that took it (this node's own forwards included).
fn on_message(inner: &Arc<Inner>, message: Message) {
    let Some(local) = inner.local.get().and_then(Weak::upgrade) else {
        return;
    };
    let own = message.sender == inner.uid;
    let id = message.request_id;
    match message.body {
        Body::Forward { sid, request } => {
            let held = Held {
                sender: message.sender,
                id,
                request,
            };
            if let Some(held) = inner.takeovers.hold(sid, held) {
                serve(inner, &*local, sid, held);
            }
        }
        Body::TakeOver { sid } if own => {
            if inner.pending.contains(id) {
                inner.takeovers.begin(sid);
            }
        }
        Body::TakeOver { sid } => {
            let sender = Some(message.sender.as_str());
            match local.hand_over(sid) {
                TakeOver::NotHere => {}
                TakeOver::Refused => inner.send(id, sender, Body::Handed { sid, moved: None }),
                TakeOver::Moved(moved) => inner.send(
                    id,
                    sender,
                    Body::Handed {
                        sid,
                        moved: Some(*moved),
                    },
                ),
            }
        }
        _ if message.recipient.as_deref() != Some(inner.uid.as_str()) => {}
        Body::Handed { sid, moved } => {
            // Adopted even when the take-over gave up waiting: the session lives here now.
            let adopted = moved.is_some_and(|moved| local.adopt(moved));
            for held in inner.takeovers.end(sid) {
                if adopted {
                    serve(inner, &*local, sid, held);
                }
            }
            let answer = match adopted {
                true => Body::Accepted,
                false => Body::Handed { sid, moved: None },
            };
            inner.pending.answer(id, answer);
        }
        answer @ (Body::Accepted | Body::Answer(_)) => inner.pending.answer(id, answer),
    }
}

/// Answers a forwarded request if this node holds its session.
fn serve(inner: &Arc<Inner>, local: &dyn LocalSessions, sid: Sid, held: Held) {
    let Some(answer) = local.serve(sid, held.request) else {
        return;
    };
    inner.send(held.id, Some(&held.sender), Body::Accepted);
    let inner = inner.clone();
    tokio::spawn(async move {
        let response = answer.await;
        inner.send(held.id, Some(&held.sender), Body::Answer(response));
    });
}
