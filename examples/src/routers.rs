//! The seed README's "Routers for Code Organization": a `/chat` router and an `/admin` router,
//! each declared on its own, mounted on one server with `.router(..)` twice. `/chat` is a
//! `#[derive(Router)]` marker struct, `/admin` the module form, `#[fastsio::router] mod`.
//!
//! ```python
//! chat_router = RouterSIO(namespace="/chat")
//! admin_router = RouterSIO(namespace="/admin")
//! sio.add_router(chat_router)
//! sio.add_router(admin_router)
//! ```

use fastsio::BuildError;
use fastsio::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use validator::Validate;

/// A chat line.
#[derive(Deserialize, Validate, JsonSchema)]
pub struct Message {
    #[validate(length(min = 1, max = 500))]
    pub text: String,
}

/// Relayed to everyone in `/chat`.
#[derive(Serialize, ServerEvent, JsonSchema)]
#[server_event("message")]
struct Relayed<'a> {
    from: String,
    text: &'a str,
}

/// `@chat_router.on("message")`: relays the line to every `/chat` socket, the sender included,
/// and acks how many got it.
#[event("message")]
async fn chat_message(
    socket: SocketRef,
    io: Io,
    Valid(data): Valid<Message>,
) -> Result<Ack<usize>, AckErrorBody> {
    let chat = io
        .of(socket.ns())
        .ok_or_else(|| AckErrorBody::new("internal", "the namespace is gone"))?;
    let delivered = chat
        .emit(&Relayed {
            from: socket.id().to_string(),
            text: &data.text,
        })
        .map_err(|e| AckErrorBody::new("internal", e.to_string()))?;
    Ok(Ack(delivered))
}

/// The chat router.
#[derive(Router)]
#[router(
    namespace = "/chat",
    events(chat_message),
    emits(Relayed, admin::BannedNotice)
)]
pub struct ChatRouter;

/// The admin router: `user_ban` disconnects a `/chat` user by socket id.
#[fastsio::router(namespace = "/admin")]
pub mod admin {
    use fastsio::prelude::*;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use validator::Validate;

    /// Whom to ban: a `/chat` socket id.
    #[derive(Deserialize, Validate, JsonSchema)]
    pub struct BanRequest {
        #[validate(length(min = 1, max = 64))]
        pub sid: String,
        #[validate(length(max = 200))]
        #[serde(default)]
        pub reason: String,
    }

    /// What `user_ban` did.
    #[derive(Serialize, JsonSchema)]
    pub struct Banned {
        pub banned: usize,
    }

    /// Told to the banned user before it is disconnected.
    #[derive(Serialize, ServerEvent, JsonSchema)]
    #[server_event("banned")]
    pub(super) struct BannedNotice<'a> {
        reason: &'a str,
    }

    /// `@admin_router.on("user_ban")`.
    #[event("user_ban")]
    pub async fn ban_user(
        io: Io,
        Valid(req): Valid<BanRequest>,
    ) -> Result<Ack<Banned>, AckErrorBody> {
        let chat = io
            .of("/chat")
            .ok_or_else(|| AckErrorBody::new("internal", "no /chat namespace"))?;
        // A socket id names the socket's own room.
        let target = chat.to(req.sid.as_str());
        let banned = target.sockets().len();
        let _ = target.emit(&BannedNotice {
            reason: &req.reason,
        });
        target.disconnect();
        Ok(Ack(Banned { banned }))
    }
}

/// Both routers on one server.
pub fn socket_io() -> Result<Io, BuildError> {
    Server::builder()
        .router(ChatRouter)
        .router(admin::Router)
        .asyncapi(fastsio::contract::AsyncApi::new().title("routers example"))
        .build()
}
