//! Socket.IO packets (protocol v5, and v4 for socket.io 2.x clients): decoding what clients
//! send, encoding what the server emits. The wire format is the [`Parser`]'s: JSON text (the
//! default) or, with the `msgpack` feature, MessagePack (`msgpack`).

mod args;
mod binary;
mod decode;
mod encode;
mod json_array;
#[cfg(feature = "msgpack")]
pub mod msgpack;
mod packet;
mod parser;
mod plain;
mod spans;

pub use args::{EventArgs, into_args};
pub use binary::{Completion, PartialBinary};
pub use decode::{decode, decode_from_server};
pub use encode::{EncodedPacket, Header, encode, encode_in_place, encode_parts};
pub use packet::{Packet, PacketKind, ParseError};
pub use parser::{Parser, Wire, WireError};
