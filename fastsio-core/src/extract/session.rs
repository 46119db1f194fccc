//! [`Session`]: a typed value kept on the socket between events.

use crate::extract::{ExtractError, FromConnectParts, FromDisconnectParts, FromEventParts};
use crate::handler::{AckErrorBody, ConnectContext, DisconnectContext, EventContext};
use crate::socket::SocketRef;

/// A copy of the value of type `T` stored on this socket with
/// [`Socket::insert`](crate::Socket::insert) (each socket's own; no socket reads another's).
/// A handler asking for a session that was never stored gets a `session_missing` error.
///
/// ```
/// use fastsio_core::{Routes, SocketRef, extract::Session, handler::Ack};
/// #[derive(Clone)]
/// struct User(String);
/// async fn login(socket: SocketRef) {
///     socket.insert(User("ada".into()));
/// }
/// async fn whoami(Session(User(name)): Session<User>) -> Ack<String> {
///     Ack(name)
/// }
/// let routes: Routes = Routes::new("/").on_connect(login).on("whoami", whoami);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Session<T>(pub T);

fn read<T: Clone + Send + Sync + 'static>(socket: &SocketRef) -> Result<Session<T>, ExtractError> {
    socket.get::<T>().map(Session).ok_or_else(|| {
        ExtractError(AckErrorBody::new(
            "session_missing",
            format!("no {} in this socket's session", std::any::type_name::<T>()),
        ))
    })
}

impl<S, T: Clone + Send + Sync + 'static> FromEventParts<S> for Session<T> {
    fn from_event_parts(socket: &SocketRef, _: &EventContext, _: &S) -> Result<Self, ExtractError> {
        read(socket)
    }
}

impl<S, T: Clone + Send + Sync + 'static> FromConnectParts<S> for Session<T> {
    fn from_connect_parts(
        socket: &SocketRef,
        _: &ConnectContext,
        _: &S,
    ) -> Result<Self, ExtractError> {
        read(socket)
    }
}

impl<S, T: Clone + Send + Sync + 'static> FromDisconnectParts<S> for Session<T> {
    fn from_disconnect_parts(
        socket: &SocketRef,
        _: &DisconnectContext,
        _: &S,
    ) -> Result<Self, ExtractError> {
        read(socket)
    }
}
