//! msgpack (what node's `notepack.io` writes) ⇄ JSON with Socket.IO binary placeholders.

use bytes::Bytes;
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

/// JSON → msgpack, each placeholder (`{"_placeholder": true, "num": n}`) replaced by
/// attachment `n` as msgpack bin.
pub(crate) fn json_to_mp(v: &Json, attachments: &[Bytes]) -> Mp {
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
        Json::Array(items) => Mp::Array(items.iter().map(|i| json_to_mp(i, attachments)).collect()),
        Json::Object(map) => {
            if map.get("_placeholder") == Some(&Json::Bool(true))
                && let Some(num) = map.get("num").and_then(Json::as_u64)
                && let Some(bytes) = attachments.get(num as usize)
            {
                return Mp::Binary(bytes.to_vec());
            }
            Mp::Map(
                map.iter()
                    .map(|(k, v)| (Mp::from(k.as_str()), json_to_mp(v, attachments)))
                    .collect(),
            )
        }
    }
}

/// msgpack → JSON, binary values moved to `bins` and replaced by placeholders; `None` for
/// what JSON cannot hold (ext types, non-UTF-8 strings).
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
                let key = match k {
                    Mp::String(s) => s.as_str()?.to_string(),
                    other => mp_to_json(other, bins)?.to_string(),
                };
                map.insert(key, mp_to_json(v, bins)?);
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

/// A message as node sends it: JSON when it starts with `{`, msgpack otherwise. Returns the
/// value and the binaries it carried (placeholders in the value).
pub(crate) fn decode(payload: &[u8]) -> Option<(Json, Vec<Bytes>)> {
    if payload.first() == Some(&b'{') {
        return serde_json::from_slice(payload)
            .ok()
            .map(|v| (v, Vec::new()));
    }
    let value = rmpv::decode::read_value(&mut &payload[..]).ok()?;
    let mut bins = Vec::new();
    let json = mp_to_json(&value, &mut bins)?;
    Some((json, bins))
}

pub(crate) fn encode_mp(v: &Mp) -> Vec<u8> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, v).expect("writing to a Vec cannot fail");
    out
}

/// A msgpack map with string keys.
pub(crate) fn map(entries: Vec<(&str, Mp)>) -> Mp {
    Mp::Map(entries.into_iter().map(|(k, v)| (Mp::from(k), v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_round_trip_through_placeholders() {
        let bins = vec![Bytes::from_static(b"\x01\x02")];
        let data = json!(["ev", {"b": {"_placeholder": true, "num": 0}, "n": -3, "f": 1.5}]);
        let mp = json_to_mp(&data, &bins);
        let (back, got) = decode(&encode_mp(&mp)).unwrap();
        assert_eq!(back, data);
        assert_eq!(got, bins);
        assert_eq!(decode(br#"{"type":1}"#).unwrap().0, json!({"type": 1}));
        assert!(
            decode(b"\xd4\x01\x00").is_none(),
            "ext types have no JSON form"
        );
    }
}
