//! msgpack values built here (envelopes, small JSON values) and their encoding, with room for
//! msgpack that is already encoded (a packet's data, transcoded straight from its JSON text).

use bytes::Bytes;
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

/// The extension type that marks already-encoded msgpack in a tree: [`encode_mp`] writes its
/// bytes as they are. It never reaches the wire as an extension.
const RAW: i8 = i8::MIN;

/// Already-encoded msgpack (one value), to place in a tree that [`encode_mp`] writes.
pub(crate) fn raw(encoded: Vec<u8>) -> Mp {
    Mp::Ext(RAW, encoded)
}

/// JSON → msgpack, for the small values of envelopes (ids, rooms, socket descriptions, the
/// arguments of server-side emits).
pub(crate) fn json_to_mp(v: &Json) -> Mp {
    match v {
        Json::Null => Mp::Nil,
        Json::Bool(b) => Mp::Boolean(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Mp::from(i)
            } else if let Some(u) = n.as_u64() {
                Mp::from(u)
            } else {
                Mp::F64(n.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(s) => Mp::from(s.as_str()),
        Json::Array(items) => Mp::Array(items.iter().map(json_to_mp).collect()),
        Json::Object(map) => Mp::Map(
            map.iter()
                .map(|(k, v)| (Mp::from(k.as_str()), json_to_mp(v)))
                .collect(),
        ),
    }
}

/// msgpack → JSON for envelope values, binary values moved to `bins` and replaced by
/// placeholders; `None` for what JSON cannot hold (extension types, non-UTF-8 strings).
pub(crate) fn mp_to_json(v: &Mp, bins: &mut Vec<Bytes>) -> Option<Json> {
    Some(match v {
        Mp::Nil => Json::Null,
        Mp::Boolean(b) => Json::Bool(*b),
        Mp::Integer(i) => match i.as_i64() {
            Some(x) => json!(x),
            None => json!(i.as_u64()?),
        },
        Mp::F32(f) => json!(f),
        Mp::F64(f) => json!(f),
        Mp::String(s) => Json::String(s.as_str()?.to_string()),
        Mp::Array(items) => Json::Array(
            items
                .iter()
                .map(|i| mp_to_json(i, bins))
                .collect::<Option<_>>()?,
        ),
        Mp::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                map.insert(key(k, bins)?, mp_to_json(v, bins)?);
            }
            Json::Object(map)
        }
        Mp::Binary(b) => {
            bins.push(Bytes::copy_from_slice(b));
            json!({"_placeholder": true, "num": bins.len() - 1})
        }
        Mp::Ext(..) => return None,
    })
}

/// A map key as JSON reads it: a string, or the JSON text of another value.
pub(crate) fn key(k: &Mp, bins: &mut Vec<Bytes>) -> Option<String> {
    match k {
        Mp::String(s) => s.as_str().map(str::to_string),
        other => mp_to_json(other, bins).map(|j| j.to_string()),
    }
}

/// The msgpack bytes of `v`, already-encoded parts ([`raw`]) copied in place.
pub(crate) fn encode_mp(v: &Mp) -> Vec<u8> {
    let mut out = Vec::new();
    write_mp(&mut out, v);
    out
}

fn write_mp(out: &mut Vec<u8>, v: &Mp) {
    // Writing to a Vec cannot fail.
    match v {
        Mp::Ext(RAW, encoded) => out.extend_from_slice(encoded),
        Mp::Array(items) => {
            let _ = rmp::encode::write_array_len(out, items.len() as u32);
            items.iter().for_each(|i| write_mp(out, i));
        }
        Mp::Map(entries) => {
            let _ = rmp::encode::write_map_len(out, entries.len() as u32);
            for (k, v) in entries {
                write_mp(out, k);
                write_mp(out, v);
            }
        }
        leaf => {
            let _ = rmpv::encode::write_value(out, leaf);
        }
    }
}

/// A msgpack map with string keys.
pub(crate) fn map(entries: Vec<(&str, Mp)>) -> Mp {
    Mp::Map(entries.into_iter().map(|(k, v)| (Mp::from(k), v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_parts_are_written_as_they_are() {
        let tree = map(vec![("a", raw(vec![0x92, 0x01, 0xc3])), ("b", Mp::Nil)]);
        assert_eq!(encode_mp(&tree), b"\x82\xa1a\x92\x01\xc3\xa1b\xc0");
    }
}
