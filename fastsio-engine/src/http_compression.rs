//! [`HttpCompression`]: gzip or deflate bodies for polling responses, chosen from the
//! request's `Accept-Encoding`.

use std::io::Write;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use http::{HeaderMap, HeaderValue, header};

/// HTTP compression of polling responses, like node's `httpCompression` option: a response
/// body of at least `threshold` bytes is sent gzip- or deflate-encoded when the request's
/// `Accept-Encoding` allows it (gzip preferred). On by default.
///
/// ```
/// use fastsio_engine::{EngineConfig, HttpCompression};
/// let mut config = EngineConfig::default();
/// assert_eq!(config.http_compression, Some(HttpCompression { threshold: 1024 }));
/// config.http_compression = None; // never compress
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpCompression {
    /// Bodies smaller than this many bytes go out as they are (default 1024).
    pub threshold: usize,
}

impl Default for HttpCompression {
    fn default() -> Self {
        HttpCompression { threshold: 1024 }
    }
}

/// A content coding the server can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Gzip,
    Deflate,
}

impl Encoding {
    /// The coding `Accept-Encoding` allows, gzip first; none when the header is absent or
    /// refuses both (`q=0`).
    pub(crate) fn negotiate(headers: &HeaderMap) -> Option<Encoding> {
        let (mut gzip, mut deflate, mut any) = (None, None, None);
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                let accepted = parts.all(|param| !is_zero_quality(param));
                let slot = if name.eq_ignore_ascii_case("gzip") {
                    &mut gzip
                } else if name.eq_ignore_ascii_case("deflate") {
                    &mut deflate
                } else if name == "*" {
                    &mut any
                } else {
                    continue;
                };
                *slot = Some(accepted);
            }
        }
        let any = any.unwrap_or(false);
        if gzip.unwrap_or(any) {
            Some(Encoding::Gzip)
        } else if deflate.unwrap_or(any) {
            Some(Encoding::Deflate)
        } else {
            None
        }
    }

    fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        })
    }

    fn encode(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        let out = Vec::with_capacity(body.len() / 2);
        match self {
            Encoding::Gzip => {
                let mut encoder = GzEncoder::new(out, Compression::default());
                encoder.write_all(body)?;
                encoder.finish()
            }
            Encoding::Deflate => {
                let mut encoder = ZlibEncoder::new(out, Compression::default());
                encoder.write_all(body)?;
                encoder.finish()
            }
        }
    }
}

fn is_zero_quality(param: &str) -> bool {
    let Some((key, value)) = param.split_once('=') else {
        return false;
    };
    key.trim().eq_ignore_ascii_case("q") && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
}

impl HttpCompression {
    /// `body`, compressed with `encoding` when it is long enough; sets `Content-Encoding`
    /// (and `Vary`) in `headers` when it does.
    pub(crate) fn apply(
        &self,
        body: Bytes,
        encoding: Option<Encoding>,
        headers: &mut HeaderMap,
    ) -> Bytes {
        let Some(encoding) = encoding else {
            return body;
        };
        if body.len() < self.threshold {
            return body;
        }
        match encoding.encode(&body) {
            Ok(compressed) => {
                headers.insert(header::CONTENT_ENCODING, encoding.header_value());
                headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
                Bytes::from(compressed)
            }
            Err(e) => {
                tracing::debug!(error = %e, "http compression failed: sending as is");
                body
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiate(accept: &str) -> Option<Encoding> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        Encoding::negotiate(&headers)
    }

    #[test]
    fn prefers_gzip_and_honours_refusals() {
        assert_eq!(negotiate("gzip, deflate, br"), Some(Encoding::Gzip));
        assert_eq!(negotiate("deflate"), Some(Encoding::Deflate));
        assert_eq!(negotiate("gzip;q=0, deflate"), Some(Encoding::Deflate));
        assert_eq!(negotiate("*"), Some(Encoding::Gzip));
        assert_eq!(negotiate("*, gzip;q=0.0"), Some(Encoding::Deflate));
        assert_eq!(negotiate("identity, br"), None);
        assert_eq!(negotiate("gzip; q=0, deflate;q=0"), None);
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), None);
    }
}
