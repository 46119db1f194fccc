//! What the connection state recovery suites emit while a client is away
//! (`tests/js/sio_recovery.mjs`, `tests/js/sio_recovery_nodes.mjs`).

use fastsio::prelude::*;

/// Emits `missed` to the socket `sid`, to room `r`, to everyone, and what a socket in `r`
/// must not get back: to another room, to all but `r`, and a volatile emit to `r`.
pub fn emit_missed(io: &Io, sid: &str) {
    io.to(sid).emit_raw("missed", &"to-socket").unwrap();
    io.to("other").emit_raw("missed", &"other-room").unwrap();
    io.to("r").emit_raw("missed", &"to-room").unwrap();
    io.to("r")
        .volatile()
        .emit_raw("missed", &"volatile")
        .unwrap();
    io.except("r").emit_raw("missed", &"except-r").unwrap();
    io.emit_raw("missed", &"to-all").unwrap();
}
