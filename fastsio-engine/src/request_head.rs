//! Request heads read off a TCP stream by the engine itself: what lets
//! [`serve_engine`](crate::service::serve_engine) answer a WebSocket handshake, and the
//! long-polling requests of a connection, without hyper.

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, Version};
use http_body_util::Empty;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The most bytes read for a request head; a head that does not fit is left to hyper.
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
    /// A plain request (see [`Parsed::Plain`]): every byte read, the request at their start.
    Plain(BytesMut),
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
    let mut spans = Spans::new();
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.len());
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) if buf.is_empty() => return Head::Closed,
            Ok(0) | Err(_) => return Head::Other(buf.freeze()),
            Ok(_) => {}
        }
        match parse(&buf, &mut spans) {
            Parsed::Partial if buf.len() < HEAD_LIMIT => {}
            Parsed::WebSocket => return websocket(buf.freeze(), &spans),
            Parsed::Plain { .. } => return Head::Plain(buf),
            Parsed::Partial | Parsed::Other => return Head::Other(buf.freeze()),
        }
    }
}

/// Where the parts of a head are, in the bytes it was parsed from: offsets below
/// [`HEAD_LIMIT`], so two bytes each.
pub(crate) struct Spans {
    /// The head's length, its blank line included.
    pub(crate) len: usize,
    method: Method,
    path: (u16, u16),
    /// Name and value of each header (start and end of each); the first `count` are set.
    headers: [[u16; 4]; MAX_HEADERS],
    count: usize,
}

impl Spans {
    pub(crate) fn new() -> Self {
        Spans {
            len: 0,
            method: Method::GET,
            path: (0, 0),
            headers: [[0; 4]; MAX_HEADERS],
            count: 0,
        }
    }

    /// The request target (path and query).
    pub(crate) fn path<'a>(&self, head: &'a [u8]) -> &'a [u8] {
        &head[usize::from(self.path.0)..usize::from(self.path.1)]
    }
}

/// What the bytes at the start of a buffer hold; the parts of a whole head are in the
/// [`Spans`] the parse was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// Not a whole head yet.
    Partial,
    /// A WebSocket handshake.
    WebSocket,
    /// A `GET` or `POST` over HTTP/1.1 with no upgrade, no `Transfer-Encoding`, no `Expect`,
    /// and at most one `Content-Length`: a body of `body` bytes follows the head; `close` when
    /// the client asked for the connection to be closed after the answer.
    Plain { body: usize, close: bool },
    /// A request hyper serves (or refuses): another method or version, a head over
    /// [`HEAD_LIMIT`], a malformed one.
    Other,
}

/// Parses the head at the start of `buf` into `spans`.
pub(crate) fn parse(buf: &[u8], spans: &mut Spans) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= HEAD_LIMIT => len,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Ok(httparse::Status::Complete(_)) | Err(_) => return Parsed::Other,
    };
    spans.method = match req.method {
        Some("GET") => Method::GET,
        Some("POST") => Method::POST,
        _ => return Parsed::Other,
    };
    let (Some(path), Some(1)) = (req.path, req.version) else {
        return Parsed::Other;
    };
    // Every part lies within the first `len <= HEAD_LIMIT` bytes: its offsets fit in a u16.
    let span = |part: &[u8]| {
        let start = part.as_ptr() as usize - buf.as_ptr() as usize;
        (start as u16, (start + part.len()) as u16)
    };
    spans.len = len;
    spans.path = span(path.as_bytes());
    spans.count = req.headers.len();
    let mut upgrade = None;
    let mut body = None;
    let mut close = false;
    for (header, slot) in req.headers.iter().zip(spans.headers.iter_mut()) {
        let name = header.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            if body.is_some() {
                return Parsed::Other;
            }
            let Some(len) = content_length(header.value) else {
                return Parsed::Other;
            };
            body = Some(len);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || name.eq_ignore_ascii_case(b"expect")
        {
            return Parsed::Other;
        } else if upgrade.is_none() && name.eq_ignore_ascii_case(b"upgrade") {
            upgrade = Some(header.value.eq_ignore_ascii_case(b"websocket"));
        } else if name.eq_ignore_ascii_case(b"connection") {
            close |= has_token(header.value, b"close");
        }
        let (name, value) = (span(name), span(header.value));
        *slot = [name.0, name.1, value.0, value.1];
    }
    match (upgrade, body) {
        (Some(true), None) if spans.method == Method::GET => Parsed::WebSocket,
        (None, body) => Parsed::Plain {
            body: body.unwrap_or(0),
            close,
        },
        _ => Parsed::Other,
    }
}

/// A `Content-Length` value: decimal digits only, as hyper takes it.
fn content_length(value: &[u8]) -> Option<usize> {
    if value.is_empty() || value.len() > 12 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    value.iter().try_fold(0usize, |n, d| {
        n.checked_mul(10)?.checked_add(usize::from(d - b'0'))
    })
}

/// Whether a comma-separated header value holds `token` (case-insensitive).
fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|part| part.trim_ascii().eq_ignore_ascii_case(token))
}

/// The request of a head: `head` starts with the head `spans` describes, and its URI and header
/// values are slices of it.
pub(crate) fn request<B>(head: &Bytes, spans: &Spans, body: B) -> Option<Request<B>> {
    let slice = |(start, end): (u16, u16)| head.slice(usize::from(start)..usize::from(end));
    let uri = Uri::from_maybe_shared(slice(spans.path)).ok()?;
    let mut headers = HeaderMap::with_capacity(spans.count);
    for &[name_start, name_end, value_start, value_end] in &spans.headers[..spans.count] {
        let name = &head[usize::from(name_start)..usize::from(name_end)];
        let name = HeaderName::from_bytes(name).ok()?;
        let value = HeaderValue::from_maybe_shared(slice((value_start, value_end))).ok()?;
        headers.append(name, value);
    }
    let mut request = Request::new(body);
    *request.method_mut() = spans.method.clone();
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    *request.headers_mut() = headers;
    Some(request)
}

/// The request of a WebSocket head; its URI and header values share a copy of the head.
fn websocket(read: Bytes, spans: &Spans) -> Head {
    let head = Bytes::copy_from_slice(&read[..spans.len]);
    match request(&head, spans, Empty::new()) {
        Some(request) => Head::WebSocket {
            request,
            len: spans.len,
            read,
        },
        None => Head::Other(read),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(head: &str) -> Parsed {
        parse(head.as_bytes(), &mut Spans::new())
    }

    fn plain(head: &str) -> Option<(usize, bool)> {
        match parsed(head) {
            Parsed::Plain { body, close } => Some((body, close)),
            _ => None,
        }
    }

    #[test]
    fn sorts_requests_into_websocket_plain_and_other() {
        let ws = "GET /e/ HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n";
        assert_eq!(parsed(ws), Parsed::WebSocket);
        assert_eq!(
            plain("GET /e/ HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some((0, false))
        );
        assert_eq!(
            plain(
                "POST /e/ HTTP/1.1\r\nContent-Length: 12\r\nConnection: keep-alive, Close\r\n\r\n"
            ),
            Some((12, true))
        );
        for other in [
            "POST /e/ HTTP/1.0\r\nContent-Length: 1\r\n\r\n",
            "PUT /e/ HTTP/1.1\r\n\r\n",
            "OPTIONS /e/ HTTP/1.1\r\n\r\n",
            "POST /e/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST /e/ HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
            "POST /e/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "POST /e/ HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
            "POST /e/ HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n",
            "GET /e/ HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
            "GET /e/ HTTP/1.1\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n",
        ] {
            assert_eq!(parsed(other), Parsed::Other, "{other}");
        }
        assert_eq!(parsed("GET /e/ HTTP/1.1\r\nHost"), Parsed::Partial);
        let long = format!("GET /e/ HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(HEAD_LIMIT));
        assert_eq!(parsed(&long), Parsed::Other);
    }

    #[test]
    fn builds_the_request_from_the_head() {
        let head = Bytes::from_static(
            b"POST /e/?EIO=4&sid=a HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 2\r\n\r\nhi",
        );
        let mut spans = Spans::new();
        let Parsed::Plain { body, .. } = parse(&head, &mut spans) else {
            panic!("a plain request");
        };
        assert_eq!(&head[spans.len..spans.len + body], b"hi");
        let req = request(&head, &spans, ()).expect("a valid request");
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.uri().query(), Some("EIO=4&sid=a"));
        let values: Vec<_> = req.headers().get_all("x-a").iter().collect();
        assert_eq!(values, ["1", "2"]);
    }
}
