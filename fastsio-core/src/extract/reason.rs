//! [`Reason`]: why the socket disconnected.

use std::future::Future;

use crate::extract::{ExtractError, FromDisconnectParts};
use crate::handler::DisconnectContext;
use crate::reason::DisconnectReason;

/// Why the socket disconnected (disconnect handlers only).
///
/// ```
/// use fastsio_core::{Routes, extract::{Reason, SocketId}};
/// async fn gone(id: SocketId, Reason(reason): Reason) {
///     tracing::info!(%id, %reason, "disconnected");
/// }
/// let routes: Routes = Routes::new("/").on_disconnect(gone);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason(pub DisconnectReason);

impl<S> FromDisconnectParts<S> for Reason {
    fn from_disconnect_parts(
        cx: &mut DisconnectContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        std::future::ready(Ok(Reason(cx.reason)))
    }
}
