//! Stream entries in the shape of node's `ClusterAdapter` messages: fields `uid`, `nsp`, `type`
//! (`"3"` for a broadcast) and `data`, the `{packet, opts}` object as JSON, or as base64
//! msgpack when the packet carries binary.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use fastsio::adapter::BroadcastOptions;
use fastsio::protocol::EncodedPacket;
use fastsio::protocol::msgpack::transcode_value;
use redis::Value;
use serde_json::Value as Json;

use crate::wire::{
    RemotePacket, decode, encode_mp, map, opts_from_json, opts_mp, packet_json, packet_mp,
};

/// The `type` of a broadcast (node's `MessageType.BROADCAST`).
pub(crate) const BROADCAST: &str = "3";

/// The `data` field of a broadcast entry; `None` for a packet that is not an event.
pub(crate) fn broadcast_data(
    nsp: &str,
    packet: &EncodedPacket,
    opts: &BroadcastOptions,
) -> Option<String> {
    let opts = opts_mp(opts, None);
    if packet.attachments.is_empty() {
        let packet = packet_json(nsp, packet)?;
        let opts = mp_json(&encode_mp(&opts))?;
        return Some(format!(r#"{{"packet":{packet},"opts":{opts}}}"#));
    }
    let body = map(vec![("packet", packet_mp(nsp, packet)?), ("opts", opts)]);
    Some(BASE64.encode(encode_mp(&body)))
}

/// The JSON text of the msgpack value `mp`.
fn mp_json(mp: &[u8]) -> Option<String> {
    let mut json = Vec::new();
    transcode_value(
        &Bytes::copy_from_slice(mp),
        0,
        &mut json,
        &mut Vec::new(),
        0,
    )
    .ok()?;
    String::from_utf8(json).ok()
}

/// One entry read from the stream.
#[derive(Debug, PartialEq)]
pub(crate) struct Entry {
    /// The entry id: the offset of the packet it holds.
    pub(crate) id: String,
    pub(crate) uid: Option<String>,
    pub(crate) nsp: Option<String>,
    kind: Option<String>,
    data: Option<String>,
}

impl Entry {
    /// An entry of an `XRANGE` reply (`[id, [field, value, ...]]`).
    fn parse(value: &Value) -> Option<Entry> {
        let Value::Array(parts) = value else {
            return None;
        };
        let [id, Value::Array(fields)] = parts.as_slice() else {
            return None;
        };
        let mut entry = Entry {
            id: text(id)?,
            uid: None,
            nsp: None,
            kind: None,
            data: None,
        };
        for pair in fields.chunks_exact(2) {
            let slot = match text(&pair[0]).as_deref() {
                Some("uid") => &mut entry.uid,
                Some("nsp") => &mut entry.nsp,
                Some("type") => &mut entry.kind,
                Some("data") => &mut entry.data,
                _ => continue,
            };
            *slot = text(&pair[1]);
        }
        Some(entry)
    }

    /// The broadcast it holds, if it is one: the packet for clients (the entry id as its
    /// offset, unless volatile) and who it is for, on this node only.
    pub(crate) fn broadcast(&self) -> Option<(EncodedPacket, BroadcastOptions)> {
        if self.kind.as_deref() != Some(BROADCAST) {
            return None;
        }
        let (data, bins) = decode_data(self.data.as_deref()?)?;
        let packet = RemotePacket::from_json(data.get("packet")?, bins)?.encode(None);
        let opts = opts_from_json(data.get("opts"));
        let packet = match opts.volatile {
            true => packet,
            false => packet.with_offset(&self.id),
        };
        Some((packet, opts))
    }
}

fn decode_data(data: &str) -> Option<(Json, Vec<Bytes>)> {
    if data.starts_with('{') {
        return decode(Bytes::copy_from_slice(data.as_bytes()));
    }
    decode(BASE64.decode(data).ok()?.into())
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// The entries of an `XRANGE` reply, oldest first (malformed ones skipped).
pub(crate) fn range_reply(value: &Value) -> Vec<Entry> {
    match value {
        Value::Array(entries) => entries.iter().filter_map(Entry::parse).collect(),
        _ => Vec::new(),
    }
}

/// The entries of an `XREAD` reply on one stream (`nil` when it timed out).
pub(crate) fn read_reply(value: &Value) -> Vec<Entry> {
    let streams = match value {
        Value::Array(streams) => streams
            .iter()
            .filter_map(|s| match s {
                Value::Array(pair) => pair.get(1),
                _ => None,
            })
            .collect::<Vec<_>>(),
        Value::Map(streams) => streams.iter().map(|(_, entries)| entries).collect(),
        _ => Vec::new(),
    };
    streams.into_iter().flat_map(range_reply).collect()
}

/// Whether `offset` reads as a stream id (`<ms>-<seq>`).
pub(crate) fn is_offset(offset: &str) -> bool {
    offset
        .split_once('-')
        .is_some_and(|(ms, seq)| digits(ms) && digits(seq))
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The smallest id after `offset` (an exclusive `XRANGE` start that Redis < 6.2 reads too).
pub(crate) fn next_offset(offset: &str) -> Option<String> {
    let (ms, seq) = offset.split_once('-')?;
    let seq: u64 = seq.parse().ok()?;
    Some(match seq.checked_add(1) {
        Some(seq) => format!("{ms}-{seq}"),
        None => format!("{}-0", ms.parse::<u64>().ok()?.checked_add(1)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, data: String) -> Value {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        Value::Array(vec![
            bulk(id),
            Value::Array(vec![
                bulk("uid"),
                bulk("abc"),
                bulk("nsp"),
                bulk("/chat"),
                bulk("type"),
                bulk(BROADCAST),
                bulk("data"),
                bulk(&data),
            ]),
        ])
    }

    #[test]
    fn a_broadcast_comes_back_from_the_stream_with_its_offset() {
        let opts = BroadcastOptions {
            rooms: vec!["r".into()],
            except: vec!["x".into()],
            ..Default::default()
        };
        let text = EncodedPacket::event("/chat", "news", None, &"hi", Vec::new()).unwrap();
        let data = broadcast_data("/chat", &text, &opts).unwrap();
        assert_eq!(
            serde_json::from_str::<Json>(&data).unwrap(),
            serde_json::json!({
                "packet": {"type": 2, "data": ["news", "hi"], "nsp": "/chat"},
                "opts": {"rooms": ["r"], "except": ["x"], "flags": {}},
            })
        );
        let bins = vec![Bytes::from_static(b"\x01\x02")];
        let placeholder = serde_json::json!({"_placeholder": true, "num": 0});
        let binary = EncodedPacket::event("/chat", "file", None, &placeholder, bins).unwrap();
        let binary_data = broadcast_data("/chat", &binary, &opts).unwrap();
        assert!(
            !binary_data.starts_with('{'),
            "binary goes as base64 msgpack"
        );

        let reply = Value::Array(vec![entry("5-1", data), entry("7-0", binary_data)]);
        let entries = range_reply(&reply);
        assert_eq!(entries[0].nsp.as_deref(), Some("/chat"));
        let (packet, got) = entries[0].broadcast().unwrap();
        assert_eq!(packet, text.with_offset("5-1"));
        assert_eq!(
            (got.rooms, got.except, got.local),
            (opts.rooms.clone(), opts.except.clone(), true)
        );
        assert_eq!(entries[1].broadcast().unwrap().0, binary.with_offset("7-0"));
    }

    #[test]
    fn offsets_are_stream_ids() {
        assert!(is_offset("1700000000000-0"));
        for bad in [
            "",
            "1",
            "1-",
            "-1",
            "a-1",
            "1-1-1",
            "1-99999999999999999999999",
        ] {
            assert!(!is_offset(bad), "{bad:?}");
        }
        assert_eq!(next_offset("5-1").as_deref(), Some("5-2"));
        assert_eq!(
            next_offset(&format!("5-{}", u64::MAX)).as_deref(),
            Some("6-0")
        );
    }
}
