//! The seed README's "Middlewares for Cross-Cutting Concerns": middleware at every scope, and
//! (unlike the Python fork, where any middleware disables injection and validation) always
//! composed with the handlers' extractors.
//!
//! | seed | here |
//! | --- | --- |
//! | `sio.add_middleware(logging_middleware(), global_middleware=True)` | [`Logging`], global: every event and connection |
//! | `AuthMiddleware(events=["join_room", "send_message"])` checking `HTTP_AUTHORIZATION` | [`before`]`(require_authorization).events([..]).namespace("/")` |
//! | `auth_middleware` | [`RequireAuth`] on `/admin`: refuses connections without the admin token (`connect_error`) |
//! | (rate limiting) | [`RateLimit`] on `send_message` only, at the router scope |
//! | `logging_middleware(), namespace="/admin", events=["admin_action"]` | [`after`]`(audit).events(["admin_action"]).namespace("/admin")`: records each outcome |

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastsio::BuildError;
use fastsio::engine::{RequestInfo, Str};
use fastsio::handler::AckReply;
use fastsio::middleware::{Logging, MiddlewareScope, RateLimit, RequireAuth, after, before};
use fastsio::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use validator::Validate;

/// The token `/admin` connections must send as `auth: { token }`.
pub const ADMIN_TOKEN: &str = "admin-secret";

/// `send_message` is limited to this many events per socket and [`RATE_WINDOW`].
pub const RATE_LIMIT: usize = 3;

/// The window of [`RATE_LIMIT`].
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

/// One outcome the audit hook saw.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub event: String,
    pub sid: String,
    /// `ok`, or the error code.
    pub outcome: String,
}

/// The audit trail, the app state.
#[derive(Clone, Default)]
pub struct AuditLog(Arc<Mutex<Vec<AuditEntry>>>);

impl AuditLog {
    /// A copy of the entries.
    pub fn entries(&self) -> Vec<AuditEntry> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The seed's `AuthMiddleware.before_event`: no `Authorization` header on the opening request,
/// no `join_room` or `send_message` (the event is answered with an `unauthorized` ack error
/// and never reaches its handler).
async fn require_authorization(environ: Handshake) -> Result<(), AckErrorBody> {
    if environ.headers.contains_key("authorization") {
        Ok(())
    } else {
        Err(AckErrorBody::new("unauthorized", "Authentication required"))
    }
}

/// The `/admin` connection check: the auth payload must carry the admin token.
async fn admin_token(_request: Arc<RequestInfo>, auth: Str) -> Result<(), ConnectError> {
    let auth: Value = serde_json::from_str(&auth).unwrap_or_default();
    if auth["token"] == ADMIN_TOKEN {
        Ok(())
    } else {
        Err(ConnectError::new("unauthorized").with_data(json!({"code": "unauthorized"})))
    }
}

/// Runs after `admin_action`: records its outcome, and lets it through unchanged.
async fn audit(
    outcome: AckReply,
    Event(event): Event,
    sid: SocketId,
    State(log): State<AuditLog>,
) -> AckReply {
    let result = match &outcome {
        AckReply::Args { .. } => "ok".to_string(),
        AckReply::Error(e) => e.code.to_string(),
    };
    tracing::info!(sid = %sid.0, %event, %result, "audit");
    log.0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(AuditEntry {
            event: event.to_string(),
            sid: sid.to_string(),
            outcome: result,
        });
    outcome
}

#[derive(Deserialize, Validate)]
struct Message {
    #[validate(length(min = 1, max = 200))]
    text: String,
}

#[derive(Deserialize, Validate)]
struct AdminAction {
    #[validate(length(min = 1, max = 32))]
    action: String,
}

/// "This will go through AuthMiddleware".
async fn join_room(socket: SocketRef, Data(room): Data<String>) -> Ack<Value> {
    socket.join(room);
    Ack(json!({"status": "joined"}))
}

/// Behind the authorization hook and the rate limit; its payload is still validated.
async fn send_message(Valid(message): Valid<Message>) -> Ack<Value> {
    Ack(json!({"status": "sent", "length": message.text.chars().count()}))
}

/// No hook, no limit.
async fn ping() -> Ack<&'static str> {
    Ack("pong")
}

async fn admin_action(Valid(action): Valid<AdminAction>) -> Ack<Value> {
    Ack(json!({"done": action.action}))
}

async fn audit_log(State(log): State<AuditLog>) -> Ack<Vec<AuditEntry>> {
    Ack(log.entries())
}

/// The server, with its audit trail.
pub fn socket_io_with(log: AuditLog) -> Result<Io, BuildError> {
    Server::builder()
        // Global: every event and connection of every namespace.
        .middleware(Logging)
        // Specific events only, of one namespace.
        .middleware(
            before(require_authorization)
                .events(["join_room", "send_message"])
                .namespace("/"),
        )
        // Connections to one namespace.
        .middleware(RequireAuth::new(admin_token).namespace("/admin"))
        // Namespace + event specific.
        .middleware(after(audit).events(["admin_action"]).namespace("/admin"))
        .routes(
            Routes::new("/")
                // Router scope: inside the global and namespace middleware.
                .middleware(RateLimit::new(RATE_LIMIT, RATE_WINDOW).events(["send_message"]))
                .on("join_room", join_room)
                .on("send_message", send_message)
                .on("ping", ping),
        )
        .routes(
            Routes::new("/admin")
                .on("admin_action", admin_action)
                .on("audit_log", audit_log),
        )
        .with_state(log)
        .build()
}

/// The server, with a fresh audit trail.
pub fn socket_io() -> Result<Io, BuildError> {
    socket_io_with(AuditLog::default())
}
