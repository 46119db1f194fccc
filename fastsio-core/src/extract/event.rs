//! [`Event`]: the name of the event being handled.

use std::future::Future;

use crate::engine::Str;
use crate::extract::{ExtractError, FromEventParts};
use crate::handler::EventContext;

/// The event's name (useful in catch-all handlers).
///
/// ```
/// use fastsio_core::{Routes, extract::Event};
/// async fn any(Event(name): Event) {
///     tracing::info!(%name, "unhandled event");
/// }
/// let routes: Routes = Routes::new("/").fallback(any);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event(pub Str);

impl<S> FromEventParts<S> for Event {
    fn from_event_parts(
        cx: &mut EventContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        std::future::ready(Ok(Event(cx.name().clone())))
    }
}
