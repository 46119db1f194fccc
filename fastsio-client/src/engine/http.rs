//! [`HttpConn`]: one keep-alive HTTP/1.1 connection to the server, reopened when it closes.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

use super::Endpoint;
use crate::error::EngineError;

/// A connection for one request at a time (polling uses one for GETs and one for POSTs).
pub(crate) struct HttpConn {
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl HttpConn {
    /// Not connected yet: the first request connects.
    pub fn new() -> Self {
        HttpConn { sender: None }
    }

    /// Sends a request and reads the whole body, at most `max_body` bytes.
    pub async fn request(
        &mut self,
        endpoint: &Endpoint,
        headers: &HeaderMap,
        method: Method,
        target: &str,
        body: Bytes,
        max_body: usize,
    ) -> Result<Bytes, EngineError> {
        let sender = match self.sender.take() {
            Some(s) if !s.is_closed() => self.sender.insert(s),
            _ => self.sender.insert(connect(endpoint).await?),
        };
        sender
            .ready()
            .await
            .map_err(|e| EngineError::Io(e.to_string()))?;
        let mut req = Request::builder()
            .method(method)
            .uri(target)
            .header(header::HOST, &endpoint.authority);
        if !body.is_empty() {
            req = req.header(header::CONTENT_TYPE, "text/plain;charset=UTF-8");
        }
        let mut req = req
            .body(Full::new(body))
            .map_err(|e| EngineError::InvalidUrl(e.to_string()))?;
        for (k, v) in headers {
            req.headers_mut().append(k, v.clone());
        }
        let response = sender.send_request(req).await.map_err(|e| {
            self.sender = None;
            EngineError::Io(e.to_string())
        })?;
        let status = response.status();
        let body = Limited::new(response.into_body(), max_body)
            .collect()
            .await
            .map_err(|e| {
                self.sender = None;
                if e.is::<http_body_util::LengthLimitError>() {
                    EngineError::TooLarge(max_body)
                } else {
                    EngineError::Io(e.to_string())
                }
            })?
            .to_bytes();
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body[..body.len().min(256)]).into_owned();
            return Err(EngineError::Status(status.as_u16(), text));
        }
        Ok(body)
    }
}

async fn connect(endpoint: &Endpoint) -> Result<SendRequest<Full<Bytes>>, EngineError> {
    let stream = endpoint.dialer.dial(&endpoint.authority).await?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| EngineError::Io(e.to_string()))?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "polling connection closed");
        }
    });
    Ok(sender)
}
