//! Which bytes a JSON string holds as they are (no quote, no backslash, no control character),
//! found eight bytes at a time.

const ONES: u64 = u64::MAX / 255;
const HIGH: u64 = ONES << 7;

/// The bytes of `word` (little-endian) that end a run of plain string bytes: a quote, a
/// backslash or a control character; and, with `ascii_only`, any byte past ASCII. Each such
/// byte has its high bit set in the result, and so may a few above the lowest one (so only
/// the lowest is exact, and whether there is one).
pub(super) fn stops(word: u64, ascii_only: bool) -> u64 {
    /// Bytes of `word` that are zero have their high bit set (and maybe a few above a zero
    /// byte, which only matters after the first).
    fn zero_bytes(word: u64) -> u64 {
        word.wrapping_sub(ONES) & !word & HIGH
    }
    let controls = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    let high = if ascii_only { word & HIGH } else { 0 };
    zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
        | controls
        | high
}

/// Whether `byte` ends a run of plain string bytes (see [`stops`]).
pub(super) fn is_stop(byte: u8, ascii_only: bool) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20 || (ascii_only && byte >= 0x80)
}

/// How many bytes from the start of `bytes` are plain (see [`stops`]).
pub(super) fn plain_len(bytes: &[u8], ascii_only: bool) -> usize {
    let mut pos = 0;
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let stops = stops(word, ascii_only);
        if stops != 0 {
            return pos + stops.trailing_zeros() as usize / 8;
        }
        pos += 8;
    }
    pos + bytes[pos..]
        .iter()
        .position(|&b| is_stop(b, ascii_only))
        .unwrap_or(bytes.len() - pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_stop_wherever_it_is() {
        for ascii_only in [false, true] {
            for len in 0..20 {
                assert_eq!(plain_len(&vec![b'a'; len], ascii_only), len);
                for at in 0..len {
                    for stop in [b'"', b'\\', 0, 0x1f, 0x80, 0xff] {
                        let mut bytes = vec![b'~'; len];
                        bytes[at] = stop;
                        // A second stop after the first must not change the answer.
                        if at + 1 < len {
                            bytes[at + 1] = 0;
                        }
                        let expected = if stop >= 0x80 && !ascii_only {
                            if at + 1 < len { at + 1 } else { len }
                        } else {
                            at
                        };
                        assert_eq!(plain_len(&bytes, ascii_only), expected, "{bytes:?}");
                    }
                }
            }
        }
    }
}
