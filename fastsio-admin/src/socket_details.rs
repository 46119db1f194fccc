//! [`SocketDetails`]: a socket as the admin UI shows it (node's `SerializedSocket`), and the
//! time each socket connected, kept in the socket while the instrumentation is on.

use std::time::{SystemTime, UNIX_EPOCH};

use fastsio_core::engine::TransportKind;
use fastsio_core::{Socket, SocketRef};
use serde::Serialize;
use serde_json::{Map, Value};

/// When a socket connected; stored in each socket (development mode).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Issued(pub SystemTime);

/// node's wording for a transport.
pub(crate) fn transport_name(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Polling => "polling",
        TransportKind::Websocket => "websocket",
    }
}

/// An ISO 8601 date with milliseconds, as `JSON.stringify(new Date())` writes it.
pub(crate) fn iso_date(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// The fields of node's `SerializedSocket`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SocketDetails {
    id: String,
    client_id: String,
    transport: &'static str,
    nsp: String,
    data: Map<String, Value>,
    handshake: Handshake,
    rooms: Vec<String>,
}

/// The fields of node's handshake, `auth` left out as node's instrumentation does.
#[derive(Debug, Serialize)]
struct Handshake {
    address: String,
    headers: Map<String, Value>,
    query: Map<String, Value>,
    issued: u64,
    secure: bool,
    time: String,
    url: String,
    xdomain: bool,
}

impl SocketDetails {
    pub fn of(socket: &Socket) -> Self {
        let request = socket.request();
        let mut headers = Map::new();
        for name in request.headers.keys() {
            let values: Vec<&str> = request
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            headers.insert(name.as_str().to_owned(), Value::from(values.join(", ")));
        }
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let address = header("cf-connecting-ip")
            .or_else(|| header("x-forwarded-for"))
            .or_else(|| request.remote_addr.map(|a| a.ip().to_string()))
            .unwrap_or_default();
        let query = form_urlencoded::parse(request.uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
            .collect();
        let issued = socket.get::<Issued>().map_or_else(SystemTime::now, |i| i.0);
        let client_id: String = socket.connection_id().as_str().chars().take(12).collect();
        SocketDetails {
            id: socket.id().to_string(),
            client_id,
            transport: transport_name(socket.transport()),
            nsp: socket.ns().to_owned(),
            data: Map::new(),
            handshake: Handshake {
                address,
                xdomain: request.headers.contains_key("origin"),
                headers,
                query,
                issued: issued
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64),
                secure: false,
                time: httpdate::fmt_http_date(issued),
                url: request
                    .uri
                    .path_and_query()
                    .map_or_else(|| request.uri.to_string(), |p| p.to_string()),
            },
            rooms: socket
                .rooms()
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
        }
    }

    /// The details of every socket of every namespace.
    pub fn all(io: &fastsio_core::Io) -> Vec<SocketDetails> {
        io.namespaces()
            .iter()
            .flat_map(|ns| ns.sockets())
            .map(|s: SocketRef| SocketDetails::of(&s))
            .collect()
    }
}
