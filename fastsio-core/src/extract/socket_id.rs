//! [`SocketId`]: the id of the socket.

use crate::engine::Sid;
use crate::extract::from_socket;

/// The socket's id (also the name of its own room).
///
/// ```
/// use fastsio_core::{Io, Routes, extract::SocketId};
/// async fn poke(id: SocketId, io: Io) {
///     let _ = io.to(id).emit_raw("poked", &());
/// }
/// let routes: Routes = Routes::new("/").on("poke", poke);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketId(pub Sid);

impl std::ops::Deref for SocketId {
    type Target = Sid;
    fn deref(&self) -> &Sid {
        &self.0
    }
}

impl std::fmt::Display for SocketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl crate::room::IntoRooms for SocketId {
    fn into_rooms(self) -> Vec<crate::room::Room> {
        self.0.into_rooms()
    }
}

from_socket!(SocketId, |socket| SocketId(socket.id()));
