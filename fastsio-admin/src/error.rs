//! [`AdminError`]: options [`instrument`](crate::instrument) refuses.

/// Options that cannot work; [`instrument`](crate::instrument) says which.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdminError {
    /// [`AdminAuth::Basic`](crate::AdminAuth::Basic) with a password that is not a bcrypt
    /// hash (a plain password, say).
    InvalidPasswordHash,
    /// The namespace does not start with `/`.
    InvalidNamespace(String),
    /// A zero `stats_interval`, `max_sessions` or `max_concurrent_logins`.
    Zero(&'static str),
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminError::InvalidPasswordHash => {
                f.write_str("the admin password must be a bcrypt hash, not the password itself")
            }
            AdminError::InvalidNamespace(ns) => {
                write!(f, "the admin namespace {ns:?} must start with '/'")
            }
            AdminError::Zero(what) => write!(f, "the admin option `{what}` must not be zero"),
        }
    }
}

impl std::error::Error for AdminError {}
