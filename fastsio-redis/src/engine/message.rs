//! The messages engines exchange, in node's `@socket.io/cluster-engine` envelope: a msgpack
//! map `{_source: "_eio", senderId, requestId, recipientId?, type, data}`. The types are
//! fastsio's own (16 and up, apart from node's 0 to 6, which are skipped): fastsio forwards
//! whole polling requests and moves sessions, where node locks transports packet by packet.

use std::net::SocketAddr;

use bytes::Bytes;
use fastsio::engine::{HandOver, Packet, ProtocolVersion, RequestInfo, Sid};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use rmpv::Value;

/// The `_source` of every message (node's).
const SOURCE: &str = "_eio";

/// A request forwarded to the node that holds its session.
const FORWARD: u64 = 16;
/// The node holding the session took the request; its answer follows.
const ACCEPTED: u64 = 17;
/// The answer to a forwarded request.
const ANSWER: u64 = 18;
/// A node asks for a session, for the WebSocket upgrade it received.
const TAKE_OVER: u64 = 19;
/// The answer to a take-over: the session, or a refusal.
const HANDED: u64 = 20;

/// What a message carries.
#[derive(Debug)]
pub(crate) enum Body {
    Forward {
        sid: Sid,
        request: Request<Bytes>,
    },
    Accepted,
    Answer(Response<Bytes>),
    TakeOver {
        sid: Sid,
    },
    /// The answer to a take-over of `sid`: the session, or `None` (refused).
    Handed {
        sid: Sid,
        moved: Option<HandOver>,
    },
}

/// One message between engines.
#[derive(Debug)]
pub(crate) struct Message {
    pub sender: String,
    pub request_id: u64,
    /// `None` for a message to every node.
    pub recipient: Option<String>,
    pub body: Body,
}

impl Message {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let (kind, data) = match &self.body {
            Body::Forward { sid, request } => (FORWARD, forward_data(*sid, request)),
            Body::Accepted => (ACCEPTED, Value::Map(Vec::new())),
            Body::Answer(response) => (ANSWER, answer_data(response)),
            Body::TakeOver { sid } => (TAKE_OVER, map(vec![("sid", sid.as_str().into())])),
            Body::Handed { sid, moved } => (HANDED, handed_data(*sid, moved.as_ref())),
        };
        let mut fields = vec![
            ("_source", Value::from(SOURCE)),
            ("senderId", self.sender.as_str().into()),
            ("requestId", self.request_id.into()),
            ("type", kind.into()),
            ("data", data),
        ];
        if let Some(recipient) = &self.recipient {
            fields.push(("recipientId", recipient.as_str().into()));
        }
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, &map(fields)).expect("writing to a Vec cannot fail");
        out
    }

    /// The message in `payload`; `None` for anything else (another source, a type of node's,
    /// a malformed message).
    pub(crate) fn decode(payload: &[u8]) -> Option<Message> {
        let Value::Map(fields) = rmpv::decode::read_value(&mut &payload[..]).ok()? else {
            return None;
        };
        if field(&fields, "_source")?.as_str()? != SOURCE {
            return None;
        }
        let data = field(&fields, "data")?;
        let body = match field(&fields, "type")?.as_u64()? {
            FORWARD => Body::Forward {
                sid: sid(data)?,
                request: request(data)?,
            },
            ACCEPTED => Body::Accepted,
            ANSWER => Body::Answer(response(data)?),
            TAKE_OVER => Body::TakeOver { sid: sid(data)? },
            HANDED => Body::Handed {
                sid: sid(data)?,
                moved: hand_over(data)?,
            },
            _ => return None,
        };
        Some(Message {
            sender: field(&fields, "senderId")?.as_str()?.to_string(),
            request_id: field(&fields, "requestId")?.as_u64()?,
            recipient: field(&fields, "recipientId")
                .and_then(Value::as_str)
                .map(str::to_string),
            body,
        })
    }
}

fn map(fields: Vec<(&str, Value)>) -> Value {
    Value::Map(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

fn field<'a>(fields: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|(k, _)| k.as_str() == Some(name))
        .map(|(_, v)| v)
}

fn data_field<'a>(data: &'a Value, name: &str) -> Option<&'a Value> {
    match data {
        Value::Map(fields) => field(fields, name),
        _ => None,
    }
}

fn bin(bytes: &[u8]) -> Value {
    Value::Binary(bytes.to_vec())
}

fn bytes_of(value: Option<&Value>) -> Option<Bytes> {
    match value? {
        Value::Binary(b) => Some(Bytes::copy_from_slice(b)),
        _ => None,
    }
}

fn sid(data: &Value) -> Option<Sid> {
    data_field(data, "sid")?.as_str()?.parse().ok()
}

fn headers_value(headers: &HeaderMap) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(name, value)| Value::Array(vec![name.as_str().into(), bin(value.as_bytes())]))
            .collect(),
    )
}

fn headers_of(value: Option<&Value>) -> Option<HeaderMap> {
    let mut headers = HeaderMap::new();
    for pair in value?.as_array()? {
        let [name, value] = pair.as_array()?.as_slice() else {
            return None;
        };
        let name = HeaderName::from_bytes(name.as_str()?.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(value.as_slice()?).ok()?;
        headers.append(name, value);
    }
    Some(headers)
}

fn forward_data(sid: Sid, request: &Request<Bytes>) -> Value {
    map(vec![
        ("sid", sid.as_str().into()),
        ("method", request.method().as_str().into()),
        ("uri", request.uri().to_string().into()),
        ("headers", headers_value(request.headers())),
        ("body", bin(request.body())),
    ])
}

fn request(data: &Value) -> Option<Request<Bytes>> {
    let mut request = Request::new(bytes_of(data_field(data, "body"))?);
    *request.method_mut() =
        Method::from_bytes(data_field(data, "method")?.as_str()?.as_bytes()).ok()?;
    *request.uri_mut() = data_field(data, "uri")?.as_str()?.parse::<Uri>().ok()?;
    *request.headers_mut() = headers_of(data_field(data, "headers"))?;
    Some(request)
}

fn answer_data(response: &Response<Bytes>) -> Value {
    map(vec![
        ("status", response.status().as_u16().into()),
        ("headers", headers_value(response.headers())),
        ("body", bin(response.body())),
    ])
}

fn response(data: &Value) -> Option<Response<Bytes>> {
    let mut response = Response::new(bytes_of(data_field(data, "body"))?);
    let status = u16::try_from(data_field(data, "status")?.as_u64()?).ok()?;
    *response.status_mut() = StatusCode::from_u16(status).ok()?;
    *response.headers_mut() = headers_of(data_field(data, "headers"))?;
    Some(response)
}

fn handed_data(sid: Sid, moved: Option<&HandOver>) -> Value {
    let Some(moved) = moved else {
        return map(vec![("moved", false.into()), ("sid", sid.as_str().into())]);
    };
    let packets = moved
        .packets
        .iter()
        .filter_map(|packet| match packet {
            Packet::Message(text) => Some(Value::Array(vec![false.into(), bin(text.as_bytes())])),
            Packet::Binary(data) => Some(Value::Array(vec![true.into(), bin(data)])),
            _ => None,
        })
        .collect();
    let request = &moved.request;
    map(vec![
        ("moved", true.into()),
        ("sid", sid.as_str().into()),
        (
            "eio",
            match moved.version {
                ProtocolVersion::V3 => 3u64,
                ProtocolVersion::V4 => 4u64,
            }
            .into(),
        ),
        ("binary", moved.supports_binary.into()),
        ("method", request.method.as_str().into()),
        ("uri", request.uri.to_string().into()),
        ("headers", headers_value(&request.headers)),
        (
            "remote",
            request
                .remote_addr
                .map_or(Value::Nil, |a| a.to_string().into()),
        ),
        ("packets", Value::Array(packets)),
    ])
}

/// `Some(None)`: a refusal; `None`: a malformed answer.
fn hand_over(data: &Value) -> Option<Option<HandOver>> {
    if !data_field(data, "moved")?.as_bool()? {
        return Some(None);
    }
    let version = match data_field(data, "eio")?.as_u64()? {
        3 => ProtocolVersion::V3,
        4 => ProtocolVersion::V4,
        _ => return None,
    };
    let mut packets = Vec::new();
    for packet in data_field(data, "packets")?.as_array()? {
        let [binary, payload] = packet.as_array()?.as_slice() else {
            return None;
        };
        let payload = bytes_of(Some(payload))?;
        packets.push(match binary.as_bool()? {
            true => Packet::Binary(payload),
            false => Packet::Message(payload.try_into().ok()?),
        });
    }
    let request = RequestInfo {
        method: Method::from_bytes(data_field(data, "method")?.as_str()?.as_bytes()).ok()?,
        uri: data_field(data, "uri")?.as_str()?.parse().ok()?,
        headers: headers_of(data_field(data, "headers"))?,
        remote_addr: data_field(data, "remote")
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<SocketAddr>().ok()),
    };
    Some(Some(HandOver {
        sid: sid(data)?,
        version,
        supports_binary: data_field(data, "binary")?.as_bool()?,
        request,
        packets,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(body: Body) -> Body {
        let message = Message {
            sender: "node-a".into(),
            request_id: 7,
            recipient: Some("node-b".into()),
            body,
        };
        let decoded = Message::decode(&message.encode()).expect("decodes");
        assert_eq!(decoded.sender, "node-a");
        assert_eq!(decoded.request_id, 7);
        assert_eq!(decoded.recipient.as_deref(), Some("node-b"));
        decoded.body
    }

    #[test]
    fn forwarded_request_keeps_method_uri_headers_and_body() {
        let sid = Sid::new();
        let request = Request::post("/socket.io/?EIO=4&transport=polling&sid=x")
            .header("content-type", "text/plain;charset=UTF-8")
            .body(Bytes::from_static(b"40"))
            .unwrap();
        let Body::Forward {
            sid: got,
            request: r,
        } = round_trip(Body::Forward { sid, request })
        else {
            panic!("not a forward");
        };
        assert_eq!(got, sid);
        assert_eq!(r.method(), Method::POST);
        assert_eq!(r.uri(), "/socket.io/?EIO=4&transport=polling&sid=x");
        assert_eq!(r.headers()["content-type"], "text/plain;charset=UTF-8");
        assert_eq!(r.body().as_ref(), b"40");
    }

    #[test]
    fn handed_over_session_keeps_its_request_and_messages() {
        let moved = HandOver {
            sid: Sid::new(),
            version: ProtocolVersion::V4,
            supports_binary: true,
            request: RequestInfo {
                method: Method::GET,
                uri: "/socket.io/?EIO=4&transport=polling".parse().unwrap(),
                headers: HeaderMap::from_iter([(
                    HeaderName::from_static("x-token"),
                    HeaderValue::from_static("t"),
                )]),
                remote_addr: Some("127.0.0.1:5000".parse().unwrap()),
            },
            packets: vec![
                Packet::Message("0{}".into()),
                Packet::Binary(Bytes::from_static(&[1, 2])),
            ],
        };
        let handed = Body::Handed {
            sid: moved.sid,
            moved: Some(moved.clone()),
        };
        let Body::Handed {
            moved: Some(got), ..
        } = round_trip(handed)
        else {
            panic!("not a hand-over");
        };
        assert_eq!(got.sid, moved.sid);
        assert_eq!(got.request.uri, moved.request.uri);
        assert_eq!(got.request.headers, moved.request.headers);
        assert_eq!(got.request.remote_addr, moved.request.remote_addr);
        assert!(matches!(&got.packets[0], Packet::Message(m) if m == "0{}"));
        assert!(matches!(&got.packets[1], Packet::Binary(b) if b.as_ref() == [1, 2]));
        let refused = round_trip(Body::Handed {
            sid: moved.sid,
            moved: None,
        });
        assert!(matches!(refused, Body::Handed { sid, moved: None } if sid == moved.sid));
    }

    #[test]
    fn other_sources_and_garbage_are_skipped() {
        assert!(Message::decode(b"\xc1garbage").is_none());
        let node_lock = map(vec![
            ("_source", "_eio".into()),
            ("senderId", "n".into()),
            ("requestId", 1u64.into()),
            ("type", 0u64.into()),
            ("data", map(vec![("sid", "abc".into())])),
        ]);
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, &node_lock).unwrap();
        assert!(Message::decode(&out).is_none());
    }
}
