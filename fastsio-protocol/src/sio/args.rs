//! Arguments: [`EventArgs`] splits a received JSON array into its arguments without
//! deserialising them; [`into_args`] writes a value as emit arguments (tuples spread).

use serde::ser::{self, Serialize, SerializeTuple};

use super::spans::Spans;
use super::{ParseError, json_array};
use crate::eio::Str;

/// The arguments of a received event or ack: the raw JSON array and where each argument lies
/// in it. Handlers deserialise each argument straight into their own types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventArgs {
    raw: Str,
    spans: Spans,
}

impl EventArgs {
    /// Splits a JSON array; anything else is an error.
    pub fn parse(raw: Str) -> Result<Self, ParseError> {
        let mut spans = Spans::default();
        json_array::split(&raw, |span| spans.push(span)).map_err(|_| ParseError::InvalidPayload)?;
        Ok(EventArgs { raw, spans })
    }

    /// Arguments already located by a decoder: `spans` are byte ranges of `raw`, each a whole
    /// JSON value.
    #[cfg(feature = "msgpack")]
    pub(crate) fn from_spans(raw: Str, spans: Vec<(u32, u32)>) -> Self {
        EventArgs {
            raw,
            spans: spans.into(),
        }
    }

    /// How many arguments.
    pub fn len(&self) -> usize {
        self.spans.as_slice().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.as_slice().is_empty()
    }

    /// The raw JSON of argument `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.spans
            .as_slice()
            .get(i)
            .map(|&(s, e)| &self.raw[s as usize..e as usize])
    }

    /// The raw JSON of argument `i`, sharing the buffer.
    pub fn get_str(&self, i: usize) -> Option<Str> {
        self.spans
            .as_slice()
            .get(i)
            .map(|&(s, e)| self.raw.slice(s as usize..e as usize))
    }

    /// The whole array's JSON.
    pub fn raw(&self) -> &Str {
        &self.raw
    }

    /// Deserialises the arguments from `from` on: none reads as JSON `null` (so `()` and
    /// `Option<T>` fit), one argument reads as itself, several read as an array (so tuples fit).
    pub fn deserialize<T: serde::de::DeserializeOwned>(
        &self,
        from: usize,
    ) -> Result<T, serde_json::Error> {
        match self.len().saturating_sub(from) {
            0 => serde_json::from_str("null"),
            1 => serde_json::from_str(self.get(from).unwrap_or("null")),
            _ => serde_json::from_str(&format!("[{}]", self.tail(from))),
        }
    }

    /// The arguments from `from` on, as the JSON text between brackets (`1,"2",{}`).
    pub fn tail(&self, from: usize) -> Str {
        let spans = self.spans.as_slice();
        match (spans.get(from), spans.last()) {
            (Some(&(s, _)), Some(&(_, e))) => self.raw.slice(s as usize..e as usize),
            _ => Str::default(),
        }
    }
}

/// Writes `value` as emit arguments into `out`, comma-separated, without brackets; returns how
/// many. A tuple (or fixed-size array) spreads into one argument per element, `()` is no
/// argument, anything else is one argument:
///
/// ```
/// use fastsio_protocol::sio::into_args;
/// let mut out = Vec::new();
/// assert_eq!(into_args(&(1, "two"), &mut out).unwrap(), 2);
/// assert_eq!(out, br#"1,"two""#);
/// out.clear();
/// assert_eq!(into_args(&vec![1, 2], &mut out).unwrap(), 1);
/// assert_eq!(out, b"[1,2]");
/// ```
pub fn into_args<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<usize, serde_json::Error> {
    let start = out.len();
    match value.serialize(Spread { out: &mut *out }) {
        Ok(n) => Ok(n),
        Err(SpreadError::NotSpread) => {
            out.truncate(start);
            serde_json::to_writer(&mut *out, value)?;
            Ok(1)
        }
        Err(SpreadError::Json(e)) => Err(e),
    }
}

#[derive(Debug)]
enum SpreadError {
    NotSpread,
    Json(serde_json::Error),
}

impl std::fmt::Display for SpreadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpreadError::NotSpread => f.write_str("not a tuple"),
            SpreadError::Json(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SpreadError {}

impl ser::Error for SpreadError {
    fn custom<M: std::fmt::Display>(msg: M) -> Self {
        SpreadError::Json(<serde_json::Error as ser::Error>::custom(msg))
    }
}

/// Accepts only `()` and tuples; every other shape answers `NotSpread` before writing.
struct Spread<'a> {
    out: &'a mut Vec<u8>,
}

struct SpreadTuple<'a> {
    out: &'a mut Vec<u8>,
    count: usize,
}

impl SerializeTuple for SpreadTuple<'_> {
    type Ok = usize;
    type Error = SpreadError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SpreadError> {
        if self.count > 0 {
            self.out.push(b',');
        }
        serde_json::to_writer(&mut *self.out, value).map_err(SpreadError::Json)?;
        self.count += 1;
        Ok(())
    }
    fn end(self) -> Result<usize, SpreadError> {
        Ok(self.count)
    }
}

macro_rules! not_spread {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<usize, SpreadError> {
            Err(SpreadError::NotSpread)
        })*
    };
}

impl<'a> ser::Serializer for Spread<'a> {
    type Ok = usize;
    type Error = SpreadError;
    type SerializeSeq = ser::Impossible<usize, SpreadError>;
    type SerializeTuple = SpreadTuple<'a>;
    type SerializeTupleStruct = ser::Impossible<usize, SpreadError>;
    type SerializeTupleVariant = ser::Impossible<usize, SpreadError>;
    type SerializeMap = ser::Impossible<usize, SpreadError>;
    type SerializeStruct = ser::Impossible<usize, SpreadError>;
    type SerializeStructVariant = ser::Impossible<usize, SpreadError>;

    fn serialize_unit(self) -> Result<usize, SpreadError> {
        Ok(0)
    }
    fn serialize_tuple(self, _: usize) -> Result<SpreadTuple<'a>, SpreadError> {
        Ok(SpreadTuple {
            out: self.out,
            count: 0,
        })
    }

    not_spread!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<usize, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<usize, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<usize, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, SpreadError> {
        Err(SpreadError::NotSpread)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SpreadError> {
        Err(SpreadError::NotSpread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &impl Serialize) -> (usize, String) {
        let mut out = Vec::new();
        let n = into_args(v, &mut out).unwrap();
        (n, String::from_utf8(out).unwrap())
    }

    #[test]
    fn spreads_tuples_only() {
        assert_eq!(args(&()), (0, String::new()));
        assert_eq!(args(&(1,)), (1, "1".into()));
        assert_eq!(args(&(1, "2", [true])), (3, r#"1,"2",[true]"#.into()));
        assert_eq!(args(&"x"), (1, r#""x""#.into()));
        assert_eq!(args(&vec![1, 2]), (1, "[1,2]".into()));
        assert_eq!(args(&serde_json::json!({"a": 1})), (1, r#"{"a":1}"#.into()));
        assert_eq!(args(&Some(3)), (1, "3".into()));
    }

    #[test]
    fn splits_received_arrays() {
        let a = EventArgs::parse(r#" ["ev", 1 , {"a":[2]}, "x"] "#.into()).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a.get(0), Some(r#""ev""#));
        assert_eq!(a.get(2), Some(r#"{"a":[2]}"#));
        assert_eq!(&*a.tail(1), r#"1 , {"a":[2]}, "x""#);
        assert_eq!(&*EventArgs::parse("[]".into()).unwrap().tail(0), "");
        for bad in [
            "{}",
            "1",
            r#""a""#,
            r#"["a""#,
            r#"["a",]"#,
            r#"["a"] x"#,
            "[1][2]",
        ] {
            assert!(EventArgs::parse(bad.into()).is_err(), "{bad}");
        }
    }
}
