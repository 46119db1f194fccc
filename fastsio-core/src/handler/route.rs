//! What the attribute macros generate against: [`EventRoute`], [`IntoRoutes`],
//! [`ServerEvent`].

use crate::routes::Routes;

/// An `#[event("name")]` handler: its proxy type carries the wire name.
pub trait EventRoute {
    /// The event name.
    const EVENT: &'static str;
}

/// Anything that yields a namespace's routes: [`Routes`] itself, or a `#[derive(Router)]` /
/// `#[router] mod` router. `S` is the app state type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not give routes for a server with app state `{S}`",
    note = "a router declares its state with `#[router(state = {S})]`; routers without `state` run on servers without `.with_state(..)`, or are added after it"
)]
pub trait IntoRoutes<S> {
    /// The routes.
    fn into_routes(self) -> Routes<S>;
}

impl<S> IntoRoutes<S> for Routes<S> {
    fn into_routes(self) -> Routes<S> {
        self
    }
}

pub use fastsio_protocol::ServerEvent;

/// Compile-time string equality, for the duplicate-event assertions the router macros emit.
#[doc(hidden)]
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
