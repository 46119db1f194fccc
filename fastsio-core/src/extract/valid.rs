//! [`Valid`]: a deserialised payload (or auth) that also passed its `validator` rules.

use serde::de::DeserializeOwned;
use validator::Validate;

use crate::extract::{Auth, ExtractError, FromConnectParts, FromEventPayload};
use crate::handler::{AckErrorBody, ConnectContext, EventContext};
use crate::socket::SocketRef;

/// The event's arguments as `T` (like [`Data`](crate::extract::Data)), checked with
/// `T::validate()` before the handler runs. `Valid<Auth<T>>` does the same for a connect
/// handler's auth payload.
///
/// A failure answers the client with `{"code": "validation_failed", "message", "details"}`
/// (`details` lists each field's violations) as an ack error, or as the `connect_error` data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Valid<T>(pub T);

fn check<T: Validate>(value: &T) -> Result<(), ExtractError> {
    value.validate().map_err(|errors| {
        let details = serde_json::to_value(&errors).unwrap_or_default();
        ExtractError(
            AckErrorBody::new("validation_failed", format!("validation failed: {errors}"))
                .with_details(details),
        )
    })
}

impl<T, S> FromEventPayload<S> for Valid<T>
where
    T: DeserializeOwned + Validate + Send + 'static,
{
    fn from_event_payload(
        _: &SocketRef,
        cx: &mut EventContext,
        _: &S,
    ) -> Result<Self, ExtractError> {
        let value: T = cx.args.deserialize(1).map_err(ExtractError::payload)?;
        check(&value)?;
        Ok(Valid(value))
    }
}

impl<T, S> FromConnectParts<S> for Valid<Auth<T>>
where
    T: DeserializeOwned + Validate + Send + 'static,
{
    fn from_connect_parts(
        socket: &SocketRef,
        cx: &ConnectContext,
        state: &S,
    ) -> Result<Self, ExtractError> {
        let Auth(value) = Auth::<T>::from_connect_parts(socket, cx, state)?;
        check(&value)?;
        Ok(Valid(Auth(value)))
    }
}
