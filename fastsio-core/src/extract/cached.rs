//! [`Cached`]: an extractor computed once per event (or connection) and shared.

use crate::extract::{ExtractError, FromConnectParts, FromEventParts};
use crate::handler::{ConnectContext, EventContext};

/// `T`, computed at most once per event: the first `Cached<T>` (in a `before` hook, an
/// earlier argument or the handler) runs `T`'s extractor and keeps a copy in the event's
/// `extensions`; every later one gets that copy. A middleware may also put a `T` there
/// (`cx.extensions.insert(user)`): `Cached<T>` then takes it without running the extractor.
/// This is the Python fastsio's `Depends(..., use_cache=True)`.
///
/// Values live as long as the event (or, in connect handlers, the connect request): to keep
/// one for the socket's lifetime, store it with `socket.insert(..)` and read it with
/// [`Session<T>`](crate::extract::Session).
///
/// ```
/// use fastsio_core::extract::{Cached, ExtractError, FromEventParts};
/// use fastsio_core::handler::{Ack, EventContext};
/// #[derive(Clone)]
/// struct Quota(u32);
/// impl<S: Sync> FromEventParts<S> for Quota {
///     async fn from_event_parts(_: &mut EventContext, _: &S) -> Result<Self, ExtractError> {
///         Ok(Quota(10)) // an expensive lookup, done once per event
///     }
/// }
/// async fn spend(Cached(q): Cached<Quota>, Cached(again): Cached<Quota>) -> Ack<u32> {
///     Ack(q.0 + again.0)
/// }
/// let routes: fastsio_core::Routes = fastsio_core::Routes::new("/").on("spend", spend);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cached<T>(pub T);

/// A copy of the value kept for this event, if any.
fn lookup<T: Clone + Send + Sync + 'static>(extensions: &http::Extensions) -> Option<Cached<T>> {
    extensions.get::<T>().cloned().map(Cached)
}

/// Keeps a copy of `value` for the rest of the event.
fn keep<T: Clone + Send + Sync + 'static>(
    extensions: &mut http::Extensions,
    value: T,
) -> Cached<T> {
    extensions.insert(value.clone());
    Cached(value)
}

impl<S, T> FromEventParts<S> for Cached<T>
where
    S: Sync,
    T: FromEventParts<S> + Clone + Sync,
{
    async fn from_event_parts(cx: &mut EventContext, state: &S) -> Result<Self, ExtractError> {
        if let Some(hit) = lookup(&cx.extensions) {
            return Ok(hit);
        }
        let value = T::from_event_parts(cx, state).await?;
        Ok(keep(&mut cx.extensions, value))
    }
}

impl<S, T> FromConnectParts<S> for Cached<T>
where
    S: Sync,
    T: FromConnectParts<S> + Clone + Sync,
{
    async fn from_connect_parts(cx: &mut ConnectContext, state: &S) -> Result<Self, ExtractError> {
        if let Some(hit) = lookup(&cx.extensions) {
            return Ok(hit);
        }
        let value = T::from_connect_parts(cx, state).await?;
        Ok(keep(&mut cx.extensions, value))
    }
}
