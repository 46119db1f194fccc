//! What the attribute macros generate against: [`EventRoute`], [`IntoRoutes`],
//! [`ServerEvent`].

use serde::Serialize;
use serde::de::DeserializeOwned;

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

#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a server event: its wire name is unknown",
    note = "derive it: `#[derive(Serialize, ServerEvent)] #[server_event(\"name\")]`, or emit untyped data with `emit_raw(\"name\", &value)`"
)]
/// An event the server sends, with its wire name bound to its payload type
/// (`#[derive(ServerEvent)]`): `socket.emit(&Joined { .. })` cannot misspell the name, and
/// `emit_with_ack` resolves to the declared reply type.
pub trait ServerEvent: Serialize {
    /// The wire name.
    const NAME: &'static str;
    /// What the client acknowledges with (`()` when nothing is expected).
    type Ack: DeserializeOwned;
}

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
