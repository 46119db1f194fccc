//! [`Session`]: a typed value kept on the socket between events.

use crate::extract::{ExtractError, from_socket};
use crate::handler::AckErrorBody;
use crate::socket::SocketRef;

/// A copy of the value of type `T` stored on this socket with
/// [`Socket::insert`](crate::Socket::insert) (each socket's own; no socket reads another's).
/// A handler asking for a session that was never stored gets a `session_missing` error (the
/// type's name goes to the server's debug log, not to the client).
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
        // The type's name is for the server's log only: the client learns what is missing,
        // not how the server's code is organised.
        tracing::debug!(sid = %socket.id(), value = std::any::type_name::<T>(), "session value missing");
        ExtractError(AckErrorBody::new(
            "session_missing",
            "this socket's session lacks a value the handler needs (it is stored at connect or by an earlier event)",
        ))
    })
}

from_socket!(impl<T> for Session<T> where [T: Clone + Send + Sync + 'static], |socket, _| read(
    socket
));
