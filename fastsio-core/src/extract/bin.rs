//! [`Bin`]: the event's binary attachments.

use bytes::Bytes;

use crate::extract::{ExtractError, FromEventPayload};
use crate::handler::EventContext;
use crate::socket::SocketRef;

/// The binary attachments of the event, in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bin(pub Vec<Bytes>);

impl<S> FromEventPayload<S> for Bin {
    fn from_event_payload(
        _: &SocketRef,
        cx: &mut EventContext,
        _: &S,
    ) -> Result<Self, ExtractError> {
        Ok(Bin(std::mem::take(&mut cx.attachments)))
    }
}
