//! [`RequireAuth`]: refuse connections that fail a check.

use std::future::Future;
use std::sync::Arc;

use super::{ConnectNext, Middleware};
use crate::engine::{RequestInfo, Str};
use crate::error::ConnectError;
use crate::handler::{BoxFuture, ConnectContext};

type Check = dyn Fn(Arc<RequestInfo>, Str) -> BoxFuture<Result<(), ConnectError>> + Send + Sync;

/// Checks every connection before it is confirmed: the check gets the opening request
/// (headers, query, address) and the raw auth payload; an `Err` refuses the connection with
/// its `connect_error` message and data.
///
/// (The auth payload itself, typed, is the [`Auth<T>`](crate::extract::Auth) extractor of the
/// connect handler; this middleware guards connections before any handler runs.)
///
/// ```
/// use fastsio_core::{ConnectError, middleware::RequireAuth};
/// let auth = RequireAuth::new(|req, _auth| async move {
///     match req.headers.get("x-api-key") {
///         Some(key) if key == "secret" => Ok(()),
///         _ => Err(ConnectError::new("unauthorized").with_data(serde_json::json!({"code": "unauthorized"}))),
///     }
/// });
/// # let _ = auth;
/// ```
#[derive(Clone)]
pub struct RequireAuth(Arc<Check>);

impl RequireAuth {
    /// A check.
    pub fn new<F, Fut>(check: F) -> Self
    where
        F: Fn(Arc<RequestInfo>, Str) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        RequireAuth(Arc::new(move |req, auth| Box::pin(check(req, auth))))
    }
}

impl Middleware for RequireAuth {
    fn on_connect(
        &self,
        cx: ConnectContext,
        next: ConnectNext,
    ) -> BoxFuture<Result<(), ConnectError>> {
        let verdict = (self.0)(cx.socket.request(), cx.auth.clone());
        Box::pin(async move {
            verdict.await?;
            next.run(cx).await
        })
    }
}
