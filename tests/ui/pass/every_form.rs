//! Every handler form the macros accept, compiled together.
use fastsio::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone)]
struct AppState {
    db: Db,
}

#[derive(Clone)]
struct Db;

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

/// A state that holds a database, for an extractor generic over such states.
trait HasDb {
    fn db(&self) -> Db;
}

impl HasDb for AppState {
    fn db(&self) -> Db {
        self.db.clone()
    }
}

struct Conn(Db);

impl<S: HasDb + Sync> fastsio::extract::FromEventParts<S> for Conn {
    async fn from_event_parts(
        _: &mut fastsio::handler::EventContext,
        state: &S,
    ) -> Result<Self, fastsio::extract::ExtractError> {
        Ok(Conn(state.db()))
    }
}

#[event("conn", state = AppState, middleware(fastsio::middleware::RateLimit::per_second(5)))]
async fn conn(Conn(_db): Conn, Data(n): Data<u8>) -> Ack<u8> {
    Ack(n)
}

#[derive(Deserialize, validator::Validate)]
struct Login {
    #[validate(length(min = 1))]
    name: String,
}

#[derive(Serialize, ServerEvent)]
#[server_event("welcome", ack = bool)]
struct Welcome {
    name: String,
}

#[connect]
async fn on_connect(socket: SocketRef, Valid(Auth(login)): Valid<Auth<Login>>, _hs: Handshake) {
    let _ = socket.emit(&Welcome { name: login.name });
}

#[event("query")]
async fn query(
    _id: SocketId,
    State(_db): State<Db>,
    _io: Io,
    _name: Option<Event>,
    Data((a, b)): Data<(u8, String)>,
) -> Result<Ack<(u8, String)>, AckErrorBody> {
    Ok(Ack((a, b)))
}

#[event("bytes")]
async fn bytes(Bin(parts): Bin) -> Ack<usize> {
    Ack(parts.len())
}

#[disconnect]
async fn on_disconnect(Reason(_r): Reason, State(_s): State<AppState>) {}

#[derive(Router)]
#[router(
    namespace = "/app",
    state = AppState,
    connect = on_connect,
    disconnect = on_disconnect,
    events(query, bytes, conn)
)]
struct App;

#[fastsio::router(namespace = "/room/{id}")]
mod room {
    use fastsio::prelude::*;

    #[event("id")]
    pub async fn id(NsParam(id): NsParam<u32>) -> Ack<u32> {
        Ack(id)
    }
}

#[event("ping")]
async fn ping() -> Ack<&'static str> {
    Ack("pong")
}

fn main() {
    // A router inside a fn: its own handlers by name, the ones outside by path.
    #[event("pong")]
    async fn pong() {}

    #[derive(Router)]
    #[router(namespace = "/local", events(pong, self::ping, room::id))]
    struct Local;

    let by_hand: Routes<AppState> = Routes::new("/by-hand").on("conn", conn).on(
        "db",
        |Conn(_db): Conn, State(_s): State<AppState>| async move { Ack(true) },
    );
    let _io: Result<Io, fastsio::BuildError> = Server::builder()
        .routes(by_hand)
        .router(App)
        .with_state(AppState { db: Db })
        .router(room::Router)
        .router(Local)
        .build();
}
