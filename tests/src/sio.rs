//! Socket.IO v5 steps over a raw [`WsClient`]: opening a session, joining a namespace, and
//! reading the ack id of an event the server asks an ack for.

use serde_json::Value;

use crate::server::TestServer;
use crate::ws::WsClient;

/// The CONNECT packet for `ns` (`"/"` or `"/x"`), without a payload.
pub fn connect_packet(ns: &str) -> String {
    if ns == "/" {
        "40".to_string()
    } else {
        format!("40{ns},")
    }
}

/// Opens a WebSocket session and connects to `ns`; returns the client and the socket id.
pub async fn connect(server: &TestServer, ns: &str) -> (WsClient, String) {
    let mut ws = WsClient::connect(&server.ws("/socket.io/?EIO=4&transport=websocket")).await;
    assert!(ws.next_text().await.starts_with("0{"));
    let sid = join_ns(&mut ws, ns).await;
    (ws, sid)
}

/// Connects an open session to `ns`; returns the socket id the server answered with.
pub async fn join_ns(ws: &mut WsClient, ns: &str) -> String {
    let packet = connect_packet(ns);
    ws.send_text(&packet).await;
    let reply = ws.next_text().await;
    let body = reply
        .strip_prefix(&packet)
        .unwrap_or_else(|| panic!("connect reply {reply:?}"));
    let v: Value = serde_json::from_str(body).unwrap();
    v["sid"].as_str().unwrap().to_string()
}

/// The ack id of an EVENT frame on `/` that asks for an ack (`42<id>[..]`).
pub fn ack_id(frame: &str) -> String {
    frame["42".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}
