//! [`Handshake`]: the request that opened the connection.

use std::sync::Arc;

use crate::engine::RequestInfo;
use crate::extract::from_socket;

/// The opening HTTP request of the connection: method, URI (with the query), headers, remote
/// address.
///
/// ```
/// use fastsio_core::{Routes, extract::Handshake, handler::Ack};
/// async fn agent(hs: Handshake) -> Ack<Option<String>> {
///     Ack(hs.headers.get("user-agent").and_then(|v| v.to_str().ok()).map(String::from))
/// }
/// let routes: Routes = Routes::new("/").on("agent", agent);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone)]
pub struct Handshake(pub Arc<RequestInfo>);

impl std::ops::Deref for Handshake {
    type Target = RequestInfo;
    fn deref(&self) -> &RequestInfo {
        &self.0
    }
}

from_socket!(Handshake, |socket| Handshake(socket.request()));
