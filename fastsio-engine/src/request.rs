//! [`RequestInfo`]: what the server keeps of a session's opening request, and the Engine.IO
//! query parameters.

use std::borrow::Cow;
use std::fmt::Write;
use std::net::SocketAddr;

use bytes::{BufMut, BytesMut};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

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
    /// What a session keeps of `req`: the URI and the header values are copied into one
    /// buffer of their own. hyper hands them out as slices of the connection's read buffer
    /// (8 KiB), which a session would otherwise keep alive for as long as it lives.
    pub(crate) fn detached<B>(req: &Request<B>, remote_addr: Option<SocketAddr>) -> Self {
        let values: usize = req.headers().values().map(|v| v.len()).sum();
        // The URI as written on the request line, plus room for a scheme and authority.
        let uri_len = req.uri().path_and_query().map_or(1, |p| p.as_str().len()) + 64;
        let mut buf = BytesMut::with_capacity(uri_len + values);
        // Writing into a `BytesMut` cannot fail.
        let _ = write!(buf, "{}", req.uri());
        let mut at = buf.len();
        for value in req.headers().values() {
            buf.put_slice(value.as_bytes());
        }
        let buf = buf.freeze();
        let uri = Uri::from_maybe_shared(buf.slice(..at)).unwrap_or_else(|_| req.uri().clone());
        let mut headers = HeaderMap::with_capacity(req.headers().len());
        for (name, value) in req.headers() {
            let copy = HeaderValue::from_maybe_shared(buf.slice(at..at + value.len()))
                .map(|mut copy| {
                    copy.set_sensitive(value.is_sensitive());
                    copy
                })
                .unwrap_or_else(|_| value.clone());
            at += value.len();
            headers.append(name.clone(), copy);
        }
        RequestInfo {
            method: req.method().clone(),
            uri,
            headers,
            remote_addr,
        }
    }

    /// The value of a query parameter, percent-decoded (`+` is a space, as in a form and in
    /// node's `handshake.query`); the first one when the name is repeated.
    ///
    /// ```
    /// # use fastsio_engine::RequestInfo;
    /// let info = RequestInfo {
    ///     method: http::Method::GET,
    ///     uri: "/socket.io/?EIO=4&name=J%C3%BCrgen+B&t=x".parse().unwrap(),
    ///     headers: http::HeaderMap::new(),
    ///     remote_addr: None,
    /// };
    /// assert_eq!(info.query_param("name").as_deref(), Some("Jürgen B"));
    /// assert_eq!(info.query_param("missing"), None);
    /// ```
    pub fn query_param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.query_params()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// Every query parameter, in order, names and values percent-decoded.
    pub fn query_params(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
    }
}

/// The address of the client of a connection, put in each request's extensions by the
/// standalone server so that handshakes can report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// The Engine.IO parameters of a request's query (`transport`, `EIO`, `sid`, `b64`), the first
/// value of each, raw (not percent-decoded: none of them has a character to escape). Read in one
/// pass over the query, since every polling request carries them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EngineParams<'a> {
    pub transport: Option<&'a str>,
    pub eio: Option<&'a str>,
    pub sid: Option<&'a str>,
    pub b64: bool,
}

impl<'a> EngineParams<'a> {
    /// The parameters of `query` (the part after `?`); a pair without `=` has the empty value.
    pub(crate) fn parse(query: Option<&'a str>) -> Self {
        let mut params = EngineParams::default();
        // The separators are found with a byte search each, not byte by byte.
        for pair in query.unwrap_or("").split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            params.take(key, value);
        }
        params
    }

    /// Keeps the pair `key=value` if it is one of ours and the first of its name.
    fn take(&mut self, key: &str, value: &'a str) {
        let slot = match key {
            "transport" => &mut self.transport,
            "EIO" => &mut self.eio,
            "sid" => &mut self.sid,
            "b64" => {
                self.b64 = true;
                return;
            }
            _ => return,
        };
        slot.get_or_insert(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_params() {
        let q = EngineParams::parse(Some("EIO=4&transport=polling&t=x&b64&sid=a&sid=b&EIO=3"));
        assert_eq!(q.eio, Some("4"));
        assert_eq!(q.transport, Some("polling"));
        assert_eq!(q.sid, Some("a"));
        assert!(q.b64);
        let q = EngineParams::parse(Some("transport&EIO=&x=transport=polling"));
        assert_eq!(q.transport, Some(""));
        assert_eq!(q.eio, Some(""));
        assert_eq!(q.sid, None);
        assert!(!q.b64);
        assert_eq!(EngineParams::parse(None), EngineParams::default());
    }

    #[test]
    fn detached_copy_keeps_uri_and_every_header() {
        let req = Request::get("/socket.io/?EIO=4&transport=websocket")
            .header("origin", "http://localhost")
            .header("x-token", "a")
            .header("x-token", "b")
            .header("cookie", "io=1")
            .body(())
            .unwrap();
        let info = RequestInfo::detached(&req, None);
        assert_eq!(info.uri, *req.uri());
        assert_eq!(info.headers, *req.headers());
        assert_eq!(info.query_param("transport").as_deref(), Some("websocket"));
        let tokens: Vec<_> = info.headers.get_all("x-token").iter().collect();
        assert_eq!(tokens, ["a", "b"]);
    }
}
