//! [`RequestInfo`]: what the server keeps of a session's opening request, and the Engine.IO
//! query parameters.

use std::net::SocketAddr;

use http::{HeaderMap, Method, Uri};

/// The opening HTTP request of a session: the Socket.IO handshake and the `allow_request` hook
/// read it.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The request method.
    pub method: Method,
    /// The full request URI, query included.
    pub uri: Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The peer address, when the server knows it: always with fastsio's `serve`; under axum
    /// with the `axum` feature and `into_make_service_with_connect_info::<SocketAddr>()`.
    pub remote_addr: Option<SocketAddr>,
}

impl RequestInfo {
    /// The value of a query parameter (not percent-decoded).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        query_param(self.uri.query(), name)
    }
}

/// The address of the client of a connection, put in each request's extensions by the
/// standalone server so that handshakes can report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

pub(crate) fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_params() {
        let q = Some("EIO=4&transport=polling&t=x&flag");
        assert_eq!(query_param(q, "EIO"), Some("4"));
        assert_eq!(query_param(q, "transport"), Some("polling"));
        assert_eq!(query_param(q, "flag"), Some(""));
        assert_eq!(query_param(q, "sid"), None);
        assert_eq!(query_param(None, "sid"), None);
    }
}
