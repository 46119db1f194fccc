//! [`Auth`]: the client's auth payload, typed.

use serde::de::DeserializeOwned;

use crate::extract::{ExtractError, FromConnectParts};
use crate::handler::ConnectContext;
use crate::socket::SocketRef;

/// The auth payload the client sent with CONNECT, deserialised into `T` (connect handlers
/// only). A payload that does not fit refuses the connection.
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

impl<T: DeserializeOwned + Send + 'static, S> FromConnectParts<S> for Auth<T> {
    fn from_connect_parts(_: &SocketRef, cx: &ConnectContext, _: &S) -> Result<Self, ExtractError> {
        serde_json::from_str(&cx.auth)
            .map(Auth)
            .map_err(ExtractError::payload)
    }
}
