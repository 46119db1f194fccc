//! How this crate words its [`AdapterError`]s.

use fastsio::adapter::AdapterError;

/// An [`AdapterError`] saying it comes from Redis.
pub(crate) fn err(msg: impl std::fmt::Display) -> AdapterError {
    AdapterError(format!("redis: {msg}"))
}
