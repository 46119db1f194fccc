//! The `date` header of the answers the engine writes itself (see
//! [`direct_http`](super::direct_http)): an origin server with a clock sends one with every
//! answer (RFC 9110, 6.6.1). Formatted once a second per thread, as hyper does.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// The length of an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
const DATE_LEN: usize = 29;

thread_local! {
    /// The second last formatted, and its date.
    static CACHED: RefCell<(u64, [u8; DATE_LEN])> = const { RefCell::new((u64::MAX, [0; DATE_LEN])) };
}

/// Appends `date: <now>\r\n` to `out`.
pub(crate) fn put_header(out: &mut Vec<u8>) {
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != second {
            let date = httpdate::fmt_http_date(now);
            if date.len() == DATE_LEN {
                cached.1.copy_from_slice(date.as_bytes());
                cached.0 = second;
            }
        }
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(&cached.1);
        out.extend_from_slice(b"\r\n");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_parsable_date_header() {
        let mut out = Vec::new();
        put_header(&mut out);
        let line = std::str::from_utf8(&out).unwrap();
        let date = line
            .strip_prefix("date: ")
            .and_then(|l| l.strip_suffix("\r\n"))
            .unwrap();
        let parsed = httpdate::parse_http_date(date).expect("an HTTP date");
        let age = SystemTime::now().duration_since(parsed).unwrap_or_default();
        assert!(age.as_secs() < 60, "{date}");
    }
}
