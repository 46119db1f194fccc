//! [`Stop`]: why a subscriber task stopped listening.

use std::io;

/// Why a subscriber task stopped listening.
pub(crate) enum Stop {
    /// The adapter is gone: the task ends.
    Gone,
    /// A connection failed: the task reconnects.
    Failed(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Stop {
        Stop::Failed(e)
    }
}
