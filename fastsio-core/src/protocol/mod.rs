//! Socket.IO packets (protocol v5, and v4 for socket.io 2.x clients): decoding what clients
//! send, encoding what the server emits.

mod args;
mod binary;
mod decode;
mod encode;
mod packet;

pub use args::{EventArgs, into_args};
pub use binary::{Completion, PartialBinary};
pub use decode::decode;
pub use encode::{EncodedPacket, Header, encode};
pub use packet::{Packet, PacketKind, ParseError};
