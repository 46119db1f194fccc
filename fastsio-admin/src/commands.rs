//! The admin UI's commands: `emit`, `join`, `leave` and `_disconnect`, each aimed at a
//! namespace and optionally at the sockets of one room (a socket id names the socket's own
//! room). Read-only instrumentation refuses them with an ack error (`readonly`) when the
//! sender asked for an ack.

use fastsio_core::extract::RawArgs;
use fastsio_core::handler::AckErrorBody;
use fastsio_core::{BroadcastOperators, Io, Routes};
use serde::de::DeserializeOwned;
use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde_json::value::RawValue;

type Reply = Result<(), AckErrorBody>;

/// Adds the command handlers to the admin namespace's routes.
pub(crate) fn add<S: Send + Sync + 'static>(routes: Routes<S>, readonly: bool) -> Routes<S> {
    if readonly {
        return routes
            .on("emit", refuse)
            .on("join", refuse)
            .on("leave", refuse)
            .on("_disconnect", refuse);
    }
    routes
        .on("emit", emit)
        .on("join", join)
        .on("leave", leave)
        .on("_disconnect", disconnect)
}

async fn refuse() -> Reply {
    Err(AckErrorBody::new(
        "readonly",
        "the admin instrumentation is read-only",
    ))
}

/// Argument `i` (a missing one reads as `null`).
fn arg<T: DeserializeOwned>(args: &RawArgs, i: usize, what: &str) -> Result<T, AckErrorBody> {
    serde_json::from_str(args.iter().nth(i).unwrap_or("null"))
        .map_err(|_| AckErrorBody::new("invalid_command", format!("invalid {what}")))
}

/// The sockets of namespace `nsp`, or of its room `filter` when one is given.
fn target(io: &Io, nsp: &str, filter: Option<String>) -> Result<BroadcastOperators, AckErrorBody> {
    let ops = io
        .of(nsp)
        .ok_or_else(|| AckErrorBody::new("unknown_namespace", format!("no namespace {nsp:?}")))?;
    Ok(match filter.filter(|room| !room.is_empty()) {
        Some(room) => ops.to(room),
        None => ops,
    })
}

/// `emit(nsp, filter, event, ...args)`.
async fn emit(io: Io, args: RawArgs) -> Reply {
    let nsp: String = arg(&args, 0, "namespace")?;
    let filter: Option<String> = arg(&args, 1, "filter")?;
    let event: String = arg(&args, 2, "event name")?;
    let rest = args
        .iter()
        .skip(3)
        .map(serde_json::from_str)
        .collect::<Result<Vec<&RawValue>, _>>()
        .map_err(|_| AckErrorBody::new("invalid_command", "invalid arguments"))?;
    target(&io, &nsp, filter)?
        .emit_raw(&event, &Spread(rest))
        .map_err(|e| AckErrorBody::new("emit_failed", e.to_string()))?;
    Ok(())
}

/// `join(nsp, room, filter?)`.
async fn join(io: Io, args: RawArgs) -> Reply {
    let nsp: String = arg(&args, 0, "namespace")?;
    let room: String = arg(&args, 1, "room")?;
    target(&io, &nsp, arg(&args, 2, "filter")?)?.join(room);
    Ok(())
}

/// `leave(nsp, room, filter?)`.
async fn leave(io: Io, args: RawArgs) -> Reply {
    let nsp: String = arg(&args, 0, "namespace")?;
    let room: String = arg(&args, 1, "room")?;
    target(&io, &nsp, arg(&args, 2, "filter")?)?.leave(room);
    Ok(())
}

/// `_disconnect(nsp, close, filter?)`: the sockets leave the namespace or, with `close`,
/// their connections close (this node's sockets).
async fn disconnect(io: Io, args: RawArgs) -> Reply {
    let nsp: String = arg(&args, 0, "namespace")?;
    let close: Option<bool> = arg(&args, 1, "close flag")?;
    let sockets = target(&io, &nsp, arg(&args, 2, "filter")?)?;
    match close {
        Some(true) => sockets
            .sockets()
            .iter()
            .for_each(|socket| socket.close_connection()),
        _ => sockets.disconnect(),
    }
    Ok(())
}

/// Raw arguments that an emit spreads.
struct Spread<'a>(Vec<&'a RawValue>);

impl Serialize for Spread<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for arg in &self.0 {
            tuple.serialize_element(arg)?;
        }
        tuple.end()
    }
}
