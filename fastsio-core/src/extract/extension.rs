//! [`Extension`]: a value a middleware attached to the event.

use crate::extract::{ExtractError, FromEventParts};
use crate::handler::{AckErrorBody, EventContext};
use crate::socket::SocketRef;

/// A copy of the value of type `T` that a middleware put in the event's `extensions`.
/// Missing → an `internal` error (the middleware that provides it is not in the chain).
///
/// ```
/// use fastsio_core::{Routes, extract::Extension, handler::Ack};
/// #[derive(Clone)]
/// struct RequestId(u64);
/// async fn traced(Extension(RequestId(id)): Extension<RequestId>) -> Ack<u64> {
///     Ack(id)
/// }
/// let routes: Routes = Routes::new("/").on("traced", traced);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extension<T>(pub T);

impl<S, T: Clone + Send + Sync + 'static> FromEventParts<S> for Extension<T> {
    fn from_event_parts(_: &SocketRef, cx: &EventContext, _: &S) -> Result<Self, ExtractError> {
        cx.extensions
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| {
                ExtractError(AckErrorBody::new(
                    "internal",
                    format!(
                        "no {} was attached to this event",
                        std::any::type_name::<T>()
                    ),
                ))
            })
    }
}
