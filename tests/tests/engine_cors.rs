//! CORS on the Engine.IO path over real loopback sockets: closed by default, a list of origins,
//! any origin, credentials, preflights, error responses, and WebSocket left alone.

use std::time::Duration;

use fastsio::engine::{CorsConfig, Engine, EngineConfig};
use fastsio::service::EngineService;
use fastsio_examples::conformance::{Echo, engine_config};
use fastsio_tests::http::{HttpReply, request};
use fastsio_tests::server::TestServer;
use futures_util::{SinkExt, StreamExt};
use http::{Method, StatusCode};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const HANDSHAKE: &str = "/engine.io/?EIO=4&transport=polling";
const ALLOWED: &str = "https://a.example";
const REFUSED: &str = "https://evil.example";

async fn start(cors: Option<CorsConfig>) -> TestServer {
    let mut config: EngineConfig = engine_config();
    config.cors = cors;
    TestServer::start(EngineService::new(Engine::new(config, Echo))).await
}

async fn get_from(server: &TestServer, path: &str, origin: &str) -> HttpReply {
    request(Method::GET, &server.http(path), &[("origin", origin)], "").await
}

async fn preflight(server: &TestServer, origin: &str, request_headers: Option<&str>) -> HttpReply {
    let mut headers = vec![
        ("origin", origin),
        ("access-control-request-method", "POST"),
    ];
    if let Some(h) = request_headers {
        headers.push(("access-control-request-headers", h));
    }
    request(Method::OPTIONS, &server.http(HANDSHAKE), &headers, "").await
}

fn header<'a>(reply: &'a HttpReply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Every `Access-Control-*` header of a reply.
fn cors_headers(reply: &HttpReply) -> Vec<String> {
    reply
        .headers
        .keys()
        .map(|k| k.as_str().to_string())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

fn varies_by_origin(reply: &HttpReply) -> bool {
    reply.headers.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .split(',')
            .any(|p| p.trim().eq_ignore_ascii_case("origin"))
    })
}

/// The sid of a handshake reply.
fn sid(reply: &HttpReply) -> String {
    let open: serde_json::Value = serde_json::from_str(&reply.text()[1..]).unwrap();
    open["sid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn no_cors_headers_by_default() {
    let server = start(None).await;
    let reply = get_from(&server, HANDSHAKE, ALLOWED).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(cors_headers(&reply), Vec::<String>::new());
    assert!(!varies_by_origin(&reply));

    // A preflight is not answered: it reaches the engine, which refuses OPTIONS as before.
    let reply = preflight(&server, ALLOWED, Some("content-type")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(cors_headers(&reply), Vec::<String>::new());
}

#[tokio::test]
async fn listed_origin_is_allowed_and_others_refused() {
    let server = start(Some(CorsConfig::origins([
        ALLOWED,
        "http://localhost:5173",
    ])))
    .await;

    let reply = get_from(&server, HANDSHAKE, ALLOWED).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().starts_with('0'));
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(header(&reply, "access-control-allow-credentials"), None);
    assert!(varies_by_origin(&reply));

    let reply = get_from(&server, HANDSHAKE, "http://localhost:5173").await;
    assert_eq!(
        header(&reply, "access-control-allow-origin"),
        Some("http://localhost:5173")
    );

    // The engine still answers a refused origin; without CORS headers the browser blocks it.
    for origin in [
        REFUSED,
        "https://a.example.evil",
        "https://A.example",
        "null",
    ] {
        let reply = get_from(&server, HANDSHAKE, origin).await;
        assert_eq!(reply.status, StatusCode::OK, "{origin}");
        assert_eq!(cors_headers(&reply), Vec::<String>::new(), "{origin}");
        assert!(varies_by_origin(&reply), "{origin}");
    }

    // No Origin (same-origin or non-browser client): nothing to add.
    let reply = request(Method::GET, &server.http(HANDSHAKE), &[], "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(cors_headers(&reply), Vec::<String>::new());
}

#[tokio::test]
async fn any_origin_gets_a_wildcard() {
    let server = start(Some(CorsConfig::any())).await;
    for origin in [ALLOWED, REFUSED] {
        let reply = get_from(&server, HANDSHAKE, origin).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(header(&reply, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(&reply, "access-control-allow-credentials"), None);
    }
}

#[tokio::test]
async fn credentials_mirror_the_origin() {
    let server = start(Some(CorsConfig::any().credentials(true))).await;
    for origin in [ALLOWED, REFUSED] {
        let reply = get_from(&server, HANDSHAKE, origin).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(header(&reply, "access-control-allow-origin"), Some(origin));
        assert_eq!(
            header(&reply, "access-control-allow-credentials"),
            Some("true")
        );
        assert!(varies_by_origin(&reply));
    }

    let server = start(Some(CorsConfig::origins([ALLOWED]).credentials(true))).await;
    let reply = get_from(&server, HANDSHAKE, ALLOWED).await;
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        header(&reply, "access-control-allow-credentials"),
        Some("true")
    );
    let reply = get_from(&server, HANDSHAKE, REFUSED).await;
    assert_eq!(cors_headers(&reply), Vec::<String>::new());
}

#[tokio::test]
async fn preflight_answers_an_allowed_origin() {
    let cors = CorsConfig::origins([ALLOWED])
        .credentials(true)
        .max_age(Duration::from_secs(600));
    let server = start(Some(cors)).await;

    let reply = preflight(&server, ALLOWED, Some("content-type, x-token")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(reply.body.is_empty());
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        header(&reply, "access-control-allow-methods"),
        Some("GET, POST, OPTIONS")
    );
    assert_eq!(
        header(&reply, "access-control-allow-headers"),
        Some("content-type, x-token")
    );
    assert_eq!(
        header(&reply, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(header(&reply, "access-control-max-age"), Some("600"));
    assert!(varies_by_origin(&reply));

    // Nothing requested, nothing configured: no Allow-Headers.
    let reply = preflight(&server, ALLOWED, None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(header(&reply, "access-control-allow-headers"), None);
}

#[tokio::test]
async fn preflight_uses_the_configured_headers_and_refuses_other_origins() {
    let cors = CorsConfig::origins([ALLOWED]).allowed_headers(["Authorization", "x-token"]);
    let server = start(Some(cors)).await;

    let reply = preflight(&server, ALLOWED, Some("x-other")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        header(&reply, "access-control-allow-headers"),
        Some("authorization, x-token")
    );
    assert_eq!(header(&reply, "access-control-allow-credentials"), None);
    assert_eq!(header(&reply, "access-control-max-age"), None);

    let reply = preflight(&server, REFUSED, Some("x-token")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(cors_headers(&reply), Vec::<String>::new());
    assert!(varies_by_origin(&reply));

    // An OPTIONS that is not a preflight (no Access-Control-Request-Method) reaches the engine.
    let reply = request(
        Method::OPTIONS,
        &server.http(HANDSHAKE),
        &[("origin", ALLOWED)],
        "",
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
}

#[tokio::test]
async fn poll_and_post_carry_the_headers() {
    let server = start(Some(CorsConfig::origins([ALLOWED]).credentials(true))).await;
    let open = get_from(&server, HANDSHAKE, ALLOWED).await;
    let url = server.http(&format!("{HANDSHAKE}&sid={}", sid(&open)));

    let reply = request(
        Method::POST,
        &url,
        &[("origin", ALLOWED), ("content-type", "text/plain")],
        "4hello",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "ok");
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        header(&reply, "access-control-allow-credentials"),
        Some("true")
    );

    let reply = request(Method::GET, &url, &[("origin", ALLOWED)], "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "4hello");
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        header(&reply, "access-control-allow-credentials"),
        Some("true")
    );
}

#[tokio::test]
async fn error_responses_carry_the_headers() {
    let server = start(Some(CorsConfig::origins([ALLOWED]))).await;
    for path in [
        "/engine.io/?EIO=9&transport=polling",
        "/engine.io/?EIO=4&transport=carrier-pigeon",
        "/engine.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let reply = get_from(&server, path, ALLOWED).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(reply.json()["code"].is_number(), "{path}");
        assert_eq!(
            header(&reply, "access-control-allow-origin"),
            Some(ALLOWED),
            "{path}"
        );
        assert_eq!(header(&reply, "content-type"), Some("application/json"));

        let reply = get_from(&server, path, REFUSED).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(cors_headers(&reply), Vec::<String>::new(), "{path}");
    }

    // A POST handshake is refused with 400, and still readable by the allowed origin.
    let reply = request(
        Method::POST,
        &server.http(HANDSHAKE),
        &[("origin", ALLOWED)],
        "4x",
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(header(&reply, "access-control-allow-origin"), Some(ALLOWED));
}

#[tokio::test]
async fn websocket_upgrades_are_unaffected() {
    let server = start(Some(CorsConfig::any().credentials(true))).await;
    let url = server.ws("/engine.io/?EIO=4&transport=websocket");
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut()
        .insert("origin", http::HeaderValue::from_static(REFUSED));
    let (ws, res) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket handshake");
    assert_eq!(res.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert!(
        res.headers()
            .keys()
            .all(|k| !k.as_str().starts_with("access-control-")),
        "{:?}",
        res.headers()
    );

    // The session works as usual.
    let (mut tx, mut rx) = ws.split();
    let open = rx.next().await.unwrap().unwrap();
    assert!(open.to_text().unwrap().starts_with('0'));
    tx.send(Message::text("4hi")).await.unwrap();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), rx.next())
            .await
            .expect("a frame within the wait bound")
            .unwrap()
            .unwrap();
        if msg.to_text().unwrap() != "2" {
            assert_eq!(msg.to_text().unwrap(), "4hi");
            break;
        }
    }
}
