//! The custom extractor of the guide (`docs/guide/custom-extractors.md`): `CurrentUser` reads
//! the token the client put in the handshake's query (`io(url, { query: { token } })`), looks
//! it up in the app state's user store (async, like a database), and fails with a typed ack
//! error. `Cached<CurrentUser>` makes the lookup happen once per event, however many
//! extractors and hooks ask for the user.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use fastsio::BuildError;
use fastsio::extract::{ExtractError, FromEventParts};
use fastsio::handler::EventContext;
use fastsio::middleware::before;
use fastsio::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

/// A user of the app.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The display name.
    pub name: String,
    /// Whether the user may post.
    pub admin: bool,
}

/// The user store: tokens to users. `find` is async, as a database query would be; `lookups`
/// counts the queries, so the example can show the per-event cache at work.
#[derive(Clone, Default)]
pub struct Users {
    by_token: Arc<HashMap<String, User>>,
    lookups: Arc<AtomicU64>,
}

impl Users {
    /// A store with these `(token, user)` entries.
    pub fn new(entries: impl IntoIterator<Item = (String, User)>) -> Self {
        Users {
            by_token: Arc::new(entries.into_iter().collect()),
            lookups: Arc::default(),
        }
    }

    /// The user a token belongs to.
    pub async fn find(&self, token: &str) -> Option<User> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        tokio::task::yield_now().await;
        self.by_token.get(token).cloned()
    }

    /// How many lookups ran so far.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }
}

/// The app state.
#[derive(Clone)]
pub struct AppState {
    /// The user store.
    pub users: Users,
}

impl FromRef<AppState> for Users {
    fn from_ref(state: &AppState) -> Users {
        state.users.clone()
    }
}

/// Why there is no current user: sent to the client as the ack's error.
#[derive(Debug)]
pub enum AuthError {
    /// The handshake carried no token.
    MissingToken,
    /// The token belongs to nobody.
    UnknownToken,
    /// The user may not do this.
    Forbidden,
}

impl IntoAckError for AuthError {
    fn into_ack_error(self) -> AckErrorBody {
        match self {
            AuthError::MissingToken => AckErrorBody::new(
                "unauthenticated",
                "connect with a token: io(url, { query: { token } })",
            ),
            AuthError::UnknownToken => AckErrorBody::new("unknown_token", "this token is unknown"),
            AuthError::Forbidden => AckErrorBody::new("forbidden", "only admins may post"),
        }
    }
}

/// The user whose token opened this connection.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl<S: Sync> FromEventParts<S> for CurrentUser
where
    Users: FromRef<S>,
{
    async fn from_event_parts(cx: &mut EventContext, state: &S) -> Result<Self, ExtractError> {
        let request = cx.socket.request();
        let token = request
            .query_param("token")
            .ok_or(AuthError::MissingToken)?;
        let user = Users::from_ref(state).find(&token).await;
        Ok(CurrentUser(user.ok_or(AuthError::UnknownToken)?))
    }
}

#[event("whoami")]
async fn whoami(Cached(CurrentUser(user)): Cached<CurrentUser>) -> Ack<User> {
    Ack(user)
}

/// A `before` hook: admins only. It asks for the same `Cached<CurrentUser>` as the handler,
/// so the user is looked up once for both.
async fn admins_only(Cached(CurrentUser(user)): Cached<CurrentUser>) -> Result<(), AuthError> {
    if user.admin {
        Ok(())
    } else {
        Err(AuthError::Forbidden)
    }
}

#[event("post", state = AppState, middleware(before(admins_only)))]
async fn post(
    Cached(CurrentUser(user)): Cached<CurrentUser>,
    State(users): State<Users>,
    Data(text): Data<String>,
) -> Ack<Value> {
    Ack(json!({"by": user.name, "text": text, "lookups": users.lookups()}))
}

#[derive(Router)]
#[router(state = AppState, events(whoami, post))]
struct Api;

/// The example's server: two users, `t-ada` (an admin) and `t-bob`.
pub fn socket_io() -> Result<Io, BuildError> {
    let users = Users::new([
        (
            "t-ada".to_string(),
            User {
                name: "ada".into(),
                admin: true,
            },
        ),
        (
            "t-bob".to_string(),
            User {
                name: "bob".into(),
                admin: false,
            },
        ),
    ]);
    Server::builder()
        .router(Api)
        .with_state(AppState { users })
        .build()
}
