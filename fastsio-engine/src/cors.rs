//! [`CorsConfig`]: cross-origin access to the engine's HTTP long-polling, closed until
//! configured (like node socket.io's `cors` option).
//!
//! The header logic is small and written out here rather than borrowed from tower-http's
//! `CorsLayer`: that layer answers every `OPTIONS` with 200, and sends
//! `Access-Control-Allow-Methods`/`-Credentials`/`-Max-Age` even to origins it refuses, while the
//! engine wants 204 preflights and no CORS headers at all for a refused origin.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;

use super::EngineBody;

/// The methods the engine answers, as sent in `Access-Control-Allow-Methods`.
const ALLOWED_METHODS: &str = "GET, POST, OPTIONS";

/// Which origins may reach the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AllowedOrigins {
    Any,
    List(Vec<String>),
}

/// Cross-origin resource sharing for the engine's path: which browser origins may use HTTP
/// long-polling. Off by default ([`EngineConfig::cors`](super::EngineConfig::cors) is `None`):
/// no CORS headers are sent and browsers only reach the engine from its own origin.
///
/// An allowed origin's preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`)
/// is answered `204` with `Access-Control-Allow-Origin`, `-Methods` (`GET, POST, OPTIONS`),
/// `-Headers` (the configured list, or the requested headers mirrored), `-Credentials` when on,
/// `-Max-Age` when set, and `Vary: Origin`; its `GET`/`POST` responses, errors included, carry
/// `Access-Control-Allow-Origin` (and `-Credentials`). A refused origin gets no
/// `Access-Control-*` header, so the browser blocks it. WebSocket upgrades are not affected
/// (browsers do not apply CORS to WebSocket; check `Origin` in
/// [`allow_request`](super::EngineConfig::allow_request) for that).
///
/// ```
/// use std::time::Duration;
/// use fastsio_engine::{CorsConfig, EngineConfig};
///
/// let cors = CorsConfig::origins(["https://app.example", "http://localhost:5173"])
///     .credentials(true)
///     .allowed_headers(["authorization", "x-request-id"])
///     .max_age(Duration::from_secs(600));
/// assert!(cors.allows_origin("https://app.example"));
/// assert!(!cors.allows_origin("https://evil.example"));
/// assert!(CorsConfig::any().allows_origin("https://anywhere.example"));
///
/// let mut config = EngineConfig::default();
/// config.cors = Some(cors);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    origins: AllowedOrigins,
    credentials: bool,
    allowed_headers: Option<HeaderValue>,
    max_age: Option<Duration>,
}

impl CorsConfig {
    /// Every origin is allowed: `Access-Control-Allow-Origin: *`, or the request's own origin
    /// mirrored once [`credentials`](Self::credentials) are on (browsers refuse `*` with
    /// credentials).
    pub fn any() -> Self {
        CorsConfig {
            origins: AllowedOrigins::Any,
            credentials: false,
            allowed_headers: None,
            max_age: None,
        }
    }

    /// Only these origins are allowed, each compared exactly with the request's `Origin`
    /// header: scheme, host and port as the browser sends them (`https://app.example`,
    /// `http://localhost:5173`; no path, no trailing slash).
    pub fn origins<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CorsConfig {
            origins: AllowedOrigins::List(origins.into_iter().map(Into::into).collect()),
            credentials: false,
            allowed_headers: None,
            max_age: None,
        }
    }

    /// Whether browsers may send cookies and HTTP authentication
    /// (`Access-Control-Allow-Credentials: true`; default false).
    pub fn credentials(mut self, on: bool) -> Self {
        self.credentials = on;
        self
    }

    /// The request headers a preflight allows (`Access-Control-Allow-Headers`). Without this,
    /// the headers the preflight asks for (`Access-Control-Request-Headers`) are allowed.
    ///
    /// # Panics
    ///
    /// If a name is not a valid HTTP header name.
    pub fn allowed_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> = headers
            .into_iter()
            .map(|h| {
                let h = h.as_ref();
                HeaderName::from_bytes(h.as_bytes())
                    .unwrap_or_else(|_| panic!("CorsConfig: invalid header name {h:?}"))
                    .as_str()
                    .to_owned()
            })
            .collect();
        let joined = HeaderValue::from_str(&names.join(", "))
            .expect("header names joined by commas are a valid header value");
        self.allowed_headers = Some(joined);
        self
    }

    /// How long browsers may cache a preflight answer (`Access-Control-Max-Age`, whole seconds;
    /// default: not sent, the browser's own default applies).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Whether requests from `origin` (an `Origin` header value) are allowed.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allows(origin.as_bytes())
    }

    fn allows(&self, origin: &[u8]) -> bool {
        match &self.origins {
            AllowedOrigins::Any => true,
            AllowedOrigins::List(list) => list.iter().any(|o| o.as_bytes() == origin),
        }
    }

    /// Whether the answer depends on the request's origin (anything but a plain `*`).
    fn varies_by_origin(&self) -> bool {
        self.credentials || self.origins != AllowedOrigins::Any
    }

    /// `Access-Control-Allow-Origin` (+ `-Credentials`) for an allowed origin.
    fn allow_origin_headers(&self, origin: &HeaderValue, out: &mut HeaderMap) {
        let value = if self.varies_by_origin() {
            origin.clone()
        } else {
            HeaderValue::from_static("*")
        };
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        if self.credentials {
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`), or `None` when `req` is not one (it then goes to the
    /// engine as usual).
    pub(crate) fn preflight<B>(&self, req: &Request<B>) -> Option<Response<EngineBody>> {
        if req.method() != Method::OPTIONS
            || !req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return None;
        }
        let origin = req.headers().get(header::ORIGIN)?;
        let mut res = Response::new(Full::new(Bytes::new()));
        *res.status_mut() = StatusCode::NO_CONTENT;
        let headers = res.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if !self.allows(origin.as_bytes()) {
            return Some(res);
        }
        self.allow_origin_headers(origin, headers);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        let allowed_headers = self
            .allowed_headers
            .as_ref()
            .or_else(|| req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS));
        if let Some(allowed) = allowed_headers {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allowed.clone());
            if self.allowed_headers.is_none() {
                headers.append(
                    header::VARY,
                    HeaderValue::from_static("Access-Control-Request-Headers"),
                );
            }
        }
        if let Some(max_age) = self.max_age {
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from(max_age.as_secs()),
            );
        }
        Some(res)
    }

    /// The headers to add to the engine's answer to `req` (a non-preflight request), computed
    /// before the request is consumed. Empty for WebSocket upgrades and requests without
    /// `Origin`; only `Vary: Origin` for a refused origin.
    pub(crate) fn response_headers<B>(&self, req: &Request<B>) -> HeaderMap {
        let mut out = HeaderMap::new();
        let is_ws_upgrade = req
            .headers()
            .get(header::UPGRADE)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
        if is_ws_upgrade {
            return out;
        }
        if self.varies_by_origin() {
            out.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        if let Some(origin) = req.headers().get(header::ORIGIN)
            && self.allows(origin.as_bytes())
        {
            self.allow_origin_headers(origin, &mut out);
        }
        out
    }
}

/// Adds `cors` headers to an engine response (appending to `Vary`, replacing the others).
pub(crate) fn apply(res: &mut Response<EngineBody>, cors: HeaderMap) {
    let headers = res.headers_mut();
    for (name, value) in cors {
        let Some(name) = name else { continue };
        if name == header::VARY {
            headers.append(name, value);
        } else {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, headers: &[(&str, &str)]) -> Request<()> {
        let mut b = Request::builder()
            .method(method)
            .uri("/engine.io/?EIO=4&transport=polling");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn options_without_request_method_is_not_a_preflight() {
        let cors = CorsConfig::any();
        let r = req(Method::OPTIONS, &[("origin", "https://a.example")]);
        assert!(cors.preflight(&r).is_none());
        let r = req(Method::OPTIONS, &[("access-control-request-method", "GET")]);
        assert!(cors.preflight(&r).is_none());
    }

    #[test]
    fn allowed_headers_list_is_validated_and_joined() {
        let cors = CorsConfig::any().allowed_headers(["Authorization", "x-id"]);
        assert_eq!(
            cors.allowed_headers.unwrap(),
            HeaderValue::from_static("authorization, x-id")
        );
    }

    #[test]
    #[should_panic(expected = "invalid header name")]
    fn invalid_header_name_panics() {
        let _ = CorsConfig::any().allowed_headers(["bad name"]);
    }

    #[test]
    fn websocket_upgrades_get_nothing() {
        let cors = CorsConfig::any().credentials(true);
        let r = req(
            Method::GET,
            &[("origin", "https://a.example"), ("upgrade", "websocket")],
        );
        assert!(cors.response_headers(&r).is_empty());
    }

    #[test]
    fn plain_any_does_not_vary() {
        let cors = CorsConfig::any();
        let h = cors.response_headers(&req(Method::GET, &[("origin", "https://a.example")]));
        assert_eq!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");
        assert!(h.get(header::VARY).is_none());
        assert!(h.get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
    }
}
