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
///
/// ```
/// use fastsio_core::{Routes, extract::Valid, handler::Ack};
/// #[derive(serde::Deserialize, validator::Validate)]
/// struct Join {
///     #[validate(length(min = 1, max = 64))]
///     room: String,
/// }
/// async fn join(Valid(req): Valid<Join>) -> Ack<String> {
///     Ack(req.room)
/// }
/// let routes: Routes = Routes::new("/").on("join", join);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Valid<T>(pub T);

fn check<T: Validate>(value: &T) -> Result<(), ExtractError> {
    value.validate().map_err(|errors| {
        let details = serde_json::to_value(&errors).unwrap_or_default();
        ExtractError(AckErrorBody::new("validation_failed", summary(&errors)).with_details(details))
    })
}

/// `invalid room: length (min 1, max 64)`: each failing field with its rules, readable.
fn summary(errors: &validator::ValidationErrors) -> String {
    let mut fields: Vec<String> = errors
        .field_errors()
        .into_iter()
        .map(|(field, errs)| {
            let rules: Vec<String> = errs
                .iter()
                .map(|e| match &e.message {
                    Some(message) => message.to_string(),
                    None => {
                        let mut params: Vec<String> = e
                            .params
                            .iter()
                            .filter(|(k, _)| *k != "value")
                            .map(|(k, v)| format!("{k} {v}"))
                            .collect();
                        params.sort();
                        if params.is_empty() {
                            e.code.to_string()
                        } else {
                            format!("{} ({})", e.code, params.join(", "))
                        }
                    }
                })
                .collect();
            format!("{field}: {}", rules.join("; "))
        })
        .collect();
    fields.sort();
    if fields.is_empty() {
        "validation failed".to_string()
    } else {
        format!("invalid {}", fields.join(", "))
    }
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
