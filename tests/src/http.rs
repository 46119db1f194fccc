//! A raw HTTP client for long-polling tests: status, headers and body exactly as sent.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// What the server answered.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl HttpReply {
    /// The body as text (panics if it is not UTF-8).
    #[track_caller]
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    /// The body parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// Sends one request to `url` (a full `http://127.0.0.1:PORT/...` URL).
pub async fn request(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> HttpReply {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = client
        .request(req.body(Full::new(body.into())).expect("valid request"))
        .await
        .expect("request sent");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.expect("body read").to_bytes();
    HttpReply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// `GET url`.
pub async fn get(url: &str) -> HttpReply {
    request(Method::GET, url, &[], Bytes::new()).await
}

/// `POST url` with a text body.
pub async fn post(url: &str, body: impl Into<Bytes>) -> HttpReply {
    request(Method::POST, url, &[], body).await
}
