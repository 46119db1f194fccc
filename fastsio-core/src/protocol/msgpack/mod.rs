//! The msgpack parser (`socket.io-msgpack-parser`): each packet is one binary message holding
//! the MessagePack map `{type, nsp, data, id}`, binary values inline as `bin`.
//!
//! Packets are translated to and from the runtime's representation (JSON arguments whose
//! binary values are attachment placeholders), so handlers and extractors work unchanged.

mod decode;
mod encode;

pub use decode::decode;
pub use encode::encode;

/// Nesting deeper than this is refused (the JSON reader's own limit is 128).
const MAX_DEPTH: usize = 128;
