//! WebSocket frames (RFC 6455, no extensions) as a server reads them from a client and writes
//! its own: [`Decoder`] turns the bytes read into messages and control frames, [`put_frame`]
//! appends a server frame to a write buffer ([`put_client_frame`] a client's, as test clients
//! send them). The I/O stays with the caller.

mod decode;
mod encode;
mod error;
mod frame;
mod mask;

pub use decode::{Decoded, Decoder};
pub use encode::{put_client_frame, put_frame};
pub use error::WsError;
pub use frame::OpCode;
