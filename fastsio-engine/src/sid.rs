//! [`Sid`]: Engine.IO session ids, drawn from a CSPRNG.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

const SID_LEN: usize = 22;

/// The URL-safe base64 alphabet, by byte: a table lookup per character of a sid every polling
/// request carries.
const URL_SAFE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    table
};

/// A session id: 128 random bits from the OS-seeded CSPRNG, URL-safe base64 (22 characters).
///
/// Stored inline, so copying or hashing one never allocates.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sid([u8; SID_LEN]);

/// Hashes the first 16 characters only (96 of the 128 random bits): plenty to spread ids over
/// a table, and a broadcast hashes one sid per delivery. Equal sids hash alike, as `Eq` needs.
impl std::hash::Hash for Sid {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(&self.0[..16]);
    }
}

impl Sid {
    /// A fresh random id.
    pub fn new() -> Self {
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        let mut out = [0u8; SID_LEN];
        let written = URL_SAFE_NO_PAD
            .encode_slice(random, &mut out)
            .expect("16 bytes encode to 22 base64 chars");
        debug_assert_eq!(written, SID_LEN);
        Sid(out)
    }

    /// The id as text.
    #[expect(unsafe_code, reason = "a sid is ASCII: no check on every read")]
    pub fn as_str(&self) -> &str {
        // SAFETY: built from base64 output or checked in `from_str`: always ASCII.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

impl Default for Sid {
    fn default() -> Self {
        Sid::new()
    }
}

/// The text was not a session id of this server's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidSid;

impl fmt::Display for InvalidSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid session id")
    }
}

impl std::error::Error for InvalidSid {}

impl FromStr for Sid {
    type Err = InvalidSid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; SID_LEN] = s.as_bytes().try_into().map_err(|_| InvalidSid)?;
        if bytes.iter().all(|b| URL_SAFE[usize::from(*b)]) {
            Ok(Sid(bytes))
        } else {
            Err(InvalidSid)
        }
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sid({})", self.as_str())
    }
}

impl serde::Serialize for Sid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_url_safe_and_round_trip() {
        let a = Sid::new();
        let b = Sid::new();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 22);
        assert_eq!(a.as_str().parse::<Sid>(), Ok(a));
        assert!("abc".parse::<Sid>().is_err());
        assert!("aaaaaaaaaaaaaaaaaaaa/+".parse::<Sid>().is_err());
    }
}
