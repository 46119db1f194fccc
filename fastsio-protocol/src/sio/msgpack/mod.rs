//! The msgpack parser (`socket.io-msgpack-parser`): each packet is one binary message holding
//! the MessagePack map `{type, nsp, data, id}`, binary values inline as `bin`.
//!
//! Packets are translated to and from the runtime's representation (JSON arguments whose
//! binary values are attachment placeholders), so handlers and extractors work unchanged.

mod decode;
mod encode;

pub use decode::{decode, decode_from_server, transcode_value};
pub use encode::{encode, transcode_json};

/// Nesting deeper than this is refused, so that what the decoder writes stays within what the
/// JSON reader accepts (128 levels) when handlers deserialise it.
const MAX_DEPTH: usize = 100;
