//! Payloads the client scripts and the servers exchange, rebuilt here to check them byte for
//! byte.

use serde_json::{Value, json};

/// The placeholder of attachment `num`, as a handler sees it in its JSON arguments.
pub fn placeholder(num: usize) -> Value {
    json!({ "_placeholder": true, "num": num })
}

/// Every byte value once, in order.
pub fn every_byte() -> Vec<u8> {
    (0..=255).collect()
}

/// The 100 KiB buffer the node scripts send: byte `i` is `(i * 31 + 7) & 0xff`.
pub fn big_buffer() -> Vec<u8> {
    (0..100 * 1024)
        .map(|i: usize| (i.wrapping_mul(31) + 7) as u8)
        .collect()
}
