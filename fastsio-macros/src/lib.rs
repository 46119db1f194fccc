//! Procedural macros of fastsio. Use them through the `fastsio` crate:
//! `#[event("name")]`, `#[connect]`, `#[disconnect]`, `#[derive(Router)]` with
//! `#[router(..)]`, `#[fastsio::router(..)] mod ..`, and `#[derive(ServerEvent)]` with
//! `#[server_event(..)]`.
//!
//! Every macro reports all the mistakes it finds in one compile, at the user's tokens, and
//! still emits the user's item so that IDEs keep working.

mod args;
mod handler;
mod names;
mod router;
mod server_event;

use proc_macro::TokenStream;

/// Declares an event handler: `#[event("join_room")] async fn join_room(..) -> .. { .. }`.
///
/// The function stays callable as written; a same-named type carries the event name for
/// `#[derive(Router)]` and `#[fastsio::router] mod`.
#[proc_macro_attribute]
pub fn event(attr: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(handler::Kind::Event, attr.into(), item.into()).into()
}

/// Declares a connect handler (its arguments are connect extractors such as `Auth<T>`).
#[proc_macro_attribute]
pub fn connect(attr: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(handler::Kind::Connect, attr.into(), item.into()).into()
}

/// Declares a disconnect handler (its arguments may include `Reason`).
#[proc_macro_attribute]
pub fn disconnect(attr: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(handler::Kind::Disconnect, attr.into(), item.into()).into()
}

/// Makes a marker struct a router: `#[router(namespace = "/chat", state = AppState,
/// connect = on_connect, disconnect = on_disconnect, events(a, b))]`.
#[proc_macro_derive(Router, attributes(router))]
pub fn derive_router(input: TokenStream) -> TokenStream {
    router::derive(input.into()).into()
}

/// The module form of a router: `#[fastsio::router(namespace = "/chat")] mod chat { .. }`
/// collects every `#[event]`, `#[connect]` and `#[disconnect]` inside and adds a
/// `pub struct Router` to the module.
#[proc_macro_attribute]
pub fn router(attr: TokenStream, item: TokenStream) -> TokenStream {
    router::module(attr.into(), item.into()).into()
}

/// Binds an outgoing event's wire name to its payload type:
/// `#[derive(Serialize, ServerEvent)] #[server_event("joined", ack = Reply)] struct Joined {..}`.
#[proc_macro_derive(ServerEvent, attributes(server_event))]
pub fn derive_server_event(input: TokenStream) -> TokenStream {
    server_event::derive(input.into()).into()
}
