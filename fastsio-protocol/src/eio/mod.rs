//! Engine.IO packets and long-polling payloads (protocol v4, and v3 for socket.io 2.x clients).

mod packet;
pub mod payload;
mod str;
mod version;

pub use packet::{Frame, Packet, PacketError};
pub use str::Str;
pub use version::ProtocolVersion;
