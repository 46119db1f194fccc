//! The listener task: one pub/sub connection, reconnected forever, subscribed to the
//! channels of every node and of this one; it serves other nodes' requests and hands this
//! node's answers to the requests waiting for them.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use fastsio::engine::TakeOver;
use futures_util::StreamExt;

use super::Inner;
use super::message::{Body, Message};

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

fn on_message(inner: &Arc<Inner>, message: Message) {
    if message.sender == inner.uid {
        return;
    }
    let Some(local) = inner.local.get().and_then(Weak::upgrade) else {
        return;
    };
    let sender = message.sender.as_str();
    let id = message.request_id;
    match message.body {
        Body::Forward { sid, request } => {
            let Some(answer) = local.serve(sid, request) else {
                return;
            };
            inner.send(id, Some(sender), Body::Accepted);
            let inner = inner.clone();
            let sender = message.sender;
            tokio::spawn(async move {
                let response = answer.await;
                inner.send(id, Some(&sender), Body::Answer(response));
            });
        }
        Body::TakeOver { sid } => match local.hand_over(sid) {
            TakeOver::NotHere => {}
            TakeOver::Refused => inner.send(id, Some(sender), Body::Handed(None)),
            TakeOver::Moved(moved) => inner.send(id, Some(sender), Body::Handed(Some(*moved))),
        },
        answer @ (Body::Accepted | Body::Answer(_) | Body::Handed(_)) => {
            if message.recipient.as_deref() == Some(inner.uid.as_str()) {
                inner.pending.answer(id, answer);
            }
        }
    }
}
