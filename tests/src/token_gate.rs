//! An `allow_request` hook for the tests of refused handshakes: it lets in only the requests
//! that carry `x-token: let-me-in`, and counts every call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fastsio::engine::AllowRequest;

/// The header value [`token_gate`] lets in, sent as `x-token`.
pub const TOKEN: &str = "let-me-in";

/// An `allow_request` hook that refuses every request without `x-token: let-me-in`, adding one
/// to `calls` for each request it is asked about.
pub fn token_gate(calls: Arc<AtomicUsize>) -> AllowRequest {
    AllowRequest::new(move |req| {
        calls.fetch_add(1, Ordering::SeqCst);
        let ok = req.headers.get("x-token").is_some_and(|t| t == TOKEN);
        async move {
            if ok {
                Ok(())
            } else {
                Err("no token".to_string())
            }
        }
    })
}
