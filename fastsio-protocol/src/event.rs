//! [`ServerEvent`]: an outgoing event's wire name and ack type, bound to its payload type.

use serde::Serialize;
use serde::de::DeserializeOwned;

#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a server event: its wire name is unknown",
    note = "derive it: `#[derive(Serialize, ServerEvent)] #[server_event(\"name\")]`, or emit untyped data with `emit_raw(\"name\", &value)`"
)]
/// An event the server sends, with its wire name bound to its payload type
/// (`#[derive(ServerEvent)]`, from `fastsio` or `fastsio-client`): `socket.emit(&Joined { .. })`
/// cannot misspell the name, and `emit_with_ack` resolves to the declared reply type.
///
/// The server emits it and the client receives it (a client also emits such types, with the
/// event name and ack type the server's handler declares), so one crate of event types can
/// serve both sides.
pub trait ServerEvent: Serialize {
    /// The wire name.
    const NAME: &'static str;
    /// What the other side acknowledges with (`()` when nothing is expected).
    type Ack: DeserializeOwned;
}
