//! [`SocketId`]: the id of the socket.

use crate::engine::Sid;
use crate::extract::from_socket;

/// The socket's id (also the name of its own room).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketId(pub Sid);

impl std::ops::Deref for SocketId {
    type Target = Sid;
    fn deref(&self) -> &Sid {
        &self.0
    }
}

from_socket!(SocketId, |socket| SocketId(socket.id()));
