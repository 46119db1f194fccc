//! The first request head of a connection, read off its TCP stream by the engine itself: what
//! lets [`serve_engine`](crate::service::serve_engine) answer a WebSocket handshake without
//! hyper.

use std::ops::Range;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, Version};
use http_body_util::Empty;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The most bytes read for a first request head; a head that does not fit is left to hyper.
pub(crate) const HEAD_LIMIT: usize = 8 * 1024;

/// The bytes first read for a head; doubled as long as a longer head needs, up to
/// [`HEAD_LIMIT`].
const HEAD_START: usize = 1024;

/// The most headers a request read here may have; one with more is left to hyper.
const MAX_HEADERS: usize = 32;

/// What the first bytes of a connection turned out to be.
#[expect(
    clippy::large_enum_variant,
    reason = "returned once per connection and taken apart at once"
)]
pub(crate) enum Head {
    /// A WebSocket handshake (a `GET` over HTTP/1.1 with `Upgrade: websocket` and no body):
    /// the request, whose URI and header values share a copy of its head of the head's size
    /// (what a session keeps of them, see [`RequestInfo`](crate::RequestInfo)), and every byte
    /// read, the first `len` of them its head.
    WebSocket {
        request: Request<Empty<Bytes>>,
        read: Bytes,
        len: usize,
    },
    /// Anything else (another request, a head too large or malformed, a connection that ended
    /// or failed mid-head): the bytes read, for hyper to read again.
    Other(Bytes),
    /// The connection ended, or failed, before its first byte.
    Closed,
}

/// Reads the first request head off `stream`: until it is complete, [`HEAD_LIMIT`] bytes are
/// read, or the stream ends.
pub(crate) async fn read(stream: &mut TcpStream) -> Head {
    let mut buf = BytesMut::with_capacity(HEAD_START);
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.len());
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) if buf.is_empty() => return Head::Closed,
            Ok(0) | Err(_) => return Head::Other(buf.freeze()),
            Ok(_) => {}
        }
        match parse(&buf) {
            Parsed::Partial if buf.len() < HEAD_LIMIT => {}
            Parsed::WebSocket(spans) => return websocket(buf.freeze(), &spans),
            Parsed::Partial | Parsed::Other => return Head::Other(buf.freeze()),
        }
    }
}

/// A complete WebSocket head, as positions in the bytes read.
struct Spans {
    len: usize,
    path: Range<usize>,
    /// Name and value of each header; the first `count` are set.
    headers: [(Range<usize>, Range<usize>); MAX_HEADERS],
    count: usize,
}

#[expect(
    clippy::large_enum_variant,
    reason = "returned by the parse and taken apart at once, never held across an await"
)]
enum Parsed {
    Partial,
    WebSocket(Spans),
    Other,
}

fn parse(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Other,
    };
    if req.method != Some("GET") || req.version != Some(1) {
        return Parsed::Other;
    }
    let Some(path) = req.path else {
        return Parsed::Other;
    };
    let span = |part: &[u8]| {
        let start = part.as_ptr() as usize - buf.as_ptr() as usize;
        start..start + part.len()
    };
    let mut spans = Spans {
        len,
        path: span(path.as_bytes()),
        headers: std::array::from_fn(|_| (0..0, 0..0)),
        count: req.headers.len(),
    };
    let mut upgrade = None;
    for (header, slot) in req.headers.iter().zip(spans.headers.iter_mut()) {
        let name = header.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length")
            || name.eq_ignore_ascii_case(b"transfer-encoding")
        {
            return Parsed::Other;
        }
        if upgrade.is_none() && name.eq_ignore_ascii_case(b"upgrade") {
            upgrade = Some(header.value.eq_ignore_ascii_case(b"websocket"));
        }
        *slot = (span(name), span(header.value));
    }
    match upgrade {
        Some(true) => Parsed::WebSocket(spans),
        _ => Parsed::Other,
    }
}

/// The request of a WebSocket head; its URI and header values share a copy of the head.
fn websocket(read: Bytes, spans: &Spans) -> Head {
    let head = Bytes::copy_from_slice(&read[..spans.len]);
    let Ok(uri) = Uri::from_maybe_shared(head.slice(spans.path.clone())) else {
        return Head::Other(read);
    };
    let mut headers = HeaderMap::with_capacity(spans.count);
    for (name, value) in &spans.headers[..spans.count] {
        let name = HeaderName::from_bytes(&head[name.clone()]);
        let value = HeaderValue::from_maybe_shared(head.slice(value.clone()));
        let (Ok(name), Ok(value)) = (name, value) else {
            return Head::Other(read);
        };
        headers.append(name, value);
    }
    let mut request = Request::new(Empty::new());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    *request.headers_mut() = headers;
    Head::WebSocket {
        request,
        len: spans.len,
        read,
    }
}
