//! [`Endpoint`]: where the Engine.IO server is, and the URLs of each transport.

use http::Uri;

use super::dial::Dialer;
use crate::error::EngineError;

/// The server's address, Engine.IO path and extra query, parsed once from the URL.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// `host:port`, for TCP and the `Host` header.
    pub authority: String,
    /// The Engine.IO path, with a trailing `/` (`/socket.io/`).
    pub path: String,
    /// The user's query parameters, encoded (`a=1&b=2`), possibly empty.
    pub query: String,
    /// How to open a stream to it (TLS included for `https`/`wss`).
    pub dialer: Dialer,
}

impl Endpoint {
    /// Whether `url` is `https://` or `wss://`.
    pub fn is_secure(url: &Uri) -> bool {
        matches!(url.scheme_str(), Some("https" | "wss"))
    }

    /// Parses `url` (`http(s)://`, `ws(s)://`; the path is not used here: it names the
    /// namespace). `dialer` must do TLS when the URL [`is_secure`](Self::is_secure).
    pub fn parse(
        url: &Uri,
        path: &str,
        query: &[(String, String)],
        dialer: Dialer,
    ) -> Result<Self, EngineError> {
        let invalid = || EngineError::InvalidUrl(url.to_string());
        let default_port = match url.scheme_str() {
            Some("http" | "ws") => 80,
            Some("https" | "wss") => 443,
            _ => return Err(invalid()),
        };
        let host = url.host().ok_or_else(invalid)?;
        let port = url.port_u16().unwrap_or(default_port);
        let mut path = path.to_string();
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        if !path.ends_with('/') {
            path.push('/');
        }
        let mut encoded = String::new();
        for (k, v) in query {
            encoded.push('&');
            encode_component(k, &mut encoded);
            encoded.push('=');
            encode_component(v, &mut encoded);
        }
        Ok(Endpoint {
            authority: format!("{host}:{port}"),
            path,
            query: encoded,
            dialer,
        })
    }

    /// The request target of a transport: `/socket.io/?EIO=4&transport=..[&sid=..]&..`.
    pub fn target(&self, transport: &str, sid: Option<&str>) -> String {
        let mut t = format!("{}?EIO=4&transport={transport}", self.path);
        if let Some(sid) = sid {
            t.push_str("&sid=");
            encode_component(sid, &mut t);
        }
        t.push_str(&self.query);
        t
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
fn encode_component(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_transport_targets() {
        let url: Uri = "http://127.0.0.1:3000/chat".parse().unwrap();
        let query = [("token".to_string(), "a b&c".to_string())];
        let e = Endpoint::parse(&url, "custom", &query, Dialer::tcp()).unwrap();
        assert_eq!(e.authority, "127.0.0.1:3000");
        assert_eq!(
            e.target("polling", Some("x+y")),
            "/custom/?EIO=4&transport=polling&sid=x%2By&token=a%20b%26c"
        );
        assert!(Endpoint::parse(&"ftp://h/".parse().unwrap(), "/", &[], Dialer::tcp()).is_err());
    }
}
