//! The wire formats of fastsio, with no I/O: what the server and the client put on, and read
//! from, a connection.
//!
//! - [`eio`]: Engine.IO packets and HTTP long-polling payloads (protocol v4, and v3).
//! - [`sio`]: Socket.IO packets (protocol v5, and v4), the JSON parser with its binary
//!   placeholders and, with the `msgpack` feature, the msgpack parser.
//! - [`ws`]: WebSocket frames (RFC 6455), as a server reads a client's and writes its own.
//! - [`ServerEvent`]: an event type's wire name and ack type, shared by the server and the
//!   client.
//!
//! Text travels as [`eio::Str`], a UTF-8 string sharing a [`bytes::Bytes`] buffer: decoding
//! slices the received buffer, and an encoded packet is shared by every connection it goes to.
//!
//! ```
//! use fastsio_protocol::eio::{Packet, Str};
//! use fastsio_protocol::sio::{PacketKind, decode};
//!
//! let eio = Packet::decode_text(Str::from("42[\"hello\",1]"), false).unwrap();
//! let Packet::Message(text) = eio else { unreachable!() };
//! let sio = decode(text, 10).unwrap();
//! assert_eq!(sio.kind, PacketKind::Event);
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod eio;
mod event;
pub mod sio;
pub mod ws;

pub use event::ServerEvent;
