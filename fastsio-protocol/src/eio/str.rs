//! [`Str`]: a cheaply cloneable, sliceable UTF-8 string backed by [`Bytes`].

use std::fmt;
use std::ops::{Deref, RangeBounds};

use bytes::Bytes;

/// An immutable UTF-8 string that shares its buffer: cloning and slicing never copy.
///
/// Text packets travel through the server as `Str`, from the socket read to the handler and from
/// an encoded broadcast to every target's WebSocket frame.
///
/// ```
/// use fastsio_protocol::eio::Str;
/// let s = Str::from("4hello");
/// assert_eq!(s.slice(1..), "hello");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Str(Bytes);

impl Str {
    /// A `Str` from a static string, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        Str(Bytes::from_static(s.as_bytes()))
    }

    /// A `Str` over `bytes`, without checking them: for strings another library has already
    /// checked (a WebSocket text frame, say).
    ///
    /// # Safety
    ///
    /// `bytes` must be valid UTF-8.
    #[expect(
        unsafe_code,
        reason = "the caller vouches for the UTF-8, as with std's"
    )]
    pub const unsafe fn from_utf8_unchecked(bytes: Bytes) -> Self {
        Str(bytes)
    }

    /// The string itself.
    #[expect(
        unsafe_code,
        reason = "a `Str` holds UTF-8: no second check on every read"
    )]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor checks (or receives from a checked source) valid UTF-8,
        // and `slice` only cuts at char boundaries.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// A sub-string sharing this buffer. Panics if the range does not fall on char boundaries,
    /// like `&str` indexing; callers slice at ASCII delimiters they have found.
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Str {
        let start = match range.start_bound() {
            std::ops::Bound::Included(&n) => n,
            std::ops::Bound::Excluded(&n) => n + 1,
            std::ops::Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            std::ops::Bound::Included(&n) => n + 1,
            std::ops::Bound::Excluded(&n) => n,
            std::ops::Bound::Unbounded => self.0.len(),
        };
        let s = self.as_str();
        assert!(
            s.is_char_boundary(start) && s.is_char_boundary(end),
            "Str::slice off a char boundary"
        );
        Str(self.0.slice(start..end))
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Gives the underlying bytes back.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::hash::Hash for Str {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(Bytes::from(s))
    }
}

/// Without a second allocation: the box becomes the buffer as is.
impl From<Box<str>> for Str {
    fn from(s: Box<str>) -> Self {
        Str(Bytes::from(s.into_boxed_bytes()))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl TryFrom<Bytes> for Str {
    type Error = std::str::Utf8Error;
    fn try_from(b: Bytes) -> Result<Self, Self::Error> {
        std::str::from_utf8(&b)?;
        Ok(Str(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_share_and_compare() {
        let s = Str::from("4héllo");
        let tail = s.slice(1..);
        assert_eq!(tail, "héllo");
        assert_eq!(tail.as_bytes().as_ptr(), s.as_bytes()[1..].as_ptr());
    }

    #[test]
    #[should_panic(expected = "char boundary")]
    fn refuses_to_cut_a_char() {
        Str::from("é").slice(1..);
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert!(Str::try_from(Bytes::from_static(&[0xff, 0xfe])).is_err());
    }
}
