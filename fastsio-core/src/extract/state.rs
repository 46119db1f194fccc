//! [`State`] and [`FromRef`]: the app state, or a part of it, as a handler argument.

use crate::extract::from_socket;

/// A part `Self` of the app state `S` (a database pool, a config): `State<Self>` arguments
/// are built from it. Every `S: Clone` is a part of itself.
///
/// ```
/// use fastsio_core::extract::FromRef;
/// #[derive(Clone)]
/// struct AppState { db: Db }
/// #[derive(Clone)]
/// struct Db;
/// impl FromRef<AppState> for Db {
///     fn from_ref(state: &AppState) -> Db { state.db.clone() }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`State<{Self}>` cannot be read from the app state `{S}`",
    note = "give the server a state with `.with_state(..)` and implement `FromRef<{S}> for {Self}` (or use `State<{S}>` itself)"
)]
pub trait FromRef<S> {
    /// Takes the part out of the state.
    fn from_ref(state: &S) -> Self;
}

impl<T: Clone> FromRef<T> for T {
    fn from_ref(state: &T) -> T {
        state.clone()
    }
}

/// The app state, or a part of it (`T: FromRef<S>`, checked at compile time).
///
/// ```
/// use fastsio_core::{Server, Routes, extract::State, handler::Ack};
/// #[derive(Clone)]
/// struct AppState { motd: String }
/// async fn motd(State(state): State<AppState>) -> Ack<String> {
///     Ack(state.motd)
/// }
/// let io = Server::builder()
///     .routes(Routes::new("/").on("motd", motd))
///     .with_state(AppState { motd: "hi".into() })
///     .build();
/// # let _ = io;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

from_socket!(impl<T> for State<T> where [T: FromRef<S> + Send + 'static], |_socket, state| Ok(
    State(T::from_ref(state))
));
