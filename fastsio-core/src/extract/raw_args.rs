//! [`RawArgs`]: the event's arguments untouched, to relay or echo them.

use std::future::Future;

use bytes::Bytes;
use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde_json::value::RawValue;

use crate::extract::{ExtractError, FromEventPayload};
use crate::handler::{AckReply, EventContext, IntoAck};
use crate::protocol::EventArgs;

/// The event's arguments as received (raw JSON, placeholders included) with their
/// attachments. Emitting or acknowledging with it sends them on unchanged.
///
/// ```
/// use fastsio_core::{Routes, SocketRef, extract::RawArgs};
/// async fn relay(socket: SocketRef, args: RawArgs) {
///     let attachments = args.attachments.clone();
///     let _ = socket.broadcast().emit_raw("relayed", &args);
///     let _ = attachments;
/// }
/// let routes: Routes = Routes::new("/").on("relay", relay);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, Default)]
pub struct RawArgs {
    args: EventArgs,
    skip: usize,
    /// The binary attachments.
    pub attachments: Vec<Bytes>,
}

impl RawArgs {
    /// The raw JSON of each argument.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (self.skip..self.args.len()).filter_map(|i| self.args.get(i))
    }
}

impl<S> FromEventPayload<S> for RawArgs {
    fn from_event_payload(
        cx: &mut EventContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        std::future::ready(Ok(RawArgs {
            args: std::mem::take(&mut cx.args),
            skip: 1,
            attachments: std::mem::take(&mut cx.attachments),
        }))
    }
}

/// Serialises as a tuple of the raw arguments, so emits spread them.
impl Serialize for RawArgs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.args.len().saturating_sub(self.skip))?;
        for arg in self.iter() {
            let raw: &RawValue = serde_json::from_str(arg).map_err(serde::ser::Error::custom)?;
            tuple.serialize_element(raw)?;
        }
        tuple.end()
    }
}

/// Acknowledges with the arguments as received, sharing the packet's buffer (no copy).
impl IntoAck for RawArgs {
    fn into_ack(self) -> AckReply {
        AckReply::Args {
            json: self.args.tail(self.skip),
            attachments: self.attachments,
        }
    }
}
