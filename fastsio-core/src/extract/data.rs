//! [`Data`]: the event's arguments, deserialised straight into `T`.

use std::future::Future;

use serde::de::DeserializeOwned;

use crate::extract::error::from_args;
use crate::extract::{ExtractError, FromEventPayload};
use crate::handler::EventContext;

/// The event's arguments as `T`: one argument reads as itself, several as a tuple, none as
/// `null` (so `Option<T>` and `()` fit). Each argument is deserialised once, from its raw JSON.
///
/// A payload that does not fit is answered with a `validation_failed` ack error naming the
/// field and the reason: `invalid payload: text: invalid type: integer `5`, expected a string`.
///
/// ```
/// use fastsio_core::{Routes, extract::Data, handler::Ack};
/// async fn add(Data((a, b)): Data<(i64, i64)>) -> Ack<i64> {
///     Ack(a + b)
/// }
/// let routes: Routes = Routes::new("/").on("add", add);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Data<T>(pub T);

/// What `Data<T>` reads the event's arguments as: a `Deserialize` type (implemented for every
/// such type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from an event's arguments",
    label = "`Data<{Self}>` needs `{Self}: Deserialize`",
    note = "derive it: `#[derive(serde::Deserialize)]` (or through fastsio's re-export, `fastsio::serde`)"
)]
pub trait DataPayload: DeserializeOwned + Send + 'static {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + Send + 'static> DataPayload for T {}

impl<T> crate::handler::check::TakesPayload for Data<T> {}

impl<T: DataPayload, S> FromEventPayload<S> for Data<T> {
    fn from_event_payload(
        cx: &mut EventContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        std::future::ready(from_args(&cx.args).map(Data))
    }
}
