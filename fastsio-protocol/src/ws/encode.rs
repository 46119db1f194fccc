//! Frames written: a server's (whole, unmasked), and a client's (masked), as test clients send.

use super::frame::{FIN, MASKED, OpCode};

/// Appends to `out` one whole server frame (unmasked, final) of opcode `op`, its payload
/// `parts` one after the other: a header prefix written without copying the parts together
/// first (Engine.IO v3 puts a packet type byte before a binary message, say).
///
/// ```
/// use fastsio_protocol::ws::{OpCode, put_frame};
///
/// let mut out = Vec::new();
/// put_frame(&mut out, OpCode::Binary, &[&[4], b"\x01\x02"]);
/// assert_eq!(out, [0x82, 3, 4, 1, 2]);
/// ```
pub fn put_frame(out: &mut Vec<u8>, op: OpCode, parts: &[&[u8]]) {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.reserve(len + 10);
    out.push(FIN | op as u8);
    match len {
        0..126 => out.push(len as u8),
        126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// Appends to `out` one client frame: its first byte `head` as given (FIN, reserved bits and
/// opcode, so that a test can send fragments or frames a server must refuse), `payload` masked
/// with `mask`, its length in the shortest form (RFC 6455, 5.2).
///
/// ```
/// use bytes::BytesMut;
/// use fastsio_protocol::ws::{Decoded, Decoder, put_client_frame};
///
/// let mut out = Vec::new();
/// put_client_frame(&mut out, 0x81, b"hi", [1, 2, 3, 4]);
/// assert_eq!(out, [0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
/// let decoded = Decoder::new(64).decode(&mut BytesMut::from(&out[..]));
/// assert!(matches!(decoded, Ok(Decoded::Text(text)) if text == "hi"));
/// ```
pub fn put_client_frame(out: &mut Vec<u8>, head: u8, payload: &[u8], mask: [u8; 4]) {
    out.reserve(payload.len() + 14);
    out.push(head);
    match payload.len() {
        len @ 0..126 => out.push(MASKED | len as u8),
        len @ 126..=0xFFFF => {
            out.push(MASKED | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(MASKED | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_take_one_three_or_nine_bytes() {
        let head = |len: usize| {
            let mut out = Vec::new();
            put_frame(&mut out, OpCode::Text, &[&vec![b'x'; len]]);
            assert_eq!(
                out.len() - len,
                if len < 126 {
                    2
                } else if len <= 0xFFFF {
                    4
                } else {
                    10
                }
            );
            out.truncate(out.len() - len);
            out
        };
        assert_eq!(head(125), [0x81, 125]);
        assert_eq!(head(300), [0x81, 126, 1, 44]);
        assert_eq!(head(0x10000), [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    }
}
