//! The guide's nginx configuration (`docs/guide/serving.md`, "Behind a TLS proxy") works: the
//! block is read from the page itself and run in a real nginx on loopback ports, in front of two
//! fastsio servers, as the page says (`ip_hash` upstream, no cluster engine). TLS is nginx's own
//! business and the Rust client speaks plain HTTP, so the `listen .. ssl` line becomes a plain
//! `listen` and the certificate lines go; every proxying directive stays as written.
//! Clients connect through it with long-polling only, WebSocket only, and polling then the
//! upgrade; each gets its ack, and the handler sees the `X-Forwarded-For` nginx sets.

use std::path::Path;
use std::time::Duration;

use fastsio::engine::TransportKind;
use fastsio::prelude::*;
use fastsio_client::testing::TestServer;
use fastsio_client::{Manager, Reconnection, Transport};
use fastsio_tests::nginx::Nginx;
use fastsio_tests::server::eventually_async;

/// The first ```nginx block of the serving page.
fn guide_block() -> String {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/guide/serving.md");
    let page = std::fs::read_to_string(page).expect("docs/guide/serving.md");
    let start = page.find("```nginx\n").expect("an nginx block") + "```nginx\n".len();
    let len = page[start..].find("```").expect("the block ends");
    page[start..start + len].to_string()
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The guide's block with this test's ports and directories.
fn adapted(
    block: &str,
    upstreams: [String; 2],
    https_port: u16,
    http_port: u16,
    dir: &Path,
) -> String {
    let lines: Vec<String> = block
        .lines()
        .filter(|l| !l.trim_start().starts_with("ssl_certificate"))
        .map(|l| {
            l.replace(
                "server 127.0.0.1:3000;",
                &format!("server {};", upstreams[0]),
            )
            .replace(
                "server 127.0.0.1:3001;",
                &format!("server {};", upstreams[1]),
            )
            .replace(
                "listen 443 ssl;",
                &format!("listen 127.0.0.1:{https_port};"),
            )
            .replace("listen 80;", &format!("listen 127.0.0.1:{http_port};"))
            .replace("/var/www/chat", &dir.display().to_string())
        })
        .collect();
    lines.join("\n")
}

/// What the handler saw of the request: the forwarded client address.
async fn forwarded(hs: Handshake) -> Ack<Option<String>> {
    Ack(hs
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(String::from))
}

/// Where a loopback test server listens, `host:port`.
fn addr(server: &TestServer) -> String {
    server
        .addr()
        .expect("a loopback test server has an address")
        .to_string()
}

fn app() -> Io {
    Server::builder()
        .routes(Routes::new("/").on("forwarded", forwarded))
        .build()
        .expect("the app builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_nginx_block_proxies_polling_websocket_and_the_upgrade() {
    if !Nginx::installed() {
        return;
    }
    let (first_io, second_io) = (app(), app());
    let first = TestServer::start(first_io.service()).await;
    let second = TestServer::start(second_io.service()).await;
    let (port, redirect_port) = (free_port(), free_port());
    let dir = std::env::temp_dir().join(format!("fastsio-guide-nginx-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let block = adapted(
        &guide_block(),
        [addr(&first), addr(&second)],
        port,
        redirect_port,
        &dir,
    );
    assert!(block.contains("ip_hash;"), "the guide's upstream: {block}");
    let _nginx = Nginx::start(dir, &block, port).await;

    let url = format!("http://127.0.0.1:{port}");
    for transports in [
        vec![Transport::Polling, Transport::WebSocket],
        vec![Transport::Polling],
        vec![Transport::WebSocket],
    ] {
        let manager = Manager::builder(&url)
            .transports(transports.clone())
            .reconnection(Reconnection::disabled())
            .build()
            .unwrap();
        let socket = manager.socket("/").connect().await.unwrap_or_else(|e| {
            panic!("{transports:?}: no connection through nginx: {e}");
        });
        let seen: Option<String> = socket
            .emit_raw_with_ack("forwarded", &(), Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("{transports:?}: no ack through nginx: {e}"));
        assert_eq!(seen.as_deref(), Some("127.0.0.1"), "{transports:?}");
        if transports.len() == 2 {
            let (first, second) = (first_io.clone(), second_io.clone());
            eventually_async("the upgrade to WebSocket through nginx", || {
                let sockets = [first.sockets(), second.sockets()].concat();
                async move {
                    sockets
                        .iter()
                        .any(|s| s.transport() == TransportKind::Websocket)
                }
            })
            .await;
        }
        socket.disconnect();
    }
}
