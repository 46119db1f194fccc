//! Procedural macros of fastsio. Use them through the `fastsio` crate:
//! `#[event("name")]`, `#[connect]`, `#[disconnect]`, `#[derive(Router)]` with
//! `#[router(..)]`, `#[fastsio::router(..)] mod ..`, and `#[derive(ServerEvent)]` with
//! `#[server_event(..)]`.
//!
//! Every macro reports all the mistakes it finds in one compile, at the user's tokens, and
//! still emits the user's item so that IDEs keep working. The handler attributes check each
//! argument against their kind's extractor trait, and the return type, where the handler is
//! written (through traits, never by the types' names).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod args;
mod contract;
mod handler;
mod names;
mod router;
mod server_event;

use proc_macro::TokenStream;

/// Declares an event handler: `#[event("join_room")] async fn join_room(..) -> .. { .. }`.
///
/// The function stays callable as written; a same-named type carries the event name for
/// `#[derive(Router)]` and `#[fastsio::router] mod`. Optional arguments after the name:
/// `state = AppState` (the state its extractors and middleware read, when they need that one
/// state rather than any state holding their part) and `middleware(..)` (event-scope
/// middleware, innermost).
///
/// ```
/// use fastsio::prelude::*;
/// #[derive(serde::Deserialize, validator::Validate)]
/// struct Say {
///     #[validate(length(min = 1, max = 1000))]
///     text: String,
/// }
/// #[event("say", middleware(fastsio::middleware::RateLimit::per_second(5)))]
/// async fn say(socket: SocketRef, Valid(msg): Valid<Say>) -> Ack<usize> {
///     let _ = socket.broadcast().emit_raw("said", &msg.text);
///     Ack(msg.text.len())
/// }
/// # #[derive(Router)] #[router(events(say))] struct R;
/// ```
///
/// # Blocking work
///
/// A handler that finishes without waiting runs inline in the task that serves its WebSocket
/// connection and others. If it blocks its thread (CPU work such as bcrypt or image resizing,
/// a synchronous database driver, `std::fs`, `std::thread::sleep`), the other connections of
/// that task wait until fastsio's watchdog hands them to another task, a couple of
/// milliseconds later, on every call, and the worker thread is lost to all meanwhile. Run the
/// blocking part on Tokio's blocking pool and await it; the socket's later events still wait
/// for this one:
///
/// ```
/// use fastsio::prelude::*;
/// # fn check_password(_: &str) -> bool { true }
/// #[event("login")]
/// async fn login(Data(password): Data<String>) -> Ack<bool> {
///     let ok = tokio::task::spawn_blocking(move || check_password(&password))
///         .await
///         .unwrap_or(false);
///     Ack(ok)
/// }
/// # #[derive(Router)] #[router(events(login))] struct R;
/// ```
#[proc_macro_attribute]
pub fn event(attr: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(handler::Kind::Event, attr.into(), item.into()).into()
}

/// Declares a connect handler (its arguments are connect extractors such as `Auth<T>`).
/// `#[connect(state = AppState)]` names the state its extractors read, when they need that one.
///
/// ```
/// use fastsio::prelude::*;
/// #[derive(serde::Deserialize)]
/// struct Token { token: String }
/// #[connect]
/// async fn on_connect(socket: SocketRef, Auth(t): Auth<Token>) -> Result<(), ConnectError> {
///     if t.token.is_empty() {
///         return Err(ConnectError::new("missing token").with_data(serde_json::json!({"code": "auth"})));
///     }
///     socket.insert(t.token);
///     Ok(())
/// }
/// # #[derive(Router)] #[router(connect = on_connect)] struct R;
/// ```
#[proc_macro_attribute]
pub fn connect(attr: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(handler::Kind::Connect, attr.into(), item.into()).into()
}

/// Declares a disconnect handler (its arguments may include `Reason`).
/// `#[disconnect(state = AppState)]` names the state its extractors read, when they need that
/// one.
///
/// ```
/// use fastsio::prelude::*;
/// #[disconnect]
/// async fn on_disconnect(id: SocketId, Reason(reason): Reason) {
///     println!("{id} left: {reason}");
/// }
/// # #[derive(Router)] #[router(disconnect = on_disconnect)] struct R;
/// ```
#[proc_macro_attribute]
pub fn disconnect(attr: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(handler::Kind::Disconnect, attr.into(), item.into()).into()
}

/// Makes a marker struct a router: `#[router(namespace = "/chat", state = AppState,
/// connect = on_connect, disconnect = on_disconnect, events(a, b), middleware(..))]`.
///
/// ```
/// use fastsio::prelude::*;
/// #[event("ping")]
/// async fn ping() -> Ack<&'static str> {
///     Ack("pong")
/// }
/// #[derive(Router)]
/// #[router(namespace = "/game", events(ping))]
/// struct Game;
/// let io = Server::builder().router(Game).build().unwrap();
/// # let _ = io;
/// ```
#[proc_macro_derive(Router, attributes(router))]
pub fn derive_router(input: TokenStream) -> TokenStream {
    router::derive(input.into()).into()
}

/// The module form of a router: `#[fastsio::router(namespace = "/chat")] mod chat { .. }`
/// collects every `#[event]`, `#[connect]` and `#[disconnect]` inside and adds a
/// `pub struct Router` to the module.
///
/// ```
/// #[fastsio::router(namespace = "/admin")]
/// mod admin {
///     use fastsio::prelude::*;
///     #[event("stats")]
///     pub async fn stats(io: Io) -> Ack<usize> {
///         Ack(io.connection_count())
///     }
/// }
/// let io = fastsio::Server::builder().router(admin::Router).build().unwrap();
/// # let _ = io;
/// ```
#[proc_macro_attribute]
pub fn router(attr: TokenStream, item: TokenStream) -> TokenStream {
    router::module(attr.into(), item.into()).into()
}

/// Binds an outgoing event's wire name to its payload type:
/// `#[derive(Serialize, ServerEvent)] #[server_event("joined", ack = Reply)] struct Joined {..}`.
///
/// ```
/// use fastsio::prelude::*;
/// #[derive(serde::Serialize, ServerEvent)]
/// #[server_event("joined")]
/// struct Joined { room: String }
/// async fn join(socket: SocketRef) {
///     socket.join("lobby");
///     let _ = socket.within("lobby").emit(&Joined { room: "lobby".into() });
/// }
/// # let _: fastsio::Routes = fastsio::Routes::new("/").on_connect(join);
/// ```
#[proc_macro_derive(ServerEvent, attributes(server_event))]
pub fn derive_server_event(input: TokenStream) -> TokenStream {
    server_event::derive(input.into(), quote::quote!(::fastsio::handler::ServerEvent)).into()
}

/// `#[derive(ServerEvent)]` as `fastsio-client` re-exports it (`fastsio_client::ServerEvent`),
/// for crates that use the client without the server: the same attribute, implementing the
/// same trait (`fastsio_protocol::ServerEvent`) through the client's path.
#[doc(hidden)]
#[proc_macro_derive(ClientServerEvent, attributes(server_event))]
pub fn derive_client_server_event(input: TokenStream) -> TokenStream {
    server_event::derive(input.into(), quote::quote!(::fastsio_client::ServerEvent)).into()
}
