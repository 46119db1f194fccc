//! Broadcast options on the wire: `{rooms, except, flags}`.

use std::time::Duration;

use fastsio::Room;
use fastsio::adapter::BroadcastOptions;
use rmpv::Value as Mp;
use serde_json::{Value as Json, json};

use super::map;

/// The options object other nodes read with a broadcast: `{rooms, except, flags}`.
pub(crate) fn opts_mp(opts: &BroadcastOptions, timeout: Option<Duration>) -> Mp {
    let rooms = |rooms: &[Room]| Mp::Array(rooms.iter().map(|r| Mp::from(&**r)).collect());
    let mut flags = Vec::new();
    if opts.volatile {
        flags.push((Mp::from("volatile"), Mp::Boolean(true)));
    }
    if let Some(t) = timeout {
        flags.push((Mp::from("timeout"), Mp::from(t.as_millis() as u64)));
    }
    map(vec![
        ("rooms", rooms(&opts.rooms)),
        ("except", rooms(&opts.except)),
        ("flags", Mp::Map(flags)),
    ])
}

/// The options of a request (`{rooms, except}`), as node sends them in JSON.
pub(crate) fn opts_request_json(opts: &BroadcastOptions) -> Json {
    json!({"rooms": rooms_json(&opts.rooms), "except": rooms_json(&opts.except)})
}

/// Options another node sent, applied to this node's sockets only.
pub(crate) fn opts_from_json(opts: Option<&Json>) -> BroadcastOptions {
    BroadcastOptions {
        rooms: rooms_from_json(opts.and_then(|o| o.get("rooms"))),
        except: rooms_from_json(opts.and_then(|o| o.get("except"))),
        local: true,
        volatile: opts.and_then(|o| o.pointer("/flags/volatile")) == Some(&Json::Bool(true)),
    }
}

pub(crate) fn rooms_json(rooms: &[Room]) -> Json {
    Json::Array(rooms.iter().map(|r| Json::String(r.to_string())).collect())
}

/// A list of room names (node allows numbers as room names too).
pub(crate) fn rooms_from_json(v: Option<&Json>) -> Vec<Room> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| match r {
                    Json::String(s) => Some(Room::from(s.as_str())),
                    Json::Number(n) => Some(Room::from(n.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}
