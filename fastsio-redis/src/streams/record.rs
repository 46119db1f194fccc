//! A recovery record under its Redis key: base64 msgpack of `{sid, pid, rooms, data}`, as
//! node's `@socket.io/redis-streams-adapter` keeps its sessions. Session values are Rust values
//! and stay behind (`data` is nil); a record node wrote (its ids are not in fastsio's format)
//! does not restore here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use fastsio::Room;
use fastsio::adapter::RecoveryRecord;
use rmpv::Value as Mp;

use crate::wire::{encode_mp, map};

/// The value a record is kept as.
pub(crate) fn encode(record: &RecoveryRecord) -> String {
    let rooms = record.rooms.iter().map(|r| Mp::from(&**r)).collect();
    let value = map(vec![
        ("sid", Mp::from(record.sid.as_str())),
        ("pid", Mp::from(record.pid.as_str())),
        ("rooms", Mp::Array(rooms)),
        ("data", Mp::Nil),
    ]);
    BASE64.encode(encode_mp(&value))
}

/// A record read back; `None` when malformed or not one of fastsio's.
pub(crate) fn decode(value: &[u8]) -> Option<RecoveryRecord> {
    let bytes = BASE64.decode(value).ok()?;
    let Mp::Map(fields) = rmpv::decode::read_value(&mut bytes.as_slice()).ok()? else {
        return None;
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v)
    };
    let rooms = match field("rooms")? {
        Mp::Array(rooms) => rooms
            .iter()
            .filter_map(|r| r.as_str().map(Room::from))
            .collect(),
        _ => return None,
    };
    Some(RecoveryRecord {
        sid: field("sid")?.as_str()?.parse().ok()?,
        pid: field("pid")?.as_str()?.parse().ok()?,
        rooms,
        extensions: http::Extensions::new(),
    })
}

#[cfg(test)]
mod tests {
    use fastsio::engine::Sid;

    use super::*;

    #[test]
    fn a_record_keeps_its_ids_and_rooms() {
        let sid = Sid::new();
        let record = RecoveryRecord {
            sid,
            pid: Sid::new(),
            rooms: vec![Room::from(sid.as_str()), Room::from("r")],
            extensions: http::Extensions::new(),
        };
        let back = decode(encode(&record).as_bytes()).unwrap();
        assert_eq!(
            (back.sid, back.pid, back.rooms),
            (record.sid, record.pid, record.rooms)
        );
        assert!(decode(b"not base64!").is_none());
        assert!(decode(BASE64.encode(b"\x01").as_bytes()).is_none());
    }
}
