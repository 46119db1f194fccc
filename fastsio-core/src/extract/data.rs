//! [`Data`]: the event's arguments, deserialised straight into `T`.

use serde::de::DeserializeOwned;

use crate::extract::{ExtractError, FromEventPayload};
use crate::handler::EventContext;
use crate::socket::SocketRef;

/// The event's arguments as `T`: one argument reads as itself, several as a tuple, none as
/// `null` (so `Option<T>` and `()` fit). Each argument is deserialised once, from its raw JSON.
///
/// A payload that does not fit is answered with a `validation_failed` ack error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Data<T>(pub T);

impl<T: DeserializeOwned + Send + 'static, S> FromEventPayload<S> for Data<T> {
    fn from_event_payload(
        _: &SocketRef,
        cx: &mut EventContext,
        _: &S,
    ) -> Result<Self, ExtractError> {
        cx.args
            .deserialize(1)
            .map(Data)
            .map_err(ExtractError::payload)
    }
}
