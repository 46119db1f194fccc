//! [`Auth`]: the client's auth payload, typed.

use std::future::Future;

use serde::de::DeserializeOwned;

use crate::extract::error::from_json;
use crate::extract::{ExtractError, FromConnectParts};
use crate::handler::ConnectContext;

/// The auth payload the client sent with CONNECT, deserialised into `T` (connect handlers
/// only). A payload that does not fit refuses the connection with a message saying what is
/// expected: `auth is required: missing field `token`` when the client sent none, `invalid
/// auth: token: invalid type: integer `5`, expected a string` when it sent a wrong one.
///
/// ```
/// use fastsio_core::{ConnectError, Routes, extract::Auth};
/// #[derive(serde::Deserialize)]
/// struct Token { token: String }
/// async fn check(Auth(t): Auth<Token>) -> Result<(), ConnectError> {
///     if t.token == "secret" { Ok(()) } else { Err(ConnectError::new("bad token")) }
/// }
/// let routes: Routes = Routes::new("/").on_connect(check);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth<T>(pub T);

impl<T: DeserializeOwned> Auth<T> {
    /// Reads the auth payload of a connect request.
    pub(crate) fn read(cx: &ConnectContext) -> Result<Self, ExtractError> {
        from_json("auth", &cx.auth).map(Auth).map_err(|mut e| {
            if is_empty(&cx.auth) {
                e.0.message = e.0.message.replacen("invalid auth", "auth is required", 1);
            }
            e
        })
    }
}

/// Whether the client sent no auth at all (`{}` is what a client without `auth` sends).
fn is_empty(auth: &str) -> bool {
    matches!(auth.trim(), "" | "{}" | "null")
}

impl<T: DeserializeOwned + Send + 'static, S> FromConnectParts<S> for Auth<T> {
    fn from_connect_parts(
        cx: &mut ConnectContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        std::future::ready(Self::read(cx))
    }
}
