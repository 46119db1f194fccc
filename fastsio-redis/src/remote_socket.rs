//! Sockets as other nodes see them: `{id, handshake, rooms, data}`, as node's `fetchSockets`
//! sends them.

use fastsio::SocketRef;
use fastsio::adapter::RemoteSocket;
use serde_json::{Value as Json, json};

use crate::wire::{rooms_from_json, rooms_json};

/// A socket's public data as other nodes see it (`socket.data` in node): insert it in the
/// socket's extensions.
///
/// ```no_run
/// # fn on_connect(socket: fastsio::SocketRef) {
/// use fastsio_redis::SocketData;
/// socket.insert(SocketData(serde_json::json!({"user": "ada"})));
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SocketData(pub Json);

/// A local socket described for another node.
pub(crate) fn describe(socket: &SocketRef) -> Json {
    let request = socket.request();
    let headers: serde_json::Map<String, Json> = request
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), Json::String(v.to_str().ok()?.to_string()))))
        .collect();
    let query: serde_json::Map<String, Json> = request
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), Json::String(v.to_string()))
        })
        .collect();
    let auth: Json = serde_json::from_str(socket.auth()).unwrap_or(json!({}));
    json!({
        "id": socket.id().to_string(),
        "handshake": {
            "headers": headers,
            "time": "",
            "address": request.remote_addr.map(|a| a.ip().to_string()).unwrap_or_default(),
            "xdomain": headers.contains_key("origin"),
            "secure": false,
            "issued": 0,
            "url": request.uri.to_string(),
            "query": query,
            "auth": auth,
        },
        "rooms": rooms_json(&socket.rooms()),
        "data": socket.get::<SocketData>().map(|d| d.0).unwrap_or(json!({})),
    })
}

/// A socket another node described.
pub(crate) fn parse(socket: &Json) -> Option<RemoteSocket> {
    Some(RemoteSocket {
        id: socket.get("id")?.as_str()?.to_string(),
        rooms: rooms_from_json(socket.get("rooms")),
        handshake: socket.get("handshake").cloned().unwrap_or(Json::Null),
        data: socket.get("data").cloned().unwrap_or(Json::Null),
    })
}
