//! [`Valid`]: a deserialised payload (or auth) that also passed its `validator` rules.

use std::future::Future;

use serde::de::DeserializeOwned;
use validator::Validate;

use crate::extract::error::from_args;
use crate::extract::{Auth, ExtractError, FromConnectParts, FromEventPayload};
use crate::handler::{AckErrorBody, ConnectContext, EventContext};

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

/// What `Valid<T>` reads the event's arguments as: a type that is both `Deserialize` and
/// `Validate` (implemented for every such type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the payload of `Valid<{Self}>`",
    label = "the payload type must be `Deserialize` and `Validate`",
    note = "derive both on it: `#[derive(serde::Deserialize, validator::Validate)]` (or through fastsio's re-exports, `fastsio::serde` and `fastsio::validator`)"
)]
pub trait ValidPayload: DeserializeOwned + Validate + Send + 'static {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + Validate + Send + 'static> ValidPayload for T {}

impl<T> crate::handler::check::TakesPayload for Valid<T> {}

impl<T: ValidPayload, S> FromEventPayload<S> for Valid<T> {
    fn from_event_payload(
        cx: &mut EventContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        let valid = from_args::<T>(&cx.args).and_then(|value| check(&value).map(|()| Valid(value)));
        std::future::ready(valid)
    }
}

/// What `Valid<Auth<T>>` reads the auth payload as: a type that is both `Deserialize` and
/// `Validate` (implemented for every such type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the auth payload of `Valid<Auth<{Self}>>`",
    label = "the payload type must be `Deserialize` and `Validate`",
    note = "derive both on it: `#[derive(serde::Deserialize, validator::Validate)]` (or through fastsio's re-exports, `fastsio::serde` and `fastsio::validator`)"
)]
pub trait ValidAuthPayload: DeserializeOwned + Validate + Send + 'static {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + Validate + Send + 'static> ValidAuthPayload for T {}

impl<T: ValidAuthPayload, S> FromConnectParts<S> for Valid<Auth<T>> {
    fn from_connect_parts(
        cx: &mut ConnectContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        let valid = Auth::<T>::read(cx).and_then(|auth| check(&auth.0).map(|()| Valid(auth)));
        std::future::ready(valid)
    }
}
