//! fastsio-admin against the protocol of `@socket.io/admin-ui` 0.5, spoken by
//! socket.io-client@4 the way the UI does (`tests/js/admin_ui.mjs`): the login, `config`,
//! `server_stats`, `all_sockets`, socket/room/event notifications in development mode, the
//! `join`/`leave`/`emit`/`_disconnect` commands on a regular client, read-only and
//! production modes.

use std::time::Duration;

use fastsio::prelude::*;
use fastsio_admin::{AdminAuth, AdminError, AdminOptions, Mode, instrument};
use fastsio_tests::run_node;
use fastsio_tests::server::TestServer;
use serde_json::{Value, json};

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// bcrypt of "s3cret" (cost 4, to keep the tests quick), the script's password.
const HASH: &str = "$2b$04$QLmtnzCxA8lqbK3HYVmwIuokZ05rKeoHFdRe1idDyhAXYmBFL1Tl.";

fn options() -> AdminOptions {
    AdminOptions::new(AdminAuth::Basic {
        username: "admin".into(),
        password_hash: HASH.into(),
    })
    .server_id("test-server")
    .stats_interval(Duration::from_millis(200))
}

async fn echo(socket: SocketRef, Data(v): Data<Value>) -> Ack<Value> {
    socket.emit_raw("echoed", &v).unwrap();
    Ack(v)
}

async fn join_room(socket: SocketRef, Data(room): Data<String>) {
    socket.join(room);
}

async fn rooms(socket: SocketRef) -> Ack<Vec<String>> {
    let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
    rooms.sort();
    Ack(rooms)
}

/// The main namespace's handlers the scenarios use, instrumented with `options`.
fn server(options: AdminOptions) -> Io {
    let routes = Routes::new("/")
        .on("echo", echo)
        .on("join_room", join_room)
        .on("rooms", rooms);
    instrument(Server::builder().routes(routes), options)
        .expect("valid admin options")
        .build()
        .expect("valid server")
}

async fn run(io: &Io, scenario: &str) -> Value {
    let server = TestServer::start(io.service()).await;
    let out = run_node(
        "admin_ui.mjs",
        &[scenario, &server.http("")],
        SCRIPT_TIMEOUT,
    )
    .await;
    out.passed()["details"].clone()
}

const ALL_FEATURES: [&str; 9] = [
    "EMIT",
    "JOIN",
    "LEAVE",
    "DISCONNECT",
    "MJOIN",
    "MLEAVE",
    "MDISCONNECT",
    "AGGREGATED_EVENTS",
    "ALL_EVENTS",
];

#[tokio::test]
async fn login_refuses_wrong_credentials_and_hands_a_session() {
    let io = server(options());
    let d = run(&io, "login").await;
    let invalid = json!({"message": "invalid credentials", "data": null});
    assert_eq!(d["noAuth"], invalid);
    assert_eq!(d["wrong"], invalid);
    assert_eq!(d["forged"], invalid);
    let session = d["session"].as_str().unwrap();
    assert_eq!(session.len(), 16, "{session}");
    assert_eq!(
        d["sessionsOnReconnect"], 0,
        "a session login gets no new session"
    );
    assert_eq!(d["config"], json!({"supportedFeatures": ALL_FEATURES}));
    let stats = &d["serverStats"];
    assert_eq!(stats["serverId"], "test-server");
    assert_eq!(stats["pid"], std::process::id());
    assert!(stats["hostname"].as_str().is_some_and(|h| !h.is_empty()));
    assert!(stats["uptime"].as_f64().is_some_and(|u| u >= 0.0));
    assert!(stats["clientsCount"].as_u64().is_some());
    assert!(stats["pollingClientsCount"].as_u64().is_some());
    assert!(stats["aggregatedEvents"].is_array());
    let names: Vec<&str> = stats["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["/", "/admin"]);
}

#[tokio::test]
async fn development_mode_reports_sockets_rooms_events_and_obeys_commands() {
    let io = server(options());
    let d = run(&io, "live").await;
    let client = d["clientId"].as_str().unwrap();
    assert_eq!(d["config"], json!({"supportedFeatures": ALL_FEATURES}));
    // The admin connected first: nothing else is connected yet.
    assert_eq!(d["allSockets"], json!([]));

    let details = &d["details"];
    assert_eq!(details["id"], client);
    assert_eq!(details["nsp"], "/");
    assert_eq!(details["data"], json!({}));
    assert_eq!(details["clientId"].as_str().unwrap().len(), 12);
    assert!(["polling", "websocket"].contains(&details["transport"].as_str().unwrap()));
    assert_eq!(details["rooms"], json!([client]));
    let handshake = &details["handshake"];
    assert_eq!(handshake["address"], "127.0.0.1");
    assert_eq!(handshake["query"]["EIO"], "4");
    assert_eq!(handshake["query"]["transport"], "polling");
    assert!(
        handshake["url"]
            .as_str()
            .unwrap()
            .starts_with("/socket.io/?EIO=4")
    );
    assert!(handshake["headers"]["host"].as_str().is_some());
    assert_eq!(handshake["secure"], false);
    assert_eq!(handshake["xdomain"], false);
    assert!(
        handshake["issued"]
            .as_u64()
            .is_some_and(|t| t > 1_600_000_000_000)
    );
    assert!(handshake["time"].as_str().is_some());
    assert_eq!(d["ownRoom"], "/");

    assert_eq!(
        d["upgraded"],
        json!({"id": client, "nsp": "/", "transport": "websocket"})
    );
    assert_eq!(d["echoed"], json!({"x": 1}));
    assert_eq!(d["received"][0], "/");
    assert_eq!(d["received"][2], json!(["echo", {"x": 1}]));
    assert_eq!(d["sent"][2], json!(["echoed", {"x": 1}]));
    assert_eq!(d["joined"][0], "/");
    assert_eq!(d["joined"][2], client);

    let stats = &d["twoClients"];
    assert_eq!(stats["clientsCount"], 2);
    assert_eq!(stats["pollingClientsCount"], 0);
    let kinds: Vec<&str> = stats["aggregatedEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(kinds.iter().all(|k| {
        [
            "rawConnection",
            "rawDisconnection",
            "packetsIn",
            "packetsOut",
            "bytesIn",
            "bytesOut",
        ]
        .contains(k)
    }));

    assert_eq!(d["joinAck"], json!(null));
    assert_eq!(d["roomsAfterJoin"], json!(sorted([client, "lobby", "vip"])));
    assert_eq!(d["leaveAck"], json!(null));
    assert_eq!(d["roomsAfterLeave"], json!(sorted([client, "lobby"])));
    assert_eq!(d["emitAck"], json!(null));
    assert_eq!(d["helloArgs"], json!([1, "two"]));
    assert_eq!(d["unknownNs"]["error"]["code"], "unknown_namespace");
    assert_eq!(d["disconnectAck"], json!(null));
    assert_eq!(d["clientReason"], "io server disconnect");
    assert_eq!(d["serverReason"], "server namespace disconnect");
    assert_eq!(d["leftOnDisconnect"][0], "/");
    assert_eq!(d["otherClientReason"], "transport close");
    assert_eq!(d["otherServerReason"], "forced server close");
}

fn sorted<const N: usize>(mut items: [&str; N]) -> [&str; N] {
    items.sort();
    items
}

#[tokio::test]
async fn readonly_mode_refuses_every_command() {
    let io = server(options().readonly(true));
    let d = run(&io, "readonly").await;
    let client = d["clientId"].as_str().unwrap();
    assert_eq!(
        d["config"],
        json!({"supportedFeatures": ["AGGREGATED_EVENTS", "ALL_EVENTS"]})
    );
    let all = d["allSockets"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["id"], client);
    assert_eq!(all[0]["nsp"], "/");
    assert_eq!(all[0]["rooms"], json!([client]));
    assert_eq!(all[0]["handshake"]["address"], "127.0.0.1");
    for refusal in d["refusals"].as_array().unwrap() {
        assert_eq!(refusal["error"]["code"], "readonly", "{refusal}");
    }
    assert_eq!(d["rooms"], json!([client]));
    assert_eq!(d["stillConnected"], true);
}

#[tokio::test]
async fn production_mode_sends_stats_only() {
    let io = server(options().mode(Mode::Production));
    let d = run(&io, "production").await;
    assert_eq!(
        d["config"],
        json!({"supportedFeatures": &ALL_FEATURES[..ALL_FEATURES.len() - 1]})
    );
    assert_eq!(d["withClient"]["namespaces"][0]["socketsCount"], 1);
    assert_eq!(d["events"], json!(["config", "server_stats", "session"]));
    let aggregated = d["aggregated"].as_array().unwrap();
    for kind in [
        "bytesIn",
        "bytesOut",
        "packetsIn",
        "packetsOut",
        "rawConnection",
    ] {
        assert!(
            aggregated.contains(&json!(kind)),
            "{kind} in {aggregated:?}"
        );
    }
}

#[test]
fn refuses_a_plain_password() {
    let options = AdminOptions::new(AdminAuth::Basic {
        username: "admin".into(),
        password_hash: "s3cret".into(),
    });
    let err = instrument(Server::builder::<()>(), options).err();
    assert_eq!(err, Some(AdminError::InvalidPasswordHash));
}
