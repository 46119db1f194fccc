//! The frame format (RFC 6455, 5.2): the bits of a frame's first two bytes and its opcodes.

pub(super) const CONTINUATION: u8 = 0x0;
pub(super) const TEXT: u8 = OpCode::Text as u8;
pub(super) const BINARY: u8 = OpCode::Binary as u8;
pub(super) const CLOSE: u8 = OpCode::Close as u8;
pub(super) const PING: u8 = OpCode::Ping as u8;
pub(super) const PONG: u8 = OpCode::Pong as u8;

/// The first byte's bit of a message's last frame.
pub(super) const FIN: u8 = 0x80;
/// The first byte's bits reserved for extensions (none is negotiated here).
pub(super) const RESERVED: u8 = 0x70;
/// The first byte's opcode bits.
pub(super) const OPCODE: u8 = 0x0F;
/// The first byte's bit that makes an opcode a control frame's.
pub(super) const CONTROL: u8 = 0x08;
/// The second byte's bit of a masked frame (every client frame is).
pub(super) const MASKED: u8 = 0x80;

/// The largest payload of a control frame (RFC 6455, 5.5).
pub(super) const MAX_CONTROL: usize = 125;

/// What a whole frame written by [`put_frame`](super::put_frame) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OpCode {
    /// A text message (UTF-8).
    Text = 0x1,
    /// A binary message.
    Binary = 0x2,
    /// The closing handshake: an optional status code and reason.
    Close = 0x8,
    /// A ping, to be answered with a pong carrying its payload.
    Ping = 0x9,
    /// A pong.
    Pong = 0xA,
}
