//! fastsio-client's Engine.IO side against a fastsio server, node's socket.io 4
//! (`tests/js-server/server.mjs`) and python-socketio 5 (`tests/py/server.py`), on WebSocket,
//! polling and the upgrade:
//! - heartbeats: the client answers the server's pings, so it stays connected across many of
//!   them;
//! - a custom Engine.IO path, with the extra headers and query parameters the server sees;
//! - the server's `maxPayload` (fastsio, node, python): a burst is split over polling POSTs that each fit it, and a
//!   message bigger than it fails the emit with `EmitError::TooLarge` (the connection stays).

use fastsio::prelude::*;
use std::time::Duration;

use fastsio_client::{
    DisconnectReason, EmitError, Manager, Reconnection, SocketBuilder, Transport,
};
use fastsio_tests::ScriptServer;
use fastsio_tests::client_app::{Echo, WAIT, routes};
use fastsio_tests::server::TestServer;
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const TRANSPORTS: [&[Transport]; 3] = [
    &[Transport::WebSocket],
    &[Transport::Polling],
    &[Transport::Polling, Transport::WebSocket],
];

/// The `maxPayload` the servers of the payload tests announce.
const MAX_PAYLOAD: usize = 2000;

async fn custom_path_headers_and_query(url: &str) {
    for transports in TRANSPORTS {
        let socket = Manager::builder(url)
            .path("/custom/")
            .transports(transports.iter().copied())
            .header("x-test", "from the client")
            .query("token", "a b&c")
            .connect_timeout(WAIT)
            .build()
            .unwrap()
            .socket("/")
            .auth(json!({"name": "path"}))
            .connect()
            .await
            .unwrap();
        let seen: Value = socket.emit_raw_with_ack("whoami", &(), WAIT).await.unwrap();
        assert_eq!(
            seen,
            json!({"header": "from the client", "token": "a b&c"}),
            "{transports:?}"
        );
        socket.disconnect();
    }
    // The default path is not served (node's HTTP server leaves it unanswered: the bound
    // ends the wait).
    let refused = Manager::builder(url)
        .transports([Transport::Polling])
        .reconnection(Reconnection::disabled())
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
        .socket("/")
        .connect()
        .await;
    assert!(refused.is_err());
}

/// A client of `/` on `transports`, and the reasons of its disconnections.
fn watched(
    url: &str,
    transports: &[Transport],
) -> (SocketBuilder, UnboundedReceiver<DisconnectReason>) {
    let (gone_tx, gone) = unbounded_channel();
    let client = Manager::builder(url)
        .transports(transports.iter().copied())
        .connect_timeout(WAIT)
        .build()
        .unwrap()
        .socket("/")
        .auth(json!({"name": "watched"}))
        .on_disconnect(move |_socket, reason| {
            let _ = gone_tx.send(reason);
            async {}
        });
    (client, gone)
}

/// The ping interval (and timeout) of the heartbeat tests' servers, in milliseconds: short,
/// yet long enough for a loaded machine to answer in time.
const PING_MS: u64 = 250;

async fn answers_the_servers_pings(url: &str) {
    for transports in TRANSPORTS {
        let (client, mut gone) = watched(url, transports);
        let socket = client.connect().await.unwrap();
        // Several heartbeats pass: a client that did not answer would be dropped after one
        // interval + timeout.
        tokio::time::sleep(Duration::from_millis(PING_MS * 2 * 3)).await;
        let echoed = socket.emit_with_ack(&Echo { n: 3 }, WAIT).await.unwrap();
        assert_eq!(echoed.n, 3, "{transports:?}");
        let dropped = gone.try_recv().ok();
        assert_eq!(dropped, None, "{transports:?}");
        socket.disconnect();
    }
}

async fn max_payload_is_respected(url: &str) {
    for transports in TRANSPORTS {
        let (tx, mut relayed) = unbounded_channel();
        let (client, mut gone) = watched(url, transports);
        let socket = client
            .on_data("n", move |_socket, text: String| {
                let _ = tx.send(text);
                async {}
            })
            .connect()
            .await
            .unwrap();
        // 40 messages of ~330 bytes: 16 (a POST's most) would be ~5 kB, over the limit, so
        // the server refuses unless the client splits its POSTs by size.
        let texts: Vec<String> = (0..40)
            .map(|i| format!("{i:03}{}", "x".repeat(300)))
            .collect();
        for text in &texts {
            socket.emit_raw("relay", text).unwrap();
        }
        for text in &texts {
            let got = tokio::time::timeout(WAIT, relayed.recv()).await;
            assert_eq!(got.ok().flatten().as_ref(), Some(text), "{transports:?}");
        }
        let too_large = socket.emit_raw("relay", &"y".repeat(MAX_PAYLOAD));
        let Err(EmitError::TooLarge { size, max }) = too_large else {
            panic!("expected TooLarge, got {too_large:?}");
        };
        assert_eq!(max, MAX_PAYLOAD);
        assert!(size > MAX_PAYLOAD, "{size}");
        // The connection stayed up all along.
        let echoed = socket.emit_with_ack(&Echo { n: 8 }, WAIT).await.unwrap();
        assert_eq!(echoed.n, 8, "{transports:?}");
        assert!(gone.try_recv().is_err(), "{transports:?}");
        socket.disconnect();
    }
}

/// The server settings of a scenario, applied alike to each server.
#[derive(Default, Clone, Copy)]
struct Settings {
    path: Option<&'static str>,
    max_payload: Option<usize>,
    ping_ms: Option<u64>,
}

/// A server of a scenario, running until dropped.
enum Running {
    Fastsio(TestServer),
    Script(ScriptServer),
}

impl Running {
    fn url(&self) -> String {
        match self {
            Running::Fastsio(server) => server.http(""),
            Running::Script(server) => format!("http://127.0.0.1:{}", server.port),
        }
    }
}

impl Settings {
    /// The command-line options of `server.mjs` and `server.py`.
    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        args.extend(self.path.map(|p| format!("--path={p}")));
        args.extend(self.max_payload.map(|n| format!("--max-payload={n}")));
        args.extend(self.ping_ms.map(|ms| format!("--ping={ms}")));
        args
    }

    async fn fastsio(self) -> Running {
        let mut builder = Server::builder().routes(routes("/"));
        if let Some(path) = self.path {
            builder = builder.path(path);
        }
        if let Some(max) = self.max_payload {
            builder = builder.max_payload(max);
        }
        if let Some(ms) = self.ping_ms {
            builder = builder
                .ping_interval(Duration::from_millis(ms))
                .ping_timeout(Duration::from_millis(ms));
        }
        let io = builder.build().unwrap();
        Running::Fastsio(TestServer::start(io.service()).await)
    }

    async fn node(self) -> Running {
        let args = self.args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Running::Script(ScriptServer::node_with("server.mjs", &args).await)
    }

    async fn python(self) -> Running {
        let args = self.args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Running::Script(ScriptServer::python_with("server.py", &args).await)
    }
}

/// A scenario against each named server (`fastsio`, `node`, `python`) with `settings`.
macro_rules! against {
    ($scenario:ident, $settings:expr, [$($server:ident),*]) => {
        mod $scenario {
            use super::*;
            $(#[tokio::test]
            async fn $server() {
                let server = Settings::$server($settings).await;
                $scenario(&server.url()).await;
            })*
        }
    };
}

against!(
    answers_the_servers_pings,
    Settings {
        ping_ms: Some(PING_MS),
        ..Settings::default()
    },
    [fastsio, node]
);
against!(
    custom_path_headers_and_query,
    Settings {
        path: Some("/custom/"),
        ..Settings::default()
    },
    [fastsio, node, python]
);
against!(
    max_payload_is_respected,
    Settings {
        max_payload: Some(MAX_PAYLOAD),
        ..Settings::default()
    },
    [fastsio, node, python]
);
