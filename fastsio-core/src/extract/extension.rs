//! [`Extension`]: a value a middleware attached to the event.

use std::future::Future;

use crate::extract::{ExtractError, FromEventParts};
use crate::handler::{AckErrorBody, EventContext};

/// A copy of the value of type `T` that a middleware put in the event's `extensions`.
/// Missing → an `internal` error (the middleware that provides it is not in the chain; the
/// server logs which type was missing).
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
    fn from_event_parts(
        cx: &mut EventContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        let value = cx
            .extensions
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or_else(|| {
                // The type's name is for the server's log only.
                tracing::error!(
                    event = %cx.name(),
                    value = std::any::type_name::<T>(),
                    "a handler takes an Extension no middleware attached"
                );
                ExtractError(AckErrorBody::new("internal", "internal error"))
            });
        std::future::ready(value)
    }
}
