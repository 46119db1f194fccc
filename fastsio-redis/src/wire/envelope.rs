//! Reading what other nodes publish: a message as a JSON tree, except the data of the
//! Socket.IO packets it carries, which is transcoded from msgpack straight to JSON text once
//! and kept as that text (a JSON string in the tree), key order, numbers and strings as sent.

use bytes::Bytes;
use fastsio::protocol::msgpack::{transcode_json, transcode_value};
use rmpv::Value as Mp;
use serde_json::Value as Json;

use super::value::{key, mp_to_json};

/// How deep the envelope is read as structure before values are read whole: a packet object
/// sits at most three levels down (`{data: {packet: {data}}}` in sharded messages).
const ENVELOPE_DEPTH: usize = 3;

/// A message as node sends it: JSON when it starts with `{`, msgpack otherwise. Returns the
/// value and the binaries it carried (placeholders in the value). In each packet object
/// (`{type: 2 | 5, data: [...], nsp}`, below the top level), `data` is a JSON string holding
/// the data's JSON text.
pub(crate) fn decode(payload: Bytes) -> Option<(Json, Vec<Bytes>)> {
    let payload = match payload.first() {
        Some(b'{') => {
            let mut mp = Vec::with_capacity(payload.len());
            transcode_json(std::str::from_utf8(&payload).ok()?, &[], &mut mp).ok()?;
            Bytes::from(mp)
        }
        _ => payload,
    };
    let mut reader = Reader {
        input: &payload,
        pos: 0,
        bins: Vec::new(),
    };
    let value = reader.value(0)?;
    (reader.pos == payload.len()).then_some((value, reader.bins))
}

struct Reader<'a> {
    input: &'a Bytes,
    pos: usize,
    bins: Vec<Bytes>,
}

impl Reader<'_> {
    fn rest(&self) -> &[u8] {
        &self.input[self.pos..]
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        let marker = *self.rest().first()?;
        let structure = depth < ENVELOPE_DEPTH;
        match marker {
            0x80..=0x8f | 0xde | 0xdf if structure => self.map(depth),
            0x90..=0x9f | 0xdc | 0xdd if structure => self.array(depth),
            _ => {
                let value = self.whole()?;
                mp_to_json(&value, &mut self.bins)
            }
        }
    }

    /// The value here, read whole.
    fn whole(&mut self) -> Option<Mp> {
        let mut rest = self.rest();
        let before = rest.len();
        let value = rmpv::decode::read_value(&mut rest).ok()?;
        self.pos += before - rest.len();
        Some(value)
    }

    /// Reads a length with `read` (which takes the marker too).
    fn len(&mut self, read: fn(&mut &[u8]) -> Option<u32>) -> Option<usize> {
        let mut rest = self.rest();
        let before = rest.len();
        let len = read(&mut rest)?;
        self.pos += before - rest.len();
        Some(len as usize)
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        let len = self.len(|r| rmp::decode::read_array_len(r).ok())?;
        let mut items = Vec::with_capacity(len.min(self.rest().len()));
        for _ in 0..len {
            items.push(self.value(depth + 1)?);
        }
        Some(Json::Array(items))
    }

    fn map(&mut self, depth: usize) -> Option<Json> {
        let len = self.len(|r| rmp::decode::read_map_len(r).ok())?;
        let mut map = serde_json::Map::new();
        let mut event = false;
        for _ in 0..len {
            let name = self.whole()?;
            let name = key(&name, &mut self.bins)?;
            let value = match name.as_str() {
                "data" if event && self.rest().first().is_some_and(is_array) => self.text()?,
                _ => self.value(depth + 1)?,
            };
            if name == "type" {
                event = depth > 0 && matches!(value.as_u64(), Some(2 | 5));
            }
            map.insert(name, value);
        }
        Some(Json::Object(map))
    }

    /// The value here as its JSON text, binaries to `bins`.
    fn text(&mut self) -> Option<Json> {
        let mut json = Vec::new();
        self.pos =
            transcode_value(self.input, self.pos, &mut json, &mut self.bins, usize::MAX).ok()?;
        String::from_utf8(json).ok().map(Json::String)
    }
}

fn is_array(marker: &u8) -> bool {
    matches!(marker, 0x90..=0x9f | 0xdc | 0xdd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::prefixes_and_corruptions;
    use crate::wire::{encode_mp, map};
    use serde_json::json;

    #[test]
    fn a_packet_data_comes_out_as_its_text_the_rest_as_a_tree() {
        // [uid, {type: 2, data: ["ev", {z: 1, a: <bin>}], nsp: "/"}, {rooms: []}]
        let input = b"\x93\xa3uid\x83\xa4type\x02\xa4data\x92\xa2ev\x82\xa1z\x01\xa1a\xc4\x01\x07\
            \xa3nsp\xa1/\x81\xa5rooms\x90";
        let (json, bins) = decode(Bytes::from_static(input)).unwrap();
        assert_eq!(
            json,
            json!(["uid", {"type": 2, "data": r#"["ev",{"z":1,"a":{"_placeholder":true,"num":0}}]"#, "nsp": "/"}, {"rooms": []}])
        );
        assert_eq!(bins, [Bytes::from_static(&[7])]);
    }

    #[test]
    fn json_messages_read_as_msgpack_ones() {
        let text =
            r#"{"uid":"u","type":7,"packet":{"type":2,"data":["ev",{"b":1,"a":0.1}],"nsp":"/"}}"#;
        let (json, bins) = decode(Bytes::from_static(text.as_bytes())).unwrap();
        assert_eq!(json["packet"]["data"], r#"["ev",{"b":1,"a":0.1}]"#);
        assert_eq!((json["type"].as_u64(), bins.len()), (Some(7), 0));
        let other = encode_mp(&map(vec![
            ("type", Mp::from(2)),
            ("data", Mp::Array(vec![])),
        ]));
        assert_eq!(
            decode(Bytes::from(other)).unwrap().0,
            json!({"type": 2, "data": []}),
            "a top-level message is not a packet"
        );
    }

    #[test]
    fn malformed_messages_are_refused_without_panicking() {
        let cases: &[&[u8]] = &[
            b"",
            b"{",
            b"{\"a\":",
            b"\x93\xa3uid",
            b"\xdf\xff\xff\xff\xff",
            b"\xdd\xff\xff\xff\xff\x01",
            b"\x81\xa1a\x82\xa4type\x02\xa4data\x91\xc1",
            b"\x81\xa1a\x82\xa4type\x02\xa4data\x92\xa1e\xd5\x01\x00\x00",
            b"\x81\xa1a\x82\xa4type\x02\xa4data\x91\xa2\xff\xfe",
            b"\xc0\xc0",
            b"\xd4\x05\x00",
        ];
        for case in cases {
            assert_eq!(decode(Bytes::from_static(case)), None, "{case:?}");
        }
    }

    /// Every prefix of a real message, and a few thousand corruptions of it (seeded, so a
    /// failure replays): each is read or refused, never a panic, and whatever is read holds
    /// its packet data as JSON text that parses.
    #[test]
    fn corrupted_messages_never_panic() {
        let good: &[u8] = b"\x84\xa3uid\xa1u\xa3nsp\xa1/\xa4type\x03\xa4data\x82\xa6packet\x83\xa4type\x02\
            \xa4data\x94\xa2ev\x82\xa1z\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a\xa1a\xc4\x01\x07\xcf\xff\xff\xff\xff\xff\xff\xff\xff\
            \xa4\xe2\x80\xa8\x22\xa3nsp\xa1/\xa4opts\x81\xa5rooms\x91\xa1r";
        let (json, _) = decode(Bytes::from_static(good)).unwrap();
        let data = json["data"]["packet"]["data"].as_str().unwrap();
        assert_eq!(
            data,
            "[\"ev\",{\"z\":0.1,\"a\":{\"_placeholder\":true,\"num\":0}},18446744073709551615,\"\u{2028}\\\"\"]"
        );
        let check = |input: Vec<u8>| {
            if let Some((json, _)) = decode(Bytes::from(input))
                && let Some(Json::String(data)) = json.pointer("/data/packet/data")
            {
                serde_json::from_str::<Json>(data).expect("packet data is JSON");
            }
        };
        prefixes_and_corruptions(good, 15, check);
    }
}
