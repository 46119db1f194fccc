//! [`Io`](crate::Io) as a handler argument.

use crate::extract::{ExtractError, from_socket};
use crate::handler::AckErrorBody;
use crate::server::Io;

from_socket!(impl<> for Io where [], |socket, _| socket
    .io()
    .ok_or_else(|| ExtractError(AckErrorBody::new("internal", "the server is shutting down"))));
